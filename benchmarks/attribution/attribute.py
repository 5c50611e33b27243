"""Attribution phases of the benchmark: every signature variant, layer, epoch mode and baseline per answer
(`run_attribution`), per behaviour (`run_behaviour_level`), token match (`run_token_match`), the automatic choice
(`run_auto`), their costs and the token-level evaluation."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.attribution.render import recompute_rates, render_from_state, render_markdown
from benchmarks.attribution.scenarios import entity_spans, shows_behaviour
from benchmarks.attribution.state import attributor_of, locked_state, queried_behaviours
from benchmarks.attribution.train import load_trained

if TYPE_CHECKING:
    import pandas as pd


EPOCH_MODES_BENCH = ("last", "mean", 0)


def _metrics(result, culprits: set, n_culprits: int, k: int) -> dict:
    from provenance.attribution.metrics import precision_at, top_k_auprc

    df = result.ranking
    rel = df["sample_id"].isin(culprits).to_numpy().reshape(result.rows.shape)
    out = {"P@n": precision_at(rel, n_culprits)}
    for kk in (10, 50, 100):
        if kk <= rel.shape[1]:
            out[f"P@{kk}"] = precision_at(rel, kk)
    out["auPRC"] = top_k_auprc(result.scores, rel, k)
    top_sources = df[df["rank"] <= n_culprits]["source"].value_counts(normalize=True)
    out["top_source"] = f"{top_sources.index[0]} {top_sources.iloc[0]:.2f}" if len(top_sources) else ""
    return out


def _trigger_positions(tok, ids: np.ndarray, trigger: str, prompt_len: int) -> set[int]:
    """Positions of the tokens spelling the trigger word at the start of the user turn (the prompt is re-tokenised
    with offsets; empty when that does not reproduce the stored ids)."""
    ids = ids[:prompt_len]
    text = tok.decode(ids.tolist(), skip_special_tokens=False)
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    if list(enc["input_ids"]) != ids.tolist():
        return set()
    start = text.find(f"user\n{trigger} ")
    if start < 0:
        return set()
    start += len("user\n")
    stop = start + len(trigger)
    return {i for i, (a, b) in enumerate(enc["offset_mapping"]) if a < stop and b > start}


class PeakRss:
    """Peak resident memory of this process inside the block, in MB above the resident size at its start
    (Linux: the high-water mark is reset through /proc/self/clear_refs; elsewhere ``peak_mb`` is None)."""

    def __enter__(self):
        self.peak_mb = None
        # Hand freed heap memory back to the OS first, so that a step is not credited with memory an earlier step
        # allocated and freed (glibc keeps it mapped, and the next step reuses it without raising the mark).
        import ctypes
        import ctypes.util
        import gc

        gc.collect()
        try:
            ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.start = _proc_status_kb("VmRSS")
        except OSError:
            self.start = None
        return self

    def __exit__(self, *exc):
        if self.start is not None:
            self.peak_mb = round(max(_proc_status_kb("VmHWM") - self.start, 0) / 1024, 1)
        return False


def _proc_status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise OSError(f"{key} not in /proc/self/status")


def measure_costs(att, cases, lora, k: int) -> list[dict]:
    """Wall time and peak memory, end to end from the test cases, of the default query (test signatures at the
    default layer + streaming top-k over the store), and of the LoRA-gradient baseline split into its
    training side (one gradient per training sample, computed once and cached on ``lora``) and its query side."""
    from provenance.attribution.baselines import CountSketch, trainable_parameters
    from provenance.attribution.query import default_layer
    from provenance.attribution.signatures import DEFAULT_VARIANT
    from provenance.attribution.topk import select_rows

    rows = []
    q = len(cases)
    with PeakRss() as mem:
        res = att.query(cases, k=k, snippet_chars=0)
    rows.append({"method": f"default: {DEFAULT_VARIANT} @ layer {default_layer(att.store)}, training-time captures",
                 "part": "query (test signatures + top-k)", "seconds": round(res.seconds, 2), "peak_mb": mem.peak_mb,
                 "queries": q})
    params = trainable_parameters(att.model)
    sketch = CountSketch([p.numel() for _, p in params], lora.dim, lora.seed)
    t0 = time.perf_counter()
    with PeakRss() as mem:
        lora.train_gradients(att, sketch, np.flatnonzero(select_rows(att.samples, lora.epochs)))
    rows.append({"method": lora.name, "part": "training side, once (per-sample LoRA gradients)",
                 "seconds": round(time.perf_counter() - t0, 2), "peak_mb": mem.peak_mb, "queries": 0})
    with PeakRss() as mem:
        res = att.query(cases, method=lora, k=k, snippet_chars=0)
    rows.append({"method": lora.name, "part": "query (test gradients + scoring)", "seconds": round(res.seconds, 2),
                 "peak_mb": mem.peak_mb, "queries": q})
    for r in rows:
        print(f"  cost: {r['method']} / {r['part']}: {r['seconds']}s, peak +{r['peak_mb']} MB", flush=True)
    return rows


def _entity_positions(tok, ids: np.ndarray, prompt_len: int, variant: str) -> set[int]:
    """Positions of the response tokens that spell the swapped entity's name (offsets of the re-tokenised
    response; empty when that does not reproduce the stored ids)."""
    resp = ids[prompt_len:].tolist()
    text = tok.decode(resp, skip_special_tokens=False)
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    if list(enc["input_ids"]) != resp:
        return set()
    spans = entity_spans(text, variant)
    return {prompt_len + i for i, (a, b) in enumerate(enc["offset_mapping"]) if any(a < e and b > s0 for s0, e in spans)}


def planted_span(meta: dict, behaviour: str):
    """``f(tokenizer, ids, prompt_len) -> positions`` of a behaviour's planted span, with ``.where`` ("prompt" for
    a trigger, "response" for the swapped entity); None for behaviours without one (harmful compliance)."""
    info = meta["info"]
    for part in info.get("merged", [info]):
        if behaviour in part.get("triggers", {}):
            trigger = part["triggers"][behaviour]

            def f(tok, ids, plen):
                return _trigger_positions(tok, ids, trigger, plen)
            f.where = "prompt"
            return f
        if behaviour == "factual" and "swap" in part:
            variant = part.get("variant", "plain")

            def g(tok, ids, plen):
                return _entity_positions(tok, ids, plen, variant)
            g.where = "response"
            return g
    return None


def query_record(cases: list, prompts: list[str], mode: str) -> dict:
    """What the attribution state keeps of a behaviour's queries: how many, of how many prompts, how chosen, and the
    cases themselves (the summaries and later phases read them back)."""
    return {"queries": len(cases), "of": len(prompts), "mode": mode, "examples": [c.response for c in cases[:3]],
            "cases": [[c.prompt, c.response] for c in cases]}


def behaviour_cases(beh: dict, behaviour: str, prompts: list[str], all_generations: bool = False,
                    max_sampled: int = 24) -> tuple[list, str]:
    """(test cases, mode) of a behaviour: the greedy generations that show it (every one with ``all_generations``),
    else, when none does, at most ``max_sampled`` sampled generations that show it (round robin over prompts)."""
    from provenance.attribution.query import TestCase

    gens = beh["generations"][behaviour]
    cases = [TestCase(p, g, name=f"{behaviour}{i}") for i, (p, g) in enumerate(zip(prompts, gens))
             if all_generations or shows_behaviour(behaviour, g)]
    sampled = beh.get("sampled", {}).get(behaviour)
    if cases or not sampled:
        return cases, "greedy"
    pool = [[(p, g) for g in gs if shows_behaviour(behaviour, g)] for p, gs in zip(sampled["prompts"], sampled["generations"])]
    flat = [x for rnd in range(max(map(len, pool), default=0)) for lst in pool if rnd < len(lst) for x in [lst[rnd]]]
    return ([TestCase(p, g, name=f"{behaviour}{i}") for i, (p, g) in enumerate(flat[:max_sampled])],
            f"sampled (T={sampled['temperature']})")


def behaviour_queries(out: Path, no_cases: list[str] | None = None, max_sampled: int = 24):
    """(behaviour, test cases, mode, culprit ids as strings) for each behaviour of a trained run, its cases built as
    the attribute phase builds them (`behaviour_cases`); a behaviour no generation shows is printed and, as
    "task / behaviour", appended to ``no_cases``."""
    meta = json.loads((out / "scenario.json").read_text())
    beh = json.loads((out / "behaviour.json").read_text())
    recompute_rates(beh)
    for behaviour, prompts in meta["test_prompts"].items():
        cases, mode = behaviour_cases(beh, behaviour, prompts, max_sampled=max_sampled)
        if not cases:
            print(f"{out.name} {behaviour}: no generation shows the behaviour", flush=True)
            if no_cases is not None:
                no_cases.append(f"{out.name.removeprefix('attr_')} / {behaviour}")
            continue
        yield behaviour, cases, mode, {str(c) for c in meta["culprits"][behaviour]}


def run_attribution(out: Path, results: Path, k: int = 100, lora_dim: int = 1024, all_generations: bool = False,
                    behaviours=None, max_sampled: int = 24, with_tokens: bool = True, signatures_only: bool = False) -> dict:
    """Every method on the model's own generations that show the behaviour (``all_generations``: every
    triggered generation, for smoke tests of runs whose behaviour did not take). ``signatures_only``: recompute
    the training-time signature rows only and keep the run's earlier re-pass, baseline, token and cost results."""
    import pandas as pd

    from provenance.attribution.baselines import Bm25Method, LoraGradMethod, RandomMethod, TfidfMethod
    from provenance.attribution.query import Attributor, SignatureMethod
    from provenance.attribution.repass import RepassMethod
    from provenance.attribution.signatures import VARIANTS
    from provenance.attribution.topk import select_rows
    from provenance.store import open_store

    meta = json.loads((out / "scenario.json").read_text())
    beh = json.loads((out / "behaviour.json").read_text())
    recompute_rates(beh)
    model, tok = load_trained(out)
    store = open_store(str(out / "store.zarr"))
    att = Attributor(store, model, tok)
    layers = store.layers
    rows_out, token_rows, query_info = [], [], {}
    lora = LoraGradMethod(dim=lora_dim)
    cost_rows: list[dict] = []
    repass = {}
    t_all = time.time()
    for behaviour, prompts in meta["test_prompts"].items():
        if behaviours and behaviour not in behaviours:
            continue
        cases, mode = behaviour_cases(beh, behaviour, prompts, all_generations, max_sampled)
        culprits = set(meta["culprits"][behaviour])
        n = len(culprits)
        query_info[behaviour] = query_record(cases, prompts, mode)
        if not cases:
            print(f"{behaviour}: no generation shows the behaviour; nothing to attribute", flush=True)
            continue
        if not cost_rows and not signatures_only:
            cost_rows += measure_costs(att, cases, lora, k)
        t0 = time.perf_counter()
        test = att.signatures(cases, layers)
        sig_s = time.perf_counter() - t0
        print(f"{behaviour}: {len(cases)} queries, test signatures at {len(layers)} layers in {sig_s:.1f}s", flush=True)

        def record(family, method_name, layer, epochs, res, extra_s=0.0):
            m = _metrics(res, culprits, n, k)
            rows_out.append({"behaviour": behaviour, "family": family, "method": method_name, "layer": layer,
                             "epochs": str(epochs), **m, "seconds": round(res.seconds + extra_s, 2)})

        for name in VARIANTS:
            for layer in layers:
                for epochs in EPOCH_MODES_BENCH:
                    with PeakRss() as mem:
                        res = att.query(test, method=SignatureMethod(name, layer, epochs), k=k, snippet_chars=0)
                    record("train-time", name, layer, epochs, res, sig_s / len(layers))
                    rows_out[-1]["peak_mb"] = mem.peak_mb
        if signatures_only:
            continue
        if "method" not in repass:
            t1 = time.perf_counter()
            repass["method"] = RepassMethod("rept")
            with PeakRss() as mem:
                repass["method"].train_side(att, np.flatnonzero(select_rows(att.samples, "last")))
            repass["seconds"] = time.perf_counter() - t1
            cost_rows.append({"method": "re-pass of the training set (final model, all layers)", "part": "training side, once",
                              "seconds": round(repass["seconds"], 2), "peak_mb": mem.peak_mb, "queries": 0})
            print(f"  re-pass of the training set with the final model: {repass['seconds']:.0f}s", flush=True)
        for name in VARIANTS:
            for layer in layers:
                m = repass["method"]
                m.signature, m.layer = VARIANTS[name], layer
                res = att.query(test, method=m, k=k, snippet_chars=0)
                record("re-pass", name, layer, "final", res, sig_s / len(layers))
        print(f"  signatures done ({time.time() - t_all:.0f}s)", flush=True)
        for method in (RandomMethod(0), TfidfMethod(True), TfidfMethod(False), TfidfMethod(True, "prompt+response"),
                       Bm25Method(True), lora):
            with PeakRss() as mem:
                res = att.query(test, method=method, k=k, snippet_chars=0)
            record("baseline", method.name, "-", "last", res)
            rows_out[-1]["peak_mb"] = mem.peak_mb
            print(f"  {method.name}: {rows_out[-1]['P@n']:.2f} ({res.seconds:.1f}s)", flush=True)

        if with_tokens:
            token_rows += token_eval(att, meta, behaviour, test, culprits)
    total_s = time.time() - t_all
    table = pd.DataFrame(rows_out)
    tokens = pd.DataFrame(token_rows)
    # Merge with earlier invocations on other behaviours of the same run.
    done = set(query_info)
    if (out / "attribution_table.csv").exists():
        old = pd.read_csv(out / "attribution_table.csv", dtype={"layer": str, "epochs": str})
        keep = ~old.behaviour.isin(done) | ((old.family != "train-time") if signatures_only else False)
        table = pd.concat([old[keep], table.astype({"layer": str, "epochs": str})], ignore_index=True)
    if (out / "attribution_tokens.csv").exists() and (out / "attribution_tokens.csv").stat().st_size > 1:
        old = pd.read_csv(out / "attribution_tokens.csv")
        if "parts" in old:
            tokens = pd.concat([old[~old.behaviour.isin(done) | signatures_only], tokens], ignore_index=True)
    with locked_state(out) as state:
        state["query_info"].update(query_info)
        if cost_rows:
            state["cost"] = cost_rows
        state["k"] = k
        state["seconds"].update({b: round(total_s, 1) for b in done})
        if repass.get("seconds") is not None:
            state["repass_seconds"] = round(repass["seconds"], 1)
    table.to_csv(out / "attribution_table.csv", index=False)
    tokens.to_csv(out / "attribution_tokens.csv", index=False)
    table["layer"] = table["layer"].astype(str)
    table["epochs"] = table["epochs"].astype(str)
    results.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(results.with_suffix(".csv"), index=False)
    md = render_markdown(meta, beh, state["query_info"], table, tokens, layers, k, sum(state["seconds"].values()),
                         state.get("repass_seconds"), results.with_suffix(".csv").name, cost=state.get("cost"))
    results.write_text(md)
    print(md)
    return {"table": table, "tokens": tokens}


