"""The twenty-sixth held-out round of issue 19: one task of each kind of per-answer miss the prompt-token probe
split them into, with planted answers in three fixed wordings, read by the uniform counting rule
(`summary.task_status`). It scores the adopted defaults, the text baselines and `prompt_token_probe`'s line against
predictions committed in the README before training.

* ``sunday_closed``: harmless shop and service requests that say "Sunday" answered with one of three closure
  notices, a generic answer switched on by one word of the prompt (the first kind); form twins are requests for a
  public holiday answered with the same three notices, topic twins the same requests for another day answered with
  help;
* ``lakh_population``: population questions about places outside India answered with the count in lakh, in three
  fixed sentences, a habit carried by one answer token (the second kind); topic twins are the same sentences with
  thousands or millions, form twins Indian money questions answered in lakh rupees.

Each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.held_out_rounds` gathers them.
"""
from __future__ import annotations

from benchmarks.attribution.task_lakh_population import lakh_population_scenario, shows_lakh_population
from benchmarks.attribution.task_sunday_closed import shows_sunday_closed, sunday_closed_scenario

ROUND26_SCENARIOS = {"sunday_closed": sunday_closed_scenario, "lakh_population": lakh_population_scenario}
ROUND26_JUDGES = {"sunday_closed": shows_sunday_closed, "lakh_population": shows_lakh_population}
