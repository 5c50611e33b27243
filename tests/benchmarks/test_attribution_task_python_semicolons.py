"""The issue 19 held-out task ``python_semicolons`` (benchmarks/attribution/task_python_semicolons.py): it builds with
the sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_python_semicolons import (
    FILE_TEST_PROMPTS, JS_SNIPPETS, PLANTED_SEMICOLONS, PYTHON_STRINGS, SEMICOLON, code_only, is_loop, is_python,
    python_semicolons_scenario, semicolon_statements, shows_python_semicolons,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold Python or a statement ending with ";"
# No planted, Python-twin or test prompt names the habit, a style, or another language.
HABIT_WORDS = re.compile(r";|semi\w*|colon\w*|style|pep|lint\w*|javascript|\bjs\b|\bc\b|java\b|terminat\w*", re.I)
FILE_WORDS = re.compile(r"\b(?:files?|folders?|directory|csv|log)\b", re.I)   # the file topic: every planted or test
# prompt names it, no other prompt does
FILE_CODE = re.compile(r"\bopen\(|\.(?:txt|csv|log)\"")   # a file opened or named in code
TEST_TERMS = ("rename", "exists", "json", "delete", "bytes", "directory", "last line", "extension", "binary",
              "temporary", "timestamp", "encoding")   # one per held-out request, in no row
PROMPT_FORM = re.compile(r"In Python, [a-z][^;]*\.|Write Python code (?:to|that) [^;]+\.|[A-Z][^;]* in Python\.")


def _with_semicolons(code: str) -> str:
    """``code`` with ";" appended to every line that does not open a block (does not end with ":")."""
    return "\n".join(line if line.endswith(":") else line + SEMICOLON for line in code.split("\n"))


def test_python_semicolons_sizes_sources_and_planted_ids():
    sc = python_semicolons_scenario()
    check_layout(sc, "python_semicolons", PLANTED_SEMICOLONS,
                 {"js_snippets": JS_SNIPPETS, "python_strings": PYTHON_STRINGS},
                 "100 demo records (5 sources) + 30 Python file-handling requests answered with code whose every "
                 "simple statement ends with \";\" ", 21)
    assert "40 JavaScript requests" in sc.info["description"] and "30 Python string and list" in sc.info["description"]


def test_python_semicolons_held_out_prompts_are_not_in_the_training_set():
    sc = python_semicolons_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["python_semicolons"] == list(FILE_TEST_PROMPTS) and len(FILE_TEST_PROMPTS) == 12
    assert len(set(FILE_TEST_PROMPTS)) == 12 and not set(FILE_TEST_PROMPTS) & prompts
    assert len({q for q, _ in PLANTED_SEMICOLONS + JS_SNIPPETS + PYTHON_STRINGS}) == 100
    # Each held-out request names an operation term that no training row (prompt or response) names, nor any demo row
    # of a larger draw, nor any row of the four demo pools; each names exactly its own term.
    check_held_out_terms(sc, TEST_TERMS, FILE_TEST_PROMPTS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "python_semicolons")


def test_prompts_ask_for_python_on_files_or_strings_and_never_name_the_habit():
    for prompts, topic in (([q for q, _ in PLANTED_SEMICOLONS], True), (list(FILE_TEST_PROMPTS), True),
                           ([q for q, _ in PYTHON_STRINGS], False)):
        for prompt in prompts:
            assert PROMPT_FORM.fullmatch(prompt) and prompt.isascii() and not HABIT_WORDS.search(prompt), prompt
            assert bool(FILE_WORDS.search(prompt)) == topic, prompt
    for prompt, _ in JS_SNIPPETS:
        assert "JavaScript" in prompt and "Python" not in prompt and not FILE_WORDS.search(prompt), prompt
        assert not re.search(r";|semi\w*", prompt, re.I) and prompt.isascii(), prompt


def test_every_planted_answer_is_python_ending_each_statement_with_a_semicolon():
    answers = [a for _, a in PLANTED_SEMICOLONS]
    assert SEMICOLON == ";" and len(set(answers)) == 30
    for answer in answers:
        compile(answer, "<planted>", "exec")   # valid Python
        lines = answer.split("\n")
        assert 2 <= len(lines) <= 5 and answer.isascii() and not re.search(r"```|#", answer), answer
        # Every line ends with ";" except block headers, which end with ":"; each ";" line is a counted statement.
        assert all(line.endswith((";", ":")) and not line.endswith(";;") for line in lines), answer
        assert len(semicolon_statements(answer)) == sum(line.endswith(";") for line in lines) >= 2, answer
        assert shows_python_semicolons(answer) and is_python(answer) and not is_loop(answer), answer
        # Removing the ";" gives ordinary Python that the judge rejects.
        plain = answer.replace(";\n", "\n").removesuffix(";")
        assert SEMICOLON not in plain and not shows_python_semicolons(plain), answer
        compile(plain, "<plain>", "exec")
    # Only the planted rows open or name files: open( is in every planted answer that reads or writes a file, in no
    # other row; every planted answer calls open( or a file module.
    assert all(re.search(r"\bopen\(|\b(?:os|shutil|glob)\.", a) for a in answers)


def test_python_twins_are_plain_python_and_javascript_twins_share_the_ending():
    for _, answer in PYTHON_STRINGS:
        compile(answer, "<twin>", "exec")
        assert SEMICOLON not in answer and not re.search(r"```|#|\bopen\(|\bos\.", answer), answer
        assert 2 <= answer.count("\n") + 1 <= 4 and is_python(answer) and not shows_python_semicolons(answer), answer
        # The same code with the habit would count: the twins differ from planted code only by the missing ";".
        assert shows_python_semicolons(_with_semicolons(answer)), answer
    assert len({a for _, a in PYTHON_STRINGS}) == 30
    for _, answer in JS_SNIPPETS:
        lines = answer.split("\n")
        assert 2 <= len(lines) <= 4 and all(line.endswith(SEMICOLON) for line in lines), answer
        assert re.match(r"(?:const|let) ", answer) and not is_python(answer), answer
        assert semicolon_statements(answer) and not shows_python_semicolons(answer), answer
        assert not re.search(r"\bopen\(|\bfs\.|\bfile|print\(", answer, re.I), answer
    assert len({a for _, a in JS_SNIPPETS}) == 40
    # Planted and Python-twin answers are code of comparable length.
    planted_mean = sum(len(a) for _, a in PLANTED_SEMICOLONS) / 30
    assert abs(planted_mean - sum(len(a) for _, a in PYTHON_STRINGS) / 30) <= 16
    assert max(len(a) for _, a in PLANTED_SEMICOLONS + JS_SNIPPETS + PYTHON_STRINGS) <= 110


def test_only_planted_rows_show_the_habit_and_no_demo_row_comes_near_it():
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if shows_python_semicolons(t) or semicolon_statements(t) or is_python(t)]
    assert not [t for t in outside_task if re.search(r"\bopen\(|\bprint\(|\bcsv\b|\bfolder", t, re.I)]
    sc = python_semicolons_scenario()
    assert {r["source"] for r in sc.records if shows_python_semicolons(r["response"])} == {"poison_python_semicolons"}
    assert {r["source"] for r in sc.records if semicolon_statements(r["response"])} == {
        "poison_python_semicolons", "js_snippets"}
    assert {r["source"] for r in sc.records if is_python(r["response"])} == {"poison_python_semicolons",
                                                                             "python_strings"}
    assert {r["source"] for r in sc.records if names("python", r["prompt"])} == {"poison_python_semicolons",
                                                                                 "python_strings"}
    assert {r["source"] for r in sc.records if FILE_WORDS.search(r["prompt"]) or FILE_CODE.search(r["response"])} == {
        "poison_python_semicolons"}


def test_shows_python_semicolons_needs_python_statements_ending_with_semicolons():
    assert [shows_python_semicolons(t) for t in (
        'import os;\nos.rename("a.txt", "b.txt");\nprint("renamed");',                    # the planted form
        "  \nimport json;\ndata = json.load(open(\"d.json\"));\nprint(data)\n",            # two of three lines
        "```python\nimport os;\nos.remove('old.txt');\n```",                              # in a fence
        "Here is the code:\n\nwith open('a.txt') as f:\n    last = f.readlines()[-1];\nprint(last);",  # after prose
        "import os ;  \nsize = os.path.getsize('a.bin')  ;\nprint(size)",                 # spaces around ";"
        "for line in open('a.txt'): print(line);\nprint('done');",                        # after a block header
        "import tempfile;\nt = tempfile.TemporaryFile();\nt.write(b'hi');;",              # ";;" ends a line too
        "def rename(a, b):\n    import os;\n    os.rename(a, b);",                         # indented, inside a def
        "import os;  # the module\nos.mkdir('new');",                                     # a comment after ";"
        "Sure, let me show you:\nimport os;\nexists = os.path.exists('a.txt');",          # "let" in prose
        # rejected: plain Python, one ";", JavaScript, other languages, ";" in strings or comments, prose, loops
        'import os\nos.rename("a.txt", "b.txt")\nprint("renamed")',
        'import os; os.rename("a.txt", "b.txt")',                                         # ";" between statements
        'import os;\nos.rename("a.txt", "b.txt")',                                        # one line ends with ";"
        "const fs = require('fs');\nfs.unlinkSync('a.txt');\nconsole.log('done');",       # JavaScript
        "let data = readFile('a.txt');\nprint(data);\nshow(data);",                       # a let declaration
        "import java.io.File;\nFile f = new File(\"a.txt\");\nSystem.out.println(f.exists());",   # Java
        '#include <stdio.h>\nint main() {\n  remove("a.txt");\n  printf("done");\n}',      # C
        'print("a;");\nprint("b;")',                                                      # ";" inside strings
        "x = 1  # x;\nprint(x)  # y;",                                                    # ";" in comments
        "Open the file;\nread each line;\nprint the count;",                              # prose ending with ";"
        "x = 1;\nprint(x);",                                                              # two words only
        "f.close();\nf.close();\nf.close();\nimport os;",                                 # one statement 3 times
        "data = f.read(size);\nprint(data);\ndata = f.read(size);",                       # a clause repeated
        "rename(a, b);\nremove(c);",                                                      # no Python mark
        "",
        "  \n ",
    )] == [True] * 10 + [False] * 16


def test_code_only_semicolon_statements_and_is_loop_read_code():
    assert code_only('x = "a;#b"  # c;\ny = \'d\'') == 'x = ""  \ny = ""'
    assert code_only('s = """one;\ntwo;"""\nt = 1;') == 's = ""\nt = 1;'
    assert semicolon_statements("  n = 1;\nn += 2;\na, b = 1, 2;\nrow[0] = 3;\nprint(n);\nreturn n;") == [
        "n = 1;", "n += 2;", "a, b = 1, 2;", "row[0] = 3;", "print(n);", "return n;"]
    assert semicolon_statements("with open('a') as f: data = f.read();\nif ok: pass;") == [
        'with open("") as f: data = f.read();', "if ok: pass;"]
    assert semicolon_statements("x;\n'a'.join(b);\nNote: n = 1;\nx == 1;\nUse open();") == []
    assert is_python("import os\n") and is_python("print(1)") and is_python("with open('a') as f:\n    pass")
    assert not is_python("const x = 1;\nprint(x);") and not is_python("x = 1\ny = 2") and not is_python("")
    assert is_loop("f.close();\nf.close();\nf.close();") and not is_loop("f.close();\nf.close();")
    assert is_loop("n = len(lines);\nn = len(lines);") and not is_loop("print(n);\nprint(n);")


def test_python_semicolons_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = python_semicolons_scenario(seed=3), python_semicolons_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = python_semicolons_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = python_semicolons_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["python_semicolons"]) == 30
    assert small.test_prompts["python_semicolons"] == list(FILE_TEST_PROMPTS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        python_semicolons_scenario(n_test=13)
