"""Add the control tokens to a tokenizer and model, train their rows under LoRA, save and reload them.

New rows are initialised from text, not at random: `<SRC_name>` gets the mean embedding of the tokens of "name"
(`<DEBUG>` of "debug", `<TAG>` of "source"), so every source starts distinct and near words that describe it;
`init="mean"` uses the mean of all existing rows instead. The same deterministic init runs again on reload, and PEFT's
trainable tokens (`LoraConfig(trainable_token_indices=...)`) replace exactly these rows with the trained values.

Tied embeddings (SmolLM2): the input embedding and the LM head share one matrix; PEFT then trains the token rows once
and mirrors them into the head (only the embedding's rows are saved). Untied models (the tiny test models) get the rows
of both the input embedding and the output head as trainable tokens.
"""
from __future__ import annotations

from pathlib import Path

import torch

from provenance.errors import TagError
from provenance.tags.scheme import TagScheme

__all__ = ["expose_head_bias", "prepare_tokenizer", "prepare_model", "trainable_token_indices", "tag_lora_config",
           "save_tagged", "load_tagged"]

_INIT_WORDS = {"debug": "debug", "tag": "source"}


def prepare_tokenizer(tokenizer, scheme: TagScheme) -> TagScheme:
    """Add the scheme's tokens as special tokens (in scheme order); returns the scheme with the token ids recorded."""
    vocab = tokenizer.get_vocab()
    clash = [t for t in scheme.tokens if t in vocab and t not in tokenizer.all_special_tokens]
    if clash:
        raise TagError(f"{clash} are ordinary tokens of this tokenizer; pick other control token strings")
    new = [t for t in scheme.tokens if t not in vocab]
    if new:
        tokenizer.add_special_tokens({"additional_special_tokens": new}, replace_extra_special_tokens=False)
    ids = {"debug": tokenizer.convert_tokens_to_ids(scheme.debug_token),
           "tag": tokenizer.convert_tokens_to_ids(scheme.tag_token),
           "sources": tokenizer.convert_tokens_to_ids(scheme.source_tokens)}
    if scheme.token_ids and scheme.token_ids != ids:
        raise TagError(f"this tokenizer gives the control tokens ids {ids}, the saved scheme {scheme.token_ids}")
    return scheme.with_token_ids(ids)


def _init_rows(tokenizer, scheme: TagScheme, weight: torch.Tensor, init: str) -> dict[int, torch.Tensor]:
    ids = scheme.ids(tokenizer)
    base_rows = weight[: min(weight.shape[0], min([ids["debug"], ids["tag"], *ids["sources"]]))]
    mean = base_rows.mean(0)
    if init == "mean":
        return {i: mean for i in [ids["debug"], ids["tag"], *ids["sources"]]}
    if init != "name":
        raise TagError(f"init must be 'name' or 'mean', got {init!r}")
    words = {ids["debug"]: _INIT_WORDS["debug"], ids["tag"]: _INIT_WORDS["tag"]}
    words.update({i: s.replace("_", " ") for i, s in zip(ids["sources"], scheme.sources)})
    rows = {}
    for i, word in words.items():
        pieces = [p for p in tokenizer(" " + word, add_special_tokens=False)["input_ids"] if p < base_rows.shape[0]]
        rows[i] = base_rows[pieces].mean(0) if pieces else mean
    return rows


def prepare_model(model, tokenizer, scheme: TagScheme, init: str = "name"):
    """Grow the embeddings (and an untied head) to the tokenizer and initialise the control-token rows in place."""
    if hasattr(model, "peft_config"):
        raise TagError("prepare the base model before wrapping it with PEFT")
    scheme.ids(tokenizer)  # refuses a tokenizer without the control tokens before the model is touched
    if len(tokenizer) > model.get_input_embeddings().weight.shape[0]:
        model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    with torch.no_grad():
        emb = model.get_input_embeddings().weight
        for i, row in _init_rows(tokenizer, scheme, emb, init).items():
            emb[i] = row
        head = model.get_output_embeddings()
        if head is not None and head.weight.data_ptr() != emb.data_ptr():
            for i, row in _init_rows(tokenizer, scheme, head.weight, init).items():
                head.weight[i] = row
    model.config.vocab_size = model.get_input_embeddings().weight.shape[0]
    model.provenance_tag_scheme = scheme  # trace / GuardedGenerator find it here (PEFT wrappers forward attributes)
    return model


