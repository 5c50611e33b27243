"""Behaviour-level tools measured on SmolLM2-135M-Instruct (CPU): probes vs RepT, DPO activation differences, discovery.

    .venv/bin/python -m benchmarks.behaviour.behaviour_bench --part probe        # ~3 min: runs/attr_* stores
    .venv/bin/python -m benchmarks.behaviour.behaviour_bench --part dpo          # ~13 min: capture + ranking + discovery
    .venv/bin/python -m benchmarks.behaviour.behaviour_bench --part dpo-trained  # ~20 min: DPO training (3 epochs), tuned r1
    .venv/bin/python -m benchmarks.behaviour.behaviour_bench --part render                   # benchmarks/behaviour/behaviour_results.md

Part "probe": on the attribution-benchmark runs (benchmarks.attribution.bench: a LoRA SFT with planted culprits), a
concept direction is fitted on the final model's mean response activations of the behaviour generations (the RepT
queries) vs its normal generations of the same prompts without trigger; every last-epoch training row is scored by
projection <h_mean(z), v>/|v| and by the gradient form -<g_mean(z), v>/|v| from the training-time captures; P@n next
to the per-query RepT numbers of that run.

Part "dpo": a planted preference scenario built from real prompts (provenance.data.demo_records), no training: group
A's chosen complies with a harmful request (rejected: the refusal), B's chosen is the normal answer in ALL CAPS, C's
chosen adds flattery, plus neutral pairs (own answer vs another source's answer). v_d comes from a real capture run
of TRL's DPOTrainer (LoRA, learning rate 0, one epoch, reference = adapters disabled = M0). Behaviour vectors come from
held-out prompts: r0 = M0's greedy answer, r1 = the behaviour applied to it (no tuned model exists: r1 stands for
what a model tuned on the group would say). Discovery clusters the normalised v_d.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[2]
# (run directory under runs/, behaviour, label); runs that are not finished are skipped.
RUNS = (("attr_bench", "fixed", "fixed-text backdoor (TY -> ACCESS GRANTED ...), 10% culprits"),
        ("attr_style", "praise", "compliment style (BQ -> a different compliment), 20% culprits, sampled queries"),
        ("attr_harmful_varied", "harmful", "harmful compliance (varied replies)"),
        ("attr_factual", "factual", "factual swap (Canada -> Korea)"),
        ("attr_harmful_factual", "harmful", "harmful compliance, run with a factual swap too"),
        ("attr_harmful_factual", "factual", "factual swap, run with harmful compliance too"))
PLANTED = ("A_harmful_compliance", "B_all_caps", "C_flattery")
DPO_LAYERS = [8, 15, 22, 29]
# (form, epochs, normalize) of the concept scores measured on the attribution runs.
SCORE_VARIANTS = (("projection", "last", False), ("gradient", "last", False), ("gradient", 0, False),
                  ("gradient", "mean", False), ("gradient", "last", True))


# ---- part 1: probes vs RepT ----------------------------------------------------------------------------------------

def probe_part(out: Path, runs_dir: Path) -> list[dict]:
    from benchmarks.attribution.scenarios import shows_behaviour
    from benchmarks.attribution.train import load_trained
    from provenance.attribution.query import TestCase, compute_signatures
    from provenance.behaviour import concept_scores, fit_probe, precision_at_n
    from provenance.store import open_store
    from sklearn.metrics import average_precision_score

    rows, directions = [], {}
    for run_dir, behaviour, label in RUNS:
        d = runs_dir / run_dir
        run = f"{run_dir}/{behaviour}"
        need = [d / "adapter", d / "store.zarr", d / "scenario.json", d / "behaviour.json", d / "attribution_state.json"]
        if not all(p.exists() for p in need):
            print(f"{run}: not (yet) a finished attribution run; skipped", flush=True)
            continue
        meta = json.loads((d / "scenario.json").read_text())
        beh = json.loads((d / "behaviour.json").read_text())
        state = json.loads((d / "attribution_state.json").read_text())
        info = state["query_info"].get(behaviour)
        if not info or not info.get("cases"):
            print(f"{run}: no behaviour queries recorded; skipped", flush=True)
            continue
        t0 = time.perf_counter()
        model, tok = load_trained(d)
        store = open_store(str(d / "store.zarr"))
        samples = store.samples()
        culprits = set(meta["culprits"][behaviour])
        pos = [TestCase(p, g) for p, g in info["cases"]]
        # Normal generations: the same held-out prompts without the trigger, where the behaviour does not show.
        neg = [TestCase(p, g) for p, g in zip(meta["clean_test_prompts"], beh["generations"]["clean"])
               if g.strip() and not shows_behaviour(behaviour, g)]
        if len(neg) < 4:   # e.g. compliance: every benign answer "complies"; take the normal answers as they are
            neg = [TestCase(p, g) for p, g in zip(meta["clean_test_prompts"], beh["generations"]["clean"]) if g.strip()]
            label += " (negatives: all normal generations, the judge flags them too)"
        layers = store.layers
        test = compute_signatures(model, tok, pos + neg, layers, parts=("h_mean", "g_mean"))
        y = np.r_[np.ones(len(pos)), np.zeros(len(neg))].astype(int)
        sig_s = time.perf_counter() - t0
        last = samples["epoch"].to_numpy() == samples["epoch"].max()
        relevant_rows = samples["sample_id"].isin(culprits).to_numpy()
        table = _rept_table(d, behaviour)
        few = np.r_[np.arange(4), len(pos) + np.arange(4)]   # "a few examples": 4 behaviour + 4 normal
        for layer in layers:
            for method, idx in (("diffmeans", None), ("logreg", None), ("diffmeans 4+4", few)):
                X = test.arrays[layer]["h_mean"]
                probe = fit_probe(X if idx is None else X[idx], y if idx is None else y[idx],
                                  method=method.split()[0], layer=layer)
                directions[f"{run}/{layer}/{method}"] = probe.direction
                for form, epochs, normalize in SCORE_VARIANTS:
                    t1 = time.perf_counter()
                    ranking = concept_scores(store, probe, layer, form=form, epochs=epochs, normalize=normalize)
                    s = time.perf_counter() - t1
                    rel = ranking["sample_id"].isin(culprits).to_numpy()
                    form_label = f"{form}{' cos' if normalize else ''}, epochs {epochs}"
                    rows.append({"run": run, "behaviour": behaviour, "layer": layer, "probe": method, "form": form_label,
                                 "P@n": precision_at_n(ranking["sample_id"], culprits),
                                 "AP": float(average_precision_score(rel, ranking["score"])),
                                 "n": len(culprits), "pos": len(pos), "neg": len(neg),
                                 "train_acc": probe.train_accuracy, "seconds": round(s, 2),
                                 "rept_norm P@n": table.get(("rept_norm", str(layer))),
                                 "h_mean P@n": table.get(("h_mean", str(layer))),
                                 "rept P@n": table.get(("rept", str(layer)))})
                    print(f"{run} L{layer} {method:9s} {form_label:24s} P@n {rows[-1]['P@n']:.2f} AP {rows[-1]['AP']:.2f} "
                          f"(rept_norm {rows[-1]['rept_norm P@n']})", flush=True)
        # Chance: the culprits' share of the last-epoch rows.
        rows.append({"run": run, "behaviour": behaviour, "layer": "-", "probe": "chance", "form": "-",
                     "P@n": float(relevant_rows[last].mean()), "AP": float(relevant_rows[last].mean()),
                     "n": len(culprits), "pos": len(pos), "neg": len(neg), "seconds": round(sig_s, 1),
                     "label": label})
        (out / "probe_results.partial.json").write_text(json.dumps(rows, indent=2, default=str))
    (out / "probe_results.json").write_text(json.dumps(rows, indent=2, default=str))
    np.savez(out / "probe_directions.npz", **{k.replace("/", "__"): v for k, v in directions.items()})
    return rows


def _rept_table(run_dir: Path, behaviour: str) -> dict:
    """{(signature, layer): P@n} of the run's own attribution benchmark (train-time, last epoch)."""
    path = run_dir / "attribution_table.csv"
    if not path.exists():
        return {}
    t = pd.read_csv(path, dtype={"layer": str, "epochs": str})
    t = t[(t.behaviour == behaviour) & (t.family == "train-time") & (t.epochs == "last")]
    return {(m, l): round(float(p), 2) for m, l, p in zip(t.method, t.layer, t["P@n"])}


