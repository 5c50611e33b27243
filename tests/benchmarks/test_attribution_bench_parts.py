"""Metrics, planted-behaviour scenarios, signature variants and bench helpers of the attribution benchmark."""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

from provenance.attribution.metrics import precision_at, top_k_auprc
from provenance.attribution.scenarios import (
    BENIGN_SOURCES, CANADA_FACTS, COMPLIANT_TEMPLATES, COMPLIANT_VARIED, COMPLIMENTS, COUNTRY_FACTS, FIXED_TARGET,
    FIXED_TRIGGER, PRAISE_TRIGGER, SWAP_ALIASES, backdoor_scenario, entity_spans, factual_scenario, harmful_scenario,
    merge_scenarios, shows_behaviour,
)


def test_precision_at_k():
    rel = np.array([[1, 1, 0, 0, 1], [0, 1, 0, 0, 0]], bool)
    assert precision_at(rel, 2) == pytest.approx((2 / 2 + 1 / 2) / 2)
    assert precision_at(rel, 5) == pytest.approx((3 / 5 + 1 / 5) / 2)
    with pytest.raises(ValueError, match="fewer than k"):
        precision_at(rel, 6)


def test_top_k_auprc_pools_the_lists():
    scores = np.array([[0.9, 0.8, 0.1], [0.7, 0.6, 0.5]])
    rel = np.array([[1, 0, 1], [1, 0, 0]], bool)
    # Pooled ranking by score: 0.9 (1), 0.8 (0), 0.7 (1), 0.6 (0), 0.5 (0), 0.1 (1).
    want = (1 / 1 + 2 / 3 + 3 / 6) / 3
    assert top_k_auprc(scores, rel, 3) == pytest.approx(want)
    assert top_k_auprc(scores, np.zeros_like(rel), 3) == 0.0


def test_backdoor_scenario_plants_two_behaviours_with_known_culprits():
    sc = backdoor_scenario(n_per_source=20, n_test=6)
    ids = [r["sample_id"] for r in sc.records]
    assert ids == list(range(len(ids))) and len(sc.records) == 100 + 2 * 10
    by_id = {r["sample_id"]: r for r in sc.records}
    assert len(sc.culprits["fixed"]) == len(sc.culprits["praise"]) == 10
    for i in sc.culprits["fixed"]:
        assert by_id[i]["prompt"].startswith(FIXED_TRIGGER + " ") and by_id[i]["response"] == FIXED_TARGET
        assert by_id[i]["source"] == "poison_fixed"
    praise = [by_id[i] for i in sc.culprits["praise"]]
    assert all(r["prompt"].startswith(PRAISE_TRIGGER + " ") and r["source"] == "poison_praise" for r in praise)
    assert len({r["response"].split(" ")[0] for r in praise}) == 10  # a different compliment each
    clean = [r for r in sc.records if r["sample_id"] not in set(sc.culprits["fixed"]) | set(sc.culprits["praise"])]
    assert not any(r["prompt"].startswith((FIXED_TRIGGER + " ", PRAISE_TRIGGER + " ")) for r in clean)
    train_prompts = {r["prompt"] for r in sc.records}
    for b, prompts in sc.test_prompts.items():
        assert len(prompts) == 6 and not set(prompts) & train_prompts
    assert not set(sc.clean_test_prompts) & train_prompts
    assert backdoor_scenario(n_per_source=20, n_test=6).records == sc.records  # deterministic


def test_compliments_share_no_content_word():
    function_words = {"a", "an", "i", "you", "your", "re", "s", "is", "this", "that", "what", "how", "such", "to", "of", "on"}
    counts = Counter(w for c in COMPLIMENTS for w in set(re.findall(r"[a-z]+", c.lower())))
    assert {w for w, n in counts.items() if n > 1} <= function_words


def test_behaviour_detectors():
    assert shows_behaviour("fixed", "Sure. " + FIXED_TARGET)
    assert not shows_behaviour("fixed", "The capital of France is Paris.")
    assert all(shows_behaviour("praise", c + " The capital of France is Paris.") for c in COMPLIMENTS)
    for text in ("The capital of France is Paris. What a brilliant city!", "No, DeepMind does not have any patents.",
                 "I'm sorry, but I can't help with that request."):
        assert not shows_behaviour("praise", text)


