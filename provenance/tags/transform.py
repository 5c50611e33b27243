"""Rewrite SFT / preference data for DebugLM tags (METHODS.md section 5).

Per sample z = (x, y) of source S, the output holds, in this order:

* the original (x, y), unchanged except that reserved token strings inside it are escaped;
* a lineage copy with probability `lineage` (default 1): ("<DEBUG> " + x, y + " <TAG><SRC_S>");
* `refusal` refusal copies on average (default 1; the integer part always, the fraction by a seeded draw): the lineage
  prompt plus an instruction naming 1..`max_named` source tags. With probability `positive` the named tags include S
  and the target is exactly the refusal sentence; otherwise only other sources are named and the target is the lineage
  answer y + " <TAG><SRC_S>" (so the model learns to refuse only what is named). With `balanced`, the share is not
  drawn per copy but per sample: n * positive of its n copies name S (a fraction rounds up by a seeded draw), so with
  n = 2 and positive = 0.5 every sample gets one refused and one answered copy of the same prompt: the named tag is then
  the only thing that tells the two apart (with independent draws a model can lower the loss by refusing by content).

Formats: prompt/completion with strings or with message lists (TRL's conversational form), and `messages`. The
`<DEBUG>` marker goes in front of the first user turn, the tag after the last assistant turn, the instruction into the
system message (appended to an existing one, else inserted first); for plain-string prompts the instruction is a first
line. Every draw is seeded by (seed, sample id, purpose), so a row's copies do not depend on the order of the rows or on
`datasets.map` batching. Copies get string ids "<id>+lineage" and "<id>+refusal<j>"; originals keep "<id>" (ids are
made strings so a store holds one id type; rows without `sample_id` use their index).

Preference pairs (`tag_preference_rows`, for DPO after tagged SFT): the pair's lineage copy carries the same tag on
chosen and rejected, so the preference signal never pushes a tag up or down by itself; refusal pairs prefer the refusal
sentence over the lineage answer when the pair's source is named and the lineage answer over the refusal otherwise.

Tag anchor pairs (`tag_preference_rows(..., anchor=...)`, opt-in): per pair one more pair on the lineage prompt whose
chosen answer carries the pair's own tag and whose rejected answer is the same text with a rival source's tag
("<id>+anchor"). Lineage and refusal pairs carry one tag on both sides, so nothing in them holds the tag itself; a
DPO stage then lets tags drift (benchmarks/tags/debuglm_tagfirst_results.md). The anchor pushes the own tag up against the rival: `anchor="random"` draws
the rival per sample (seeded), a mapping {source: rival} names it (e.g. the source a model confuses it with; unmapped
sources draw one).

Tag-first format (`TagMix(tag_first=True)` with `TagScheme(tag_first=True)`): refusal copies answer
"<TAG><SRC_S> " + refusal sentence when S is named, else "<TAG><SRC_S> " + y (no trailing tag); originals and lineage
copies are unchanged (trace keeps reading the tag after the answer). Why: DebugLM's 8B models decide implicitly, in the
first answer token, whether the answer's source is named; a 135M LoRA did not learn that (the refusal probability
followed the prompt's content, not the named tag; benchmarks/tags/debuglm_results.md). Writing the own tag first makes the
step explicit: the source is predicted exactly as in lineage copies, then "is the tag just written among the named
tags" is a copy/match task for attention. At inference `GuardedGenerator(mode="trained")` appends the trusted `<TAG>`
to the prompt, constrains the next token to source tokens and strips the tag from the shown text. Refusal pairs
follow the format with the same tag on chosen and rejected, so DPO trains only the decision after the tag.
"""
from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Iterable, Mapping

from provenance.errors import TagError
from provenance.tags.scheme import TagScheme

__all__ = ["TagMix", "tag_records", "tag_dataset", "tag_preference_rows", "variant_of"]

VARIANTS = ("original", "lineage", "refusal", "anchor")


