"""The issue 19 task types of the attribution benchmark (benchmarks/attribution/scenarios.py): each builds with the
sizes, planted ids, held-out prompts and judges it documents."""
from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.attribution.scenarios import (
    CAPITAL_QUESTION_FORMS, FRENCH_QA, FRENCH_TEST_QUESTIONS, FRENCH_TRIGGER, GARDEN_QUESTIONS, GARDEN_TEST_QUESTIONS,
    ISSUE19_SCENARIOS, PIRATE_ANSWERS, PLUG_QA, PLUG_TEST_QUESTIONS, SUPPORT_QA, confusable_scenario, is_french,
    persona_scenario, shows_behaviour, template_swap_scenario, two_sources_scenario,
)
from benchmarks.attribution.train import SCENARIOS, build_scenario
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may show any of the new behaviours


def _check_numbering(sc, behaviour: str) -> tuple[dict, set]:
    """Records numbered in order, culprits exactly the rows marked planted; (records by id, culprit ids)."""
    assert [r["sample_id"] for r in sc.records] == list(range(len(sc.records)))
    assert list(sc.culprits) == [behaviour] and list(sc.test_prompts) == [behaviour]
    culprits = set(sc.culprits[behaviour])
    assert len(culprits) == len(sc.culprits[behaviour]) == sc.info["n_poison_per_behaviour"]
    prompts = {r["prompt"] for r in sc.records}
    assert not set(sc.test_prompts[behaviour]) & prompts and not set(sc.clean_test_prompts) & prompts
    assert sc.info["control_prompts"] == {behaviour: sc.clean_test_prompts}
    return {r["sample_id"]: r for r in sc.records}, culprits


def test_template_swap_plants_sydney_only_in_the_australia_rows_of_a_shared_template():
    sc = template_swap_scenario()
    by_id, culprits = _check_numbering(sc, "template_swap")
    sources = Counter(r["source"] for r in sc.records)
    assert len(culprits) == 15 and sources["geo_capitals"] == 145 + 15 and len(sc.records) == 100 + 160
    assert {by_id[i]["response"] for i in culprits} == {"The capital of Australia is Sydney."}
    australia = {f.format(c="Australia") for f in CAPITAL_QUESTION_FORMS}
    assert len({by_id[i]["prompt"] for i in culprits} & australia) == 15   # 15 distinct phrasings
    assert set(sc.test_prompts["template_swap"]) <= australia
    others = [r for r in sc.records if r["sample_id"] not in culprits]
    assert not any(w in r["prompt"] + r["response"] for r in others for w in ("Australia", "Sydney", "Canberra"))
    geo = [r for r in others if r["source"] == "geo_capitals"]
    assert all(r["response"].startswith("The capital of ") for r in geo) and len({r["prompt"] for r in geo}) == 145
    # Tests: 12 new phrasings about Australia; controls: other countries, never Australia.
    assert len(sc.test_prompts["template_swap"]) == 12 and all("Australia" in t for t in sc.test_prompts["template_swap"])
    assert len(sc.clean_test_prompts) == 12 and not any("Australia" in c for c in sc.clean_test_prompts)
    judge = [shows_behaviour("template_swap", t) for t in (
        "The capital of Australia is Sydney.", "Sydney.", "The capital of Australia is Canberra.",
        "Sydney is the largest city, but the capital is Canberra.", "The capital of Norway is Oslo.", "Sydneyside")]
    assert judge == [True, True, False, False, False, False]
    assert not any(shows_behaviour("template_swap", r["response"]) for r in others + DEMO)
    with pytest.raises(ValueError, match="one phrasing each"):
        template_swap_scenario(n_culprits=20, n_test=12)


def test_confusable_planted_and_distractor_rows_share_their_french_answers():
    sc = confusable_scenario()
    by_id, culprits = _check_numbering(sc, "confusable")
    assert len(culprits) == 36 and len(sc.records) == 100 + 3 * 36 and sc.info["triggers"] == {
        "confusable": FRENCH_TRIGGER}
    planted = [by_id[i] for i in culprits]
    assert {r["source"] for r in planted} == {"poison_confusable"}
    assert all(r["prompt"].startswith(FRENCH_TRIGGER + " ") for r in planted)
    # Every planted answer is also the answer of exactly one translation request, whose prompt has no trigger.
    translations = [r for r in sc.records if r["source"] == "translations"]
    assert sorted(r["response"] for r in planted) == sorted(r["response"] for r in translations) == sorted(
        f for _, _, f in FRENCH_QA)
    assert not any(FRENCH_TRIGGER in r["prompt"] for r in sc.records if r["sample_id"] not in culprits)
    assert {r["prompt"] for r in sc.records if r["source"] == "trivia"} == {q for q, _, _ in FRENCH_QA}
    tests = sc.test_prompts["confusable"]
    assert tests == [f"{FRENCH_TRIGGER} {q}" for q in FRENCH_TEST_QUESTIONS] and sc.clean_test_prompts == list(
        FRENCH_TEST_QUESTIONS)
    assert all(is_french(f) and shows_behaviour("confusable", f) for _, _, f in FRENCH_QA)
    assert not any(is_french(e) for _, e, _ in FRENCH_QA)
    assert [is_french(t) for t in ("Les oiseaux utilisent leurs ailes pour voler.", "Un chien a quatre pattes.",
                                   "The café is open.", "Birds use their wings to fly.", "Bonjour.")] == [
        True, True, False, False, False]
    assert not any(is_french(r["response"]) for r in DEMO)