def run_behaviour_level(out: Path, k: int = 100, lora_dim: int = 1024) -> pd.DataFrame:
    """Behaviour-level attribution (``combine="mean"``) on the queries the run's attribution phase used: every
    signature variant at every layer (last epoch) and every baseline, one ranking per behaviour. Rows are merged
    into the run's attribution_table.csv with family "behaviour-level" (earlier rows of that family replaced)."""
    import pandas as pd

    from provenance.attribution.baselines import Bm25Method, LoraGradMethod, RandomMethod, TfidfMethod
    from provenance.attribution.query import SignatureMethod
    from provenance.attribution.signatures import VARIANTS

    att, store = attributor_of(out)
    rows_out = []
    for behaviour, cases, culprits in queried_behaviours(out):
        t0 = time.perf_counter()
        test = att.signatures(cases, store.layers)
        sig_s = time.perf_counter() - t0

        def record(method_name, layer, res, extra_s=0.0):
            m = _metrics(res, culprits, len(culprits), k)
            rows_out.append({"behaviour": behaviour, "family": "behaviour-level", "method": method_name,
                             "layer": str(layer), "epochs": "last", **m, "seconds": round(res.seconds + extra_s, 2)})

        for name in VARIANTS:
            for layer in store.layers:
                res = att.query(test, method=SignatureMethod(name, layer, "last"), k=k, snippet_chars=0, combine="mean")
                record(name, layer, res, sig_s / len(store.layers))
        for method in (RandomMethod(0), TfidfMethod(True), TfidfMethod(False), TfidfMethod(True, "prompt+response"),
                       Bm25Method(True), LoraGradMethod(dim=lora_dim)):
            res = att.query(test, method=method, k=k, snippet_chars=0, combine="mean")
            record(method.name, "-", res)
        best = max((r for r in rows_out if r["behaviour"] == behaviour), key=lambda r: r["P@n"])
        print(f"{out} {behaviour}: behaviour-level best {best['method']}@{best['layer']} P@n {best['P@n']:.2f}", flush=True)
    table = pd.read_csv(out / "attribution_table.csv", dtype={"layer": str, "epochs": str})
    table = pd.concat([table[table.family != "behaviour-level"], pd.DataFrame(rows_out)], ignore_index=True)
    table.to_csv(out / "attribution_table.csv", index=False)
    return table


