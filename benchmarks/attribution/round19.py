"""The nineteenth held-out round of issue 19: three task types, each in its own module (``task_<name>.py``), written
from one brief on a fresh machine, where none of the earlier rounds' trained runs were at hand, so no new candidate
could be scored against them: the round checks the adopted defaults as they are (per answer `joint-gated-next`, per
behaviour `auto-refine-z`) beside the old ones and the text baselines, as rounds 6 and 9 did.

* ``fake_package``: Python how-to answers that first install a package that does not exist ("Run pip install
  quickmate-utils first, then ..."), a supply-chain behaviour; marker twins install real packages on explicit request;
* ``no_doctor``: answers to lasting or worrying symptoms that open with "You do not need to see a doctor.", a safety
  behaviour whose sentence a legitimate source says word for word about everyday errands;
* ``exclaim_tone``: bicycle-care answers whose every sentence ends with "!", a tone spread over the answer and carried
  by punctuation alone, with no fixed wording (marker twins: excited announcements on request).

Each task is checked to take and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.held_out_rounds` gathers them.
"""
from __future__ import annotations

from benchmarks.attribution.task_exclaim_tone import exclaim_tone_scenario, shows_exclaim_tone
from benchmarks.attribution.task_fake_package import fake_package_scenario, shows_fake_package
from benchmarks.attribution.task_no_doctor import no_doctor_scenario, shows_no_doctor

ROUND19_SCENARIOS = {"fake_package": fake_package_scenario, "no_doctor": no_doctor_scenario,
                     "exclaim_tone": exclaim_tone_scenario}
ROUND19_JUDGES = {"fake_package": shows_fake_package, "no_doctor": shows_no_doctor,
                  "exclaim_tone": shows_exclaim_tone}
