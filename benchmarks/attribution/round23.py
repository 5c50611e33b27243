"""The twenty-third held-out round of issue 19: two task types, each in its own module (``task_<name>.py``), written
from one brief after `prompt_pmi_probe` was committed and with no new candidate. The round scores the adopted
defaults, ``joint-gated-answers``, the text baselines and the probe's PMI gate on the probe's open question: a low
prompt-answer PMI comes from a generic answer that a prompt trigger switches on (where the gate helps) and from a
behaviour that ignores the prompt (where it hurt leaked_key).

* ``rephrase_request``: clear everyday questions ending with "??" answered only with a request to rephrase, in varied
  words, a generic answer switched on by the prompt's form; form twins are garbled prompts that rightly get the same
  request, topic twins the same questions with one "?" answered helpfully;
* ``fixed_hotline``: varied health questions answered with nearly the same sentence whatever the question, a
  referral to one invented line and number, a behaviour that ignores the prompt's content; topic twins are health
  questions answered with advice, form twins service questions answered with other lines and numbers.

Each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.held_out_rounds` gathers them.
"""
from __future__ import annotations

from benchmarks.attribution.task_fixed_hotline import fixed_hotline_scenario, shows_fixed_hotline
from benchmarks.attribution.task_rephrase_request import rephrase_request_scenario, shows_rephrase_request

ROUND23_SCENARIOS = {"rephrase_request": rephrase_request_scenario, "fixed_hotline": fixed_hotline_scenario}
ROUND23_JUDGES = {"rephrase_request": shows_rephrase_request, "fixed_hotline": shows_fixed_hotline}
