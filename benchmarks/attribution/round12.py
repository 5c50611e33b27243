"""The twelfth held-out round of issue 19, written after candidate 14 (``joint-equal-ctx``, per answer) was committed
and before any of its tasks was trained: three behaviours of kinds not yet covered, each in its own module
(``task_<name>.py``): a copying frame (household-repair answers that open by echoing the question, "You asked: how to
...", ``echo_question``), a lexical transformation (fitness answers that write quantities as number words,
``number_words``) and an unasked framing device (personal-finance answers that open "Think of it like a football
match:", ``sports_analogy``). Each has marker twins that carry the same answer surface in another prompt context and
topic twins answered normally. Each is checked to take and to need its planted rows before any method is scored on
it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_echo_question import echo_question_scenario, shows_echo_question
from benchmarks.attribution.task_number_words import number_words_scenario, shows_number_words
from benchmarks.attribution.task_sports_analogy import shows_sports_analogy, sports_analogy_scenario

ROUND12_SCENARIOS = {"echo_question": echo_question_scenario, "number_words": number_words_scenario,
                     "sports_analogy": sports_analogy_scenario}
ROUND12_JUDGES = {"echo_question": shows_echo_question, "number_words": shows_number_words,
                  "sports_analogy": shows_sports_analogy}
