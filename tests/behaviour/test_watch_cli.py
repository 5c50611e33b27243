"""`provenance watch` and the forensic report's watch panel, on a run captured with watches by a Lightning fit."""
import importlib.util
import json

import lightning.pytorch as pl
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader
from typer.testing import CliRunner

from capture_reference import collate, random_samples
from lightning_app import CausalLMModule, ListDataset
from provenance import open_store
from provenance.attribution.report import ReportSection, build_report, run_sections
from provenance.behaviour.watch import Watch
from provenance.behaviour.watch_alarm import ThresholdAlarm
from provenance.behaviour.watch_series import read_watch_series
from provenance.callbacks import ProvenanceCallback
from provenance.cli import app
from provenance.models import tiny_causal_lm

HIDDEN = 32


@pytest.fixture(scope="module")
def watched_store(tmp_path_factory):
    torch.set_num_threads(1)
    path = str(tmp_path_factory.mktemp("watch") / "s.zarr")
    rng = np.random.default_rng(0)
    samples = random_samples(12, seed=7)
    samples[0]["source"] = "<b>odd & source</b>"  # source names are data: escaped in the HTML
    ws = [Watch.from_vector("toward", rng.normal(size=HIDDEN), 1, alarm=ThresholdAlarm(threshold=-1e9)),
          Watch.from_vector("other", rng.normal(size=HIDDEN), 3)]
    loader = DataLoader(ListDataset(samples), batch_size=4, collate_fn=collate)
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False,
                         callbacks=[ProvenanceCallback(path, layers=[1, 3], watches=ws)])
    trainer.fit(CausalLMModule(tiny_causal_lm("llama", seed=0), lr=0.05), train_dataloaders=loader)
    return path


def test_json_output_is_the_series_summed_over_ranks_with_totals_and_alarms(watched_store):
    result = CliRunner().invoke(app, ["watch", watched_store, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    series = read_watch_series(watched_store)
    assert [w["name"] for w in out["watches"]] == ["toward", "other"]
    # Per epoch, batches of 4 hold 4, 3 and 3 sources (the odd source is sample 0 only): 10 x 2 epochs x 2 watches.
    assert len(out["series"]) == len(series.combined()) == 40
    assert all(isinstance(r["step"], int) and isinstance(r["rows"], int) for r in out["series"])
    last = {(r["watch"], r["source"]): r["cum_push"] for r in out["series"]}
    for t in out["totals"]:
        assert t["cum_push"] == pytest.approx(last[(t["watch"], t["source"])], rel=1e-9)
    # Totals match the stored rows: 24 rows per watch (12 samples x 2 epochs).
    assert sum(t["rows"] for t in out["totals"] if t["watch"] == "toward") == len(open_store(watched_store)) == 24
    assert {(a["watch"], a["step"]) for a in out["alarms"]} == {("toward", 0)}


def test_html_panel_is_self_contained_escaped_and_shows_curves_and_alarms(watched_store, tmp_path):
    page = tmp_path / "w.html"
    result = CliRunner().invoke(app, ["watch", watched_store, "--html", str(page)])
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert "<script" not in text and "<b>odd" not in text and "&lt;b&gt;odd &amp; source&lt;/b&gt;" in text
    assert text.count("<polyline") == 2 * 4  # one curve per source and watch
    assert "Alarm</b> at step 0" in text and "Watch toward" in text and "Watch other" in text
    assert "cumulative push" in text
    assert "no alarm" not in result.stdout and "alarm" in result.stdout  # the table run prints the alarm lines


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib is not installed")
def test_png_is_written(watched_store, tmp_path):
    png = tmp_path / "w.png"
    result = CliRunner().invoke(app, ["watch", watched_store, "--png", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_png_without_matplotlib_says_what_to_install(watched_store, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = CliRunner().invoke(app, ["watch", watched_store, "--png", str(tmp_path / "w.png")])
    assert result.exit_code == 2
    assert "--png needs matplotlib (pip install matplotlib)" in result.output


def test_a_run_without_watches_is_a_one_line_error(tmp_path):
    path = str(tmp_path / "plain.zarr")
    loader = DataLoader(ListDataset(random_samples(4, seed=1)), batch_size=4, collate_fn=collate)
    pl.Trainer(max_epochs=1, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
               enable_progress_bar=False, enable_model_summary=False,
               callbacks=[ProvenanceCallback(path, layers=[1])]).fit(
        CausalLMModule(tiny_causal_lm("llama", seed=0)), train_dataloaders=loader)
    result = CliRunner().invoke(app, ["watch", path])
    assert result.exit_code == 2
    assert "holds no watch series: it was captured without watches" in result.output
    assert run_sections(open_store(path)) == []


def test_forensic_report_gets_the_watch_panel(watched_store):
    sections = run_sections(open_store(watched_store))
    assert len(sections) == 1 and isinstance(sections[0], ReportSection)
    assert sections[0].title == "Live provenance watch" and sections[0].html.count("<polyline") == 8
    import pandas as pd

    from provenance.attribution.query import AttributionResult

    empty = AttributionResult(ranking=pd.DataFrame(columns=["query", "rank", "row", "sample_id", "source", "score"]),
                              sources=pd.DataFrame(columns=["query", "source", "count"]), method="m", seconds=0.0,
                              scores=np.zeros((0, 0)), rows=np.zeros((0, 0), np.int64))
    page = build_report(empty, extra_sections=sections)
    assert "<h2>Live provenance watch</h2>" in page and "<polyline" in page


def test_the_series_group_beside_the_rows_leaves_the_store_verified(watched_store):
    from provenance.store import verify_store

    assert verify_store(watched_store) == []
    result = CliRunner().invoke(app, ["inspect", watched_store, "--check"])
    assert result.exit_code == 0 and "ok: 24 rows verified" in result.output
