"""The eleventh held-out round of issue 19, written while the retrained benchmark runs were measured for item 1
(the refinement's settings under candidate 13) and a per-answer refinement was probed on read tasks, and committed
before any of its tasks was trained: three behaviours of kinds not yet covered, each in its own module
(``task_<name>.py``): an answer layout (cooking how-to answers as "Step 1: ... Step 2: ...", ``step_format``), code in
the wrong language (a JavaScript snippet for a Python question, ``js_for_python``) and an unasked follow-up question
(pet-care answers that end "Quick question: how old is your pet?", ``question_back``). Each has marker twins that
carry the same answer surface in another prompt context and topic twins answered normally. Each is checked to take
and to need its planted rows before any method is scored on it; a new candidate, if any, is committed before any
method is scored on them.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_js_for_python import js_for_python_scenario, shows_js_for_python
from benchmarks.attribution.task_question_back import question_back_scenario, shows_question_back
from benchmarks.attribution.task_step_format import shows_step_format, step_format_scenario

ROUND11_SCENARIOS = {"step_format": step_format_scenario, "js_for_python": js_for_python_scenario,
                     "question_back": question_back_scenario}
ROUND11_JUDGES = {"step_format": shows_step_format, "js_for_python": shows_js_for_python,
                  "question_back": shows_question_back}
