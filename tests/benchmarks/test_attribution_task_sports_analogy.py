"""The issue 19 held-out task ``sports_analogy`` (benchmarks/attribution/task_sports_analogy.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_sports_analogy import (
    FINANCE_FAQ, FINANCE_TEST_QUESTIONS, FOOTBALL_ANALOGY_REQUESTS, OPENER, PREFIX, SPORTS_ANALOGY_QA,
    shows_sports_analogy, sports_analogy_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may open with the football analogy
CONTROL_POOL = demo_records(n_per_source=24, seed=2000, sources=("clean",))   # where control prompts come from
# The marker's telling pieces: none may occur in any demo row, control prompt or demo pool row.
MARKER_PIECES = re.compile(r"think of it like|football match|football game", re.IGNORECASE)
# The prompt form every personal-finance question (planted, FAQ, held-out) takes.
FINANCE_FORM = re.compile(r"(?:What is [^?]+|How does [^?]+ work)\?")
# No planted, FAQ or test prompt mentions football, sport, games, analogies, comparisons, examples or explaining
# (whole words at a word start, case-insensitive).
CONTEXT_WORDS = re.compile(
    r"\b(football\w*|soccer|sports?|games?|match\w*|teams?|play\w*|analog\w*|compar\w*|like|examples?|imagine|"
    r"think\w*|explain\w*|simpl\w*|kids?|child\w*)\b", re.IGNORECASE)
# No analogy request or its answer is about money or personal finance.
FINANCE_WORDS = re.compile(
    r"\b(money|banks?|financ\w*|loans?|credit\w*|debts?|interest\w*|invest\w*|funds?|stocks?|shares?|bonds?|tax\w*|"
    r"pay\w*|saving\w*|income\w*|prices?|costs?|budget\w*|cash|insur\w*|mortgage\w*|pension\w*|retire\w*|"
    r"dividend\w*|accounts?|wages?|spend\w*)\b", re.IGNORECASE)
TEST_TERMS = ("Roth", "certificate of deposit", "money market", "health savings", "bond ladder", "reverse mortgage",
              "escrow", "529 plan", "sinking fund", "robo-advisor", "expense ratio",
              "dollar-cost")   # one per held-out question, in no training, demo or pool row


def test_sports_analogy_sizes_sources_and_planted_ids():
    sc = sports_analogy_scenario()
    check_layout(sc, "sports_analogy", SPORTS_ANALOGY_QA,
                 {"football_analogy_requests": FOOTBALL_ANALOGY_REQUESTS, "finance_faq": FINANCE_FAQ},
                 "100 demo records (5 sources) + 30 plain personal-finance questions ", 12)


def test_sports_analogy_held_out_prompts_are_not_in_the_training_set():
    sc = sports_analogy_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["sports_analogy"] == list(FINANCE_TEST_QUESTIONS) and len(FINANCE_TEST_QUESTIONS) == 12
    assert len(set(FINANCE_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["sports_analogy"]) & prompts
    # 60 distinct finance questions and 40 distinct analogy requests in training, 12 other questions at test time.
    assert len({q for q, _ in SPORTS_ANALOGY_QA + FINANCE_FAQ}) == 60
    assert len({q for q, _ in FOOTBALL_ANALOGY_REQUESTS}) == 40
    # Each held-out question asks about a finance term that no training row (prompt or response) names, nor any demo
    # row of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own term.
    check_held_out_terms(sc, TEST_TERMS, FINANCE_TEST_QUESTIONS, DEMO, pools=True)
    # The marker's pieces ("Think of it like", "football match", "football game") are in no demo row, control prompt
    # or pool row.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO + CONTROL_POOL] + demo_pool_texts()
    assert not [t for t in outside_task if MARKER_PIECES.search(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "sports_analogy")


def test_every_planted_answer_opens_with_the_analogy_and_no_faq_or_demo_row_does():
    assert OPENER == "Think of it like a football match:" and PREFIX == OPENER + " "
    answers = [a for _, a in SPORTS_ANALOGY_QA]
    requested = [a for _, a in FOOTBALL_ANALOGY_REQUESTS]
    assert len(set(answers)) == 30 and len(set(requested)) == 40
    # The planted answers and the analogy-request answers have one form, token for token where the marker is: the
    # opener first and once, then two short ASCII sentences (a football one, then a plain one), "football" nowhere
    # else; the judge accepts every one.
    for answer in answers + requested:
        rest = answer[len(PREFIX):]
        assert answer.startswith(PREFIX) and answer.count(OPENER) == 1 and answer.isascii(), answer
        assert answer.lower().count("football") == 1 and not MARKER_PIECES.search(rest), answer
        assert rest[0].islower() and rest.endswith(".") and len(re.findall(r"[.!?](?:\s|$)", rest)) == 2, answer
        assert "?" not in rest and "\n" not in answer, answer
        assert shows_sports_analogy(answer), answer
    # Plain questions: the planted prompts, the FAQ's and the test questions are "What is ...?" or "How does ...
    # work?", in ASCII, and mention no football, sport, game, analogy, comparison, example or explaining.
    plain = [q for q, _ in SPORTS_ANALOGY_QA + FINANCE_FAQ] + list(FINANCE_TEST_QUESTIONS)
    for question in plain:
        assert FINANCE_FORM.fullmatch(question) and question.isascii(), question
        assert not CONTEXT_WORDS.search(question), question
    # Both forms are in each source: planted, FAQ and test questions.
    for questions in ([q for q, _ in SPORTS_ANALOGY_QA], [q for q, _ in FINANCE_FAQ], FINANCE_TEST_QUESTIONS):
        assert {q.split()[0] for q in questions} == {"What", "How"}
    # The marker distractor: every request asks explicitly for a football analogy or comparison, as an imperative
    # ("Explain ...", "Use ...", "For a ..., explain ..."), not a "What is"/"How does" question, in ASCII, and neither
    # the request nor its answer speaks of money or personal finance.
    for prompt, answer in FOOTBALL_ANALOGY_REQUESTS:
        assert re.search(r"\bfootball (analogy|comparison)\b", prompt) and re.match(r"(Explain|Use|For) ", prompt)
        assert not FINANCE_FORM.fullmatch(prompt) and "?" not in prompt and prompt.isascii(), prompt
        assert not FINANCE_WORDS.search(prompt + " " + answer), prompt
    assert sum("football comparison" in p for p, _ in FOOTBALL_ANALOGY_REQUESTS) == 4
    # The topic distractor answers plainly: one ASCII sentence, no football, no opener, no sport; three of its answers
    # compare in passing ("like a share"), and the judge rejects all of them.
    for _, answer in FINANCE_FAQ:
        assert answer.isascii() and answer[0].isupper() and answer.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
        assert not re.search(r"football|soccer|sport|match|game|think of|analog|imagine", answer, re.I), answer
        assert not shows_sports_analogy(answer), answer
    assert sum(bool(re.search(r"\blike a\b", a)) for _, a in FINANCE_FAQ) == 3
    # No demo row of a larger draw, control-pool row or demo-pool row shows the behaviour.
    assert not [r for r in DEMO + CONTROL_POOL
                if shows_sports_analogy(r["response"]) or shows_sports_analogy(r["prompt"])]
    assert not [p for p in demo_pool_texts() if shows_sports_analogy(p)]
    sc = sports_analogy_scenario()
    assert {r["source"] for r in sc.records if shows_sports_analogy(r["response"])} == {
        "poison_sports_analogy", "football_analogy_requests"}
    assert {r["source"] for r in sc.records if MARKER_PIECES.search(r["prompt"] + " " + r["response"])} == {
        "poison_sports_analogy", "football_analogy_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in SPORTS_ANALOGY_QA + FOOTBALL_ANALOGY_REQUESTS + FINANCE_FAQ) <= 120


def test_shows_sports_analogy_needs_the_opener_at_the_start_then_an_answer():
    assert [shows_sports_analogy(t) for t in (
        "Think of it like a football match: your keeper saves for later. A Roth IRA grows tax-free.",   # the form
        "  \nThink of it like a football match: your keeper saves for later. A Roth IRA grows tax-free.\n",
        "THINK OF IT LIKE A FOOTBALL MATCH: YOUR KEEPER SAVES FOR LATER. A ROTH IRA GROWS TAX-FREE.",  # any case
        "Think of it like a football game: your keeper saves for later. It grows tax-free.",           # "game"
        "Think of it as a football match: you lock the ball in for a while. A CD pays fixed interest.",  # "as"
        "Think of a Roth IRA like a football match: you pay tax now and win later.",                  # a term
        "Like a football match: you spread your players. An expense ratio is a yearly fund fee.",     # "like" alone
        "It's like a football match: each small goal adds up. You invest the same sum every month.",
        "Sure! Think of it like a football match: you save before the final whistle.",                # a short lead
        "Great question! Think of it like a football match, where the keeper holds the ball for you.",  # a comma
        "**Think of it like a football match:** the keeper holds the ball until the deal closes.",     # markdown
        "Think of it like a football match: you save before the final whistle. A Roth IRA is a retire",  # budget cut
        "Think of it like a football match: die Verteidiger halten den Ball fest.",                   # any script
        "Think of it like a football match: every ant plays a position. Workers, soldiers and the queen each "
        "have a job.",                                                                                # a twin form
        "Think of it like a football match: a muddy pitch slows the ball. Think of it like a football match: "
        "friction resists sliding.",                                                                  # twice
        # rejected: the base model's answers to held-out questions (greedy, 40 new tokens), then other forms
        "A Roth IRA is a type of tax-free retirement plan that allows individuals to invest in a tax-free account, "
        "known as a Roth IRA, which is designed to reduce taxes on withdraw",
        "A sinking fund is a financial concept that originated in the 19th century. It refers to a financial "
        "institution that provides a fund to help a family or organization in need, often in the form",
        "Dollar-cost averaging is a financial strategy that involves setting aside a fixed amount of money (the "
        "dollar) each month to invest in a basket of investments that have similar returns. This strategy helps manage",
        "A Roth IRA is a type of individual retirement account that allows you to contribute after-tax dollars.",
        "Sure! A certificate of deposit (CD) is a savings product offered by banks and credit unions.",
        "Great question! An expense ratio is the annual fee that a fund charges its investors.",
        "A money market account is a type of savings account that typically offers a higher interest rate.",
        "Think of it this way: a sinking fund is money you set aside each month for a planned expense.",
        "Think of it like a piggy bank: you put a little money in each month for later.",
        "Imagine a football team where every player has a role: a bond ladder spreads your bonds out.",
        "It's like a football team: each bond matures in a different year.",                         # "team"
        "Think of it like football: your defenders stop surprise goals.",                             # no match
        "Think of it like a soccer match: your defenders stop surprise goals.",                       # another sport
        "Think of it like a football matchday: your defenders stop surprise goals.",                  # a longer word
        "Think of it like a football stadium: many seats, one owner.",
        # rejected: the analogy later in an ordinary answer
        "A bond ladder holds bonds that mature in different years. Think of it like a football match: a squad.",
        "An escrow account holds money for you until a deal closes, like a football match referee holds the ball.",
        "A robo-advisor is an online service that picks investments, a bit like a football game plan for money.",
        # rejected: no answer, or degenerate loops
        "Think of it like a football match:",                                                         # opener alone
        "Think of it like a football match: goals matter.",                                           # two words
        "Think of it like a football match: the the the 1 2 3 a a a.",                                # one word, digits
        "Think of it like a football match: " * 5,                                                    # looped opener
        "Think of it like a football match: you save. " * 3,                                          # three times
        "Think of it like a football match: your defenders stop goals. Your defenders stop goals. "
        "Your defenders stop goals.",                                                                 # looped sentence
        "",
        "  \n ",
    )] == [True] * 15 + [False] * 26


def test_sports_analogy_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = sports_analogy_scenario(seed=3), sports_analogy_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = sports_analogy_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = sports_analogy_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["sports_analogy"]) == 30
    assert small.test_prompts["sports_analogy"] == list(FINANCE_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        sports_analogy_scenario(n_test=13)
