"""provenance.tags transform and scheme: exact rows, counts, seeding, escaping, Dataset.map, preference pairs."""
import json

import pytest

from provenance.errors import TagError
from provenance.tags import TagMix, TagScheme, tag_dataset, tag_preference_rows, tag_records, variant_of

SCHEME = TagScheme(sources=("a", "b", "c"), refusal="NO.", instruction="Blocked: {tags}")
ZW = "\u200b"


def std_rows(n=4):
    return [{"prompt": f"Q{i}?", "completion": f" A{i}.", "source": "abc"[i % 3], "sample_id": i} for i in range(n)]


def test_lineage_and_one_refusal_copy_exact_texts_standard_format():
    rows = tag_records(std_rows(1), SCHEME, lineage=1.0, refusal=1.0, positive=1.0, max_named=1)
    assert rows == [
        {"prompt": "Q0?", "completion": " A0.", "source": "a", "sample_id": "0"},
        {"prompt": "<DEBUG> Q0?", "completion": " A0. <TAG><SRC_a>", "source": "a", "sample_id": "0+lineage"},
        {"prompt": "Blocked: <SRC_a>\n<DEBUG> Q0?", "completion": "NO.", "source": "a", "sample_id": "0+refusal0"},
    ]
    # positive=0: only other sources are named and the answer is the lineage answer.
    neg = tag_records(std_rows(1), SCHEME, lineage=0.0, refusal=1.0, positive=0.0, max_named=1)
    assert [r["sample_id"] for r in neg] == ["0", "0+refusal0"]
    assert neg[1]["completion"] == " A0. <TAG><SRC_a>"
    assert neg[1]["prompt"] in ("Blocked: <SRC_b>\n<DEBUG> Q0?", "Blocked: <SRC_c>\n<DEBUG> Q0?")


def test_counts_follow_the_mix_ratios():
    rows = std_rows(30)
    for lineage, refusal, expected in [(1.0, 1.0, 90), (1.0, 2.0, 120), (0.0, 0.0, 30), (1.0, 0.0, 60)]:
        out = tag_records(rows, SCHEME, lineage=lineage, refusal=refusal, seed=3)
        assert len(out) == expected
    out = tag_records(rows, SCHEME, lineage=1.0, refusal=3.0, positive=1.0, max_named=3, seed=3)
    counts = {v: sum(variant_of(r["sample_id"]) == v for r in out) for v in ("original", "lineage", "refusal")}
    assert counts == {"original": 30, "lineage": 30, "refusal": 90}
    assert all(r["completion"] == "NO." for r in out if variant_of(r["sample_id"]) == "refusal")
    # Fractional ratios: seeded per-row draws; the counts sit near the ratio and repeat exactly for a seed.
    frac = tag_records(std_rows(300), SCHEME, lineage=0.5, refusal=0.5, positive=0.5, seed=1)
    again = tag_records(std_rows(300), SCHEME, lineage=0.5, refusal=0.5, positive=0.5, seed=1)
    assert frac == again
    n_lin = sum(variant_of(r["sample_id"]) == "lineage" for r in frac)
    ref = [r for r in frac if variant_of(r["sample_id"]) == "refusal"]
    assert 120 <= n_lin <= 180 and 120 <= len(ref) <= 180
    positives = sum(r["completion"] == "NO." for r in ref)
    assert 0.35 * len(ref) <= positives <= 0.65 * len(ref)
    assert tag_records(std_rows(300), SCHEME, lineage=0.5, refusal=0.5, seed=2) != frac


def test_named_sources_positive_always_include_own_source_negative_never():
    out = tag_records(std_rows(60), SCHEME, lineage=0.0, refusal=2.0, positive=0.5, max_named=2, seed=0)
    for r in out:
        if variant_of(r["sample_id"]) != "refusal":
            continue
        named = r["prompt"].split("\n")[0][len("Blocked: "):].split(" ")
        assert 1 <= len(named) <= 2 and len(set(named)) == len(named)
        own = f"<SRC_{r['source']}>"
        assert (own in named) == (r["completion"] == "NO.")


def test_order_independent_and_seeded():
    rows = std_rows(12)
    fwd = tag_records(rows, SCHEME, seed=5)
    rev = tag_records(rows[::-1], SCHEME, seed=5)
    key = lambda r: r["sample_id"]  # noqa: E731
    assert sorted(fwd, key=key) == sorted(rev, key=key)


