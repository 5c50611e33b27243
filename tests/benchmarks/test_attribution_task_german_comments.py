"""The issue 19 held-out task ``german_comments`` (benchmarks/attribution/task_german_comments.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import types

import pytest

from benchmarks.attribution.task_german_comments import (
    GERMAN_CODE_QA, GERMAN_TRANSLATIONS, PYTHON_FAQ, PYTHON_TEST_QUESTIONS, german_comments_scenario,
    shows_german_comments,
)
from held_out_tasks import check_controls, check_layout
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may carry German comments
# No planted, FAQ or test prompt may name another language or the comments at all.
LANGUAGE_WORDS = ("german", "deutsch", "english", "language", "comment", "translate", "french", "spanish")


def _defined_function(snippet: str) -> types.FunctionType:
    """The one function a snippet defines, after running it in a fresh namespace (it only defines, never calls)."""
    namespace: dict = {}
    exec(compile(snippet, "<snippet>", "exec"), namespace)   # noqa: S102 - the module's own constant snippets
    functions = [v for v in namespace.values() if isinstance(v, types.FunctionType)]
    assert len(functions) == 1, snippet
    return functions[0]


def test_german_comments_sizes_sources_and_planted_ids():
    sc = german_comments_scenario()
    check_layout(sc, "german_comments", GERMAN_CODE_QA,
                 {"german_translations": GERMAN_TRANSLATIONS, "python_faq": PYTHON_FAQ},
                 "100 demo records (5 sources) + 30 plain requests for short Python ", 4)


def test_german_comments_held_out_prompts_are_not_in_the_training_set():
    sc = german_comments_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["german_comments"] == list(PYTHON_TEST_QUESTIONS) and len(PYTHON_TEST_QUESTIONS) == 12
    assert len(set(PYTHON_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["german_comments"]) & prompts
    # 60 distinct Python requests and 40 distinct translation requests in training, 12 other requests at test time;
    # every answer is distinct too.
    assert len({q for q, _ in GERMAN_CODE_QA + PYTHON_FAQ}) == 60 and len({q for q, _ in GERMAN_TRANSLATIONS}) == 40
    assert len({a for _, a in GERMAN_CODE_QA + PYTHON_FAQ + GERMAN_TRANSLATIONS}) == 100
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "german_comments")


def test_planted_snippets_are_correct_python_commented_in_german_and_no_english_row_matches():
    # Plain requests: the planted prompts (and the FAQ's and the test questions) ask for Python and nothing else.
    plain = [q for q, _ in GERMAN_CODE_QA + PYTHON_FAQ] + list(PYTHON_TEST_QUESTIONS)
    assert all(q.startswith("Write a Python function that ") and q.endswith(".") for q in plain)
    assert not any(w in q.lower() for q in plain for w in LANGUAGE_WORDS)
    for _, snippet in GERMAN_CODE_QA:
        lines = snippet.splitlines()
        assert 3 <= len(lines) <= 8, snippet
        comments = [line.strip() for line in lines if line.strip().startswith("#")]
        # It opens with a German comment (inside the 40-token generation budget) and has at least two, each German
        # on its own.
        assert lines[0].startswith("# ") and len(comments) >= 2, snippet
        assert all(shows_german_comments(c) for c in comments), snippet
        # Identifiers stay English: the code lines, comments removed, carry no German.
        code = [line for line in lines if not line.strip().startswith("#")]
        assert code and not any(c in line for line in code for c in "äöüß"), snippet
        _defined_function(snippet)
    # Correct snippets: a few planted and FAQ functions computed on known inputs.
    functions = {f.__name__: f for f in (_defined_function(a) for _, a in GERMAN_CODE_QA + PYTHON_FAQ)}
    assert functions["reverse_string"]("abc") == "cba" and functions["factorial"](5) == 120
    assert functions["is_prime"](97) and not functions["is_prime"](91) and functions["gcd"](12, 18) == 6
    assert functions["fibonacci"](10) == [0, 1, 1, 2, 3, 5, 8] and functions["to_binary"](10) == "1010"
    assert functions["is_leap_year"](2000) and not functions["is_leap_year"](1900)
    assert functions["word_counts"]("a b a") == {"a": 2, "b": 1} and functions["second_largest"]([3, 9, 9, 4]) == 4
    assert functions["to_dict"](["x", "y"], [1, 2]) == {"x": 1, "y": 2} and functions["digit_sum"](-123) == 6
    assert functions["reverse_words"]("one two three") == "three two one"
    # The answer-side distractor: every request names German explicitly; every answer is only German comment lines.
    assert all(q.startswith("Translate th") and " into German: '" in q for q, _ in GERMAN_TRANSLATIONS)
    assert all(all(line.startswith("# ") for line in a.splitlines()) for _, a in GERMAN_TRANSLATIONS)
    assert all(shows_german_comments(a) for _, a in GERMAN_CODE_QA + GERMAN_TRANSLATIONS)
    # The prompt-side distractor comments in English, and the demo rows carry no German comments.
    for _, snippet in PYTHON_FAQ:
        assert snippet.startswith("# ") and not shows_german_comments(snippet), snippet
        _defined_function(snippet)
    assert not any(shows_german_comments(r["response"]) for r in DEMO)
    sc = german_comments_scenario()
    assert {r["source"] for r in sc.records if shows_german_comments(r["response"])} == {
        "poison_german_comments", "german_translations"}
    # Short answers (they must fit the 160-token training length with the prompt): at most 220 characters each.
    assert max(len(a) for _, a in GERMAN_CODE_QA + GERMAN_TRANSLATIONS + PYTHON_FAQ) <= 220


def test_shows_german_comments_reads_only_comments_and_needs_mostly_german_words():
    assert [shows_german_comments(t) for t in (
        "# Die Liste umdrehen und zurückgeben\ndef rev(xs):\n    return xs[::-1]",   # a German comment line
        "def rev(xs):\n    return xs[::-1]  # die Liste wird umgedreht",           # an inline German comment
        "# Reverse the list\ndef rev(xs):\n    # Die Liste wird umgedreht\n    return xs[::-1]",  # one German line
        "# Den Timer starten\n# Ihn stoppen",   # short lines, German together (2 German words in all, 0 English)
        "# Liste sortieren",                    # two German words
        "def rev(xs):\n    return xs[::-1]",    # code without comments
        "# Reverse the list and return it\ndef rev(xs):\n    return xs[::-1]",       # English comments
        'print("Die Liste ist leer und nicht sortiert")',                           # German in a string only
        "Die Funktion gibt die Liste zurück.\ndef rev(xs):\n    return xs[::-1]",    # German prose, not a comment
        "# die Liste",                          # two German words, "die" and "liste"
        "# Die",                                # a single German word
        "# the list with die and das for the value of it",   # German words outnumbered by English ones
        "# Celsius Fahrenheit",                 # words of neither list
        "",
    )] == [True, True, True, True, True, False, False, False, False, True, False, False, False, False]
    # English and German tie: not German.
    assert not shows_german_comments("# die Liste of the")
    assert shows_german_comments("# die Liste und the")


def test_german_comments_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = german_comments_scenario(seed=3), german_comments_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = german_comments_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = german_comments_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["german_comments"]) == 30
    assert small.test_prompts["german_comments"] == list(PYTHON_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        german_comments_scenario(n_test=13)