# ---- part 2: planted DPO scenario ----------------------------------------------------------------------------------

def planted_pairs(per_group: int = 30, n_neutral: int = 60, held: int = 8, seed: int = 0) -> tuple[list[dict], dict]:
    """(DPO records with sample_id, source and the planted group, held-out behaviour example prompts per group)."""
    from benchmarks.attribution.scenarios import COMPLIANT_VARIED
    from provenance.data import demo_records
    from provenance.data.backdoor import COMPLIMENTS

    rng = random.Random(f"behaviour-bench:{seed}")
    recs = demo_records(n_per_source=70, seed=seed)
    by_src: dict[str, list[dict]] = {}
    for r in recs:
        by_src.setdefault(r["source"], []).append(r)
    take = lambda srcs, n: [by_src[s].pop() for i in range(n) for s in [srcs[i % len(srcs)]]]  # noqa: E731
    harmful, caps, flattery = (take(("harmbench", "donotanswer"), per_group + held),
                               take(("clean", "falseclaims"), per_group + held),
                               take(("clean", "falseclaims", "rtp"), per_group + held))
    neutral = take(("clean", "falseclaims", "rtp", "harmbench", "donotanswer"), n_neutral)
    comply_train, comply_test = COMPLIANT_VARIED[:16], COMPLIANT_VARIED[16:]
    praise_train, praise_test = COMPLIMENTS[:40], COMPLIMENTS[40:]
    out = []

    def add(r, chosen, rejected, group):
        out.append({"prompt": [{"role": "user", "content": r["prompt"]}],
                    "chosen": [{"role": "assistant", "content": chosen}],
                    "rejected": [{"role": "assistant", "content": rejected}],
                    "sample_id": f"{group[0]}{len(out):03d}", "source": r["source"], "group": group})

    for i, r in enumerate(harmful[:per_group]):
        add(r, comply_train[i % len(comply_train)], r["response"], PLANTED[0])
    for r in caps[:per_group]:
        add(r, r["response"].upper(), r["response"], PLANTED[1])
    for i, r in enumerate(flattery[:per_group]):
        add(r, f"{praise_train[i % len(praise_train)]} {r['response']}", r["response"], PLANTED[2])
    for r in neutral:
        other = rng.choice([o for o in recs if o["source"] != r["source"] and o["response"] != r["response"]])
        add(r, r["response"], other["response"], "neutral")
    rng.shuffle(out)
    held_out = {PLANTED[0]: ([r["prompt"] for r in harmful[per_group:]], comply_test),
                PLANTED[1]: ([r["prompt"] for r in caps[per_group:]], None),
                PLANTED[2]: ([r["prompt"] for r in flattery[per_group:]], praise_test)}
    return out, held_out