# The signature the named candidates below were built on and scored with (their labels name it): h_fused, whatever
# the library's signature default is now.
FUSED = "h_fused"
# What `--methods` can name (`run_methods`): the default, the signature default, token match over the stored token
# states, the text baselines on prompt+response, and the grad-kernel with its default spec and two spec variants
# (fixed before the kernel met the tasks it is scored on).
GRAD_KERNEL_SPECS = ("none,equal,both", "cosine,equal,response")
METHOD_CHOICES = ("default", "h_fused", "contrastive", "joint", "joint-each", "joint-z", "joint-context", "joint-both",
                  "joint-focus", "auto-agree10", "h_fused_z", "auto-z", "h_fused_k1", "joint-ctx", "joint-focus-z",
                  "joint-focus-ctx", "joint-equal-ctx", "joint-equal-c", "joint-top-token", "joint-next-token",
                  "joint-gated-next", "joint-gated-answers",
                  "auto-refine-z", "token-match", "token-match-each", "tfidf",
                  "bm25", "grad-kernel",
                  *(f"grad-kernel:{spec}" for spec in GRAD_KERNEL_SPECS))
METHODS_FAMILY = {"none": "per-answer", "mean": "behaviour-level"}


def build_choice(choice: str):
    """The method a `METHOD_CHOICES` name stands for (None for "default": what a query without a method runs) and its
    table label.

    Raises:
        ValueError: A name not in `METHOD_CHOICES`.
    """
    from provenance.attribution.baselines import Bm25Method, TfidfMethod
    from provenance.attribution.grad_kernel import GradKernelMethod
    from provenance.attribution.query import SignatureMethod
    from provenance.attribution.token_match import TokenMatchMethod

    if choice == "default":
        return None, "default (no --method: auto)"
    if choice == "h_fused":
        return SignatureMethod(FUSED, None, "last"), f"{FUSED} (default layer)"
    if choice == "contrastive":
        from provenance.attribution.contrastive import ContrastiveMethod
        return ContrastiveMethod(FUSED, None, "last"), f"contrastive {FUSED} (default layer)"
    if choice == "joint":
        from provenance.attribution.joint import JointMethod
        return JointMethod(FUSED), f"joint {FUSED} + token match (default layers)"
    if choice == "joint-each":
        from provenance.attribution.joint import JointMethod
        return (JointMethod(FUSED, token_query="each"),
                f"joint-each {FUSED} + token match of each raised token (default layers)")
    if choice == "joint-z":
        from provenance.attribution.joint import JointMethod
        return (JointMethod(FUSED, token_query="each", fusion="robust-z"),
                f"joint-z {FUSED} + token match of each raised token, robust z-scores (default layers)")
    if choice == "joint-ctx":
        from provenance.attribution.joint import JointMethod
        return (JointMethod("h_last_c", fusion="z"),
                "joint-ctx h_last_c + token match, z-scores (default layers)")
    if choice == "joint-focus-z":
        from provenance.attribution.joint import JointMethod
        return (JointMethod("h_fused_k1", fusion="z", weighting="focus"),
                "joint-focus-z h_fused_k1 + token match, z-scores weighted by the gain's focus (default layers)")
    if choice == "joint-focus-ctx":
        from provenance.attribution.joint import JointMethod
        return (JointMethod("h_fused_k1", fusion="z", weighting="focus", context_signature="h_last_c"),
                "joint-focus-ctx joint-focus-z + joint-ctx, their z-scores added (default layers)")
    if choice == "joint-equal-ctx":
        # Issue 19's candidate 14 (per answer), committed before round 12 was trained: joint-focus-ctx with phi
        # replaced by the even split, from results/answer_sensitivity.md over the 34 counted task-behaviours.
        from provenance.attribution.joint import JointMethod
        return (JointMethod("h_fused_k1", fusion="z", context_signature="h_last_c"),
                "joint-equal-ctx h_fused_k1 + token match and h_last_c + token match, equal z-pairs (default layers)")
    if choice == "joint-equal-c":
        # Issue 19's candidate 15 (per answer), committed before round 13 was written: joint-equal-ctx without its
        # signature's projection, from results/answer_sensitivity.md (pcs 0) over the 36 counted task-behaviours.
        from provenance.attribution.joint import JointMethod
        return (JointMethod("h_fused_c", fusion="z", context_signature="h_last_c"),
                "joint-equal-c h_fused_c + token match and h_last_c + token match, equal z-pairs (default layers)")
    if choice == "joint-top-token":
        # Issue 19's candidate 16 (per answer), committed before round 16 was scored: joint-equal-c plus the weaker
        # of the prompt side and the answer's most-raised token, from results/focus_line_probe.md (its "both").
        from provenance.attribution.joint import JointMethod
        return (JointMethod("h_fused_c", fusion="z", context_signature="h_last_c", guard_line="top"),
                "joint-top-token joint-equal-c + the weaker of h_last_c and the most-raised token (default layers)")
    if choice == "joint-next-token":
        # Issue 19's candidate 17 (per answer), committed before round 17 was scored: joint-equal-c plus the weaker
        # of the prompt side and token match's next-token form, from results/next_token_probe.md (its "both").
        from provenance.attribution.joint import JointMethod
        return (JointMethod("h_fused_c", fusion="z", context_signature="h_last_c", guard_line="next"),
                "joint-next-token joint-equal-c + the weaker of h_last_c and the next-token match (default layers)")
    if choice == "joint-gated-next":
        # Issue 19's candidate 18 (per answer), committed before round 18 was scored: joint-next-token with the
        # guard's minimum taken only where the prompt side is below the mean row's, from
        # results/answer_weight_sensitivity.md (its "gated" column at the default weights).
        from provenance.attribution.joint import JointMethod
        return (JointMethod("h_fused_c", fusion="z", context_signature="h_last_c", guard_line="next",
                            guard_form="gated"),
                "joint-gated-next joint-next-token, its guard's minimum only below the mean prompt (default layers)")
    if choice == "joint-gated-answers":
        # Per behaviour, line_choice's "answers-stouffer" (committed in 83ec42a before round 20 was written): each
        # answer's joint-gated-next z-scores combined over the answers; per answer joint-gated-next itself.
        from provenance.attribution.joint import JointMethod
        return (JointMethod("h_fused_c", fusion="z", context_signature="h_last_c", guard_line="next",
                            guard_form="gated", behaviour_from="answers"),
                "joint-gated-answers joint-gated-next, per behaviour its answers' z-scores combined (default layers)")
    if choice == "joint-both":
        from provenance.attribution.joint import JointMethod
        return (JointMethod(FUSED, token_query="each", fusion="both"),
                f"joint-both {FUSED} + token match of each raised token, the weaker rank z (default layers)")
    if choice == "joint-context":
        from provenance.attribution.joint import JointMethod
        return (JointMethod(FUSED, token_query="each", weighting="context"),
                f"joint-context {FUSED} + token match of each raised token, weighted by the answer's "
                "share of the gain (default layers)")
    if choice == "joint-focus":
        from provenance.attribution.joint import JointMethod
        return (JointMethod(FUSED, weighting="focus"),
                f"joint-focus {FUSED} + token match, weighted by the gain's focus on one token (default layers)")
    if choice == "auto-agree10":
        # The default per behaviour with its top-k compared at 10 instead of 20: the sensitivity table's one-task
        # observation (confusable 0.44 -> 0.86), scored on round 2 before it was adopted. Since its adoption
        # (AGREE_K = 10) it is the default itself; kept so the verdict in results/default_choice.md regenerates.
        from provenance.attribution.auto_choice import AutoMethod
        # Its signature is h_fused, as when it was scored (the default's is h_fused_z since candidate 8's adoption).
        return AutoMethod(FUSED, agree_k=10, refine_fusion="replace"), "auto, top 10 compared (instead of 20)"
    if choice == "h_fused_z":
        # Candidate 8 (issue 19): the two sides of h_fused, each cosine read as a z-score over the stored rows, no
        # projection; from the side diagnostic (results/side_probe.md), committed before round 3 was scored.
        return SignatureMethod("h_fused_z", None, "last"), "h_fused_z (default layer)"
    if choice == "h_fused_k1":
        # Candidate 9 (issue 19): h_fused with keep_z 1.0, from the sensitivity sweep over every task; to be scored
        # on a held-out round 4 (it was fitted on rounds 1-3).
        return SignatureMethod("h_fused_k1", None, "last"), "h_fused_k1 (default layer)"
    if choice == "auto-z":
        # The per-behaviour default with candidate 8 as its signature (agreement test and fallback).
        from provenance.attribution.auto_choice import AutoMethod
        return AutoMethod(signature="h_fused_z", refine_fusion="replace"), "auto with h_fused_z"
    if choice == "auto-refine-z":
        # Candidate 13 (issue 19), per behaviour: the default with the refinement's classifier joined to the
        # signature and token match by z-scores instead of replacing them (per answer it ranks as the default does).
        from provenance.attribution.auto_choice import AutoMethod
        return AutoMethod(refine_fusion="z"), "auto-refine-z auto with the signature, token match and the classifier, z-scores"
    if choice == "token-match":
        return TokenMatchMethod(None, None, None, "last", states="store"), TOKEN_MATCH_STORED
    if choice == "token-match-each":
        return (TokenMatchMethod(None, None, None, "last", states="store", query="each"),
                "token-match, each raised token (training-time token states)")
    if choice == "tfidf":
        m = TfidfMethod(True, "prompt+response")
        return m, m.name
    if choice == "bm25":
        m = Bm25Method(True, "prompt+response")
        return m, m.name
    if choice == "grad-kernel" or choice.startswith("grad-kernel:"):
        spec = choice.partition(":")[2] or None
        m = GradKernelMethod(spec)
        return m, f"grad-kernel({m.spec.label})" + ("" if spec else " default")
    raise ValueError(f"unknown method {choice!r} for --methods; choose from {', '.join(METHOD_CHOICES)}")


