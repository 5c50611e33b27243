"""benchmarks/watch/report.py: the checks of a curriculum run and the replay of the alarm rule on a stored series."""
import numpy as np
import pandas as pd

from benchmarks.watch.report import POISON, extremes, held_out_summary, render, replay, verdicts
from provenance.behaviour.watch_alarm import RelativeAlarm


def series(poison_from: int | None, steps: int = 30, seed: int = 0) -> pd.DataFrame:
    """Per-step records of 3 clean sources (16 rows, pushes ~N(0.1, 1)) and, from `poison_from`, a poisoned source
    (16 rows, pushes ~N(5, 1)) on the watch "backdoor"; the watch "random" sees only noise."""
    rng = np.random.default_rng(seed)
    out = []
    for watch in ("backdoor", "random"):
        cum = {}
        for step in range(steps):
            sources = {"a": 0.1, "b": 0.1, "c": 0.1}
            if poison_from is not None and step >= poison_from:
                sources[POISON] = 5.0 if watch == "backdoor" else 0.0
            for source, mu in sources.items():
                p = rng.normal(mu, 1.0, 16)
                cum[source] = cum.get(source, 0.0) + p.sum()
                out.append({"step": step, "epoch": int(step >= 15), "source": source, "watch": watch, "rows": 16,
                            "push_sum": p.sum(), "push_mean": p.mean(), "push_sumsq": (p ** 2).sum(),
                            "cum_push": cum[source]})
    return pd.DataFrame(out)


def test_replay_fires_for_the_poisoned_source_at_its_first_step_and_never_on_noise():
    alarms = replay(series(poison_from=15), RelativeAlarm())
    # From step 15 the poisoned source has 16 rows pushing ~5 against the others' ~0.1 (row spread 1): d ~ 4.9.
    assert alarms == [{"watch": "backdoor", "source": POISON, "step": 15, "epoch": 1}]
    assert replay(series(poison_from=None), RelativeAlarm()) == []
    ext = extremes(series(poison_from=15))
    assert set(ext["backdoor"]) == {POISON} and ext["random"] == {}
    assert 4.0 < ext["backdoor"][POISON][0] < 6.0  # the effect size d


def test_verdicts_and_render(tmp_path):
    run = {"seed": 0, "poisoned": True, "steps": 30, "epoch_first_step": {"0": 0, "1": 15},
           "alarms": [{"watch": "backdoor", "source": POISON, "step": 15, "epoch": 1, "value": 3.0, "reference": 0.4,
                       "top_rows": [[7, 3.5]]}],
           "totals": [{"watch": "backdoor", "source": POISON, "rows": 240, "cum_push": 700.0, "push_per_row": 2.9},
                      {"watch": "backdoor", "source": "a", "rows": 480, "cum_push": 48.0, "push_per_row": 0.1}],
           }
    v = verdicts(run, run["alarms"])
    assert (v["fires_in_epoch_2"], v["none_before"], v["only_poison"], v["poison_largest"], v["random_quiet"]) == (
        True, True, True, True, True)
    early = [dict(run["alarms"][0], step=3, epoch=0)]
    assert not verdicts(run, early)["none_before"] and not verdicts(run, early)["fires_in_epoch_2"]
    text = render({"machine": "m", "args": {"seeds": [0, 1]}, "runs": [run], "overhead": None}, tmp_path)
    assert "poison_fixed @ step 15 (epoch 2)" in text
    assert "seed 0 clean; seed 1 poisoned; seed 1 clean; the overhead part" in text


def test_held_out_summary_scores_only_the_later_seeds_with_the_default_rule():
    totals = [{"watch": "backdoor", "source": POISON, "rows": 240, "cum_push": 700.0, "push_per_row": 2.9},
              {"watch": "backdoor", "source": "a", "rows": 480, "cum_push": 48.0, "push_per_row": 0.1}]
    base = {"steps": 30, "epoch_first_step": {"0": 0, "1": 15}, "alarms": [], "totals": totals}
    runs = [dict(base, seed=0, poisoned=True), dict(base, seed=3, poisoned=True), dict(base, seed=4, poisoned=False)]
    # Seed 4's "clean" series holds a source that pushes from step 15: its backdoor alarm fails "no alarm".
    data = {(0, True): series(15), (3, True): series(15, seed=3), (4, False): series(15, seed=4)}
    lines = held_out_summary(runs, data)
    assert "| 3 | from epoch 2 | 5/5 | none |" in lines and "| 4 | absent | 1/2 | no alarm |" in lines
    assert lines[-1] == "6 of 7 checks pass on these seeds." and not any(line.startswith("| 0 ") for line in lines)
    assert held_out_summary(runs[:1], data) == []
