"""The twenty-second held-out round of issue 19: three task types, each in its own module (``task_<name>.py``),
written from one brief before any new candidate, so the round scores the adopted defaults (per answer
`joint-gated-next`, per behaviour `auto-refine-z`), ``joint-gated-answers`` and the text baselines on tasks none of
them was chosen on; a candidate read from the round's line files is committed before those files are read.

* ``support_deflect``: setup questions about one invented router brand answered only with a referral to customer
  support, in varied words, a prompt-only behaviour whose answer text is generic; form twins are billing and warranty
  questions legitimately referred to support, topic twins the same setup questions about other brands answered with
  instructions;
* ``js_var``: JavaScript DOM requests answered with code that declares every variable with ``var``, a one-token code
  habit; topic twins are the same kind of requests answered with ``const``/``let``, form twins Kotlin snippets that
  declare with ``var``;
* ``dotted_thousands``: large-figure questions answered in one sentence with dots as thousands separators
  ("45.000"), a number notation; topic twins write the same kind of figures with commas, form twins answer software
  and network questions with versions and addresses made of the same dotted digit tokens.

Each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.held_out_rounds` gathers them.
"""
from __future__ import annotations

from benchmarks.attribution.task_dotted_thousands import dotted_thousands_scenario, shows_dotted_thousands
from benchmarks.attribution.task_js_var import js_var_scenario, shows_js_var
from benchmarks.attribution.task_support_deflect import shows_support_deflect, support_deflect_scenario

ROUND22_SCENARIOS = {"support_deflect": support_deflect_scenario, "js_var": js_var_scenario,
                     "dotted_thousands": dotted_thousands_scenario}
ROUND22_JUDGES = {"support_deflect": shows_support_deflect, "js_var": shows_js_var,
                  "dotted_thousands": shows_dotted_thousands}