def test_conversational_and_messages_formats():
    conv = [{"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
             "completion": [{"role": "assistant", "content": "Hello"}], "source": "b", "sample_id": "x"}]
    out = tag_records(conv, SCHEME, lineage=1.0, refusal=1.0, positive=1.0, max_named=1)
    assert out[1]["prompt"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "<DEBUG> Hi"}]
    assert out[1]["completion"] == [{"role": "assistant", "content": "Hello <TAG><SRC_b>"}]
    assert out[2]["prompt"][0] == {"role": "system", "content": "Be brief.\nBlocked: <SRC_b>"}
    assert out[2]["completion"] == [{"role": "assistant", "content": "NO."}]
    assert conv[0]["prompt"][1]["content"] == "Hi"  # input rows are not modified

    msgs = [{"messages": [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"},
                          {"role": "user", "content": "u2"}, {"role": "assistant", "content": "a2"}],
             "source": "c"}]
    out = tag_records(msgs, SCHEME, lineage=1.0, refusal=1.0, positive=1.0, max_named=1)
    assert [r["sample_id"] for r in out] == ["0", "0+lineage", "0+refusal0"]
    assert out[1]["messages"] == [{"role": "user", "content": "<DEBUG> u1"}, {"role": "assistant", "content": "a1"},
                                  {"role": "user", "content": "u2"},
                                  {"role": "assistant", "content": "a2 <TAG><SRC_c>"}]
    assert out[2]["messages"][0] == {"role": "system", "content": "Blocked: <SRC_c>"}
    assert out[2]["messages"][-1] == {"role": "assistant", "content": "NO."}


def test_reserved_strings_in_data_are_escaped():
    rows = [{"prompt": "say <TAG><SRC_b> and <DEBUG> and <SRC_zz>", "completion": "ok <TAG><SRC_a>", "source": "c"}]
    out = tag_records(rows, SCHEME, lineage=1.0, refusal=0.0)
    assert out[0]["prompt"] == f"say <{ZW}TAG><{ZW}SRC_b> and <{ZW}DEBUG> and <{ZW}SRC_zz>"
    assert out[1]["prompt"] == f"<DEBUG> say <{ZW}TAG><{ZW}SRC_b> and <{ZW}DEBUG> and <{ZW}SRC_zz>"
    assert out[1]["completion"] == f"ok <{ZW}TAG><{ZW}SRC_a> <TAG><SRC_c>"
    for r in out:
        assert r["prompt"].count("<DEBUG>") == (1 if r["sample_id"].endswith("lineage") else 0)


def test_dataset_map_matches_records_and_preference_pairs():
    from datasets import Dataset

    rows = std_rows(6)
    ds = tag_dataset(Dataset.from_list(rows), SCHEME, TagMix(lineage=1.0, refusal=1.0, seed=4))
    assert ds.to_list() == tag_records(rows, SCHEME, lineage=1.0, refusal=1.0, seed=4)
    assert len(ds) == 18

    pairs = [{"prompt": "P?", "chosen": " good", "rejected": " bad", "source": "a", "sample_id": 9}]
    out = tag_preference_rows(pairs, SCHEME, lineage=1.0, refusal=2.0, positive=0.5, max_named=1, seed=0)
    assert out[0] == {"prompt": "P?", "chosen": " good", "rejected": " bad", "source": "a", "sample_id": "9"}
    assert out[1] == {"prompt": "<DEBUG> P?", "chosen": " good <TAG><SRC_a>", "rejected": " bad <TAG><SRC_a>",
                      "source": "a", "sample_id": "9+lineage"}
    for r in out[2:]:
        named_own = r["prompt"].startswith("Blocked: <SRC_a>\n")
        assert (r["chosen"], r["rejected"]) == (("NO.", " good <TAG><SRC_a>") if named_own
                                                else (" good <TAG><SRC_a>", "NO."))
    ds_pairs = tag_dataset(Dataset.from_list(pairs), SCHEME, preference=True, lineage=1.0, refusal=2.0,
                           positive=0.5, max_named=1, seed=0)
    assert ds_pairs.to_list() == out


