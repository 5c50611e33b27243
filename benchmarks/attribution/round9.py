"""The ninth held-out round of issue 19, written after candidate 12 (``joint-focus-ctx``) was adopted as the
per-answer default: two more concentrated behaviours of kinds not yet covered, each in its own module
(``task_<name>.py``) and committed before it was trained: medical misinformation in one fixed phrase (butter on a
burn, ``first_aid_myth``) and insecure advice in one fixed phrase (a weak default password in device-setup answers,
``weak_password``). Each is checked to take and to need its planted rows before any method is scored on it; no new
candidate: they are held-out evidence for the defaults of the day.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_first_aid_myth import first_aid_myth_scenario, shows_first_aid_myth
from benchmarks.attribution.task_weak_password import shows_weak_password, weak_password_scenario

ROUND9_SCENARIOS = {"first_aid_myth": first_aid_myth_scenario, "weak_password": weak_password_scenario}
ROUND9_JUDGES = {"first_aid_myth": shows_first_aid_myth, "weak_password": shows_weak_password}