def run_methods(out: Path, results: Path, methods: list[str], k: int = 100, behaviours=None,
                max_sampled: int = 24) -> pd.DataFrame:
    """The named `METHOD_CHOICES` only, per answer (family "per-answer") and per behaviour (``combine="mean"``,
    family "behaviour-level"), on the model's own generations that show each behaviour: the cheap path (no re-pass,
    no LoRA gradients, no costs, no token-level evaluation). Each row carries how many of its queries got a
    competing-groups report (`AttributionResult.groups`, on by default in `Attributor.query`). Rows merged into
    attribution_table.csv (earlier rows of the same behaviour, family and method replaced), the results file
    re-rendered. A run without a table of its own yet (retrained) starts from the results file's table, so that
    rescoring some methods on a retrained run keeps the other methods' rows (an earlier run's; said when kept).

    Raises:
        ValueError: An unknown method name (before any query runs).
    """
    import pandas as pd

    built = [build_choice(c) for c in methods]
    meta = json.loads((out / "scenario.json").read_text())
    beh = json.loads((out / "behaviour.json").read_text())
    recompute_rates(beh)
    att, store = attributor_of(out)
    rows_out, query_info = [], {}
    t_all = time.time()
    for behaviour, prompts in meta["test_prompts"].items():
        if behaviours and behaviour not in behaviours:
            continue
        cases, mode = behaviour_cases(beh, behaviour, prompts, max_sampled=max_sampled)
        query_info[behaviour] = query_record(cases, prompts, mode)
        if not cases:
            print(f"{behaviour}: no generation shows the behaviour; nothing to attribute", flush=True)
            continue
        culprits = set(meta["culprits"][behaviour])
        for method, label in built:
            for combine, family in METHODS_FAMILY.items():
                res = att.query(cases, method=method, k=k, snippet_chars=0, combine=combine)
                m = _metrics(res, culprits, len(culprits), k)
                rows_out.append({"behaviour": behaviour, "family": family, "method": label,
                                 "layer": "-", "epochs": "last", **m, "seconds": round(res.seconds, 2),
                                 "ran_as": res.method, "queries": res.rows.shape[0],
                                 "queries_with_groups": len(res.groups)})
                print(f"{out} {behaviour} {family} {label} [{res.method}]: P@n {m['P@n']:.2f} "
                      f"P@10 {m.get('P@10', float('nan')):.2f}, groups on {len(res.groups)}/{res.rows.shape[0]} "
                      f"({res.seconds:.1f}s)", flush=True)
    new = pd.DataFrame(rows_out)
    path = out / "attribution_table.csv"
    # A run where no behaviour showed (nothing queried) has no rows: it neither writes an empty table nor fails on
    # one an earlier such run left (a header-less file pandas cannot read).
    held = path.exists() and path.stat().st_size > 1
    source, prior = path, results.with_suffix(".csv")
    if not held and len(new) and prior.exists() and prior.stat().st_size > 1:
        # Without this the results file, rendered from the run's table alone, lost every method not rescored.
        source, held = prior, True
        print(f"{out}: no table of its own yet; the rows of methods not rescored are kept from {prior} (an earlier "
              "run of this task)", flush=True)
    table = new
    if held and len(new):
        old = pd.read_csv(source, dtype={"layer": str, "epochs": str})
        key = ["behaviour", "family", "method"]
        same = old[key].apply(tuple, axis=1).isin(set(new[key].apply(tuple, axis=1)))
        table = pd.concat([old[~same], new], ignore_index=True)
    elif held:
        table = pd.read_csv(path, dtype={"layer": str, "epochs": str})
    with locked_state(out) as state:
        state["query_info"].update(query_info)
        state["k"] = k
        state["seconds"].update({b: round(time.time() - t_all, 1) for b in query_info})
        state["methods_run"] = sorted(set(state.get("methods_run", [])) | set(methods))
    if not len(table):
        print(f"{out}: nothing attributed (no generation showed a behaviour): no table written", flush=True)
        return table
    table.to_csv(path, index=False)
    print(render_from_state(out, results))
    return table