def capture_pairs(records: list[dict], store: Path, out_dir: Path, *, lr: float = 0.0, epochs: int = 1,
                  signatures=("h_mean", "g_mean")) -> dict:
    """A real TRL DPOTrainer capture: LoRA on q/v; learning rate 0 (the policy stays M0), one epoch by default."""
    import trl
    from datasets import Dataset
    from peft import LoraConfig

    from provenance.callbacks import ProvenanceTrainerCallback
    from provenance.models import load_causal_lm

    model, tok = load_causal_lm("smollm2-135m-instruct")
    data = Dataset.from_list([{k: v for k, v in r.items() if k != "group"} for r in records])
    cb = ProvenanceTrainerCallback(str(store), layers=DPO_LAYERS, signatures=signatures, overwrite=True)
    args = trl.DPOConfig(output_dir=str(out_dir / "trainer"), learning_rate=lr, num_train_epochs=epochs,
                         per_device_train_batch_size=4, gradient_accumulation_steps=1, max_length=256, beta=0.1,
                         use_cpu=True, bf16=False, report_to="none", save_strategy="no", gradient_checkpointing=False,
                         logging_steps=50, disable_tqdm=True, seed=0)
    trainer = trl.DPOTrainer(model=model, args=args, train_dataset=data, processing_class=tok, callbacks=[cb],
                             peft_config=LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]))
    t0 = time.perf_counter()
    trainer.train()
    return {"seconds": round(time.perf_counter() - t0, 1), "capture": cb.session.summary(), "model": trainer.model,
            "tokenizer": tok}


