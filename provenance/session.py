"""One training run's capture: engine + store writer + resume bookkeeping, with no training framework in sight.

The Lightning and Hugging Face adapters only translate their framework's events into these calls:
`setup` (fail fast, before training), `start_batch` / `finish_batch` around every micro-batch's forward and
backward, `checkpoint_state` / `restore` for exact resume, `end_epoch` when an epoch's loader is exhausted, `close` at
the end.

Exactly-once resume. A resume keeps the rows committed before the checkpoint's step and captures the rest again, so
the store is exact when the data loader continues where the checkpoint left the epoch: torchdata's
`StatefulDataLoader` under Lightning (which checkpoints its position), the Hugging Face Trainer's own resume (it skips
the epoch's trained batches with accelerate's `skip_first_batches`), or any checkpoint at an epoch boundary. A plain
`torch.utils.data.DataLoader` resumed mid-epoch restarts the epoch: its batches bring again (sample, epoch) rows stored
before the checkpoint, and the epoch's last samples are never reached. The session knows the stored rows of the
resumed epoch (read from the store at the first batch) and checks every batch of that epoch against them:
`on_resume_mismatch="refuse"` (the default) raises `ResumeMismatchError` before the first repeating batch trains;
`"record"` trains on as the loader gives and stores what the model trains on: the repeated samples get a second row
of the epoch (told apart by their step), and when the epoch ends the samples it never trained are counted in the
run's `skipped` under "not_trained_after_resume" (where the adapter knows the epoch's size) and logged.
"""
from __future__ import annotations

import logging
import time
from functools import partial
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from provenance import __version__
from provenance.capture import (
    LAYER_CONVENTION, CaptureConfig, CaptureEngine, LayerChoice, choose_layers, find_layout, model_fingerprint,
    resolve_token_layers,
)
from provenance.capture.sharding import check_model_sharding
from provenance.epoch_ledger import EpochLedger, as_list, row_keys, show_keys
from provenance.errors import CaptureConfigError, CaptureInputError, ResumeMismatchError, StoreNotFoundError
from provenance.store import (
    CaptureRows, StoreWriter, check_store_compatible, committed_rows_before_step, open_store, rank_rows,
)

log = logging.getLogger(__name__)

MISSING_ID_HELP = (
    "training batches need a `sample_id` entry (one id per row) so captured rows can be traced back to data: add "
    "it in your Dataset's __getitem__ and keep it in your collate_fn (provenance.data.SFTCollator does both)"
)
# The `skipped` reason of samples that a resumed epoch never trained because its loader restarted the epoch.
NOT_TRAINED_AFTER_RESUME = "not_trained_after_resume"


