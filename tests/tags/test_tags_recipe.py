"""Tags and capture in one run: `provenance train recipes/sft-debuglm.yaml` (tiny model) stores originals, lineage and
refusal copies with their sources; a DPO recipe with a `tags:` section tags preference pairs."""
from pathlib import Path

import pytest

from hf_app import single_thread  # noqa: F401
from provenance import open_store
from provenance.errors import TagError
from provenance.tags import TagScheme, variant_of
from provenance.train_recipe import run_recipe

pytestmark = pytest.mark.usefixtures("single_thread")
RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def tiny(tmp_path, **extra):
    sets = {"model": "tiny-llama", "train.output_dir": str(tmp_path / "out"), "train.save_strategy": '"no"',
            "train.num_train_epochs": 1, "train.per_device_train_batch_size": 4, "train.logging_steps": 1,
            "provenance.store": str(tmp_path / "s.zarr"), "provenance.layers": "[1, 3]",
            "data.demo.n_per_source": 2, "data.demo.sources": "[clean, rtp]", "lora.target_modules": "auto", **extra}
    return [f"{k}={v}" for k, v in sets.items()]


def test_sft_debuglm_recipe_captures_originals_and_tagged_copies(tmp_path):
    summary = run_recipe(RECIPES / "sft-debuglm.yaml", tiny(tmp_path))
    run = summary["runs"]["sft-debuglm"]
    assert run["rows"] == 12 and run["sources"] == {"clean": 6, "rtp": 6}   # 4 samples x (original, lineage, refusal)
    df = open_store(str(tmp_path / "s.zarr")).samples()
    by_id = dict(zip(df.sample_id, df.source))
    originals = {k: v for k, v in by_id.items() if variant_of(k) == "original"}
    assert sorted(originals) == ["0", "1", "2", "3"]
    for sid, source in originals.items():
        assert by_id[f"{sid}+lineage"] == source and by_id[f"{sid}+refusal0"] == source
    scheme = TagScheme.load(tmp_path / "out")
    assert scheme.sources == ("clean", "rtp") and scheme.token_ids == {"debug": 109, "tag": 110, "sources": [111, 112]}
    # The stored tokens of a lineage row end with the tag: <TAG> <SRC_source> <|im_end|>.
    reader = open_store(str(tmp_path / "s.zarr"))
    row = int(df.index[df.sample_id == "0+lineage"][0])
    tokens = reader.tokens(row).tolist()
    src_id = 111 + scheme.sources.index(by_id["0"])
    assert tokens.count(109) == 1 and [t for t in tokens if t in (110, 111, 112, 3)][-3:] == [110, src_id, 3]


def test_dpo_recipe_with_tags_and_bad_tag_options(tmp_path):
    summary = run_recipe(RECIPES / "dpo-lora.yaml", tiny(tmp_path, **{"tags.refusal": 1.0, "tags.seed": 0}))
    run = summary["runs"]["dpo-lora"]
    assert run["rows"] == 2 * 12  # 4 pairs x (original, lineage, refusal) x (chosen, rejected)
    df = open_store(str(tmp_path / "s.zarr")).samples()
    assert sorted({variant_of(s) for s in df.sample_id}) == ["lineage", "original", "refusal"]
    with pytest.raises(TagError, match="unknown option"):
        run_recipe(RECIPES / "sft-debuglm.yaml", tiny(tmp_path / "b", **{"tags.colour": "red"}))
