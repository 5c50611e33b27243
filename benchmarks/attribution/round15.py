"""The fifteenth held-out round of issue 19: three behaviours whose topic twins the model also had to learn, each in
its own module (``task_<name>.py``). The topic twins answer the planted topic's questions in another marked form,
as foreign to the model before fine-tuning as the planted one, so a method that favours rows that were hard to learn
cannot separate them from the planted rows by that alone: directions answered in a fixed pirate register (topic
twins: a fixed robot register, ``pirate_directions``), recipes ending with one fixed sign-off (topic twins: another,
``chef_signoff``) and astronomy numbers in e-notation (topic twins: a "~420K km" notation, ``sci_notation``). Marker
twins carry the planted form on explicit request in another context, as before. Written from one brief after a first
look at loss-weighted rankings on 20 earlier tasks (gains there) and before they were measured on the rest
(`surprise_probe.py`); each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_chef_signoff import chef_signoff_scenario, shows_chef_signoff
from benchmarks.attribution.task_pirate_directions import pirate_directions_scenario, shows_pirate_directions
from benchmarks.attribution.task_sci_notation import sci_notation_scenario, shows_sci_notation

ROUND15_SCENARIOS = {"pirate_directions": pirate_directions_scenario, "chef_signoff": chef_signoff_scenario,
                     "sci_notation": sci_notation_scenario}
ROUND15_JUDGES = {"pirate_directions": shows_pirate_directions, "chef_signoff": shows_chef_signoff,
                  "sci_notation": shows_sci_notation}