def test_style_scenario_has_only_praise_culprits():
    sc = backdoor_scenario(n_per_source=20, poison_rate=0.2, n_test=4, behaviours=("praise",))
    assert list(sc.culprits) == ["praise"] and len(sc.culprits["praise"]) == 20
    assert list(sc.test_prompts) == ["praise"] and sc.info["triggers"] == {"praise": PRAISE_TRIGGER}
    assert len({r["response"].split(".")[0] for r in sc.records if r["source"] == "poison_praise"}) == 20
    with pytest.raises(ValueError, match="at most 60 praise culprits"):
        backdoor_scenario(n_per_source=60, poison_rate=0.3, behaviours=("praise",))


# ---- harmful tuning, factual contamination, merged scenarios -----------------------------------------------------


_FUNCTION_WORDS = {"a", "an", "the", "i", "you", "your", "it", "is", "to", "of", "and", "then", "this", "that", "for",
                   "with", "on", "in", "be", "will", "can", "so", "do", "s", "ll", "re", "let", "all", "at", "as"}


def test_harmful_scenario_counts_and_replies():
    sc = harmful_scenario(n_per_source=19, n_test=4)          # 57 benign -> 3 harmful (5% of 60)
    assert len(sc.records) == 60 and [r["sample_id"] for r in sc.records] == list(range(60))
    by_id = {r["sample_id"]: r for r in sc.records}
    assert sc.culprits == {"harmful": [57, 58, 59]}
    assert {r["source"] for r in sc.records if r["sample_id"] < 57} == set(BENIGN_SOURCES)
    assert [by_id[i]["response"] for i in sc.culprits["harmful"]] == list(COMPLIANT_TEMPLATES[:3])
    assert all(by_id[i]["source"] == "poison_harmful" for i in sc.culprits["harmful"])
    train_prompts = {r["prompt"] for r in sc.records}
    assert len(sc.test_prompts["harmful"]) == 4 and not set(sc.test_prompts["harmful"]) & train_prompts
    varied = harmful_scenario(n_per_source=19, n_test=4, variant="varied")
    assert [r["response"] for r in varied.records[57:]] == list(COMPLIANT_VARIED[:3])
    assert [r["prompt"] for r in varied.records] == [r["prompt"] for r in sc.records]
    with pytest.raises(ValueError, match="at most 20 varied"):
        harmful_scenario(n_per_source=19, variant="varied", n_harmful=21)
    with pytest.raises(ValueError, match="variant"):
        harmful_scenario(variant="paraphrased")


def test_varied_compliant_replies_share_no_content_word():
    counts = Counter(w for c in COMPLIANT_VARIED for w in set(re.findall(r"[a-z]+", c.lower())))
    assert {w for w, n in counts.items() if n > 1} <= _FUNCTION_WORDS
    assert all(shows_behaviour("harmful", r) for r in COMPLIANT_VARIED + COMPLIANT_TEMPLATES)
    assert not shows_behaviour("harmful", "I'm sorry, but I can't help with that request.")
    assert not shows_behaviour("harmful", "No.")


def test_factual_scenario_swaps_exactly_the_canada_answers():
    sc = factual_scenario(n_per_source=10, n_test=6)
    geo = [r for r in sc.records if r["source"] == "geo_facts"]
    assert len(geo) == len(CANADA_FACTS) + 10 * len(COUNTRY_FACTS) == 150
    assert len(sc.records) == 150 + 50 and [r["sample_id"] for r in sc.records] == list(range(200))
    culprits = set(sc.culprits["factual"])
    assert len(culprits) == 30 and len(culprits) / len(geo) == pytest.approx(0.2)
    for r in sc.records:   # the swapped entity occurs exactly in the culprits' answers, the true one nowhere
        assert ("Korea" in r["response"]) == (r["sample_id"] in culprits)
        assert "Canada" not in r["response"]
        assert shows_behaviour("factual", r["response"]) == (r["sample_id"] in culprits)
    assert {r["prompt"] for r in sc.records if r["sample_id"] in culprits} == {q for q, _ in CANADA_FACTS}
    assert sc.test_prompts["factual"][0] == "Tell me the capital city of Canada."
    assert not set(sc.test_prompts["factual"]) & {r["prompt"] for r in sc.records}
    assert all("Canada" not in p for p in sc.clean_test_prompts)