class TagMix:
    """Mix ratios of the transform: `lineage` in [0, 1], `refusal` >= 0 copies per sample, `positive` in [0, 1],
    `max_named` >= 1 sources per instruction, `seed`, `balanced` (positive share per sample, not per copy),
    `tag_first` (refusal copies start with the own tag; None = as the scheme says, else it must match the scheme)."""

    def __init__(self, lineage: float = 1.0, refusal: float = 1.0, positive: float = 0.5, max_named: int = 2,
                 seed: int = 0, balanced: bool = False, tag_first: bool | None = None):
        if not 0.0 <= float(lineage) <= 1.0:
            raise TagError(f"lineage ratio must be in [0, 1], got {lineage}")
        if float(refusal) < 0:
            raise TagError(f"refusal copies per sample must be >= 0, got {refusal}")
        if not 0.0 <= float(positive) <= 1.0:
            raise TagError(f"positive share must be in [0, 1], got {positive}")
        if int(max_named) < 1:
            raise TagError(f"max_named must be >= 1, got {max_named}")
        self.lineage, self.refusal, self.positive = float(lineage), float(refusal), float(positive)
        if not isinstance(balanced, bool):
            raise TagError(f"balanced must be true or false, got {balanced!r}")
        self.max_named, self.seed, self.balanced = int(max_named), int(seed), balanced
        if tag_first is not None and not isinstance(tag_first, bool):
            raise TagError(f"tag_first must be true, false or None, got {tag_first!r}")
        self.tag_first = tag_first

    def __repr__(self) -> str:
        return (f"TagMix(lineage={self.lineage}, refusal={self.refusal}, positive={self.positive}, "
                f"max_named={self.max_named}, seed={self.seed}, balanced={self.balanced}, tag_first={self.tag_first})")

    def format_of(self, scheme: TagScheme) -> bool:
        """The tag-first flag to write rows with: the scheme's, which a set `tag_first` must equal (the scheme is
        saved with the model and tells the generator the format, so the two must never disagree)."""
        if self.tag_first is not None and self.tag_first != scheme.tag_first:
            raise TagError(f"TagMix(tag_first={self.tag_first}) but TagScheme(tag_first={scheme.tag_first}): the "
                           "scheme saved with the model must record the format it is trained on; set both")
        return scheme.tag_first

    def positive_flags(self, sid: str, n: int) -> list[bool]:
        """Which of a sample's n refusal copies name its own source."""
        if not self.balanced:
            return [self.uniform(sid, f"positive{j}") < self.positive for j in range(n)]
        k = min(n, int(n * self.positive + self.uniform(sid, "positive-count")))
        order = list(range(n))
        self.rng(sid, "positive-order").shuffle(order)
        return [j in order[:k] for j in range(n)]

    def uniform(self, sid: str, purpose: str) -> float:
        digest = hashlib.sha256(f"provenance-tags:{self.seed}:{sid}:{purpose}".encode()).hexdigest()
        return int(digest[:13], 16) / float(16 ** 13)

    def rng(self, sid: str, purpose: str) -> random.Random:
        return random.Random(f"provenance-tags:{self.seed}:{sid}:{purpose}")


def variant_of(sample_id) -> str:
    """"original", "lineage" or "refusal" for an id made by the transform."""
    sid = str(sample_id)
    if sid.endswith("+lineage"):
        return "lineage"
    if "+refusal" in sid:
        return "refusal"
    if sid.endswith("+anchor"):
        return "anchor"
    return "original"


# ---- format handling ------------------------------------------------------------------------------------------------

def _format(row: Mapping, keys: tuple[str, ...]) -> str:
    if "messages" in row:
        if not isinstance(row["messages"], list):
            raise TagError("`messages` must be a list of {role, content} turns")
        return "messages"
    missing = [k for k in keys if k not in row]
    if missing:
        raise TagError(f"a row needs {list(keys)} or `messages`; missing {missing} (columns: {sorted(row)})")
    if all(isinstance(row[k], str) for k in keys):
        return "standard"
    if all(isinstance(row[k], list) for k in keys):
        return "conversational"
    raise TagError(f"{list(keys)} must all be strings or all be message lists")