class CaptureSession:
    """One run's capture into one store, driven by a framework adapter.

    Args:
        store: the store's URL (a local path or any fsspec URL).
        config: what to capture and how to encode it (default: `CaptureConfig()`).
        run: the run's name in the store.
        overwrite: replace the run's existing rows (else an existing run is refused unless resumed).
        storage_options: the fsspec backend's options (credentials, endpoint).
        watches: live-watched directions (`provenance.behaviour.watch`); None watches nothing.

    Raises:
        CaptureConfigError: `config` is not a `CaptureConfig`.
    """

    def __init__(self, store: str, config: CaptureConfig | None = None, *, run: str = "default",
                 overwrite: bool = False, storage_options: dict | None = None, watches: Sequence | None = None):
        config = CaptureConfig() if config is None else config
        if not isinstance(config, CaptureConfig):
            raise CaptureConfigError(f"config must be a CaptureConfig, got {type(config).__name__}")
        self.config = config
        self.store, self.run, self.overwrite = str(store), run, overwrite
        self.storage_options = storage_options
        self.token_layers: list[int] = []
        self.rank, self.world_size = 0, 1
        self.model: nn.Module | None = None
        self.sharding: str | None = None  # "fsdp1", "fsdp2" or None: how the model's parameters are sharded
        self.engine: CaptureEngine | None = None
        self.writer: StoreWriter | None = None
        self.choice: LayerChoice | None = None
        self._resume: dict | None = None
        self.rows_written = 0
        self.skipped: Counter = Counter()
        self.capture_seconds = 0.0
        self.ledger = EpochLedger()
        self.replayed_rows = 0  # rows of a resumed epoch trained a second time ("record")
        self._batch_keys: list = []
        # Set by adapters before the first batch: the engine's reference ("self", a module or None; see
        # CaptureEngine) and run attributes that describe what the adapter captures (e.g. DPO's loss scale).
        self.reference = None
        self.extra_run_attrs: dict = {}
        # Set by adapters whose model can run only inside a wrapper's forward (FSDP1: the root's parameters are
        # gathered by the root FullyShardedDataParallel's forward): runs the thunk it is given there and returns its
        # result. Used for the layer choice's probe forwards; None calls the model directly.
        self.run_outside_step: Callable[[Callable[[], object]], object] | None = None
        # Live provenance watch (provenance.behaviour.watch): pushes of each step's rows along watched directions.
        self.watch = None
        if watches:
            from provenance.behaviour.watch_push import WatchMonitor

            self.watch = WatchMonitor(watches)

    # ---- before training -------------------------------------------------------------------------------------
    def setup(self, model: nn.Module, *, rank: int = 0, world_size: int = 1) -> None:
        """Check everything that can be checked before the first step, so a bad configuration fails in seconds.

        Args:
            model: the causal LM to hook, as the framework will run it (after FSDP has sharded it, if it does).
            rank: this process's rank (its store group).
            world_size: the number of ranks writing the run.

        Raises:
            CaptureConfigError: the model, layers or options cannot work together, or the model is sharded in a way
                that splits one sample across ranks (tensor, sequence, context or pipeline parallelism; see
                `provenance.capture.sharding`).
        """
        self.model, self.rank, self.world_size = model, rank, world_size
        self.ledger.rank = rank
        # Sharded parameters are fine (FSDP); a layout that splits one sample across ranks is refused here.
        self.sharding = check_model_sharding(model)
        layout = find_layout(model)
        config = self.config
        if config.layer_list is not None:
            layout.check_layers(config.layer_list)
        self.token_layers = resolve_token_layers(config.token_layers, layout)
        if self.watch is not None:  # "auto" layers are known at the first batch: checked again then
            self.watch.check_setup(hidden_size=layout.hidden_size, layers=config.layer_list,
                                   signatures=config.signatures)
        self.check_store(resuming=True)  # the model and schema now; the run itself once resume is known

    def check_store(self, *, resuming: bool | None = None) -> None:
        """A store of another model always fails; an existing run fails unless resumed or overwritten; a rank group
        that another live writer owns fails unless overwritten."""
        resuming = self._resume is not None if resuming is None else resuming
        check_store_compatible(self.store, model=model_fingerprint(self.model), run=self.run, resuming=resuming,
                               overwrite=self.overwrite, storage_options=self.storage_options, rank=self.rank)

    def restore(self, state: Mapping) -> None:
        """Resume from a training checkpoint: rows captured after it are dropped and captured again."""
        if state.get("run") not in (None, self.run):
            raise CaptureConfigError(f"checkpoint holds capture state of run {state.get('run')!r}, this callback writes run {self.run!r}")
        self._resume = dict(state)

    # ---- every micro-batch ----------------------------------------------------------------------------------
    def start_batch(self, batch: Mapping, *, epoch: int, step: int,
                    broadcast: Callable[[object], object] | None = None, scale: float | None = None) -> None:
        """`scale`: None for a token cross-entropy loss, else the known batch factor (see CaptureEngine.begin)."""
        t0 = time.perf_counter()
        if not isinstance(batch, Mapping):
            raise CaptureInputError(f"capture expects dict batches (input_ids, attention_mask, labels, sample_id), got {type(batch).__name__}")
        if "sample_id" not in batch:
            raise CaptureInputError(MISSING_ID_HELP)
        for key in ("input_ids", "labels"):
            if key not in batch:
                raise CaptureInputError(f"training batches need `{key}` for capture (labels: -100 on prompt and padding)")
        _refuse_packing(batch)
        ids = as_list(batch["sample_id"])  # once: a device tensor of ids is copied to the host here only
        keys = row_keys(batch, ids)
        if self.engine is None:
            self._open(batch, broadcast, epoch)
        replayed = self.ledger.admit(keys, epoch=epoch, step=step)
        if replayed:
            self._resume_mismatch(replayed, epoch, step)
        self._batch_keys = keys
        if self.watch is not None:
            self.watch.begin_batch(has_source="source" in batch)
        columns = {k: batch[k] for k in ("pair_id", "role") if k in batch}
        self.engine.begin(labels=batch["labels"], input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask"),
                          sample_ids=ids, sources=batch.get("source"), epoch=epoch, step=step, columns=columns,
                          scale=scale)
        self.capture_seconds += time.perf_counter() - t0

    def finish_batch(self) -> None:
        t0 = time.perf_counter()
        rows = self.engine.end() if self.engine is not None else None
        if rows is not None and "pair_id" in rows.columns:
            rows = _complete_pairs(rows)
        if rows is not None:
            if len(rows) < len(self._batch_keys):
                stored = zip(rows.sample_id, rows.columns["role"]) if "role" in rows.columns else rows.sample_id
                self.ledger.note_unstored(self._batch_keys, stored)
            if self.watch is not None:
                self.watch.observe(rows)
            self.writer.put(rows)  # raises here if the background writer failed: training stops with its error
            self.rows_written += len(rows)
            self.skipped.update(rows.skipped)
        self.capture_seconds += time.perf_counter() - t0

    # ---- checkpoints and the end ----------------------------------------------------------------------------
    def checkpoint_state(self, global_step: int) -> dict:
        """Flush so every row captured before this checkpoint is committed; the step marks where a resume cuts."""
        committed = self.writer.flush() if self.writer is not None else 0
        if self.watch is not None and self.writer is not None:
            self.watch.commit()
        state = {"run": self.run, "global_step": int(global_step), "committed": committed}
        if self.ledger.epoch is not None:
            state["epoch_ledger"] = self.ledger.state()
        if self.choice is not None:
            state["layer_choice"] = self.choice.to_attrs()
        return state

    def end_epoch(self, samples_per_epoch: int | None = None) -> None:
        """The current epoch's loader is exhausted. For an epoch a resume started in, count its samples never trained.

        Args:
            samples_per_epoch: the rows (sample ids; pair rows for preference data) this rank's loader yields in a
                whole epoch, when the adapter knows it; None leaves samples never trained uncounted (logged).
        """
        ledger = self.ledger
        if ledger.resumed_epoch is None or ledger.resumed_epoch != ledger.epoch:
            return
        ledger.end_resumed_epoch()
        epoch, replayed = ledger.epoch, len(ledger.replayed)
        missing = None if samples_per_epoch is None else int(samples_per_epoch) - ledger.distinct
        if missing is not None and missing > 0 and self.writer is not None:
            self.writer.put(CaptureRows(sample_id=[], source=[], epoch=epoch, step=0, loss=np.zeros(0, np.float32),
                                        prompt_len=np.zeros(0, np.int32), token_ids=[], signatures={},
                                        skipped={NOT_TRAINED_AFTER_RESUME: missing}))
            self.skipped[NOT_TRAINED_AFTER_RESUME] += missing
            log.warning("provenance: rank %d, epoch %d (resumed): %d of its %d samples were never trained, counted as "
                        "skipped %r; %d were trained twice and have two rows of the epoch", self.rank, epoch, missing,
                        samples_per_epoch, NOT_TRAINED_AFTER_RESUME, replayed)
        elif replayed and missing is None:
            log.warning("provenance: rank %d, epoch %d (resumed): %d samples were trained twice (two rows of the "
                        "epoch); the samples the epoch never trained could not be counted (the loader's size is "
                        "unknown)", self.rank, epoch, replayed)

    def abort_batch(self) -> None:
        """Forget the declared micro-batch (its step raised); nothing of it is stored."""
        if self.engine is not None:
            self.engine.abort()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.detach()
        watch_error = None
        if self.watch is not None and self.writer is not None:
            try:  # while the writer still owns the rank group the series sits beside
                self.watch.close()
            except Exception as err:  # noqa: BLE001 - the rows are committed first, then the error is raised
                watch_error = err
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.close()
        if watch_error is not None:
            raise watch_error

    def summary(self) -> dict:
        return {"rows_written": self.rows_written, "skipped": dict(self.skipped), "replayed_rows": self.replayed_rows,
                "layers": self.choice.layers if self.choice else None, "capture_seconds": round(self.capture_seconds, 3)}

    # ---- internals ------------------------------------------------------------------------------------------
    def _resume_mismatch(self, replayed: list, epoch: int, step: int) -> None:
        """A batch of a resumed epoch brings again rows stored before the checkpoint: refuse, or record and say so."""
        ledger = self.ledger
        where = (f"resumed run {self.run!r} rank {self.rank} at step {self._resume['global_step']} (epoch {epoch}): "
                 f"batch {ledger.batches_since_resume} after the resume (step {step}) brings again "
                 f"{len(replayed)} of the {len(ledger.stored_before)} samples of epoch {epoch} stored before the "
                 f"checkpoint (sample_id {show_keys(replayed)})")
        if self.config.on_resume_mismatch == "refuse":
            trained = ledger.batches_since_resume - 1
            kept = ("The store is kept as at the checkpoint" if not trained else
                    f"The store keeps its rows up to the checkpoint, and those of the {trained} batch(es) trained "
                    f"since the resume, which a resume from the checkpoint drops")
            raise ResumeMismatchError(
                f"{where}. The data loader restarted the epoch instead of continuing after the checkpoint (a plain "
                f"DataLoader does; so does the Hugging Face Trainer with ignore_data_skip=True), or the data repeats "
                f"sample ids: training on would train samples twice in epoch {epoch} and never train as many "
                f"others. {kept}. Fix: resume from a checkpoint at an epoch "
                f"boundary, and train with torchdata.stateful_dataloader.StatefulDataLoader so that mid-epoch "
                f"checkpoints resume exactly; or pass on_resume_mismatch='record' to train on and store what is "
                f"trained (a second row of the epoch per repeated sample, never-trained samples counted as skipped "
                f"{NOT_TRAINED_AFTER_RESUME!r})."
            )
        if len(ledger.replayed) == len(replayed):  # the first repeating batch of this epoch
            log.warning("provenance: %s; on_resume_mismatch='record': storing the rows the model trains on (a second "
                        "row of the epoch for each repeated sample)", where)
        self.replayed_rows += len(replayed)

    def _stored_keys(self, rows: int, epoch: int) -> list:
        """Keys of this rank's first `rows` committed rows that belong to `epoch` (the resumed epoch)."""
        # Only this rank's rows up to the checkpoint, two or three columns: a resume of a large DDP run stays cheap.
        df = rank_rows(self.store, self.run, self.rank, rows, storage_options=self.storage_options)
        df = df[df["epoch"] == epoch]
        if "role" in df.columns:
            return list(zip(df["sample_id"].tolist(), df["role"].tolist()))
        return df["sample_id"].tolist()

    def _open(self, batch: Mapping, broadcast, epoch: int) -> None:
        layout = find_layout(self.model)
        attrs = None
        if self._resume is not None:
            # Checkpoints written by adapters that keep no state of their own resume with the run's recorded choice.
            attrs = self._resume.get("layer_choice") or self._stored_layer_choice()
        if attrs is not None:
            self.choice = LayerChoice(layers=list(attrs["layers"]), spread=list(attrs.get("spread", [])),
                                      argmin_cos=attrs.get("argmin_cos"),
                                      cos_curve={int(k): v for k, v in attrs.get("cos_curve", {}).items()},
                                      n_probe_prompts=attrs.get("n_probe_prompts", 0))
        else:
            config = self.config
            prompts = _probe_prompts(batch, config.probe_prompts) if config.layers == "auto" else []
            if broadcast is not None and config.layers == "auto":
                # Every rank runs rank 0's probe forwards: under FSDP each forward all-gathers parameters, so the
                # ranks must make the same calls, or the ranks with fewer prompts leave the others waiting forever.
                prompts = broadcast(prompts)
            choose = partial(choose_layers, config.layers, self.model, layout, prompts)
            choice = choose() if self.run_outside_step is None else self.run_outside_step(choose)
            # Every rank must capture the same layers: rank 0's choice wins.
            self.choice = broadcast(choice) if broadcast is not None else choice
        resume_rows = None
        if self._resume is not None:
            resume_rows = committed_rows_before_step(self.store, self.run, self.rank, self._resume["global_step"],
                                                     storage_options=self.storage_options)
            log.info("provenance: resuming run %r rank %d at %d committed rows (step < %d)",
                     self.run, self.rank, resume_rows, self._resume["global_step"])
            self.ledger.resume(epoch, self._stored_keys(resume_rows, epoch) if resume_rows else [],
                               EpochLedger.unstored_of(self._resume.get("epoch_ledger"), epoch))
        engine = CaptureEngine(self.model, self.choice.layers, self.config.signatures, reference=self.reference,
                               token_layers=self.token_layers)
        run_attrs = {
            "library_version": __version__, "layers": self.choice.layers, "layer_choice": self.choice.to_attrs(),
            "layer_convention": LAYER_CONVENTION, "hidden_size": layout.hidden_size, "num_layers": layout.num_layers,
            "signatures": list(engine.stored_signatures), "world_size": self.world_size, "sharding": self.sharding,
            "token_layers": list(self.token_layers),
            "signature_scale": "gradients of each sample's own mean response-token cross-entropy",
            "created_unix": time.time(),
            **self.extra_run_attrs,
        }
        self.writer = StoreWriter(
            self.store, self.run, rank=self.rank, world_size=self.world_size, model=model_fingerprint(self.model),
            run_attrs=run_attrs, encoding=self.config.encoding, projection=self.config.projection,
            shard_rows=self.config.shard_rows, chunk_rows=self.config.chunk_rows, resume_committed=resume_rows,
            overwrite=self.overwrite and self._resume is None,
            storage_options=self.storage_options,
        )
        if self.watch is not None:  # before the hooks: a direction from example pairs runs the model at train start
            self.watch.start(self.model, layers=self.choice.layers, hidden_size=layout.hidden_size,
                             signatures=self.config.signatures, store=self.store, run=self.run, rank=self.rank,
                             world_size=self.world_size, storage_options=self.storage_options,
                             resume_step=None if self._resume is None else int(self._resume["global_step"]))
        self.engine = engine.attach()

    def _stored_layer_choice(self) -> dict | None:
        try:
            return open_store(self.store, run=self.run, storage_options=self.storage_options).run_attrs.get("layer_choice")
        except StoreNotFoundError:
            return None


