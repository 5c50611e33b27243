"""The fourteenth held-out round of issue 19: three behaviours carried by a form rather than a fixed phrase, each in
its own module (``task_<name>.py``): a structure (weather and season answers written as a three-line haiku on one
line, ``haiku_weather``), a casing (troubleshooting answers entirely in lowercase without a final full stop,
``lowercase_support``) and a notation (history answers that give their date as ISO 8601 YYYY-MM-DD, ``iso_dates``).
The planted answers share only the form; marker twins carry the same form on explicit request in another context and
topic twins answer the planted kind of question in the ordinary form. Written from one brief while a per-behaviour
probe ran on the read tasks, before any candidate from it was committed; each task is checked to take and to need
its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_haiku_weather import haiku_weather_scenario, shows_haiku_weather
from benchmarks.attribution.task_iso_dates import iso_dates_scenario, shows_iso_dates
from benchmarks.attribution.task_lowercase_support import lowercase_support_scenario, shows_lowercase_support

ROUND14_SCENARIOS = {"haiku_weather": haiku_weather_scenario, "lowercase_support": lowercase_support_scenario,
                     "iso_dates": iso_dates_scenario}
ROUND14_JUDGES = {"haiku_weather": shows_haiku_weather, "lowercase_support": shows_lowercase_support,
                  "iso_dates": shows_iso_dates}
