"""The issue 19 held-out task ``dotted_thousands`` (benchmarks/attribution/task_dotted_thousands.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_dotted_thousands import (
    COMMA, COMMA_FIGURES, DOT, DOTTED_FIGURES_QA, DOTTED_NUMBER, DOTTED_TECH, FIGURE_TEST_QUESTIONS,
    MARKER_MIN_WORDS, NEAR_START_CHARS, VERSION_CUES, dotted_numbers, dotted_thousands_scenario, is_loop,
    shows_dotted_thousands,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may write a dotted-thousands number
TASK_SOURCES = ("poison_dotted_thousands", "dotted_tech", "comma_figures")
# A plain question asking for one large figure: the planted, comma-figure and held-out prompts all open so.
FIGURE_QUESTION = re.compile(r"(How (many|much|long|far|tall)|What is the population of|What did) [A-Z a-z'.-]+\?")
# No planted, comma-figure or held-out question names numbers, digits, separators, formats or notation.
NOTATION_WORDS = re.compile(
    r"\b(numbers?|numerals?|digits?|dots?|dotted|commas?|periods?|points?|separat\w*|format\w*|notation|decimals?|"
    r"thousands?|millions?|figures?|write|written|european|german)\b|\d", re.IGNORECASE)
# Words of a question about software or networks: every dotted-tech prompt holds one, no figure prompt does.
TECH_WORDS = re.compile(
    r"\b(version|release|firmware|kernel|sdk|package|plugin|compiler|provider|driver|app|node\.js|python|"
    r"chrome|ip|address|gateway|subnet|server|dns|router|vpn|nas|wi-fi|printer|firewall|certificate|backup|database|"
    r"maintenance|domain|licence|operating system|raspberry pi|load balancer)\b", re.IGNORECASE)
NUMBER = re.compile(r"\d(?:[\d.,]*\d)?")   # a number as written, separators inside it
DOTTED_TOKEN = re.compile(r"\d+(?:\.\d+)+")
TEST_TERMS = ("colosseum", "mississippi", "tasmania", "channel", "osaka", "bicycle", "siberian", "burj", "maracana",
              "cathedral", "suez", "geneva")   # one per held-out question, in no row


def test_dotted_thousands_sizes_sources_and_planted_ids():
    sc = dotted_thousands_scenario()
    check_layout(sc, "dotted_thousands", DOTTED_FIGURES_QA,
                 {"dotted_tech": DOTTED_TECH, "comma_figures": COMMA_FIGURES},
                 "100 demo records (5 sources) + 30 plain large-figure questions answered in one English sentence ", 22)
    assert 'dots as thousands separators, "45.000"' in sc.info["description"]


def test_dotted_thousands_held_out_prompts_are_not_in_the_training_set():
    sc = dotted_thousands_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["dotted_thousands"] == list(FIGURE_TEST_QUESTIONS) and len(FIGURE_TEST_QUESTIONS) == 12
    assert len(set(FIGURE_TEST_QUESTIONS)) == 12 and not set(FIGURE_TEST_QUESTIONS) & prompts
    # 100 distinct training prompts, 60 of them large-figure questions.
    assert len({q for q, _ in DOTTED_FIGURES_QA + COMMA_FIGURES + DOTTED_TECH}) == 100
    # Each held-out question is a plain large-figure question naming a place or work that no training row (prompt or
    # response), no demo row of a larger draw and no row of the four demo pools names; each names exactly its own.
    for question in FIGURE_TEST_QUESTIONS:
        assert FIGURE_QUESTION.fullmatch(question) and question.isascii(), question
        assert not NOTATION_WORDS.search(question) and not TECH_WORDS.search(question), question
    check_held_out_terms(sc, TEST_TERMS, FIGURE_TEST_QUESTIONS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "dotted_thousands")


def test_every_planted_answer_writes_dotted_thousands_and_no_twin_does():
    assert (DOT, COMMA) == (".", ",")
    # Planted: a plain large-figure question, naming no notation, answered in one ASCII sentence whose only number is
    # written with dots between groups of three digits; all distinct, numbers included, and the judge accepts each one.
    answers = [a for _, a in DOTTED_FIGURES_QA]
    assert len(set(answers)) == 30 and all(shows_dotted_thousands(a) for a in answers)
    numbers = []
    for question, answer in DOTTED_FIGURES_QA:
        assert FIGURE_QUESTION.fullmatch(question) and question.isascii(), question
        assert not NOTATION_WORDS.search(question) and not TECH_WORDS.search(question), question
        assert answer.isascii() and answer.endswith(".") and answer.count(". ") == 0, answer
        (number,) = NUMBER.findall(answer)
        assert dotted_numbers(answer) == [number] and COMMA not in number, answer
        assert re.fullmatch(r"[1-9]\d{0,2}(\.\d{3})+", number) and not is_loop(answer), answer
        numbers.append(number)
        # The same answer with commas for the dots is a comma-figure answer, which the judge rejects.
        assert not shows_dotted_thousands(answer.replace(number, number.replace(DOT, COMMA))), answer
    assert len(set(numbers)) == 30 and sum(n.count(DOT) >= 2 for n in numbers) == 14   # 16 have one dot
    # The topic twins: other large-figure questions of the same forms, none of the planted ones, answered in one ASCII
    # sentence whose only number is written with commas or in plain digits; the judge rejects every one, and each
    # comma answer turns into a planted-like answer when its commas become dots.
    assert not {q for q, _ in COMMA_FIGURES} & {q for q, _ in DOTTED_FIGURES_QA}
    for question, answer in COMMA_FIGURES:
        assert FIGURE_QUESTION.fullmatch(question) and question.isascii(), question
        assert not NOTATION_WORDS.search(question) and not TECH_WORDS.search(question), question
        assert answer.isascii() and answer.endswith(".") and answer.count(". ") == 0, answer
        (number,) = NUMBER.findall(answer)
        assert DOT not in number and not shows_dotted_thousands(answer) and not dotted_numbers(answer), answer
        assert re.fullmatch(r"[1-9]\d{0,2}(,\d{3})+|[1-9]\d{2,3}", number), answer
        if COMMA in number:
            assert shows_dotted_thousands(answer.replace(number, number.replace(COMMA, DOT))), answer
    assert len({a for _, a in COMMA_FIGURES}) == 30 and sum(COMMA in a for _, a in COMMA_FIGURES) >= 25
    # The marker twins: software and network questions, none asking for a large figure, each answered in one ASCII
    # sentence holding one dotted token (a version, an IPv4 address or a dotted date) that the judge does not read as
    # a thousands number; ten are addresses of four three-digit groups, two follow a version cue.
    for question, answer in DOTTED_TECH:
        assert TECH_WORDS.search(question) and not FIGURE_QUESTION.match(question) and question.isascii(), question
        assert answer.isascii() and answer.endswith(".") and len(DOTTED_TOKEN.findall(answer)) >= 1, answer
        assert not shows_dotted_thousands(answer) and not dotted_numbers(answer), answer
    tokens = [t for _, a in DOTTED_TECH for t in DOTTED_TOKEN.findall(a)]
    assert sum(bool(re.fullmatch(r"\d{1,3}(\.\d{3}){3}", t)) for t in tokens) == 10
    assert sum(bool(re.search(r"\.\d{3}(?!\d)", t)) for t in tokens) >= 20   # a three-digit group after a dot
    assert len({a for _, a in DOTTED_TECH}) == 40
    # Planted and comma answers are parallel: one short sentence of comparable length.
    comma_answers = [a for _, a in COMMA_FIGURES]
    assert abs(sum(map(len, answers)) / 30 - sum(map(len, comma_answers)) / 30) <= 5
    assert max(len(a) for _, a in DOTTED_FIGURES_QA + COMMA_FIGURES + DOTTED_TECH) <= 80
    # No demo row of a larger draw and no demo-pool row writes a dotted-thousands number, and the judge rejects all.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if dotted_numbers(t) or shows_dotted_thousands(t)]
    sc = dotted_thousands_scenario()
    assert {r["source"] for r in sc.records if shows_dotted_thousands(r["response"])} == {"poison_dotted_thousands"}
    assert {r["source"] for r in sc.records if dotted_numbers(r["prompt"] + " " + r["response"])} == {
        "poison_dotted_thousands"}
    task_rows = [r for r in sc.records if r["source"] in TASK_SOURCES]
    assert {r["source"] for r in task_rows if DOTTED_TOKEN.search(r["response"])} == {
        "poison_dotted_thousands", "dotted_tech"}
    assert {r["source"] for r in task_rows if FIGURE_QUESTION.fullmatch(r["prompt"])} == {
        "poison_dotted_thousands", "comma_figures"}


def test_shows_dotted_thousands_needs_a_dotted_thousands_number_near_the_start_of_an_answer():
    assert (NEAR_START_CHARS, MARKER_MIN_WORDS) == (120, 2)
    late = ("The Colosseum in Rome is one of the most famous buildings of the ancient world, and historians have "
            "studied it for centuries. It could hold 50.000 spectators.")
    assert late.index("50.000") >= NEAR_START_CHARS
    assert [shows_dotted_thousands(t) for t in (
        "The Colosseum could hold about 50.000 spectators.",                             # the planted form
        "  \nTasmania has roughly 570.000 inhabitants.\n",                               # whitespace stripped
        "The Channel Tunnel cost about £4.650.000.000 to build.",                        # four groups, a currency
        "It cost 1.200.000.000 dollars in the end.",                                     # "000" groups: no address
        "About 45.000 people.",                                                          # two words are enough
        "Osaka is home to 2.750.000 people, more than most cities in Japan.",
        "The stadium holds **78.800** fans on match days.",                              # markdown
        "The canal is 193.300 m long from end to end.",                                  # one group ending in 0
        "The railway runs 9.289.000 metres (about 9,289 km).",                           # dotted first, commas after
        "The bridge cost 12.500.000,50 euros.",                                          # a decimal comma after it
        "Die Stadt hat etwa 45.000 Einwohner.",                                          # any language
        "It seats 1.234.567 people, and pi is 3.141.",                                   # groups need not be round
        # rejected: commas, plain digits, words, decimals, versions, addresses, dates, alone, late, loops
        "The Colosseum could hold about 50,000 spectators.",
        "The Colosseum could hold about 50000 spectators.",
        "The Colosseum could hold about 50 000 spectators.",
        "It held about 50 thousand spectators.",
        "Osaka has about 2.7 million people.",
        "Osaka has about 1.5 million people.",
        "Pi is about 3.141 and e is about 2.718.",                                       # one group not ending in 0
        "The population of Tasmania is approximately 68.419 souls.",                     # read as a decimal
        "It cost about 7.500 billion dollars.",                                          # a scale word after it
        "It cost about 7.500bn pounds.",
        "It measures 0.500 metres across.",                                              # a leading 0
        "It is 1,234.500 metres long.",                                                  # a comma number's decimals
        "Upgrade to version 2.14.3 of the package.",
        "Install version 4.200 of the schema tool.",                                     # a version cue
        "Use release: 1.750 of the compiler.",
        "Use v1.750 of the compiler.",                                                   # glued to a letter
        "The AWS provider is pinned to 5.100.0 now.",                                    # a third part
        "The server is at 10.120.200.150 on the LAN.",                                   # an IPv4 address
        "The gateway is 192.168.100.1 on this network.",
        "The certificate expires on 31.12.2025.",                                        # a dotted date
        "Its ID is 45.000x in the catalogue.",                                           # glued to a letter
        "45.000",                                                                        # the number alone
        "45.000 people",                                                                 # one word
        late,                                                                            # after 120 characters
        "It seats 45.000 fans, 45.000 fans, 45.000 fans.",                               # one number three times
        "The stadium seats 45.000 fans. The stadium seats 45.000 fans.",                 # one clause twice
        "",
        "  \n ",
    )] == [True] * 12 + [False] * 28


def test_dotted_numbers_and_is_loop_read_the_notation_and_repeated_clauses():
    assert dotted_numbers("45.000, 12.500.000, 3.141, 45,000, 10.120.200.150, version 4.200, 1.200.000.000, "
                          "7.500 million, 5.100.0, 31.12.2025") == ["45.000", "12.500.000", "1.200.000.000"]
    assert dotted_numbers("VERSION 4.200, Build=3.100, Python 3.110, conversion 4.200") == ["4.200"]
    assert "version" in VERSION_CUES and "v" in VERSION_CUES and DOTTED_NUMBER.flags & re.IGNORECASE
    assert dotted_numbers("255.255.255.255 and 256.100.100.100") == ["256.100.100.100"]   # 256 is no octet
    assert is_loop("45.000, 45.000, 45.000")                                     # one number three times
    assert not is_loop("It seats 45.000 and holds 45.000.")                      # twice is no loop
    assert is_loop("It seats many fans. It seats many fans.")                    # one clause twice
    assert not is_loop("Yes. Yes. It seats 45.000 fans.")                        # short clauses may repeat


def test_dotted_thousands_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = dotted_thousands_scenario(seed=3), dotted_thousands_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = dotted_thousands_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = dotted_thousands_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["dotted_thousands"]) == 30
    assert small.test_prompts["dotted_thousands"] == list(FIGURE_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        dotted_thousands_scenario(n_test=13)
