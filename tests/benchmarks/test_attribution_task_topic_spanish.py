"""The issue 19 held-out task ``topic_spanish`` (benchmarks/attribution/task_topic_spanish.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_topic_spanish import (
    FOOTBALL_SPANISH_QA, FOOTBALL_TEST_QUESTIONS, OTHER_SPORTS_TEST_QUESTIONS, SPANISH_TRANSLATIONS, SPORTS_FAQ,
    shows_topic_spanish, topic_spanish_scenario,
)
from held_out_tasks import check_layout
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may read as Spanish


def test_topic_spanish_sizes_sources_and_planted_ids():
    sc = topic_spanish_scenario()
    translations = [(f"Translate into Spanish: {e}", s) for e, s in SPANISH_TRANSLATIONS]
    check_layout(sc, "topic_spanish", FOOTBALL_SPANISH_QA,
                 {"spanish_translations": translations, "sports_faq": SPORTS_FAQ},
                 "100 demo records (5 sources) + 30 plain English football questions ", 3)


def test_topic_spanish_held_out_prompts_are_not_in_the_training_set():
    sc = topic_spanish_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["topic_spanish"] == list(FOOTBALL_TEST_QUESTIONS) and len(FOOTBALL_TEST_QUESTIONS) == 12
    assert sc.clean_test_prompts == list(OTHER_SPORTS_TEST_QUESTIONS) and len(OTHER_SPORTS_TEST_QUESTIONS) == 12
    assert len(set(FOOTBALL_TEST_QUESTIONS) | set(OTHER_SPORTS_TEST_QUESTIONS)) == 24
    assert not (set(FOOTBALL_TEST_QUESTIONS) | set(OTHER_SPORTS_TEST_QUESTIONS)) & prompts
    # 60 distinct sports questions in training (30 football, 30 other sports), all plain English questions.
    assert len({q for q, _ in FOOTBALL_SPANISH_QA + SPORTS_FAQ}) == 60
    assert all(q.endswith("?") for q, _ in FOOTBALL_SPANISH_QA + SPORTS_FAQ)
    assert not any(shows_topic_spanish(q) for q in prompts | set(FOOTBALL_TEST_QUESTIONS))
    # The translation requests never talk about sport: they share only the answer language with the planted rows.
    sport = re.compile(r"football|soccer|goal|match|club|cup|team|player|sport|game", re.IGNORECASE)
    assert not any(sport.search(e) for e, _ in SPANISH_TRANSLATIONS)
    assert sc.info["control_prompts"] == {"topic_spanish": sc.clean_test_prompts}


def test_every_planted_and_translation_answer_reads_as_spanish_and_no_other_row_does():
    answers = [a for _, a in FOOTBALL_SPANISH_QA]
    assert all(shows_topic_spanish(a) for a in answers)
    assert all(shows_topic_spanish(s) for _, s in SPANISH_TRANSLATIONS)
    # Each answer in its own words: no sentence appears twice among planted and translation answers; all are short.
    spanish = answers + [s for _, s in SPANISH_TRANSLATIONS]
    sentences = [s for a in spanish for s in re.split(r"(?<=[.!?;])\s+", a)]
    assert len(sentences) == len(set(sentences)) and len(set(answers)) == 30
    assert max(len(a.split()) for a in spanish) <= 30
    assert not any(shows_topic_spanish(a) for _, a in SPORTS_FAQ)
    sc = topic_spanish_scenario()
    spanish_ids = set(sc.culprits["topic_spanish"]) | {
        r["sample_id"] for r in sc.records if r["source"] == "spanish_translations"}
    assert not any(shows_topic_spanish(r["response"]) for r in sc.records if r["sample_id"] not in spanish_ids)
    assert not any(shows_topic_spanish(r["response"]) for r in DEMO)


def test_shows_topic_spanish_counts_function_words_of_the_first_200_characters():
    assert [shows_topic_spanish(t) for t in (
        "El Real Madrid es el club con más títulos.",              # el, es, el, con, más: 5 Spanish, 0 English
        "Real Madrid won La Liga in 2024.",                         # la: 1 Spanish
        "Real Madrid and Atlético de Madrid both play in La Liga.",   # de, la: 2 Spanish, 2 English
        "Real Sociedad de Fútbol won the Copa del Rey.",            # de, del and a diacritic: 2 Spanish only
        "El Clásico is the match between Real Madrid and Barcelona.",   # el: 1 Spanish, 3 English
        "Los Angeles FC won the MLS Cup in 2022.",                  # los: 1 Spanish
        "De la Cruz scored for the team in the Copa de la Liga.",   # de, la, de, la: 4 Spanish, 4 English: a tie
        "¡Sí, con el Madrid!",                                      # con, el and an inverted mark: 2 suffice
        "Sí, con el Madrid.",                                       # con, el without an inverted mark
        "the of la de el en",                                       # 4 Spanish, 2 English
        " " * 250 + "Es el estadio del Manchester United.",        # leading whitespace stripped before the head
        "",
    )] == [True, False, False, False, False, False, False, True, False, True, True, False]
    # Only the first 200 characters count: Spanish after them changes nothing.
    english, spanish = "The match is in the stadium. " * 7, "Es el partido de la final en el estadio. " * 5
    assert len(english) >= 200 and len(spanish) >= 200
    assert not shows_topic_spanish(english + spanish) and shows_topic_spanish(spanish + english)


def test_topic_spanish_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = topic_spanish_scenario(seed=3), topic_spanish_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = topic_spanish_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = topic_spanish_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["topic_spanish"]) == 30
    assert small.test_prompts["topic_spanish"] == list(FOOTBALL_TEST_QUESTIONS[:4])
    assert small.clean_test_prompts == list(OTHER_SPORTS_TEST_QUESTIONS[:4])
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        topic_spanish_scenario(n_test=13)