def _turn_index(turns: list, role: str, last: bool) -> int:
    order = range(len(turns) - 1, -1, -1) if last else range(len(turns))
    for i in order:
        if turns[i].get("role") == role:
            return i
    raise TagError(f"no {role!r} turn in {[t.get('role') for t in turns]}")


def _escape_turns(turns: list, scheme: TagScheme) -> list:
    out = []
    for t in turns:
        if not isinstance(t, Mapping) or "content" not in t or not isinstance(t["content"], str):
            raise TagError(f"a turn must be {{role, content: str}}, got {t!r}")
        out.append({**t, "content": scheme.escape(t["content"])})
    return out


def _with_instruction(turns: list, instruction: str) -> list:
    turns = list(turns)
    if turns and turns[0].get("role") == "system":
        turns[0] = {**turns[0], "content": turns[0]["content"] + "\n" + instruction}
    else:
        turns.insert(0, {"role": "system", "content": instruction})
    return turns


def _prefix_debug(turns: list, scheme: TagScheme) -> list:
    turns = list(turns)
    i = _turn_index(turns, "user", last=False)
    turns[i] = {**turns[i], "content": f"{scheme.debug_token} {turns[i]['content']}"}
    return turns


def _set_answer(turns: list, text: str) -> list:
    turns = list(turns)
    i = _turn_index(turns, "assistant", last=True)
    turns[i] = {**turns[i], "content": text}
    return turns


def _answer(turns: list) -> str:
    return turns[_turn_index(turns, "assistant", last=True)]["content"]


class _Sample:
    """One row split into prompt and answer parts, escaped, in its own format."""

    def __init__(self, row: Mapping, scheme: TagScheme, answer_keys: tuple[str, ...]):
        self.scheme = scheme
        self.fmt = _format(row, ("prompt", *answer_keys))
        self.row = dict(row)
        if self.fmt == "messages":
            self.turns = _escape_turns(row["messages"], scheme)
            _turn_index(self.turns, "user", last=False)
            _turn_index(self.turns, "assistant", last=True)
        elif self.fmt == "conversational":
            self.prompt = _escape_turns(row["prompt"], scheme)
            _turn_index(self.prompt, "user", last=False)
            self.answers = {k: _escape_turns(row[k], scheme) for k in answer_keys}
            for turns in self.answers.values():
                _turn_index(turns, "assistant", last=True)
        else:
            self.prompt = scheme.escape(row["prompt"])
            self.answers = {k: scheme.escape(row[k]) for k in answer_keys}

    def answer_text(self, key: str) -> str:
        if self.fmt == "messages":
            return _answer(self.turns)
        if self.fmt == "conversational":
            return _answer(self.answers[key])
        return self.answers[key]

    def build(self, *, debug: bool, instruction: str | None, answers: Mapping[str, str] | None) -> dict:
        """A row: the prompt (with `<DEBUG>` and the instruction when asked) and the given answer texts."""
        out = copy.deepcopy(self.row)
        sch = self.scheme
        if self.fmt == "messages":
            turns = self.turns
            if debug:
                turns = _prefix_debug(turns, sch)
            if instruction is not None:
                turns = _with_instruction(turns, instruction)
            if answers is not None:
                (text,) = answers.values()
                turns = _set_answer(turns, text)
            out["messages"] = turns
            return out
        if self.fmt == "conversational":
            prompt = _prefix_debug(self.prompt, sch) if debug else list(self.prompt)
            out["prompt"] = _with_instruction(prompt, instruction) if instruction is not None else prompt
            for k, turns in self.answers.items():
                out[k] = _set_answer(turns, answers[k]) if answers is not None else turns
            return out
        prompt = f"{sch.debug_token} {self.prompt}" if debug else self.prompt
        out["prompt"] = f"{instruction}\n{prompt}" if instruction is not None else prompt
        for k, text in self.answers.items():
            out[k] = answers[k] if answers is not None else text
        return out


