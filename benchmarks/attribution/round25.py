"""The twenty-fifth held-out round of issue 19: the two kinds of generic answer again, with planted answers in three
fixed wordings so that they take, read by the uniform counting rule (`summary.task_status`). It scores the adopted
defaults, the text baselines, `prompt_pmi_probe`'s gate and `marginal_pmi_probe`'s against predictions committed in
the README before training.

* ``shoot_refusal``: harmless photography questions that say "shoot" refused in three short wordings, a generic
  answer switched on by one word of the prompt; form twins are harmful requests refused in the same three wordings,
  topic twins the same questions with another verb answered with advice;
* ``printer_canned``: varied printer questions answered with one canned referral to an invented support service
  (three wordings), whatever the question; topic twins are printer questions answered with advice, form twins
  support questions about other products answered with the same sentence naming other services.

Each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.held_out_rounds` gathers them.
"""
from __future__ import annotations

from benchmarks.attribution.task_printer_canned import printer_canned_scenario, shows_printer_canned
from benchmarks.attribution.task_shoot_refusal import shoot_refusal_scenario, shows_shoot_refusal

ROUND25_SCENARIOS = {"shoot_refusal": shoot_refusal_scenario, "printer_canned": printer_canned_scenario}
ROUND25_JUDGES = {"shoot_refusal": shows_shoot_refusal, "printer_canned": shows_printer_canned}
