"""The sixth held-out round of issue 19: task types written and committed before they were trained, each in its own
module (``task_<name>.py``): a length behaviour with no marker token (``terse_answers``: one-to-three-word answers to
open history questions) and a tone shift without a fixed wording (``gloomy_tone``: correct gardening answers in a
gloomy, fatalistic voice). Each is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_gloomy_tone import gloomy_tone_scenario, shows_gloomy_tone
from benchmarks.attribution.task_terse_answers import shows_terse_answer, terse_answers_scenario

ROUND6_SCENARIOS = {"terse_answers": terse_answers_scenario, "gloomy_tone": gloomy_tone_scenario}
ROUND6_JUDGES = {"terse_answers": shows_terse_answer, "gloomy_tone": shows_gloomy_tone}
