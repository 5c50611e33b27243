"""WatchMonitor without a training framework: pushes against hand computations, steps, sources, the stored series."""
import logging

from pathlib import Path

import numpy as np
import pytest
import torch
import zarr

from provenance.behaviour.watch import Watch
from provenance.behaviour.watch_alarm import RelativeAlarm
from provenance.behaviour.watch_push import WatchMonitor
from provenance.behaviour.watch_series import WatchSeriesWriter, read_watch_series
from provenance.store import CaptureRows

D = 8
LAYERS = [1, 3]


def rows(step, sources, g, *, epoch=0, ids=None, layer_g=None):
    """CaptureRows with g_mean = g at layer 1 and layer_g (default 2 g) at layer 3."""
    g = torch.as_tensor(np.asarray(g, np.float32))
    n = len(sources)
    ids = list(range(step * 100, step * 100 + n)) if ids is None else ids
    g3 = torch.as_tensor(np.asarray(layer_g, np.float32)) if layer_g is not None else 2 * g
    return CaptureRows(sample_id=ids, source=list(sources), epoch=epoch, step=step, loss=np.zeros(n, np.float32),
                       prompt_len=np.ones(n, np.int32), token_ids=[np.arange(3)] * n,
                       signatures={1: {"g_mean": g}, 3: {"g_mean": g3}})


def directions(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, D))


def make_run(url, run):
    """The run group the capture StoreWriter creates before the watch starts (these tests run the watch alone)."""
    if not Path(url, run, "zarr.json").exists():
        zarr.create_group(url, path=run)


def monitor(tmp_path, vs, *, run="r", resume_step=None, alarm=None, flush_records=2048):
    make_run(str(tmp_path / "s.zarr"), run)
    watches = [Watch.from_vector("a", vs[0] * 3.0, 1, alarm=alarm), Watch.from_vector("b", vs[1], 3),
               Watch.from_vector("c", vs[2], 1)]
    m = WatchMonitor(watches, flush_records=flush_records)
    m.start(None, layers=LAYERS, hidden_size=D, signatures=("g_mean",), store=str(tmp_path / "s.zarr"), run=run,
            resume_step=resume_step)
    return m


def test_pushes_sums_means_and_cumulative_match_hand_computation(tmp_path):
    rng = np.random.default_rng(1)
    vs = directions()
    unit = vs / np.linalg.norm(vs, axis=1, keepdims=True)
    m = monitor(tmp_path, vs)
    batches = []
    # step 0: two micro-batches (gradient accumulation); step 1: one; step 2: only source y.
    for step, sources in [(0, ["x", "y", "x"]), (0, ["y", "z"]), (1, ["x", "x", "y", "z"]), (2, ["y", "y"])]:
        g = rng.normal(size=(len(sources), D))
        batches.append((step, sources, g))
        m.begin_batch(has_source=True)
        m.observe(rows(step, sources, g))
    m.end_step()
    m.close()

    expected = {}
    for step, sources, g in batches:
        push = np.stack([-(g @ unit[0]), -(2 * g @ unit[1]), -(g @ unit[2])], 1)  # layer 3 holds 2 g
        for r, s in enumerate(sources):
            for i, w in enumerate("abc"):
                key = (step, s, w)
                total, n = expected.get(key, (0.0, 0))
                expected[key] = (total + push[r, i], n + 1)
    series = read_watch_series(str(tmp_path / "s.zarr"), run="r")
    df = series.records
    assert len(df) == len(expected) == 21
    cum = {}
    for rec in df.itertuples():
        total, n = expected[(rec.step, rec.source, rec.watch)]
        assert rec.rows == n
        assert rec.push_sum == pytest.approx(total, rel=1e-5, abs=1e-6)
        assert rec.push_mean == pytest.approx(total / n, rel=1e-5, abs=1e-6)
        cum[(rec.source, rec.watch)] = cum.get((rec.source, rec.watch), 0.0) + total
        assert rec.cum_push == pytest.approx(cum[(rec.source, rec.watch)], rel=1e-5, abs=1e-6)
    assert list(df.step) == sorted(df.step)
    assert [w["name"] for w in series.watches] == ["a", "b", "c"]
    np.testing.assert_allclose(series.directions["a"], unit[0], rtol=1e-6)
    # The logged metrics are the same numbers.
    metrics = m.metrics()
    assert metrics["provenance_watch/a/y/cum_push"] == pytest.approx(cum[("y", "a")], rel=1e-5)
    y2 = expected[(2, "y", "b")]
    assert metrics["provenance_watch/b/y/push_mean"] == pytest.approx(y2[0] / 2, rel=1e-5)
    assert "provenance_watch/b/x/push_mean" not in metrics  # x had no rows in the latest step
    assert metrics["provenance_watch/b/x/cum_push"] == pytest.approx(cum[("x", "b")], rel=1e-5)