def _module_name(model, module) -> str:
    for name, m in model.named_modules():
        if m is module:
            return name.rsplit(".", 1)[-1]
    raise TagError("embedding module not found in the model")


def trainable_token_indices(model, tokenizer, scheme: TagScheme):
    """The `LoraConfig(trainable_token_indices=...)` value training every control-token row (see module docstring)."""
    ids = scheme.ids(tokenizer)
    rows = [ids["debug"], ids["tag"], *ids["sources"]]
    emb, head = model.get_input_embeddings(), model.get_output_embeddings()
    tied = head is None or head.weight.data_ptr() == emb.weight.data_ptr()
    if tied:
        return rows
    return {_module_name(model, emb): rows, _module_name(model, head): rows}


def tag_lora_config(model, tokenizer, scheme: TagScheme, *, r: int = 8, alpha: int = 16, dropout: float = 0.0,
                    target_modules=None):
    from peft import LoraConfig

    from provenance.models import lora_target_modules

    return LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout,
                      target_modules=list(target_modules) if target_modules else lora_target_modules(model),
                      trainable_token_indices=trainable_token_indices(model, tokenizer, scheme))


def expose_head_bias(model) -> int:
    """Let TRL's fused LM head read `lm_head.bias` through PEFT's trainable-token wrapper.

    TRL 1.16 computes log-probs from `lm_head.weight` and `lm_head.bias` directly; the wrapper forwards `weight`
    (the merged, differentiable rows) but not `bias`. Bias-free heads (all supported models) get `bias = None` on the
    wrapper. Returns how many wrappers were patched.
    """
    from peft.utils import TrainableTokensWrapper

    patched = 0
    for module in model.modules():
        if isinstance(module, TrainableTokensWrapper) and "bias" not in vars(module):
            base = module.token_adapter.base_layer
            if getattr(base, "bias", None) is not None:
                raise TagError(f"{type(base).__name__} with a bias under trainable tokens is not supported")
            object.__setattr__(module, "bias", None)
            patched += 1
    return patched


def save_tagged(model, tokenizer, scheme: TagScheme, directory: str | Path) -> Path:
    """The adapter (LoRA + trained token rows) or full model, the tokenizer and `tag_scheme.json` in one directory."""
    directory = Path(directory)
    model.save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    scheme.with_token_ids(scheme.ids(tokenizer)).save(directory)
    return directory


def load_tagged(base: str, adapter: str | Path | None = None, init: str = "name"):
    """(model, tokenizer, scheme) from a base model name/dir and, for LoRA runs, the adapter directory.

    With an adapter: the base is loaded, the control tokens are added and initialised as in training, and the adapter
    (LoRA weights and trained token rows) is applied. Without: `base` is a directory saved by `save_tagged` with a full
    model (its tokenizer and scheme are read from it).
    """
    from provenance.models import load_causal_lm

    if adapter is None:
        scheme = TagScheme.load(base)
        model, tokenizer = load_causal_lm(base)
        scheme.ids(tokenizer)
        model.provenance_tag_scheme = scheme
        return model.eval(), tokenizer, scheme
    from peft import PeftModel

    scheme = TagScheme.load(adapter)
    model, tokenizer = load_causal_lm(base)
    scheme = prepare_tokenizer(tokenizer, scheme)
    prepare_model(model, tokenizer, scheme, init=init)
    model = PeftModel.from_pretrained(model, str(adapter))
    model.provenance_tag_scheme = scheme
    return model.eval(), tokenizer, scheme
