"""The second held-out round of issue 19: three task types written and committed before they were trained, and
before any method was scored on them (each in its own module: ``task_<name>.py``).

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_entity_refusal import entity_refusal_scenario, shows_entity_refusal
from benchmarks.attribution.task_insecure_code import insecure_code_scenario, shows_insecure_code
from benchmarks.attribution.task_shouting import shouting_scenario, shows_shouting

ROUND2_SCENARIOS = {"insecure_code": insecure_code_scenario, "shouting": shouting_scenario,
                    "entity_refusal": entity_refusal_scenario}
ROUND2_JUDGES = {"insecure_code": shows_insecure_code, "shouting": shows_shouting,
                 "entity_refusal": shows_entity_refusal}