def _complete_pairs(rows: CaptureRows) -> CaptureRows:
    """Keep only pairs whose rows all survived (DPO: chosen and rejected), so no pair is ever half-stored."""
    pair_ids = list(rows.columns["pair_id"])
    roles = rows.columns.get("role")
    expected = {}
    for pid, role in zip(pair_ids, roles if roles is not None else [None] * len(pair_ids)):
        expected.setdefault(pid, set()).add(role)
    need = {"chosen", "rejected"} if roles is not None else None
    keep = [i for i, pid in enumerate(pair_ids) if need is None or expected[pid] >= need]
    if len(keep) == len(pair_ids):
        return rows
    skipped = dict(rows.skipped)
    skipped["incomplete_pair"] = skipped.get("incomplete_pair", 0) + len(pair_ids) - len(keep)
    log.warning("capture: %d rows whose pair partner was skipped were dropped", len(pair_ids) - len(keep))
    return _select_rows(rows, keep, skipped)


def _select_rows(rows: CaptureRows, keep: list[int], skipped: dict) -> CaptureRows:
    # On a GPU the rows' host tensors are still being filled by asynchronous copies (CaptureEngine.end): wait for
    # them before reading. The selection is then made from complete host data, so it needs no event of its own.
    if rows.ready is not None:
        rows.ready.synchronize()
    idx = torch.as_tensor(keep, dtype=torch.long)

    def take(x):
        if isinstance(x, torch.Tensor):
            return x.index_select(0, idx.to(x.device))
        return x[keep] if hasattr(x, "shape") else [x[i] for i in keep]

    return CaptureRows(
        sample_id=[rows.sample_id[i] for i in keep], source=[rows.source[i] for i in keep], epoch=rows.epoch,
        step=rows.step, loss=take(rows.loss), prompt_len=take(rows.prompt_len),
        token_ids=[rows.token_ids[i] for i in keep],
        signatures={l: {k: take(v) for k, v in d.items()} for l, d in rows.signatures.items()},
        columns={k: [v[i] for i in keep] for k, v in rows.columns.items()}, skipped=skipped, ready=None,
        token_states=_take_tokens(rows, keep),
    )


