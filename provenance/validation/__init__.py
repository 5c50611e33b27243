"""Causal validation: retrain without the top-ranked samples (or with DPO pairs relabelled) and re-measure.

* `ranking`       — read any ranking (Attributor, activation-difference pairs, CSV) into best-first ids.
* `interventions` — drop ids, swap chosen/rejected, seeded random-k control (pure data transforms).
* `retrain`       — TRL DPO/SFT with LoRA from the same initialisation, seed and id-keyed data order.
* `judges`        — behaviour judges (refusal-phrase compliance detector by default) and the behaviour rate.
* `reference`     — the reference model M0: train a stage once, merge its LoRA, save safetensors, reuse.
* `runner`        — `run_validation`: the conditions, the table (rate and reduction vs the full run).
* `cli`           — `provenance validate`.
"""
from provenance.validation.interventions import (
    apply_intervention, drop_samples, random_ids, record_ids, relabel_pairs,
)
from provenance.validation.judges import (
    REFUSAL_PHRASES, behaviour_rate, compliance_judge, contains_judge, is_refusal, judge_by_name, refusal_judge,
)
from provenance.validation.ranking import read_ranking, top_ids
from provenance.validation.reference import (
    ReferenceModel, build_reference_model, merge_lora, reference_fingerprint, save_checkpoint,
)
from provenance.validation.retrain import (
    IdOrderSampler, Trained, TrainSpec, adapter_state, build_trainer, load_model, train_model,
)
from provenance.validation.runner import (
    Condition, ValidationResult, finish_table, format_table, measure_condition, plan_conditions, run_validation,
)

__all__ = [
    "Condition", "IdOrderSampler", "REFUSAL_PHRASES", "Trained", "TrainSpec", "ValidationResult", "adapter_state",
    "apply_intervention", "behaviour_rate", "build_trainer", "compliance_judge", "contains_judge", "drop_samples",
    "finish_table", "load_model", "measure_condition",
    "format_table", "is_refusal", "judge_by_name", "plan_conditions", "random_ids", "read_ranking", "record_ids",
    "refusal_judge", "relabel_pairs", "run_validation", "top_ids", "train_model",
    "ReferenceModel", "build_reference_model", "merge_lora", "reference_fingerprint", "save_checkpoint",
]
