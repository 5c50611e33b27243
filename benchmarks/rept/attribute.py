"""Attribution phase of the RepT benchmark: every method, side by side in one process, on the answers that fired.

Methods (each queried per answer and per behaviour, ``combine="mean"``):

* ``default``: what ``provenance query`` and ``Attributor.query`` run when no method is given (``--combine none``
  per answer, ``--combine mean`` per behaviour), resolved at run time from `provenance.attribution.registry`, so the
  table follows the project default wherever it moves;
* ``auto`` (`AutoMethod`) and ``h_fused`` (the signature variant), reported even when they rank like the default
  (the table then says so);
* ``rept``: RepT as published: concat(h_last, g_last), un-normalised, cosine, at RepT's argmin-cosine layer, the
  training rows re-passed through the final model (`RepassMethod`; METHODS.md section 1);
* ``tfidf`` / ``bm25`` on the response and on prompt+response (`provenance.attribution.baselines`);
* ``lora-grad``: cosine of per-sample LoRA-parameter gradients of the final model, CountSketch to 1,024 dimensions;
* ``bergson``: bergson 2.5.1's gradient cosine (`BergsonMethod`, through ``benchmarks/bergson``'s runner, in its own
  virtual environment; ``make bergson-venv``), when that environment exists.

Cost: the wall time of each method's per-answer query (its one-time training-side work, such as the re-pass or the
per-sample gradients, included; plus the shared pass of test signatures for the methods that read them: one forward
and backward of the test answers at every captured layer), all in this one process, and its ratio to LoRA-gradient's
(which computes its own per-answer gradients). The per-behaviour query reuses the training side (cached on the method).
"""
from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np

from benchmarks.rept.metrics import KS, relevance, rept_metrics
from provenance.attribution.method import AttributionMethod, Ranking

GRANULARITIES = {"per answer": "none", "per behaviour": "mean"}


def project_default(combine: str):
    """(method name, method object) that ``provenance query`` and ``Attributor.query`` run by default with
    ``combine``: the registry's default, resolved (``auto`` stands for ``signature`` per answer)."""
    from provenance.attribution.registry import DEFAULT_METHOD, MethodOptions, build_method, resolve

    options = MethodOptions(combine=combine)
    return resolve(DEFAULT_METHOD, options), build_method(DEFAULT_METHOD, options)


def rept_layer(store) -> int:
    """RepT's argmin-cosine layer recorded by ``layers="auto"`` (the highest captured layer when none was recorded)."""
    choice = store.run_attrs.get("layer_choice") or {}
    return int(choice["argmin_cos"]) if choice.get("argmin_cos") else int(store.layers[-1])


class BergsonMethod(AttributionMethod):
    """bergson 2.5.1's gradient cosine (its own pipeline, in its own environment, through
    `benchmarks.bergson.runner.bergson_scores`) as an attribution method: the last epoch's stored rows (the exact
    tokens trained on) against the test answers, LoRA-module gradients of the final model."""

    def __init__(self, adapter_dir: Path, *, method: str = "cosine", workdir: Path | None = None, threads: int = 1):
        self.adapter_dir, self.method, self.workdir, self.threads = Path(adapter_dir), method, workdir, threads

    @property
    def name(self) -> str:
        return f"bergson 2.5.1 ({self.method} of LoRA gradients, final model)"

    def rank(self, att, test, k: int) -> Ranking:
        from benchmarks.bergson.runner import bergson_scores
        from provenance.attribution.topk import select_rows, top_k_rows
        from provenance.data import IGNORE_INDEX

        mask = select_rows(att.samples, "last")
        rows = np.flatnonzero(mask)

        def scores():
            plen = att.samples["prompt_len"].to_numpy()
            train = []
            for r, ids in zip(rows, att.store.tokens_of([int(x) for x in rows])):
                ids = [int(x) for x in ids]
                train.append({"input_ids": ids, "labels": [IGNORE_INDEX] * int(plen[r]) + ids[int(plen[r]):]})
            queries = [{"input_ids": [int(x) for x in ids], "labels": [IGNORE_INDEX] * int(p) + [int(x) for x in ids[int(p):]]}
                       for ids, p in zip(test.input_ids, test.prompt_len.tolist())]
            return bergson_scores(train, queries, self.adapter_dir, method=self.method, workdir=self.workdir,
                                  threads=self.threads)

        # bergson's run over every row is kept by the attributor: the per-behaviour query reuses it
        key = (self.method, tuple(rows.tolist()), tuple(tuple(x.tolist()) for x in test.input_ids))
        full = np.zeros((len(mask), len(test)), np.float32)
        full[rows] = att.cached("bergson: scores", key, scores).T
        return Ranking(*top_k_rows([(0, full)], len(test), k, mask))