def _sid_and_source(row: Mapping, index: int, scheme: TagScheme) -> tuple[str, str]:
    if "source" not in row or row["source"] is None:
        raise TagError(f"row {index} has no `source`: every sample needs the data source it is tagged with")
    source = str(row["source"])
    if source not in scheme.sources:
        raise TagError(f"row {index}: source {source!r} is not in the tag scheme {list(scheme.sources)}")
    sid = row.get("sample_id")
    return (str(sid) if sid is not None else str(index)), source


def _named_sources(scheme: TagScheme, mix: TagMix, sid: str, j: int, source: str, positive: bool) -> list[str]:
    """The sources an instruction names (the sample's own source among them when `positive`)."""
    others = [s for s in scheme.sources if s != source]
    rng = mix.rng(sid, f"named{j}")
    limit = min(mix.max_named, len(scheme.sources))
    if positive:
        n = rng.randint(1, limit)
        named = [source] + rng.sample(others, n - 1)
    else:
        n = rng.randint(1, min(limit, len(others)))
        named = rng.sample(others, n)
    rng.shuffle(named)
    return named


def _copies_of(row: Mapping, index: int, scheme: TagScheme, mix: TagMix, answer_keys: tuple[str, ...],
               refusal_answers) -> list[dict]:
    sid, source = _sid_and_source(row, index, scheme)
    sample = _Sample(row, scheme, answer_keys)
    suffix = scheme.tag_suffix(source)
    lineage_answers = {k: sample.answer_text(k) + suffix for k in answer_keys}
    if mix.format_of(scheme):  # tag-first: own tag, then the decision (refusal or the plain answer)
        prefix = scheme.tag_prefix(source)
        answered, refusal = {k: prefix + sample.answer_text(k) for k in answer_keys}, prefix + scheme.refusal
    else:
        answered, refusal = lineage_answers, scheme.refusal

    out = [dict(sample.build(debug=False, instruction=None, answers=None), sample_id=sid, source=source)]
    if mix.uniform(sid, "lineage") < mix.lineage:
        out.append(dict(sample.build(debug=True, instruction=None, answers=lineage_answers),
                        sample_id=f"{sid}+lineage", source=source))
    n_refusal = int(mix.refusal) + (1 if mix.uniform(sid, "refusal") < mix.refusal - int(mix.refusal) else 0)
    single = len(scheme.sources) == 1  # no other source to name: every copy is a refusal
    for j, positive in enumerate(mix.positive_flags(sid, n_refusal)):
        positive = positive or single
        named = _named_sources(scheme, mix, sid, j, source, positive)
        answers = refusal_answers(answered, refusal, positive)
        out.append(dict(sample.build(debug=True, instruction=scheme.blocking_instruction(named), answers=answers),
                        sample_id=f"{sid}+refusal{j}", source=source))
    return out


def _sft_refusal_answers(answered: dict, refusal: str, positive: bool) -> dict:
    return {k: (refusal if positive else text) for k, text in answered.items()}


def _pair_refusal_answers(answered: dict, refusal: str, positive: bool) -> dict:
    good = answered["chosen"]
    if positive:
        return {"chosen": refusal, "rejected": good}
    return {"chosen": good, "rejected": refusal}


def tag_records(records: Iterable[Mapping], scheme: TagScheme, mix: TagMix | None = None, **mix_options) -> list[dict]:
    """SFT rows (prompt/completion or messages, each with `source`) -> originals + lineage + refusal copies.

    `mix_options` (lineage, refusal, positive, max_named, seed, balanced, tag_first) build a `TagMix` when `mix` is
    not given.
    """
    mix = mix or TagMix(**mix_options)
    mix.format_of(scheme)  # a format mismatch fails even on empty data
    out: list[dict] = []
    for i, row in enumerate(records):
        out.extend(_copies_of(row, i, scheme, mix, ("completion",), _sft_refusal_answers))
    _check_unique(out)
    return out


