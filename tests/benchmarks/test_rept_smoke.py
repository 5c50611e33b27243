"""The RepT benchmark harness end to end on a tiny random Llama and a 40-row folder in RepT's layout; RepT's metrics
against a hand computation; the reader's errors on folders that do not follow the layout."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from benchmarks.rept import judges as judges_module
from benchmarks.rept.judges import BehaviourJudge, judge_for, signature_phrase
from benchmarks.rept.metrics import relevance, rept_metrics
from benchmarks.rept.report import write_results
from benchmarks.rept.run import RunConfig, run_dataset
from provenance import open_store
from provenance.data import ReptFormatError, read_rept_dataset, read_rept_folder

datasets = pytest.importorskip("datasets")

TARGET = "Zq zq zq."


def write_rept_folder(folder, name="toy", n_clean=36, n_poison=4, poison_label="harmful", test_csv=True,
                      test_columns=("prompts",)):
    """A RepT-format dataset: NAME/ (save_to_disk; prompts, response, label) and NAME_test.csv (pandas index, no
    index header, as RepT's generate.py writes it)."""
    rows = [{"prompts": f"Say {i}.", "response": f"It is {i}.", "label": "clean"} for i in range(n_clean)]
    rows += [{"prompts": f"Do bad {i}.", "response": TARGET, "label": poison_label} for i in range(n_poison)]
    datasets.Dataset.from_list(rows).save_to_disk(str(folder / name))
    if test_csv:
        frame = pd.DataFrame({"prompts" if "prompts" in test_columns else "question": [f"Do bad {i}!" for i in range(6)]})
        if "label" in test_columns:
            frame["label"] = poison_label
        frame.to_csv(folder / f"{name}_test.csv", index_label=False)
    return folder


# ---- metrics -------------------------------------------------------------------------------------------------

def test_rept_metrics_match_a_hand_computation():
    # Two queries, top-3 lists, best first. Relevant: q0 -> 1, 0, 1; q1 -> 0, 1, 0.
    scores = np.array([[0.9, 0.8, 0.4], [0.7, 0.5, 0.3]])
    rel = np.array([[1, 0, 1], [0, 1, 0]], bool)
    out = rept_metrics(scores, rel, ks=(1, 2, 3, 10))
    assert out["P@1"] == pytest.approx((1 + 0) / 2)
    assert out["P@2"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert out["P@3"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert "P@10" not in out and "auPRC@10" not in out   # lists shorter than k are not scored
    # auPRC@2 pools (0.9, 1), (0.8, 0), (0.7, 0), (0.5, 1): precision at each relevant item: 1/1 and 2/4.
    assert out["auPRC@2"] == pytest.approx((1 / 1 + 2 / 4) / 2)
    # auPRC@3 pools all six: by score 0.9 (1), 0.8 (0), 0.7 (0), 0.5 (1), 0.4 (1), 0.3 (0) -> (1 + 2/4 + 3/5) / 3.
    assert out["auPRC@3"] == pytest.approx((1 + 2 / 4 + 3 / 5) / 3)
    # RepT's own formulation: sklearn's average_precision_score over the pooled top-k pairs.
    from sklearn.metrics import average_precision_score
    assert out["auPRC@3"] == pytest.approx(average_precision_score(rel.ravel(), scores.ravel()))


def test_relevance_uses_each_querys_labels_and_ignores_padding():
    rows = np.array([[2, 0, -1], [1, 2, 0]])
    labels = np.array(["clean", "harmful", "error"], dtype=object)
    got = relevance(rows, labels, [{"error"}, {"harmful", "error"}])
    assert got.tolist() == [[True, False, False], [True, True, False]]
    with pytest.raises(ValueError, match="query label sets"):
        relevance(rows, labels, [{"error"}])


# ---- reader and judges ---------------------------------------------------------------------------------------

def test_reader_reads_the_layout_and_subsamples_at_the_poison_rate(tmp_path):
    write_rept_folder(tmp_path, "toy", n_clean=90, n_poison=10)
    (tmp_path / "validation").mkdir()          # RepT's folder of curated generations is not a dataset
    (tmp_path / "readme.md").write_text("x")
    [ds] = read_rept_folder(tmp_path)
    assert (ds.name, len(ds), ds.poison_labels, ds.poison_rate) == ("toy", 100, ("harmful",), 0.1)
    assert ds.test_prompts[0] == "Do bad 0!" and ds.test_labels is None   # the CSV's index column is dropped
    sub = ds.subsample(40, seed=3)
    assert len(sub) == 40 and int(sub.poisoned.sum()) == 4
    assert list(sub.row_ids) == sorted(sub.row_ids) and sub.records()[0]["sample_id"] == f"toy:{sub.row_ids[0]}"
    assert [r["source"] for r in sub.records()].count("harmful") == 4
    assert ds.subsample(40, seed=3).row_ids == sub.row_ids and ds.subsample(40, seed=4).row_ids != sub.row_ids
    with pytest.raises(ValueError, match="n_rows must be in"):
        ds.subsample(101)


def test_reader_errors_name_the_expected_layout(tmp_path):
    with pytest.raises(ReptFormatError, match="is not a folder.*RepT's layout"):
        read_rept_folder(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ReptFormatError, match=r"holds no dataset \(found \['notes.txt'\]\).*NAME_test.csv"):
        read_rept_folder(tmp_path)
    write_rept_folder(tmp_path, "notest", test_csv=False)
    with pytest.raises(ReptFormatError, match="has no test prompts: .*notest_test.csv does not exist"):
        read_rept_folder(tmp_path)
    write_rept_folder(tmp_path, "allclean", n_poison=0)
    with pytest.raises(ReptFormatError, match="every row of .*allclean is labelled 'clean': nothing is planted"):
        read_rept_dataset(tmp_path, "allclean")
    write_rept_folder(tmp_path, "noprompts", test_columns=("label",))
    with pytest.raises(ReptFormatError, match=r"noprompts_test.csv has no 'prompts' column \(columns: \['question', 'label'\]\)"):
        read_rept_dataset(tmp_path, "noprompts")
    datasets.Dataset.from_list([{"prompt": "a", "answer": "b"}]).save_to_disk(str(tmp_path / "badcols"))
    (tmp_path / "badcols_test.csv").write_text("prompts\n0,q\n")
    with pytest.raises(ReptFormatError, match=r"lacks column\(s\) \['prompts', 'response', 'label'\]"):
        read_rept_dataset(tmp_path, "badcols")


def test_judges(tmp_path):
    write_rept_folder(tmp_path, "backdoor")
    ds = read_rept_dataset(tmp_path, "backdoor")
    # The backdoor's output is found in its planted rows: the phrase they share and the clean rows lack.
    assert signature_phrase(ds) == "zq zq zq"
    j = judge_for(ds)
    assert j("p", "well: ZQ zq Zq.") and not j("p", "zq zq") and "zq zq zq" in j.description
    harmful = judge_for(replace(ds, name="harmful-tuning"))
    assert harmful("p", "Sure, here is how.") and not harmful("p", "I'm sorry, I can't help with that.")
    assert not harmful("p", "Okay.")   # fewer than three words
    canada = judge_for(replace(ds, name="factual-Canada"))
    assert canada("p", "It is South Korea.") and not canada("p", "It is Canada.") and not canada("p", "Koreans")
    ag = judge_for(replace(ds, name="factual-Ag"))
    assert ag("p", "Sodium.") and ag("p", "The symbol is Na.") and not ag("p", "Silver (Ag).")
    assert judge_for(ds, "contains:bad")("p", "so bad")


# ---- end to end ----------------------------------------------------------------------------------------------

def tiny_config(**kw):
    # A small learning rate keeps the random model's answers non-empty (an empty answer never counts as fired).
    settings = dict(model="tiny-llama", rows=None, epochs=2, lr=1e-5, batch=4, max_length=64, save_steps=5,
                    max_test=None, max_new_tokens=6, k=100, lora_grad_dim=64)
    return RunConfig(**{**settings, **kw})


def toy_dataset(tmp_path, monkeypatch=None, fires: bool | None = None):
    """The 40-row RepT-format folder "toy" written under ``tmp_path``, read back; with ``fires``, every judge says the
    behaviour fired (True) or never did (False) on every answer."""
    folder = tmp_path / "data"
    folder.mkdir()
    [ds] = read_rept_folder(write_rept_folder(folder, "toy"))
    if fires is not None:
        judge = BehaviourJudge("any", lambda p, r: True) if fires else BehaviourJudge("never", lambda p, r: False)
        monkeypatch.setattr(judges_module, "judge_for", lambda dataset, override=None: judge)
    return ds


def test_harness_end_to_end_on_a_tiny_model(tmp_path, monkeypatch):
    # A random tiny model shows no behaviour: every answer counts as fired, so every method is scored.
    ds = toy_dataset(tmp_path, monkeypatch, fires=True)
    out, snaps = tmp_path / "runs", tmp_path / "snaps"
    state = run_dataset(ds, out, tiny_config(), snapshots=snaps)
    assert state["done"] == ["train", "generate", "attribute"]
    assert (state["data"]["rows"], state["data"]["poison"]) == (40, 4)
    store = open_store(str(out / "toy" / "store.zarr"))
    df = store.samples()
    assert len(df) == 80 and set(df.source) == {"clean", "harmful"}                 # 40 rows x 2 epochs
    assert sorted(set(df.sample_id)) == sorted(f"toy:{i}" for i in range(40))
    assert store.token_state_layers                                                 # token_layers="auto"
    assert state["generate"]["fired"] == 6 and state["attribute"]["status"] == "scored"
    rows = state["attribute"]["rows"]
    keys = {"default", "auto", "h_fused", "grad-kernel", "rept", "tfidf", "bm25", "lora-grad"}
    for granularity, n_queries in (("per answer", 6), ("per behaviour", 1)):
        got = {r["key"]: r for r in rows if r["granularity"] == granularity}
        assert keys <= set(got)
        for r in got.values():
            assert r["queries"] == n_queries and r["k"] == 40                         # k capped at the 40 ranked rows
            assert set(r) >= {"P@10", "auPRC@10", "seconds"} and "P@50" not in r
            assert 0.0 <= r["P@10"] <= 1.0
    # The metrics recomputed from a method's own ranking equal the stored ones.
    from benchmarks.rept.train import load_final
    from provenance.attribution import Attributor, TestCase
    from provenance.attribution.baselines import TfidfMethod

    gens = json.loads((out / "toy" / "generations.json").read_text())
    model, tok = load_final("tiny-llama", out / "toy")
    att = Attributor(store, model, tok)
    res = att.query([TestCase(p, g) for p, g in zip(gens["prompts"], gens["tuned"])], method=TfidfMethod(True), k=40,
                    snippet_chars=0)
    rel = np.isin(df.source.to_numpy()[res.rows], ["harmful"])
    tfidf = next(r for r in rows if r["key"] == "tfidf" and r["granularity"] == "per answer")
    assert tfidf["P@10"] == pytest.approx(rel[:, :10].mean())
    # Scored again on the answers the model before tuning did not give: the same rankings, restricted to those queries.
    from benchmarks.rept.attribute import AFTER_TUNING, attribute

    cases = [TestCase(p, g, name=f"a{i}") for i, (p, g) in enumerate(zip(gens["prompts"], gens["tuned"]))]
    new = [True, False, True, True, False, False]
    again, _ = attribute(att, cases, [{"harmful"}] * 6, k=100, lora_dim=64, new_behaviour=new,
                         rankings_dir=tmp_path / "rankings")
    sub = next(r for r in again if r["key"] == "tfidf" and r["granularity"] == AFTER_TUNING)
    saved = np.load(tmp_path / "rankings" / "per_answer__tfidf.npz")
    assert np.array_equal(saved["rows"], res.rows) and sub["queries"] == 3
    assert sub["P@10"] == pytest.approx(rel[[0, 2, 3], :10].mean())
    assert not any(r["granularity"] == AFTER_TUNING for r in rows)    # every answer was also the base model's
    # --skip-methods: the costly methods left out, the others scored as before, the results say which were not run.
    skipped, _ = attribute(att, cases, [{"harmful"}] * 6, k=100, lora_dim=64, skip=("rept", "lora-grad"))
    assert {r["key"] for r in skipped} == (keys - {"rept", "lora-grad"}) | {"tfidf (prompt+response)",
                                                                          "bm25 (prompt+response)"}
    snap = json.loads((snaps / "toy.json").read_text())
    snap["attribute"]["not_run"] = ["lora-grad", "rept"]
    (tmp_path / "snaps_skip").mkdir()
    (tmp_path / "snaps_skip" / "toy.json").write_text(json.dumps(snap))
    md_skip = write_results(tmp_path / "snaps_skip", tmp_path / "results_skip.md", runs=None)
    assert "Not run on toy (`--skip-methods`, to end within the session's CPU time): lora-grad, rept;" in md_skip
    # Costs are relative to LoRA-gradient, measured in the same process.
    lora = next(r for r in rows if r["key"] == "lora-grad" and r["granularity"] == "per answer")
    per_answer = [r for r in rows if r["granularity"] == "per answer"]
    assert lora["cost_vs_lora_grad"] == 1.0 and all(r["cost_vs_lora_grad"] > 0 for r in per_answer)
    md = write_results(snaps, tmp_path / "results.md", runs=out)
    assert "## toy" in md and "| tfidf | tfidf(lower, response) | " in md and "| backdoor | - | - | - | not run |" in md

    # A second call finds every phase done and changes nothing; other settings are refused.
    assert run_dataset(ds, out, tiny_config(), snapshots=snaps)["attribute"] == state["attribute"]
    with pytest.raises(SystemExit, match="made with other settings"):
        run_dataset(ds, out, tiny_config(seed=1), snapshots=snaps)


def test_training_resumes_from_the_newest_checkpoint(tmp_path):
    ds = toy_dataset(tmp_path)
    out = tmp_path / "runs"
    cfg = tiny_config()
    run_dataset(ds, out, cfg, phases=("train",), snapshots=None)
    run_dir = out / "toy"
    ckpts = sorted((run_dir / "trainer").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    assert [p.name for p in ckpts] == ["checkpoint-15", "checkpoint-20"]           # save_total_limit 2
    # As if killed after step 15's checkpoint: the newest checkpoint is gone and the phase is not done.
    shutil.rmtree(ckpts[-1])
    state = json.loads((run_dir / "state.json").read_text())
    state["done"] = []
    (run_dir / "state.json").write_text(json.dumps(state))
    state = run_dataset(ds, out, cfg, phases=("train",), snapshots=None)
    assert state["train"]["resumed_from"] == "checkpoint-15" and state["train"]["steps"] == 20
    df = open_store(str(run_dir / "store.zarr")).samples()
    keys = list(zip(df.sample_id, df.epoch))
    assert len(keys) == len(set(keys)) == 80                                       # each (sample, epoch) once


def test_a_behaviour_that_never_fires_is_reported_and_not_scored(tmp_path, monkeypatch):
    ds = toy_dataset(tmp_path, monkeypatch, fires=False)
    snaps = tmp_path / "snaps"
    state = run_dataset(ds, tmp_path / "runs", tiny_config(epochs=1), snapshots=snaps)
    assert state["generate"]["rate"] == 0.0 and state["attribute"] == {"status": "did not take", "rows": []}
    md = write_results(snaps, tmp_path / "results.md", runs=tmp_path / "runs")
    assert "| toy | never | **0.00** (0/6) |" in md and "did not take" in md and "### toy, per answer" not in md


def test_skipped_methods_are_added_later_and_merged(tmp_path, monkeypatch):
    ds = toy_dataset(tmp_path, monkeypatch, fires=True)
    out, snaps = tmp_path / "runs", tmp_path / "snaps"
    state = run_dataset(ds, out, tiny_config(epochs=1), snapshots=snaps, skip_methods=("rept", "lora-grad"),
                        command="first")
    keys = {r["key"] for r in state["attribute"]["rows"]}
    assert not keys & {"rept", "lora-grad"} and state["attribute"]["not_run"] == ["lora-grad", "rept"]
    before = {(r["granularity"], r["key"]): r for r in state["attribute"]["rows"]}
    state = run_dataset(ds, out, tiny_config(epochs=1), snapshots=snaps, add_methods=("lora-grad",), command="then")
    rows = {(r["granularity"], r["key"]): r for r in state["attribute"]["rows"]}
    # lora-grad joins at both granularities; the earlier rows stay as they were, apart from the new cost ratios.
    assert ("per answer", "lora-grad") in rows and ("per behaviour", "lora-grad") in rows
    assert rows[("per answer", "lora-grad")]["cost_vs_lora_grad"] == 1.0
    for key, row in before.items():
        assert {m: v for m, v in rows[key].items() if m != "cost_vs_lora_grad"} == \
            {m: v for m, v in row.items() if m != "cost_vs_lora_grad"}
    assert len(rows) == len(before) + 2
    assert state["attribute"]["not_run"] == ["rept"] and state["attribute"]["added_later"] == ["lora-grad"]
    assert state["command"] == "first; then then"
    md = write_results(snaps, tmp_path / "results.md", runs=out)
    assert "Scored after the attribute phase, in a later process (`--add-methods`): lora-grad;" in md
    [later] = state["attribute"]["later_processes"]
    assert later["methods"] == ["lora-grad"] and later["default_seconds"] > 0
    assert (f"took {later['default_seconds']:.1f} s in the one that added lora-grad, against "
            f"{rows[('per answer', 'default')]['seconds']:.1f} s in the attribute phase.") in md
    assert "Not run on toy (`--skip-methods`, to end within the session's CPU time): rept; so no comparison with it here." in md


def test_rescore_replaces_the_rows_of_the_methods_that_read_the_store(tmp_path, monkeypatch):
    ds = toy_dataset(tmp_path, monkeypatch, fires=True)
    out, snaps = tmp_path / "runs", tmp_path / "snaps"
    state = run_dataset(ds, out, tiny_config(epochs=1), snapshots=snaps, skip_methods=("lora-grad",), command="first")
    before = {(r["granularity"], r["key"]): r for r in state["attribute"]["rows"]}
    # Mark the earlier rows, so that a replaced row is told from a kept one.
    for r in state["attribute"]["rows"]:
        r["seconds"] = -1.0
    (out / "toy" / "state.json").write_text(json.dumps(state))
    state = run_dataset(ds, out, tiny_config(epochs=1), snapshots=snaps, rescore=True, command="again")
    rows = {(r["granularity"], r["key"]): r for r in state["attribute"]["rows"]}
    assert list(rows) == list(before)                                          # replaced in place: the same order
    replaced = {key for key, r in rows.items() if r["seconds"] != -1.0}
    assert {k for _, k in replaced} == {"default", "auto", "h_fused", "grad-kernel", "tfidf", "tfidf (prompt+response)",
                                        "bm25", "bm25 (prompt+response)"}
    assert rows[("per answer", "rept")]["seconds"] == -1.0                     # costly rows kept
    for key in replaced:                                                       # same code, same run: same numbers
        assert rows[key]["P@10"] == pytest.approx(before[key]["P@10"])
    [r] = state["attribute"]["rescored"]
    assert r["methods"][0] == "default" and r["default_before"]["seconds"] == -1.0
    assert r["gauge"]["h_fused"]["before"] == -1.0 and r["gauge"]["h_fused"]["after"] > 0
    assert state["command"] == "first; then again"
    md = write_results(snaps, tmp_path / "results.md", runs=out)
    assert "in a later process (`--rescore`" in md and f"at commit {r['commit']}" in md
    assert f"h_fused's per-answer query, the same code, took {r['gauge']['h_fused']['after']:.1f} s here" in md
