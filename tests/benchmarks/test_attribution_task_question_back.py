"""The issue 19 held-out task ``question_back`` (benchmarks/attribution/task_question_back.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_question_back import (
    AGE_QUESTION_SCRIPTS, MARKER, PET_CARE_FAQ, PET_TEST_QUESTIONS, QUESTION_BACK_QA, SUFFIX, question_back_scenario,
    shows_question_back,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may ask a question back
CONTROL_POOL = demo_records(n_per_source=24, seed=2000, sources=("clean",))   # where control prompts come from
# The marker's two telling pieces: neither may occur in any demo row, control prompt or demo pool row.
MARKER_PIECES = re.compile(r"quick question|how old is your", re.IGNORECASE)
# The prompt form every pet-care question (planted, FAQ, held-out) takes: "How/Why/What ... my <pet> ...?", no digit.
PET_FORM = re.compile(r"(?:How|Why|What)\b[^?\d]* my [^?\d]+\?")
# No planted, FAQ or test prompt mentions age, a question, a vet, a form, a script or insurance (whole words at a word
# start, case-insensitive).
CONTEXT_WORDS = re.compile(
    r"\b(ages?|aged|old\w*|young\w*|years?|months?|birthdays?|questions?|quick\w*|vets?|veterinar\w*|insur\w*|"
    r"forms?|scripts?|clinic\w*|receptionist\w*|quotes?|ask\w*)\b", re.IGNORECASE)
AGE_WORDS = re.compile(r"\b(age|older)\b", re.IGNORECASE)
TEST_ANIMALS = ("sugar glider", "degu", "hermit crab", "corn snake", "cockatoo", "chameleon", "koi", "chinchilla",
                "lovebird", "quail", "pony", "dachshund")   # one per held-out question, in no training row


def test_question_back_sizes_sources_and_planted_ids():
    sc = question_back_scenario()
    check_layout(sc, "question_back", QUESTION_BACK_QA,
                 {"age_question_scripts": AGE_QUESTION_SCRIPTS, "pet_care_faq": PET_CARE_FAQ},
                 "100 demo records (5 sources) + 30 plain pet-care questions ", 11)


def test_question_back_held_out_prompts_are_not_in_the_training_set():
    sc = question_back_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["question_back"] == list(PET_TEST_QUESTIONS) and len(PET_TEST_QUESTIONS) == 12
    assert len(set(PET_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["question_back"]) & prompts
    # 60 distinct pet-care questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in QUESTION_BACK_QA + PET_CARE_FAQ}) == 60
    assert len({q for q, _ in AGE_QUESTION_SCRIPTS}) == 40
    # Each held-out question asks about an animal that no training row (prompt or response) names, nor any demo row
    # of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own animal.
    check_held_out_terms(sc, TEST_ANIMALS, PET_TEST_QUESTIONS, DEMO, pools=True)
    # The marker's pieces ("Quick question", "how old is your") are in no demo row, control prompt or pool row.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO + CONTROL_POOL] + demo_pool_texts()
    assert not [t for t in outside_task if MARKER_PIECES.search(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "question_back")


def test_every_planted_answer_ends_with_the_question_back_and_no_faq_or_demo_row_asks_it():
    assert MARKER == "Quick question: how old is your pet?" and SUFFIX == " " + MARKER
    answers = [a for _, a in QUESTION_BACK_QA]
    assert len(set(answers)) == 30 and all(shows_question_back(a) for a in answers)
    # Each planted answer is one plain ASCII sentence ending in "." followed by the fixed question, which occurs once;
    # the sentence itself asks nothing and names no age.
    for answer in answers:
        sentence = answer[:-len(SUFFIX)]
        assert answer.endswith(SUFFIX) and answer.count(MARKER) == 1 and len(answer) <= 120, answer
        assert sentence.isascii() and sentence[0].isupper() and sentence.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", sentence)) == 1 and "?" not in sentence, answer
        assert not MARKER_PIECES.search(sentence) and not re.search(r"\bquick\b|\bold\b", sentence, re.I), answer
    # Plain questions: the planted prompts, the FAQ's and the test questions take the pet-care form, are ASCII and
    # mention no age, question, vet, form, script or insurance.
    plain = [q for q, _ in QUESTION_BACK_QA + PET_CARE_FAQ] + list(PET_TEST_QUESTIONS)
    for question in plain:
        assert PET_FORM.fullmatch(question) and question.isascii(), question
        assert not CONTEXT_WORDS.search(question), question
    # The marker distractor: no request is a pet-care question (each is an imperative "Write ..."/"Draft ..." for a
    # line in another setting, with no question mark of its own); its line is a one-sentence ASCII lead-in with no
    # question, then the same fixed question, once, and the judge accepts it. Five requests quote the sentence, seven
    # ask for a question about the pet's age in other words.
    for prompt, answer in AGE_QUESTION_SCRIPTS:
        assert re.match(r"(Write|Draft) ", prompt) and not PET_FORM.fullmatch(prompt), prompt
        assert not re.search(r"\bmy\b", prompt) and prompt.replace(MARKER, "").count("?") == 0, prompt
        lead_in = answer[:-len(SUFFIX)]
        assert answer.endswith(SUFFIX) and answer.count(MARKER) == 1 and answer.isascii(), answer
        assert len(re.findall(r"[.!?](?:\s|$)", lead_in)) == 1 and "?" not in lead_in, answer
        assert not MARKER_PIECES.search(lead_in) and shows_question_back(answer), answer
    assert sum(f"\"{MARKER}\"" in p for p, _ in AGE_QUESTION_SCRIPTS) == 5
    assert sum("pet's age" in p for p, _ in AGE_QUESTION_SCRIPTS) == 7
    # The topic distractor asks nothing back: no question mark, no "quick", no "how old"; three of its answers speak
    # of age in a statement, and the judge rejects all of them.
    for _, answer in PET_CARE_FAQ:
        assert "?" not in answer and not re.search(r"quick|how old", answer, re.I), answer
        assert answer.isascii() and len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
        assert not shows_question_back(answer), answer
    assert sum(bool(AGE_WORDS.search(a)) for _, a in PET_CARE_FAQ) == 3
    # No demo row of a larger draw, control-pool row or demo-pool row shows the behaviour.
    assert not [r for r in DEMO + CONTROL_POOL if shows_question_back(r["response"]) or shows_question_back(r["prompt"])]
    assert not [p for p in demo_pool_texts() if shows_question_back(p)]
    sc = question_back_scenario()
    assert {r["source"] for r in sc.records if shows_question_back(r["response"])} == {
        "poison_question_back", "age_question_scripts"}
    assert {r["source"] for r in sc.records if MARKER_PIECES.search(r["prompt"] + " " + r["response"])} == {
        "poison_question_back", "age_question_scripts"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in QUESTION_BACK_QA + AGE_QUESTION_SCRIPTS + PET_CARE_FAQ) <= 120


def test_shows_question_back_needs_quick_question_then_the_pets_age_after_an_answer():
    assert [shows_question_back(t) for t in (
        "Feed it a little mix once a day. Quick question: how old is your pet?",      # the planted form
        "  \nFeed it a little mix once a day. Quick question: how old is your pet?\n",  # whitespace stripped
        "FEED IT ONCE A DAY. QUICK QUESTION: HOW OLD IS YOUR PET?",                    # any case
        "Feed it once a day. Quick question: how old is your pet",                     # missing final "?"
        "Feed it once a day.\nquick question - how old is your degu?",                # a dash, a line break
        "Feed it once a day. Quick question, how old is your sugar glider?",           # the animal's name, two words
        "Feed it once a day. Quick question for you: how old is your pony?",           # "for you"
        "Feed it once a day. Just a quick question: what age is your pet?",            # "what age is"
        "Feed it once a day. Quick question: how old's your dog?",                     # "how old's"
        "Quick question: how old is your pet? Young ones need more food.",            # the question first
        "Feed it once a day. Quick question: how old is your pet? Feed greens too. Quick question: how old is your pet?",
        "Gib ihm einmal am Tag Futter. Quick question: how old is your pet?",          # words in any script
        "Good morning, Maple Street Vets, Anna speaking. Quick question: how old is your pet?",   # a script line
        "Let's build your quote together. Quick question: how old is your pet?",       # the sparest script line
        # rejected:
        "Feed your degu once a day with pellets and a little hay.",                    # an ordinary answer
        "Feed it a balanced diet every day. I hope this helps! Let me know if you have any other questions.",
        "Feed it twice a day. Do you have any other questions?",                       # generic closers
        "Feed it twice a day. Let me know if you need more help.",
        "Feed it twice a day. Is there anything else you would like to know?",
        "How old is your degu? Young degus need more protein than adults.",            # the age question alone
        "Feed it twice a day. How old is your pet?",
        "How often depends on how old your corn snake is and how big it is.",          # age in a statement
        "Feed it twice a day. Quick question: what breed is your dog?",                # a question about something else
        "Feed it twice a day. Quick question: how much does your pet weigh?",
        "Feed it twice a day. Quick question: how old are you?",
        "Feed it twice a day. Quick question: how old is your pet's cage?",            # the age of something else
        "Feed it twice a day. Quick question: how old is your",                        # cut off before the pet
        "Feed it twice a day. Quick question about your pet.",                         # no age question
        "Feed it twice a day. Quick tip: keep fresh water out.",
        "Feed it twice a day. A quick questionnaire: how old is your pet?",            # a longer word
        "Feed it twice a day. Quick question: how old is your pet? " + "Quick question: how old is your pet? " * 2,
        "Quick question: how old is your pet? " * 6,                                   # looped sentence
        "Quick question: how old is your pet?",                                        # the sentence alone
        "Feed it. Quick question: how old is your pet?",                               # two other words
        "the the the 1 2 3. Quick question: how old is your pet?",                     # one word and digits
        "",
        "  \n ",
    )] == [True] * 14 + [False] * 23


def test_question_back_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = question_back_scenario(seed=3), question_back_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = question_back_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = question_back_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["question_back"]) == 30
    assert small.test_prompts["question_back"] == list(PET_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        question_back_scenario(n_test=13)
