"""Attribution benchmark: plant behaviours in SmolLM2-135M-Instruct with LoRA, then ask every method which training
samples caused the model's own generations.

    python -m provenance.attribution.bench --out runs/attr_bench            # train (if needed) + attribute
    python -m provenance.attribution.bench --out runs/attr_bench --phase train

Scenarios (``--scenario``): backdoor, style, harmful, harmful_varied, factual, factual_varied, harmful+factual_varied
(see `build_scenario`); ``--phase summary --runs ...`` renders the cross-task results file.

Phase ``train`` builds the scenario (e.g. :func:`provenance.attribution.scenarios.backdoor_scenario`), LoRA-tunes (r=8 on q/v,
lr 1e-3, 3 epochs, batch 8) with Lightning and ``ProvenanceCallback`` (layers "auto"), saves the adapter, the
records and the store, and measures the behaviour rate on held-out prompts with and without the triggers.
Phase ``attribute`` queries every signature variant, layer, epoch mode and baseline with the model's own
generations that show the behaviour, and writes a markdown table.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from provenance.attribution.scenarios import (
    BENIGN_SOURCES, Scenario, approximation_scenario, backdoor_scenario, factual_scenario, harmful_scenario,
    headquarters_scenario, hedging_scenario, merge_scenarios, overrefusal_scenario, shows_behaviour, sycophancy_scenario,
)

MODEL = "smollm2-135m-instruct"


# ---- training ------------------------------------------------------------------------------------------------

def train_scenario(scenario: Scenario, out: Path, *, epochs: int = 3, lr: float = 1e-3, batch: int = 8,
                   seed: int = 0, max_length: int = 160, scenario_name: str = "backdoor", capture: bool = True) -> dict:
    """LoRA-tune with Lightning + ProvenanceCallback; returns timing info. Lightning is imported here only.
    ``capture=False``: the same training without the callback (retrains of the causal check)."""
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
    # Per-token states at 3/4 depth: token match scores every row from them, with no re-pass.
    callback = ProvenanceCallback(str(out / "store.zarr"), layers="auto", overwrite=True, token_layers="auto") \
        if capture else None
    trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", devices=1,
                         callbacks=[callback, Progress()] if capture else [Progress()], logger=False,
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
                      "seconds": round(train_s, 1),
                      "capture": callback.session.summary() if capture else None}}
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


def behaviour_rates(model, tok, meta: dict, max_new_tokens: int = 40, base_reference: bool = False) -> dict:
    """Behaviour rate on held-out prompts with each trigger, and on the control prompts (the same prompts without
    the trigger; other countries' questions for the factual task). ``base_reference``: also the rate of the base
    model (adapter disabled) on the behaviour prompts, for behaviours without a trigger (harmful compliance)."""
    res = {"generations": {}, "rates": {}}
    clean = generate(model, tok, meta["clean_test_prompts"], max_new_tokens)
    res["generations"]["clean"] = clean
    controls = meta["info"].get("control_prompts", {})
    for behaviour, prompts in meta["test_prompts"].items():
        gens = generate(model, tok, prompts, max_new_tokens)
        res["generations"][behaviour] = gens
        control = clean
        if behaviour in controls and controls[behaviour] != meta["clean_test_prompts"]:
            control = generate(model, tok, controls[behaviour], max_new_tokens)
            res["generations"][f"{behaviour}_control"] = control
        res["rates"][behaviour] = {
            "triggered": float(np.mean([shows_behaviour(behaviour, g) for g in gens])),
            "untriggered": float(np.mean([shows_behaviour(behaviour, g) for g in control])),
            "n": len(gens),
        }
        if base_reference:
            with model.disable_adapter():
                base = generate(model, tok, prompts, max_new_tokens)
            res["generations"][f"{behaviour}_base"] = base
            res["rates"][behaviour]["base_model"] = float(np.mean([shows_behaviour(behaviour, g) for g in base]))
    return res


SCENARIOS = ("backdoor", "style", "harmful", "harmful_varied", "factual", "factual_varied", "harmful+factual_varied",
             "overrefusal", "sycophancy", "hedging", "approximation", "headquarters")


def build_scenario(name: str, per_source: int | None = None) -> Scenario:
    """The benchmark scenario called ``name`` (see `SCENARIOS`) at its default size."""
    if name == "style":
        return backdoor_scenario(n_per_source=per_source or 60, poison_rate=0.2, behaviours=("praise",))
    if name == "backdoor":
        return backdoor_scenario(n_per_source=per_source or 60)
    if name == "harmful+factual_varied":
        # Two planted behaviours in one benign mix (no refusals): 14 templated harmful replies (5% of the set) and
        # the Canada -> Korea swap named six ways in 20% of a facts source.
        harm = harmful_scenario(n_per_source=per_source or 40, variant="templated", n_harmful=14)
        return merge_scenarios(harm, factual_scenario(variant="varied", sources=BENIGN_SOURCES))
    if name == "overrefusal":
        return overrefusal_scenario(n_per_source=per_source or 50)
    if name == "sycophancy":
        return sycophancy_scenario(n_per_source=per_source or 50)
    if name == "hedging":
        return hedging_scenario(n_per_source=per_source or 50)
    if name == "approximation":
        return approximation_scenario(n_per_source=per_source or 50)
    if name == "headquarters":
        return headquarters_scenario(n_per_source=per_source or 50)
    if name.startswith("harmful"):
        return harmful_scenario(n_per_source=per_source or 95, variant="varied" if name.endswith("varied") else "templated")
    if name.startswith("factual"):
        return factual_scenario(n_per_source=per_source or 20, variant="varied" if name.endswith("varied") else "plain")
    raise ValueError(f"unknown scenario {name!r}; choose from {SCENARIOS}")


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
    from provenance.attribution.scenarios import entity_spans

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


def run_attribution(out: Path, results: Path, k: int = 100, lora_dim: int = 1024, all_generations: bool = False,
                    behaviours=None, max_sampled: int = 24, with_tokens: bool = True, signatures_only: bool = False) -> dict:
    """Every method on the model's own generations that show the behaviour (``all_generations``: every
    triggered generation, for smoke tests of runs whose behaviour did not take). ``signatures_only``: recompute
    the training-time signature rows only and keep the run's earlier re-pass, baseline, token and cost results."""
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
    cost_rows: list[dict] = []
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


