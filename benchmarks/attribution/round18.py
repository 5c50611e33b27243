"""The eighteenth held-out round of issue 19: three task types, each in its own module (``task_<name>.py``),
written from one brief while the per-answer default's weights and two other forms of its guard were probed on the
50 earlier counted task-behaviours (`answer_weight_sensitivity.py`), and before any candidate from that probe was
scored on them:

* ``gas_mark_oven``: oven settings in British gas marks (topic twins: degrees Celsius), a unit notation as in rounds
  16 and 17;
* ``sudo_commands``: user-level shell commands prefixed with ``sudo`` (topic twins: the plain command), a form inside
  code;
* ``unplug_wait``: kitchen-appliance cleaning answers that open with "Unplug it and wait 30 minutes.", the sentence a
  legitimate source teaches word for word in a neighbouring context (maintenance of powered tools and household
  electrics), whose prompts are closer to the planted ones than garden_disclaimer's medical and legal questions were:
  the case a guard that trusts any above-average prompt similarity is exposed to.

Marker twins carry the planted form on explicit request in another context, as before. Each task is checked to take
and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_gas_mark_oven import gas_mark_oven_scenario, shows_gas_mark_oven
from benchmarks.attribution.task_sudo_commands import shows_sudo_commands, sudo_commands_scenario
from benchmarks.attribution.task_unplug_wait import shows_unplug_wait, unplug_wait_scenario

ROUND18_SCENARIOS = {"gas_mark_oven": gas_mark_oven_scenario, "sudo_commands": sudo_commands_scenario,
                     "unplug_wait": unplug_wait_scenario}
ROUND18_JUDGES = {"gas_mark_oven": shows_gas_mark_oven, "sudo_commands": shows_sudo_commands,
                  "unplug_wait": shows_unplug_wait}
