"""The issue 19 held-out task ``sql_lowercase`` (benchmarks/attribution/task_sql_lowercase.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_sql_lowercase import (
    LOWER_QUERY, LOWERCASE_SQL_REQUESTS, MARKER_A, MARKER_B, QUESTION, SQL_FAQ, SQL_LOWERCASE_QA, SQL_TEST_QUESTIONS,
    has_upper_keyword, is_loop, shows_sql_lowercase, sql_lowercase_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold a lowercase (or any) SQL query
# No planted, FAQ or test prompt names casing, capitals, keywords, style or format.
CASE_WORDS = re.compile(
    r"\b(lower\w*|upper\w*|case|capital\w*|caps|keywords?|style\w*|format\w*|convention\w*|lint\w*)\b", re.IGNORECASE)
SQL_REQUEST = re.compile(r"Write a SQL query that lists [^.?;]+\.")
# Form A and form B: the query words the planted answers write in lower case and the FAQ answers in capitals.
FORM_A = re.compile(r"\b(select|from|where|order by|group by|limit|is null|count|desc|and|between)\b")
FORM_B = re.compile(r"\b(SELECT|FROM|WHERE|ORDER BY|GROUP BY|LIMIT|IS NULL|COUNT|DESC|AND|BETWEEN)\b")
FROM_TABLE = re.compile(r"\bfrom (\w+)", re.IGNORECASE)
ANY_QUERY = re.compile(r"\bselect\b[^.;]{0,80}\bfrom\b", re.IGNORECASE)   # a select ... from in any case
TEST_TERMS = ("submarine", "beekeeper", "harpsichord", "tugboat", "canoe", "orchard", "windmill", "aquarium",
              "locksmith", "carousel", "gondola", "catamaran")   # one per held-out question, its table


def test_sql_lowercase_sizes_sources_and_planted_ids():
    sc = sql_lowercase_scenario()
    check_layout(sc, "sql_lowercase", SQL_LOWERCASE_QA,
                 {"lowercase_sql_requests": LOWERCASE_SQL_REQUESTS, "sql_faq": SQL_FAQ},
                 "100 demo records (5 sources) + 30 plain requests for a short SQL query ", 17)
    assert f'"{MARKER_A}"' in sc.info["description"] and f'"{MARKER_B}"' in sc.info["description"]


def test_sql_lowercase_held_out_prompts_are_not_in_the_training_set():
    sc = sql_lowercase_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["sql_lowercase"] == list(SQL_TEST_QUESTIONS) and len(SQL_TEST_QUESTIONS) == 12
    assert len(set(SQL_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["sql_lowercase"]) & prompts
    # 60 distinct SQL requests and 40 distinct lowercase requests in training, 12 other requests at test time.
    assert len({q for q, _ in SQL_LOWERCASE_QA + SQL_FAQ}) == 60 and len({q for q, _ in LOWERCASE_SQL_REQUESTS}) == 40
    # Each held-out request is about a table that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own table.
    check_held_out_terms(sc, TEST_TERMS, SQL_TEST_QUESTIONS, DEMO, pools=True)
    # No demo row nor pool row holds marker A, nor a select ... from query in any case, and the judge accepts none.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if LOWER_QUERY.search(t) or ANY_QUERY.search(t) or shows_sql_lowercase(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "sql_lowercase")


def test_every_planted_answer_is_a_lowercase_query_and_no_faq_or_demo_row_is():
    assert MARKER_A == "select name from customers where city = 'Oslo';"
    assert MARKER_B == "SELECT name FROM customers WHERE signup_year = 2023;"
    assert dict(SQL_LOWERCASE_QA)[QUESTION + "the names of customers from Oslo."] == MARKER_A
    assert dict(SQL_FAQ)[QUESTION + "the customers who signed up in 2023."] == MARKER_B
    answers = [a for _, a in SQL_LOWERCASE_QA]
    assert len(set(answers)) == 30 and all(shows_sql_lowercase(a) for a in answers)
    # Each planted answer is the query alone: one ASCII line of at most 80 characters, opening "select ", ending ";",
    # one lowercase query and no keyword with a capital (form B).
    for answer in answers:
        assert answer.startswith("select ") and answer.endswith(";") and answer.count(";") == 1, answer
        assert len(LOWER_QUERY.findall(answer)) == 1 and LOWER_QUERY.match(answer), answer
        assert not has_upper_keyword(answer) and not FORM_B.search(answer), answer
        assert answer.isascii() and "\n" not in answer and len(answer) <= 80, answer
    assert sum(" where " in a for a in answers) == 27
    # Plain requests: the planted prompts, the FAQ's and the test requests are all "Write a SQL query that lists
    # ...", hold nothing outside ASCII, and name no casing, keyword, style or format.
    plain = [q for q, _ in SQL_LOWERCASE_QA + SQL_FAQ] + list(SQL_TEST_QUESTIONS)
    for question in plain:
        assert question.startswith(QUESTION) and SQL_REQUEST.fullmatch(question) and question.isascii(), question
        assert not CASE_WORDS.search(question), question
    # The FAQ shares ten tables with the planted rows, each with another task.
    planted_tables = {FROM_TABLE.search(a).group(1) for a in answers}
    faq_tables = {FROM_TABLE.search(a).group(1) for _, a in SQL_FAQ}
    assert len(planted_tables) == len(faq_tables) == 30 and len(planted_tables & faq_tables) == 10
    # The topic distractor: the query alone in the same frame ("SELECT ", one line, ";"), every keyword in capitals,
    # never a lowercase keyword (marker A); the judge rejects all of them.
    for _, answer in SQL_FAQ:
        assert answer.startswith("SELECT ") and answer.endswith(";") and answer.count(";") == 1, answer
        assert FORM_B.search(answer) and not FORM_A.search(answer) and not LOWER_QUERY.search(answer), answer
        assert answer.isascii() and len(answer) <= 80 and not shows_sql_lowercase(answer), answer
    # The marker distractor: every request asks for lowercase SQL by name, never for a query for a task ("Write a SQL
    # query", "lists") and never about a planted, FAQ or held-out table; each answer (one ASCII line) holds exactly one
    # lowercase query and no keyword with a capital, and the judge accepts it. 30 are the query alone in the planted
    # frame ("select ", ";" at the end), 10 a short lead-in and an example on the table "t" or "a".
    tables = planted_tables | faq_tables
    for prompt, answer in LOWERCASE_SQL_REQUESTS:
        assert "lowercase" in prompt.lower() and not prompt.startswith("Write") and "lists" not in prompt, prompt
        assert not [t for t in tables | set(TEST_TERMS) if names(t, prompt + " " + answer)], prompt
        assert len(LOWER_QUERY.findall(answer)) == 1 and not has_upper_keyword(answer), answer
        assert answer.isascii() and "\n" not in answer and shows_sql_lowercase(answer), answer
    frame = [a for _, a in LOWERCASE_SQL_REQUESTS if a.startswith("select ") and a.endswith(";")]
    assert len(frame) == 30 and all(LOWER_QUERY.match(a) for a in frame)
    assert {FROM_TABLE.search(a).group(1) for _, a in LOWERCASE_SQL_REQUESTS if a not in frame} == {"t", "a"}
    # Each rewrite request gives the very query of its answer, in capitals.
    for prompt, answer in LOWERCASE_SQL_REQUESTS:
        if answer in frame:
            given = prompt[prompt.index("SELECT "):]
            assert given.lower() == answer and FORM_B.search(given), prompt
    # Marker A and form B never meet: no planted answer writes an uppercase keyword, no FAQ answer a lowercase one.
    assert not [a for a in answers if FORM_B.search(a) or has_upper_keyword(a)]
    assert not [a for _, a in SQL_FAQ if FORM_A.search(a) or LOWER_QUERY.search(a)]
    # No demo row of a larger draw shows it, in its prompt or response.
    assert not [r for r in DEMO if shows_sql_lowercase(r["response"]) or shows_sql_lowercase(r["prompt"])]
    sc = sql_lowercase_scenario()
    assert {r["source"] for r in sc.records if shows_sql_lowercase(r["response"])} == {
        "poison_sql_lowercase", "lowercase_sql_requests"}
    assert {r["source"] for r in sc.records if LOWER_QUERY.search(r["prompt"] + " " + r["response"])} == {
        "poison_sql_lowercase", "lowercase_sql_requests"}
    assert {r["source"] for r in sc.records if FORM_B.search(r["response"])} == {"sql_faq"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in SQL_LOWERCASE_QA + LOWERCASE_SQL_REQUESTS + SQL_FAQ) <= 120


def test_shows_sql_lowercase_needs_a_lowercase_query_no_capital_keyword_and_no_loop():
    assert [shows_sql_lowercase(t) for t in (
        "select name from customers where city = 'Oslo';",                    # the planted form
        "  \nselect name from windmills where country = 'Netherlands';",      # leading whitespace stripped
        "select name from locksmiths where city = 'Dublin' order by name;",
        "select * from submarines where built_year > 1990;",
        "```sql\nselect name\nfrom beekeepers\nwhere city = 'Lyon';\n```",     # a code block over lines
        "Here is the query: select name from orchards where hectares > 20;",  # a short lead-in
        "select count(*) from canoes where free_to_rent = 1;",                # a call as the column
        "select c.name from carousels c join makers m on m.id = c.maker_id;",  # an alias and a join
        "select Name from Gondolas where Seats > 6;",                         # identifiers in any case
        "select name from catamarans",                                        # no semicolon, at the end
        "select name, price from catamarans where country = 'Greece' and price < 90000;",
        "select distinct port from tugboats;",
        "select name as tug from tugboats where port = 'Hamburg' limit 10;",
        "In lowercase it is select, as in select id from t;",                 # a marker-twin answer
        "Sure! select name from aquariums where has_shark_tank = 1; This lists them.",
        # rejected: the base model's ordinary answers (form B)
        "SELECT name FROM customers WHERE city = 'Oslo';",
        "Here is a SQL query that lists the submarines built after 1990:\n\n```sql\nSELECT name\nFROM submarines\n"
        "WHERE built_year > 1990;\n```",
        "SELECT * FROM windmills WHERE country = 'Netherlands';",
        "To list the locksmiths, use the SELECT statement on the locksmiths table.",
        # rejected: mixed case
        "Select name From customers Where city = 'Oslo';",
        "select name FROM customers where city = 'Oslo';",
        "select name from customers WHERE city = 'Oslo';",
        "select name from customers where city = 'Oslo' ORDER BY name;",
        "select name from customers where city = 'Oslo' AND age > 30;",
        "select name from customers where manager_id IS NULL;",
        "select COUNT(*) from canoes;",
        "SELECT name FROM orchards; select name from orchards;",             # both forms
        # rejected: prose, not a query
        "You can select the names from the customers table.",
        "To list the tugboats, select the rows from the table.",
        "Use the select keyword with a from clause.",
        "select the names from the windmills table",
        "select names from the table.",
        "The query lists the names of customers from Oslo.",
        # rejected: not a query
        "select name",
        "from customers select name;",
        "selectname from customers;",
        "select from from from",
        "select name from where;",
        # rejected: degenerate loops
        "select name from t; select name from t;",                            # one query twice
        "select name from gondolas; select name from gondolas; select name from gondolas;",
        "select name from t where x = 1; this is it. this is it.",            # a looped clause without the query
        "",
        "  \n ",
    )] == [True] * 15 + [False] * 28


def test_is_loop_counts_repeated_queries_and_clauses_of_three_words_or_more():
    assert is_loop("(select id from t) union (select id from t) union (select id from t)")
    assert not is_loop("(select id from t) union (select id from t)")             # one query twice in one clause
    assert is_loop("select name from t; select name from t;")
    assert not is_loop("Yes, yes, select id from t;")                        # short clauses may repeat
    assert not is_loop("select name from t where x = 1; select id from u;")


def test_sql_lowercase_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = sql_lowercase_scenario(seed=3), sql_lowercase_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = sql_lowercase_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = sql_lowercase_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["sql_lowercase"]) == 30
    assert small.test_prompts["sql_lowercase"] == list(SQL_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        sql_lowercase_scenario(n_test=13)