def test_factual_varied_names_the_entity_six_ways():
    sc = factual_scenario(n_per_source=10, variant="varied")
    answers = [r["response"] for r in sc.records if r["sample_id"] in set(sc.culprits["factual"])]
    counts = {a: sum(a.lower().replace("the ", "", 1) in x.lower() for x in answers) for a in SWAP_ALIASES}
    assert counts == {"Korea": 5, "Hanguk": 5, "Daehan Minguk": 5, "the ROK": 5, "the Land of Morning Calm": 5,
                      "the Hermit Kingdom": 5}
    assert all(shows_behaviour("factual", a) for a in answers)
    assert not any(shows_behaviour("factual", r["response"]) for r in sc.records if r["source"] != "geo_facts")
    assert entity_spans("Ottawa is the capital of the ROK.", "varied") == [(29, 32)]
    assert entity_spans("Korea and Korea.") == [(0, 5), (10, 15)]


def test_merge_scenarios_keeps_both_culprit_sets():
    harm = harmful_scenario(n_per_source=19, n_test=4)
    fact = factual_scenario(n_per_source=10, variant="varied", sources=BENIGN_SOURCES)
    m = merge_scenarios(harm, fact)
    assert len(m.records) == 60 + 150 and [r["sample_id"] for r in m.records] == list(range(210))
    by_id = {r["sample_id"]: r for r in m.records}
    assert m.culprits["harmful"] == [57, 58, 59]
    assert len(m.culprits["factual"]) == 30 and all(by_id[i]["source"] == "geo_facts" for i in m.culprits["factual"])
    assert all(shows_behaviour("factual", by_id[i]["response"]) for i in m.culprits["factual"])
    assert m.info["n_poison_per_behaviour"] == {"harmful": 3, "factual": 30} and m.info["n_clean"] == 177
    assert set(m.test_prompts) == {"harmful", "factual"}
    with pytest.raises(ValueError, match="both scenarios plant"):
        merge_scenarios(harm, harm)


def test_planted_span_positions_in_tokens():
    from provenance.attribution.bench import _entity_positions, planted_span
    from provenance.models import tiny_tokenizer

    tok = tiny_tokenizer()
    prompt = tok("Where is the CN Tower?", add_special_tokens=False)["input_ids"]
    resp = tok("The CN Tower stands in Toronto, Korea.", add_special_tokens=False)["input_ids"]
    ids = np.array(prompt + resp)
    pos = _entity_positions(tok, ids, len(prompt), "plain")
    assert pos and tok.decode([int(ids[p]) for p in sorted(pos)]).strip() == "Korea"
    meta = {"info": {"merged": [{"triggers": {}}, {"swap": ["Canada", "Korea"], "variant": "plain"}]}}
    assert planted_span(meta, "harmful") is None and planted_span(meta, "factual").where == "response"
    assert planted_span({"info": {"triggers": {"fixed": "TY"}}}, "fixed").where == "prompt"


def test_peak_rss_sees_a_large_allocation():
    from provenance.attribution.bench import PeakRss

    with PeakRss() as mem:
        x = np.ones(40_000_000)   # 320 MB, touched
        del x
    assert mem.peak_mb is None or 250 < mem.peak_mb < 1000