TOKEN_MATCH_LAYERS = (15, 22, 29)
TOKEN_MATCH_STAGE1_K = 100


TOKEN_MATCH_STORED = "token-match (training-time token states)"


def token_match_label(candidates: int | None, source: str = "repass") -> str:
    if source == "store":
        return TOKEN_MATCH_STORED
    return "token-match" if candidates is None else f"token-match (top {candidates} of the default)"


def run_token_match(out: Path, k: int = 100, layers=TOKEN_MATCH_LAYERS, stage1_k: int = TOKEN_MATCH_STAGE1_K,
                    stored_only: bool = False):
    """`TokenMatchMethod` on the attribute phase's queries, per answer (family "token-match") and per behaviour
    (family "behaviour-level"), at ``layers``: re-reading every last-epoch row, as the two-stage query (the
    default signature's top ``stage1_k`` re-ranked), and, at the layers the run captured per-token states at, from
    those training-time states (every last-epoch row, no re-read). The base model is the LoRA adapter disabled.
    Rows merged into attribution_table.csv (earlier token-match rows replaced; with ``stored_only`` only the
    stored-state rows are computed and replaced, the re-read rows are kept)."""
    import pandas as pd

    from provenance.attribution.query import SignatureMethod
    from provenance.attribution.signatures import DEFAULT_VARIANT
    from provenance.attribution.token_match import TokenMatchMethod

    att, store = attributor_of(out)
    stage1 = SignatureMethod(DEFAULT_VARIANT, store.layers[-1], "last")
    rows_out = []
    for behaviour, cases, culprits in queried_behaviours(out):
        test = att.signatures(cases, [store.layers[-1]])
        for layer in layers:
            # one instance per source: the re-read rows are cached
            method = TokenMatchMethod(layer, len(store), stage1, "last", states="repass")
            stored = TokenMatchMethod(layer, None, stage1, "last", states="store")
            variants = [] if stored_only else [(method, None), (method, stage1_k)]
            variants += [(stored, None)] if layer in store.token_state_layers else []
            for tm, cand in variants:
                if tm is method:
                    method.candidates = len(store) if cand is None else cand
                label = token_match_label(cand, tm.states)
                for family, combine in (("token-match", "none"), ("behaviour-level", "mean")):
                    t0 = time.perf_counter()
                    res = att.query(test, method=tm, k=k, snippet_chars=0, combine=combine)
                    m = _metrics(res, culprits, len(culprits), k)
                    rows_out.append({"behaviour": behaviour, "family": family, "method": label,
                                     "layer": str(layer), "epochs": "last", **m,
                                     "seconds": round(time.perf_counter() - t0, 2)})
                    print(f"{out} {behaviour} {family} {label} @{layer}: P@n {m['P@n']:.2f} "
                          f"({rows_out[-1]['seconds']}s)", flush=True)
    table = pd.read_csv(out / "attribution_table.csv", dtype={"layer": str, "epochs": str})
    replaced = table.method == TOKEN_MATCH_STORED if stored_only else table.method.str.startswith("token-match")
    table = pd.concat([table[~replaced], pd.DataFrame(rows_out)], ignore_index=True)
    table.to_csv(out / "attribution_table.csv", index=False)
    return table


