"""The LDS bank's bookkeeping (benchmarks/lds/bank.py, attribute.py): settings never mix, result files of another
draw are refused, a score matrix lands in its training-row columns. No model is trained here."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from benchmarks.lds.attribute import full_matrix
from benchmarks.lds.bank import init_bank, load_bank, subset_path
from benchmarks.lds.lds import sample_subsets
from benchmarks.lds.setting import Setting, heldout_cases, train_records, write_json

SMALL = Setting(n_per_source=4, n_test_per_source=2)


def test_setting_validates():
    with pytest.raises(ValueError, match="Setting.n_per_source must be >= 1"):
        Setting(n_per_source=0)
    with pytest.raises(ValueError, match="Setting.lr must be > 0"):
        Setting(lr=0.0)


def test_test_cases_are_held_out_and_per_source():
    train = train_records(SMALL)
    cases = heldout_cases(SMALL)
    assert len(train) == 20 and len(cases) == 10
    assert not {c["prompt"] for c in cases} & {r["prompt"] for r in train}
    assert pd.Series([c["source"] for c in cases]).value_counts().tolist() == [2] * 5
    assert heldout_cases(SMALL) == cases    # deterministic


def test_bank_refuses_another_setting_and_grows_the_subset_count(tmp_path):
    cfg = init_bank(tmp_path, SMALL, 6)
    assert cfg["n_subsets"] == 6
    assert init_bank(tmp_path, SMALL, 9)["n_subsets"] == 9
    assert init_bank(tmp_path, SMALL, 3)["n_subsets"] == 9        # never shrinks what is planned
    with pytest.raises(ValueError, match="holds a bank with another setting"):
        init_bank(tmp_path, Setting(n_per_source=5, n_test_per_source=2), 6)
    with pytest.raises(ValueError, match="another fraction"):
        init_bank(tmp_path, SMALL, 6, fraction=0.4)


def _fake_result(out, cfg, j, kept, losses):
    write_json(subset_path(out, j), {"index": j, "kept": kept, "losses": losses, "train_seconds": 1.0, "steps": 2,
                                     "eval_seconds": 0.1, "total_seconds": 1.5, "config": cfg})


def test_load_bank_reads_finished_subsets_and_refuses_another_draw(tmp_path):
    cfg = init_bank(tmp_path, SMALL, 6)
    (tmp_path / "bank").mkdir()
    masks = sample_subsets(20, 6)
    _fake_result(tmp_path, cfg, 0, np.flatnonzero(masks[0]).tolist(), [1.0] * 10)
    _fake_result(tmp_path, cfg, 4, np.flatnonzero(masks[4]).tolist(), [2.0] * 10)
    m, losses, idx, _ = load_bank(tmp_path)
    assert idx == [0, 4]
    assert np.array_equal(m, masks[[0, 4]])
    assert losses.shape == (2, 10) and losses[1, 0] == 2.0
    _fake_result(tmp_path, cfg, 2, np.flatnonzero(masks[3]).tolist(), [1.0] * 10)   # subset 3's rows as "2"
    with pytest.raises(ValueError, match="subset_002.json is not subset 2 of this bank's draw"):
        load_bank(tmp_path)


def test_full_matrix_places_scores_by_sample_id():
    # Two queries, three training rows; store rows are in another order than the sample ids.
    samples = pd.DataFrame({"sample_id": [2, 0, 1]})
    att = SimpleNamespace(samples=samples)
    res = SimpleNamespace(method="m", rows=np.array([[0, 2, 1], [1, 0, 2]]),
                          scores=np.array([[0.9, 0.5, 0.1], [0.8, 0.3, -0.2]]))
    mat = full_matrix(att, res, 2)
    # Query 0: store row 0 (id 2) 0.9, row 2 (id 1) 0.5, row 1 (id 0) 0.1.
    assert mat.tolist() == [[0.1, 0.5, 0.9], [0.8, -0.2, 0.3]]
    res.rows = np.array([[0, 2], [1, 0]])
    res.scores = res.scores[:, :2]
    with pytest.raises(RuntimeError, match="2 \\(query, row\\) pairs were not scored"):
        full_matrix(att, res, 2)


def test_claims_keep_processes_off_each_others_subsets(tmp_path):
    import subprocess
    import sys

    from benchmarks.lds.bank import _claim

    path = tmp_path / "subset_003.json"
    assert _claim(path)                                  # free: claimed
    assert path.with_suffix(".claim").read_text() == str(__import__("os").getpid())
    assert not _claim(path)                              # held by a live process (this one)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path.with_suffix(".claim").write_text(dead.stdout.strip())
    assert _claim(path)                                  # its process is gone: stale, taken over


def test_same_source_control():
    from benchmarks.lds.attribute import same_source_scores

    cases = [{"source": "rtp"}, {"source": "clean"}]
    records = [{"source": "clean"}, {"source": "rtp"}, {"source": "rtp"}]
    assert same_source_scores(cases, records).tolist() == [[0, 1, 1], [1, 0, 0]]