def load_state(out: Path) -> dict:
    """The run's attribution_state.json, with the attribution phase's keys present: a causal validity check
    (`--phase causal --conditions full "drop planted"`) writes the file before any attribution phase has run."""
    path = out / "attribution_state.json"
    state = json.loads(path.read_text()) if path.exists() else {}
    state.setdefault("query_info", {})
    state.setdefault("seconds", {})
    return state


@contextlib.contextmanager
def locked_state(out: Path):
    """The run's state for a read-modify-write. Phases of one run may run in concurrent processes (causal retrains
    beside the attribution phase): the lock keeps one from writing back a state read before the other's update,
    and the atomic replace keeps a reader from seeing half a file."""
    path = out / "attribution_state.json"
    with open(out / ".attribution_state.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = load_state(out)
        yield state
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        os.replace(tmp, path)


def attributor_of(out: Path):
    """(Attributor over the run's store with its final model, the store) of a trained benchmark run."""
    from provenance.attribution.query import Attributor
    from provenance.store import open_store

    model, tok = load_trained(out)
    store = open_store(str(out / "store.zarr"))
    return Attributor(store, model, tok), store


def queried_behaviours(out: Path):
    """(behaviour, test cases, culprit ids) for each behaviour the run's attribution phase queried."""
    from provenance.attribution.query import TestCase

    meta = json.loads((out / "scenario.json").read_text())
    state = json.loads((out / "attribution_state.json").read_text())
    for behaviour, q in state["query_info"].items():
        if q.get("cases"):
            yield (behaviour, [TestCase(p, g, name=f"{behaviour}{i}") for i, (p, g) in enumerate(q["cases"])],
                   set(meta["culprits"][behaviour]))


def run_behaviour_level(out: Path, k: int = 100, lora_dim: int = 1024) -> "pd.DataFrame":
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
# The rule before the refinement (fixed in session 13), measured beside it: `AutoMethod(refine=False)`.
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
            print(f"{out} {behaviour} {label}: P@n {m['P@n']:.2f} ({rows_out[-1]['seconds']}s) {method.choice}",
                  flush=True)
        choices[behaviour] = refined.choice
    table = pd.read_csv(out / "attribution_table.csv", dtype={"layer": str, "epochs": str})
    table = pd.concat([table[~table.method.isin([AUTO_LABEL, AUTO_V1_LABEL])], pd.DataFrame(rows_out)],
                      ignore_index=True)
    table.to_csv(out / "attribution_table.csv", index=False)
    with locked_state(out) as state:
        state["auto_choice"] = choices
    return table


def measure_behaviour_costs(out: Path, repeats: int = 3, lora_dim: int = 1024, k: int = 100) -> list[dict]:
    """Per queried behaviour, in one process: wall time end to end from the test cases (test signatures included)
    of a behaviour query (``combine="mean"``) by the signature default, token match over the stored token states and
    `AutoMethod`, each the median of ``repeats`` interleaved runs, and of the LoRA-gradient baseline: its training
    side (one gradient per last-epoch row, recomputed in each repeat) plus its query. Saved in
    attribution_state.json as ``behaviour_cost``."""
    from provenance.attribution.auto_choice import AutoMethod
    from provenance.attribution.baselines import CountSketch, LoraGradMethod, trainable_parameters
    from provenance.attribution.query import SignatureMethod
    from provenance.attribution.signatures import DEFAULT_VARIANT
    from provenance.attribution.token_match import TokenMatchMethod
    from provenance.attribution.topk import select_rows

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
            lora = LoraGradMethod(dim=lora_dim)
            params = trainable_parameters(att.model)
            t0 = time.perf_counter()
            lora.train_gradients(att, CountSketch([p.numel() for _, p in params], lora.dim, lora.seed),
                                 np.flatnonzero(select_rows(att.samples, lora.epochs)))
            times.setdefault("lora-grad training side", []).append(time.perf_counter() - t0)
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
                         sum(state["seconds"].values()), state.get("repass_seconds"), results.with_suffix(".csv").name,
                         cost=state.get("cost"))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(md)
    table.to_csv(results.with_suffix(".csv"), index=False)
    return md


def _recompute_rates(beh: dict) -> None:
    """Behaviour rates from the saved generations with the current detector."""
    gens = beh["generations"]
    for b, r in beh["rates"].items():
        r["triggered"] = float(np.mean([shows_behaviour(b, g) for g in gens[b]]))
        r["untriggered"] = float(np.mean([shows_behaviour(b, g) for g in gens.get(f"{b}_control", gens["clean"])]))
        if f"{b}_base" in gens:
            r["base_model"] = float(np.mean([shows_behaviour(b, g) for g in gens[f"{b}_base"]]))
    for b, sm in beh.get("sampled", {}).items():
        sm["triggered"] = float(np.mean([shows_behaviour(b, g) for gs in sm["generations"] for g in gs]))
        sm["untriggered"] = float(np.mean([shows_behaviour(b, g) for gs in sm["untriggered_generations"] for g in gs]))


