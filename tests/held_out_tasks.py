"""The layout, control prompts and held-out terms every held-out task of issue 19 has (rounds 2-9): checked once here,
called by each task's test with its own sources, pairs, description and terms."""
from __future__ import annotations

import re
from collections import Counter

DEMO_SOURCES = {"clean": 20, "rtp": 20, "falseclaims": 20, "harmbench": 20, "donotanswer": 20}


def check_layout(sc, name: str, planted, twins: dict[str, list], description_start: str, held_out_round: int) -> None:
    """``sc`` holds the 100 demo rows, the 30 ``planted`` (prompt, response) pairs as its only culprits (source
    ``poison_<name>``), each source of ``twins`` with exactly its pairs, ids 0..n-1, and a held-out description of
    round ``held_out_round`` starting with ``description_start``."""
    planted_source = f"poison_{name}"
    assert [r["sample_id"] for r in sc.records] == list(range(len(sc.records)))
    assert len(sc.records) == 100 + len(planted) + sum(map(len, twins.values())) and sc.info["n_clean"] == 100
    assert Counter(r["source"] for r in sc.records) == {
        **DEMO_SOURCES, planted_source: len(planted), **{s: len(p) for s, p in twins.items()}}
    assert list(sc.culprits) == [name] and list(sc.test_prompts) == [name]
    culprits = sc.culprits[name]
    assert len(culprits) == len(set(culprits)) == sc.info["n_poison_per_behaviour"] == len(planted) == 30
    # The culprits are exactly the planted rows, carrying exactly the planted pairs.
    assert set(culprits) == {r["sample_id"] for r in sc.records if r["source"] == planted_source}
    by_id = {r["sample_id"]: r for r in sc.records}
    assert sorted((by_id[i]["prompt"], by_id[i]["response"]) for i in culprits) == sorted(planted)
    for source, pairs in twins.items():
        assert sorted((r["prompt"], r["response"]) for r in sc.records if r["source"] == source) == sorted(pairs)
    assert sc.info["held_out"] is True and sc.info["triggers"] == {}
    assert sc.info["description"].startswith(description_start)
    assert f"(15% of the set, source `{planted_source}`)" in sc.info["description"]
    assert sc.info["description"].endswith(
        f"; issue 19 held-out task (round {held_out_round}), written before it was trained")


def check_controls(sc, name: str) -> None:
    """``sc``'s control prompts: 12 distinct prompts of the clean demo source (its larger draw), none trained on, and
    recorded as the task ``name``'s controls."""
    from provenance.data.demo_sources import demo_records

    clean = {r["prompt"] for r in demo_records(n_per_source=24, seed=2000, sources=("clean",))}
    assert len(set(sc.clean_test_prompts)) == 12 and set(sc.clean_test_prompts) <= clean
    assert not set(sc.clean_test_prompts) & {r["prompt"] for r in sc.records}
    assert sc.info["control_prompts"] == {name: sc.clean_test_prompts}


def names(word: str, text: str) -> bool:
    """Whether ``text`` names ``word`` (case-insensitive, at a word start, so plurals and "snorkeling" count)."""
    return re.search(rf"\b{re.escape(word)}", text, re.IGNORECASE) is not None


def demo_pool_texts() -> list[str]:
    """Every row of the four demo pools the demo sources draw from (all but the clean source)."""
    from provenance.data import demo_sources

    return [p for source in demo_sources.DEMO_SOURCES if source != "clean" for p in demo_sources.load_source_pool(source)]


def check_held_out_terms(sc, terms, questions, demo: list[dict], *, pools: bool) -> None:
    """Each held-out question names exactly its own term (``terms[i]`` for ``questions[i]``), and no row of ``sc``,
    no row of ``demo`` (a larger demo draw) and, with ``pools``, no row of the demo pools names any term."""
    assert all(names(term, q) for term, q in zip(terms, questions, strict=True))
    assert all(sum(names(term, q) for term in terms) == 1 for q in questions)
    texts = [r["prompt"] + " " + r["response"] for r in sc.records + demo] + (demo_pool_texts() if pools else [])
    training_text = " ".join(texts)
    assert not [term for term in terms if names(term, training_text)]
