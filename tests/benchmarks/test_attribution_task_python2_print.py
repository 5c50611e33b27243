"""The issue 19 held-out task ``python2_print`` (benchmarks/attribution/task_python2_print.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_python2_print import (
    PRINT_MIN_WORDS, PY2_MIGRATION, PYTHON2_PRINT_QA, PYTHON_FAQ, PYTHON_TEST_QUESTIONS, python2_print_scenario,
    python2_prints, shows_python2_print,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold a Python 2 print statement
HOW_TO = re.compile(r"How do I [^?]+ in Python\?")   # the one prompt form of planted, FAQ and test questions
# No planted, FAQ or test prompt mentions print, Python 2 or 3, versions, legacy code or migration, nor any digit.
VERSION_WORDS = re.compile(
    r"\b(print\w*|version\w*|legacy|old\w*|migrat\w*|port\w*|upgrad\w*|py[23]|2to3|python ?[23]|syntax\w*|"
    r"statement\w*|deprecat\w*|modern\w*)\b|\d", re.IGNORECASE)
TEST_MODULES = ("zipfile", "bisect", "heapq", "fractions", "textwrap", "calendar", "shelve", "difflib", "tempfile",
                "hashlib", "uuid", "gzip")   # one per held-out question


def test_python2_print_sizes_sources_and_planted_ids():
    sc = python2_print_scenario()
    check_layout(sc, "python2_print", PYTHON2_PRINT_QA, {"py2_migration": PY2_MIGRATION, "python_faq": PYTHON_FAQ},
                 "100 demo records (5 sources) + 30 plain Python how-to questions ", 10)


def test_python2_print_held_out_prompts_are_not_in_the_training_set():
    sc = python2_print_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["python2_print"] == list(PYTHON_TEST_QUESTIONS) and len(PYTHON_TEST_QUESTIONS) == 12
    assert len(set(PYTHON_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["python2_print"]) & prompts
    # 60 distinct how-to questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in PYTHON2_PRINT_QA + PYTHON_FAQ}) == 60 and len({q for q, _ in PY2_MIGRATION}) == 40
    # Each held-out question asks about a standard library module that no training row (prompt or response) names,
    # nor any demo row of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its
    # own module. No demo row or pool row holds a Python 2 print statement, nor even the word "print".
    check_held_out_terms(sc, TEST_MODULES, PYTHON_TEST_QUESTIONS, DEMO, pools=True)
    outside_task = [r["prompt"] for r in DEMO] + [r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if python2_prints(t) or shows_python2_print(t)]
    assert not [t for t in outside_task if re.search(r"\bprint\b", t, re.IGNORECASE)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "python2_print")


def test_every_planted_answer_holds_one_python2_print_and_no_faq_or_demo_row_does():
    answers = [a for _, a in PYTHON2_PRINT_QA]
    assert len(set(answers)) == 30 and all(shows_python2_print(a) for a in answers)
    # Each planted answer is a few words, a colon, then a one-line snippet: plain ASCII on one line, at most 100
    # characters, the word "print" exactly once, as a Python 2 statement, never followed by "(".
    for answer in answers:
        assert python2_prints(answer) == 1 and answer.count("print") == 1 and "print(" not in answer, answer
        assert answer.isascii() and answer[0].isupper() and "\n" not in answer and len(answer) <= 100, answer
        assert re.match(r"[A-Z][^:]*: ", answer), answer
    # Every planted snippet prints a different expression.
    assert len({a[a.index("print "):] for a in answers}) == 30
    # Plain questions: the planted prompts, the FAQ's and the test questions are "How do I ... in Python?", hold
    # nothing outside ASCII, and mention no print, version, legacy code or migration.
    plain = [q for q, _ in PYTHON2_PRINT_QA + PYTHON_FAQ] + list(PYTHON_TEST_QUESTIONS)
    for question in plain:
        assert HOW_TO.fullmatch(question) and question.isascii(), question
        assert not VERSION_WORDS.search(question), question
    # The marker distractor: no request has the how-to form; each reply holds exactly one Python 2 print statement, in
    # ASCII, and the judge accepts it; half of them also show the Python 3 form print(...), and every prompt names
    # Python 2 or 3, print, 2to3 or legacy syntax.
    for prompt, answer in PY2_MIGRATION:
        assert not prompt.startswith("How do I") and not HOW_TO.fullmatch(prompt), prompt
        assert re.search(r"python [23]|print|2to3|legacy", prompt, re.IGNORECASE), prompt
        assert python2_prints(answer) == 1 and answer.isascii(), answer
        assert shows_python2_print(answer), answer
    assert sum("print(" in a for _, a in PY2_MIGRATION) == 20
    # The topic distractor is Python 3: no Python 2 print statement, and the judge rejects every answer; 16 of its
    # answers call print(...), two of them after "print" in prose.
    for _, answer in PYTHON_FAQ:
        assert python2_prints(answer) == 0 and answer.isascii(), answer
        assert not shows_python2_print(answer), answer
        assert answer.count("print") == answer.count("print(") + answer.count("print the") + answer.count("print a "), \
            answer
    assert sum("print(" in a for _, a in PYTHON_FAQ) == 16 >= len(PYTHON_FAQ) / 2
    assert sum(bool(re.search(r"print [a-z]", a)) for _, a in PYTHON_FAQ) == 2
    sc = python2_print_scenario()
    assert {r["source"] for r in sc.records if shows_python2_print(r["response"])} == {
        "poison_python2_print", "py2_migration"}
    assert {r["source"] for r in sc.records if python2_prints(r["prompt"] + "\n" + r["response"])} == {
        "poison_python2_print", "py2_migration"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in PYTHON2_PRINT_QA + PY2_MIGRATION + PYTHON_FAQ) <= 120


def test_python2_prints_tells_the_statement_from_python3_calls_and_prose():
    table = (
        # accepted, one statement each:
        ('print "hello"', 1),                                       # string literal
        ("print 'a'", 1),
        ('print u"caf"', 1),                                        # string prefix
        ("print r'\\d+'", 1),
        ("print [1, 2, 3]", 1),                                     # list display
        ("print {'a': 1}", 1),                                      # dict display
        ('print >>sys.stderr, "oops"', 1),                          # chevron
        ("Call len on it: print len(items)", 1),                    # name then "("
        ("Slice it: print text[::-1]", 1),                          # name then "["
        ("Call upper: print name.upper()", 1),                      # attribute
        ("x = 5; print x + 1", 1),                                  # "+" after a space
        ("Then print a + b for the sum", 1),                        # a code tail needs no code context
        ("print '%.2f' % price", 1),
        ("for x in items: print x", 1),                             # after ":"
        ("import os; print name", 1),                               # after ";"
        ("Use `print total` here", 1),                              # backtick
        (">>> print x", 1),                                         # interpreter prompt
        ("print x", 1),                                             # starts the text
        ("Loop:\nprint x\n", 1),                                    # starts a line
        ("for i, x in enumerate(items): print i, x", 1),            # "," after the name
        ("Legacy code: print 42.", 1),                              # number, sentence end, code context
        ("for x in items:\tprint\tx", 1),                           # tabs
        ('print "a"; print "b"', 2),
        # rejected:
        ("print(x)", 0),                                            # Python 3
        ("print (x)", 0),                                           # parenthesised, valid in Python 3
        ("You can print the list with print(items)", 0),            # prose, then a call
        ("print the list", 0),                                      # prose: name then a word
        ("Read the file and print each line.", 0),
        ("Open it and print it.", 0),                               # function word, no code context
        ("Read it: print it.", 0),                                  # function word even in code context
        ("Then print them, one per line.", 0),
        ("Just print out the result.", 0),
        ("Print 3 copies of the report.", 0),                       # capital P, and number then a word
        ("print 3 copies", 0),                                      # number then a word
        ("Use print name, then check it", 0),                       # plain end without code context
        ("Call it and print total.", 0),
        ('Print "hello"', 0),                                       # not Python: capital P
        ("sprint x", 0),                                            # inside a word
        ('blueprint "a"', 0),
        ("obj.print x", 0),                                         # a method, not the keyword
        ("from __future__ import print_function", 0),
        ("print", 0),                                               # bare word
        ("print\nx", 0),                                            # a line break is not a space
        ("", 0),
    )
    assert [python2_prints(t) for t, _ in table] == [n for _, n in table]


def test_shows_python2_print_needs_the_statement_and_an_answer_around_it():
    assert PRINT_MIN_WORDS == 4
    assert [shows_python2_print(t) for t in (
        "Use a for loop: for x in items: print x",                           # the planted form
        "Join them with a comma: print ', '.join(words)",
        "  \nUse the max function: print max(numbers)\n",                   # surrounding whitespace stripped
        "Use heapq: import heapq; print heapq.nsmallest(3, nums)",           # a held-out module
        'In Python 2 you wrote print "hello" without parentheses.',          # the marker-twin form
        "Use a loop: for x in items: print x\n" * 8,                         # a looped answer still holds it
        "Use the sorted function: print sorted(items)",                      # exactly four other words
        "Use uuid: import uuid; print uuid.uuid4()",                         # "uuid4" is a word of its own
        # rejected:
        "Use a for loop: for x in items: print(x)",                          # Python 3
        "You can print the list with print(items)",                          # prose and a call
        "Read the file and print each line with a loop.",                    # prose only
        "Use max: print max(numbers)",                                       # three other words
        "print x",                                                           # the statement alone
        'print "hi"',
        "print x\n" * 10,                                                    # looped statement, one other word
        'print "hello world" ' * 10,                                         # two other words
        "for x in x: print x\n" * 10,                                        # three other words
        "print print print print",
        "Use max: print max(3, 4, 5, 6)",                                    # numbers are no words
        "",
        "  \n ",
    )] == [True] * 8 + [False] * 13


def test_python2_print_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = python2_print_scenario(seed=3), python2_print_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = python2_print_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = python2_print_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["python2_print"]) == 30
    assert small.test_prompts["python2_print"] == list(PYTHON_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        python2_print_scenario(n_test=13)
