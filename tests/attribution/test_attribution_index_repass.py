"""`provenance index`: the final-model re-pass written as a run of the store schema, resumable after a kill."""
from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import pytest
from torch.utils.data import DataLoader
from typer.testing import CliRunner

from attribution_helpers import PARTS, tiny_records
from lightning_app import CausalLMModule
from provenance import open_store
from provenance.attribution import Attributor, SignatureMethod, TestCase
from provenance.attribution import repass as repass_mod
from provenance.attribution.repass import write_repass
from provenance.callbacks import ProvenanceCallback
from provenance.data import SFTCollator, SFTDataset
from provenance.models import tiny_causal_lm, tiny_tokenizer

LAYERS = [2, 4]
N = 12


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tok):
    """Tiny llama under the Lightning callback with lr=0 (the final model is the capture-time model), 2 epochs,
    rows of the two epochs in a shuffled order, float32 store."""
    path = str(tmp_path_factory.mktemp("repass") / "s.zarr")
    model = tiny_causal_lm("llama", seed=0)
    ds = SFTDataset(tiny_records(N), tok, max_length=96)
    loader = DataLoader(ds, batch_size=5, shuffle=True, collate_fn=SFTCollator(tok.pad_token_id))
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                         callbacks=[ProvenanceCallback(path, layers=LAYERS, encoding="float32")])
    pl.seed_everything(0)
    trainer.fit(CausalLMModule(model, lr=0.0), train_dataloaders=loader)
    model.zero_grad(set_to_none=True)
    return model, path


def last_epoch(store):
    s = store.samples()
    return np.flatnonzero(s["epoch"].to_numpy() == s["epoch"].max())


def test_repass_run_equals_the_training_time_rows(trained, tok, tmp_path):
    model, path = trained
    src = open_store(path)
    out = str(tmp_path / "final.zarr")
    url, run, rows = write_repass(Attributor(src, model, tok), out_url=out, block_rows=5)
    assert (url, run, rows) == (out, "default-final", N)
    got = open_store(out, run="default-final")
    want_rows = last_epoch(src)
    a, b = src.samples().iloc[want_rows].reset_index(drop=True), got.samples()
    assert b["sample_id"].tolist() == a["sample_id"].tolist()
    assert b["source"].tolist() == a["source"].tolist() and (b["epoch"] == 1).all()
    assert b["prompt_len"].tolist() == a["prompt_len"].tolist()
    for i, r in enumerate(want_rows):
        np.testing.assert_array_equal(got.tokens(i), src.tokens(int(r)))
    np.testing.assert_allclose(b["loss"], a["loss"], rtol=1e-5)
    for layer in LAYERS:
        for part in PARTS:
            x, y = src.array(layer, part, rows=want_rows.tolist()), got.array(layer, part)
            np.testing.assert_allclose(y, x, rtol=1e-4, atol=1e-6 * np.abs(x).max())
    info = got.run_attrs["repass"]
    assert info["of_run"] == "default" and info["epoch"] == 1 and info["rows"] == N
    assert got.run_attrs["layers"] == LAYERS and got.model == src.model


def test_killed_repass_resumes_without_loss_or_duplicates(trained, tok, tmp_path, monkeypatch):
    model, path = trained
    src = open_store(path)
    att = Attributor(src, model, tok)
    out = str(tmp_path / "final.zarr")
    real = repass_mod.run_engine
    calls = {"n": 0}

    def dies_on_the_third_block(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return real(*a, **kw)

    monkeypatch.setattr(repass_mod, "run_engine", dies_on_the_third_block)
    with pytest.raises(KeyboardInterrupt):
        write_repass(att, out_url=out, block_rows=4)
    assert len(open_store(out, run="default-final")) == 8          # the two blocks committed before the kill
    monkeypatch.setattr(repass_mod, "run_engine", real)
    assert write_repass(att, out_url=out, block_rows=4)[2] == N  # resumes at row 8
    whole = str(tmp_path / "whole.zarr")
    write_repass(att, out_url=whole, block_rows=4)   # same batches as the resumed run: bit-identical rows
    got, ref = open_store(out, run="default-final"), open_store(whole, run="default-final")
    assert got.samples()["sample_id"].tolist() == ref.samples()["sample_id"].tolist()
    assert sorted(got.samples()["sample_id"].tolist()) == list(range(N))
    for part in PARTS:
        np.testing.assert_array_equal(got.array(4, part), ref.array(4, part))
    # a finished re-pass resumes to itself; one of other rows is refused unless overwritten
    assert write_repass(att, out_url=out, block_rows=4)[2] == N
    with pytest.raises(ValueError, match="re-pass of something else"):
        write_repass(att, out_url=out, epochs=0)
    assert write_repass(att, out_url=out, epochs=0, overwrite=True)[2] == N


def test_repass_run_queries_like_the_in_memory_repass(trained, tok, tmp_path):
    model, path = trained
    src = open_store(path)
    out = str(tmp_path / "final.zarr")
    write_repass(Attributor(src, model, tok), out_url=out)
    cases = [TestCase(r["prompt"], r["response"] + " more") for r in tiny_records(4)]
    a = Attributor(src, model, tok).query(cases, method=repass_mod.RepassMethod("rept_c", 4), k=6, snippet_chars=0)
    b = Attributor(open_store(out, run="default-final"), model, tok).query(
        cases, method=SignatureMethod("rept_c", 4, "last"), k=6, snippet_chars=0)
    assert a.ranking["sample_id"].tolist() == b.ranking["sample_id"].tolist()
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)


