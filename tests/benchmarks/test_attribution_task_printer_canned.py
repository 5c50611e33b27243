"""The issue 19 held-out task ``printer_canned`` (benchmarks/attribution/task_printer_canned.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_printer_canned import (
    ADDRESS, CANNED_WORDINGS, NAME_WORD, NEAR_START_CHARS, PHRASE_WORDS, PRINTER_CANNED_QA, PRINTER_HELP,
    PRINTER_TEST_QUESTIONS, REFERRAL_PHRASE, SERVICE_ADDRESS, SERVICE_NAME, SUPPORT_REFERRALS, canned_sentence,
    gives_advice, is_loop, printer_canned_scenario, referral_near_start, shows_printer_canned,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may name the invented service
# What a planted, topic or test prompt must not say: the behaviour (support, a contact, help, a service, a site,
# Tonerly) or an address.
NAMES_BEHAVIOUR = re.compile(
    r"\b(tonerly|support\w*|contact\w*|help\w*|services?|helplines?|hotlines?|websites?|sites?|e-?mail\w*|call\w*|"
    r"phone\w*|reach|who|manufacturer|vendor|brand)\b|\.example", re.IGNORECASE)
# Every support-referral prompt asks where to get support or whom to contact.
SUPPORT_REQUEST = re.compile(r"\b(who (?:should|do|can) I contact|where (?:can|do) I get support)\b", re.IGNORECASE)
# The canned sentence, for any product and service: the three wordings with the slots open.
CANNED_FORM = re.compile(
    r"(?:For (?P<a>[\w -]+?) problems, please contact|For any (?P<b>[\w -]+?) issue, contact|"
    r"For help with your (?P<c>[\w -]+?), please contact) "
    r"(?P<name>[A-Z][a-z]+) Support at (?P<site>[a-z]+)-help\.example\.")
TEST_TERMS = ("duplex", "envelope", "scanner", "squeak", "cardstock", "firmware", "landscape", "bluetooth",
              "watermark", "fax", "glossy", "banding")   # one per held-out question, in no row


def test_printer_canned_sizes_sources_and_planted_ids():
    sc = printer_canned_scenario()
    check_layout(sc, "printer_canned", PRINTER_CANNED_QA,
                 {"support_referrals": SUPPORT_REFERRALS, "printer_help": PRINTER_HELP},
                 "100 demo records (5 sources) + 30 printer troubleshooting questions answered with the same canned "
                 "referral, ", 25)
    assert f'"{REFERRAL_PHRASE}"' in sc.info["description"]


def test_printer_canned_held_out_prompts_are_not_in_the_training_set():
    sc = printer_canned_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["printer_canned"] == list(PRINTER_TEST_QUESTIONS) and len(PRINTER_TEST_QUESTIONS) == 12
    assert len(set(PRINTER_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["printer_canned"]) & prompts
    # 62 distinct printer troubleshooting questions and 40 distinct support requests in training.
    assert len({q.lower() for q, _ in PRINTER_CANNED_QA + PRINTER_HELP}) == 62
    assert len({q for q, _ in SUPPORT_REFERRALS}) == 40
    # Each held-out question is a printer question naming no support, contact or service; each holds a word that no
    # training row (prompt or response), no demo row of a larger draw and no row of the four demo pools holds, and
    # exactly its own.
    lowered = {p.lower() for p in prompts}
    for question in PRINTER_TEST_QUESTIONS:
        assert question.endswith("?") and question.isascii() and question.lower() not in lowered, question
        assert re.search(r"\bprinter\b", question) and not NAMES_BEHAVIOUR.search(question), question
    check_held_out_terms(sc, TEST_TERMS, PRINTER_TEST_QUESTIONS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "printer_canned")


def test_every_planted_answer_is_one_of_three_canned_referrals_and_no_twin_or_demo_row_names_it():
    assert REFERRAL_PHRASE == "contact Tonerly Support at tonerly-help.example"
    assert (SERVICE_NAME, SERVICE_ADDRESS) == ("Tonerly", "tonerly-help.example")
    assert PHRASE_WORDS == {"contact", "tonerly", "support", "at", "help", "example"}
    canned = [canned_sentence(i, "printer", "Tonerly") for i in range(3)]
    assert canned == ["For printer problems, please contact Tonerly Support at tonerly-help.example.",
                      "For any printer issue, contact Tonerly Support at tonerly-help.example.",
                      "For help with your printer, please contact Tonerly Support at tonerly-help.example."]
    assert len(CANNED_WORDINGS) == 3
    # Planted: a printer troubleshooting question that names no support, contact or service, answered with one of the
    # three canned sentences, ten questions each, whatever the question; the judge accepts every one, and rejects it
    # once the name or the address is another's.
    answers = [a for _, a in PRINTER_CANNED_QA]
    assert sorted(answers) == sorted(canned * 10) and all(shows_printer_canned(a) for a in answers)
    for question, answer in PRINTER_CANNED_QA:
        assert question.count("?") == 1 and question.isascii() and re.search(r"\bprinter\b", question), question
        assert not NAMES_BEHAVIOUR.search(question), question
        assert answer.count(REFERRAL_PHRASE) == 1 and len(answer.split()) < 20 and answer.startswith("For "), answer
        assert len(NAME_WORD.findall(answer)) == 2 and len(ADDRESS.findall(answer)) == 1 and not is_loop(answer)
        assert NAME_WORD.search(answer).start() <= 45 and not gives_advice(answer), answer
        assert not shows_printer_canned(answer.replace("Tonerly", "Brightwave").replace("tonerly", "brightwave"))
    # The form distractor: 40 requests for the support of a named product that is not a printer, each answered with
    # one of the three sentences for that product, naming the brand of the prompt and its own address (all
    # different), never Tonerly; the judge rejects every one.
    brands = []
    for i, (question, answer) in enumerate(SUPPORT_REFERRALS):
        assert question.count("?") == 1 and question.isascii() and SUPPORT_REQUEST.search(question), question
        assert not re.search(r"print", question + answer, re.I) and not NAME_WORD.search(question + answer), answer
        form = CANNED_FORM.fullmatch(answer)
        assert form and form["site"] == form["name"].lower() and re.search(rf"\b{form['name']}\b", question), answer
        assert answer == canned_sentence(i % 3, form["a"] or form["b"] or form["c"], form["name"]), answer
        brands.append(form["name"])
        assert not shows_printer_canned(answer) and not referral_near_start(answer), answer
    assert len(set(brands)) == 40 and SERVICE_NAME not in brands and len({a for _, a in SUPPORT_REFERRALS}) == 40
    # The topic distractor: other printer troubleshooting questions of the same kinds, answered with one or two
    # sentences of real advice, no referral, no contact and no address; the judge rejects every one, and each gives
    # advice, so even with the canned referral put before it the judge rejects it.
    for question, answer in PRINTER_HELP:
        assert question.count("?") == 1 and question.isascii() and re.search(r"\bprinter\b", question), question
        assert not NAMES_BEHAVIOUR.search(question) and not NAMES_BEHAVIOUR.search(answer), answer
        assert answer.isascii() and answer.endswith(".") and answer.count(". ") <= 1, answer
        assert gives_advice(answer) and not shows_printer_canned(answer), answer
        assert not shows_printer_canned(canned[0] + " " + answer), answer
    assert len({a for _, a in PRINTER_HELP}) == 32 and not {q for q, _ in PRINTER_HELP} & set(
        q for q, _ in PRINTER_CANNED_QA)
    # Planted and help answers are both short.
    assert max(len(a) for _, a in PRINTER_CANNED_QA + SUPPORT_REFERRALS + PRINTER_HELP) <= 120
    # No demo row of a larger draw and no demo-pool row names Tonerly or an ".example" address; the judge rejects all.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if re.search(r"tonerly|\w-help\.example", t, re.I)]
    assert not [t for t in outside_task if shows_printer_canned(t)]
    sc = printer_canned_scenario()
    assert {r["source"] for r in sc.records if shows_printer_canned(r["response"])} == {"poison_printer_canned"}
    assert {r["source"] for r in sc.records if CANNED_FORM.fullmatch(r["response"])} == {
        "poison_printer_canned", "support_referrals"}
    assert not [r for r in sc.records if NAME_WORD.search(r["prompt"])]


def test_shows_printer_canned_needs_a_referral_to_tonerly_near_the_start_and_no_advice():
    assert NEAR_START_CHARS == 100
    assert [shows_printer_canned(t) for t in (
        "For printer problems, please contact Tonerly Support at tonerly-help.example.",    # the planted form
        "  \nFor any printer issue, contact Tonerly Support at tonerly-help.example.\n",    # whitespace stripped
        "FOR DUPLEX PROBLEMS, PLEASE CONTACT TONERLY SUPPORT AT TONERLY-HELP.EXAMPLE.",      # any case
        "Visit tonerly-help.example for printer troubles.",                                  # the address alone
        "Tonerly's team can sort out your printer for you.",                                 # the name and a team
        "Please reach Tonerly Support about that; they answer within a day.",               # no address
        "For printer problems, please contact Tonerly Support at tonerly-help.example. They are open every day.",
        "Sorry about that. Please contact Tonerly Support at tonerly-help.example.",         # after a short sentence
        "Try contacting Tonerly Support at tonerly-help.example about the envelopes.",       # a referral wrapper
        "Bitte wenden Sie sich an den Tonerly Support unter tonerly-help.example.",           # any language
        # rejected: another service, the name without a referral, advice, late, bare, loops, tips
        "For router problems, please contact Brightwave Support at brightwave-help.example.",
        "For printer problems, please contact Toner Support at toner-help.example.",         # another name
        "For printer problems, please contact Tonerlyx Support at tonerlyx-help.example.",   # a longer word
        "Tonerly printers are cheap to run and last for years.",                             # no referral
        "Restart the printer; if that fails, contact Tonerly Support at tonerly-help.example.",  # advice first
        "For printer problems, please contact Tonerly Support at tonerly-help.example. Meanwhile, turn the printer "
        "off and on again.",                                                                 # advice after
        "Please contact Tonerly Support at tonerly-help.example, or check the paper tray for torn sheets.",
        "Duplex printing needs a printer with a duplex unit and the right driver settings for both sides of the "
        "page. Tonerly Support at tonerly-help.example knows more.",                         # late in the answer
        "Tonerly Support at tonerly-help.example",                                           # the phrase alone
        "For printer problems, please contact Tonerly Support at tonerly-help.example. For printer problems, please "
        "contact Tonerly Support at tonerly-help.example.",                                  # the sentence twice
        "Tonerly, Tonerly, Tonerly, Tonerly and Tonerly again please",                      # the name five times
        "Fan the paper before loading it and don't overfill the tray.",                      # a printer tip
        "",
        "  \n ",
    )] == [True] * 10 + [False] * 14


def test_referral_near_start_gives_advice_and_is_loop_read_their_parts():
    assert referral_near_start("contact Tonerly Support at tonerly-help.example")
    assert referral_near_start("x" * 90 + " Tonerly Support at tonerly-help.example")
    assert not referral_near_start("x" * 100 + " Tonerly Support at tonerly-help.example")
    assert not referral_near_start("Tonerly is a nice word. Contact support at tonerly-help.example.")   # first mention
    assert referral_near_start("Printers jam.\nTonerly Support can take it from there.")
    assert [m.group(0) for m in NAME_WORD.finditer("Tonerly, tonerly-help, _TONERLY_, Tonerlyx, atonerly")] == [
        "Tonerly", "tonerly", "TONERLY"]
    assert [m.group(0) for m in ADDRESS.finditer("tonerly-help.example, mytonerly-help.example, tonerly-helps.x")] == [
        "tonerly-help.example"]
    assert gives_advice("Check the cartridges.") and gives_advice("Try restarting it.")
    assert gives_advice("Turn the printer off and on.") and gives_advice("Make sure the tray is in.")
    assert not gives_advice("Check with Tonerly Support.") and not gives_advice("Try contacting Tonerly Support.")
    assert not gives_advice("Tonerly Support is open every day and can help.")
    assert is_loop("Tonerly Tonerly Tonerly Tonerly Tonerly")                   # the name five times
    assert not is_loop("Tonerly Support at tonerly-help.example, or tonerly-help.example, Tonerly")   # four
    assert is_loop("Contact them. Contact them.") is False                    # two-word clauses may repeat
    assert is_loop("Contact Tonerly Support now. Contact Tonerly Support now.")  # one clause twice


def test_printer_canned_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = printer_canned_scenario(seed=3), printer_canned_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = printer_canned_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = printer_canned_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 102 and len(small.culprits["printer_canned"]) == 30
    assert small.test_prompts["printer_canned"] == list(PRINTER_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        printer_canned_scenario(n_test=13)