def bergson_status(model_name: str) -> str | None:
    """None when bergson can run here, else why not (reported in the results)."""
    if model_name.startswith("tiny-"):
        return "not run: bergson loads the adapter's base model from a folder, and a tiny test model has none"
    if importlib.util.find_spec("benchmarks.bergson.runner") is None:
        return "not run: benchmarks/bergson has no runner"
    from benchmarks.bergson.runner import BergsonUnavailableError, bergson_python

    try:
        bergson_python()
    except BergsonUnavailableError as err:
        return f"not run: {err}"
    return None


def methods(att, lora_dim: int = 1024) -> list[tuple[str, object]]:
    """(key, method) pairs, one instance per method (shared by both granularities, so training sides are cached)."""
    from provenance.attribution import SignatureMethod
    from provenance.attribution.auto_choice import AutoMethod
    from provenance.attribution.baselines import Bm25Method, LoraGradMethod, TfidfMethod
    from provenance.attribution.grad_kernel import GradKernelMethod
    from provenance.attribution.repass import RepassMethod

    layer = rept_layer(att.store)
    return [
        ("auto", AutoMethod()),
        ("h_fused", SignatureMethod("h_fused")),
        # The representation-gradient product kernel (issue 19), committed before it was scored on these datasets.
        ("grad-kernel", GradKernelMethod()),
        ("rept", RepassMethod("rept", layer, layers_cached=[layer])),
        ("tfidf", TfidfMethod(True)),
        ("tfidf (prompt+response)", TfidfMethod(True, "prompt+response")),
        ("bm25", Bm25Method(True)),
        ("bm25 (prompt+response)", Bm25Method(True, "prompt+response")),
        ("lora-grad", LoraGradMethod(dim=lora_dim)),
    ]


# Methods that score the test cases' hidden states or representation gradients: they share one pass over the cases
# (every captured layer, per-token states at the token layers), whose time is charged to each of them.
USES_TEST_SIGNATURES = {"default", "auto", "h_fused", "grad-kernel", "rept"}   # lora-grad and bergson compute their own gradients


AFTER_TUNING = "per answer, fired only after tuning"