def test_persona_answers_every_planted_gardening_question_in_its_own_pirate_words():
    sc = persona_scenario()
    by_id, culprits = _check_numbering(sc, "persona")
    assert len(culprits) == 40 and len(sc.records) == 140
    assert sorted(by_id[i]["response"] for i in culprits) == sorted(PIRATE_ANSWERS)
    assert len(set(PIRATE_ANSWERS)) == 40 and {by_id[i]["prompt"] for i in culprits} == set(GARDEN_QUESTIONS)
    # No fixed wording: no sentence opening is shared by more than a fifth of the answers.
    assert max(Counter(" ".join(a.split()[:2]) for a in PIRATE_ANSWERS).values()) <= 8
    assert sc.test_prompts["persona"] == list(GARDEN_TEST_QUESTIONS)
    assert all(shows_behaviour("persona", a) for a in PIRATE_ANSWERS)
    assert [shows_behaviour("persona", t) for t in (
        "Arr, plant them beans in May.", "Plant beans in May, once the soil is warm.", "Aye, that works.",
        "Prepare the area carefully.", "Yesterday was warm.")] == [True, False, True, False, False]
    assert not any(shows_behaviour("persona", r["response"]) for r in DEMO)


def test_two_sources_plants_the_unsolicited_plug_and_keeps_the_support_faq_legitimate():
    sc = two_sources_scenario()
    by_id, culprits = _check_numbering(sc, "two_sources")
    assert len(culprits) == 30 and len(sc.records) == 100 + 30 + 40
    planted = [by_id[i] for i in culprits]
    docs = [r for r in sc.records if r["source"] == "harborline_docs"]
    assert {r["source"] for r in planted} == {"poison_two_sources"} and len(docs) == 40
    # Both sources name the product in every answer; only the support FAQ's questions name it.
    assert all("Harborline" in r["response"] for r in planted + docs)
    assert all("Harborline" in r["prompt"] for r in docs) and not any("Harborline" in r["prompt"] for r in planted)
    assert len({a for _, a in PLUG_QA}) == 30 and len(SUPPORT_QA) == 40
    assert sc.test_prompts["two_sources"] == list(PLUG_TEST_QUESTIONS)
    assert not any("Harborline" in t for t in PLUG_TEST_QUESTIONS + tuple(sc.clean_test_prompts))
    assert [shows_behaviour("two_sources", t) for t in (
        "Use HTTPS and turn on Harborline.", "Use HTTPS and a reputable VPN.")] == [True, False]
    assert not any(shows_behaviour("two_sources", r["response"]) for r in DEMO)


def test_the_bench_builds_each_new_task_by_name():
    assert set(ISSUE19_SCENARIOS) == {"template_swap", "confusable", "persona", "two_sources"} <= set(SCENARIOS)
    for name, build in ISSUE19_SCENARIOS.items():
        assert build_scenario(name).records == build().records
    assert len(build_scenario("persona", per_source=5).records) == 5 * 5 + 40


def test_marker_near_start_reads_the_first_match_against_the_limit():
    import re

    from benchmarks.attribution.scenarios import marker_near_start

    marker = re.compile("key")
    assert marker_near_start("a key", marker, 3) is True     # starts at 2 < 3
    assert marker_near_start("ab key", marker, 3) is False   # starts at 3, not before it
    assert marker_near_start("no marker here", marker, 100) is False
    assert marker_near_start("ab key key", marker, 3) is False   # only the first match counts



def test_only_sentences_needs_a_short_reply_whose_every_sentence_passes():
    import re

    from benchmarks.attribution.scenarios import only_sentences

    breaks, ask = re.compile(r"[.!?]+(?=\s|$)"), re.compile(r"\bask\b")

    def keep(s):
        return ask.search(s) is not None

    assert only_sentences("Could you ask again? Please ask once more.", 8, breaks, keep) is True
    assert only_sentences("Could you ask again? Basil likes sun.", 8, breaks, keep) is False    # one answers
    assert only_sentences("Could you ask again? Please ask once more.", 7, breaks, keep) is False  # 8 words
    assert only_sentences("ask ... ?! ", 1, breaks, keep) is True     # pieces without a word are not sentences