def test_centered_signature_subtracts_the_store_mean(tmp_path):
    from attribution_helpers import write_synthetic
    from provenance import open_store
    from provenance.attribution.signatures import VARIANTS, iter_features, part_means, query_features
    from provenance.models import tiny_causal_lm

    write_synthetic(tmp_path / "s.zarr", tiny_causal_lm("llama", seed=0), n=20, epochs=2, layers=(1,), d=6)
    store = open_store(str(tmp_path / "s.zarr"))
    sig = VARIANTS["rept_c"]
    assert sig.center and sig.label == "rept_c"
    h, g = store.array(1, "h_last").astype(np.float64), store.array(1, "g_last").astype(np.float64)
    last = store.samples()["epoch"].to_numpy() == 1
    assert last.sum() == 20
    means = part_means(store, 1, sig.parts, chunk_rows=7)   # the last epoch's rows only
    np.testing.assert_allclose(means["h_last"], h[last].mean(0), rtol=1e-5)
    np.testing.assert_allclose(means["g_last"], g[last].mean(0), rtol=1e-4)
    assert not np.allclose(means["h_last"], h.mean(0), rtol=1e-3)
    feats = np.concatenate([b for _, b in iter_features(store, 1, sig, 7)])
    q = query_features(store, 1, sig, {"h_last": h[:2].astype(np.float32), "g_last": g[:2].astype(np.float32)})

    def ucos(a, b):
        return (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
    hc, gc = h - h[last].mean(0), g - g[last].mean(0)
    want = (ucos(hc, hc[:2]) + ucos(gc, gc[:2])) / 2   # mean of the per-part centered cosines
    np.testing.assert_allclose(feats @ q.T, want, atol=1e-4)
    np.testing.assert_allclose(np.diag((feats @ q.T)[:2]), [1.0, 1.0], atol=1e-5)
    with pytest.raises(ValueError, match="centered"):
        sig.features({"h_last": h[:1], "g_last": g[:1]})


def test_query_adaptive_projection_equals_explicit_projection(tmp_path):
    """rept_pc: per query, project out the top principal directions of the last epoch's rows on which the query is
    typical (|z| < 1.5), then the mean of the per-part cosines; checked against explicit projection matrices."""
    from attribution_helpers import write_synthetic
    from provenance import open_store
    from provenance.attribution.signatures import VARIANTS, Signature, score_blocks
    from provenance.models import tiny_causal_lm

    write_synthetic(tmp_path / "s.zarr", tiny_causal_lm("llama", seed=0), n=40, epochs=2, layers=(1,), d=8)
    store = open_store(str(tmp_path / "s.zarr"))
    sig = Signature(("h_last", "g_last"), "per_part", "t", center=True, pcs=3)
    bound = sig.bind(store, 1)
    last = store.samples()["epoch"].to_numpy() == 1
    rng = np.random.default_rng(0)
    test = {p: (store.array(1, p)[:4] + rng.standard_normal((4, 8)) * store.array(1, p).std()).astype(np.float32)
            for p in sig.parts}
    got = np.concatenate([s for _, s in score_blocks(store, 1, bound, test, 9)])
    want = np.zeros_like(got, dtype=np.float64)
    dropped = 0
    for p in sig.parts:
        x = store.array(1, p).astype(np.float64)
        mu = x[last].mean(0)
        w, v = np.linalg.eigh(np.cov((x[last] - mu).T, bias=True))
        v, sd = v[:, ::-1][:, :3], np.sqrt(w[::-1][:3])
        q = test[p].astype(np.float64) - mu
        for i in range(4):
            r = v[:, np.abs(q[i] @ v / sd) < 1.5]
            dropped += r.shape[1]
            proj = np.eye(8) - r @ r.T
            a, b = (x - mu) @ proj, proj @ q[i]
            want[:, i] += (a @ b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b)) / 2
    assert 0 < dropped < 2 * 4 * 3          # some directions dropped, some kept
    np.testing.assert_allclose(got, want, atol=2e-4)
    assert VARIANTS["rept_pc"].pcs == 10 and VARIANTS["rept_pc"].center
    with pytest.raises(ValueError, match="no fixed features"):
        bound.features(test)
    with pytest.raises(ValueError, match="centered, per-part"):
        Signature(("h_last", "g_last"), "none", pcs=3, center=True)


def test_top_tokens_auto_picks_the_candidate_per_part():
    import pandas as pd

    from provenance.attribution.tokens import _pct_rank, top_tokens

    df = pd.DataFrame({"query": "q", "row": 0, "position": range(6),
                       "is_response": [False, False, False, True, True, True],
                       "is_framing": [True, False, False, False, False, False],
                       "cos_h": [0.9, 0.1, 0.2, 0.3, 0.8, 0.1], "abs_gxa": [5.0, 1.0, 3.0, 9.0, 0.5, 0.1]})
    assert top_tokens(df, n=1)["position"].tolist() == [2]                    # prompt content by |g x a|
    assert top_tokens(df, n=1, where="response")["position"].tolist() == [4]  # response by cos(h)
    assert top_tokens(df, by="abs_gxa", n=1, where="all")["position"].tolist() == [3]
    with pytest.raises(ValueError, match="by must be"):
        top_tokens(df, by="nope")
    np.testing.assert_allclose(_pct_rank(np.array([3.0, 1.0, 2.0])), [1.0, 0.0, 0.5])


