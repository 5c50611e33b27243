"""Training script for the Lightning FSDP tests: two CPU processes (gloo).

`--strategy fsdp2` (default): Lightning's ModelParallelStrategy, the model sharded per decoder layer with FSDP2's
`fully_shard` in `configure_model`, as Lightning documents it.
`--strategy fsdp1`: Lightning's FSDPStrategy wrapping each decoder layer (auto_wrap_policy). FSDPStrategy does not run
on a CPU as shipped: Lightning refuses `accelerator="cpu"` for it, and torch's FullyShardedDataParallel refuses the
CPU when given no device (Lightning passes `device_id=None` on a CPU). `CPUFSDPStrategy` lifts both, for this test
only: a subclass passes Lightning's check (it tests the exact type), and it hands FSDP the CPU device explicitly.
"""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import lightning.pytorch as pl  # noqa: E402
import torch  # noqa: E402
from lightning.pytorch.callbacks import Callback, ModelCheckpoint  # noqa: E402
from lightning.pytorch.strategies import FSDPStrategy, ModelParallelStrategy  # noqa: E402
from torch.utils.data import DistributedSampler  # noqa: E402
from torchdata.stateful_dataloader import StatefulDataLoader  # noqa: E402

from capture_reference import collate, random_samples  # noqa: E402
from lightning_app import CausalLMModule, ListDataset  # noqa: E402
from provenance.callbacks import ProvenanceCallback  # noqa: E402
from provenance.models import tiny_causal_lm  # noqa: E402


class CPUFSDPStrategy(FSDPStrategy):
    """Lightning's FSDPStrategy with the CPU allowed (test only; see the module docstring)."""

    def _setup_model(self, model):
        import torch.distributed.fsdp.fully_sharded_data_parallel as fsdp_module

        init_device_handle = fsdp_module._init_device_handle

        def on_cpu(state, module, ignored_params, device_id):
            return init_device_handle(state, module, ignored_params, torch.device("cpu") if device_id is None else device_id)

        fsdp_module._init_device_handle = on_cpu
        try:
            return super()._setup_model(model)
        finally:
            fsdp_module._init_device_handle = init_device_handle


class ShardedCausalLMModule(CausalLMModule):
    """FSDP2: shards its causal LM over the data-parallel mesh, each decoder layer, then the whole model. FSDP1: the
    strategy wraps it."""

    def __init__(self, model, *, checkpointing: bool, fsdp2: bool, loader=None, **kw):
        super().__init__(model, **kw)
        self.checkpointing, self.fsdp2 = checkpointing, fsdp2
        self.loader = loader
        self.attention_calls = 0

    def configure_model(self):
        from torch.distributed.fsdp import fully_shard

        if self.checkpointing:  # transformers' own activation checkpointing: each layer's forward runs again in backward
            self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if self.fsdp2:
            mesh = self.device_mesh["data_parallel"]
            for layer in self.model.model.layers:
                fully_shard(layer, mesh=mesh)
            fully_shard(self.model, mesh=mesh)
        # Counts the calls of one attention module, recomputes included (a pre-hook: a recompute stops early, before
        # a module's forward hooks): the test checks that checkpointing really ran.
        self.model.model.layers[0].self_attn.register_forward_pre_hook(self._count_attention_call)

    def train_dataloader(self):
        """`--sampler ordered`: each rank's own DistributedSampler without shuffling. Lightning's own (injected when
        `use_distributed_sampler=True`) shuffles, and a StatefulDataLoader resumed mid-epoch over it replays epoch 0's
        order instead of the checkpointed epoch's (the capture refuses that resume: ResumeMismatchError)."""
        dataset = self.loader.dataset
        sampler = DistributedSampler(dataset, num_replicas=self.trainer.world_size, rank=self.trainer.global_rank,
                                     shuffle=False)
        return StatefulDataLoader(dataset, batch_size=self.loader.batch_size, sampler=sampler, collate_fn=collate)

    def _count_attention_call(self, module, args):
        if torch.is_grad_enabled():  # training forwards and their recomputes, not the layer choice's probes
            self.attention_calls += 1


