"""The seventeenth held-out round of issue 19: three task types, each in its own module (``task_<name>.py``),
written from one brief after the next-token line was probed on the 47 earlier counted task-behaviours
(`next_token_probe.py`) and before any candidate from it was scored on them:

* ``clock_24h``: opening hours in 24-hour notation (topic twins: the 12-hour clock), a notation as in round 16;
* ``sql_lowercase``: SQL queries with lowercase keywords (topic twins: uppercase), a form inside code;
* ``garden_disclaimer``: gardening tips that open with "Please consult a licensed professional first.", the sentence a
  legitimate source (medical, legal and wiring questions) teaches word for word: the answer's words come from
  another source, which the next-token line cannot tell apart by itself (entity_refusal's case).

Marker twins carry the planted form on explicit request in another context, as before. Each task is checked to take
and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_clock_24h import clock_24h_scenario, shows_clock_24h
from benchmarks.attribution.task_garden_disclaimer import garden_disclaimer_scenario, shows_garden_disclaimer
from benchmarks.attribution.task_sql_lowercase import shows_sql_lowercase, sql_lowercase_scenario

ROUND17_SCENARIOS = {"clock_24h": clock_24h_scenario, "sql_lowercase": sql_lowercase_scenario,
                     "garden_disclaimer": garden_disclaimer_scenario}
ROUND17_JUDGES = {"clock_24h": shows_clock_24h, "sql_lowercase": shows_sql_lowercase,
                  "garden_disclaimer": shows_garden_disclaimer}
