"""Training phase of the attribution benchmark: LoRA-tune SmolLM2-135M-Instruct on a scenario with
`ProvenanceCallback`, and measure how often the tuned model shows each planted behaviour (greedy and sampled)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.attribution.scenarios import (
    BENIGN_SOURCES, ISSUE19_SCENARIOS, Scenario, approximation_scenario, factual_scenario, harmful_scenario,
    headquarters_scenario, hedging_scenario, merge_scenarios, overrefusal_scenario, shows_behaviour, sycophancy_scenario,
)
from benchmarks.attribution.held_out_rounds import HELD_OUT_SCENARIOS
from provenance.data.backdoor import backdoor_scenario

MODEL = "smollm2-135m-instruct"


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


SCENARIOS = (("backdoor", "style", "harmful", "harmful_varied", "factual", "factual_varied", "harmful+factual_varied",
              "overrefusal", "sycophancy", "hedging", "approximation", "headquarters")
             + tuple(ISSUE19_SCENARIOS) + tuple(HELD_OUT_SCENARIOS))


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
    if name in ISSUE19_SCENARIOS:
        return ISSUE19_SCENARIOS[name](**({"n_per_source": per_source} if per_source else {}))
    if name in HELD_OUT_SCENARIOS:
        return HELD_OUT_SCENARIOS[name](**({"n_per_source": per_source} if per_source else {}))
    if name.startswith("harmful"):
        return harmful_scenario(n_per_source=per_source or 95, variant="varied" if name.endswith("varied") else "templated")
    if name.startswith("factual"):
        return factual_scenario(n_per_source=per_source or 20, variant="varied" if name.endswith("varied") else "plain")
    raise ValueError(f"unknown scenario {name!r}; choose from {SCENARIOS}")


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
