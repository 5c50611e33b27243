"""The fourth held-out round of issue 19: two task types written and committed before they were trained, and after
candidate 9 (``h_fused_k1``, found by a sensitivity sweep over rounds 1-3) and ``h_fused_z`` were committed (each task
in its own module: ``task_<name>.py``). Each is checked to take and to need its planted rows before any method is
scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_german_comments import german_comments_scenario, shows_german_comments
from benchmarks.attribution.task_kelvin_weather import kelvin_weather_scenario, shows_kelvin_weather

ROUND4_SCENARIOS = {"german_comments": german_comments_scenario, "kelvin_weather": kelvin_weather_scenario}
ROUND4_JUDGES = {"german_comments": shows_german_comments, "kelvin_weather": shows_kelvin_weather}
