"""The `tags:` section of a `provenance train` recipe: tag the data, add the control tokens, train their rows.

    tags:
      sources: auto          # the dataset's `source` values (sorted), or a list
      lineage: 1.0           # share of samples with a lineage copy
      refusal: 1.0           # refusal copies per sample
      positive: 0.5          # share of refusal copies naming the sample's own source
      max_named: 2           # sources named per instruction
      balanced: false        # true: the positive share per sample (refusal 2 -> one refused, one answered copy)
      seed: 0
      init: name             # new rows from the embedding of the source name, or `mean`
      tag_first: false       # true: refusal copies start with the own tag (TagScheme/TagMix tag_first; saved)
      refusal_sentence: ...  # optional, the exact refusal answer
      instruction: ...       # optional, must contain {tags}

Capture runs on the tagged rows: the store then holds originals ("<id>"), lineage copies ("<id>+lineage") and refusal
copies ("<id>+refusal<j>"), each with its source. The scheme is written to `tag_scheme.json` in the output directory
(checkpoints live inside it, so `load_tagged(base, checkpoint_dir)` finds it).
"""
from __future__ import annotations

from pathlib import Path

from provenance.errors import TagError
from provenance.tags.model_prep import prepare_model, prepare_tokenizer
from provenance.tags.scheme import TagScheme
from provenance.tags.transform import TagMix, tag_dataset

__all__ = ["TAG_OPTIONS", "apply_tags_section"]

TAG_OPTIONS = {"sources", "lineage", "refusal", "positive", "max_named", "seed", "balanced", "init",
               "refusal_sentence", "instruction", "tag_first"}


def apply_tags_section(section: dict | None, kind: str, model, tokenizer, dataset, output_dir: str | Path):
    """(model, dataset, scheme): the tokenizer and model prepared in place, the dataset tagged, the scheme saved."""
    section = dict(section or {})
    unknown = set(section) - TAG_OPTIONS
    if unknown:
        raise TagError(f"tags: unknown option(s) {sorted(unknown)}; known: {sorted(TAG_OPTIONS)}")
    if "source" not in dataset.column_names:
        raise TagError("tags: the training data need a `source` column (data.source or a source field per row)")
    sources = section.get("sources", "auto")
    if sources == "auto":
        sources = sorted({str(s) for s in dataset["source"]})
    extra = {}
    if section.get("refusal_sentence"):
        extra["refusal"] = str(section["refusal_sentence"])
    if section.get("instruction"):
        extra["instruction"] = str(section["instruction"])
    if "tag_first" in section:
        extra["tag_first"] = section["tag_first"]  # TagScheme checks it is a bool
    scheme = TagScheme(sources=tuple(sources), **extra)
    mix = TagMix(lineage=section.get("lineage", 1.0), refusal=section.get("refusal", 1.0),
                 positive=section.get("positive", 0.5), max_named=section.get("max_named", 2),
                 seed=section.get("seed", 0), balanced=section.get("balanced", False), tag_first=scheme.tag_first)
    scheme = prepare_tokenizer(tokenizer, scheme)
    prepare_model(model, tokenizer, scheme, init=section.get("init", "name"))
    dataset = tag_dataset(dataset, scheme, mix, preference=(kind == "dpo"))
    scheme.save(output_dir)
    return model, dataset, scheme