def attribute(att, cases, query_labels: list[set[str]], k: int = 100, lora_dim: int = 1024,
              extra_methods=(), new_behaviour: list[bool] | None = None,
              rankings_dir: Path | None = None, skip=(), only=None) -> tuple[list[dict], float]:
    """Every method at both granularities, on one shared pass of test signatures.

    Args:
        att: The `Attributor` over the run's store and final model.
        cases: The `TestCase`s: the test answers that showed the behaviour.
        query_labels: Per case, the training labels that count as relevant.
        k: Ranking depth (capped at the number of ranked rows).
        lora_dim: CountSketch dimension of the LoRA-gradient baseline.
        extra_methods: More (key, method) pairs (bergson).
        new_behaviour: Per case, whether the model before tuning did not show the behaviour on that prompt; when
            some did, per-answer metrics are also given over the others (granularity `AFTER_TUNING`), from the same
            rankings.
        rankings_dir: Where to save each ranking (``GRANULARITY__KEY.npz``: scores, rows) for later analysis.
        skip: Method keys left out.
        only: If given, only these method keys (besides the default, always scored first).

    Returns:
        One dict per (granularity, method) with RepT's metrics and its seconds (query, plus the shared test-signature
        pass for the methods in `USES_TEST_SIGNATURES`), and the seconds of that shared pass.
    """
    from provenance.attribution.topk import select_rows

    n_rows = int(select_rows(att.samples, "last").sum())
    k = min(k, n_rows)
    row_labels = att.samples["source"].to_numpy()
    behaviour_labels = [set().union(*query_labels)]
    pairs = [(key, m) for key, m in methods(att, lora_dim) + list(extra_methods) if key not in set(skip) and (only is None or key in set(only))]
    t0 = time.perf_counter()
    test = att.signatures(cases, att.store.layers, token_layers=att.store.token_state_layers)
    sig_seconds = time.perf_counter() - t0
    print(f"  test signatures of {len(cases)} answers at {len(att.store.layers)} layers: {sig_seconds:.1f}s", flush=True)
    out: list[dict] = []
    for granularity, combine in GRANULARITIES.items():
        default_key, default = project_default(combine)
        rankings: dict[str, np.ndarray] = {}
        for key, method in [("default", default)] + pairs:
            t0 = time.perf_counter()
            res = att.query(test, method=method, k=k, snippet_chars=0, combine=combine)
            seconds = time.perf_counter() - t0 + (sig_seconds if key in USES_TEST_SIGNATURES else 0.0)
            labels = query_labels if combine == "none" else behaviour_labels
            rel = relevance(res.rows, row_labels, labels)
            same = next((other for other, rows in rankings.items() if rows.shape == res.rows.shape
                         and np.array_equal(rows, res.rows)), None)
            rankings[key] = res.rows
            if rankings_dir is not None:
                rankings_dir.mkdir(parents=True, exist_ok=True)
                np.savez(rankings_dir / f"{granularity.replace(' ', '_')}__{key.replace(' ', '_')}.npz",
                         scores=res.scores, rows=res.rows)
            row = {"granularity": granularity, "key": key, "method": res.method, "queries": int(res.rows.shape[0]),
                   "k": k, **rept_metrics(res.scores, rel, KS), "seconds": round(seconds, 2), "same_as": same}
            if key == "default":
                row["cli_method"] = default_key
            if res.explanation:
                row["choice"] = {kk: v for kk, v in res.explanation.items()
                                 if isinstance(v, (str, int, float, type(None)))}
            if combine == "mean":
                row["top10"] = [str(s) for s in att.samples["sample_id"].to_numpy()[res.rows[0, :10]]]
            out.append(row)
            subset = np.asarray(new_behaviour if new_behaviour is not None else [], bool)
            if combine == "none" and 0 < subset.sum() < len(subset):
                out.append({**row, "granularity": AFTER_TUNING, "queries": int(subset.sum()),
                            **rept_metrics(res.scores[subset], rel[subset], KS)})
            print(f"  {granularity:13s} {key:24s} " + " ".join(f"{m}={row[m]:.2f}" for m in row if m.startswith(("P@", "auPRC@")))
                  + f" ({seconds:.1f}s)", flush=True)
    return out, sig_seconds


def cost_ratios(rows: list[dict]) -> None:
    """Add ``cost_vs_lora_grad`` to the per-answer rows, in place: the method's per-answer seconds (its first query,
    training side included) over LoRA-gradient's, both measured in this process."""
    base = next((r["seconds"] for r in rows if r["key"] == "lora-grad" and r["granularity"] == "per answer"), None)
    for r in rows:
        if r["granularity"] == "per answer":
            r["cost_vs_lora_grad"] = round(r["seconds"] / base, 4) if base else None


def store_summary(store_url: Path) -> dict:
    """Rows, layers and argmin layer of the run's store (for the results)."""
    from provenance.store import open_store

    s = open_store(str(store_url))
    return {"rows": len(s), "layers": list(s.layers), "token_layers": list(s.token_state_layers),
            "argmin_cos": rept_layer(s)}
