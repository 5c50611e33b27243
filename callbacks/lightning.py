"""`ProvenanceCallback`: capture per-sample representations and their gradients from a Lightning training loop."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.strategies import FSDPStrategy, ModelParallelStrategy, Strategy
from lightning.pytorch.utilities import rank_zero_info
from torch import nn
from torch.utils.data import BatchSampler, DataLoader

from provenance.callbacks import compat
from provenance.capture.config import CaptureConfig, CaptureOptions, Unpack, resolve_config
from provenance.capture.sharding import check_mesh
from provenance.errors import CaptureConfigError
from provenance.session import CaptureSession


class ProvenanceCallback(Callback):
    """Stream per-sample `h_last`, `g_last`, `h_mean`, `g_mean` at chosen layers into a Zarr store.

    Usage::

        trainer = Trainer(callbacks=[ProvenanceCallback("runs/store.zarr", layers=[4, 8])])
        # or, with one config shared by several runs:
        config = CaptureConfig(layers=[4, 8], encoding="float32")
        trainer = Trainer(callbacks=[ProvenanceCallback("runs/store.zarr", config, run="lr-1e-4")])

    Works with an unmodified LightningModule holding a transformers causal LM (PEFT-wrapped or not; found
    automatically, or named by `model_attr`) whose training batches are dicts with `input_ids`, `attention_mask`,
    `labels` and `sample_id` (optionally `source`). Each rank writes its own group. `token_layers` ("auto": 3/4 of
    the depth, or layer numbers) also stores the hidden state at every token there, for token-level matching
    (`TokenMatchMethod`) from the store.

    Every `sample_id` must come once per epoch on a rank: a batch repeating one is refused (`CaptureInputError`
    naming the ids and the epoch) before it trains. The check is per rank.

    Resume: `Trainer.fit(ckpt_path=...)` keeps the rows captured before the checkpoint and captures the rest again.
    That is exactly once when the loader continues where the checkpoint left the epoch: torchdata's
    `StatefulDataLoader` (Lightning checkpoints its position), or any checkpoint at an epoch boundary. A plain
    `torch.utils.data.DataLoader` resumed mid-epoch restarts the epoch (Lightning warns "your dataloader is not
    resumable"): its batches repeat samples stored before the checkpoint and the epoch's last samples are never
    trained. With `on_resume_mismatch="refuse"` (default) the first such batch raises `ResumeMismatchError` with the
    counts and the fix; with `"record"` training goes on and the store holds what the model trained on: a second row
    of the epoch for each repeated sample, and the samples the epoch never trained counted in `skipped` as
    "not_trained_after_resume" (shown by `provenance inspect`).

    Sharded training: under `ModelParallelStrategy` (FSDP2: `fully_shard` applied in `configure_model`) and
    `FSDPStrategy` (FSDP1) the model is found and hooked at `on_fit_start`, once the strategy has built and sharded it
    (activation checkpointing included); each rank writes its own group as under DDP. A strategy whose device mesh
    splits one sample across ranks (`tensor_parallel_size` > 1; a tensor-, sequence-, context- or pipeline-parallel
    mesh dimension) is refused at `setup` with the reason (`CaptureConfigError`; see `provenance.capture.sharding`).

    Binding: at `setup` ("fit") the installed Lightning is checked against the supported versions
    (`provenance.callbacks.compat`; `UnsupportedVersionError` names both) before anything else happens.

    Live watch: `watches` (`provenance.behaviour.watch.Watch`) get, per step and source, the push -<g_mean, v> of
    the step's rows along each watched direction, logged with `LightningModule.log` (so every logger of the trainer
    receives it) as ``provenance_watch/<watch>/<source>/cum_push`` (cumulative), ``.../push_sum`` and
    ``.../push_mean`` (the latest step), and stored in the run (``provenance watch STORE``). A watch's alarm that
    fires with ``stop=True`` sets ``trainer.should_stop``. Each rank logs the pushes of its own rows.

    Args:
        store: the store's URL (a local path or any fsspec URL).
        config: what to capture and how to encode it, as a `CaptureConfig` (or a mapping of its fields); or give
            its fields as keyword arguments instead (`**options`), not both.
        run: the run's name in the store.
        overwrite: replace the run's existing rows (else an existing run is refused unless resumed).
        storage_options: the fsspec backend's options (credentials, endpoint).
        model_attr: the attribute path of the causal LM inside the LightningModule (found automatically when None).
        watches: directions to watch during training (see `provenance.behaviour.watch`); None watches nothing.
        **options: the fields of `CaptureConfig` (layers, signatures, token_layers, probe_prompts, encoding,
            projection_dim, projection_seed, shard_rows, chunk_rows, on_resume_mismatch).

    Raises:
        CaptureConfigError: an unknown option (the message lists the valid ones), an invalid value, or both
            `config` and options.
    """

    def __init__(self, store: str, config: CaptureConfig | Mapping[str, Any] | None = None, *, run: str = "default",
                 overwrite: bool = False, storage_options: dict | None = None, model_attr: str | None = None,
                 watches: Sequence | None = None, **options: Unpack[CaptureOptions]):
        self.model_attr = model_attr
        self.session = CaptureSession(store, resolve_config(config, options, owner="ProvenanceCallback"), run=run,
                                      overwrite=overwrite, storage_options=storage_options, watches=watches)
        self._trainer: pl.Trainer | None = None
        self._setup_pending = False  # a sharding strategy: the session is set up at on_fit_start
        self._in_batch = False
        self._batch_step = 0

    @property
    def state_key(self) -> str:
        return compat.lightning_state_key(self, store=self.session.store, run=self.session.run)

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage != "fit":
            return
        compat.check_lightning_version()
        self._trainer = trainer
        check_strategy_mesh(trainer.strategy)
        self._setup_pending = shards_model(trainer.strategy)
        if not self._setup_pending:
            self._setup_session(trainer, pl_module)

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # A sharding strategy builds (configure_model) and shards the model after `setup`: find and check it now,
        # still before the first step.
        if self._setup_pending:
            self._setup_pending = False
            self._setup_session(trainer, pl_module)

    def _setup_session(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        model = find_causal_lm(pl_module, self.model_attr)
        self.session.setup(model, rank=trainer.global_rank, world_size=trainer.world_size)
        self.session.run_outside_step = fsdp1_root_runner(trainer.strategy, pl_module)

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Checkpoint state is restored after `setup`: only now is it known whether an existing run is being resumed.
        self.session.check_store()

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int) -> None:
        broadcast = (lambda obj: trainer.strategy.broadcast(obj, src=0)) if trainer.world_size > 1 else None
        self.session.start_batch(batch, epoch=trainer.current_epoch, step=trainer.global_step, broadcast=broadcast)
        self._in_batch = True
        self._batch_step = trainer.global_step

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any, batch_idx: int) -> None:
        if self._in_batch:
            self._in_batch = False
            self.session.finish_batch()
            if self.session.watch is not None:
                self._log_watch(trainer, pl_module, batch)

    def _log_watch(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any) -> None:
        watch = self.session.watch
        if trainer.global_step != self._batch_step:  # the optimizer stepped: the step's rows are all in
            watch.end_step()
        metrics = watch.metrics()
        if metrics:
            pl_module.log_dict(metrics, on_step=True, on_epoch=False, batch_size=len(batch["sample_id"]))
        if watch.stop_requested:
            trainer.should_stop = True

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Only an epoch whose loader ran to its end can say which samples it never trained (max_steps may cut one).
        if self.session.ledger.resumed_epoch is not None and _epoch_complete(trainer):
            self.session.end_epoch(_samples_per_epoch(trainer))

    def state_dict(self) -> dict[str, Any]:
        step = self._trainer.global_step if self._trainer is not None else 0
        return self.session.checkpoint_state(step)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.session.restore(state_dict)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.session.close()
        summary = self.session.summary()
        rank_zero_info(f"provenance: rank {trainer.global_rank} wrote {summary['rows_written']} rows to "
                       f"{self.session.store} (run {self.session.run!r}), skipped {summary['skipped'] or 'none'}")

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        # Keep what was captured up to the failure; a writer error is already the exception being raised.
        try:
            self.session.close()
        except Exception:  # noqa: BLE001 - the original exception is the one the user must see
            pass

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit" and self.session.writer is not None:
            self.session.close()


def shards_model(strategy: Strategy) -> bool:
    """Whether the strategy builds or wraps the model after `setup` (FSDP: `FSDPStrategy`, FSDP2 and tensor
    parallelism: `ModelParallelStrategy`, whose `configure_model` applies `fully_shard`)."""
    return isinstance(strategy, (FSDPStrategy, ModelParallelStrategy))


def check_strategy_mesh(strategy: Strategy) -> None:
    """Refuse a strategy whose device mesh splits one sample across ranks, before the model is even built.

    Raises:
        CaptureConfigError: `ModelParallelStrategy` with `tensor_parallel_size` > 1 (its default on one node is the
            number of devices), or an `FSDPStrategy` device mesh with a tensor-, sequence-, context- or
            pipeline-parallel dimension (see `provenance.capture.sharding`).
    """
    if isinstance(strategy, ModelParallelStrategy):
        try:
            mesh = strategy.device_mesh
        except RuntimeError:  # processes not initialised yet (a strategy used outside Trainer.fit)
            return
        check_mesh(mesh, f"{type(strategy).__name__}'s device mesh")
    elif isinstance(strategy, FSDPStrategy):
        check_mesh(strategy.kwargs.get("device_mesh"), f"{type(strategy).__name__}'s device_mesh")


def fsdp1_root_runner(strategy: Strategy, pl_module: pl.LightningModule):
    """Under `FSDPStrategy` (FSDP1), a runner for model calls made outside a training step, else None.

    FSDP1 keeps the parameters of the root unit (embeddings, final norm, LM head) flat and sharded except while the root
    `FullyShardedDataParallel`'s forward runs, so the causal LM can only be called from inside it. The runner does what
    Lightning does for `training_step`: it points the LightningModule's `forward` at the call for one root forward
    (without grad: only the call's result is wanted), then restores it.
    """
    root = strategy.model
    if not isinstance(strategy, FSDPStrategy) or root is None or root is pl_module:
        return None

    def run(fn):
        had_own = "forward" in vars(pl_module)
        original = pl_module.forward

        def redirected(*_args, **_kwargs):
            _restore()
            return fn()

        def _restore():
            if had_own:
                pl_module.forward = original
            else:
                vars(pl_module).pop("forward", None)

        pl_module.forward = redirected
        try:
            with torch.no_grad():
                return root()
        finally:
            _restore()

    return run


def _epoch_complete(trainer: pl.Trainer) -> bool:
    batches = trainer.num_training_batches
    return batches != float("inf") and compat.batches_started_this_epoch(trainer) >= batches


def _samples_per_epoch(trainer: pl.Trainer) -> int | None:
    """Samples this rank's loader yields in one epoch, when a `BatchSampler` over a sized sampler makes it knowable."""
    loader = trainer.train_dataloader
    batch_sampler = getattr(loader, "batch_sampler", None)
    if not isinstance(loader, DataLoader) or not isinstance(batch_sampler, BatchSampler):
        return None
    try:
        n = len(batch_sampler.sampler)
        full_batches = len(batch_sampler)
    except TypeError:
        return None
    size = batch_sampler.batch_size
    full = (n // size) * size if batch_sampler.drop_last else n
    batches = trainer.num_training_batches  # limit_train_batches can cut the epoch
    return full if batches >= full_batches else int(batches) * size


def find_causal_lm(pl_module: nn.Module, attr: str | None = None) -> nn.Module:
    """The transformers causal LM (or PEFT model) held by a LightningModule."""
    if attr is not None:
        model = pl_module
        for part in attr.split("."):
            if not hasattr(model, part):
                raise CaptureConfigError(f"{type(pl_module).__name__} has no attribute {attr!r} (model_attr)")
            model = getattr(model, part)
        return model
    for _, module in pl_module.named_modules():
        if module is pl_module:
            continue
        # The outermost module that has a config and an LM head: a PeftModel or a PreTrainedModel.
        if hasattr(module, "config") and (hasattr(module, "get_base_model") or hasattr(module, "get_output_embeddings")):
            if hasattr(module, "get_base_model") or module.get_output_embeddings() is not None:
                return module
    raise CaptureConfigError(
        f"no transformers causal LM found inside {type(pl_module).__name__}; "
        "hold one as an attribute or pass ProvenanceCallback(model_attr='name')"
    )