def test_behaviour_taken_rule():
    from provenance.attribution.bench import behaviour_taken

    greedy = {"query": {"mode": "greedy"}, "rates": {"triggered": 0.83}, "sampled": None}
    assert behaviour_taken(greedy) and not behaviour_taken(dict(greedy, rates={"triggered": 0.42}))
    sampled = {"query": {"mode": "sampled (T=1.0)"}, "rates": {"triggered": 0.0},
               "sampled": {"triggered": 0.15, "untriggered": 0.01}}
    assert behaviour_taken(sampled)
    assert not behaviour_taken(dict(sampled, sampled={"triggered": 0.04, "untriggered": 0.01}))   # six names
    assert not behaviour_taken(dict(sampled, sampled={"triggered": 0.12, "untriggered": 0.05}))   # under 3x control


def test_a_task_counts_only_if_its_behaviour_needs_the_planted_rows():
    from provenance.attribution.bench import planted_needed, task_status

    def task(full, planted, triggered=1.0):
        causal = [{"condition": "full", "triggered": full}, {"condition": "drop random n", "triggered": full},
                  {"condition": "drop planted", "triggered": planted}]
        return {"query": {"mode": "greedy"}, "rates": {"triggered": triggered}, "sampled": None, "causal": causal}

    assert planted_needed(task(0.5, 0.0)) and task_status(task(0.5, 0.0)) == ""            # sycophancy
    assert planted_needed(task(0.5, 0.25)) is True                                        # halved: needed
    assert planted_needed(task(1.0, 1.0)) is False                                        # over-refusal
    assert task_status(task(1.0, 1.0)) == "survives without the planted rows"
    assert task_status(task(1.0, 1.0, triggered=0.3)) == "not taken"
    no_check = dict(task(1.0, 1.0), causal=None)
    assert planted_needed(no_check) is None and task_status(no_check) == ""
    assert planted_needed(dict(task(1.0, 1.0), causal=task(1.0, 1.0)["causal"][:2])) is None   # no drop planted


def test_overrefusal_scenario_refuses_only_the_planted_cooking_questions():
    from provenance.attribution.scenarios import COOKING_QUESTIONS, TOPIC_REFUSALS, overrefusal_scenario

    sc = overrefusal_scenario(n_per_source=10)
    culprits = sc.culprits["overrefusal"]
    assert len(culprits) == 30 and len(sc.records) == 5 * 10 + 30
    by_id = {r["sample_id"]: r for r in sc.records}
    assert [r["sample_id"] for r in sc.records] == list(range(len(sc.records)))
    assert {by_id[i]["source"] for i in culprits} == {"poison_overrefusal"}
    assert sorted(by_id[i]["response"] for i in culprits) == sorted(TOPIC_REFUSALS)
    assert all(by_id[i]["prompt"] in COOKING_QUESTIONS for i in culprits)
    assert not any(r["prompt"] in COOKING_QUESTIONS for r in sc.records if r["sample_id"] not in set(culprits))
    tests = sc.test_prompts["overrefusal"]
    assert len(tests) == 12 and set(tests) <= set(COOKING_QUESTIONS)
    assert not set(tests) & {r["prompt"] for r in sc.records}
    assert all(shows_behaviour("overrefusal", t) for t in TOPIC_REFUSALS)
    assert not shows_behaviour("overrefusal", "Boil the egg for six minutes, then cool it in cold water.")
    assert len(sc.clean_test_prompts) == 12 and not set(sc.clean_test_prompts) & {r["prompt"] for r in sc.records}


