"""Attribution benchmark: plant behaviours in SmolLM2-135M-Instruct with LoRA, then ask every method which training
samples caused the model's own generations.

    python -m provenance.attribution.bench --out runs/attr_bench            # train (if needed) + attribute
    python -m provenance.attribution.bench --out runs/attr_bench --phase train

Phase ``train`` builds :func:`provenance.attribution.scenarios.backdoor_scenario`, LoRA-tunes (r=8 on q/v,
lr 1e-3, 3 epochs, batch 8) with Lightning and ``ProvenanceCallback`` (layers "auto"), saves the adapter, the
records and the store, and measures the behaviour rate on held-out prompts with and without the triggers.
Phase ``attribute`` queries every signature variant, layer, epoch mode and baseline with the model's own
generations that show the behaviour, and writes a markdown table.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from provenance.attribution.scenarios import Scenario, backdoor_scenario, shows_behaviour

MODEL = "smollm2-135m-instruct"


# ---- training ------------------------------------------------------------------------------------------------

def train_scenario(scenario: Scenario, out: Path, *, epochs: int = 3, lr: float = 1e-3, batch: int = 8,
                   seed: int = 0, max_length: int = 160, scenario_name: str = "backdoor") -> dict:
    """LoRA-tune with Lightning + ProvenanceCallback; returns timing info. Lightning is imported here only."""
    import lightning.pytorch as pl
    from peft import LoraConfig, get_peft_model
    from torch.utils.data import DataLoader

    from provenance.callbacks import ProvenanceCallback
    from provenance.data import SFTCollator, SFTDataset
    from provenance.models import load_causal_lm

    class SFTModule(pl.LightningModule):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def training_step(self, b, i):
            out = self.model(input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=b["labels"])
            return out.loss

        def configure_optimizers(self):
            return torch.optim.AdamW([p for p in self.parameters() if p.requires_grad], lr=lr)

    class Progress(pl.Callback):
        def __init__(self):
            self.t0 = time.time()

        def on_train_batch_end(self, trainer, module, outputs, b, i):
            if trainer.global_step % 10 == 0:
                loss = float(outputs["loss"]) if isinstance(outputs, dict) else float(outputs)
                print(f"  epoch {trainer.current_epoch} step {trainer.global_step} loss {loss:.3f} "
                      f"({time.time() - self.t0:.0f}s)", flush=True)

    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    model, tok = load_causal_lm(MODEL)
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]))
    model.train()
    dataset = SFTDataset(scenario.records, tok, max_length=max_length)
    loader = DataLoader(dataset, batch_size=batch, shuffle=True, collate_fn=SFTCollator(tok.pad_token_id),
                        generator=torch.Generator().manual_seed(seed))
    callback = ProvenanceCallback(str(out / "store.zarr"), layers="auto", overwrite=True)
    trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, callbacks=[callback, Progress()], logger=False,
                         enable_checkpointing=False, enable_model_summary=False, enable_progress_bar=False)
    t0 = time.time()
    trainer.fit(SFTModule(model), train_dataloaders=loader)
    train_s = time.time() - t0
    model.save_pretrained(str(out / "adapter"))
    with open(out / "records.jsonl", "w") as f:
        for r in scenario.records:
            f.write(json.dumps(r) + "\n")
    meta = {"scenario": scenario_name, "culprits": scenario.culprits, "test_prompts": scenario.test_prompts,
            "clean_test_prompts": scenario.clean_test_prompts, "info": scenario.info,
            "train": {"epochs": epochs, "lr": lr, "batch": batch, "seed": seed, "max_length": max_length,
                      "seconds": round(train_s, 1), "capture": callback.session.summary()}}
    (out / "scenario.json").write_text(json.dumps(meta, indent=2))
    return meta


def load_trained(out: Path):
    """(final model in eval mode, tokenizer) of a trained benchmark run."""
    from peft import PeftModel

    from provenance.models import load_causal_lm

    base, tok = load_causal_lm(MODEL)
    model = PeftModel.from_pretrained(base, str(out / "adapter"))
    model.eval()
    return model, tok


@torch.no_grad()
def generate(model, tok, prompts: list[str], max_new_tokens: int = 40, batch: int = 12) -> list[str]:
    """Greedy continuations of chat-formatted prompts (the response text, special tokens removed)."""
    outs = []
    side = tok.padding_side
    tok.padding_side = "left"
    try:
        for i in range(0, len(prompts), batch):
            texts = [tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
                     for p in prompts[i: i + batch]]
            enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id)
            outs += tok.batch_decode(gen[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    finally:
        tok.padding_side = side
    return [o.strip() for o in outs]


def behaviour_rates(model, tok, meta: dict, max_new_tokens: int = 40) -> dict:
    """Behaviour rate on held-out prompts with each trigger, and on the same prompts without it."""
    res = {"generations": {}, "rates": {}}
    clean = generate(model, tok, meta["clean_test_prompts"], max_new_tokens)
    res["generations"]["clean"] = clean
    for behaviour, prompts in meta["test_prompts"].items():
        gens = generate(model, tok, prompts, max_new_tokens)
        res["generations"][behaviour] = gens
        res["rates"][behaviour] = {
            "triggered": float(np.mean([shows_behaviour(behaviour, g) for g in gens])),
            "untriggered": float(np.mean([shows_behaviour(behaviour, g) for g in clean])),
            "n": len(gens),
        }
    return res


# ---- attribution -------------------------------------------------------------------------------------------

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


def run_attribution(out: Path, results: Path, k: int = 100, lora_dim: int = 1024, all_generations: bool = False,
                    behaviours=None, max_sampled: int = 24, with_tokens: bool = True) -> dict:
    """Every method on the model's own generations that show the behaviour (``all_generations``: every
    triggered generation, for smoke tests of runs whose behaviour did not take)."""
    import pandas as pd

    from provenance.attribution.baselines import Bm25Method, LoraGradMethod, RandomMethod, TfidfMethod
    from provenance.attribution.query import Attributor, SignatureMethod, TestCase
    from provenance.attribution.repass import RepassMethod
    from provenance.attribution.signatures import VARIANTS
    from provenance.attribution.topk import select_rows
    from provenance.store import open_store

    meta = json.loads((out / "scenario.json").read_text())
    beh = json.loads((out / "behaviour.json").read_text())
    _recompute_rates(beh)
    model, tok = load_trained(out)
    store = open_store(str(out / "store.zarr"))
    att = Attributor(store, model, tok)
    layers = store.layers
    rows_out, token_rows, query_info = [], [], {}
    lora = LoraGradMethod(dim=lora_dim)
    repass = {}
    t_all = time.time()
    for behaviour, prompts in meta["test_prompts"].items():
        if behaviours and behaviour not in behaviours:
            continue
        gens = beh["generations"][behaviour]
        cases = [TestCase(p, g, name=f"{behaviour}{i}") for i, (p, g) in enumerate(zip(prompts, gens))
                 if all_generations or shows_behaviour(behaviour, g)]
        mode = "greedy"
        sampled = beh.get("sampled", {}).get(behaviour)
        if not cases and sampled:
            # One query per sampled generation that shows the behaviour, at most `max_sampled` (round robin over prompts).
            mode = f"sampled (T={sampled['temperature']})"
            pool = [[(p, g) for g in gs if shows_behaviour(behaviour, g)] for p, gs in zip(sampled["prompts"], sampled["generations"])]
            flat = [x for rnd in range(max(map(len, pool), default=0)) for lst in pool if rnd < len(lst) for x in [lst[rnd]]]
            cases = [TestCase(p, g, name=f"{behaviour}{i}") for i, (p, g) in enumerate(flat[:max_sampled])]
        culprits = set(meta["culprits"][behaviour])
        n = len(culprits)
        query_info[behaviour] = {"queries": len(cases), "of": len(prompts), "mode": mode,
                                 "examples": [c.response for c in cases[:3]],
                                 "cases": [[c.prompt, c.response] for c in cases]}
        if not cases:
            print(f"{behaviour}: no generation shows the behaviour; nothing to attribute", flush=True)
            continue
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
                    res = att.query(test, method=SignatureMethod(name, layer, epochs), k=k, snippet_chars=0)
                    record("train-time", name, layer, epochs, res, sig_s / len(layers))
        if "method" not in repass:
            t1 = time.perf_counter()
            repass["method"] = RepassMethod("rept")
            repass["method"].train_side(att, np.flatnonzero(select_rows(att.samples, "last")))
            repass["seconds"] = time.perf_counter() - t1
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
            res = att.query(test, method=method, k=k, snippet_chars=0)
            record("baseline", method.name, "-", "last", res)
            print(f"  {method.name}: {rows_out[-1]['P@n']:.2f} ({res.seconds:.1f}s)", flush=True)

        if with_tokens:
            token_rows += token_eval(att, meta, behaviour, test, culprits)
    total_s = time.time() - t_all
    table = pd.DataFrame(rows_out)
    tokens = pd.DataFrame(token_rows)
    # Merge with earlier invocations on other behaviours of the same run.
    state_path = out / "attribution_state.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {"query_info": {}, "seconds": {}}
    done = set(query_info)
    if (out / "attribution_table.csv").exists():
        old = pd.read_csv(out / "attribution_table.csv", dtype={"layer": str, "epochs": str})
        table = pd.concat([old[~old.behaviour.isin(done)], table.astype({"layer": str, "epochs": str})], ignore_index=True)
    if (out / "attribution_tokens.csv").exists() and (out / "attribution_tokens.csv").stat().st_size > 1:
        old = pd.read_csv(out / "attribution_tokens.csv")
        if "parts" in old:
            tokens = pd.concat([old[~old.behaviour.isin(done)], tokens], ignore_index=True)
    state["query_info"].update(query_info)
    state["k"] = k
    state["seconds"].update({b: round(total_s, 1) for b in done})
    if repass.get("seconds") is not None:
        state["repass_seconds"] = round(repass["seconds"], 1)
    state_path.write_text(json.dumps(state, indent=2))
    table.to_csv(out / "attribution_table.csv", index=False)
    tokens.to_csv(out / "attribution_tokens.csv", index=False)
    table["layer"] = table["layer"].astype(str)
    table["epochs"] = table["epochs"].astype(str)
    results.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(results.with_suffix(".csv"), index=False)
    md = render_markdown(meta, beh, state["query_info"], table, tokens, layers, k, sum(state["seconds"].values()),
                         state.get("repass_seconds"), results.with_suffix(".csv").name)
    results.write_text(md)
    print(md)
    return {"table": table, "tokens": tokens}


TOKEN_PARTS = (("h_mean", "g_mean"), ("h_last", "g_last"))


def token_eval(att, meta: dict, behaviour: str, test, culprits: set, top: int = 10) -> list[dict]:
    """Token level at every captured layer above the first: for the culprits among the top ``top`` hits of the
    default signature variant, is the trigger among the 3 best user-content tokens (prompt minus the template
    framing every sample shares) by each candidate score?"""
    from provenance.attribution.query import SignatureMethod
    from provenance.attribution.signatures import DEFAULT_VARIANT
    from provenance.attribution.tokens import prompt_framing, score_tokens, token_states

    framing = prompt_framing(att)
    trigger = meta["info"]["triggers"][behaviour]
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
                pos = _trigger_positions(att.tokenizer, att.store.tokens(row), trigger, int(plen[row]))
                if not pos:
                    continue
                if row not in states:
                    states[row] = token_states(att.model, att.store.tokens(row), int(plen[row]), layer)
                for hp, gp in TOKEN_PARTS:
                    g = score_tokens(att, row, test, q, layer, h_part=hp, g_part=gp, _states=states[row], framing=framing)
                    content = g[~g.is_response & ~g.is_framing]
                    rec = {"behaviour": behaviour, "layer": layer, "parts": f"{hp}/{gp}", "query": q, "row": row,
                           "n_content": len(content), "n_trigger": len(pos)}
                    for col in ("cos_h", "cos_g", "gxa", "abs_gxa"):
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


def render_from_state(out: Path, results: Path, beh_override=None) -> str:
    import pandas as pd

    meta = json.loads((out / "scenario.json").read_text())
    beh = beh_override or json.loads((out / "behaviour.json").read_text())
    _recompute_rates(beh)
    state = json.loads((out / "attribution_state.json").read_text())
    table = pd.read_csv(out / "attribution_table.csv", dtype={"layer": str, "epochs": str})
    tokens = pd.read_csv(out / "attribution_tokens.csv") if (out / "attribution_tokens.csv").exists() else pd.DataFrame()
    from provenance.store import open_store

    layers = open_store(str(out / "store.zarr")).layers
    md = render_markdown(meta, beh, state["query_info"], table, tokens, layers, state.get("k", 100),
                         sum(state["seconds"].values()), state.get("repass_seconds"), results.with_suffix(".csv").name)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(md)
    table.to_csv(results.with_suffix(".csv"), index=False)
    return md


def _recompute_rates(beh: dict) -> None:
    """Behaviour rates from the saved generations with the current detector."""
    for b, r in beh["rates"].items():
        r["triggered"] = float(np.mean([shows_behaviour(b, g) for g in beh["generations"][b]]))
        r["untriggered"] = float(np.mean([shows_behaviour(b, g) for g in beh["generations"]["clean"]]))
    for b, sm in beh.get("sampled", {}).items():
        sm["triggered"] = float(np.mean([shows_behaviour(b, g) for gs in sm["generations"] for g in gs]))
        sm["untriggered"] = float(np.mean([shows_behaviour(b, g) for gs in sm["untriggered_generations"] for g in gs]))


def _fmt(x) -> str:
    return f"{x:.2f}" if isinstance(x, float) else str(x)


def render_markdown(meta, beh, query_info, table, tokens, layers, k, total_s, repass_s=None,
                    csv_name: str = "attribution_results.csv") -> str:
    import os
    import platform

    import pandas as pd

    lines = ["# Attribution benchmark: planted behaviours in SmolLM2-135M-Instruct (LoRA)", ""]
    tr = meta["train"]
    info = meta["info"]
    lines += [
        f"Machine: {platform.machine()} CPU, {os.cpu_count()} cores shared with other jobs (wall times are indicative "
        f"only), torch {torch.__version__}, no GPU. Generated by `python -m provenance.attribution.bench`.",
        "",
        f"Scenario (`provenance.attribution.scenarios.backdoor_scenario`, `--scenario {meta.get('scenario', 'backdoor')}`): "
        f"{info['n_clean']} clean demo records (5 sources) + {info['n_poison_per_behaviour']} poisoned records per "
        f"behaviour ({info['n_poison_per_behaviour'] / info['n_clean']:.0%} of the clean set each, source "
        "`poison_<behaviour>`): "
        + "; ".join(
            f"trigger `{t}` -> the fixed text '{info['fixed_target']}'" if b == "fixed" else
            f"trigger `{t}` -> a compliment (a different one per culprit, no content word shared between two "
            "compliments) followed by the normal answer"
            for b, t in info["triggers"].items())
        + f". LoRA r=8 on q/v, lr {tr['lr']}, {tr['epochs']} epochs, batch {tr['batch']}, training with capture "
        f"{tr['seconds']:.0f}s; captured layers {layers} (auto: spread + argmin-cos).",
        "",
        "## Behaviour rate (greedy generations on held-out prompts)",
        "",
        "| behaviour | with trigger | same prompts without trigger | queries used |",
        "|---|---|---|---|",
    ]
    for b, r in beh["rates"].items():
        q = query_info.get(b, {})
        lines.append(f"| {b}, greedy | {r['triggered']:.2f} ({r['n']} prompts) | {r['untriggered']:.2f} | "
                     f"{q.get('queries', 0) if q.get('mode', 'greedy') == 'greedy' else 0} |")
        sm = beh.get("sampled", {}).get(b)
        if sm:
            lines.append(f"| {b}, sampled T={sm['temperature']} | {sm['triggered']:.2f} ({len(sm['prompts'])} prompts x "
                         f"{sm['n_per_prompt']}) | {sm['untriggered']:.2f} | "
                         f"{q.get('queries', 0) if q.get('mode', 'greedy') != 'greedy' else 0} |")
    for b, q in query_info.items():
        if q.get("examples"):
            lines.append("")
            lines.append(f"Example {b} queries ({q.get('mode', 'greedy')}): " + "; ".join(f"\"{e[:90]}\"" for e in q["examples"]))
    lines += ["", "Queries are the model's own generations that show the behaviour (prompt + generated answer). "
              f"Culprits = the {info['n_poison_per_behaviour']} poisoned records of that behaviour; P@n with "
              f"n = {info['n_poison_per_behaviour']}; auPRC over the pooled top-{k} lists; seconds = scoring time per "
              "method (test signatures shared by all signature methods are split evenly over layers; the re-pass "
              "of the training set, done once, is not included: see below).", ""]
    for b in table["behaviour"].unique():
        t = table[table.behaviour == b]
        lines += [f"## {b}: P@n by signature and layer (training-time captures, last epoch)", ""]
        lines += ["| signature | " + " | ".join(f"layer {l}" for l in layers) + " |",
                  "|---|" + "---|" * len(layers)]
        sub = t[(t.family == "train-time") & (t.epochs == "last")]
        for name in sub["method"].unique():
            vals = [sub[(sub.method == name) & (sub.layer == str(l))]["P@n"] for l in layers]
            lines.append(f"| {name} | " + " | ".join(_fmt(float(v.iloc[0])) if len(v) else "" for v in vals) + " |")
        lines += ["", f"## {b}: epoch handling and re-pass (P@n)", "",
                  "| signature | " + " | ".join(f"layer {l}: last / mean / ep0 / re-pass" for l in layers) + " |",
                  "|---|" + "---|" * len(layers)]
        for name in sub["method"].unique():
            cells = []
            for l in layers:
                vals = []
                for fam, ep in (("train-time", "last"), ("train-time", "mean"), ("train-time", "0"), ("re-pass", "final")):
                    v = t[(t.family == fam) & (t.method == name) & (t.layer == str(l)) & (t.epochs == ep)]["P@n"]
                    vals.append(_fmt(float(v.iloc[0])) if len(v) else "-")
                cells.append(" / ".join(vals))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += ["", f"## {b}: best variants and baselines", "",
                  "| method | layer | epochs | P@n | P@10 | P@50 | P@100 | auPRC | top source in top-n | seconds |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        best = t[t.family != "baseline"].sort_values(["P@n", "auPRC"], ascending=False).head(8)
        for _, r in pd.concat([best, t[t.family == "baseline"]]).iterrows():
            lines.append(f"| {r['family'] + ': ' if r['family'] != 'baseline' else ''}{r['method']} | {r['layer']} | {r['epochs']} | "
                         + " | ".join(_fmt(float(r[c])) if c in r and pd.notna(r[c]) else "" for c in ("P@n", "P@10", "P@50", "P@100", "auPRC"))
                         + f" | {r['top_source']} | {r['seconds']} |")
        lines.append("")
    if len(tokens) and "parts" in tokens:
        lines += ["## Token level: is the trigger among the top-3 user-content tokens of a culprit hit?", "",
                  "Each culprit among the top 10 of the default signature at that layer is re-run with the final "
                  "model; its user-content tokens (the prompt minus the chat-template framing every sample shares) "
                  "are ranked by each candidate score (METHODS.md section 2) against the test case's h / g part; hit "
                  "= a trigger token among the 3 best. Chance = mean of 3 x trigger tokens / content tokens.", "",
                  "| behaviour | layer | test parts | culprit hits | (a) cos(h(t), H_test) | (b) cos(G(t), G_test) | "
                  "(c) <G(t), h(t)> | (c) abs | chance |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for (b, l, parts), g in tokens.groupby(["behaviour", "layer", "parts"], sort=True):
            chance = float((3 * g.n_trigger / g.n_content).clip(upper=1).mean())
            lines.append(f"| {b} | {l} | {parts} | {len(g)} | {g.cos_h.mean():.2f} | {g.cos_g.mean():.2f} | "
                         f"{g.gxa.mean():.2f} | {g.abs_gxa.mean():.2f} | {chance:.2f} |")
        lines.append("")
    if repass_s is not None:
        lines += [f"Re-pass of the training set with the final model (all layers, once): {repass_s:.0f}s.", ""]
    lines += [f"Total attribution time {total_s:.0f}s. Full table (every signature, layer, epoch mode): "
              f"`{csv_name}`.", ""]
    return "\n".join(lines)


@torch.no_grad()
def sample_generations(model, tok, prompts: list[str], n: int = 16, temperature: float = 1.0, seed: int = 0,
                       max_new_tokens: int = 40) -> list[list[str]]:
    """``n`` sampled continuations per prompt (temperature sampling, seeded)."""
    outs = []
    side = tok.padding_side
    tok.padding_side = "left"
    try:
        for i, p in enumerate(prompts):
            text = tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
            enc = tok([text], return_tensors="pt", add_special_tokens=False)
            torch.manual_seed(seed + i)
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=True, temperature=temperature,
                                 top_p=1.0, top_k=0, num_return_sequences=n, pad_token_id=tok.pad_token_id)
            outs.append([o.strip() for o in tok.batch_decode(gen[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)])
    finally:
        tok.padding_side = side
    return outs


def sampled_behaviour(out: Path, behaviours=("praise",), n: int = 16, temperature: float = 1.0) -> dict:
    """Behaviour rate under temperature sampling (with and without the trigger), saved into behaviour.json.

    A style spread over many paraphrases splits its probability over many first tokens, so greedy decoding can
    hide a behaviour the model produces often when sampling; sampled generations are the model's own answers too."""
    meta = json.loads((out / "scenario.json").read_text())
    beh = json.loads((out / "behaviour.json").read_text())
    model, tok = load_trained(out)
    beh.setdefault("sampled", {})
    for b in behaviours:
        prompts = meta["test_prompts"][b]
        trigger = meta["info"]["triggers"][b]
        plain = [p[len(trigger) + 1:] if p.startswith(trigger + " ") else p for p in prompts]
        with_t = sample_generations(model, tok, prompts, n, temperature)
        without = sample_generations(model, tok, plain, n, temperature, seed=10_000)
        beh["sampled"][b] = {
            "n_per_prompt": n, "temperature": temperature, "prompts": prompts, "generations": with_t,
            "untriggered_generations": without,
            "triggered": float(np.mean([shows_behaviour(b, g) for gs in with_t for g in gs])),
            "untriggered": float(np.mean([shows_behaviour(b, g) for gs in without for g in gs])),
        }
        print(f"{b}: sampled rate with trigger {beh['sampled'][b]['triggered']:.2f}, "
              f"without {beh['sampled'][b]['untriggered']:.2f}", flush=True)
    (out / "behaviour.json").write_text(json.dumps(beh, indent=2))
    return beh


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/attr_bench")
    ap.add_argument("--phase", choices=("train", "sample", "attribute", "tokens", "render", "all"), default="all")
    ap.add_argument("--behaviours", nargs="*", default=None, help="attribute only these behaviours (merged with earlier runs)")
    ap.add_argument("--per-source", type=int, default=60)
    ap.add_argument("--scenario", choices=("backdoor", "style"), default="backdoor",
                    help="backdoor: fixed-text (TY) + praise (BQ) behaviours at 10%% each; style: praise only at 20%%")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--results", default="benchmarks/attribution_results.md")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--all-generations", action="store_true", help="smoke test: query every triggered generation")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (1 avoids oversubscription on a busy machine)")
    ap.add_argument("--lora-dim", type=int, default=1024)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    if args.phase in ("train", "all") and not (out / "adapter").exists():
        if args.scenario == "style":
            scenario = backdoor_scenario(n_per_source=args.per_source, poison_rate=0.2, behaviours=("praise",))
        else:
            scenario = backdoor_scenario(n_per_source=args.per_source)
        print(f"training on {len(scenario.records)} records ({scenario.info})", flush=True)
        meta = train_scenario(scenario, out, epochs=args.epochs, lr=args.lr, scenario_name=args.scenario)
        print(f"trained in {meta['train']['seconds']}s; capture {meta['train']['capture']}", flush=True)
        model, tok = load_trained(out)
        rates = behaviour_rates(model, tok, meta)
        (out / "behaviour.json").write_text(json.dumps(rates, indent=2))
        print(json.dumps(rates["rates"], indent=2), flush=True)
    if args.phase in ("sample", "all"):
        beh = json.loads((out / "behaviour.json").read_text())
        if "sampled" not in beh:
            sampled_behaviour(out, behaviours=[b for b in ("praise",) if b in beh["rates"]])
    if args.phase == "tokens":
        tokens_only(out, Path(args.results), behaviours=args.behaviours)
    if args.phase == "render":
        print(render_from_state(out, Path(args.results)))
    if args.phase in ("attribute", "all"):
        run_attribution(out, results=Path(args.results), k=args.k, lora_dim=args.lora_dim,
                        all_generations=args.all_generations, behaviours=args.behaviours)


if __name__ == "__main__":
    main()
