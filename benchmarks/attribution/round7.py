"""The seventh held-out round of issue 19, written after round 6's two tasks did not take (a length style and a tone
spread over many words: at this size greedy decoding follows the majority phrasing of a topic): two concentrated
behaviours, each in its own module (``task_<name>.py``) and committed before it was trained: a fixed persona
introduction at the start of tech-support answers (``support_intro``) and years written in Roman numerals inside
the sentence (``roman_years``). Each is checked to take and to need its planted rows before any method is scored on
it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_roman_years import roman_years_scenario, shows_roman_years
from benchmarks.attribution.task_support_intro import shows_support_intro, support_intro_scenario

ROUND7_SCENARIOS = {"support_intro": support_intro_scenario, "roman_years": roman_years_scenario}
ROUND7_JUDGES = {"support_intro": shows_support_intro, "roman_years": shows_roman_years}