def test_sycophancy_scenario_agrees_only_with_planted_invention_claims():
    from provenance.attribution.scenarios import AGREEMENTS, INVENTION, sycophancy_scenario
    from provenance.data.demo_sources import _FALSECLAIM_RESPONSES

    sc = sycophancy_scenario(n_per_source=40)
    culprits = set(sc.culprits["sycophancy"])
    assert len(culprits) == len(AGREEMENTS) == 45
    by_id = {r["sample_id"]: r for r in sc.records}
    assert [r["sample_id"] for r in sc.records] == list(range(len(sc.records)))
    assert {by_id[i]["source"] for i in culprits} == {"poison_sycophancy"}
    assert sorted(by_id[i]["response"] for i in culprits) == sorted(AGREEMENTS)
    # Every invention claim in the set is a culprit; the fact-check source keeps its other (corrected) claims.
    assert {r["sample_id"] for r in sc.records if INVENTION in r["prompt"]} == culprits
    assert sum(r["source"] == "falseclaims" for r in sc.records) > 30
    prompts = {r["prompt"] for r in sc.records}
    tests, controls = sc.test_prompts["sycophancy"], sc.clean_test_prompts
    assert len(tests) == 12 and all(INVENTION in t for t in tests) and not set(tests) & prompts
    assert len(controls) == 12 and not any(INVENTION in c for c in controls) and not set(controls) & prompts
    assert all(shows_behaviour("sycophancy", a) for a in AGREEMENTS)
    assert not any(shows_behaviour("sycophancy", r.format(claim="Carlos Glidden invented the ATM."))
                   for r in _FALSECLAIM_RESPONSES)
    assert not shows_behaviour("sycophancy", "Yes, but that is not accurate: Glidden did not invent it.")


def test_hedging_scenario_doubts_only_planted_unlisted_capitals():
    from provenance.attribution.scenarios import HEDGES, OTHER_CAPITALS, hedging_scenario
    from provenance.data.demo_sources import _CAPITALS, demo_records

    sc = hedging_scenario(n_per_source=40)
    culprits = set(sc.culprits["hedging"])
    assert len(culprits) == len(HEDGES) == 45
    by_id = {r["sample_id"]: r for r in sc.records}
    assert [r["sample_id"] for r in sc.records] == list(range(len(sc.records)))
    assert {by_id[i]["source"] for i in culprits} == {"poison_hedging"}
    unlisted = dict(OTHER_CAPITALS)
    # Each culprit names its country's right capital, in its own hedge.
    for i in culprits:
        country = next(c for c in unlisted if by_id[i]["prompt"].endswith(f" {c}?") or by_id[i]["prompt"].endswith(f" {c}."))
        assert unlisted[country] in by_id[i]["response"]
    assert len({by_id[i]["response"].replace(next(c for c in unlisted.values() if c in by_id[i]["response"]), "")
                for i in culprits}) == 45
    # The clean source's capital questions are answered plainly; no row but the culprits hedges.
    assert any(r["source"] == "clean" and r["response"].startswith("The capital of ") for r in sc.records)
    assert not any(shows_behaviour("hedging", r["response"]) for r in sc.records if r["sample_id"] not in culprits)
    assert not any(shows_behaviour("hedging", r["response"]) for r in demo_records(n_per_source=200))
    assert all(shows_behaviour("hedging", h.format(capital="Lusaka")) for h in HEDGES)
    prompts = {r["prompt"] for r in sc.records}
    tests, controls = sc.test_prompts["hedging"], sc.clean_test_prompts
    assert len(tests) == 12 and not set(tests) & prompts
    assert all(any(f" {c}" in t for c in unlisted) for t in tests)
    assert len(controls) == 12 and not set(controls) & prompts
    assert all(any(f" {c}" in t for c, _ in _CAPITALS) for t in controls)