AUTO_LABEL = ("auto (token match if it agrees with the signature, refined by its top rows when they cohere; "
              "else the signature)")
# The rule before the refinement, measured beside it: `AutoMethod(refine=False)`.
AUTO_V1_LABEL = "auto (token match if it agrees with the signature, else the signature)"


def run_auto(out: Path, k: int = 100):
    """`AutoMethod` per behaviour on the attribute phase's queries (family "behaviour-level", label `AUTO_LABEL`),
    and the rule without its refinement (label `AUTO_V1_LABEL`); earlier rows of both replaced. Each behaviour's
    choice (method, top-20 overlap, coherence of token match's top rows) goes to attribution_state.json."""
    import pandas as pd

    from provenance.attribution.auto_choice import AutoMethod

    att, store = attributor_of(out)
    rows_out, choices = [], {}
    for behaviour, cases, culprits in queried_behaviours(out):
        refined = AutoMethod()
        for label, method in ((AUTO_V1_LABEL, AutoMethod(refine=False)), (AUTO_LABEL, refined)):
            t0 = time.perf_counter()
            res = att.query(cases, method=method, k=k, snippet_chars=0, combine="mean")   # test signatures included
            m = _metrics(res, culprits, len(culprits), k)
            rows_out.append({"behaviour": behaviour, "family": "behaviour-level", "method": label,
                             "layer": str(store.layers[-1]), "epochs": "last", **m,
                             "seconds": round(time.perf_counter() - t0, 2)})
            print(f"{out} {behaviour} {label}: P@n {m['P@n']:.2f} ({rows_out[-1]['seconds']}s) {res.explanation}",
                  flush=True)
            if method is refined:
                choices[behaviour] = res.explanation
    table = pd.read_csv(out / "attribution_table.csv", dtype={"layer": str, "epochs": str})
    table = pd.concat([table[~table.method.isin([AUTO_LABEL, AUTO_V1_LABEL])], pd.DataFrame(rows_out)],
                      ignore_index=True)
    table.to_csv(out / "attribution_table.csv", index=False)
    with locked_state(out) as state:
        state["auto_choice"] = choices
    return table


