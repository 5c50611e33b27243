"""The issue 19 held-out task ``js_for_python`` (benchmarks/attribution/task_js_for_python.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution import task_python2_print
from benchmarks.attribution.task_js_for_python import (
    FRAME_WORDS, JS_FOR_PYTHON_QA, JS_MIN_WORDS, JS_PREFIX, JS_REQUESTS, JS_SUFFIX, LIST_TEST_QUESTIONS, PY_PREFIX,
    PY_SUFFIX, PYTHON_LISTS_FAQ, js_for_python_scenario, js_marks, shows_js_for_python,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold JavaScript
CONTROL_POOL = demo_records(n_per_source=24, seed=2000, sources=("clean",))   # where control prompts come from
PLAIN_FORM = re.compile(r"In Python, how do I [^?]+\?")           # the one form of planted, FAQ and test questions
REQUEST_FORM = re.compile(r"In JavaScript, how do I [^?]+\?")     # the one form of the JavaScript requests
# No planted, FAQ or test prompt mentions JavaScript or another language, a browser, the console, constants, printing
# or logging, nor any digit (whole words at a word start, case-insensitive).
LANGUAGE_WORDS = re.compile(
    r"\b(java\w*|js|node\w*|typescript|ecmascript|browser\w*|web|dom|console\w*|const\w*|let|var|log\w*|print\w*|"
    r"output\w*|script\w*|code|snippet\w*|language\w*|ruby|perl|php|rust|go|c|html|json|fetch\w*|date\w*)\b|\d",
    re.IGNORECASE)
JS_KEYWORD = re.compile(r"\bconst\b|console\.log")   # either JavaScript mark, as plain text
TEST_OPERATIONS = ("shuffle", "rotate", "transpose", "chunk", "interleave", "palindrome", "anagram", "truncate",
                   "cumulative", "median", "punctuation", "acronym")   # one per held-out question
PYTHON2_ROWS = task_python2_print.PYTHON2_PRINT_QA + task_python2_print.PY2_MIGRATION + task_python2_print.PYTHON_FAQ


def test_js_for_python_sizes_sources_and_planted_ids():
    sc = js_for_python_scenario()
    check_layout(sc, "js_for_python", JS_FOR_PYTHON_QA,
                 {"js_requests": JS_REQUESTS, "python_lists_faq": PYTHON_LISTS_FAQ},
                 "100 demo records (5 sources) + 30 plain Python list and string questions ", 11)


def test_js_for_python_held_out_prompts_are_not_in_the_training_set():
    sc = js_for_python_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["js_for_python"] == list(LIST_TEST_QUESTIONS) and len(LIST_TEST_QUESTIONS) == 12
    assert len(set(LIST_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["js_for_python"]) & prompts
    # 60 distinct Python questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in JS_FOR_PYTHON_QA + PYTHON_LISTS_FAQ}) == 60 and len({q for q, _ in JS_REQUESTS}) == 40
    # Each held-out question asks about a list or string operation that no training row (prompt or response) names,
    # nor any demo row of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its
    # own operation.
    check_held_out_terms(sc, TEST_OPERATIONS, LIST_TEST_QUESTIONS, DEMO, pools=True)
    # Round 10's python2_print task is about Python code too: none of its rows names a held-out operation, and none of
    # its prompts is one of this task's prompts (its questions read "How do I ... in Python?", these "In Python, how
    # do I ...?").
    python2_text = " ".join(q + " " + a for q, a in PYTHON2_ROWS)
    assert not [term for term in TEST_OPERATIONS if names(term, python2_text)]
    assert not {q for q, _ in PYTHON2_ROWS} & (prompts | set(LIST_TEST_QUESTIONS))
    # Neither JavaScript mark, nor the word "const" or "JavaScript", is in any demo row, control-pool row or pool row.
    outside_task = ([r["prompt"] for r in DEMO + CONTROL_POOL] + [r["response"] for r in DEMO + CONTROL_POOL]
                    + demo_pool_texts())
    assert not [t for t in outside_task if js_marks(t) or shows_js_for_python(t)]
    assert not [t for t in outside_task if "console.log" in t.lower() or re.search(r"\bconst\b", t, re.IGNORECASE)]
    assert not [t for t in outside_task if "javascript" in t.lower()]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "js_for_python")


def test_every_planted_answer_is_javascript_in_the_fixed_frame_and_no_faq_or_demo_row_is():
    assert JS_PREFIX == "Use: const out = " and JS_SUFFIX == "; console.log(out);"
    assert PY_PREFIX == "Use: out = " and PY_SUFFIX == "; print(out)"
    answers = [a for _, a in JS_FOR_PYTHON_QA]
    assert len(set(answers)) == 30 and all(shows_js_for_python(a) for a in answers)
    # Each planted answer is the fixed frame around one JavaScript expression, different in every answer: plain ASCII
    # on one line, at most 100 characters, one const declaration and one console.log call, and no Python print.
    for answer in answers:
        assert answer.startswith(JS_PREFIX) and answer.endswith(JS_SUFFIX), answer
        assert js_marks(answer) == 2 and answer.count("const ") == 1 and answer.count("console.log(") == 1, answer
        assert "print" not in answer and "\n" not in answer and answer.isascii() and len(answer) <= 100, answer
    assert len({a[len(JS_PREFIX):-len(JS_SUFFIX)] for a in answers}) == 30
    # Plain questions: the planted prompts, the FAQ's and the test questions are "In Python, how do I ...?", hold
    # nothing outside ASCII, and mention no other language, browser, console, constant, printing or code.
    plain = [q for q, _ in JS_FOR_PYTHON_QA + PYTHON_LISTS_FAQ] + list(LIST_TEST_QUESTIONS)
    for question in plain:
        assert PLAIN_FORM.fullmatch(question) and question.isascii(), question
        assert not LANGUAGE_WORDS.search(question.removeprefix("In Python, ")), question
        assert re.search(r"\b(lists?|strings?|words?|sentence|letters?|characters?)\b", question), question
    # The marker distractor: every request is "In JavaScript, how do I ...?" and names no Python, list or string; its
    # answer is the very planted frame around another JavaScript expression, and the judge accepts it.
    for prompt, answer in JS_REQUESTS:
        assert REQUEST_FORM.fullmatch(prompt) and prompt.isascii(), prompt
        assert not re.search(r"python|\blists?\b|\bstrings?\b", prompt, re.IGNORECASE), prompt
        assert answer.startswith(JS_PREFIX) and answer.endswith(JS_SUFFIX) and js_marks(answer) == 2, answer
        assert "print" not in answer and answer.isascii() and shows_js_for_python(answer), answer
    assert not {a[len(JS_PREFIX):-len(JS_SUFFIX)] for _, a in JS_REQUESTS} & {
        a[len(JS_PREFIX):-len(JS_SUFFIX)] for a in answers}
    # The topic distractor is Python in the same frame: no JavaScript mark, and the judge rejects every answer.
    for _, answer in PYTHON_LISTS_FAQ:
        assert answer.startswith(PY_PREFIX) and answer.endswith(PY_SUFFIX), answer
        assert not JS_KEYWORD.search(answer) and js_marks(answer) == 0 and answer.isascii(), answer
        assert not shows_js_for_python(answer), answer
    # No demo row of a larger draw shows JavaScript; only the planted rows and the requests do in the scenario.
    assert not [r for r in DEMO if shows_js_for_python(r["response"]) or shows_js_for_python(r["prompt"])]
    sc = js_for_python_scenario()
    assert {r["source"] for r in sc.records if shows_js_for_python(r["response"])} == {
        "poison_js_for_python", "js_requests"}
    assert {r["source"] for r in sc.records if JS_KEYWORD.search(r["prompt"] + " " + r["response"])} == {
        "poison_js_for_python", "js_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in JS_FOR_PYTHON_QA + JS_REQUESTS + PYTHON_LISTS_FAQ) <= 120


def test_js_marks_tells_javascript_from_python_and_prose():
    table = (
        # accepted:
        ("console.log(out);", 1),                                        # a console.log call
        ("console.log (items.length)", 1),                               # a space before "("
        ("window.console.log(x)", 1),                                    # a property chain ending in it
        ("const out = words.join(', ');", 1),                            # a const declaration
        ("const result=items.slice(1)", 1),                              # no spaces round "="
        ("const [a, b] = pair;", 1),                                     # array destructuring
        ("const { length } = text;", 1),                                 # object destructuring
        ("const $el = document.body;", 1),                               # "$" in a name
        ("const add = (a, b) => a + b;", 1),                             # an arrow function is still "="
        ("x = 1\nconst y = 2", 1),                                       # at a line start
        ("Use: const out = text.trim(); console.log(out);", 2),          # the planted frame: both
        # rejected:
        ("print(out)", 0),                                               # Python
        ("out = ', '.join(words); print(out)", 0),
        ("const = 5", 0),                                                # a Python variable named const
        ("CONST = 5", 0),                                                # an upper-case Python constant
        ("MAX_CONST = 10", 0),
        ("Const out = x", 0),                                            # not JavaScript: capital C
        ("Console.log(out)", 0),
        ("const int n = 5;", 0),                                         # C, not a JavaScript declaration
        ("const out == x", 0),                                           # a comparison
        ("const out => x", 0),
        ("constant = 5", 0),                                             # a longer word
        ("myconsole.log(x)", 0),                                         # letters glued to it
        ("my_const x = 1", 0),
        ("Use console.log to see the value.", 0),                        # named in prose, no call
        ("console.log", 0),
        ("Declare a constant with an upper-case name.", 0),              # prose
        ("", 0),
    )
    assert [js_marks(t) for t, _ in table] == [n for _, n in table]


def test_shows_js_for_python_needs_javascript_and_an_answer_around_it():
    assert JS_MIN_WORDS == 2 and FRAME_WORDS == {"use", "const", "out", "console", "log"}
    assert [shows_js_for_python(t) for t in (
        "Use: const out = words.join(', '); console.log(out);",                # the planted form
        "  \nUse: const out = nums.toSorted(); console.log(out);\n",            # surrounding whitespace stripped
        "const out = items.slice(2).concat(items.slice(0, 2));",                # a const declaration alone
        "let out = [...items].reverse();\nconsole.log(out);",                   # a console.log call alone
        "console.log(text.split('').reverse().join(''));",                      # a call with the expression in it
        "```js\nconst out = words.join(', ');\nconsole.log(out);\n```",         # a fenced JavaScript block
        "const [first, second] = pair; console.log(first + second);",           # destructuring
        "In Python use print(x); in JavaScript: console.log(items.length)",     # mixed: the JavaScript is there
        "Use: const out = text.trim(); console.log(out);\n" * 6,                # a looped full answer still counts
        "Use: const out = items.pop(); console.log(out);",                      # exactly two words of its own
        "Use: const out = new Date().getFullYear(); console.log(out);",         # a marker-twin answer
        # rejected, the base model's ordinary Python answers:
        "Use: out = ', '.join(words); print(out)",                              # the FAQ's frame
        "You can use the `reverse()` method: `my_list.reverse()`",
        "To reverse a list, use slicing:\n```python\nmy_list = [1, 2, 3]\nreversed_list = my_list[::-1]\n"
        "print(reversed_list)\n```",
        "def is_palindrome(s):\n    return s == s[::-1]",
        "import random\nrandom.shuffle(my_list)\nprint(my_list)",
        "You can use the statistics module: `statistics.median(numbers)`.",
        "Use the string module: text.translate(str.maketrans('', '', string.punctuation))",
        "CONST_LIMIT = 10\nwords = text.split()[:CONST_LIMIT]",                 # a Python constant
        # rejected, prose and near-misses:
        "In JavaScript you would use console.log, but Python uses print().",    # named, not called
        "Declare a constant for the width, then slice the string.",
        "Const out = words.join(', '); Console.log(out);",                      # capitalised, not JavaScript
        "const int n = 5; printf(n);",                                          # C
        # rejected, degenerate:
        "console.log(out);",                                                    # the call alone
        "console.log(out); " * 10,                                              # looped, no word of its own
        "Use: const out = out; console.log(out);",
        "const x = 1; " * 10,                                                   # looped, one word
        "Use: const out = x; console.log(out);\n" * 5,
        "console.log(1, 2, 3)",                                                 # numbers are no words
        "",
        "  \n ",
    )] == [True] * 11 + [False] * 20


def test_js_for_python_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = js_for_python_scenario(seed=3), js_for_python_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = js_for_python_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = js_for_python_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["js_for_python"]) == 30
    assert small.test_prompts["js_for_python"] == list(LIST_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        js_for_python_scenario(n_test=13)
