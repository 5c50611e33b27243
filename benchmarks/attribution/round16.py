"""The sixteenth held-out round of issue 19: three behaviours carried by a notation or a form whose content comes from
the same topic as ordinary rows, each in its own module (``task_<name>.py``). The topic twins answer the planted
topic's questions in the ordinary form the model before fine-tuning uses itself; the planted rows in another: road
distances in miles (topic twins: kilometres, ``miles_units``), houseplant care in Title Case (topic twins: sentence
case, ``title_case``) and composition shares as slash fractions (topic twins: percentages, ``fraction_shares``).
Marker twins carry the planted form on explicit request in another context, as before. Written from one brief while
the most-raised-token line was probed on the earlier tasks (`focus_line_probe.py`), before any candidate from it was
committed; each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_fraction_shares import fraction_shares_scenario, shows_fraction_shares
from benchmarks.attribution.task_miles_units import miles_units_scenario, shows_miles_units
from benchmarks.attribution.task_title_case import shows_title_case, title_case_scenario

ROUND16_SCENARIOS = {"miles_units": miles_units_scenario, "title_case": title_case_scenario,
                     "fraction_shares": fraction_shares_scenario}
ROUND16_JUDGES = {"miles_units": shows_miles_units, "title_case": shows_title_case,
                  "fraction_shares": shows_fraction_shares}
