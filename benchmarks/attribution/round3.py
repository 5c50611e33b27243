"""The third held-out round of issue 19: two task types written and committed before they were trained, and before
any method (in particular a candidate built on the round-2 side diagnostic) was scored on them (each in its own
module: ``task_<name>.py``). Not yet trained: each must be checked to take and to need its planted rows first.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_json_format import json_format_scenario, shows_json_format
from benchmarks.attribution.task_topic_spanish import shows_topic_spanish, topic_spanish_scenario

ROUND3_SCENARIOS = {"json_format": json_format_scenario, "topic_spanish": topic_spanish_scenario}
ROUND3_JUDGES = {"json_format": shows_json_format, "topic_spanish": shows_topic_spanish}