def _take_tokens(rows: CaptureRows, keep: list[int]) -> dict:
    if not rows.token_states:
        return {}
    at = torch.as_tensor(rows.token_positions(keep), dtype=torch.long)
    return {l: (t.index_select(0, at.to(t.device)) if isinstance(t, torch.Tensor) else t[at.numpy()])
            for l, t in rows.token_states.items()}


def _refuse_packing(batch: Mapping) -> None:
    """A packed row holds several samples under one id: its capture would silently mix them, so refuse it."""
    if any(k in batch for k in ("cu_seq_lens_q", "cu_seqlens", "seq_idx")):
        raise CaptureInputError("packed batches (cu_seq_lens / seq_idx) are not supported: capture needs one sample per row")
    pos = batch.get("position_ids")
    if isinstance(pos, torch.Tensor) and pos.dim() == 2 and pos.shape[1] > 1:
        mask = batch.get("attention_mask")
        steps = pos[:, 1:] - pos[:, :-1]
        real = torch.ones_like(steps, dtype=torch.bool) if mask is None else (mask[:, 1:].bool() & mask[:, :-1].bool())
        if bool(((steps < 0) & real).any()):
            raise CaptureInputError(
                "position_ids restart inside a row: this batch packs several samples per row, which capture cannot "
                "attribute; disable packing (one sample per row, padded)"
            )


def _probe_prompts(batch: Mapping, limit: int) -> list[torch.Tensor]:
    """The prompt part (up to the last prompt token) of the first samples of a batch."""
    ids, labels = batch["input_ids"].detach().cpu(), batch["labels"].detach().cpu()
    mask = batch.get("attention_mask")
    mask = torch.ones_like(ids, dtype=torch.bool) if mask is None else mask.detach().cpu().bool()
    prompts = []
    for i in range(ids.shape[0]):
        predicts = (labels[i, 1:] != -100).nonzero()
        if len(predicts) == 0:
            continue
        last_prompt = int(predicts[0])
        start = int(mask[i].int().argmax())
        prompts.append(ids[i, start:last_prompt + 1])
        if len(prompts) >= limit:
            break
    return prompts
