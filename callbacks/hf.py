"""`ProvenanceTrainerCallback`: capture from `transformers.Trainer` and TRL's `SFTTrainer` / `DPOTrainer`.

Usage (one callback, no other change to the training script)::

    cb = ProvenanceTrainerCallback("runs/store.zarr")                  # layers="auto" by default
    trainer = SFTTrainer(model=..., args=..., train_dataset=train, callbacks=[cb])
    trainer.train()                                                    # or train(resume_from_checkpoint=...)

How it plugs in. `TrainerCallback` events carry neither the batch nor the trainer, so when the trainer finishes its
`__init__` (`on_init_end`) the callback finds the trainer on the call stack (or is handed it with `cb.bind(trainer)`),
checks that the installed transformers (and TRL) are versions it supports, and:
- keeps `sample_id` / `source` through `remove_unused_columns` and wraps the data collator
  (`provenance.hf.ProvenanceDataCollator`) so they survive TRL's collators, which drop unknown keys; a dataset without
  `sample_id` gets index+content-hash ids (`provenance.hf.with_sample_ids`), a dataset with duplicate ids is refused;
- wraps `trainer.training_step` (forward + backward of one micro-batch): the ids are taken off the inputs, the
  `CaptureSession` micro-batch is declared before and finished after, so the framework-free `CaptureEngine` does all
  capture; a forward pre-hook strips the ids from any other model call (evaluation, DPO's reference precompute);
- every transformers / TRL internal this takes (the stack walk, the two wrapped trainer methods, TRL's DPO
  attributes, ...) goes through `provenance.callbacks.compat`, which says why each is needed and which versions it
  was checked on;
- fails at trainer construction on what cannot work: packing / padding-free rows, unknown layers, a store of another
  model, a DPO loss that is not a sum of per-pair terms, and the sharded setups below that it does not support.

SFT (`Trainer`, `SFTTrainer`): the loss is the token cross-entropy of the batch's `labels`; every sample's gradients
are rescaled to those of its own mean response cross-entropy (see `CaptureEngine`). Which tokens are the "response" is
whatever TRL labels: prompt/completion -> the completion (`completion_only_loss`, the default there); conversational
`messages` with `assistant_only_loss=True` -> the assistant tokens; plain `text` (or messages without
`assistant_only_loss`) -> every token after the first, so `h_last` is the first token's state and `prompt_len` is 1.

DPO (`DPOTrainer`): each pair is stored as two rows, `role` "chosen" and "rejected", both with `sample_id` = `pair_id`
= the example's id. Gradients are those of the pair's own DPO loss term (all `loss_type`s, weighted) with respect to
each row's hidden states (TRL's "sft" term, RPO's NLL on the chosen response, is supported with one pair per
micro-batch: it is a token mean over the micro-batch's chosen responses): the batch loss is c x the sum of pair terms with c = 1 / (pairs in the micro-batch x
gradient accumulation) (x the AMP loss scale), which the callback passes to the engine. `h_mean_ref` holds the
reference model's (M0) response-mean activations, from TRL's own reference forward (PEFT adapter disabled or the "ref"
adapter, or the separate `ref_model`); with `precompute_ref_log_probs=True` no reference forward runs during training
and the run records `reference_activations = "policy_first_visit"`: use `h_mean` of each pair's first captured rows.
The `loss` column of DPO rows is the row's mean response cross-entropy under the policy.

Resume: the trainer's checkpoint already holds the global step; every checkpoint save first commits the rows captured
so far, and `train(resume_from_checkpoint=...)` keeps exactly the rows captured before the checkpoint's step. The
Trainer's own resume continues the epoch exactly (it skips the trained batches with accelerate's
`skip_first_batches`); with `ignore_data_skip=True` it restarts the epoch, whose first batch then repeats stored
(sample, epoch) rows and is refused (`ResumeMismatchError`), or recorded with `on_resume_mismatch="record"` (see
`provenance.session`).

Ids: a `datasets.Dataset` with repeated `sample_id`s is refused when the trainer is built; any dataset (a torch
Dataset, a streaming one) is also checked batch by batch: an id that comes twice in one epoch on a rank is refused
with the ids and the epoch. A DPO pair's chosen and rejected rows share the pair's id and are told apart by `role`.

Sharded training: DDP, and FSDP2 through accelerate (``TrainingArguments(fsdp=True, fsdp_config={"version": 2, ...})``
or an accelerate config with ``fsdp_version: 2``), with FSDP's activation checkpointing or the Trainer's gradient
checkpointing. Each rank writes its own store group and rank 0's layer choice is broadcast, as under DDP. accelerate
shards the model in place when `train()` prepares it; the callback hooks that same module and checks at
`on_train_begin` that it is still the one that trains (the run records ``sharding = "fsdp2"``). Refused when the
trainer is built: DeepSpeed (untested, see `DEEPSPEED_REFUSAL`; FSDP2 is the supported alternative), FSDP1, and
context / sequence / tensor parallelism (`provenance.capture.sharding` says why). accelerate 1.15 turns FSDP on only
on accelerator devices: on CPU processes it ignores `fsdp=` and trains with DDP.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import torch
from transformers import Trainer, TrainerCallback

from provenance.callbacks import compat
from provenance.capture import find_layout
from provenance.capture.config import CaptureConfig, CaptureOptions, Unpack, resolve_config
from provenance.capture.sharding import check_mesh, check_model_sharding
from provenance.errors import CaptureConfigError, CaptureInputError
from provenance.hf import META_KEYS, ProvenanceDataCollator, with_sample_ids
from provenance.session import CaptureSession

log = logging.getLogger(__name__)

# DPO loss types whose batch loss is the mean over pairs of a per-pair term (so one pair's own term is defined).
_PAIRWISE_DPO_LOSSES = {"sigmoid", "hinge", "ipo", "exo_pair", "nca_pair", "robust", "bco_pair", "sppo_hard", "apo_zero",
                        "apo_down", "discopop", "sigmoid_norm"}
# TRL's "sft" term (RPO: an NLL term on the chosen response) is a token mean over every chosen response of the
# micro-batch, so it is one pair's own term only when a micro-batch holds one pair.
_ONE_PAIR_DPO_LOSSES = {"sft"}
# Set on a trainer the callback has bound to: the bound callback, and that its methods are wrapped (once per trainer).
_TRAINER_ATTR = "_provenance_callback"
_WRAPPED_ATTR = "_provenance_wrapped"

DEEPSPEED_REFUSAL = (
    "capture does not support DeepSpeed (any ZeRO stage) yet: exact per-sample capture under DeepSpeed's engine "
    "(ZeRO parameter partitioning, its own backward and loss scaling) has not been tested, because DeepSpeed cannot "
    "run in provenance's test environment. Use FSDP2, which shards parameters, gradients and optimizer state as "
    "ZeRO-3 does and is tested: TrainingArguments(fsdp=True, fsdp_config={'version': 2}) or an accelerate config "
    "with fsdp_version: 2"
)
NOT_BOUND_HELP = (
    "ProvenanceTrainerCallback is not attached to a trainer: pass it at construction (Trainer(..., callbacks=[cb])) "
    "so it can wrap the data collator before the dataloader exists, or call cb.bind(trainer) before trainer.train()"
)


class ProvenanceTrainerCallback(TrainerCallback):
    """Stream per-sample `h_last`, `g_last`, `h_mean`, `g_mean` (DPO: plus `h_mean_ref`) at chosen layers into a store.

    Same options as `provenance.callbacks.ProvenanceCallback` (Lightning): a `CaptureConfig` or its fields as keyword
    arguments. Each process writes its own rank group (`args.process_index` of `args.world_size`); rank 0's automatic
    layer choice is broadcast.

    Live watch: with `watches`, every training log (`on_log`) gains ``provenance_watch/<watch>/<source>/cum_push``,
    ``.../push_sum`` and ``.../push_mean`` (see `provenance.behaviour.watch_push`), so the `report_to` integrations
    (TensorBoard, W&B, ...) and `trainer.state.log_history` receive them: the callback moves itself ahead of the
    reporting callbacks to add them before those write. An alarm that fires with ``stop=True`` sets
    ``control.should_training_stop``.

    Args:
        store: the store's URL (a local path or any fsspec URL).
        config: what to capture and how to encode it, as a `CaptureConfig` (or a mapping of its fields); or give
            its fields as keyword arguments instead (`**options`), not both.
        run: the run's name in the store.
        overwrite: replace the run's existing rows (else an existing run is refused unless resumed).
        storage_options: the fsspec backend's options (credentials, endpoint).
        watches: directions to watch during training (see `provenance.behaviour.watch`); None watches nothing.
        **options: the fields of `CaptureConfig` (layers, signatures, token_layers, probe_prompts, encoding,
            projection_dim, projection_seed, shard_rows, chunk_rows, on_resume_mismatch).

    Raises:
        CaptureConfigError: an unknown option (the message lists the valid ones), an invalid value, or both
            `config` and options. When the trainer is built (or at `bind`): an unsupported transformers / TRL
            (`UnsupportedVersionError`), and whatever cannot work (packing, unknown layers, a store of another
            model, a DPO loss that couples pairs).
    """

    def __init__(self, store: str, config: CaptureConfig | Mapping[str, Any] | None = None, *, run: str = "default",
                 overwrite: bool = False, storage_options: dict | None = None, watches: Sequence | None = None,
                 **options: Unpack[CaptureOptions]):
        self.session = CaptureSession(store, resolve_config(config, options, owner="ProvenanceTrainerCallback"),
                                      run=run, overwrite=overwrite, storage_options=storage_options, watches=watches)
        self.trainer: Trainer | None = None
        self.is_dpo = False
        self._collator: ProvenanceDataCollator | None = None
        self._hooks: list = []
        self._training = False
        self._finished = False

    # ---- attaching ----------------------------------------------------------------------------------------------
    def bind(self, trainer: Trainer) -> ProvenanceTrainerCallback:
        """Attach to `trainer` (done automatically when the callback is passed at construction)."""
        if self.trainer is trainer:
            return self
        if self.trainer is not None:
            raise CaptureConfigError("this ProvenanceTrainerCallback is already bound to another trainer")
        compat.check_hf_versions(trainer)
        self.trainer = trainer
        self.is_dpo = compat.is_dpo_trainer(trainer)
        args = trainer.args
        _refuse_unsupported(trainer, self.is_dpo)
        # Fail fast: layers and store are checked now, while the trainer is being built.
        self.session.setup(trainer.model, rank=int(args.process_index), world_size=int(args.world_size))
        self._prepare_dataset(trainer)
        compat.keep_dataset_columns(trainer, ("sample_id", "source"))
        collator = trainer.data_collator
        if not isinstance(collator, ProvenanceDataCollator):
            collator = ProvenanceDataCollator(collator, pairs=self.is_dpo)
            trainer.data_collator = collator
        self._collator = collator
        self._hooks.append(trainer.model.register_forward_pre_hook(_strip_meta, with_kwargs=True, prepend=True))
        setattr(trainer, _TRAINER_ATTR, self)
        if self.session.watch is not None:
            compat.move_before_reporters(trainer, self)
        if not getattr(trainer, _WRAPPED_ATTR, False):
            _wrap_trainer(trainer)
        return self

    def on_init_end(self, args, state, control, **kwargs):
        trainer = compat.trainer_on_stack(self)
        if trainer is not None:
            self.bind(trainer)

    # ---- training ----------------------------------------------------------------------------------------------
    def on_train_begin(self, args, state, control, **kwargs):
        if self._finished:
            raise CaptureConfigError(
                "this ProvenanceTrainerCallback already captured one train() call and closed its store writer; build "
                "the trainer again with a new callback to train again (resume_from_checkpoint keeps the store exact)"
            )
        if self.trainer is None:
            trainer = compat.trainer_on_stack(self)
            if trainer is None:
                raise CaptureConfigError(NOT_BOUND_HELP)
            self.bind(trainer)
        trainer = self.trainer
        self._check_prepared_model(trainer)
        self.session.extra_run_attrs = self._run_attrs(trainer)
        if self.is_dpo:
            reference = compat.dpo_reference(trainer)
            self.session.reference = reference
            if isinstance(reference, torch.nn.Module):
                self._hooks.append(reference.register_forward_pre_hook(_strip_meta, with_kwargs=True, prepend=True))
        if state.global_step > 0:
            # A fresh train() starts at step 0: this is train(resume_from_checkpoint=...). Keep the rows captured
            # before the checkpoint's step, capture the rest again.
            self.session.restore({"run": self.session.run, "global_step": int(state.global_step)})
        self.session.check_store()
        self._collator.armed = True
        self._training = True

    def on_step_end(self, args, state, control, **kwargs):
        watch = self.session.watch
        if watch is not None and self._training:
            watch.end_step()
            if watch.stop_requested:
                control.should_training_stop = True
        if control.should_save:
            self.commit(state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        watch = self.session.watch
        if watch is None or not self._training or logs is None or any(k.startswith(("eval_", "test_")) for k in logs):
            return
        metrics = watch.metrics()
        logs.update(metrics)
        compat.add_to_logged_entry(state, metrics)

    def on_epoch_end(self, args, state, control, **kwargs):
        # The epoch's size is not known here: a resumed epoch's never-trained samples are logged, not counted.
        self.session.end_epoch(None)
        if control.should_save:
            self.commit(state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        self._finish()
        summary = self.session.summary()
        log.info("provenance: rank %d wrote %d rows to %s (run %r), skipped %s", int(args.process_index),
                 summary["rows_written"], self.session.store, self.session.run, summary["skipped"] or "none")

    def commit(self, global_step: int) -> dict:
        """Commit every row captured so far (called before each checkpoint is written)."""
        return self.session.checkpoint_state(int(global_step))

    # ---- one micro-batch (called by the wrapped training_step) ---------------------------------------------------
    def _training_step(self, original, model, inputs, *args, **kwargs):
        if not self._training:
            return original(model, inputs, *args, **kwargs)
        inputs = dict(inputs)
        meta = {k: inputs.pop(k) for k in META_KEYS if k in inputs}
        if "sample_id" not in meta:
            raise CaptureInputError(
                "a training batch reached training_step without `sample_id`: the trainer's data collator or dataloader "
                "was replaced after the callback wrapped it. " + NOT_BOUND_HELP
            )
        trainer = self.trainer
        batch, scale = self._capture_batch(trainer, inputs, meta)
        state = trainer.state
        epoch = int(math.floor(state.epoch or 0.0))
        try:
            self.session.start_batch(batch, epoch=epoch, step=int(state.global_step),
                                     broadcast=_broadcast_fn(trainer), scale=scale)
            loss = original(model, inputs, *args, **kwargs)
        except BaseException:
            self.session.abort_batch()
            self._finish(quiet=True)  # keep what was captured before the failure
            raise
        self.session.finish_batch()
        return loss

    def _capture_batch(self, trainer, inputs: dict, meta: dict) -> tuple[dict, float | None]:
        device = next(trainer.model.parameters()).device
        ids = inputs.get("input_ids")
        if ids is None:
            raise CaptureInputError("capture needs `input_ids` in the training batches")
        batch = dict(meta)
        batch["input_ids"] = ids
        # attention_mask for the tokens stored; position ids and varlen keys let the session refuse packed rows.
        for key in ("attention_mask", "position_ids", "cu_seq_lens_q", "seq_idx"):
            if inputs.get(key) is not None:
                batch[key] = inputs[key]
        if self.is_dpo:
            mask_key = compat.DPO_COMPLETION_MASK
            if mask_key not in inputs:
                raise CaptureInputError(f"DPO batches need `{mask_key}` (TRL's DataCollatorForPreference makes it)")
            batch["labels"] = ids.masked_fill(inputs[mask_key] == 0, -100).to(device)
            pairs = int(ids.shape[0]) // 2
            if pairs > 1 and set(compat.dpo_loss(trainer).loss_types) & _ONE_PAIR_DPO_LOSSES:
                raise CaptureInputError(f"a micro-batch holds {pairs} pairs, but the DPO loss has an 'sft' term that "
                                        f"couples them: train with one pair per micro-batch")
            scale = 1.0 / (pairs * compat.accumulation_steps_now(trainer))
            loss_scale = compat.amp_loss_scale(trainer)
            if loss_scale is not None:
                scale *= loss_scale
            return batch, scale
        if "labels" not in inputs:
            raise CaptureInputError("training batches need `labels` (-100 on prompt and padding) for capture")
        batch["labels"] = inputs["labels"].to(device)
        return batch, None

    # ---- internals ------------------------------------------------------------------------------------------
    def _check_prepared_model(self, trainer) -> None:
        """After `accelerator.prepare` (which under FSDP2 shards the model in place): the trainer must still train
        the module the callback hooks, and its sharding must keep each sample whole on one rank."""
        hooked = self.session.model
        if trainer.model is not hooked and compat.unwrap_model(trainer, trainer.model) is not hooked:
            raise CaptureConfigError(
                f"the trainer's model after accelerate prepared it ({type(trainer.model).__name__}) is neither the "
                f"module the callback hooked when the trainer was built ({type(hooked).__name__}) nor a wrapper of "
                f"it, so capture would watch a model that does not train: do not replace trainer.model after "
                f"building the trainer"
            )
        self.session.sharding = check_model_sharding(hooked)  # at bind the model was not sharded yet

    def _prepare_dataset(self, trainer) -> None:
        dataset = trainer.train_dataset
        if dataset is None:
            return
        columns = getattr(dataset, "column_names", None)
        if columns is None:  # a torch Dataset: its items must carry sample_id (checked at the first batch)
            return
        if "sample_id" not in columns:
            log.warning("provenance: the training dataset has no `sample_id` column; deriving '<index>:<content hash>' "
                        "ids on the trainer's prepared dataset. Call provenance.hf.with_sample_ids(dataset) before "
                        "building the trainer so that indices refer to your own dataset.")
        trainer.train_dataset = with_sample_ids(dataset)

    def _run_attrs(self, trainer) -> dict:
        args = trainer.args
        attrs: dict[str, Any] = {"trainer": type(trainer).__name__,
                                 "gradient_accumulation_steps": int(args.gradient_accumulation_steps)}
        if not self.is_dpo:
            attrs["objective"] = "token cross-entropy (SFT)"
            return attrs
        loss = compat.dpo_loss(trainer)
        attrs.update({
            "objective": "dpo",
            "dpo": {"beta": loss.beta, "loss_type": list(loss.loss_types), "loss_weights": list(loss.loss_weights)},
            "signature_scale": "gradients of each pair's own DPO loss term (sum over loss types, weighted), per row",
            "loss_column": "the row's mean response-token cross-entropy under the policy",
            "row_layout": "two rows per pair: role 'chosen' and 'rejected', sample_id = pair_id = the example's id",
        })
        reference = compat.dpo_reference(trainer)
        if reference is None:
            attrs["reference_activations"] = "policy_first_visit"
            attrs["reference_note"] = ("precompute_ref_log_probs=True: no reference forward during training; use h_mean "
                                       "of each pair's first captured rows as M0 activations")
        elif reference == "self":
            peft_config = getattr(getattr(trainer, "model", None), "peft_config", {}) or {}
            attrs["reference_activations"] = ("reference_forward: PEFT 'ref' adapter" if "ref" in peft_config
                                              else "reference_forward: PEFT adapters disabled")
        else:
            attrs["reference_activations"] = "reference_forward: ref_model"
        return attrs

    def _finish(self, quiet: bool = False) -> None:
        self._training = False
        self._finished = True
        if self._collator is not None:
            self._collator.armed = False
        try:
            self.session.close()
        except Exception:  # noqa: BLE001 - when quiet, the exception in flight is the one the user must see
            if not quiet:
                raise
        for handle in self._hooks:
            handle.remove()
        self._hooks.clear()


# ---- helpers ------------------------------------------------------------------------------------------------
def _wrap_trainer(trainer) -> None:
    """Route `training_step` through the bound callback and commit before every checkpoint is written."""

    def training_step(original, model, inputs, *args, **kwargs):
        cb = getattr(trainer, _TRAINER_ATTR, None)
        if cb is None:
            return original(model, inputs, *args, **kwargs)
        return cb._training_step(original, model, inputs, *args, **kwargs)

    def commit_before_save():
        cb = getattr(trainer, _TRAINER_ATTR, None)
        if cb is not None and cb._training:
            cb.commit(trainer.state.global_step)

    compat.patch_training_step(trainer, training_step)
    compat.patch_save_checkpoint(trainer, commit_before_save)
    setattr(trainer, _WRAPPED_ATTR, True)


def _strip_meta(module, args, kwargs):
    if any(k in kwargs for k in META_KEYS):
        return args, {k: v for k, v in kwargs.items() if k not in META_KEYS}
    return None


def _refuse_unsupported(trainer, is_dpo: bool) -> None:
    args = trainer.args
    if compat.uses_deepspeed(trainer):
        raise CaptureConfigError(DEEPSPEED_REFUSAL)
    version = compat.fsdp_version(trainer)
    if version is not None and version != 2:
        raise CaptureConfigError(
            f"capture supports FSDP2 under the Trainer, but accelerate's FSDP plugin has fsdp_version={version} "
            f"(FullyShardedDataParallel wraps the model; capture is not tested with it and transformers deprecates "
            f"it): set fsdp_config={{'version': 2}} (in an accelerate config: fsdp_version: 2)"
        )
    sizes = compat.parallelism_sizes(trainer)
    # The same refusal, and words, as for a device mesh with these dimensions (provenance.capture.sharding).
    check_mesh(SimpleNamespace(mesh_dim_names=tuple(sizes), shape=tuple(sizes.values())),
               "the trainer's parallelism (accelerate's ParallelismConfig, or the model's tp_size)")
    if compat.packs_sequences(trainer):
        raise CaptureConfigError(
            "capture stores one row per training sample, but packing / padding-free training puts several samples in "
            "one sequence: set packing=False and padding_free=False in the config"
        )
    if compat.is_vision_dataset(trainer):
        raise CaptureConfigError("capture does not support vision-language datasets yet")
    if is_dpo:
        loss_types = set(compat.dpo_loss(trainer).loss_types)
        bad = sorted(loss_types - _PAIRWISE_DPO_LOSSES - _ONE_PAIR_DPO_LOSSES)
        one_pair = sorted(loss_types & _ONE_PAIR_DPO_LOSSES)
        if one_pair and int(args.per_device_train_batch_size) != 1:
            raise CaptureConfigError(
                f"DPO loss type(s) {one_pair} average over the tokens of all chosen responses in a micro-batch, so "
                f"with per_device_train_batch_size={args.per_device_train_batch_size} no pair has a gradient of its "
                f"own: set per_device_train_batch_size=1 (one pair per micro-batch) and gradient_accumulation_steps "
                f"to the batch size you want"
            )
        if bad:
            raise CaptureConfigError(
                f"DPO loss type(s) {bad} couple the pairs of a batch (sorting, or a batch-wide token mean), so no pair "
                f"has a gradient of its own; capture supports {sorted(_PAIRWISE_DPO_LOSSES)}"
            )
        if compat.aux_loss_enabled(trainer):
            raise CaptureConfigError("capture does not support DPO with a MoE auxiliary loss (not a per-pair term)")
    find_layout(trainer.model)  # a clear error for a model capture cannot hook


def _broadcast_fn(trainer):
    if int(trainer.args.world_size) <= 1 or not torch.distributed.is_available() or not torch.distributed.is_initialized():
        return None

    def broadcast(obj):
        box = [obj]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]

    return broadcast
