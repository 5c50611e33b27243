"""Let accelerate take its FSDP path on CPU processes (gloo), for the Hugging Face FSDP tests and benchmark.

accelerate 1.15 turns an FSDP plugin on only for accelerator devices (`AcceleratorState.__init__` switches
`distributed_type` to FSDP for MULTI_GPU, MULTI_XPU, ... but not MULTI_CPU): on a CPU machine the Trainer ignores
`fsdp=` / `fsdp_config=` and trains with DDP. PyTorch's FSDP2 (`fully_shard`) itself runs on CPU with gloo, so the
only thing missing is that one decision. `allow_fsdp_on_cpu()` makes it after accelerate's own `__init__`, exactly as
accelerate does for a GPU (distributed type FSDP, the plugin kept on the state); everything after it (accelerate's
`fsdp2_prepare_model`, auto-wrap, activation checkpointing, FSDP checkpoint save and load) is accelerate's own code.
"""
from __future__ import annotations

_PATCHED = "_provenance_cpu_fsdp"


def allow_fsdp_on_cpu() -> None:
    """Patch `accelerate.state.AcceleratorState.__init__` (once per process) so that a multi-CPU run with an FSDP
    plugin trains with FSDP, as a multi-GPU run would."""
    from accelerate import state
    from accelerate.utils import DistributedType

    cls = state.AcceleratorState
    if getattr(cls, _PATCHED, False):
        return
    original = cls.__init__

    def __init__(self, *args, fsdp_plugin=None, **kwargs):
        original(self, *args, fsdp_plugin=fsdp_plugin, **kwargs)
        if fsdp_plugin is not None and self.distributed_type == DistributedType.MULTI_CPU:
            # What accelerate does for an accelerator device.
            self.distributed_type = DistributedType.FSDP
            if self._mixed_precision != "no":
                fsdp_plugin.set_mixed_precision(self._mixed_precision)
            self.fsdp_plugin = fsdp_plugin
            state.PartialState._shared_state["distributed_type"] = DistributedType.FSDP

    cls.__init__ = __init__
    setattr(cls, _PATCHED, True)