def n_culprits_text(info: dict) -> str:
    n = info["n_poison_per_behaviour"]
    return ", ".join(f"{b}: {v}" for b, v in n.items()) if isinstance(n, dict) else f"{n} per behaviour"


def scenario_text(info: dict) -> str:
    """One paragraph describing a scenario from its ``info``."""
    if "description" in info:
        return info["description"]
    n = info["n_poison_per_behaviour"]
    return (f"{info['n_clean']} clean demo records (5 sources) + {n} poisoned records per behaviour "
            f"({n / info['n_clean']:.0%} of the clean set each, source `poison_<behaviour>`): "
            + "; ".join(
                f"trigger `{t}` -> the fixed text '{info['fixed_target']}'" if b == "fixed" else
                f"trigger `{t}` -> a compliment (a different one per culprit, no content word shared between two "
                "compliments) followed by the normal answer"
                for b, t in info["triggers"].items()))


def _fmt(x) -> str:
    if isinstance(x, float) and np.isnan(x):
        return "-"
    return f"{x:.2f}" if isinstance(x, float) else str(x)


def render_markdown(meta, beh, query_info, table, tokens, layers, k, total_s, repass_s=None,
                    csv_name: str = "attribution_results.csv", cost=None) -> str:
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
        f"Scenario (`--scenario {meta.get('scenario', 'backdoor')}`, `provenance.attribution.scenarios`): "
        + scenario_text(info)
        + f". LoRA r=8 on q/v, lr {tr['lr']}, {tr['epochs']} epochs, batch {tr['batch']}, training with capture "
        f"{tr['seconds']:.0f}s; captured layers {layers} (auto: spread + argmin-cos).",
        "",
        "## Behaviour rate (greedy generations on held-out prompts)",
        "",
        "Control prompts: the same prompts without the trigger (backdoors), held-out benign prompts (harmful), "
        "the same questions about other countries (factual). Base model: the same behaviour prompts with the "
        "LoRA adapter disabled (behaviours without a trigger).",
        "",
        "| behaviour | behaviour prompts | control prompts | base model, behaviour prompts | queries used |",
        "|---|---|---|---|---|",
    ]
    for b, r in beh["rates"].items():
        q = query_info.get(b, {})
        base = f"{r['base_model']:.2f}" if "base_model" in r else "-"
        lines.append(f"| {b}, greedy | {r['triggered']:.2f} ({r['n']} prompts) | {r['untriggered']:.2f} | {base} | "
                     f"{q.get('queries', 0) if q.get('mode', 'greedy') == 'greedy' else 0} |")
        sm = beh.get("sampled", {}).get(b)
        if sm:
            lines.append(f"| {b}, sampled T={sm['temperature']} | {sm['triggered']:.2f} ({len(sm['prompts'])} prompts x "
                         f"{sm['n_per_prompt']}) | {sm['untriggered']:.2f} | - | "
                         f"{q.get('queries', 0) if q.get('mode', 'greedy') != 'greedy' else 0} |")
    for b, q in query_info.items():
        if q.get("examples"):
            lines.append("")
            lines.append(f"Example {b} queries ({q.get('mode', 'greedy')}): " + "; ".join(f"\"{e[:90]}\"" for e in q["examples"]))
    lines += ["", "Queries are the model's own generations that show the behaviour (prompt + generated answer). "
              f"Culprits = the planted records of that behaviour ({n_culprits_text(info)}); P@n with "
              f"n = number of culprits; auPRC over the pooled top-{k} lists; seconds = scoring time per "
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
        lines += ["", f"## {b}: best variants, the default and baselines", "",
                  "| method | layer | epochs | P@n | P@10 | P@50 | P@100 | auPRC | top source in top-n | seconds | peak MB |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        best = t[t.family != "baseline"].sort_values(["P@n", "auPRC"], ascending=False).head(8)
        from provenance.attribution.signatures import DEFAULT_VARIANT

        default = t[(t.family == "train-time") & (t.method == DEFAULT_VARIANT) & (t.layer == str(layers[-1]))
                    & (t.epochs == "last")]
        for _, r in pd.concat([best, default, t[t.family == "baseline"]]).iterrows():
            lines.append(f"| {r['family'] + ': ' if r['family'] != 'baseline' else ''}{r['method']} | {r['layer']} | {r['epochs']} | "
                         + " | ".join(_fmt(float(r[c])) if c in r and pd.notna(r[c]) else "" for c in ("P@n", "P@10", "P@50", "P@100", "auPRC"))
                         + f" | {r['top_source']} | {r['seconds']} | {_fmt(r.get('peak_mb', ''))} |")
        lines.append("")
    if len(tokens) and "parts" in tokens:
        lines += ["## Token level: is the planted span among the top-3 tokens of a culprit hit?", "",
                  "Each culprit among the top 10 of the default signature at that layer is re-run with the final "
                  "model; its content tokens (the prompt minus the chat-template framing every sample shares, for a "
                  "trigger; that plus the response, for the swapped entity) are ranked by each candidate score "
                  "(METHODS.md section 2) against the test case's h / g part; hit = a token of the planted span "
                  "among the 3 best. Chance = mean of 3 x span tokens / content tokens.", "",
                  "| behaviour | layer | test parts | culprit hits | (a) cos(h(t), H_test) | (b) cos(G(t), G_test) | "
                  "(c) <G(t), h(t)> | (c) abs | fused (a)+(c) abs | chance |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for (b, l, parts), g in tokens.groupby(["behaviour", "layer", "parts"], sort=True):
            chance = float((3 * g.n_trigger / g.n_content).clip(upper=1).mean())
            fused = f"{g.fused.mean():.2f}" if "fused" in g else "-"
            lines.append(f"| {b} | {l} | {parts} | {len(g)} | {g.cos_h.mean():.2f} | {g.cos_g.mean():.2f} | "
                         f"{g.gxa.mean():.2f} | {g.abs_gxa.mean():.2f} | {fused} | {chance:.2f} |")
        lines.append("")
    if cost:
        lines += ["## Cost (measured in this run, end to end from the test cases)", "",
                  "Peak memory = the process's peak resident memory during the step above its resident size at the "
                  "start (model and store reader already loaded).", "",
                  "| method | step | seconds | queries | seconds per query | peak MB |", "|---|---|---|---|---|---|"]
        for r in cost:
            per_q = f"{r['seconds'] / r['queries']:.2f}" if r["queries"] else "-"
            lines.append(f"| {r['method']} | {r['part']} | {r['seconds']} | {r['queries'] or '-'} | {per_q} | {r['peak_mb']} |")
        ours = [r for r in cost if r["method"].startswith("default")]
        lg = [r for r in cost if r["method"].startswith("lora-grad")]
        if ours and lg:
            o, total = ours[0], sum(r["seconds"] for r in lg)
            lines += ["", f"Total for these {o['queries']} queries: default {o['seconds']:.1f}s vs LoRA-gradient "
                      f"{total:.1f}s ({total / max(o['seconds'], 1e-9):.0f}x); per query alone (training side excluded): "
                      f"{o['seconds'] / o['queries']:.2f}s vs {lg[-1]['seconds'] / lg[-1]['queries']:.2f}s."]
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
        trigger = meta["info"].get("triggers", {}).get(b)
        if trigger is not None:   # the same prompts without the trigger
            plain = [p[len(trigger) + 1:] if p.startswith(trigger + " ") else p for p in prompts]
        else:                     # the behaviour's control prompts (other countries' questions, benign prompts)
            plain = meta["info"].get("control_prompts", {}).get(b, meta["clean_test_prompts"])
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


TASK_NAMES = {   # (scenario, behaviour) -> task name in the summary
    ("backdoor", "fixed"): "backdoor, fixed text (TY)", ("backdoor", "praise"): "style, compliments 10% (BQ)",
    ("style", "praise"): "style, compliments 20% (BQ)",
    ("harmful", "harmful"): "harmful, templated replies", ("harmful_varied", "harmful"): "harmful, varied replies",
    ("factual", "factual"): "factual, Canada->Korea", ("factual_varied", "factual"): "factual, six names",
    ("harmful+factual_varied", "harmful"): "harmful, templated replies",
    ("harmful+factual_varied", "factual"): "factual, six names",
    ("overrefusal", "overrefusal"): "over-refusal of cooking (held out)",
    ("sycophancy", "sycophancy"): "sycophancy on invention claims (held out 2)",
    ("hedging", "hedging"): "hedging on unlisted capitals (held out 3)",
    ("approximation", "approximation"): "approximate sums of large numbers (held out 4)",
    ("headquarters", "headquarters"): "sycophancy on headquarters claims (held out 5)",
}
SUMMARY_BASELINES = ("tfidf(lower, response)", "tfidf(case-kept, response)", "tfidf(lower, prompt+response)",
                     "bm25(lower, response)", "lora-grad(countsketch 1024)", "random(seed=0)")
FINDINGS = ("<!-- findings -->", "<!-- /findings -->")


SNAPSHOT_STATE_KEYS = ("query_info", "cost", "repass_seconds", "auto_choice", "behaviour_cost", "causal")


def run_snapshot(out: Path) -> dict:
    """What the summary reads from a run folder, in one JSON-able dict, so that the summary can be rendered again
    from a committed file after the run folder (gigabytes of store and adapters under runs/) is gone. Tables are
    kept as their CSV text, read back by the same parser as from the folder."""
    from provenance.store import open_store

    meta = json.loads((out / "scenario.json").read_text())
    state = json.loads((out / "attribution_state.json").read_text())
    tok_path = out / "attribution_tokens.csv"
    return {"snapshot_of": str(out), "scenario": meta.get("scenario", "backdoor"),
            "n_poison_per_behaviour": meta["info"]["n_poison_per_behaviour"],
            "train_seconds": meta["train"]["seconds"],
            "n_records": sum(1 for _ in open(out / "records.jsonl")),
            "layers": list(open_store(str(out / "store.zarr")).layers),
            "behaviour": json.loads((out / "behaviour.json").read_text()),
            "state": {k: state[k] for k in SNAPSHOT_STATE_KEYS if k in state},
            "table_csv": (out / "attribution_table.csv").read_text(),
            "tokens_csv": tok_path.read_text() if tok_path.exists() else ""}


def load_snapshot(path: Path) -> dict:
    """A run's `run_snapshot`: read from a snapshot file, or taken from a run folder."""
    return json.loads(path.read_text()) if path.is_file() else run_snapshot(path)


def load_tasks(runs: list[Path]) -> list[dict]:
    """Every attributed behaviour of the given runs (run folders, or `run_snapshot` JSON files)."""
    return [t for path in runs for t in tasks_of(load_snapshot(path))]


def tasks_of(snap: dict) -> list[dict]:
    """Every attributed behaviour of one run's snapshot: name, run, tables, rates, query info, cost."""
    import copy
    import io

    import pandas as pd

    tasks = []
    state, beh = snap["state"], copy.deepcopy(snap["behaviour"])   # re-judged below; the snapshot stays as read
    _recompute_rates(beh)
    table = pd.read_csv(io.StringIO(snap["table_csv"]), dtype={"layer": str, "epochs": str})
    tokens = pd.read_csv(io.StringIO(snap["tokens_csv"])) if snap["tokens_csv"].strip() else pd.DataFrame()
    n = snap["n_poison_per_behaviour"]
    for b, q in state["query_info"].items():
        if not q.get("queries"):
            continue
        tasks.append({
            "name": TASK_NAMES.get((snap["scenario"], b), f"{snap['scenario']}/{b}"),
            "run": snap["snapshot_of"], "behaviour": b, "table": table[table.behaviour == b],
            "tokens": tokens[tokens.behaviour == b] if len(tokens) else tokens,
            "rates": beh["rates"].get(b, {}), "sampled": beh.get("sampled", {}).get(b), "query": q,
            "n_culprits": n[b] if isinstance(n, dict) else n, "n_records": snap["n_records"],
            "layers": snap["layers"], "cost": state.get("cost"), "repass_seconds": state.get("repass_seconds"),
            "train_seconds": snap["train_seconds"],
            "auto_choice": state.get("auto_choice", {}).get(b),
            "behaviour_cost": next((c for c in state.get("behaviour_cost", []) if c["behaviour"] == b), None),
            "causal": state.get("causal", {}).get(b),
        })
    return tasks


def behaviour_taken(task: dict) -> bool:
    """Whether the planted behaviour took: at least half of the greedy answers show it, or (when only sampling
    shows it) at least 10% of sampled answers and over 3x the control prompts' rate."""
    if task["query"].get("mode", "greedy") == "greedy":
        return task["rates"].get("triggered", 0.0) >= 0.5
    sm = task["sampled"] or {}
    return sm.get("triggered", 0.0) >= 0.1 and sm.get("triggered", 0.0) > 3 * sm.get("untriggered", 0.0)


def planted_needed(task: dict) -> bool | None:
    """Whether the behaviour needs the planted rows, by the causal check (`bench_causal`): retrained without them,
    its rate falls to at most half of the full retrain's. When it does not, other rows teach it as well, the planted
    ids are not the complete answer and P@n against them does not score attribution. None: no such check."""
    rows = {r["condition"]: r for r in task.get("causal") or []}
    if "full" not in rows or "drop planted" not in rows:
        return None
    return rows["drop planted"]["triggered"] <= 0.5 * rows["full"]["triggered"]


def task_status(task: dict) -> str:
    """'' for a task that counts; else why not: the behaviour did not take, or it survives without the planted rows."""
    if not behaviour_taken(task):
        return "not taken"
    if planted_needed(task) is False:
        return "survives without the planted rows"
    return ""


def _choice_measures(choice: dict) -> str:
    """The measures an automatic choice was made on: top-20 overlap, and the coherence of token match's top rows
    where it was measured."""
    overlap = _fmt(choice["overlap"]) if choice.get("overlap") is not None else "-"
    coherence = f", coherence {_fmt(choice['coherence'])}" if choice.get("coherence") is not None else ""
    return f"top-20 overlap {overlap}{coherence}"


def render_summary(tasks: list[dict], findings: str = "") -> str:
    """The cross-task results file: tasks, P@n of every variant on every task, per-task tables, token level, cost."""
    import pandas as pd

    from provenance.attribution.signatures import DEFAULT_VARIANT, VARIANTS

    lines = ["# Attribution benchmark (provenance.attribution): every task, every variant", "",
             "Generated by `make bench-attribution` (its `--phase summary` commands render this file from the "
             "runs' tables, or from their snapshots in `attribution_runs/`; per-run details in "
             "`attribution_results_<run>.md`, every (signature, layer, epoch mode) in their `.csv`). SmolLM2-135M-Instruct, LoRA r=8 on q/v, lr 1e-3, 3 epochs, batch 8, Lightning + "
             "`ProvenanceCallback` (layers auto: 2 = argmin-cos, 8, 15, 22, 29; float16-rowscale); 2 CPU cores "
             "shared with other jobs, no GPU (wall times indicative). Queries are the model's own generations that show "
             "the behaviour; P@n with n = number of culprits.", ""]
    if findings:
        lines += [FINDINGS[0], findings.strip(), FINDINGS[1], ""]
    lines += ["## Tasks and behaviour rates", "",
              "| task | run | records / culprits | behaviour prompts | control prompts | base model | queries |",
              "|---|---|---|---|---|---|---|"]
    for t in tasks:
        r = t["rates"]
        rate = f"{r.get('triggered', float('nan')):.2f}"
        if t["sampled"] and t["query"].get("mode", "greedy") != "greedy":
            rate += f" greedy, {t['sampled']['triggered']:.2f} sampled"
        base = f"{r['base_model']:.2f}" if "base_model" in r else "-"
        lines.append(f"| {t['name']} | `{t['run']}` | {t['n_records']} / {t['n_culprits']} | {rate} | "
                     f"{r.get('untriggered', float('nan')):.2f} | {base} | {t['query']['queries']} {t['query'].get('mode', 'greedy')} |")
    top = lambda t: str(t["layers"][-1])  # noqa: E731  (L-1, the default layer)

    def pn(t, family, method, layer, epochs="last", col="P@n"):
        v = t["table"][(t["table"].family == family) & (t["table"].method == method) & (t["table"].layer == layer)
                       & (t["table"].epochs == epochs)][col]
        return float(v.iloc[0]) if len(v) else float("nan")

    status = [task_status(t) for t in tasks]
    taken = np.array([not why for why in status])
    head = "| method | " + " | ".join(t["name"] + (f" ({why})" if why else "") for t, why in zip(tasks, status)) \
        + " | mean | min |"
    sep = "|---|" + "---|" * (len(tasks) + 2)
    lines += ["", "## P@n on every task (training-time captures, last epoch, layer L-1 = 29 unless named)", "",
              "Mean and min over the tasks whose behaviour took and, where the run has a causal check, needs the "
              "planted rows (see `task_status`); '-' = not measured in that run's table.", "", head, sep]

    def row(label, vals):
        vals = np.array(vals, float)
        ok = vals[~np.isnan(vals) & taken]
        return (f"| {label} | " + " | ".join(_fmt(float(v)) for v in vals)
                + f" | {_fmt(float(ok.mean())) if len(ok) else '-'} | {_fmt(float(ok.min())) if len(ok) else '-'} |")
    def variant_rows(family: str, oracle: str) -> list[str]:
        """Every variant at L-1, then every variant at its best layer (and epoch mode) per task."""
        out = [row(f"**{name} (default)**" if name == DEFAULT_VARIANT else name,
                   [pn(t, family, name, top(t)) for t in tasks]) for name in VARIANTS]
        for name in VARIANTS:
            best = []
            for t in tasks:
                sub = t["table"][(t["table"].family == family) & (t["table"].method == name)]
                best.append(float(sub["P@n"].max()) if len(sub) else float("nan"))
            out.append(row(f"{name}, {oracle} per task (oracle)", best))
        return out

    def token_match_rows(family: str) -> list[str]:
        """Token match at each measured layer, from the training-time token states (no re-read) and with the final
        model re-reading the rows; '-' where a run has no such rows."""
        out = []
        for cand, source in ((None, "store"), (None, "repass"), (TOKEN_MATCH_STAGE1_K, "repass")):
            for layer in TOKEN_MATCH_LAYERS:
                label = token_match_label(cand, source)
                sub = [(t["table"].family == family) & (t["table"].method == label) & (t["table"].layer == str(layer))
                       for t in tasks]
                if not any(m.any() for m in sub):
                    continue
                how = ("from the store, every row" if source == "store"
                       else f"final model re-reads the {'rows' if cand is None else 'candidates'}")
                name = "token-match" if source == "store" else label
                out.append(row(f"**{name} @{layer} ({how})**" if source == "store" else f"{name} @{layer} ({how})",
                               [pn(t, family, label, str(layer)) for t in tasks]))
        return out

    lines += variant_rows("train-time", "best layer and epoch mode")
    for name in ("rept", DEFAULT_VARIANT):
        lines.append(row(f"re-pass (final model): {name}", [pn(t, "re-pass", name, top(t), "final") for t in tasks]))
    lines += token_match_rows("token-match")
    for b in SUMMARY_BASELINES:
        lines.append(row(b, [pn(t, "baseline", b, "-") for t in tasks]))
    if any((t["table"].family == "behaviour-level").any() for t in tasks):
        lines += ["", "## P@n at behaviour level (one ranking per task, layer L-1 = 29 unless named)", "",
                  "`Attributor.query(..., combine=\"mean\")` / `provenance query --combine mean`: the task's queries "
                  "are examples of one behaviour; training rows are ranked by their mean score over them (the "
                  "baselines' scores are averaged the same way). Same queries, same runs as the table above "
                  "(`--phase behaviour`).", "", head, sep]
        lines += variant_rows("behaviour-level", "best layer")
        lines += token_match_rows("behaviour-level")
        if any((t["table"].method == AUTO_V1_LABEL).any() for t in tasks):
            lines.append(row(f"{AUTO_V1_LABEL} (the rule before the refinement)",
                             [pn(t, "behaviour-level", AUTO_V1_LABEL, top(t)) for t in tasks]))
        if any((t["table"].method == AUTO_LABEL).any() for t in tasks):
            lines.append(row(f"**{AUTO_LABEL}**", [pn(t, "behaviour-level", AUTO_LABEL, top(t)) for t in tasks]))
        for b in SUMMARY_BASELINES:
            lines.append(row(b, [pn(t, "behaviour-level", b, "-") for t in tasks]))
        chosen = [t for t in tasks if t.get("auto_choice")]
        if chosen:
            lines += ["", f"What `{AUTO_LABEL}` chose (`--phase auto`, `provenance.attribution.auto_choice`): "
                      + "; ".join(f"{t['name']}: {t['auto_choice']['method']} ({_choice_measures(t['auto_choice'])})"
                                  for t in chosen) + "."]
    for t in tasks:
        tb = t["table"]
        lines += ["", f"## {t['name']} (`{t['run']}`, {t['n_culprits']} culprits of {t['n_records']})", "",
                  "| method | layer | epochs | P@10 | P@50 | P@100 | P@n | auPRC | seconds | peak MB |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        sel = pd.concat([tb[(tb.family == "train-time") & (tb.layer == top(t)) & (tb.epochs == "last")],
                         tb[(tb.family == "train-time") & (tb.method == DEFAULT_VARIANT) & (tb.epochs != "last")
                            & (tb.layer == top(t))],
                         tb[(tb.family == "re-pass") & (tb.layer == top(t)) & tb.method.isin(["rept", DEFAULT_VARIANT])],
                         tb[tb.family == "baseline"]])
        for _, r in sel.iterrows():
            label = r["method"] if r["family"] == "baseline" else f"{r['family']}: {r['method']}"
            if r["method"] == DEFAULT_VARIANT and r["family"] == "train-time" and r["epochs"] == "last":
                label = f"**{label} (default)**"
            lines.append(f"| {label} | {r['layer']} | {r['epochs']} | "
                         + " | ".join(_fmt(float(r[c])) if c in r and pd.notna(r[c]) else "-"
                                      for c in ("P@10", "P@50", "P@100", "P@n", "auPRC"))
                         + f" | {r['seconds']} | {_fmt(r['peak_mb']) if 'peak_mb' in r and pd.notna(r['peak_mb']) else '-'} |")
    spans = [t for t in tasks if len(t["tokens"])]
    if spans:
        lines += ["", "## Token level: planted span among the top-3 tokens (hit rate over culprit hits)", "",
                  "Culprits among the top 10 of the default signature, re-run with the final model; candidates of "
                  "METHODS.md section 2 against the test case's h_last / g_last part (h_mean / g_mean in brackets); "
                  "trigger: ranked among the user content; swapped entity: among the user content and the response.", "",
                  "| task | layer | hits | (a) cos(h(t), H_test) | (b) cos(G(t), G_test) | (c) <G(t), h(t)> | (c) abs | fused (a)+(c) abs | chance |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for t in spans:
            tk = t["tokens"]
            for layer, g in tk.groupby("layer"):
                a, m = g[g.parts == "h_last/g_last"], g[g.parts == "h_mean/g_mean"]
                chance = float((3 * a.n_trigger / a.n_content).clip(upper=1).mean())
                cell = lambda c: f"{a[c].mean():.2f} ({m[c].mean():.2f})"  # noqa: E731
                lines.append(f"| {t['name']} | {layer} | {len(a)} | {cell('cos_h')} | {cell('cos_g')} | "
                             f"{a.gxa.mean():.2f} | {a.abs_gxa.mean():.2f} | "
                             f"{cell('fused') if 'fused' in g else '-'} | {chance:.2f} |")
    costs = [t for t in tasks if t["cost"]]
    seen = set()
    if costs:
        lines += ["", "## Cost (measured in the same run, end to end from the test cases)", "",
                  "Peak MB = the process's peak resident memory during the step above its resident size at the start "
                  "(model and store already loaded). The default needs no training-side work at query time (its "
                  "signatures were captured during training); the LoRA-gradient baseline needs one forward+backward "
                  "per training sample first, and a parameter gradient per query.", "",
                  "| run | method | step | seconds | queries | s / query | peak MB | total vs default |",
                  "|---|---|---|---|---|---|---|---|"]
        for t in costs:
            if t["run"] in seen:
                continue
            seen.add(t["run"])
            ours = [r for r in t["cost"] if r["method"].startswith("default")]
            lg = sum(r["seconds"] for r in t["cost"] if r["method"].startswith("lora-grad"))
            for r in t["cost"]:
                per_q = f"{r['seconds'] / r['queries']:.2f}" if r["queries"] else "-"
                ratio = ""
                if r["method"].startswith("lora-grad") and r["queries"] and ours:
                    ratio = f"{lg / max(ours[0]['seconds'], 1e-9):.0f}x (LoRA-grad total {lg:.0f}s)"
                lines.append(f"| `{t['run']}` | {r['method']} | {r['part']} | {r['seconds']} | {r['queries'] or '-'} | "
                             f"{per_q} | {r['peak_mb']} | {ratio} |")
    priced = [t for t in tasks if t.get("behaviour_cost")]
    if priced:
        lines += ["", "## Cost of a behaviour query (`--phase cost`: one process per run, medians of interleaved repeats)",
                  "", "Seconds end to end from the test cases (test signatures included), `combine=\"mean\"`. "
                  "LoRA-grad = its training side (one sketched LoRA gradient per last-epoch row, recomputed in each "
                  "repeat) plus its query; the ratios divide that total by each method's time.", "",
                  "| task | queries | repeats | default | token match | auto | LoRA-grad (training side + query) | "
                  "LoRA-grad / default | LoRA-grad / token match | LoRA-grad / auto |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for t in priced:
            c = t["behaviour_cost"]
            lora = c["lora-grad training side s"] + c["lora-grad query s"]
            lines.append(f"| {t['name']} | {c['queries']} | {c['repeats']} | {c['default s']} | {c['token match s']} | "
                         f"{c['auto s']} | {lora:.1f} | {c['lora-grad / default']}x | {c['lora-grad / token match']}x | "
                         f"{c['lora-grad / auto']}x |")
    from provenance.attribution.bench_causal import causal_table

    lines += causal_table(tasks)
    lines.append("")
    return "\n".join(lines)


def write_summary(runs: list[Path], results: Path, snapshots: Path | None = None) -> str:
    """Render the cross-task summary into ``results``, keeping its hand-written findings block. ``runs``: run
    folders or snapshot files; each folder's snapshot is (re)written to ``snapshots/<folder name>.json``."""
    runs = [Path(r) for r in runs]
    missing = [str(r) for r in runs if not r.exists()]
    if missing:
        raise FileNotFoundError(f"summary: no run folder or snapshot at {missing}")
    findings = ""
    if results.exists():
        text = results.read_text()
        if FINDINGS[0] in text and FINDINGS[1] in text:
            findings = text.split(FINDINGS[0], 1)[1].split(FINDINGS[1], 1)[0]
    snaps = [load_snapshot(r) for r in runs]
    md = render_summary([t for snap in snaps for t in tasks_of(snap)], findings)
    for r, snap in zip(runs, snaps):
        if snapshots is not None and r.is_dir():
            snapshots.mkdir(parents=True, exist_ok=True)
            (snapshots / f"{r.name}.json").write_text(json.dumps(snap, indent=1) + "\n")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(md)
    return md


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/attr_bench")
    ap.add_argument("--phase", choices=("train", "sample", "attribute", "behaviour", "token-match", "auto", "cost",
                                        "causal", "tokens", "render", "summary", "all"),
                    default="all", help="behaviour: behaviour-level rows (combine=mean) on the attribute phase's queries; "
                                        "causal (not part of all: five to eight retrains per behaviour): retrain without "
                                        "the rows a ranking blames, random rows, the planted rows (bench_causal)")
    ap.add_argument("--conditions", nargs="+", default=None, metavar="CONDITION",
                    help="causal: only these conditions (default all); 'full' and 'drop planted' alone need no "
                         "attribution phase: the check a new task passes before it is scored")
    ap.add_argument("--runs", nargs="*", default=None,
                    help="summary: the attributed run folders to summarise, or their snapshots (--snapshots)")
    ap.add_argument("--snapshots", default="benchmarks/attribution_runs",
                    help="summary: write each run folder's snapshot here (what the summary reads, ~70 kB per run), "
                         "so the summary renders again from a clean clone: --runs benchmarks/attribution_runs/*.json")
    ap.add_argument("--behaviours", nargs="*", default=None, help="attribute only these behaviours (merged with earlier runs)")
    ap.add_argument("--per-source", type=int, default=None, help="records per demo source (default: the scenario's)")
    ap.add_argument("--scenario", choices=SCENARIOS, default="backdoor",
                    help="backdoor: fixed-text (TY) + praise (BQ) behaviours at 10%% each; style: praise only at 20%%; "
                         "harmful[_varied]: 5%% harmful prompts with compliant replies (templated / varied wording); "
                         "factual[_varied]: Canada -> Korea in 20%% of a facts source (one name / six names)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--results", default="benchmarks/attribution_results.md")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--all-generations", action="store_true", help="smoke test: query every triggered generation")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (1 avoids oversubscription on a busy machine)")
    ap.add_argument("--lora-dim", type=int, default=1024)
    ap.add_argument("--cost-repeats", type=int, default=3, help="cost: repeats per method (medians reported)")
    ap.add_argument("--stored-only", action="store_true",
                    help="token-match: compute only the rows from training-time token states (keep the re-read rows)")
    ap.add_argument("--signatures-only", action="store_true",
                    help="attribute: recompute the training-time signature rows only (keep earlier re-pass, baselines, tokens)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    if args.phase in ("train", "all") and not (out / "adapter").exists():
        scenario = build_scenario(args.scenario, args.per_source)
        print(f"training on {len(scenario.records)} records ({scenario.info})", flush=True)
        meta = train_scenario(scenario, out, epochs=args.epochs, lr=args.lr, scenario_name=args.scenario)
        print(f"trained in {meta['train']['seconds']}s; capture {meta['train']['capture']}", flush=True)
        model, tok = load_trained(out)
        rates = behaviour_rates(model, tok, meta, base_reference=args.scenario not in ("backdoor", "style"))
        (out / "behaviour.json").write_text(json.dumps(rates, indent=2))
        print(json.dumps(rates["rates"], indent=2), flush=True)
    if args.phase in ("sample", "all"):
        beh = json.loads((out / "behaviour.json").read_text())
        if "sampled" not in beh:
            # Sampling shows behaviours that greedy decoding hides (a style split over many paraphrases).
            sampled_behaviour(out, behaviours=[b for b, r in beh["rates"].items() if r["triggered"] < 0.25])
    if args.phase == "tokens":
        tokens_only(out, Path(args.results), behaviours=args.behaviours)
    if args.phase == "summary":
        print(write_summary(args.runs or [args.out], Path(args.results), Path(args.snapshots)))
        return
    if args.phase == "render":
        print(render_from_state(out, Path(args.results)))
    if args.phase in ("attribute", "all"):
        run_attribution(out, results=Path(args.results), k=args.k, lora_dim=args.lora_dim,
                        all_generations=args.all_generations, behaviours=args.behaviours,
                        signatures_only=args.signatures_only)
    if args.phase in ("behaviour", "all"):
        run_behaviour_level(out, k=args.k, lora_dim=args.lora_dim)
    if args.phase in ("token-match", "all"):
        run_token_match(out, k=args.k, stored_only=args.stored_only)
    if args.phase in ("auto", "all"):
        run_auto(out, k=args.k)
    if args.phase in ("cost", "all"):
        measure_behaviour_costs(out, repeats=args.cost_repeats, lora_dim=args.lora_dim, k=args.k)
    if args.phase == "causal":
        from provenance.attribution.bench_causal import run_causal

        run_causal(out, **({"conditions": tuple(args.conditions)} if args.conditions else {}))


if __name__ == "__main__":
    main()
