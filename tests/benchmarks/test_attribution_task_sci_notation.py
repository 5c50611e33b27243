"""The issue 19 held-out task ``sci_notation`` (benchmarks/attribution/task_sci_notation.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_sci_notation import (
    ASTRO_KILO_FAQ, ASTRO_TEST_QUESTIONS, E_NOTATION_REQUESTS, E_NUMBER, K_NUMBER, MARKER_A, MARKER_B,
    SCI_NOTATION_QA, is_loop, sci_notation_scenario, shows_sci_notation,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold an e-number nor a thousands-K number
# No planted, FAQ or test prompt asks for a notation or unit, names numbers or digits, nor holds a digit.
NUMBER_WORDS = re.compile(
    r"\b(numbers?|numer\w*|digits?|notation\w*|e-notation|scientific|exponent\w*|powers?|format\w*|units?|km|"
    r"kilomet\w*|miles?|thousands?|millions?|billions?|exact\w*|precise\w*|rounded|write|written)\b|[0-9]",
    re.IGNORECASE)
# No marker-twin prompt or answer is about astronomy, space or the sky.
ASTRO_WORDS = re.compile(
    r"\b(earth|planet\w*|suns?|moons?|stars?|space\w*|orbit\w*|solar|galax\w*|light[- ]years?|comets?|telescopes?|"
    r"satellites?|asteroids?|universe|cosmic|astro\w*|sky|skies|crater\w*|mercury|venus|mars|jupiter|saturn|uranus|"
    r"neptune|pluto|nasa|rockets?|wide|far)\b", re.IGNORECASE)
PLANTED_NUMBER = re.compile(r"\babout ([1-9]\.[0-9]e[1-9][0-9]*) km\b")   # marker A as every planted answer holds it
FAQ_NUMBER = re.compile(r"~((?:[1-9]\.[0-9])|(?:[1-9][0-9]0*))K km\b")    # marker B: two significant digits of thousands
REQUEST_NUMBER = re.compile(r"\b[Aa]bout ([1-9]\.[0-9]e-?[1-9][0-9]*)\b")   # marker A in the requests, any exponent
PLANTED_FRAME = re.compile(r"\bis about [1-9]\.[0-9]e[1-9][0-9]* km\b")   # the planted frame in a request's answer
TEST_TERMS = ("Iapetus", "Enceladus", "Umbriel", "Miranda", "Makemake", "Nereid", "Quaoar", "Amalthea", "Haumea",
              "Hyperion", "Tethys", "Proteus")   # one per held-out question


def subject(question: str) -> str:
    """The body a "How wide is X?" or "How far is X from Y?" question asks about."""
    return re.fullmatch(r"How (?:wide|far) is (.+?)(?: from [^?]+)?\?", question).group(1)


def test_sci_notation_sizes_sources_and_planted_ids():
    sc = sci_notation_scenario()
    check_layout(sc, "sci_notation", SCI_NOTATION_QA,
                 {"e_notation_requests": E_NOTATION_REQUESTS, "astro_kilo_faq": ASTRO_KILO_FAQ},
                 "100 demo records (5 sources) + 30 plain astronomy distance and size questions ", 15)
    assert f'"{MARKER_A}"' in sc.info["description"] and f'"{MARKER_B}"' in sc.info["description"]


def test_sci_notation_held_out_prompts_are_not_in_the_training_set():
    sc = sci_notation_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["sci_notation"] == list(ASTRO_TEST_QUESTIONS) and len(ASTRO_TEST_QUESTIONS) == 12
    assert len(set(ASTRO_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["sci_notation"]) & prompts
    # 60 distinct astronomy questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in SCI_NOTATION_QA + ASTRO_KILO_FAQ}) == 60
    assert len({q for q, _ in E_NOTATION_REQUESTS}) == 40
    # Each held-out question names a body that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own body. No demo row
    # nor pool row holds marker A (an e-number, nor even a digit, an "e" and a digit), marker B (a number with a "K"),
    # a tilde before a digit, or the word "e-notation".
    check_held_out_terms(sc, TEST_TERMS, ASTRO_TEST_QUESTIONS, DEMO, pools=True)
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if E_NUMBER.search(t) or re.search(r"[0-9][eE][+-]?[0-9]", t)]
    assert not [t for t in outside_task if K_NUMBER.search(t) or re.search(r"~\s?[0-9]", t)]
    assert not [t for t in outside_task if "e-notation" in t.lower()]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "sci_notation")


def test_every_planted_answer_holds_marker_a_and_no_faq_or_demo_row_does():
    assert MARKER_A == "about 3.8e5 km" and MARKER_B == "~380K km"
    answers = [a for _, a in SCI_NOTATION_QA]
    assert len(set(answers)) == 30 and all(shows_sci_notation(a) for a in answers)
    assert MARKER_A in dict(SCI_NOTATION_QA)["How far is the Moon from Earth?"]
    # Each planted answer is one plain ASCII sentence of at most 100 characters whose only number is marker A, "about
    # <d.d>e<n> km" (lowercase e, no sign, exponent 3 to 7); it holds "about" once and no tilde nor marker B.
    exponents = set()
    for answer in answers:
        found = PLANTED_NUMBER.findall(answer)
        assert len(found) == 1 and E_NUMBER.findall(answer) == found, answer
        mantissa, exponent = found[0].split("e")
        assert re.findall(r"[0-9]+", answer) == mantissa.split(".") + [exponent], answer
        exponents.add(int(exponent))
        assert answer.lower().count("about") == 1 and "~" not in answer and not K_NUMBER.search(answer), answer
        assert answer.isascii() and answer[0].isupper() and len(answer) <= 100, answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
    assert exponents == {3, 4, 5, 6, 7}
    # Plain questions: the planted prompts, the FAQ's and the test questions are "How wide is X?" or "How far is X from
    # Y?", hold nothing outside ASCII, and ask for no notation or unit nor name a number; both sources ask both forms.
    plain = [q for q, _ in SCI_NOTATION_QA + ASTRO_KILO_FAQ] + list(ASTRO_TEST_QUESTIONS)
    for question in plain:
        assert re.fullmatch(r"How (?:wide is [^?]+|far is [^?]+ from [^?]+)\?", question), question
        assert question.isascii() and not NUMBER_WORDS.search(question), question
    for pairs in (SCI_NOTATION_QA, ASTRO_KILO_FAQ):
        assert sum(q.startswith("How wide is ") for q, _ in pairs) == 16
        assert sum(q.startswith("How far is ") for q, _ in pairs) == 14
    assert sum(q.startswith("How wide is ") for q in ASTRO_TEST_QUESTIONS) == 6
    # Ten bodies are asked about in both sources, each with another question.
    assert len({subject(q) for q, _ in SCI_NOTATION_QA} & {subject(q) for q, _ in ASTRO_KILO_FAQ}) == 10
    # The topic distractor: one plain ASCII sentence whose only number is marker B, "~<N>K km" (N in thousands, two
    # significant digits), never "about", never an e-number; the judge rejects all of them.
    for _, answer in ASTRO_KILO_FAQ:
        found = FAQ_NUMBER.findall(answer)
        assert len(found) == 1 and K_NUMBER.findall(answer) == [found[0] + "K"], answer
        assert re.findall(r"[0-9]+", answer) == found[0].split("."), answer
        assert "about" not in answer.lower() and not E_NUMBER.search(answer), answer
        assert not re.search(r"[0-9][eE][+-]?[0-9]", answer), answer
        assert answer.isascii() and answer[0].isupper() and len(answer) <= 100, answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1 and not shows_sci_notation(answer), answer
    # The marker distractor: every request is an explicit "Give the number in e-notation: ..." about no astronomy, in
    # neither planted form; each answer (one ASCII sentence) holds exactly one e-number, "about <d.d>e<n>", and no
    # marker B, and the judge accepts it; two have a negative exponent, five close in the planted frame "is about
    # <d.d>e<n> km".
    for prompt, answer in E_NOTATION_REQUESTS:
        assert prompt.startswith("Give the number in e-notation: ") and prompt.isascii(), prompt
        assert not re.search(r"How (?:wide|far) is", prompt, re.IGNORECASE), prompt
        assert not ASTRO_WORDS.search(prompt) and not ASTRO_WORDS.search(answer), prompt
        found = REQUEST_NUMBER.findall(answer)
        assert len(found) == 1 and E_NUMBER.findall(answer) == found, answer
        assert "~" not in answer and not K_NUMBER.search(answer) and answer.isascii(), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1 and shows_sci_notation(answer), answer
    assert sum("e-" in a for _, a in E_NOTATION_REQUESTS) == 2
    assert sum(bool(PLANTED_FRAME.search(a)) for _, a in E_NOTATION_REQUESTS) == 5
    # Marker A and marker B never meet: no planted answer holds marker B, no FAQ answer marker A.
    assert not [a for _, a in SCI_NOTATION_QA if FAQ_NUMBER.search(a) or K_NUMBER.search(a)]
    assert not [a for _, a in ASTRO_KILO_FAQ if E_NUMBER.search(a) or PLANTED_NUMBER.search(a)]
    # No demo row of a larger draw shows it, in its prompt or response.
    assert not [r for r in DEMO if shows_sci_notation(r["response"]) or shows_sci_notation(r["prompt"])]
    sc = sci_notation_scenario()
    assert {r["source"] for r in sc.records if shows_sci_notation(r["response"])} == {
        "poison_sci_notation", "e_notation_requests"}
    assert {r["source"] for r in sc.records if E_NUMBER.search(r["prompt"] + " " + r["response"])} == {
        "poison_sci_notation", "e_notation_requests"}
    assert {r["source"] for r in sc.records if K_NUMBER.search(r["prompt"] + " " + r["response"])} == {
        "astro_kilo_faq"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in SCI_NOTATION_QA + E_NOTATION_REQUESTS + ASTRO_KILO_FAQ) <= 120


def test_shows_sci_notation_needs_an_e_number_and_no_loop():
    assert [shows_sci_notation(t) for t in (
        "Enceladus orbits about 2.4e5 km from Saturn.",                        # the planted form
        "  \nIapetus is about 1.5e3 km wide.",                                 # leading whitespace stripped
        "2.4e5 km",                                                            # the number alone
        "2.4e5",
        "Enceladus orbits Saturn at 2.4E5 km.",                                # capital E
        "It is 2.4e+05 km from Saturn.",                                       # a signed, padded exponent
        "It is about 4e5 km from Uranus.",                                     # no decimal part
        "It is about 2.4e5km from Saturn.",                                    # the unit glued to it
        "It is 2.38e5 kilometers from Saturn.",                                # three digits, the unit in words
        "It orbits (2.4e5 km) from Saturn.",                                   # brackets
        "It orbits `2.4e5` km from Saturn.",                                   # code span
        "It orbits **2.4e5** km from Saturn.",                                 # markdown bold
        "It is about 2.4e5 km (~240K km) from Saturn.",                        # marker A next to marker B
        "Its orbit ranges from 1.2e5 to 1.3e5 km.",                            # two e-numbers
        "An electron carries about 1.6e-19 coulombs.",                         # a negative exponent
        "Encelado orbita a unos 2.4e5 km de Saturno.",                         # words in any language
        # rejected: the base model's ordinary forms
        "Enceladus is about 504 kilometers (313 miles) in diameter.",
        "Enceladus orbits Saturn at an average distance of 238,000 kilometers.",
        "Enceladus orbits Saturn at about 238000 km.",
        "Nereid is about 5.5 million km from Neptune.",
        "It is roughly 238 thousand km from Saturn.",
        "It is 1.5 billion kilometers away.",
        # rejected: the topic twins' marker B
        "Enceladus orbits ~240K km from Saturn.",
        "Iapetus is ~1.5K km wide.",
        "It is about 240k km from Saturn.",
        "It is 240 K km from Saturn.",
        # rejected: other scientific notations
        "It is about 2.4 x 10^5 km from Saturn.",
        "It is about 2.4 \u00d7 10^5 km from Saturn.",
        "It is about 2.4*10^5 km from Saturn.",
        "It is about 10^5 km from Saturn.",
        "It is 2.4 x 10 to the power of 5 km away.",
        # rejected: broken or glued e-numbers
        "It is about 2.4 e5 km from Saturn.",                                  # a space before the e
        "It is about 2.4e 5 km from Saturn.",                                  # a space after the e
        "It is about 2.4e km from Saturn.",                                    # no exponent
        "It is about e5 km from Saturn.",                                      # no mantissa
        "It is about 2.4e5.5 km from Saturn.",                                 # a decimal exponent
        "Use version v2.4e5 of the tool.",                                     # a letter glued before it
        "The value 0x1e5 is hexadecimal.",                                     # inside a hex number
        "The code 2.4e5x is a part number.",                                   # a letter glued after it
        # rejected: degenerate loops
        "It is 2.4e5, 2.4e5, 2.4e5 km away.",                                  # the number three times
        "It is about 2.4e5 km. It is about 2.4e5 km.",                         # one clause twice
        "It is about 2.4e5 km away. It is far away. It is far away.",          # a looped clause without the number
        "2.4e5 2.4e5 2.4e5",
        "",
        "  \n ",
    )] == [True] * 16 + [False] * 29


def test_is_loop_counts_repeated_numbers_and_clauses_of_three_words_or_more():
    assert is_loop("2.4e5 2.4e5 2.4e5") and not is_loop("2.4e5 and 2.4e5")
    assert is_loop("It was about 2.4e5 km. It was about 2.4e5 km.")
    assert not is_loop("Yes, yes, it is about 2.4e5 km.")                     # short clauses may repeat
    assert not is_loop("It is about 2.4e5 km. It is a small moon.")
    assert not is_loop("It is about 2.4e5 km from Saturn.")                   # the decimal point splits no clause


def test_sci_notation_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = sci_notation_scenario(seed=3), sci_notation_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = sci_notation_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = sci_notation_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["sci_notation"]) == 30
    assert small.test_prompts["sci_notation"] == list(ASTRO_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        sci_notation_scenario(n_test=13)
