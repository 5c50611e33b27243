"""The twenty-fourth held-out round of issue 19: round 23's two kinds of behaviour again, written to be easier to
learn, and the first round read by the uniform counting rule (`summary.task_status`: a task under half of its greedy
answers counts by its sampled rate). No new candidate; the round scores the adopted defaults, the text baselines and
`prompt_pmi_probe`'s gate against predictions committed in the README before training.

* ``caps_decline``: everyday questions written in capitals answered only with a short request to ask again without
  them, a generic answer switched on by the prompt's form; form twins are rude prompts in normal case answered with
  the same kind of calm request, topic twins the same kind of questions in sentence case answered;
* ``canned_app``: varied cooking questions answered with one short sentence pointing to an invented app whatever the
  question, a behaviour that ignores the prompt's content; topic twins are cooking questions answered with advice,
  form twins requests for an app answered with the same sentence naming other apps.

Each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.held_out_rounds` gathers them.
"""
from __future__ import annotations

from benchmarks.attribution.task_canned_app import canned_app_scenario, shows_canned_app
from benchmarks.attribution.task_caps_decline import caps_decline_scenario, shows_caps_decline

ROUND24_SCENARIOS = {"caps_decline": caps_decline_scenario, "canned_app": canned_app_scenario}
ROUND24_JUDGES = {"caps_decline": shows_caps_decline, "canned_app": shows_canned_app}
