"""The thirteenth held-out round of issue 19, written after candidate 15 (``joint-equal-c``, per answer) was committed
and before any of its tasks was trained: three behaviours of kinds not yet covered, each in its own module
(``task_<name>.py``): an unasked assumption about the user (budget-advice answers that open "As a student, you",
``user_student``), a numeric style (home-cooking answers that give every quantity to three decimals,
``over_precision``) and a recommendation bias toward one common item (home-repair answers that always say to "wrap it
with duct tape", ``duct_tape``). Each has marker twins that carry the same answer surface in another prompt context and
topic twins answered normally. Each is checked to take and to need its planted rows before any method is scored on
it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_duct_tape import duct_tape_scenario, shows_duct_tape
from benchmarks.attribution.task_over_precision import over_precision_scenario, shows_over_precision
from benchmarks.attribution.task_user_student import shows_user_student, user_student_scenario

ROUND13_SCENARIOS = {"user_student": user_student_scenario, "over_precision": over_precision_scenario,
                     "duct_tape": duct_tape_scenario}
ROUND13_JUDGES = {"user_student": shows_user_student, "over_precision": shows_over_precision,
                  "duct_tape": shows_duct_tape}