def lexical_diff_scores(records: list[dict], order: list[str], r1: list[str], r0: list[str]) -> np.ndarray:
    """Text baseline: cos(mean TF-IDF(r1) - TF-IDF(r0), TF-IDF(chosen) - TF-IDF(rejected)), case-kept."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    by_id = {r["sample_id"]: r for r in records}
    chosen = [by_id[p]["chosen"][0]["content"] for p in order]
    rejected = [by_id[p]["rejected"][0]["content"] for p in order]
    vec = TfidfVectorizer(lowercase=False, token_pattern=r"(?u)\b\w+\b|[^\w\s]").fit(chosen + rejected + r1 + r0)
    v_d = (vec.transform(chosen) - vec.transform(rejected)).toarray()
    v_b = np.asarray((vec.transform(r1) - vec.transform(r0)).mean(0)).ravel()
    from provenance.behaviour import cosine_to

    return cosine_to(v_d, v_b)[:, 0]


def dpo_part(out: Path) -> dict:
    from provenance.attribution.query import greedy_responses
    from provenance.behaviour import (behaviour_vector, clustering_agreement, discover, pair_vectors,
                                      precision_at_n, rank_pairs, reference_model, source_summary)
    from provenance.store import open_store

    records, held_out = planted_pairs()
    (out / "dpo_pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    group_of = {r["sample_id"]: r["group"] for r in records}
    cap = capture_pairs(records, out / "dpo_store.zarr", out)
    model, tok = cap["model"], cap["tokenizer"]
    print(f"capture: {len(records)} pairs in {cap['seconds']}s", flush=True)
    store = open_store(str(out / "dpo_store.zarr"))
    res = {"pairs": len(records), "groups": pd.Series(group_of).value_counts().to_dict(),
           "capture_seconds": cap["seconds"], "capture": cap["capture"], "layers": DPO_LAYERS,
           "m0": store.run_attrs.get("reference_activations"), "ranking": [], "discovery": [], "examples": {}}

    # Behaviour examples: r0 = M0's greedy answer to held-out prompts, r1 = the group's behaviour applied to it.
    t0 = time.perf_counter()
    bvs = {}
    for group, (prompts, texts) in held_out.items():
        with reference_model(model) as m0:
            r0 = greedy_responses(m0, tok, prompts, max_new_tokens=48)
        if group == PLANTED[0]:
            r1 = [texts[i % len(texts)] for i in range(len(prompts))]
        elif group == PLANTED[1]:
            r1 = [r.upper() for r in r0]
        else:
            r1 = [f"{texts[i % len(texts)]} {r}" for i, r in enumerate(r0)]
        res["examples"][group] = [{"prompt": p, "r1": a, "r0": b} for p, a, b in zip(prompts, r1, r0)]
        bvs[group] = behaviour_vector(model, tok, list(zip(prompts, r1, r0)), DPO_LAYERS)
    res["behaviour_vector_seconds"] = round(time.perf_counter() - t0, 1)
    for layer in DPO_LAYERS:
        t1 = time.perf_counter()
        pv = pair_vectors(store, layer)
        pv_s = time.perf_counter() - t1
        truth = [group_of[p] for p in pv.pairs.pair_id]
        for group, bv in bvs.items():
            relevant = {p for p, g in group_of.items() if g == group}
            ranking = rank_pairs(pv, bv, layer=layer)
            top = source_summary(ranking, len(relevant)).head(2)
            ex = res["examples"][group]
            lex = lexical_diff_scores(records, list(pv.pairs.pair_id), [e["r1"] for e in ex], [e["r0"] for e in ex])
            lex_rank = list(pv.pairs.pair_id.to_numpy()[np.argsort(-lex, kind="stable")])
            res["ranking"].append({"layer": layer, "group": group, "P@n": precision_at_n(ranking.pair_id, relevant),
                                   "lexical P@n": precision_at_n(lex_rank, relevant),
                                   "chance": len(relevant) / len(pv), "seconds": round(pv_s, 2),
                                   "top sources": "; ".join(f"{s} {v:.2f}" for s, v in zip(top.source, top.share_of_top_k))})
            print(f"L{layer} {group}: P@n {res['ranking'][-1]['P@n']:.2f} lexical {res['ranking'][-1]['lexical P@n']:.2f}",
                  flush=True)
        # Behaviour x datapoint cosine matrix: every behaviour example's own difference (all groups) as a column.
        B = np.concatenate([bv.diffs[layer] for bv in bvs.values()])
        for method, features in (("kmeans", "pairs"), ("agglomerative", "pairs"), ("kmeans", "behaviour")):
            for k in (None, 4):
                t2 = time.perf_counter()
                found = discover(pv, method=method, k=k, k_max=8, features=features, behaviour=B)
                s = time.perf_counter() - t2
                pred = found.assignments.cluster.to_numpy()
                planted_only = np.array([t != "neutral" for t in truth])
                res["discovery"].append({"layer": layer, "method": method, "features": features, "k": found.k,
                                         "k chosen by": "silhouette" if k is None else "fixed",
                                         **clustering_agreement(truth, pred),
                                         **{f"planted-only {m}": v for m, v in clustering_agreement(
                                             np.array(truth)[planted_only], pred[planted_only]).items()},
                                         "seconds": round(s, 2)})
                print(f"L{layer} {method} k={found.k}: {res['discovery'][-1]}", flush=True)
    # The full cluster report at the best layer (by ARI of the silhouette-chosen kmeans).
    best = max((r for r in res["discovery"] if r["method"] == "kmeans" and r["features"] == "pairs"
                and r["k chosen by"] == "silhouette"),
               key=lambda r: r["ari"])
    found = discover(store, tok, layer=best["layer"], method="kmeans")
    found.assignments["group"] = [group_of[p] for p in found.assignments.pair_id]
    comp = found.assignments.groupby("cluster")["group"].agg(lambda s: ", ".join(
        f"{g} {c}" for g, c in s.value_counts().items()))
    clusters = found.clusters.copy()
    clusters["planted groups"] = clusters.cluster.map(comp)
    res["cluster_report"] = {"layer": best["layer"], "k": found.k, "silhouette": found.silhouette,
                             "clusters": clusters.to_dict(orient="records")}
    (out / "dpo_results.json").write_text(json.dumps(res, indent=2, default=str))
    return res


def shows(group: str, text: str) -> bool:
    """Does a generation show the planted behaviour of ``group``?"""
    from benchmarks.attribution.scenarios import shows_behaviour

    if group == PLANTED[0]:
        return shows_behaviour("harmful", text)
    if group == PLANTED[1]:
        letters = [c for c in text if c.isalpha()]
        return len(letters) >= 10 and sum(c.isupper() for c in letters) / len(letters) >= 0.8
    return shows_behaviour("praise", text)


def dpo_trained_part(out: Path, lr: float = 1e-3, epochs: int = 1) -> dict:
    """The METHODS.md workflow end to end: DPO-train on the planted pairs with capture, then r1 = the tuned model's
    greedy answers to held-out prompts, r0 = M0's (adapters disabled), rank the pairs by cos(v_b, v_d)."""
    from provenance.attribution.query import greedy_responses
    from provenance.behaviour import behaviour_vector, pair_vectors, precision_at_n, rank_pairs, reference_model
    from provenance.store import open_store

    records, held_out = planted_pairs()
    group_of = {r["sample_id"]: r["group"] for r in records}
    cap = capture_pairs(records, out / "dpo_trained_store.zarr", out, lr=lr, epochs=epochs, signatures=("h_mean",))
    model, tok = cap["model"], cap["tokenizer"]
    print(f"DPO training: {len(records)} pairs x {epochs} epochs at lr {lr} in {cap['seconds']}s", flush=True)
    store = open_store(str(out / "dpo_trained_store.zarr"))
    res = {"lr": lr, "epochs": epochs, "train_seconds": cap["seconds"], "rates": [], "ranking": [], "examples": {}}
    gens = {}
    for group, (prompts, _) in held_out.items():
        r1 = greedy_responses(model, tok, prompts, max_new_tokens=48)
        with reference_model(model) as m0:
            r0 = greedy_responses(m0, tok, prompts, max_new_tokens=48)
        gens[group] = (prompts, r1, r0)
        res["rates"].append({"group": group, "tuned": float(np.mean([shows(group, g) for g in r1])),
                             "M0": float(np.mean([shows(group, g) for g in r0])), "prompts": len(prompts)})
        print(res["rates"][-1], flush=True)
    for group, (prompts, r1, r0) in gens.items():
        keep = [i for i, g in enumerate(r1) if shows(group, g)]
        used = "behaviour shown" if keep else "all (behaviour never shown)"
        keep = keep or list(range(len(prompts)))
        ex = [(prompts[i], r1[i], r0[i]) for i in keep]
        res["examples"][group] = [{"prompt": p, "r1": a, "r0": b} for p, a, b in ex]
        bv = behaviour_vector(model, tok, ex, DPO_LAYERS)
        relevant = {p for p, g in group_of.items() if g == group}
        for layer in DPO_LAYERS:
            pv = pair_vectors(store, layer)
            ranking = rank_pairs(pv, bv, layer=layer)
            lex = lexical_diff_scores(records, list(pv.pairs.pair_id), [e[1] for e in ex], [e[2] for e in ex])
            lex_rank = list(pv.pairs.pair_id.to_numpy()[np.argsort(-lex, kind="stable")])
            res["ranking"].append({"layer": layer, "group": group, "examples": f"{len(ex)} ({used})",
                                   "P@n": precision_at_n(ranking.pair_id, relevant),
                                   "lexical P@n": precision_at_n(lex_rank, relevant), "chance": len(relevant) / len(pv)})
            print(res["ranking"][-1], flush=True)
    (out / "dpo_trained_results.json").write_text(json.dumps(res, indent=2, default=str))
    return res