class Progress(Callback):
    """Writes the global step after every batch so the test knows when to kill; at the end, what each rank ran."""

    def __init__(self, path, report):
        self.path, self.report = path, report

    def on_train_batch_end(self, trainer, *args):
        if self.path and trainer.global_rank == 0:
            Path(self.path).write_text(json.dumps({"step": trainer.global_step, "epoch": trainer.current_epoch}))

    def on_train_end(self, trainer, pl_module):
        if self.report:
            Path(f"{self.report}.rank{trainer.global_rank}.json").write_text(json.dumps({
                "attention_calls": pl_module.attention_calls, "batches": trainer.fit_loop.total_batch_idx + 1,
                "model_class": type(pl_module.model).__name__,
                "layer_class": type(pl_module.model.model.layers[0]).__name__, "world_size": trainer.world_size,
            }))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--ckpt-dir", required=True)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--batch", type=int, default=4, help="per rank")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=0.0)
    ap.add_argument("--layers", default="auto", help="'auto' or comma-separated layer numbers")
    ap.add_argument("--checkpointing", action="store_true", help="activation checkpointing on every layer")
    ap.add_argument("--strategy", choices=["fsdp2", "fsdp1"], default="fsdp2")
    ap.add_argument("--tensor-parallel", type=int, default=1, help="ModelParallelStrategy's tensor_parallel_size")
    ap.add_argument("--every-n-steps", type=int, default=0, help="checkpoint every n steps (0: no checkpoints)")
    ap.add_argument("--sleep", type=float, default=0.0)
    ap.add_argument("--resume", default=None)
    ap.add_argument("--progress", default=None)
    ap.add_argument("--sampler", choices=["lightning", "ordered"], default="lightning",
                    help="lightning: the shuffling DistributedSampler Lightning injects; ordered: see train_dataloader")
    ap.add_argument("--report", default=None, help="path prefix of each rank's JSON report")
    args = ap.parse_args()

    torch.manual_seed(0)
    samples = random_samples(args.samples, seed=11)
    loader = StatefulDataLoader(ListDataset(samples), batch_size=args.batch, collate_fn=collate, shuffle=False)
    module = ShardedCausalLMModule(tiny_causal_lm("llama", seed=0), checkpointing=args.checkpointing,
                                   fsdp2=args.strategy == "fsdp2", lr=args.lr, step_sleep=args.sleep, loader=loader)
    layers = "auto" if args.layers == "auto" else [int(x) for x in args.layers.split(",")]
    callbacks = [ProvenanceCallback(args.store, layers=layers, encoding="float32"), Progress(args.progress, args.report)]
    if args.every_n_steps:
        callbacks.append(ModelCheckpoint(dirpath=args.ckpt_dir, every_n_train_steps=args.every_n_steps, save_top_k=-1,
                                         filename="{epoch}-{step}", save_last=False))
    devices = 2
    if args.strategy == "fsdp2":
        strategy = ModelParallelStrategy(data_parallel_size=devices // args.tensor_parallel,
                                         tensor_parallel_size=args.tensor_parallel)
    else:
        from transformers.models.llama.modeling_llama import LlamaDecoderLayer

        strategy = CPUFSDPStrategy(auto_wrap_policy={LlamaDecoderLayer})
    trainer = pl.Trainer(
        max_epochs=args.epochs, accelerator="cpu", devices=devices, strategy=strategy, callbacks=callbacks,
        logger=False, enable_checkpointing=bool(args.every_n_steps), enable_progress_bar=False,
        enable_model_summary=False, num_sanity_val_steps=0, use_distributed_sampler=args.sampler == "lightning",
    )
    trainer.fit(module, train_dataloaders=loader if args.sampler == "lightning" else None, ckpt_path=args.resume)


if __name__ == "__main__":
    main()