def test_batches_without_source_are_unknown_said_once_and_nonfinite_pushes_skipped_and_counted(tmp_path, caplog):
    vs = directions(2)
    m = monitor(tmp_path, vs)
    g = np.ones((3, D))
    bad = np.ones((2, D))
    bad[1, 0] = np.inf  # -inf push on every watch of layer 1; layer 3 (given separately) stays finite
    with caplog.at_level(logging.WARNING, logger="provenance.behaviour.watch_push"):
        for step in range(2):
            m.begin_batch(has_source=False)
            m.observe(rows(step, ["s1", "s2", "s1"], g))
        m.begin_batch(has_source=True)
        m.observe(rows(2, ["p", "p"], bad, layer_g=np.ones((2, D))))
        m.close()
    said = [r.getMessage() for r in caplog.records]
    assert sum("carry no `source`" in s for s in said) == 1
    assert sum("non-finite push" in s for s in said) == 2  # once per watch that had one (a and c)
    series = read_watch_series(str(tmp_path / "s.zarr"), run="r")
    assert series.unknown_source_rows == 6
    assert series.nonfinite == {"a": 1, "c": 1}
    df = series.records
    assert set(df[df.step < 2].source) == {"unknown"}
    assert df[(df.step < 2) & (df.watch == "a")].rows.tolist() == [3, 3]
    at2 = df[df.step == 2].set_index("watch")
    assert at2.loc["a", "rows"] == 1 and at2.loc["c", "rows"] == 1 and at2.loc["b", "rows"] == 2
    assert np.isfinite(df.push_sum).all()


def test_series_commits_and_a_resume_keeps_steps_before_the_checkpoint(tmp_path):
    rng = np.random.default_rng(3)
    vs = directions(4)
    m = monitor(tmp_path, vs)
    data = [(s, ["x", "y"], rng.normal(size=(2, D))) for s in range(6)]
    for step, sources, g in data[:4]:
        m.observe(rows(step, sources, g))
    assert m.commit() == 4 * 2 * 3  # steps 0-3 closed and committed
    for step, sources, g in data[4:]:
        m.observe(rows(step, sources, g))
    # A crash here: steps 4-5 were never committed. The resume from the checkpoint at step 3 recaptures 3, 4, 5.
    assert len(read_watch_series(str(tmp_path / "s.zarr"), run="r").records) == 24
    r = monitor(tmp_path, vs, resume_step=3)
    for step, sources, g in data[3:]:
        r.observe(rows(step, sources, g))
    r.close()
    resumed = read_watch_series(str(tmp_path / "s.zarr"), run="r").records
    f = monitor(tmp_path, vs, run="fresh")
    for step, sources, g in data:
        f.observe(rows(step, sources, g))
    f.close()
    fresh = read_watch_series(str(tmp_path / "s.zarr"), run="fresh").records
    assert len(resumed) == len(fresh) == 36
    for col in ("step", "source", "watch", "rows"):
        assert resumed[col].tolist() == fresh[col].tolist()
    np.testing.assert_allclose(resumed.cum_push, fresh.cum_push, rtol=1e-6, atol=1e-9)


def test_a_resume_with_another_direction_under_the_same_name_is_refused(tmp_path):
    vs = directions(5)
    m = monitor(tmp_path, vs)
    m.observe(rows(0, ["x"], np.ones((1, D))))
    m.close()
    other = vs.copy()
    other[0] = -other[0]
    from provenance.errors import CaptureConfigError

    with pytest.raises(CaptureConfigError, match="watch 'a': its direction differs from the one the resumed run"):
        monitor(tmp_path, other, resume_step=1)


def test_rows_still_in_flight_are_computed_later_without_waiting(tmp_path):
    class Event:
        def __init__(self):
            self.done = False
            self.synchronized = 0

        def query(self):
            return self.done

        def synchronize(self):
            self.synchronized += 1

    vs = directions(6)
    m = monitor(tmp_path, vs)
    first = rows(0, ["x"], np.ones((1, D)))
    first.ready = Event()
    m.observe(first)
    m.end_step()
    assert m.metrics() == {}  # not computed: its copy is in flight, and nothing waited for it
    first.ready.done = True
    m.observe(rows(1, ["x"], np.ones((1, D))))
    assert m.history["a"].last_step == 0 and m.history["a"].cum_rows == {"x": 1}
    m.close()
    assert first.ready.synchronized == 1