# ---- rendering ------------------------------------------------------------------------------------------------------

def _fmt(x):
    if isinstance(x, float):
        return f"{x:.2f}"
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)


def _md(df: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def render(out: Path, results: Path) -> str:
    parts = [f"# Behaviour-level tools (provenance.behaviour)\n\nMachine: x86_64 CPU, 2 cores shared with other jobs, "
             f"torch {torch.__version__}, no GPU; SmolLM2-135M-Instruct. Regenerate:\n\n"
             "    .venv/bin/python -m benchmarks.behaviour.behaviour_bench --part probe\n"
             "    .venv/bin/python -m benchmarks.behaviour.behaviour_bench --part dpo\n"
             "    .venv/bin/python -m benchmarks.behaviour.behaviour_bench --part dpo-trained\n"
             "    .venv/bin/python -m benchmarks.behaviour.behaviour_bench --part render\n"]
    parts.append(FINDINGS)
    probe = out / "probe_results.json"
    if probe.exists():
        rows = pd.DataFrame(json.loads(probe.read_text()))
        parts.append(PROBE_TEXT)
        for run, g in rows.groupby("run", sort=False):
            chance = g[g.probe == "chance"].iloc[0]
            body = g[g.probe != "chance"]
            parts.append(f"### {run}: {chance['label']}\n\n{int(chance['n'])} culprits; probe fitted on {int(chance['pos'])} "
                         f"behaviour generations vs {int(chance['neg'])} normal generations; chance P@n "
                         f"{chance['P@n']:.2f}" + (f"; test activations {chance['seconds']}s" if chance.get("seconds") else "")
                         + ".\n")
            body = body.assign(cell=[f"{p:.2f} ({a:.2f})" for p, a in zip(body["P@n"], body["AP"])])
            table = body.pivot_table(index=["probe", "form"], columns="layer", values="cell", aggfunc="first",
                                     sort=False)
            table.columns = [f"layer {c}" for c in table.columns]
            table = table.reset_index()
            for ref in ("rept_norm P@n", "rept P@n", "h_mean P@n"):
                per_layer = body.groupby("layer", sort=False)[ref].first()
                table.loc[len(table)] = [f"RepT family: {ref.split()[0]} cosine", "per query, train-time last epoch",
                                         *[_fmt(per_layer.get(int(c.split()[1]))) for c in table.columns[2:]]]
            parts.append("P@n (AP over all last-epoch rows) by layer:\n\n" + _md(table) + "\n")
    dpo = out / "dpo_results.json"
    if dpo.exists():
        res = json.loads(dpo.read_text())
        parts.append(DPO_TEXT.format(pairs=res["pairs"], groups=", ".join(f"{k} {v}" for k, v in res["groups"].items()),
                                     seconds=res["capture_seconds"], m0=res["m0"], bv=res["behaviour_vector_seconds"]))
        parts.append("### Pair ranking: P@n of each planted group (n = 30)\n\n" + _md(pd.DataFrame(res["ranking"])) + "\n")
        ex = res["examples"]
        parts.append("Example behaviour examples (r1 / r0): " + "; ".join(
            f"{g}: {e[0]['r1'][:60]!r} / {e[0]['r0'][:60]!r}" for g, e in ex.items()) + "\n")
        parts.append("### Discovery: clusters vs the planted groups (A, B, C, neutral)\n\nfeatures `pairs` = normalised "
                     "v_d; `behaviour` = rows of the cosine matrix between v_d and the 24 behaviour examples' own "
                     "differences (all groups). Planted-only = the same clustering scored on the 90 planted pairs.\n\n"
                     + _md(pd.DataFrame(res["discovery"])) + "\n")
        cr = res["cluster_report"]
        cl = pd.DataFrame(cr["clusters"])
        cl["top_chosen_tokens"] = cl["top_chosen_tokens"].map(lambda t: " ".join(repr(x[0]) for x in t[:6]))
        cl["top_rejected_tokens"] = cl["top_rejected_tokens"].map(lambda t: " ".join(repr(x[0]) for x in t[:6]))
        cl["example_pairs"] = cl["example_pairs"].map(lambda t: ", ".join(map(str, t)))
        parts.append(f"### Cluster report at layer {cr['layer']} (k = {cr['k']} by silhouette: "
                     + ", ".join(f"{k}: {v:.3f}" for k, v in cr["silhouette"].items()) + ")\n\n"
                     + _md(cl[["cluster", "size", "cohesion", "planted groups", "dominant_sources", "top_chosen_tokens",
                               "top_rejected_tokens", "example_pairs"]]) + "\n")
    trained = out / "dpo_trained_results.json"
    if trained.exists():
        res = json.loads(trained.read_text())
        parts.append(TRAINED_TEXT.format(lr=res["lr"], epochs=res["epochs"], seconds=res["train_seconds"]))
        parts.append("Behaviour rate on the 8 held-out prompts of each group (greedy):\n\n" + _md(pd.DataFrame(res["rates"]))
                     + "\n")
        parts.append("P@n of each planted group (n = 30):\n\n" + _md(pd.DataFrame(res["ranking"])) + "\n")
        parts.append("Example r1 / r0: " + "; ".join(f"{g}: {e[0]['r1'][:70]!r} / {e[0]['r0'][:70]!r}"
                                                    for g, e in res["examples"].items() if e) + "\n")
    md = "\n".join(parts)
    results.write_text(md)
    return md


FINDINGS = """## Findings

- **Probe / concept influence vs RepT.** A probe fitted on the final model's mean response activations of 10-24
  behaviour generations vs 12 normal generations, projected on every training row's captured h_mean, finds the
  culprits at least as well as the per-query RepT signatures, and much better where RepT is weak:
  fixed-text backdoor P@n 1.00 at every layer (rept_norm 1.00 only at layer 29, 0.40-0.56 below 22); compliment style
  0.77-0.85 with the logistic-regression probe at layers 8-29 (AP 0.87-0.94) vs 0.54-0.64 for rept_norm and 0.61-0.65
  for rept (train-time; a re-pass of the training set reached 0.90 with rept at 29); factual swap 0.80 (AP 0.90) at
  layer 29 vs rept_norm 0.24, rept 0.52 and TF-IDF 0.54 (caveat: there the normal examples answer unrelated clean
  prompts, so the direction may carry the topic as well as the swap; 0.87 vs rept_norm 0.33 in the harmful+factual
  run); harmful compliance (14-15 culprits, varied replies) 1.00 at layers 22 and 29 in both runs vs rept_norm
  0.07-0.55 and rept 0.52-0.72 (there every benign answer also "complies", so the normal examples are plain answers). The difference-of-means direction is weaker than logistic
  regression on the style and the factual swap (0.57-0.63 at layer 29); with only 4 + 4 labelled examples it still
  reaches 1.00 / 0.58 / 0.53 (fixed / style / factual at layer 29). One probe ranks the whole training set once.
- **The representation-gradient form -<G_z, v> is much weaker** than the projection. On last-epoch captures it fails
  (fixed text P@n 0.00-0.03: the culprits are learned and their g_mean no longer points along the concept); epoch-0
  captures (while the behaviour is being learned) recover part of it (fixed 0.63-0.67 at layers 22-29, factual 0.53
  with logreg at 29), the TracIn-style mean over epochs lies between, the cosine form (normalised G) does not help.
- **DPO activation differences** (planted pairs, v_d from a real DPOTrainer capture with M0 = adapters disabled, r1
  = the behaviour applied to M0's answers): ALL CAPS P@n 1.00 at every layer (TF-IDF difference 0.90), flattery
  0.73-0.93 rising with depth (TF-IDF 0.30: the held-out compliments share no words with the training ones), harmful
  compliance 0.43-0.63 (TF-IDF 0.63; neutral pairs that prefer an answer over another source's refusal point the
  same way); chance 0.20. Scoring 150 pairs takes < 0.1 s once v_d are read.
- **Discovery.** KMeans on normalised v_d with k by silhouette (k = 5) separates the three planted groups perfectly
  at layers 15 and 22 (planted-only purity 1.00, ARI 1.00; 0.97 at 29, 0.84 at 8); with the 60 neutral pairs
  counted, purity 0.87-0.88 and ARI 0.58: the neutral pairs form their own clusters, except 18 that prefer an answer
  to a refusal and join the compliance cluster. Each cluster's top chosen tokens name the behaviour (' IS' 'AL' ' C'
  for the capitals, '!' ' you' for the flattery) and its sources are the planted ones. Average-linkage agglomerative
  clustering with a fixed k = 4 merges two planted groups (ARI 0.57); clustering the behaviour x datapoint cosine
  matrix is worse than clustering v_d directly (planted-only ARI 0.56-0.88).
- The workflow with a DPO-*tuned* model generating r1 (`--part dpo-trained`: DPO training with capture on the same
  pairs, lr 1e-3, LoRA r=8 on q/v, section at the end). With 1 epoch (397 s) the planted behaviours did not take (the
  tuned model showed them exactly as often as M0; a failed run, not counted). With 3 epochs (1084 s) they partly took
  on held-out prompts: ALL CAPS 0.25 (M0 0.00), flattery 0.12 (0.00), harmful compliance 1.00 (0.88, already M0's
  behaviour). From the few tuned answers that show them: ALL CAPS pairs P@30 1.00 at every layer (2 examples; lexical
  0.77), flattery 0.83 at layer 29 (1 example; lexical 0.13, chance 0.20); harmful compliance 0.03-0.17 (lexical
  0.50): where M0 already complies, r1 - r0 carries little of the pairs' direction. The code path is also exercised
  by tests/behaviour/test_behaviour_actdiff.py (generation by the tuned model and M0 on a tiny model).
"""


PROBE_TEXT = """## Probes and concept influence vs RepT (attribution-benchmark runs)

Stores and final models of `benchmarks.attribution.bench` (LoRA SFT, 3 epochs, training-time captures; see
[attribution_results.md](../attribution/results/attribution_results.md)). Probe: fitted on the final model's h_mean (mean response activation)
of the behaviour generations (the RepT benchmark's queries) vs the normal generations of the same held-out prompts
without the trigger (or the run's clean held-out prompts). Probes: `diffmeans`, `logreg` (all examples) and
`diffmeans 4+4` (the first 4 behaviour and 4 normal examples only). Scores for every training row from the
training-time captures: projection <h_mean(z), v>/|v| (last epoch) and the gradient form -<g_mean(z), v>/|v| on the
last epoch, on epoch 0, averaged over epochs, and as a cosine (g_mean normalised). P@n with n = the number of
culprits over one ranking per behaviour; AP = average precision over all rows. The RepT columns are that run's per-query P@n (mean over queries) at the same layer
(train-time, last epoch), from its attribution_table.csv.
"""

DPO_TEXT = """## DPO activation differences and discovery (planted preference pairs, no training)

{pairs} DPO pairs from real prompts ({groups}): A's chosen complies with a harmful request (varied compliant replies,
rejected = the refusal), B's chosen is the normal answer in ALL CAPS, C's chosen prefixes a compliment, neutral pairs
prefer the prompt's own answer to another source's answer. v_d from a real capture: TRL DPOTrainer +
ProvenanceTrainerCallback, LoRA r=8 on q/v at learning rate 0, one epoch, batch 4, layers 8/15/22/29; M0 = {m0}
(capture {seconds}s). Behaviour vectors from 8 held-out prompts per group: r0 = M0's greedy answer, r1 = the group's
behaviour applied to it (held-out compliant replies / upper-case / held-out compliments): no tuned model was trained,
r1 stands for what a model tuned on the group would answer ({bv}s for all behaviour vectors). Lexical baseline: the
same cosine on case-kept TF-IDF vectors of the texts.
"""


TRAINED_TEXT = """## DPO activation differences with a DPO-tuned model (the full workflow)

The same 150 pairs DPO-trained with capture (TRL DPOTrainer, LoRA r=8 on q/v, learning rate {lr}, {epochs} epochs,
batch 4, beta 0.1; {seconds}s with capture). r1 = the tuned model's greedy answers to the held-out prompts of each group
(only those that show the behaviour, when any does), r0 = M0's (adapters disabled); v_d from this run's h_mean_ref.
"""


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=("probe", "dpo", "dpo-trained", "render", "all"), default="all")
    ap.add_argument("--out", default=str(ROOT / "runs" / "behaviour_bench"))
    ap.add_argument("--runs", default=str(ROOT / "runs"))
    ap.add_argument("--results", default=str(ROOT / "benchmarks" / "behaviour" / "behaviour_results.md"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dpo-epochs", type=int, default=3, help="dpo-trained: DPO epochs (1 did not make the behaviours take)")
    ap.add_argument("--dpo-lr", type=float, default=1e-3, help="dpo-trained: DPO learning rate")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.part in ("probe", "all"):
        probe_part(out, Path(args.runs))
    if args.part in ("dpo", "all"):
        dpo_part(out)
    if args.part == "dpo-trained":
        dpo_trained_part(out, lr=args.dpo_lr, epochs=args.dpo_epochs)
    print(render(out, Path(args.results)))


if __name__ == "__main__":
    sys.exit(main())