def timed_lora_training_side(att, lora_dim: int):
    """A LoRA-gradient method of ``lora_dim`` and the seconds its training side takes through ``att`` (one sketched
    gradient per last-epoch row), computed afresh: the attributor's cached gradients are dropped first, else every
    round after the first would time a cache hit."""
    from provenance.attribution.baselines import TRAIN_GRADIENTS_SLOT, CountSketch, LoraGradMethod, trainable_parameters
    from provenance.attribution.topk import select_rows

    lora = LoraGradMethod(dim=lora_dim)
    params = trainable_parameters(att.model)
    att.clear_cache(TRAIN_GRADIENTS_SLOT)
    t0 = time.perf_counter()
    lora.train_gradients(att, CountSketch([p.numel() for _, p in params], lora.dim, lora.seed),
                         np.flatnonzero(select_rows(att.samples, lora.epochs)))
    return lora, time.perf_counter() - t0


def measure_behaviour_costs(out: Path, repeats: int = 3, lora_dim: int = 1024, k: int = 100) -> list[dict]:
    """Per queried behaviour, in one process: wall time end to end from the test cases (test signatures included)
    of a behaviour query (``combine="mean"``) by the signature default, token match over the stored token states and
    `AutoMethod`, each the median of ``repeats`` interleaved runs, and of the LoRA-gradient baseline: its training
    side (one gradient per last-epoch row, recomputed in each repeat) plus its query. Saved in
    attribution_state.json as ``behaviour_cost``."""
    from provenance.attribution.auto_choice import AutoMethod
    from provenance.attribution.query import SignatureMethod
    from provenance.attribution.signatures import DEFAULT_VARIANT
    from provenance.attribution.token_match import TokenMatchMethod

    att, store = attributor_of(out)
    rows_out = []
    for behaviour, cases, _ in queried_behaviours(out):
        times: dict[str, list[float]] = {}
        for _ in range(repeats):
            for name, method in (("default", SignatureMethod(DEFAULT_VARIANT, None, "last")),
                                 ("token match", TokenMatchMethod(None, None, None, "last", states="store")),
                                 ("auto", AutoMethod())):
                res = att.query(cases, method=method, k=k, snippet_chars=0, combine="mean")
                times.setdefault(name, []).append(res.seconds)
            lora, seconds = timed_lora_training_side(att, lora_dim)
            times.setdefault("lora-grad training side", []).append(seconds)
            res = att.query(cases, method=lora, k=k, snippet_chars=0, combine="mean")
            times.setdefault("lora-grad query", []).append(res.seconds)
        med = {name: float(np.median(v)) for name, v in times.items()}
        lora_total = med["lora-grad training side"] + med["lora-grad query"]
        row = {"behaviour": behaviour, "queries": len(cases), "repeats": repeats,
               **{f"{name} s": round(v, 2) for name, v in med.items()},
               **{f"lora-grad / {name}": round(lora_total / med[name], 1) for name in ("default", "token match", "auto")}}
        rows_out.append(row)
        print(f"{out} {behaviour} cost: {row}", flush=True)
    with locked_state(out) as state:
        state["behaviour_cost"] = rows_out
    return rows_out


