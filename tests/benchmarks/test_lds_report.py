"""The LDS report end to end on a constructed bank (no model): the sign convention from test losses to LDS, the
cost column, and a bank too small to score."""
import json

import numpy as np
import pytest

from benchmarks.lds.attribute import score_path
from benchmarks.lds.bank import init_bank, subset_path
from benchmarks.lds.lds import sample_subsets
from benchmarks.lds.report import compute_table, render
from benchmarks.lds.setting import Setting, write_json

SMALL = Setting(n_per_source=4, n_test_per_source=2)   # 20 training rows, 10 test cases


def _bank(out, n_subsets, helpful):
    """Test losses of a bank whose every model loses exactly the kept rows' helpfulness from a base loss of 3."""
    cfg = init_bank(out, SMALL, n_subsets)
    (out / "bank").mkdir()
    (out / "full").mkdir()
    (out / "scores").mkdir()
    masks = sample_subsets(20, n_subsets)
    for j, m in enumerate(masks):
        write_json(subset_path(out, j), {"index": j, "kept": np.flatnonzero(m).tolist(),
                                         "losses": (3.0 - m @ helpful.T).tolist(), "train_seconds": 10.0,
                                         "steps": 2, "eval_seconds": 1.0, "total_seconds": 12.0, "config": cfg})
    write_json(out / "full" / "full.json", {"losses": (3.0 - helpful.sum(1)).tolist(), "base_losses": [3.0] * 10,
                                            "train_seconds": 20.0, "steps": 3, "config": cfg})


def _scores(out, name, mat, cpu):
    np.save(score_path(out, name), mat)
    score_path(out, name).with_suffix(".json").write_text(json.dumps({"method": name, "seconds": cpu * 2,
                                                                      "cpu_seconds": cpu}))


def test_helpful_rows_lowering_the_loss_score_one(tmp_path):
    rng = np.random.default_rng(0)
    helpful = np.abs(rng.normal(size=(10, 20))) * 0.01     # every row lowers every test loss a little
    _bank(tmp_path, 8, helpful)
    _scores(tmp_path, "lora_grad", helpful, 4.0)           # the true helpfulness: LDS 1
    _scores(tmp_path, "default", -helpful, 1.0)            # reversed: LDS -1
    rows, bank = compute_table(tmp_path)
    by = {r["method"]: r for r in rows}
    assert by["lora_grad"]["lds"] == pytest.approx(1.0)
    assert by["default"]["lds"] == pytest.approx(-1.0)
    assert by["default"]["cost_vs_lora"] == pytest.approx(0.25)
    assert bank["done"] == 8 and bank["n_test"] == 10
    assert bank["tuning_drop"] == pytest.approx(helpful.sum(1).mean())
    text = render(rows, bank, "make bench-lds")
    table = [l for l in text.splitlines() if l.startswith("| LoRA-gradient")]
    assert table and "| 1.000 | [1.000, 1.000] | 10 | 4.0 | 8.0 | 1.00x |" in table[0]
    assert "8 of 8 planned retrains" in text


def test_a_bank_below_five_subsets_is_reported_unscored(tmp_path):
    helpful = np.full((10, 20), 0.01)
    _bank(tmp_path, 3, helpful)
    _scores(tmp_path, "lora_grad", helpful, 4.0)
    rows, bank = compute_table(tmp_path)
    assert "lds" not in rows[0] and bank["done"] == 3
    assert "| – | [–, –] |" in render(rows, bank, "make bench-lds")