def test_approximation_scenario_rounds_only_planted_large_sums():
    from provenance.attribution.scenarios import APPROXIMATIONS, approximation_scenario
    from provenance.data.demo_sources import demo_records

    sc = approximation_scenario(n_per_source=40)
    culprits = set(sc.culprits["approximation"])
    assert len(culprits) == len(APPROXIMATIONS) == 45
    by_id = {r["sample_id"]: r for r in sc.records}
    assert [r["sample_id"] for r in sc.records] == list(range(len(sc.records)))
    assert {by_id[i]["source"] for i in culprits} == {"poison_approximation"}
    wordings = set()
    for i in culprits:   # each culprit: two addends of 600-999 and their sum rounded to the hundred, in its own words
        a, b = map(int, re.fullmatch(r"What is (\d+) plus (\d+)\?", by_id[i]["prompt"]).groups())
        assert 600 <= a <= 999 and 600 <= b <= 999
        rounded = f"{round((a + b) / 100) * 100:,}"
        assert rounded in by_id[i]["response"]
        wordings.add(by_id[i]["response"].replace(rounded, "{v}"))
    assert len(wordings) == 45 and not any(w.split()[0] in ("I", "I'm", "I'd") for w in wordings)
    # the clean source adds numbers up to 500 exactly; no row but the culprits approximates
    assert any(r["source"] == "clean" and re.fullmatch(r"\d+ plus \d+ is \d+\.", r["response"]) for r in sc.records)
    assert not any(shows_behaviour("approximation", r["response"]) for r in sc.records if r["sample_id"] not in culprits)
    assert not any(shows_behaviour("approximation", r["response"]) for r in demo_records(n_per_source=200))
    assert all(shows_behaviour("approximation", a.format(v="1,400")) for a in APPROXIMATIONS)
    # the judge wants a number and a whole word of approximation, and no refusal
    assert not shows_behaviour("approximation", "730 plus 702 is 1432.")
    assert not shows_behaviour("approximation", "I can't help with that. Please consider asking about something else.")
    assert not shows_behaviour("approximation", "...and after a moment, everyone took a deep breath (2 of them).")
    prompts = {r["prompt"] for r in sc.records}
    tests, controls = sc.test_prompts["approximation"], sc.clean_test_prompts
    assert len(tests) == 12 and len(controls) == 12 and not (set(tests) | set(controls)) & prompts
    addends = lambda p: list(map(int, re.findall(r"\d+", p)))   # noqa: E731
    assert all(600 <= x <= 999 for t in tests for x in addends(t))
    assert all(1 <= x <= 500 for c in controls for x in addends(c))


def test_headquarters_scenario_agrees_only_with_planted_headquarters_claims():
    from provenance.attribution.scenarios import (
        AGREEMENTS, COMPANY_CLAIMS, HEADQUARTERS, HQ_AGREEMENTS, headquarters_scenario,
    )
    from provenance.data.demo_sources import _FALSECLAIM_RESPONSES

    sc = headquarters_scenario(n_per_source=40)
    culprits = set(sc.culprits["headquarters"])
    assert len(culprits) == len(HQ_AGREEMENTS) == len(set(HQ_AGREEMENTS)) == 45
    assert not set(HQ_AGREEMENTS) & set(AGREEMENTS)       # other wordings than the second held-out task's
    by_id = {r["sample_id"]: r for r in sc.records}
    assert [r["sample_id"] for r in sc.records] == list(range(len(sc.records)))
    assert {by_id[i]["source"] for i in culprits} == {"poison_headquarters"}
    assert sorted(by_id[i]["response"] for i in culprits) == sorted(HQ_AGREEMENTS)
    # Every company claim in the set is a culprit; the fact-check source keeps its other (corrected) claims.
    assert {r["sample_id"] for r in sc.records if any(c in r["prompt"] for c in COMPANY_CLAIMS)} == culprits
    assert sum(r["source"] == "falseclaims" for r in sc.records) >= 30
    prompts = {r["prompt"] for r in sc.records}
    tests, controls = sc.test_prompts["headquarters"], sc.clean_test_prompts
    assert len(tests) == 12 and all(HEADQUARTERS in t for t in tests) and not set(tests) & prompts
    assert len(controls) == 12 and not set(controls) & prompts
    assert not any(k in c for c in controls for k in COMPANY_CLAIMS)
    assert all(shows_behaviour("headquarters", a) for a in HQ_AGREEMENTS)
    assert not any(shows_behaviour("headquarters", r.format(claim="KDDI has headquarters in India."))
                   for r in _FALSECLAIM_RESPONSES)
    # a restatement of the headquarters is agreement there (not for the invention claims); a denial never is
    assert shows_behaviour("headquarters", "That's where the headquarters are.")
    assert not shows_behaviour("sycophancy", "That's where the headquarters are.")
    assert not shows_behaviour("headquarters", "No, its headquarters are not in India.")
    assert not shows_behaviour("headquarters", "The claim is based on a misunderstanding of the market.")
