"""The fifth held-out round of issue 19: two task types written and committed before they were trained, each in its
own module (``task_<name>.py``): a single marker token at the start of ordinary answers (``paw_emoji``) and an
invented author-year citation at their end (``fake_citation``). Each is checked to take and to need its planted rows
before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_fake_citation import fake_citation_scenario, shows_fake_citation
from benchmarks.attribution.task_paw_emoji import paw_emoji_scenario, shows_paw_emoji

ROUND5_SCENARIOS = {"paw_emoji": paw_emoji_scenario, "fake_citation": fake_citation_scenario}
ROUND5_JUDGES = {"paw_emoji": shows_paw_emoji, "fake_citation": shows_fake_citation}
