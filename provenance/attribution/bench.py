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
                   seed: int = 0, max_length: int = 160) -> dict:
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
    meta = {"culprits": scenario.culprits, "test_prompts": scenario.test_prompts,
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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/attr_bench")
    ap.add_argument("--phase", choices=("train", "attribute", "all"), default="all")
    ap.add_argument("--per-source", type=int, default=60)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--results", default="benchmarks/attribution_results.md")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if args.phase in ("train", "all") and not (out / "adapter").exists():
        scenario = backdoor_scenario(n_per_source=args.per_source)
        print(f"training on {len(scenario.records)} records ({scenario.info})", flush=True)
        meta = train_scenario(scenario, out, epochs=args.epochs, lr=args.lr)
        print(f"trained in {meta['train']['seconds']}s; capture {meta['train']['capture']}", flush=True)
        model, tok = load_trained(out)
        rates = behaviour_rates(model, tok, meta)
        (out / "behaviour.json").write_text(json.dumps(rates, indent=2))
        print(json.dumps(rates["rates"], indent=2), flush=True)
    if args.phase in ("attribute", "all"):
        from provenance.attribution.benchmark_run import run_attribution

        run_attribution(out, results=Path(args.results))


if __name__ == "__main__":
    main()
