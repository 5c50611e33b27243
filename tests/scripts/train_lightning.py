"""Training script driven by the Lightning tests as a subprocess (kill/resume, DDP)."""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import lightning.pytorch as pl  # noqa: E402
import torch  # noqa: E402
from lightning.pytorch.callbacks import Callback, ModelCheckpoint  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from torchdata.stateful_dataloader import StatefulDataLoader  # noqa: E402

from capture_reference import collate, random_samples  # noqa: E402
from lightning_app import CausalLMModule, ListDataset  # noqa: E402
from provenance.callbacks import ProvenanceCallback  # noqa: E402
from provenance.models import tiny_causal_lm  # noqa: E402


class Progress(Callback):
    """Writes the global step after every batch so the test knows when to kill."""

    def __init__(self, path):
        self.path = path

    def on_train_batch_end(self, trainer, *args):
        if trainer.global_rank == 0:
            Path(self.path).write_text(json.dumps({"step": trainer.global_step, "epoch": trainer.current_epoch}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--ckpt-dir", required=True)
    ap.add_argument("--samples", type=int, default=24)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--devices", type=int, default=1)
    ap.add_argument("--every-n-steps", type=int, default=2)
    ap.add_argument("--sleep", type=float, default=0.0)
    ap.add_argument("--resume", default=None)
    ap.add_argument("--progress", default=None)
    ap.add_argument("--loader", choices=["stateful", "plain"], default="stateful",
                    help="plain: torch.utils.data.DataLoader, which cannot restore its position mid-epoch")
    args = ap.parse_args()

    torch.manual_seed(0)
    samples = random_samples(args.samples, seed=11)
    loader_cls = StatefulDataLoader if args.loader == "stateful" else DataLoader
    loader = loader_cls(ListDataset(samples), batch_size=args.batch, collate_fn=collate, shuffle=False)
    module = CausalLMModule(tiny_causal_lm("llama", seed=0), lr=1e-2, step_sleep=args.sleep)
    callbacks = [
        ProvenanceCallback(args.store, layers=[1, 3]),
        ModelCheckpoint(dirpath=args.ckpt_dir, every_n_train_steps=args.every_n_steps, save_top_k=-1,
                        filename="{epoch}-{step}", save_last=False),
    ]
    if args.progress:
        callbacks.append(Progress(args.progress))
    trainer = pl.Trainer(
        max_epochs=args.epochs, accelerator="cpu", devices=args.devices,
        strategy="ddp" if args.devices > 1 else "auto", callbacks=callbacks, logger=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
    )
    trainer.fit(module, train_dataloaders=loader, ckpt_path=args.resume)


if __name__ == "__main__":
    main()
