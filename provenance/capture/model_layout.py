"""Find the parts of a Hugging Face causal LM that capture hooks into, whatever wraps it.

Layer numbers follow `output_hidden_states` indexing: layer l (1 <= l < L) is the output of decoder block l-1,
layer L is the output of the final norm (what `hidden_states[L]` holds), layer 0 (the embeddings) is not capturable.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from torch import nn

from provenance.errors import CaptureConfigError

LAYER_CONVENTION = (
    "output_hidden_states indexing: layer l (1 <= l < L) is the output of decoder block l-1; "
    "layer L is the final norm's output; 0 = embeddings (not captured)"
)
_FINAL_NORM_NAMES = ("norm", "ln_f", "final_layer_norm", "final_layernorm", "final_norm")
# Config fields that change the geometry of the captured vectors; names and paths may differ between runs.
_FINGERPRINT_FIELDS = (
    "model_type", "hidden_size", "n_embd", "num_hidden_layers", "n_layer", "num_attention_heads", "n_head",
    "num_key_value_heads", "intermediate_size", "n_inner", "vocab_size", "head_dim",
)


def unwrap_peft(model: nn.Module) -> nn.Module:
    """The transformers model inside a PEFT wrapper (or the model itself)."""
    get_base = getattr(model, "get_base_model", None)
    return get_base() if callable(get_base) else model


@dataclass
class ModelLayout:
    causal_lm: nn.Module
    blocks: nn.ModuleList
    final_norm: nn.Module | None
    lm_head: nn.Module
    config: object

    @property
    def num_layers(self) -> int:
        return len(self.blocks)

    @property
    def hidden_size(self) -> int:
        cfg = self.config
        return int(getattr(cfg, "hidden_size", None) or cfg.n_embd)

    @property
    def valid_layers(self) -> list[int]:
        top = self.num_layers + 1 if self.final_norm is not None else self.num_layers
        return list(range(1, top))

    def module_for_layer(self, layer: int) -> nn.Module:
        self.check_layers([layer])
        return self.final_norm if layer == self.num_layers else self.blocks[layer - 1]

    def check_layers(self, layers: list[int]) -> None:
        valid = self.valid_layers
        bad = [l for l in layers if l not in valid]
        if bad:
            raise CaptureConfigError(
                f"layer(s) {bad} out of range for {type(self.causal_lm).__name__} with {self.num_layers} decoder "
                f"blocks; valid layers are {valid[0]}..{valid[-1]} ({LAYER_CONVENTION})"
            )


def find_layout(model: nn.Module) -> ModelLayout:
    """Locate decoder blocks, final norm and LM head of any HF causal LM, PEFT-wrapped or not."""
    lm = unwrap_peft(model)
    config = getattr(lm, "config", None)
    if config is None:
        raise CaptureConfigError(f"{type(model).__name__} has no `.config`: expected a transformers causal LM")
    n_layers = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layer", None)
    blocks, parent = None, None
    # The decoder stack is the ModuleList with one entry per layer; pre-order search finds the outermost one.
    for _, module in lm.named_modules():
        for child in module.children():
            if isinstance(child, nn.ModuleList) and len(child) == n_layers:
                blocks, parent = child, module
                break
        if blocks is not None:
            break
    if blocks is None:
        raise CaptureConfigError(
            f"could not find the {n_layers} decoder blocks of {type(lm).__name__}; "
            "pass a transformers causal LM (Llama, Qwen2, Mistral, GPT-2, OLMo2, Gemma, ...)"
        )
    final_norm = next((getattr(parent, n) for n in _FINAL_NORM_NAMES if isinstance(getattr(parent, n, None), nn.Module)), None)
    lm_head = lm.get_output_embeddings() if hasattr(lm, "get_output_embeddings") else None
    if lm_head is None:
        raise CaptureConfigError(f"{type(lm).__name__} has no output embeddings (lm_head): not a causal LM")
    return ModelLayout(causal_lm=lm, blocks=blocks, final_norm=final_norm, lm_head=lm_head, config=config)


def model_fingerprint(model: nn.Module) -> dict:
    """Name plus a hash of the geometry-defining config fields; the hash is what stores are checked against."""
    config = unwrap_peft(model).config
    d = config.to_dict()
    fields = {k: d[k] for k in _FINGERPRINT_FIELDS if d.get(k) is not None}
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]
    name = d.get("_name_or_path") or type(unwrap_peft(model)).__name__
    return {"name": str(name), "config_hash": digest, "fields": fields}