def test_standardized_repass_equals_the_training_time_query(trained, tok):
    """lr=0: the re-pass recomputes the last epoch's rows, so h_fused_z standardized on the re-passed rows (their
    own means and cosine spread) ranks and scores as it does on the stored rows."""
    model, path = trained
    att = Attributor(open_store(path), model, tok)
    cases = [TestCase(r["prompt"], r["response"] + " more") for r in tiny_records(3)]
    a = att.query(cases, method=repass_mod.RepassMethod("h_fused_z", 4), k=6, snippet_chars=0, groups=False)
    b = att.query(cases, method=SignatureMethod("h_fused_z", 4, "last"), k=6, snippet_chars=0, groups=False)
    assert a.ranking["sample_id"].tolist() == b.ranking["sample_id"].tolist()
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-4)
    assert np.abs(b.scores).max() > 0.5        # z-scores, not cosines near 0 or 1 alike


def test_bad_repass_requests(trained, tok, tmp_path):
    model, path = trained
    att = Attributor(open_store(path), model, tok)
    with pytest.raises(ValueError, match="one row per sample"):
        write_repass(att, out_url=str(tmp_path / "x.zarr"), epochs="all")
    with pytest.raises(ValueError, match="not captured"):
        write_repass(att, out_url=str(tmp_path / "x.zarr"), layers=[3])
    with pytest.raises(ValueError, match="cannot overwrite its source run"):
        write_repass(att, out_run="default")


def test_cli_index_then_query(trained, tok, tmp_path, monkeypatch):
    from provenance.attribution import cli as attr_cli
    from provenance.cli import app

    model, path = trained
    monkeypatch.setattr(attr_cli, "_load_model", lambda m, a: (model, tok))
    out = str(tmp_path / "final.zarr")
    res = CliRunner().invoke(app, ["index", path, "--model", "tiny", "--out-store", out, "--out-run", "fin"])
    assert res.exit_code == 0, res.output
    assert f"{out} run 'fin', {N} rows" in res.output
    res = CliRunner().invoke(app, ["query", out, "--run", "fin", "--model", "tiny", "--prompt", "Tell me about apple 0.",
                                   "--response", "The river is number 0.", "-k", "3", "--layer", "4"])
    assert res.exit_code == 0, res.output
    bad = CliRunner().invoke(app, ["index", path, "--model", "tiny", "--epochs", "all", "--out-store", out])
    assert bad.exit_code != 0 and "one row per sample" in bad.output


def test_index_token_layers_give_token_match_the_re_read_ranking(trained, tok, tmp_path, monkeypatch):
    """Per-token states written by the re-pass are the final model's: token match from that run ranks exactly as
    token match re-reading the source run with the same model."""
    import torch

    from provenance.attribution import cli as attr_cli
    from provenance.attribution.token_match import TokenMatchMethod
    from provenance.cli import app

    model, path = trained
    monkeypatch.setattr(attr_cli, "_load_model", lambda m, a: (model, tok))
    out = str(tmp_path / "final.zarr")
    res = CliRunner().invoke(app, ["index", path, "--model", "tiny", "--out-store", out, "--out-run", "fin",
                                   "--token-layers", "3"])
    assert res.exit_code == 0, res.output
    got = open_store(out, run="fin")
    assert got.token_state_layers == [3] and got.run_attrs["token_layers"] == [3]
    with torch.no_grad():
        for i in (0, 5, N - 1):
            ids = torch.as_tensor(got.tokens(i).astype(np.int64))[None]
            ref = model(input_ids=ids, output_hidden_states=True).hidden_states[3][0].numpy()
            np.testing.assert_allclose(got.token_states(3, [i])[0], ref, rtol=1e-4, atol=1e-5)
    base = tiny_causal_lm("llama", seed=1).eval()
    cases = [TestCase("Tell me about apple 0.", "The river is number 0."), TestCase("Tell me about rocket 9.", None)]
    src_att, fin_att = Attributor(open_store(path), model, tok), Attributor(got, model, tok)
    reread = src_att.query(src_att.signatures(cases, [4]), method=TokenMatchMethod(3, N, base=base, states="repass"),
                           k=N, snippet_chars=0)
    stored = fin_att.query(fin_att.signatures(cases, [4]), method=TokenMatchMethod(3, base=base), k=N, snippet_chars=0)
    assert stored.method.endswith("(token states from the store)")
    assert stored.ranking["sample_id"].tolist() == reread.ranking["sample_id"].tolist()
    np.testing.assert_allclose(stored.scores, reread.scores, atol=1e-4)
    bad = CliRunner().invoke(app, ["index", path, "--model", "tiny", "--out-store", out, "--out-run", "x",
                                   "--token-layers", "two"])
    assert bad.exit_code != 0 and "--token-layers" in bad.output
