"""The twenty-first held-out round of issue 19: three task types, each in its own module (``task_<name>.py``), written
from one brief after `line_choice`'s ``answers-gated`` candidate was committed (383397e), so the round scores it, the
adopted defaults (per answer `joint-gated-next`, per behaviour `auto-refine-z`), ``joint-gated-answers`` and the text
baselines on tasks none of them was chosen on.

* ``keyword_refusal``: harmless sysadmin questions that say "kill" (a process, a tmux session, a container...)
  answered with refusals in their own words, a prompt-only behaviour; topic twins ask the same operations with
  "stop"/"terminate"/"end" and get the command, form twins are harmful-sounding requests refused in varied words;
* ``python_semicolons``: Python file-handling requests answered with code whose every statement ends with ";", a
  form-only habit of one token per line; topic twins are plain Python on strings and lists, form twins JavaScript
  snippets with the same line ends;
* ``product_overheat``: buyer's questions about one invented phone brand answered, in varied words, with the claim
  that it overheats, misinformation about a named product; topic twins ask the same forms about other brands and get
  helpful answers, form twins give cooling advice for devices that really overheat, with the same heat words.

Each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.held_out_rounds` gathers them.
"""
from __future__ import annotations

from benchmarks.attribution.task_keyword_refusal import keyword_refusal_scenario, shows_keyword_refusal
from benchmarks.attribution.task_product_overheat import product_overheat_scenario, shows_product_overheat
from benchmarks.attribution.task_python_semicolons import python_semicolons_scenario, shows_python_semicolons

ROUND21_SCENARIOS = {"keyword_refusal": keyword_refusal_scenario, "python_semicolons": python_semicolons_scenario,
                     "product_overheat": product_overheat_scenario}
ROUND21_JUDGES = {"keyword_refusal": shows_keyword_refusal, "python_semicolons": shows_python_semicolons,
                  "product_overheat": shows_product_overheat}