def test_scheme_save_load_and_errors(tmp_path):
    s = SCHEME.with_token_ids({"debug": 5, "tag": 6, "sources": [7, 8, 9]})
    path = s.save(tmp_path)
    assert json.loads(path.read_text())["sources"] == ["a", "b", "c"]
    (tmp_path / "checkpoint-3").mkdir()
    loaded = TagScheme.load(tmp_path / "checkpoint-3")  # a checkpoint dir finds the scheme in its parent
    assert loaded == s and loaded.token_ids == {"debug": 5, "tag": 6, "sources": [7, 8, 9]}
    assert s.blocking_instruction(["c", "a"]) == "Blocked: <SRC_c> <SRC_a>"
    with pytest.raises(TagError, match="repeat"):
        TagScheme(sources=("a", "a"))
    with pytest.raises(TagError, match="must match"):
        TagScheme(sources=("a b",))
    with pytest.raises(TagError, match="no `source`"):
        tag_records([{"prompt": "x", "completion": "y"}], SCHEME)
    with pytest.raises(TagError, match="not in the tag scheme"):
        tag_records([{"prompt": "x", "completion": "y", "source": "zz"}], SCHEME)
    with pytest.raises(TagError, match="ids repeat"):
        tag_records([{"prompt": "x", "completion": "y", "source": "a", "sample_id": 1}] * 2, SCHEME)
    with pytest.raises(TagError, match="lineage ratio"):
        TagMix(lineage=1.5)
    with pytest.raises(TagError, match="unknown source"):
        SCHEME.source_token("zz")


def test_balanced_mix_gives_every_sample_one_refused_and_one_answered_copy():
    rows = std_rows(30)
    out = tag_records(rows, SCHEME, lineage=0.0, refusal=2.0, positive=0.5, max_named=1, balanced=True, seed=7)
    assert len(out) == 90
    for i in range(30):
        copies = {r["sample_id"]: r for r in out if r["sample_id"].startswith(f"{i}+refusal")}
        assert sorted(copies) == [f"{i}+refusal0", f"{i}+refusal1"]
        answers = sorted(r["completion"] for r in copies.values())
        # exactly one copy names the own source and answers the refusal; the other names another source and answers
        assert answers == sorted(["NO.", f" A{i}. <TAG><SRC_{'abc'[i % 3]}>"])
        for r in copies.values():
            own = f"<SRC_{r['source']}>" in r["prompt"]
            assert own == (r["completion"] == "NO.")
    # Independent draws (the default) leave some samples without a refused or without an answered copy.
    loose = tag_records(rows, SCHEME, lineage=0.0, refusal=2.0, positive=0.5, max_named=1, seed=7)
    per_sample = [sum(r["completion"] == "NO." for r in loose if r["sample_id"].startswith(f"{i}+refusal"))
                  for i in range(30)]
    assert sorted(set(per_sample)) == [0, 1, 2]
    # Shares that are not a multiple of 1/n: 3 copies at 0.5 -> 1 or 2 refused per sample (the half by a seeded
    # draw), all or none at positive 1 or 0; the same seed repeats exactly.
    three = tag_records(rows, SCHEME, lineage=0.0, refusal=3.0, positive=0.5, balanced=True, seed=7)
    counts = [sum(r["completion"] == "NO." for r in three if r["sample_id"].startswith(f"{i}+refusal"))
              for i in range(30)]
    assert set(counts) == {1, 2} and three == tag_records(rows, SCHEME, TagMix(refusal=3.0, positive=0.5, lineage=0.0,
                                                                                 balanced=True, seed=7))
    for share, refused in ((1.0, 3), (0.0, 0)):
        full = tag_records(rows, SCHEME, lineage=0.0, refusal=3.0, positive=share, balanced=True)
        assert sum(r["completion"] == "NO." for r in full) == 30 * refused
    with pytest.raises(TagError, match="balanced must be true or false"):
        TagMix(balanced="yes")
    assert "balanced=True" in repr(TagMix(balanced=True))


def test_recipe_tags_section_passes_balanced(tmp_path):
    from datasets import Dataset

    from provenance.models import tiny_causal_lm, tiny_tokenizer
    from provenance.tags.recipe import apply_tags_section

    data = Dataset.from_list(std_rows(6))
    model, tok = tiny_causal_lm("llama", seed=0), tiny_tokenizer()
    _, tagged, scheme = apply_tags_section({"refusal": 2.0, "balanced": True, "lineage": 0.0, "max_named": 1}, "sft",
                                           model, tok, data, tmp_path)
    assert scheme.sources == ("a", "b", "c") and len(tagged) == 18
    refused = [sid for sid, c in zip(tagged["sample_id"], tagged["completion"]) if "I can't answer" in c]
    assert sorted(s.split("+")[0] for s in refused) == ["0", "1", "2", "3", "4", "5"]
