"""Every held-out round's tasks of issue 19 (rounds 2-26, one ``roundN.py`` each) gathered in one place: their
scenario builders (`HELD_OUT_SCENARIOS`, which `train.build_scenario` builds by name) and their judges
(`HELD_OUT_JUDGES`, which `scenarios.shows_behaviour` calls), in the order the rounds were written."""
from __future__ import annotations

from benchmarks.attribution import (
    round2, round3, round4, round5, round6, round7, round8, round9, round10, round11, round12, round13, round14,
    round15, round16, round17, round18, round19, round20, round21, round22, round23, round24,
    round25, round26,
)

ROUNDS = (round2, round3, round4, round5, round6, round7, round8, round9, round10, round11, round12, round13, round14,
          round15, round16, round17, round18, round19, round20, round21, round22, round23, round24,
          round25, round26)


def _gather(suffix: str) -> dict:
    """One round's ``ROUND<N>_<suffix>`` dicts merged in round order; a task name in two rounds is an error."""
    merged: dict = {}
    for module in ROUNDS:
        number = module.__name__.rsplit("round", 1)[1]
        part = getattr(module, f"ROUND{number}_{suffix}")
        if twice := set(part) & set(merged):
            raise ValueError(f"held-out task names in two rounds: {sorted(twice)}")
        merged.update(part)
    return merged


HELD_OUT_SCENARIOS = _gather("SCENARIOS")
HELD_OUT_JUDGES = _gather("JUDGES")
