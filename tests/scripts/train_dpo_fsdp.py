"""TRL's `DPOTrainer` with FSDP2 through accelerate, driven by tests/callbacks/test_fsdp_dpo.py as two processes.

Run under `torchrun --nproc_per_node 2` (CPU, gloo); tests/accelerate_cpu_fsdp.py lets accelerate take its FSDP path
on CPU. The trainer, data and weights are `dpo_fsdp_app.dpo_trainer`'s (learning rate 0), so the test rebuilds the
same policy and reference unsharded and compares every stored row with the batch-size-1 DPO reference.
"""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import torch  # noqa: E402

from accelerate_cpu_fsdp import allow_fsdp_on_cpu  # noqa: E402
from dpo_fsdp_app import BETA, LAYERS, REFERENCES, dpo_trainer, fingerprint  # noqa: E402
from provenance.callbacks import ProvenanceTrainerCallback  # noqa: E402
from provenance.capture import find_layout  # noqa: E402


def _fsdp_blocks(model) -> int:
    from torch.distributed.fsdp import FSDPModule

    return sum(isinstance(b, FSDPModule) for b in find_layout(model).blocks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--reference", choices=REFERENCES, default="adapter")
    ap.add_argument("--bf16", action="store_true", help="bf16=True: accelerate's bf16 MixedPrecisionPolicy for FSDP2 "
                    "and bf16 autocast")
    ap.add_argument("--beta", type=float, default=BETA)
    ap.add_argument("--token-layers", type=json.loads, default=None,
                    help='CaptureConfig.token_layers as JSON: "auto" (quoted), an int or a list of ints')
    args = ap.parse_args()

    torch.set_num_threads(1)
    allow_fsdp_on_cpu()
    callback = ProvenanceTrainerCallback(args.store, layers=LAYERS, encoding="float32",
                                         token_layers=args.token_layers)
    trainer = dpo_trainer(args.out, reference=args.reference, pairs=args.pairs, fsdp=True, callbacks=[callback],
                          num_train_epochs=args.epochs, bf16=args.bf16, beta=args.beta)
    if not trainer.is_fsdp_enabled:
        raise SystemExit("accelerate did not enable FSDP")
    weights = fingerprint(trainer.model)  # before train() shards it
    trainer.train()
    if trainer.args.process_index == 0:  # what the test checks ran: the sharded policy (and reference) hooked
        ref = trainer.ref_model
        policy = trainer.accelerator.state.fsdp_plugin.mixed_precision_policy
        print("RESULT " + json.dumps({
            "model": type(trainer.model).__name__, "sharding": callback.session.sharding,
            "fsdp_blocks": _fsdp_blocks(trainer.model), "weights": weights,
            "ref_model": None if ref is None else type(ref).__name__,
            "ref_fsdp_blocks": None if ref is None else _fsdp_blocks(ref),
            "mixed_precision": None if policy is None else {k: str(getattr(policy, k)) for k in
                                                            ("param_dtype", "reduce_dtype", "output_dtype")},
        }))


if __name__ == "__main__":
    main()