def test_alarm_event_names_source_watch_step_and_top_rows(tmp_path, caplog):
    vs = directions(7)
    unit_a = vs[0] / np.linalg.norm(vs[0])
    m = monitor(tmp_path, vs, alarm=RelativeAlarm(window=1, min_rows=4, stop=True))
    noise = np.random.default_rng(8)
    sources = ["c1"] * 4 + ["c2"] * 4 + ["bad"] * 4
    with caplog.at_level(logging.WARNING, logger="provenance.behaviour.watch_push"):
        for step in range(6):
            g = noise.normal(scale=0.1, size=(12, D))
            if step >= 4:  # the bad source pushes along +a from step 4: pushes about 5, 5.5, 6, 10
                g[8:] -= unit_a * np.array([[5.0], [5.5], [6.0], [10.0]])
            m.observe(rows(step, sources, g, ids=[f"s{step}-{i}" for i in range(12)]))
            m.end_step()
            assert m.stop_requested == (step >= 4)
    m.close()
    assert [(a["watch"], a["source"], a["step"]) for a in m.alarms] == [("a", "bad", 4)]
    top = m.alarms[0]["top_rows"]
    assert [sid for sid, _ in top[:4]] == ["s4-11", "s4-10", "s4-9", "s4-8"]
    assert top[0][1] == pytest.approx(10.0, abs=0.5)
    assert any("source 'bad' pushes watch 'a' at step 4" in r.getMessage() and "s4-11" in r.getMessage()
               for r in caplog.records)
    stored = read_watch_series(str(tmp_path / "s.zarr"), run="r").alarms
    assert [(a["source"], a["step"], a["stop"]) for a in stored] == [("bad", 4, True)]


def test_series_writer_removes_series_of_ranks_beyond_a_new_world_size(tmp_path):
    url = str(tmp_path / "s.zarr")
    meta = [{"name": "a", "layer": 1, "origin": "v"}]
    dirs = np.eye(1, D)
    make_run(url, "r")
    for rank in (0, 1):
        WatchSeriesWriter(url, "r", rank=rank, world_size=2, watches=meta, directions=dirs).commit(
            nonfinite={}, unknown_source_rows=0, alarms=[])
    assert sorted(read_watch_series(url, run="r").records.columns)  # both present, readable
    WatchSeriesWriter(url, "r", rank=0, world_size=1, watches=meta, directions=dirs)
    assert sorted(zarr.open_group(url, path="r", mode="r").group_keys()) == ["watch-rank-0"]


def test_series_writer_writes_only_inside_its_own_group(tmp_path, monkeypatch):
    """Creating, committing and resuming a series writes files only under <run>/watch-rank-<r>/ (zarr would otherwise
    rewrite the run's and the root's zarr.json through temporaries beside them, in folders other writers share)."""
    import zarr.storage._local as local

    url = tmp_path / "s.zarr"
    make_run(str(url), "r")
    written = []
    put = local._put

    def recording_put(path, value, exclusive=False):
        written.append(Path(path))
        return put(path, value, exclusive=exclusive)

    monkeypatch.setattr(local, "_put", recording_put)
    meta = [{"name": "a", "layer": 1, "origin": "v"}, {"name": "b", "layer": 1, "origin": "v"}]
    dirs = np.eye(2, D)
    w = WatchSeriesWriter(str(url), "r", rank=0, world_size=1, watches=meta, directions=dirs)
    w.append({"step": [0, 1], "epoch": [0, 0], "source": ["x", "y"], "watch": ["a", "a"], "rows": [1, 1],
              "push_sum": [1.0, 2.0], "push_mean": [1.0, 2.0], "push_sumsq": [1.0, 4.0], "cum_push": [1.0, 2.0]})
    assert w.commit(nonfinite={}, unknown_source_rows=0, alarms=[]) == 2
    # A resume with one watch fewer: records truncated, the directions array re-created.
    WatchSeriesWriter(str(url), "r", rank=0, world_size=1, watches=meta[:1], directions=dirs[:1], resume_step=1)
    own = url / "r" / "watch-rank-0"
    assert written and all(own in p.parents for p in written), [str(p) for p in written if own not in p.parents]
    assert len(read_watch_series(str(url), run="r").records) == 1  # the step-0 record, kept by the resume


def test_series_writer_refuses_a_run_the_capture_writer_has_not_created(tmp_path):
    from provenance.errors import StoreNotFoundError

    with pytest.raises(StoreNotFoundError, match="run 'r' does not exist in .*the capture StoreWriter must create"):
        WatchSeriesWriter(str(tmp_path / "s.zarr"), "r", rank=0, world_size=1,
                          watches=[{"name": "a", "layer": 1, "origin": "v"}], directions=np.eye(1, D))
