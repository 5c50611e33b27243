"""The MLP gate projection of every decoder block, its effective weight (LoRA included) and a probe that turns the
gate pre-activation u = W_gate x (+ b) of each token into the two SplineLLM token statistics (METHODS.md 6):

    sign_t  = share of entries of u that are > 0
    close_t = min_k |u_k| / ||w_k||     (distance of x to the nearest hyperplane {x: w_k.x + b_k = 0})

u is read from the gate module's forward output, so it is exactly what the model computes (a PEFT LoRA layer's
output includes the adapter's contribution). ||w_k|| uses the effective weight: the base weight plus the delta of
every active, unmerged LoRA adapter (a merged adapter is already inside the base weight).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from provenance.capture.model_layout import find_layout
from provenance.errors import DetectorError

# MLP container and first-projection names per architecture family: Llama / Qwen2 / Mistral / Gemma / OLMo2 use
# `mlp.gate_proj` (the input of the gating non-linearity); GPT-2 has no gate, its first projection `mlp.c_fc`
# (a Conv1D with weight [in, out] and a bias) feeds the GELU.
MLP_NAMES = ("mlp", "feed_forward")
GATE_NAMES = ("gate_proj", "c_fc")


def find_gate_modules(model: nn.Module) -> list[nn.Module]:
    """One gate module per decoder block (block order), PEFT-wrapped or not."""
    layout = find_layout(model)
    gates = []
    for i, block in enumerate(layout.blocks):
        mlp = next((getattr(block, n) for n in MLP_NAMES if isinstance(getattr(block, n, None), nn.Module)), None)
        gate = None if mlp is None else next(
            (getattr(mlp, n) for n in GATE_NAMES if isinstance(getattr(mlp, n, None), nn.Module)), None)
        if gate is None:
            raise DetectorError(
                f"decoder block {i} of {type(layout.causal_lm).__name__} has no MLP gate projection: looked for "
                f"{{{', '.join(MLP_NAMES)}}}.{{{', '.join(GATE_NAMES)}}} (Llama, Qwen2, Mistral, Gemma, OLMo2, GPT-2)"
            )
        gates.append(gate)
    return gates


def _is_conv1d(module: nn.Module) -> bool:
    # transformers' Conv1D (GPT-2) stores its weight as [in, out]; matched by name to avoid importing it.
    return type(module).__name__ == "Conv1D"


def effective_gate_weight(gate: nn.Module) -> torch.Tensor:
    """[out, in] weight whose rows w_k define the gate's hyperplanes, including active unmerged LoRA deltas."""
    base = getattr(gate, "base_layer", gate)
    weight = base.weight.detach()
    if hasattr(gate, "lora_A"):  # a PEFT LoRA layer wrapping `base`
        if getattr(gate, "disable_adapters", False) and getattr(gate, "merged_adapters", None):
            raise DetectorError("gate projection has merged LoRA adapters while adapters are disabled: unmerge first")
        if not getattr(gate, "disable_adapters", False):
            merged = set(getattr(gate, "merged_adapters", []) or [])
            for name in gate.active_adapters:
                if name not in gate.lora_A or name in merged:
                    continue
                if getattr(gate, "use_dora", {}).get(name, False):
                    raise DetectorError(f"adapter {name!r} uses DoRA: its effective gate weight is not supported")
                # get_delta_weight returns the delta in the base weight's layout (transposed for Conv1D/fan_in_fan_out).
                weight = weight + gate.get_delta_weight(name).detach().to(weight.dtype)
    if _is_conv1d(base):
        weight = weight.t()
    return weight


def inverse_row_norms(weight: torch.Tensor) -> torch.Tensor:
    """1 / ||w_k|| in float32; a zero row is no hyperplane, so its distance is +inf (inverse norm inf)."""
    norms = weight.float().norm(dim=1)
    return torch.where(norms > 0, 1.0 / norms, torch.full_like(norms, float("inf")))


def token_statistics(u: torch.Tensor, inv_norm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(sign, close), each [..., T] float32, from gate pre-activations u [..., T, out]."""
    u = u.detach().float()
    sign = (u > 0).float().mean(dim=-1)
    dist = u.abs() * inv_norm
    # A zero row (inf inverse norm) with u_k = 0 gives nan: such a row has no hyperplane, it never is the nearest.
    dist = torch.where(torch.isnan(dist), torch.full_like(dist, float("inf")), dist)
    return sign, dist.amin(dim=-1)


class GateProbe:
    """Forward hooks on every gate module; between `begin()` and `collect()` each gate's first forward of the pass
    yields its per-token (sign, close). A second forward of the same gate in one pass (a gradient-checkpointing
    recompute) is ignored; forwards outside a pass (validation, generation) are not looked at."""

    def __init__(self, model: nn.Module):
        self.model = model
        self.gates = find_gate_modules(model)
        self._handles: list = []
        self._active = False
        self._inv_norms: list[torch.Tensor | None] = []
        self._stats: list[tuple[torch.Tensor, torch.Tensor] | None] = []

    @property
    def num_layers(self) -> int:
        return len(self.gates)

    def attach(self) -> GateProbe:
        if not self._handles:
            self._handles = [g.register_forward_hook(self._hook(i)) for i, g in enumerate(self.gates)]
        return self

    def detach(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []
        self._active = False

    def begin(self) -> None:
        # Weights change between training steps: the norms are taken afresh for every pass.
        self._inv_norms = [None] * self.num_layers
        self._stats = [None] * self.num_layers
        self._active = True

    def collect(self) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per layer [B, T] sign and close of the pass; ends it."""
        self._active = False
        missing = [i for i, s in enumerate(self._stats) if s is None]
        if missing:
            raise DetectorError(f"gate projections of blocks {missing} did not run in this forward pass")
        stats, self._stats = self._stats, []
        return [s for s, _ in stats], [c for _, c in stats]

    def abort(self) -> None:
        self._active = False
        self._stats = []

    def _hook(self, index: int):
        def hook(module, args, output):
            if not self._active or self._stats[index] is not None:
                return
            if self._inv_norms[index] is None:
                self._inv_norms[index] = inverse_row_norms(effective_gate_weight(module)).to(output.device)
            with torch.no_grad():
                self._stats[index] = token_statistics(output, self._inv_norms[index])
        return hook


def layer_names(num_layers: int, stats: Sequence[str]) -> list[str]:
    """Feature names `layer<i>/<stat>`, block order (i = decoder block index), stats innermost."""
    return [f"layer{i}/{s}" for i in range(num_layers) for s in stats]
