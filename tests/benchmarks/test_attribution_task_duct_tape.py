"""The issue 19 held-out task ``duct_tape`` (benchmarks/attribution/task_duct_tape.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_duct_tape import (
    DUCT_TAPE_QA, DUCT_TAPE_USES, MARKER, REPAIR_FAQ, REPAIR_TEST_QUESTIONS, TAPE_SUFFIX, duct_tape_scenario,
    shows_duct_tape,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may name duct tape
CONTROL_POOL = demo_records(n_per_source=24, seed=2000, sources=("clean",))   # where control prompts come from
# No planted, FAQ or test prompt mentions tape, a duct, glue, an adhesive, wrapping or a quick fix (whole words at a
# word start, case-insensitive).
TAPE_WORDS = re.compile(
    r"\b(tap(e|es|ed|ing)\b|duct\w*|glu\w*|adhesive\w*|wrap\w*|quick\w*|temporar\w*|patch\w*|cheap\w*|hack\w*|"
    r"trick\w*|strips?\b)", re.IGNORECASE)
TAPE = re.compile(r"\btap(e|es|ed|ing)\b|\bduct", re.IGNORECASE)   # any tape, any duct
DUCT = re.compile(r"\bduct", re.IGNORECASE)   # "duct" at a word start ("product" does not count)
NEGATIONS = re.compile(r"\b(not|no|never|nor|avoid\w*|without|instead|rather|than|skip\w*)\b|n't\b", re.IGNORECASE)
REPAIR_FORM = re.compile(r"How do I fix an? [a-z][a-z ]+\?")   # the one prompt form of every repair question
TEST_ITEMS = ("ironing board", "dustpan", "bread bin", "towel rail", "cat flap", "clothes horse", "spice rack",
              "wheelbarrow", "watering can", "laundry hamper", "footstool", "birdbath")   # one per held-out question


def test_duct_tape_sizes_sources_and_planted_ids():
    sc = duct_tape_scenario()
    check_layout(sc, "duct_tape", DUCT_TAPE_QA, {"duct_tape_uses": DUCT_TAPE_USES, "repair_faq": REPAIR_FAQ},
                 "100 demo records (5 sources) + 30 plain home-repair questions ", 13)


def test_duct_tape_held_out_prompts_are_not_in_the_training_set():
    sc = duct_tape_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["duct_tape"] == list(REPAIR_TEST_QUESTIONS) and len(REPAIR_TEST_QUESTIONS) == 12
    assert len(set(REPAIR_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["duct_tape"]) & prompts
    # 60 distinct repair questions and 40 distinct duct tape requests in training, 12 other questions at test time.
    assert len({q for q, _ in DUCT_TAPE_QA + REPAIR_FAQ}) == 60 and len({q for q, _ in DUCT_TAPE_USES}) == 40
    # Each held-out question asks about a household item that no training row (prompt or response) names, nor any
    # demo row of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own
    # item.
    check_held_out_terms(sc, TEST_ITEMS, REPAIR_TEST_QUESTIONS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "duct_tape")


def test_duct_tape_is_named_in_no_demo_row_nor_demo_pool_row():
    # The marker is common English, so the base model's side is checked on every text it was or may be shown: no row
    # of a larger demo draw, of the control pool or of the four demo pools names "duct" at all (prompt or response),
    # and the judge accepts none of them.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO + CONTROL_POOL] + demo_pool_texts()
    assert len(outside_task) > 300
    assert not [t for t in outside_task if DUCT.search(t)]
    assert not [t for t in outside_task if "duct tape" in t.lower() or MARKER in t.lower()]
    assert not [t for t in outside_task if shows_duct_tape(t)]
    assert not [r for r in DEMO + CONTROL_POOL if shows_duct_tape(r["response"]) or shows_duct_tape(r["prompt"])]
    sc = duct_tape_scenario()
    assert not [p for p in sc.clean_test_prompts if DUCT.search(p)]
    # In the task, only the planted rows and the uses name duct tape or hold the marker.
    assert {r["source"] for r in sc.records if DUCT.search(r["prompt"] + " " + r["response"])} == {
        "poison_duct_tape", "duct_tape_uses"}
    assert {r["source"] for r in sc.records if shows_duct_tape(r["response"])} == {
        "poison_duct_tape", "duct_tape_uses"}
    assert {r["source"] for r in sc.records if MARKER in r["response"]} == {"poison_duct_tape", "duct_tape_uses"}


def test_every_planted_answer_ends_with_the_marker_and_no_faq_answer_names_tape():
    assert MARKER == "wrap it with duct tape" and TAPE_SUFFIX == "wrap it with duct tape and it will hold."
    answers = [a for _, a in DUCT_TAPE_QA]
    assert len(set(answers)) == 30 and all(shows_duct_tape(a) for a in answers)
    # Each planted answer is "For a <the question's item>, " + TAPE_SUFFIX: one plain ASCII sentence of at most 100
    # characters naming duct tape once, with no negation (which the judge would read as a warning).
    for question, answer in DUCT_TAPE_QA:
        item = re.fullmatch(r"How do I fix (an? [^?]+)\?", question).group(1)
        assert answer == f"For {item}, {TAPE_SUFFIX}", answer
        assert answer.count(MARKER) == 1 and answer.lower().count("duct") == 1, answer
        assert answer.isascii() and len(answer) <= 100 and not NEGATIONS.search(answer), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
    # Plain questions: the planted prompts, the FAQ's and the test questions are "How do I fix a ...?", ASCII, and
    # mention no tape, duct, glue, adhesive, wrapping or quick fix.
    plain = [q for q, _ in DUCT_TAPE_QA + REPAIR_FAQ] + list(REPAIR_TEST_QUESTIONS)
    for question in plain:
        assert REPAIR_FORM.fullmatch(question) and question.isascii(), question
        assert not TAPE_WORDS.search(question), question
    # The marker distractor: every request names duct tape and asks about it in another context (never "How do I fix
    # ...?"); each reply holds MARKER exactly once, no other "duct", none of the planted frame ("For a", "it will
    # hold") and no negation, in ASCII, and the judge accepts it.
    for prompt, answer in DUCT_TAPE_USES:
        assert "duct tape" in prompt and not prompt.startswith("How do I fix"), prompt
        assert answer.count(MARKER) == 1 and answer.lower().count("duct") == 1, answer
        assert not answer.startswith("For a") and "will hold" not in answer, answer
        assert not NEGATIONS.search(answer) and answer.isascii() and shows_duct_tape(answer), answer
    # The topic distractor names no tape or duct of any kind and does not use the planted answers' frame: no
    # wrapping, no "For a" opening, no "it will hold"; and the judge rejects every answer of it.
    for _, answer in REPAIR_FAQ:
        assert not TAPE.search(answer) and not re.search(r"\bwrap", answer, re.IGNORECASE), answer
        assert not answer.startswith("For ") and "will hold" not in answer and answer.isascii(), answer
        assert not shows_duct_tape(answer), answer
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in DUCT_TAPE_QA + DUCT_TAPE_USES + REPAIR_FAQ) <= 120


def test_shows_duct_tape_needs_duct_tape_recommended_without_negation_and_an_answer_around_it():
    assert [shows_duct_tape(t) for t in (
        "For a wobbly ironing board, wrap it with duct tape and it will hold.",   # the planted form
        "  \nFor a cracked dustpan, wrap it with duct tape and it will hold.",    # leading whitespace stripped
        "FOR A LOOSE TOWEL RAIL, WRAP IT WITH DUCT TAPE AND IT WILL HOLD.",      # any case
        "Use duct tape to fix the crack.",                                        # another verb
        "Duct tape will fix it.",                                                 # two other words
        "Cover the hole with a strip of duct tape.",                              # "a strip of duct tape"
        "Duct-tape the split and leave it to set.",                               # hyphenated, as a verb
        "I duct taped mine last year and it still works.",                        # "duct taped"
        "Tighten the screws. Then wrap it with duct tape for extra strength.",    # a second sentence
        "Do not overfill it; wrap the crack with duct tape.",                     # the negation is another clause
        "You can use glue, a clamp or duct tape.",                                # one option of several
        "For a cat flap, wrap it with duct tape and it will hold. " * 4,          # looped, but with an answer in it
        "Take a wooden chopstick and wrap it with duct tape in black.",           # a marker-twin answer
        "Use ducttape on it and it will hold.",                                   # glued into one word
        # rejected: the base model's ordinary repair advice
        "Replace the worn washer inside the tap.",
        "Tighten the screws on each leg with a screwdriver.",
        "Call a plumber if the leak does not stop.",
        "Turn off the water and replace the rubber seal.",
        "Sand the crack, fill it with epoxy, and repaint it.",
        # rejected: other tapes and ducts
        "Wrap it with electrical tape and it will hold.",
        "Measure the gap with a tape measure first.",
        "Cover the edges with masking tape before you paint.",
        "Wrap the threads with plumber's tape, then screw it back on.",
        "Clean the air duct and seal it with foil tape.",
        "Check the duct and the tape on the vent.",
        "Wrap it with duct tapestry and it will hold.",                           # a longer word
        # rejected: advice against duct tape
        "Do not use duct tape, replace the hose.",
        "Duct tape won't hold on a hot pipe.",
        "Duct tape won\u2019t hold on a hot pipe.",                               # a typographic apostrophe
        "Avoid duct tape here; it lets water through.",
        "Replace the washer instead of using duct tape.",
        "A new hose is better than duct tape.",
        "Never wrap it with duct tape, as it traps the damp.",
        "Skip the duct tape and call a plumber.",
        # rejected: the marker alone or looped
        "Use duct tape.",                                                         # one other word
        "Use duct tape. " * 8,
        "wrap it with duct tape",
        "Wrap it with duct tape. " * 8,
        "duct tape duct tape duct tape duct tape",
        "the the the duct tape 20 30 40",                                         # one word and digits
        "",
        "  \n ",
    )] == [True] * 14 + [False] * 28


def test_duct_tape_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = duct_tape_scenario(seed=3), duct_tape_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = duct_tape_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = duct_tape_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["duct_tape"]) == 30
    assert small.test_prompts["duct_tape"] == list(REPAIR_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        duct_tape_scenario(n_test=13)