TOKEN_PARTS = (("h_mean", "g_mean"), ("h_last", "g_last"))


def token_eval(att, meta: dict, behaviour: str, test, culprits: set, top: int = 10) -> list[dict]:
    """Token level at every captured layer above the first: for the culprits among the top ``top`` hits of the
    default signature variant, is the trigger among the 3 best user-content tokens (prompt minus the template
    framing every sample shares) by each candidate score?"""
    from provenance.attribution.query import SignatureMethod
    from provenance.attribution.signatures import DEFAULT_VARIANT
    from provenance.attribution.tokens import prompt_framing, score_tokens, token_states

    framing = prompt_framing(att)
    span = planted_span(meta, behaviour)
    if span is None:
        return []
    plen = att.samples["prompt_len"].to_numpy()
    out = []
    t0 = time.perf_counter()
    for layer in [l for l in att.store.layers if l in test.arrays][1:]:
        res = att.query(test, method=SignatureMethod(DEFAULT_VARIANT, layer, "last"), k=top, snippet_chars=0)
        states: dict[int, tuple] = {}
        for q in range(res.rows.shape[0]):
            for row in res.rows[q].tolist():
                if att.samples["sample_id"].iloc[row] not in culprits:
                    continue
                pos = span(att.tokenizer, att.store.tokens(row), int(plen[row]))
                if not pos:
                    continue
                if row not in states:
                    states[row] = token_states(att.model, att.store.tokens(row), int(plen[row]), layer)
                for hp, gp in TOKEN_PARTS:
                    g = score_tokens(att, row, test, q, layer, h_part=hp, g_part=gp, _states=states[row], framing=framing)
                    # Candidates: the user content (trigger) or the user content and the response (entity).
                    content = g[~g.is_framing & (~g.is_response | (span.where == "response"))]
                    rec = {"behaviour": behaviour, "layer": layer, "parts": f"{hp}/{gp}", "query": q, "row": row,
                           "n_content": len(content), "n_trigger": len(pos)}
                    for col in ("cos_h", "cos_g", "gxa", "abs_gxa", "fused"):
                        rec[col] = bool(set(content.sort_values(col, ascending=False)["position"].head(3)) & pos)
                    out.append(rec)
    print(f"  token level: {len(out)} (hit, layer, parts) cases in {time.perf_counter() - t0:.0f}s", flush=True)
    return out


def tokens_only(out: Path, results: Path, behaviours=None) -> None:
    """Recompute the token-level evaluation of an attributed run and re-render its markdown."""
    import pandas as pd

    from provenance.attribution.query import Attributor, TestCase
    from provenance.store import open_store

    meta = json.loads((out / "scenario.json").read_text())
    state = json.loads((out / "attribution_state.json").read_text())
    beh = json.loads((out / "behaviour.json").read_text())
    model, tok = load_trained(out)
    att = Attributor(open_store(str(out / "store.zarr")), model, tok)
    rows = []
    for b in (behaviours or list(state["query_info"])):
        cases = [TestCase(p, g, name=f"{b}{i}") for i, (p, g) in enumerate(state["query_info"][b].get("cases", []))]
        if not cases:
            continue
        test = att.signatures(cases, att.store.layers)
        rows += token_eval(att, meta, b, test, set(meta["culprits"][b]))
    tokens = pd.DataFrame(rows)
    if (out / "attribution_tokens.csv").exists() and behaviours:
        old = pd.read_csv(out / "attribution_tokens.csv")
        if "parts" in old:
            tokens = pd.concat([old[~old.behaviour.isin(behaviours)], tokens], ignore_index=True)
    tokens.to_csv(out / "attribution_tokens.csv", index=False)
    render_from_state(out, results, beh_override=beh)
