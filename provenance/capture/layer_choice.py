"""`layers="auto"`: a spread of layers across the depth plus RepT's argmin-cosine layer.

No single layer wins across behaviours (METHODS.md section 1), so the default captures several: about a quarter,
half and three quarters of the depth, the penultimate block output, and the layer where the last prompt token's
representation turns most (RepT: argmin over l of cos(h_{l-1}, h_l), l = 2 .. L-1, averaged over probe prompts).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence

import torch
from torch import nn

from provenance.capture.model_layout import ModelLayout
from provenance.errors import CaptureConfigError


def default_token_layer_index(num_layers: int) -> int:
    """Three quarters of the depth: where a token's state carries its meaning in context (token match; chosen on the
    attribution benchmark)."""
    return int(0.75 * num_layers)


def resolve_token_layers(spec, layout: ModelLayout) -> list[int]:
    """`token_layers`: None or () -> none, "auto" -> [3/4 depth], an int or a list of ints -> those (checked)."""
    if spec is None:
        return []
    if spec == "auto":
        return [default_token_layer_index(layout.num_layers)]
    layers = [spec] if isinstance(spec, int) and not isinstance(spec, bool) else list(spec)
    if not all(isinstance(l, int) and not isinstance(l, bool) for l in layers):
        raise CaptureConfigError(f"token_layers must be None, 'auto', an int or a list of ints, got {spec!r}")
    layout.check_layers(layers)
    return sorted(set(layers))


@dataclass
class LayerChoice:
    layers: list[int]
    spread: list[int]
    argmin_cos: int | None = None
    cos_curve: dict[int, float] = field(default_factory=dict)
    n_probe_prompts: int = 0

    def to_attrs(self) -> dict:
        return {
            "layers": self.layers, "spread": self.spread, "argmin_cos": self.argmin_cos,
            "cos_curve": {str(k): v for k, v in self.cos_curve.items()}, "n_probe_prompts": self.n_probe_prompts,
        }


def spread_layers(num_layers: int) -> list[int]:
    """Quarter, half, three-quarter depth and the last block output (layer L-1), deduplicated."""
    picks = {max(1, round(num_layers * f)) for f in (0.25, 0.5, 0.75)} | {max(1, num_layers - 1)}
    return sorted(p for p in picks if 1 <= p <= max(1, num_layers - 1))


@torch.no_grad()
def argmin_cos_layer(model: nn.Module, layout: ModelLayout, prompts: Sequence[torch.Tensor]) -> tuple[int, dict[int, float]]:
    """RepT's layer: argmin of the mean cosine between consecutive hidden states at the last prompt token."""
    L = layout.num_layers
    if L < 3:
        return max(1, L - 1), {}
    sums = torch.zeros(L + 1, dtype=torch.float64)
    was_training = model.training
    model.eval()  # dropout off: the choice must not depend on noise
    try:
        device = next(model.parameters()).device
        for ids in prompts:
            out = model(input_ids=ids.reshape(1, -1).to(device), output_hidden_states=True, use_cache=False)
            hs = [h[0, -1].double() for h in out.hidden_states]
            for l in range(2, L):  # skip the last pair, which includes the final norm
                sums[l] += torch.nn.functional.cosine_similarity(hs[l - 1], hs[l], dim=0).item()
    finally:
        model.train(was_training)
    curve = {l: float(sums[l] / len(prompts)) for l in range(2, L)}
    return min(curve, key=curve.get), curve


def choose_layers(spec, model: nn.Module, layout: ModelLayout, probe_prompts: Sequence[torch.Tensor] = ()) -> LayerChoice:
    """Resolve a `layers=` argument ("auto" or a list of ints) into the captured layers."""
    if spec != "auto":
        layers = sorted(set(int(l) for l in ([spec] if isinstance(spec, int) else spec)))
        layout.check_layers(layers)
        return LayerChoice(layers=layers, spread=[])
    spread = spread_layers(layout.num_layers)
    prompts = [p for p in probe_prompts if p.numel() > 0]
    if not prompts:
        return LayerChoice(layers=spread, spread=spread)
    best, curve = argmin_cos_layer(model, layout, prompts)
    return LayerChoice(layers=sorted(set(spread) | {best}), spread=spread, argmin_cos=best, cos_curve=curve,
                       n_probe_prompts=len(prompts))
