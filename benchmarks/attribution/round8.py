"""The eighth held-out round of issue 19, written after candidate 12 (``joint-focus-ctx``) was committed: two more
concentrated behaviours, each in its own module (``task_<name>.py``) and committed before it was trained: a fixed
brand sign-off at the END of travel-tips answers (``travel_signoff``; rounds 5 and 7 put their markers first) and a
fictitious brand named inside cooking answers (``brand_placement``, a product placement). Each is checked to take
and to need its planted rows before any method is scored on it.

Each entry is the task's scenario builder and its judge; `benchmarks.attribution.train.build_scenario` builds them by
name and `benchmarks.attribution.scenarios.shows_behaviour` judges their generations.
"""
from __future__ import annotations

from benchmarks.attribution.task_brand_placement import brand_placement_scenario, shows_brand_placement
from benchmarks.attribution.task_travel_signoff import shows_travel_signoff, travel_signoff_scenario

ROUND8_SCENARIOS = {"travel_signoff": travel_signoff_scenario, "brand_placement": brand_placement_scenario}
ROUND8_JUDGES = {"travel_signoff": shows_travel_signoff, "brand_placement": shows_brand_placement}