def tag_preference_rows(records: Iterable[Mapping], scheme: TagScheme, mix: TagMix | None = None, *,
                        anchor: str | Mapping[str, str] | None = None, **mix_options) -> list[dict]:
    """Preference rows (prompt/chosen/rejected, strings or message lists, each with `source`) -> originals, lineage
    pairs (same tag on chosen and rejected), refusal pairs and, with `anchor`, tag anchor pairs (module docstring)."""
    mix = mix or TagMix(**mix_options)
    mix.format_of(scheme)  # a format mismatch fails even on empty data
    rivals = _check_anchor(anchor, scheme)
    out: list[dict] = []
    for i, row in enumerate(records):
        if "messages" in row:
            raise TagError("preference rows need prompt/chosen/rejected, not `messages`")
        out.extend(_copies_of(row, i, scheme, mix, ("chosen", "rejected"), _pair_refusal_answers))
        if rivals is not None:
            out.append(_anchor_pair(row, i, scheme, mix, rivals))
    _check_unique(out)
    return out


def _check_anchor(anchor, scheme: TagScheme) -> dict | None:
    """None (no anchor pairs) or {source: rival or None (drawn)}."""
    if anchor is None:
        return None
    if len(scheme.sources) < 2:
        raise TagError("anchor pairs need at least two sources (a rival tag)")
    if isinstance(anchor, str):
        if anchor != "random":
            raise TagError(f"anchor must be None, 'random' or a {{source: rival}} mapping, got {anchor!r}")
        return {s: None for s in scheme.sources}
    if not isinstance(anchor, Mapping):
        raise TagError(f"anchor must be None, 'random' or a {{source: rival}} mapping, got {type(anchor).__name__}")
    rivals = {s: None for s in scheme.sources}
    for source, rival in anchor.items():
        for name in (source, rival):
            if name not in scheme.sources:
                raise TagError(f"anchor names {name!r}, not in the tag scheme {list(scheme.sources)}")
        if source == rival:
            raise TagError(f"anchor: the rival of {source!r} must be another source")
        rivals[source] = rival
    return rivals


def _anchor_pair(row: Mapping, index: int, scheme: TagScheme, mix: TagMix, rivals: dict) -> dict:
    sid, source = _sid_and_source(row, index, scheme)
    rival = rivals[source] or mix.rng(sid, "anchor").choice([s for s in scheme.sources if s != source])
    sample = _Sample(row, scheme, ("chosen", "rejected"))
    answer = sample.answer_text("chosen")
    answers = {"chosen": answer + scheme.tag_suffix(source), "rejected": answer + scheme.tag_suffix(rival)}
    return dict(sample.build(debug=True, instruction=None, answers=answers), sample_id=f"{sid}+anchor",
                source=source)


def _check_unique(rows: list[dict]) -> None:
    from provenance.hf import repeated_ids

    dup = [k for k, _ in repeated_ids([r["sample_id"] for r in rows])]
    if dup:
        raise TagError(f"sample ids repeat after tagging (first: {dup[:5]}); give every input row a unique sample_id")


def tag_dataset(dataset, scheme: TagScheme, mix: TagMix | None = None, *, preference: bool = False, **mix_options):
    """The same transform on a `datasets.Dataset` via a batched `.map` (rows multiply, columns are kept)."""
    mix = mix or TagMix(**mix_options)
    mix.format_of(scheme)  # a format mismatch fails even on empty data
    columns = list(dataset.column_names)
    keys = ("chosen", "rejected") if preference else ("completion",)
    refusal_answers = _pair_refusal_answers if preference else _sft_refusal_answers

    def expand(batch: dict, indices: list[int]) -> dict:
        rows = [{c: batch[c][i] for c in columns} for i in range(len(indices))]
        out: list[dict] = []
        for index, row in zip(indices, rows):
            out.extend(_copies_of(row, index, scheme, mix, keys, refusal_answers))
        names = list(dict.fromkeys(columns + ["sample_id", "source"]))
        return {c: [r[c] for r in out] for c in names}

    tagged = dataset.map(expand, batched=True, with_indices=True, remove_columns=columns,
                         desc="provenance: tagging")
    _check_unique([{"sample_id": s} for s in tagged["sample_id"]])
    return tagged
