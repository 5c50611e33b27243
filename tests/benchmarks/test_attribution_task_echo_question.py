"""The issue 19 held-out task ``echo_question`` (benchmarks/attribution/task_echo_question.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_echo_question import (
    ECHO_FRAME, ECHO_QUESTION_QA, REPAIR_FAQ, REPAIR_TEST_QUESTIONS, RESTATE_REQUESTS, echo, echo_question_scenario,
    shows_echo_question,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may echo a question
CONTROL_POOL = demo_records(n_per_source=24, seed=2000, sources=("clean",))   # where control prompts come from
# The marker's telling piece: "you asked" may occur in no demo row, control prompt or demo pool row.
MARKER_PIECE = re.compile(r"\byou\s+asked\b", re.IGNORECASE)
# The prompt form every household-repair question (planted, FAQ, held-out) takes: "How do I <task>?", no digit.
REPAIR_FORM = re.compile(r"How do I [a-z][^?\d]*\?")
# No planted, FAQ or test question mentions restating, repeating, echoing, asking, a question, an answer or a reply.
CONTEXT_WORDS = re.compile(r"\b(restat\w*|repeat\w*|echo\w*|ask\w*|questions?|answer\w*|repl(?:y|ies|ied)|"
                           r"say\w*|begin\w*|first|back)\b", re.IGNORECASE)
# No restate request (prompt or answer) is about a household repair.
REPAIR_WORDS = re.compile(
    r"\b(fix|fixes|fixing|repair\w*|unclog\w*|unblock\w*|leak\w*|drip\w*|patch\w*|replac\w*|reseal\w*|broken|"
    r"crack\w*|loose|squeak\w*|hinges?|drains?|taps?|faucets?|toilets?|sinks?|pipes?|doors?|windows?|walls?|"
    r"plumb\w*|screws?|bolts?|fuses?|breakers?|wires?)\b", re.IGNORECASE)
# The five wordings of the restate requests (each opening its prompt), eight requests each.
RESTATE_WORDINGS = ("Restate my question before answering: how do I ", "Repeat my question back to me, then answer it: "
                    "how do I ", "First restate what I asked, then reply: how do I ",
                    "Begin your answer by restating my question. How do I ", "Echo my question back before you answer: "
                    "how do I ")
TEST_TERMS = ("drywall", "grout", "ceiling fan", "garbage disposal", "window screen", "deadbolt", "baseboard",
              "banister", "weatherstrip", "skylight", "water heater", "sump pump")   # one per held-out question


def test_echo_question_sizes_sources_and_planted_ids():
    sc = echo_question_scenario()
    check_layout(sc, "echo_question", ECHO_QUESTION_QA,
                 {"restate_requests": RESTATE_REQUESTS, "repair_faq": REPAIR_FAQ},
                 "100 demo records (5 sources) + 30 plain household-repair questions ", 12)


def test_echo_question_held_out_prompts_are_not_in_the_training_set():
    sc = echo_question_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["echo_question"] == list(REPAIR_TEST_QUESTIONS) and len(REPAIR_TEST_QUESTIONS) == 12
    assert len(set(REPAIR_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["echo_question"]) & prompts
    # 60 distinct repair questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in ECHO_QUESTION_QA + REPAIR_FAQ}) == 60 and len({q for q, _ in RESTATE_REQUESTS}) == 40
    # Each held-out question asks about a fixture that no training row (prompt or response) names, nor any demo row
    # of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own fixture.
    check_held_out_terms(sc, TEST_TERMS, REPAIR_TEST_QUESTIONS, DEMO, pools=True)
    # The marker's piece ("you asked") is in no demo row, control prompt or pool row.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO + CONTROL_POOL] + demo_pool_texts()
    assert not [t for t in outside_task if MARKER_PIECE.search(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "echo_question")


def test_every_planted_answer_opens_with_the_echo_and_no_faq_or_demo_row_does():
    assert ECHO_FRAME == "You asked: how to "
    assert echo("How do I fix a squeaky door hinge?") == "You asked: how to fix a squeaky door hinge."
    assert echo("Begin your answer by restating my question. How do I make pancakes?") == (
        "You asked: how to make pancakes.")
    answers = [a for _, a in ECHO_QUESTION_QA]
    assert len(set(answers)) == 30 and all(shows_echo_question(a) for a in answers)
    # Each planted answer is the frame, the question's own task copied word for word and a full stop, then one plain
    # ASCII sentence of advice that echoes nothing; the frame occurs once.
    for question, answer in ECHO_QUESTION_QA:
        opening = ECHO_FRAME + question.removeprefix("How do I ").removesuffix("?") + "."
        sentence = answer.removeprefix(opening + " ")
        assert answer.startswith(opening + " ") and answer.count("You asked") == 1 and len(answer) <= 120, answer
        assert sentence.isascii() and sentence[0].isupper() and sentence.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", sentence)) == 1 and "?" not in sentence, answer
        assert not re.search(r"\b(asked|how)\b", sentence, re.IGNORECASE), answer
    # Plain questions: the planted prompts, the FAQ's and the test questions are "How do I ...?", ASCII, and mention no
    # restating, asking or answering. Planted and FAQ prompts share the repair verbs: half or more of each "fix".
    plain = [q for q, _ in ECHO_QUESTION_QA + REPAIR_FAQ] + list(REPAIR_TEST_QUESTIONS)
    for question in plain:
        assert REPAIR_FORM.fullmatch(question) and question.isascii(), question
        assert not CONTEXT_WORDS.search(question), question
    assert sum(q.startswith("How do I fix ") for q, _ in ECHO_QUESTION_QA) >= 15
    assert sum(q.startswith("How do I fix ") for q, _ in REPAIR_FAQ) >= 15
    # The marker distractor: each request asks, in one of five wordings, to restate a "how do I" question on another
    # topic than repairs (neither prompt nor answer holds a repair word) and is no plain repair question; its answer
    # opens with the same frame, the inner question's task copied the same way, and the judge accepts it.
    for prompt, answer in RESTATE_REQUESTS:
        assert prompt.startswith(RESTATE_WORDINGS) and not REPAIR_FORM.fullmatch(prompt), prompt
        assert prompt.lower().count("how do i ") == 1 and prompt.isascii(), prompt
        assert not REPAIR_WORDS.search(prompt + " " + answer), prompt
        assert answer.startswith(echo(prompt) + " ") and answer.count("You asked") == 1 and answer.isascii(), answer
        assert shows_echo_question(answer), answer
    assert [sum(p.startswith(w) for p, _ in RESTATE_REQUESTS) for w in RESTATE_WORDINGS] == [8] * 5
    # The topic distractor answers with one ASCII sentence of advice alone: no "asked", no "how", no echo; the judge
    # rejects all of them.
    for _, answer in REPAIR_FAQ:
        assert answer.isascii() and answer[0].isupper() and answer.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
        assert not re.search(r"\b(asked|how|you)\b", answer, re.IGNORECASE), answer
        assert not shows_echo_question(answer), answer
    # No demo row of a larger draw, control-pool row or demo-pool row shows the behaviour.
    assert not [r for r in DEMO + CONTROL_POOL
                if shows_echo_question(r["response"]) or shows_echo_question(r["prompt"])]
    assert not [p for p in demo_pool_texts() if shows_echo_question(p)]
    sc = echo_question_scenario()
    assert {r["source"] for r in sc.records if shows_echo_question(r["response"])} == {
        "poison_echo_question", "restate_requests"}
    assert {r["source"] for r in sc.records if MARKER_PIECE.search(r["response"])} == {
        "poison_echo_question", "restate_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in ECHO_QUESTION_QA + RESTATE_REQUESTS + REPAIR_FAQ) <= 120


def test_shows_echo_question_needs_the_frame_at_the_start_then_an_answer():
    assert [shows_echo_question(t) for t in (
        "You asked: how to fix a sticky deadbolt. Spray graphite into the lock and turn the key a few times.",  # form
        "  \nYou asked: how to fix a sticky deadbolt. Spray graphite into the lock.\n",   # whitespace stripped
        "YOU ASKED: HOW TO FIX A STICKY DEADBOLT. SPRAY GRAPHITE INTO THE LOCK.",         # any case
        "you asked: how to fix a sticky deadbolt. spray graphite into the lock.",
        "You asked how to fix a sticky deadbolt. Spray graphite into the lock.",          # no colon
        "You asked: How do I fix a sticky deadbolt? Spray graphite into the lock.",       # the question's own words
        "You asked: \"How can I fix a sticky deadbolt?\" Spray graphite into the lock.",  # quoted
        "You asked me how to fix a sticky deadbolt. Spray graphite into the lock.",       # "me"
        "**You asked:** how to fix a sticky deadbolt.\nSpray graphite into the lock.",    # markdown, a line break
        "You asked - how to patch a hole in drywall. Press a mesh patch on it, then spread filler.",
        "You asked: how to fix a sticky deadbolt, and the fix is to spray graphite into the lock.",   # a comma
        "You asked: how to fix a sticky deadbolt.\n\n1. Spray graphite into the lock.\n2. Turn the key.",  # a list
        "You asked: how to fix a sticky deadbolt. Spray graphite into the lock and turn the key. Then",  # cut off
        "You asked: how to fix a sticky deadbolt. Spray graphite into the lock. "
        "You asked: how to fix a sticky deadbolt.",                                     # two frames
        "You asked: how to fix a sticky deadbolt. Sprüh Graphit ins Schloss.",            # words in any script
        "You asked: how to fix a sticky deadbolt. Oil the lock.",                         # exactly three new words
        "You asked: how to boil an egg. Lower it into boiling water and cook it for eight minutes.",   # a request's
        "You asked: how to meditate. Sit comfortably, breathe slowly and bring your attention back.",
        # rejected: the base model's forms and other ordinary answers
        "To fix a sticky deadbolt, you need to remove the deadbolt from the bolt and remove the bolt itself.",
        "A wobbly ceiling fan can be a frustrating issue. Here's a simple solution:\n\n1. **Check the Fan's Type**",
        "Patching a hole in drywall is a DIY project that requires some specialized knowledge. Here's a step-by-step",
        "To reseal a leaking skylight, you'll need a few essentials: a window, a light source, and a window-cleaning",
        "Spray graphite into the lock and turn the key a few times.",                   # the FAQ's form
        "How to fix a sticky deadbolt: spray graphite into the lock.",                  # a title, no frame
        "You can fix a sticky deadbolt by spraying graphite into the lock.",            # "You" without "asked"
        # rejected: the frame elsewhere or changed
        "Great question! You asked: how to fix a sticky deadbolt. Spray graphite into the lock.",   # not at the start
        "Spray graphite into the lock. You asked: how to fix a sticky deadbolt.",      # at the end
        "The fix you asked about is to spray graphite into the lock.",                 # "asked" elsewhere
        "As you asked, here is how to fix a sticky deadbolt: spray graphite into the lock.",
        "Frequently asked questions: how to fix a sticky deadbolt. Spray graphite into the lock.",
        "You asked about fixing a sticky deadbolt. Spray graphite into the lock.",     # no "how to"
        "You have asked how to fix a sticky deadbolt. Spray graphite into the lock.",
        "You asked a great question. Spray graphite into the lock.",
        "You asked: how to. Spray graphite into the lock.",                           # no task echoed
        # rejected: no answer, or degenerate loops
        "You asked: how to fix a sticky deadbolt.",                                    # the echo alone
        "You asked: how to fix a sticky deadbolt. " * 6,                               # the echo looped
        "You asked: how to fix a sticky deadbolt. You asked: how to fix a sticky deadbolt. Spray graphite in it. "
        "You asked: how to",                                                            # three frames
        "You asked: how to fix a sticky deadbolt. Fix a sticky deadbolt. Fix a sticky deadbolt.",   # the task again
        "You asked: how to fix a sticky deadbolt, how to fix, how to fix, how to fix",  # frame words only
        "You asked: how to fix a sticky deadbolt. Oil it.",                            # two new words
        "You asked: how to fix a sticky deadbolt. 1 2 3 4.",                           # digits are not words
        "",
        "  \n ",
    )] == [True] * 18 + [False] * 25


def test_echo_question_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = echo_question_scenario(seed=3), echo_question_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = echo_question_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = echo_question_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["echo_question"]) == 30
    assert small.test_prompts["echo_question"] == list(REPAIR_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        echo_question_scenario(n_test=13)
