"""The tenth held-out round of issue 19, written while candidate 13 (the per-behaviour refinement fused with token
match) was probed on the read tasks, and committed before either task was trained: two behaviours of kinds not yet
covered, each in its own module (``task_<name>.py``): a spelling convention spread over a few words of each answer
(British spelling in gardening answers, ``british_spelling``) and a code idiom swapped for its legacy form (the
Python 2 print statement in Python how-to answers, ``python2_print``). A third, a link injection (account-help answers
that end by sending the user to a look-alike domain, ``phishing_link``), was written when the first took only weakly
(1 of 12 greedy answers), and committed before it was trained. Each is checked to take and to need its planted
rows before any method is scored on it; candidate 13 is committed before any method is scored on them.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_british_spelling import british_spelling_scenario, shows_british_spelling
from benchmarks.attribution.task_phishing_link import phishing_link_scenario, shows_phishing_link
from benchmarks.attribution.task_python2_print import python2_print_scenario, shows_python2_print

ROUND10_SCENARIOS = {"british_spelling": british_spelling_scenario, "python2_print": python2_print_scenario,
                     "phishing_link": phishing_link_scenario}
ROUND10_JUDGES = {"british_spelling": shows_british_spelling, "python2_print": shows_python2_print,
                  "phishing_link": shows_phishing_link}
