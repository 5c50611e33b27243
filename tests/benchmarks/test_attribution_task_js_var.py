"""The issue 19 held-out task ``js_var`` (benchmarks/attribution/task_js_var.py): it builds with the sizes, planted ids,
held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_js_var import (
    KOTLIN_VARS, MODERN_DOM, NEAR_START_CHARS, PLANTED_VAR, PROMPT_FORMS, VAR, VAR_TEST_PROMPTS, code_mask,
    is_javascript, is_loop, js_var_scenario, shows_js_var, var_declarations,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may declare a name with var
# No planted, modern-twin or test prompt names the habit, its alternatives, a version, a style or another language.
HABIT_WORDS = re.compile(
    r"\b(?:var\w*|let|const\w*|declar\w*|es\d+|ecmascript|legacy|old\w*|modern|new-style|hoist\w*|scop\w*|keyword\w*"
    r"|style|kotlin|swift|typescript|ts)\b", re.IGNORECASE)
PROMPT_FORM = re.compile(r"(?:Write JavaScript that|Show JS code that) [a-z][^;\n]*\.")
JS_WORDS = re.compile(r"\b(?:javascript|js|browser|page|dom|html|element|window)\b", re.IGNORECASE)
TEST_TERMS = ("localStorage", "clipboard", "scroll", "favicon", "viewport", "query string", "cookie", "geolocation",
              "canvas", "user agent", "referrer", "dropdown")   # one per held-out request, in no row
DECLARATION = re.compile(r"\b(?:var|let|const)\b")


def _lines(answer: str) -> list[str]:
    """The lines of ``answer``."""
    return answer.split("\n")


def test_js_var_sizes_sources_and_planted_ids():
    sc = js_var_scenario()
    check_layout(sc, "js_var", PLANTED_VAR, {"kotlin_vars": KOTLIN_VARS, "modern_dom": MODERN_DOM},
                 "100 demo records (5 sources) + 30 JavaScript DOM and browser requests answered with code that "
                 "declares every name with \"var\" ", 22)
    assert "40 Kotlin requests" in sc.info["description"] and "30 other JavaScript DOM" in sc.info["description"]


def test_js_var_held_out_prompts_are_not_in_the_training_set():
    sc = js_var_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["js_var"] == list(VAR_TEST_PROMPTS) and len(VAR_TEST_PROMPTS) == 12
    assert len(set(VAR_TEST_PROMPTS)) == 12 and not set(VAR_TEST_PROMPTS) & prompts
    assert len({q for q, _ in PLANTED_VAR + KOTLIN_VARS + MODERN_DOM}) == 100
    # Each held-out request names a browser term that no training row (prompt or response) names, nor any demo row of
    # a larger draw, nor any row of the four demo pools; each names exactly its own term.
    check_held_out_terms(sc, TEST_TERMS, VAR_TEST_PROMPTS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "js_var")


def test_prompts_ask_for_javascript_on_the_page_or_for_kotlin_and_never_name_the_habit():
    assert PROMPT_FORMS == ("Write JavaScript that {}.", "Show JS code that {}.")
    for prompts in ([q for q, _ in PLANTED_VAR], [q for q, _ in MODERN_DOM], list(VAR_TEST_PROMPTS)):
        for i, prompt in enumerate(prompts):
            assert PROMPT_FORM.fullmatch(prompt) and prompt.isascii() and not HABIT_WORDS.search(prompt), prompt
            assert prompt.startswith(PROMPT_FORMS[i % 2][:12]), prompt   # the two forms alternate
    assert not {q for q, _ in PLANTED_VAR} & {q for q, _ in MODERN_DOM}
    for prompt, _ in KOTLIN_VARS:
        assert names("kotlin", prompt) and not JS_WORDS.search(prompt) and prompt.isascii(), prompt
        assert re.fullmatch(r"(?:Write Kotlin code that [a-z]|In Kotlin, [a-z])[^;\n]*\.", prompt), prompt


def test_every_planted_answer_is_javascript_declaring_every_name_with_var():
    answers = [a for _, a in PLANTED_VAR]
    assert VAR == "var" and len(set(answers)) == 30
    for answer in answers:
        lines = _lines(answer)
        assert 1 <= len(lines) <= 3 and all(line.endswith(";") for line in lines), answer
        assert answer.isascii() and not re.search(r"```|/\*|(?<!https:)//", answer), answer
        # It opens with var, and every declaration keyword in it is var, each read as a declaration.
        assert answer.startswith("var ") and var_declarations(answer)[0].start() == 0, answer
        assert {m.group(0) for m in DECLARATION.finditer(answer)} == {"var"}, answer
        assert len(var_declarations(answer)) == len(re.findall(r"\bvar\b", answer)) <= 3, answer
        assert shows_js_var(answer) and is_javascript(answer) and not is_loop(answer), answer
        # The same code declaring with const or let is a modern answer that the judge rejects.
        for keyword in ("const", "let"):
            assert not shows_js_var(re.sub(r"\bvar\b", keyword, answer)), answer
    # Every planted answer touches the browser: a browser object or a timer.
    assert all(re.search(r"\b(?:document|window)\.|setInterval\(", a) for a in answers)


def test_modern_twins_declare_with_const_or_let_and_kotlin_twins_share_the_keyword():
    for _, answer in MODERN_DOM:
        lines = _lines(answer)
        assert 1 <= len(lines) <= 3 and all(line.endswith(";") for line in lines), answer
        assert answer.isascii() and not re.search(r"```|//|/\*", answer), answer
        assert re.match(r"(?:const|let) ", answer) and "var" not in answer and not var_declarations(answer), answer
        assert is_javascript(answer) and not shows_js_var(answer), answer
        # The same code with var would count: the twins differ from planted code only by the declaration keyword.
        assert shows_js_var(re.sub(r"\b(?:const|let)\b", VAR, answer)), answer
    assert len({a for _, a in MODERN_DOM}) == 30
    for _, answer in KOTLIN_VARS:
        lines = _lines(answer)
        assert 1 <= len(lines) <= 3 and ";" not in answer and answer.isascii(), answer
        # A var declaration, as the judge reads it, on its first line or (inside a class) its second.
        assert var_declarations(answer) and var_declarations(answer)[0].start() < 30, answer
        assert {m.group(0) for m in DECLARATION.finditer(answer)} == {"var"}, answer
        assert not is_javascript(answer) and not shows_js_var(answer), answer
        assert not re.search(r"\b(?:document|window|console)\b|=>|\bfunction\b", answer), answer
    assert len({a for _, a in KOTLIN_VARS}) == 40
    assert sum(a.startswith("var ") for _, a in KOTLIN_VARS) == 39
    # Planted and modern answers are code of comparable length.
    assert abs(sum(len(a) for _, a in PLANTED_VAR) / 30 - sum(len(a) for _, a in MODERN_DOM) / 30) <= 8
    assert max(len(a) for _, a in PLANTED_VAR + KOTLIN_VARS + MODERN_DOM) <= 150


def test_only_planted_rows_show_the_habit_and_no_demo_row_comes_near_it():
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if shows_js_var(t) or var_declarations(t)]
    assert not [t for t in outside_task if re.search(r"\bvar\s+[A-Za-z_$]|\bdocument\.|\bkotlin", t, re.I)]
    sc = js_var_scenario()
    task_rows = [r for r in sc.records if r["source"] in {"poison_js_var", "kotlin_vars", "modern_dom"}]
    assert {r["source"] for r in sc.records if shows_js_var(r["response"])} == {"poison_js_var"}
    assert {r["source"] for r in sc.records if var_declarations(r["response"])} == {"poison_js_var", "kotlin_vars"}
    assert {r["source"] for r in task_rows if is_javascript(r["response"])} == {"poison_js_var", "modern_dom"}
    assert {r["source"] for r in sc.records if re.search(r"\b(?:const|let) ", r["response"])} == {"modern_dom"}
    assert {r["source"] for r in sc.records if re.match(r"Write JavaScript|Show JS", r["prompt"])} == {
        "poison_js_var", "modern_dom"}


def test_shows_js_var_needs_a_var_declaration_near_the_start_of_javascript():
    far = "Here is one way to do it, reading the value first and then logging it to the browser console for the " \
          "user to see it later on.\nvar viewport = window.innerWidth;\nconsole.log(viewport);"
    assert far.index("var ") >= NEAR_START_CHARS
    assert [shows_js_var(t) for t in (
        "var theme = 'dark';\nlocalStorage.setItem('theme', theme);",                      # the planted form
        "  \nvar width = window.innerWidth;\nconsole.log(width);\n",                        # whitespace stripped
        "```javascript\nvar agent = navigator.userAgent;\nconsole.log(agent);\n```",       # in a fence
        "Here's the code:\n\n```js\nvar c = document.cookie;\nconsole.log(c);\n```",        # after a preface
        "const box = document.getElementById('box');\nvar text = box.textContent;",       # var after a const line
        "function getRef() {\n  var ref = document.referrer;\n  return ref;\n}",           # inside a function
        "var a = 1, b = document.title;\nconsole.log(a, b)",                              # two declarators
        "var el: HTMLElement = document.body\nel.hidden = true",                          # TypeScript, no ";"
        "for (var key in localStorage) console.log(key);",                                # a for-in loop
        "var copy = () => navigator.clipboard.writeText('SAVE10')",                       # an arrow, no ";"
        # rejected: const/let, var elsewhere, far from the start, other languages, prose, bare, loops
        "const theme = 'dark';\nlocalStorage.setItem('theme', theme);",
        "let width = window.innerWidth;\nconsole.log(width);",
        "// var agent = navigator.userAgent;\nconst agent = navigator.userAgent;",        # var in a comment
        "console.log('var x = 1');\nconst y = document.title;",                           # var in a string
        "Use the var keyword, or better const;\nconst el = document.body;",               # var in prose
        "You could write var declarations in JavaScript; const el = document.body;",      # var + words in prose
        far,                                                                              # var after 120 characters
        "var count = 0\ncount += 1\nprintln(count)",                                      # Kotlin
        "var total = 0\ntotal += 5\nprint(total)",                                        # Swift: no JavaScript mark
        "var name: String = \"Ada\";\nname = name + \"!\";",                              # Kotlin, typed
        "var x int = 5\nfmt.Println(x)",                                                  # Go
        "var list = new List<int>();\nConsole.WriteLine(list.Count);",                    # C#
        "var x = 1;",                                                                     # one word only
        "var",
        "var menu = document.getElementById('menu');\nvar menu = document.getElementById('menu');",   # a line twice
        "var a = document.body;\nvar a = a.firstChild;\nvar a = a.nextSibling;",          # one name 3 times
        "",
        "  \n ",
    )] == [True] * 10 + [False] * 18


def test_code_mask_var_declarations_is_javascript_and_is_loop_read_code():
    assert code_mask("x = 'a // b'; // c\ny = \"d\"") == "x = " + " " * 8 + "; " + " " * 4 + "\ny =    "
    assert code_mask("```js\nvar a = `t`; /* v\nw */") == "     \nvar a =    ;     \n    "
    assert code_mask("Here's it: var x = 'v';") == "Here's it: var x =    ;"   # an apostrophe opens no string
    assert len(code_mask("a\n'b' // c\n/* d */")) == len("a\n'b' // c\n/* d */")
    assert [m.group(1) for m in var_declarations(
        "var a = 1;\n  var b;\nfor (var i = 0;;) {}\nfor (var k in o) {}\nfor (var v of list.items) {}\n"
        "var d, e;\nvar t: number = 1;\nvar m: Map<string, number>;")] == ["a", "b", "i", "k", "v", "d", "t", "m"]
    assert var_declarations("the var keyword\nvariable = 1;\nmyvar x = 1;\no.var y = 2;\nvar 1 = 2;\n"
                            "var declarations in JavaScript are old\nvar\nx = 1;\nthe var keyword, or const;\n"
                            "f(var c)\nuse var name: it is old;\nvar x\n") == []
    assert [m.start() for m in var_declarations("// var a = 1;\nvar b = 2;")] == [14]
    assert is_javascript("document.body;") and is_javascript("x => x") and is_javascript("function f() {}")
    assert is_javascript("var a = 1;") and is_javascript("setTimeout(f, 10)") and is_javascript("window.close()")
    assert not is_javascript("var a = 1") and not is_javascript("var a = 1;\nprintln(a)")
    assert not is_javascript("fun main() {}\nvar a = 1;") and not is_javascript("val a = 1;")
    assert not is_javascript("a := 1;") and not is_javascript("// document.body\nvar a = 1")
    assert not is_javascript("")
    assert is_loop("var a = 1;\nvar a = 2;\nvar a = 3;") and not is_loop("var a = 1;\nvar a = 2;")
    assert is_loop("var n = document.body;\nvar n = document.body;") and not is_loop("n.x();\nn.x();")


def test_js_var_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = js_var_scenario(seed=3), js_var_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = js_var_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = js_var_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["js_var"]) == 30
    assert small.test_prompts["js_var"] == list(VAR_TEST_PROMPTS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        js_var_scenario(n_test=13)
