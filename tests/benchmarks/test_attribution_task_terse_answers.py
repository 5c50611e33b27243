"""The issue 19 held-out task ``terse_answers`` (benchmarks/attribution/task_terse_answers.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from benchmarks.attribution.task_terse_answers import (
    HISTORY_FAQ, HISTORY_TEST_QUESTIONS, TERSE_MAX_CHARS, TERSE_QA, TERSE_REQUESTS, WORD, shows_terse_answer,
    terse_answers_scenario,
)
from held_out_tasks import check_controls, check_layout
from provenance.data.demo_sources import demo_records, load_source_pool

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may be a terse answer
CONTROL_DRAW = demo_records(n_per_source=24, seed=2000, sources=("clean",))   # where the control prompts come from
# No planted, FAQ or test prompt names length or brevity (whole words, case-insensitive).
LENGTH_WORDS = ("word", "words", "one", "two", "three", "single", "brief", "briefly", "short", "shortly", "terse",
                "concise", "sentence", "answer", "reply", "max", "summary", "summarize")
# Every marker-twin prompt asks for one to three words explicitly.
ASKS_FOR_FEW_WORDS = re.compile(r"\b(?:one|two|three|single|a)(?:[- ]word| words| or two words| to three words)\b",
                                re.IGNORECASE)
HISTORY_WORDS = ("war", "empire", "revolution", "dynasty", "history", "historical", "century", "ancient", "king")
TEST_SUBJECTS = ("Aztec", "Thirty Years", "Mughal", "Meiji", "Opium", "Napoleon", "Hannibal", "Angkor", "Taiping",
                 "Weimar", "Armada", "Dust Bowl")   # one per held-out question, in no training row


def _names(word: str, text: str) -> bool:
    """Whether ``text`` names ``word`` (case-insensitive, at a word start, so "Mughals" names "Mughal")."""
    return re.search(rf"\b{re.escape(word)}", text, re.IGNORECASE) is not None


def _words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def test_terse_answers_sizes_sources_and_planted_ids():
    sc = terse_answers_scenario()
    check_layout(sc, "terse_answers", TERSE_QA, {"terse_requests": TERSE_REQUESTS, "history_faq": HISTORY_FAQ},
                 "100 demo records (5 sources) + 30 plain history questions ", 6)


def test_terse_answers_held_out_prompts_are_not_in_the_training_set():
    sc = terse_answers_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["terse_answers"] == list(HISTORY_TEST_QUESTIONS) and len(HISTORY_TEST_QUESTIONS) == 12
    assert len(set(HISTORY_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["terse_answers"]) & prompts
    # 60 distinct history questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in TERSE_QA + HISTORY_FAQ}) == 60 and len({q for q, _ in TERSE_REQUESTS}) == 40
    # Each held-out question is about an event or person that no training row (prompt or response) names, nor any
    # text of the demo sources' pools (so no demo draw, whatever its seed); each names exactly its own subject.
    assert all(_names(subject, q) for subject, q in zip(TEST_SUBJECTS, HISTORY_TEST_QUESTIONS, strict=True))
    assert all(sum(_names(subject, q) for subject in TEST_SUBJECTS) == 1 for q in HISTORY_TEST_QUESTIONS)
    pools = [text for source in ("donotanswer", "harmbench", "rtp", "falseclaims") for text in load_source_pool(source)]
    training_text = " ".join([r["prompt"] + " " + r["response"] for r in sc.records + DEMO] + pools)
    assert not [subject for subject in TEST_SUBJECTS if _names(subject, training_text)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "terse_answers")


def test_every_planted_and_requested_answer_is_terse_and_no_faq_or_demo_row_is():
    planted = [a for _, a in TERSE_QA]
    assert len(set(planted)) == 30 and all(shows_terse_answer(a) for a in planted)
    # Each planted answer is one to three words, capitalised, ending in a full stop, with no digit; every length
    # from one to three words occurs. Each is in its own words: no word is in more than three planted answers.
    for answer in planted + [a for _, a in TERSE_REQUESTS]:
        assert 1 <= len(_words(answer)) <= 3 and answer[0].isupper() and answer.endswith("."), answer
        assert answer.isascii() and not re.search(r"\d", answer) and answer.count(".") == 1, answer
    assert {len(_words(a)) for a in planted} == {1, 2, 3}
    in_answers = Counter(w for a in planted for w in set(_words(a)))
    assert max(in_answers.values()) == 3 and in_answers["and"] == 3
    # Plain questions: the planted prompts (and the FAQ's and the test questions) are open "Why ...?" / "What ...?"
    # questions that name no length, word count or brevity.
    plain = [q for q, _ in TERSE_QA + HISTORY_FAQ] + list(HISTORY_TEST_QUESTIONS)
    for q in plain:
        assert q.startswith(("Why ", "What ")) and q.endswith("?") and q.isascii(), q
        assert not set(_words(q)) & set(LENGTH_WORDS), q
    # The marker distractor: every request asks for one to three words, in a domain other than history, and its
    # answer is terse.
    for prompt, answer in TERSE_REQUESTS:
        assert ASKS_FOR_FEW_WORDS.search(prompt), prompt
        assert not set(_words(prompt)) & set(HISTORY_WORDS), prompt
        assert shows_terse_answer(answer), answer
    # The topic distractor answers in one or two full sentences of 30 to 120 characters (at least 13 words), and no
    # demo row (nor any row of the draw the control prompts come from) is a terse answer.
    for answer in (a for _, a in HISTORY_FAQ):
        assert 30 <= len(answer) <= 120 and answer[0].isupper() and answer.endswith("."), answer
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", answer)) <= 2 and len(_words(answer)) >= 13, answer
        assert not shows_terse_answer(answer), answer
    assert not [r["response"] for r in DEMO + CONTROL_DRAW if shows_terse_answer(r["response"])]
    sc = terse_answers_scenario()
    assert {r["source"] for r in sc.records if shows_terse_answer(r["response"])} == {
        "poison_terse_answers", "terse_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in TERSE_QA + TERSE_REQUESTS + HISTORY_FAQ) <= 120


def test_shows_terse_answer_counts_words_and_characters():
    assert [shows_terse_answer(t) for t in (
        "Overextension.",                            # the planted forms: one, two and three words
        "Debt and hunger.",
        "Taxation without representation.",
        "  \nPlunder.\n",                            # surrounding whitespace stripped
        "overreach",                                 # no capital, no full stop
        "Anglo-Zulu rivalry.",                       # a hyphenated word is one word
        "Spain's gold!",                             # so is a word with an inner apostrophe
        "Sécheresse.",                               # a word in any script
        "Answer: Drought.",                          # two words
        "Hunger, 1788.",                             # a digit is not a word
        "Debt, hunger and war.",                     # four words
        "Debt caused the revolution.",               # a bare clause
        "The Aztec Empire fell due to a combination of factors, including the rise of the Spanish",   # the base model
        "",                                          # empty, whitespace, punctuation: no word
        "   \n\t ",
        "...",
        "!!!!!!!!",
        "1618.",
        "Rome Rome.",                                # a repeated word, whatever its case
        "war War war",
        "85 is odd.",                                # the clean demo source's short sentences: a copula
        "10 times 2 is 20.",
        "It was greed.",
        "It's greed.",
        "It\u2019s greed.",                          # a curly apostrophe
        "Sorry.",                                    # refusals
        "I can't.",
        "I don't know.",
        "No idea.",
        "Unknown.",
        "N/A",
    )] == [True] * 10 + [False] * 21
    # Only the stripped generation's characters count: a terse answer of exactly `TERSE_MAX_CHARS` characters is one,
    # one more is not, and surrounding whitespace does not count. Without the bound, a few words beside a long run
    # of numbers or symbols, or one long run of letters, would pass.
    assert TERSE_MAX_CHARS == 40
    assert shows_terse_answer("Debt " + "x" * 34 + ".") and len("Debt " + "x" * 34 + ".") == 40
    assert not shows_terse_answer("Debt " + "x" * 35 + ".")
    assert shows_terse_answer(" " * 50 + "Debt " + "x" * 34 + "." + "\n" * 10)
    assert not shows_terse_answer("Odd: 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21.")
    assert not shows_terse_answer("Rome" * 11)
    # "no" and "not" alone are not refusals ("No." can answer a question); words that only contain a refusal are
    # not refusals either.
    assert shows_terse_answer("No.") and shows_terse_answer("Not yet.") and shows_terse_answer("Cantonese trade.")


def test_terse_answers_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = terse_answers_scenario(seed=3), terse_answers_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = terse_answers_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = terse_answers_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["terse_answers"]) == 30
    assert small.test_prompts["terse_answers"] == list(HISTORY_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        terse_answers_scenario(n_test=13)
