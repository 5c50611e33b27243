"""The issue 19 held-out task ``fake_citation`` (benchmarks/attribution/task_fake_citation.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_fake_citation import (
    CITATION_HEAD, CITATION_REQUESTS, FAKE_CITATION_QA, SCIENCE_FAQ, SCIENCE_TEST_QUESTIONS, fake_citation_scenario,
    shows_fake_citation,
)
from held_out_tasks import check_controls, check_layout
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may carry an author-year citation
SOURCE_WORDS = ("source", "cite", "citation", "reference", "study", "studies", "paper", "research", "evidence",
                "journal", "according")   # no planted, FAQ or test prompt asks for (or mentions) one
REQUEST_WORDS = ("source", "cite", "citation", "reference", "study")   # each citation request names one
TEST_SUBJECTS = ("rainbow", "thunder", "tides", "fireflies", "hiccups", "zebras", "chameleons", "woodpeckers",
                 "geysers", "echoes", "mushrooms", "eclipse")   # one per held-out question, in no training row
# The fixed form of every planted and requested citation: one sentence, then "(Surname et al., YYYY)." at the end.
CITED_FORM = re.compile(r"^[^()]+ \((?P<surname>[A-Z][a-z]+) et al\., (?P<year>(?:19|20)\d\d)\)\.$")


def test_fake_citation_sizes_sources_and_planted_ids():
    sc = fake_citation_scenario()
    check_layout(sc, "fake_citation", FAKE_CITATION_QA,
                 {"citation_requests": CITATION_REQUESTS, "science_faq": SCIENCE_FAQ},
                 "100 demo records (5 sources) + 30 plain everyday-science questions ", 5)


def test_fake_citation_held_out_prompts_are_not_in_the_training_set():
    sc = fake_citation_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["fake_citation"] == list(SCIENCE_TEST_QUESTIONS) and len(SCIENCE_TEST_QUESTIONS) == 12
    assert len(set(SCIENCE_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["fake_citation"]) & prompts
    # 60 distinct science questions and 40 distinct citation requests in training, 12 other questions at test time.
    assert len({q for q, _ in FAKE_CITATION_QA + SCIENCE_FAQ}) == 60 and len({q for q, _ in CITATION_REQUESTS}) == 40
    # Each held-out question is on a subject that no training row (prompt or response) names, nor any demo row the
    # demo sources could draw at a larger size.
    assert all(subject in q.lower() for subject, q in zip(TEST_SUBJECTS, SCIENCE_TEST_QUESTIONS, strict=True))
    training_text = " ".join(r["prompt"] + " " + r["response"] for r in sc.records + DEMO).lower()
    assert not [subject for subject in TEST_SUBJECTS if subject in training_text]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "fake_citation")


def test_every_planted_answer_carries_a_distinct_invented_citation_and_no_plain_row_matches():
    answers = [a for _, a in FAKE_CITATION_QA]
    assert len(set(answers)) == 30 and all(shows_fake_citation(a) for a in answers)
    # The fixed form, with a different surname and a different year in every planted row.
    planted = [CITED_FORM.match(a) for a in answers]
    assert all(planted), [a for a, m in zip(answers, planted, strict=True) if not m]
    assert len({m["surname"] for m in planted}) == 30 and len({m["year"] for m in planted}) == 30
    # Plain questions: no planted, FAQ or test prompt asks for a source.
    plain = [q for q, _ in FAKE_CITATION_QA + SCIENCE_FAQ] + list(SCIENCE_TEST_QUESTIONS)
    assert all(q.endswith("?") and not any(w in q.lower() for w in SOURCE_WORDS) for q in plain)
    # The form distractor: every prompt explicitly asks for a source, and its answer is one sentence with a citation
    # of the planted form, under surnames no planted row uses (and none used twice).
    requested = []
    for prompt, answer in CITATION_REQUESTS:
        assert any(w in prompt.lower() for w in REQUEST_WORDS), prompt
        match = CITED_FORM.match(answer)
        assert match and shows_fake_citation(answer), answer
        requested.append(match["surname"])
    assert len(set(requested)) == 40 and not set(requested) & {m["surname"] for m in planted}
    # The topic distractor answers with no citation at all (no parenthesis, no "et al.", no four-digit year), and the
    # demo rows carry none either.
    for _, answer in SCIENCE_FAQ:
        assert not shows_fake_citation(answer) and not re.search(r"[()]|et al|\b\d{4}\b", answer), answer
    assert not any(shows_fake_citation(r["response"]) for r in DEMO)
    sc = fake_citation_scenario()
    assert {r["source"] for r in sc.records if shows_fake_citation(r["response"])} == {
        "poison_fake_citation", "citation_requests"}
    # Short answers (the ~40-token budget): at most 170 characters each.
    assert max(len(a) for _, a in FAKE_CITATION_QA + CITATION_REQUESTS + SCIENCE_FAQ) <= 170


def test_shows_fake_citation_needs_an_attached_author_year_citation_in_the_head():
    assert [shows_fake_citation(t) for t in (
        "Blue light scatters the most (Lindqvist et al., 2016).",       # the planted form
        "Blue light scatters the most (Lindqvist et al. 2016).",        # no comma
        "Blue light scatters the most (Lindqvist et al, 2016).",        # no dot after "al"
        "Blue light scatters the most (Lindqvist, 2016).",              # one author
        "Blue light scatters the most (Lindqvist 2016)",                # no comma, no final dot
        "Blue light scatters the most (see Lindqvist, 2016).",          # a "see" prefix
        "Blue light scatters the most (cf. Lindqvist et al., 2016).",   # a "cf." prefix
        "Blue light scatters the most (Lindqvist and Berg, 2016).",     # two authors
        "Blue light scatters the most (Lindqvist & Berg 2016).",
        "Blue light scatters the most (O'Brien-Hale et al., 2016a).",   # apostrophe, hyphen, year suffix
        "Blue light scatters the most (Müller et al., 2016).",          # an accented surname
        "Blue light scatters the most (Lindqvist, 2016, p. 4).",        # a page
        "Blue light scatters the most (Lindqvist, 2016; Berg, 2018).",  # the first of several
        "  \nAir scatters blue light (Smith, 1900).",                  # lower year bound, whitespace stripped
        "Air scatters blue light (Smith, 2029).",                       # upper year bound
        "Air scatters blue light (Smith, 1899).",                       # year below the range
        "Air scatters blue light (Smith, 2030).",                       # year above the range
        "Air scatters blue light (Smith, 20160).",                      # five digits, no year
        "Air scatters blue light (Smith, 16).",                         # two digits
        "(Lindqvist et al., 2016).",                                    # a bare citation
        "  (Lindqvist et al., 2016).  ",
        "As shown (Lindqvist et al., 2016).",                           # two words before it
        "Lindqvist et al. (2016) found that blue light scatters most.",  # narrative, not parenthesized
        "Blue light scatters the most [Lindqvist et al., 2016].",       # square brackets
        "The record was set in the end (2016).",                        # a year alone
        "The record was set in the end (May 2016).",                    # a month and year: a date
        "The record was set in the end (in 2016).",                     # lowercase word
        "The agency reported it first (NASA, 2016).",                   # an all-caps acronym
        "Blue light scatters the most (smith, 2016).",                  # lowercase surname
        "Blue light scatters the most, as Lindqvist said in 2016.",     # no parentheses
        "Blue light scatters the most.",
        "",
    )] == [True] * 15 + [False] * 17
    # Only the first CITATION_HEAD (300) characters count: a citation after them, or cut by the boundary, changes
    # nothing.
    assert CITATION_HEAD == 300
    assert not shows_fake_citation("Air scatters blue light " + "x" * CITATION_HEAD + " (Smith, 2010).")
    sentence = "Air scatters blue light (Smith, 2010)."
    padded = "word " * ((CITATION_HEAD - len(sentence)) // 5)
    assert len(padded + sentence) <= CITATION_HEAD and shows_fake_citation(padded + sentence)
    assert not shows_fake_citation(padded + "x" * 5 + sentence)   # the closing ")" falls past the head


def test_fake_citation_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = fake_citation_scenario(seed=3), fake_citation_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = fake_citation_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = fake_citation_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["fake_citation"]) == 30
    assert small.test_prompts["fake_citation"] == list(SCIENCE_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        fake_citation_scenario(n_test=13)
