"""Lightning FSDP2 in bf16, two CPU processes (gloo), for tests/callbacks/test_fsdp_bf16.py.

Lightning's ModelParallelStrategy shards the tiny Llama per decoder layer with `fully_shard` in `configure_model`
(as tests/scripts/train_lightning_fsdp.py does), in one of three bf16 set-ups:

- `mp-policy`: `fully_shard(..., mp_policy=MixedPrecisionPolicy(param_dtype=bfloat16, reduce_dtype=float32))`,
  Trainer precision "32-true": float32 sharded parameters, every forward and backward in bf16 on the gathered
  parameters, gradients reduced in float32;
- `bf16-mixed`: Trainer precision "bf16-mixed" (bf16 autocast), float32 parameters;
- `bf16-true`: Trainer precision "bf16-true" (Lightning casts the model to bf16 before sharding it).

The data are `capture_reference.random_samples(n, seed=11)`; learning rate 0, so the weights stay
`tiny_causal_lm("llama", seed=0)`'s. Rank 0 writes what ran (the parameter and compute dtypes) to `--report`.
"""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import lightning.pytorch as pl  # noqa: E402
import torch  # noqa: E402
from lightning.pytorch.strategies import ModelParallelStrategy  # noqa: E402
from torchdata.stateful_dataloader import StatefulDataLoader  # noqa: E402

from capture_reference import collate, random_samples  # noqa: E402
from lightning_app import ListDataset  # noqa: E402
from provenance.callbacks import ProvenanceCallback  # noqa: E402
from provenance.models import tiny_causal_lm  # noqa: E402
from train_lightning_fsdp import ShardedCausalLMModule  # noqa: E402

TRAINER_PRECISION = {"mp-policy": "32-true", "bf16-mixed": "bf16-mixed", "bf16-true": "bf16-true"}


class MixedPrecisionShardedModule(ShardedCausalLMModule):
    """Shards each decoder layer and the whole model with an FSDP2 MixedPrecisionPolicy (`mp-policy`), or plainly
    (the Trainer's precision does the rest); records the dtype the first decoder layer computes in."""

    def __init__(self, model, *, mp_policy: bool, **kw):
        super().__init__(model, checkpointing=False, fsdp2=True, **kw)
        self.mp_policy = mp_policy
        self.compute_dtype = None

    def configure_model(self):
        from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

        policy = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32) if self.mp_policy \
            else MixedPrecisionPolicy()
        mesh = self.device_mesh["data_parallel"]
        for layer in self.model.model.layers:
            fully_shard(layer, mesh=mesh, mp_policy=policy)
        fully_shard(self.model, mesh=mesh, mp_policy=policy)
        self.model.model.layers[0].register_forward_hook(self._record_dtype)

    def _record_dtype(self, module, args, output):
        hidden = output[0] if isinstance(output, tuple) else output
        self.compute_dtype = str(hidden.dtype)

    def on_train_end(self):
        if self.report and self.trainer.global_rank == 0:
            param = next(self.model.parameters())
            Path(self.report).write_text(json.dumps({
                "param_dtype": str(param.dtype), "compute_dtype": self.compute_dtype,
                "param_class": type(param).__name__, "precision": self.trainer.precision,
            }))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--precision", choices=sorted(TRAINER_PRECISION), required=True)
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--batch", type=int, default=4, help="per rank")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--layers", default="1,3,4")
    ap.add_argument("--encoding", default="float16-rowscale")
    ap.add_argument("--report", default=None)
    args = ap.parse_args()

    torch.manual_seed(0)
    loader = StatefulDataLoader(ListDataset(random_samples(args.samples, seed=11)), batch_size=args.batch,
                                collate_fn=collate, shuffle=False)
    module = MixedPrecisionShardedModule(tiny_causal_lm("llama", seed=0), mp_policy=args.precision == "mp-policy",
                                         lr=0.0)
    module.report = args.report
    callback = ProvenanceCallback(args.store, layers=[int(x) for x in args.layers.split(",")], encoding=args.encoding)
    trainer = pl.Trainer(
        max_epochs=args.epochs, accelerator="cpu", devices=2, strategy=ModelParallelStrategy(data_parallel_size=2, tensor_parallel_size=1),
        precision=TRAINER_PRECISION[args.precision], callbacks=[callback], logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
    )
    trainer.fit(module, train_dataloaders=loader)


if __name__ == "__main__":
    main()
