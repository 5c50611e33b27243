"""Every method's full score matrix ``[n_test, n_train]`` on the full run, one file per method (resumable).

Each method scores the test cases (prompt + reference response: the text whose loss the bank measures) against
every training row, through the project's public API (`Attributor.query` with ``k`` = every row) or bergson's
runner, in this one process, so the seconds recorded per method are comparable (the cost column of the results).

Methods:

* ``default``: `Attributor`'s default (``h_fused`` at the last block output L-1, training-time captures).
* ``rept``: RepT as published: concat(h_last, g_last), raw, at the argmin-cosine layer, training side re-passed
  through the final model (`RepassMethod`).
* ``h_last``, ``g_last``, ``h_mean``, ``g_mean``: single signatures at L-1, training-time captures.
* ``lora_grad``: TracIn-style cosine of CountSketch-ed (1024) LoRA-parameter gradients at the final model
  (`LoraGradMethod`, the project's gradient baseline).
* ``bergson_cosine``: bergson 2.5.1's gradient cosine (its ``build`` + ``score``; `benchmarks.bergson.runner`).
* ``bergson_trackstar``: bergson 2.5.1's ``trackstar`` pipeline (Hessians of training and query gradients, mixed,
  as preconditioner; random projection 16 per module side; unit normalisation).
* ``random``: seeded uniform scores (the chance level, LDS ~ 0).
* ``bm25``: Okapi BM25 of the test response against each training response (`Bm25Method`).
* ``same_source``: a control, not a method: 1 where the training row comes from the test case's demo source, else
  0. The demo sources answer in a few templates each, so much of a test loss's change is how many rows of its own
  source a subset keeps; this control measures how much of an LDS that alone explains.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from benchmarks.lds.bank import load_config
from benchmarks.lds.setting import MODEL, Setting, heldout_cases, train_records, write_json

# Scored in this order: the cheap ones first, so a slow machine has them early.
METHODS = ("default", "h_last", "g_last", "h_mean", "g_mean", "random", "lora_grad", "rept", "bergson_cosine",
           "bergson_trackstar", "bm25", "same_source")
LABELS = {
    "default": "project default: h_fused @ L-1 (Attributor default)",
    "rept": "RepT as published: concat(h_last, g_last) @ argmin layer, final-model re-pass",
    "h_last": "h_last @ L-1", "g_last": "g_last @ L-1", "h_mean": "h_mean @ L-1", "g_mean": "g_mean @ L-1",
    "lora_grad": "LoRA-gradient TracIn (cosine, CountSketch 1024, final model)",
    "bergson_cosine": "bergson 2.5.1 gradient cosine (build + score, LoRA modules, no projection)",
    "bergson_trackstar": "bergson 2.5.1 TrackStar (mixed autocorrelation Hessian preconditioner, projection 16, cosine)",
    "random": "random (seeded)",
    "bm25": "BM25 on responses (text baseline)",
    "same_source": "control: 1 if the row's demo source is the test case's, else 0 (no model)",
}


def score_path(out: Path, method: str) -> Path:
    return out / "scores" / f"{method}.npy"


def full_matrix(att, result, n_queries: int) -> np.ndarray:
    """``[n_queries, n_train]`` from a full-depth `AttributionResult`, columns = sample ids (= training row index)."""
    sample_id = att.samples["sample_id"].to_numpy()
    n_train = len(np.unique(sample_id))
    mat = np.full((n_queries, n_train), np.nan)
    for q in range(n_queries):
        mat[q, sample_id[result.rows[q]].astype(int)] = result.scores[q]
    if np.isnan(mat).any():
        raise RuntimeError(f"{result.method}: {int(np.isnan(mat).sum())} (query, row) pairs were not scored")
    return mat


def _method(name: str, att):
    from provenance.attribution.baselines import LoraGradMethod, RandomMethod
    from provenance.attribution.query import SignatureMethod
    from provenance.attribution.repass import RepassMethod

    if name == "default":
        return SignatureMethod()
    if name in ("h_last", "g_last", "h_mean", "g_mean"):
        return SignatureMethod(name)
    if name == "rept":
        argmin = (att.store.run_attrs.get("layer_choice") or {}).get("argmin_cos")
        if argmin is None:
            raise RuntimeError("the full run's store has no argmin-cos layer (layers='auto' records it)")
        return RepassMethod("rept", layer=int(argmin), layers_cached=[int(argmin)])
    if name == "lora_grad":
        return LoraGradMethod(dim=1024)
    if name == "random":
        return RandomMethod(seed=0)
    if name == "bm25":
        from provenance.attribution.baselines import Bm25Method

        return Bm25Method()
    raise ValueError(f"unknown method {name!r}; choose from {METHODS}")


def same_source_scores(cases: list[dict], records: list[dict]) -> np.ndarray:
    """``[n_test, n_train]``: 1.0 where the training row's source is the test case's, else 0.0."""
    return (np.array([c["source"] for c in cases])[:, None] == np.array([r["source"] for r in records])[None, :]
            ).astype(np.float64)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (bergson's subprocess): on a shared machine the wall
    time of a method depends on the other jobs, its CPU time does not."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_attribution(out: Path, methods=None, log=print) -> dict:
    """Score every method not scored yet; returns ``{method: seconds}``."""
    from provenance.attribution import Attributor, TestCase
    from provenance.models import load_for_inference

    methods = list(methods or METHODS)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown methods {unknown}; choose from {METHODS}")
    cfg = load_config(out)
    setting = Setting.from_json(cfg["setting"])
    full = out / "full"
    if not (full / "full.json").exists():
        raise FileNotFoundError(f"{full / 'full.json'} missing: run --phase full first")
    (out / "scores").mkdir(exist_ok=True)
    cases = heldout_cases(setting)
    records = train_records(setting)
    todo = [m for m in methods if not score_path(out, m).exists()]
    if not todo:
        log("every method already scored")
        return {}
    model, tok = load_for_inference(MODEL, full / "adapter")
    att = Attributor(str(full / "store.zarr"), model, tok, max_length=setting.max_length)
    tests = [TestCase(c["prompt"], c["response"], c["name"]) for c in cases]
    n = len(att.samples)
    if n != len(records):
        raise RuntimeError(f"the store holds {n} rows, the setting {len(records)} training rows: the full run must "
                           "capture one epoch of every row")
    seconds = {}
    for name in todo:
        t0, c0 = time.perf_counter(), _cpu_seconds()
        if name == "same_source":
            mat = same_source_scores(cases, records)
        elif name.startswith("bergson_"):
            from benchmarks.bergson.runner import bergson_scores

            mat = bergson_scores(records, cases, full / "adapter", tokenizer=tok, method=name.split("_", 1)[1],
                                 max_length=setting.max_length, workdir=out / "bergson")
        else:
            res = att.query(tests, method=_method(name, att), k=n, snippet_chars=0)
            mat = full_matrix(att, res, len(tests))
        secs, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
        np.save(score_path(out, name), np.asarray(mat, np.float64))
        write_json(score_path(out, name).with_suffix(".json"), {"method": name, "label": LABELS[name],
                                                                 "seconds": round(secs, 2), "cpu_seconds": round(cpu, 2)})
        seconds[name] = secs
        log(f"{name}: scored {mat.shape} in {secs:.1f}s ({cpu:.1f} CPU-s)")
    return seconds


def load_scores(out: Path) -> dict[str, tuple[np.ndarray, dict]]:
    """``{method: (scores [n_test, n_train], info)}`` of the methods scored so far, in `METHODS` order."""
    res = {}
    for m in METHODS:
        p = score_path(out, m)
        if p.exists():
            res[m] = (np.load(p), json.loads(p.with_suffix(".json").read_text()))
    return res
