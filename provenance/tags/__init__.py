"""DebugLM-style provenance tags: tag scheme, data transform, model preparation, trace and source-targeted refusal.

    scheme = TagScheme(sources=("donotanswer", "harmbench", "rtp", "falseclaims", "clean"))
    rows = tag_records(sft_rows, scheme, lineage=1.0, refusal=1.0, positive=0.5)   # + lineage and refusal copies
    scheme = prepare_tokenizer(tokenizer, scheme); prepare_model(model, tokenizer, scheme)
    peft_config = tag_lora_config(model, tokenizer, scheme, r=8)                 # LoRA + trainable control-token rows
    ... train (TRL SFTTrainer / DPOTrainer) ...; save_tagged(model, tokenizer, scheme, out_dir)
    trace(model, tokenizer, prompts)                     # -> answer, source, confidence over sources
    GuardedGenerator(model, tokenizer, blocked=["rtp"], mode="guard" | "trained").generate(prompts)
    choose_threshold(validation_cases, scheme.sources, grid)  # guard threshold for GuardedGenerator(threshold=...)

Trained-mode format: DebugLM's (the model decides implicitly in its first answer token) or tag-first
(`TagScheme(tag_first=True)` + `TagMix(tag_first=True)`: refusal copies start with the own tag, then the decision; the
generator forces `<TAG>` and strips the tag), which a 135M model needs; see provenance.tags.transform.

Multi-stage (SFT with tags, then DPO): the DPO data go through `tag_preference_rows`, which keeps the pairs, adds a
lineage pair per pair with the SAME tag on chosen and rejected (the preference never pushes a tag up or down by
itself, while the policy keeps emitting it on both sides) and refusal pairs (refusal sentence preferred when the pair's
source is named, the lineage answer otherwise); with `anchor="random"` or {source: rival} also tag anchor pairs (own
tag chosen, a rival's tag rejected), which hold the tags themselves during DPO. Train DPO on the SFT model with its
adapter merged (token rows included) and a fresh LoRA, so the adapter-disabled reference is the tagged SFT model.
benchmarks/tags/ measures tag accuracy after each stage.

Nothing here imports TRL or Lightning at import time.
"""
from importlib import import_module

_EXPORTS = {
    "guard_threshold": ("GuardCounts", "choose_threshold", "guard_counts"),
    "model_prep": ("expose_head_bias", "load_tagged", "prepare_model", "prepare_tokenizer", "save_tagged",
                   "tag_lora_config", "trainable_token_indices"),
    "prompts": ("encode_prompt", "user_token_ids"),
    "refusal": ("GuardedGenerator", "GuardedOutput", "is_refusal"),
    "scheme": ("SCHEME_FILE", "TagScheme"),
    "tag_first": ("TagFirstLogitsProcessor", "generate_tag_first"),
    "tracer": ("SourceTagLogitsProcessor", "TraceResult", "generate_tagged", "trace"),
    "transform": ("TagMix", "tag_dataset", "tag_preference_rows", "tag_records", "variant_of"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """Lazy exports: `provenance trace` and `provenance inspect` start without importing transformers."""
    if name not in _WHERE:
        raise AttributeError(f"module 'provenance.tags' has no attribute {name!r}")
    value = getattr(import_module(f"provenance.tags.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
