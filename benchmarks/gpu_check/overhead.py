"""Parts (b) and (c): training-step time with and without `ProvenanceTrainerCallback` in one process, the bytes the
capture brings to the host per step, and how far the store writer runs behind training.

Each case (a model, LoRA or full fine-tuning) trains the same model object in alternating trials, with and without
the callback (the order flips every repeat, so drift favours neither side); a trial is a fresh `transformers.Trainer`
of `warmup + steps` optimizer steps, and its step time is the wall time of the last `steps` steps between two device
synchronisations, divided by `steps` (a per-step synchronisation would hide the overlap of host and device work that
capture's own host reads take away). The ratio of a repeat is with / without; the case's ratio is the median.

Host bytes per step come from the engine's `host_transfers` counters over the timed steps. The writer's lag is read
from the rows themselves: each batch's `ready` object is wrapped so that the writer thread's wait on it (it waits
before reading a batch) records when it picked the batch up, counted from the moment `end()` returned the rows, and
how long the wait for the CUDA event took. `drain_s` is the time from the last timed step to `train()` returning:
closing the writer (the backlog it still had) and the Trainer's own end of training.
"""
from __future__ import annotations

import gc
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments, default_data_collator

from benchmarks.gpu_check.models import build_model, parameter_count
from provenance.callbacks import ProvenanceTrainerCallback

TUNINGS = ("lora", "full")


@dataclass(frozen=True)
class CaseSpec:
    """One overhead measurement: a model, how it is tuned, and the shape of its training."""

    model: str
    tuning: str
    batch_size: int
    seq_len: int
    warmup: int
    steps: int
    repeats: int

    def __post_init__(self):
        if self.tuning not in TUNINGS:
            raise ValueError(f"tuning must be one of {TUNINGS}, got {self.tuning!r}")
        for name in ("batch_size", "seq_len", "steps", "repeats"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.seq_len < 4:
            raise ValueError(f"seq_len must be >= 4 (a prompt and a response), got {self.seq_len}")
        if self.warmup < 1:
            raise ValueError(f"warmup must be >= 1 (the first step builds the capture engine), got {self.warmup}")


class RandomSFT(Dataset):
    """Fixed-length SFT rows of random tokens: the first quarter is prompt (labels -100), the rest response."""

    def __init__(self, n: int, seq_len: int, vocab_size: int, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(4, vocab_size, (n, seq_len), generator=g)
        self.prompt = max(1, seq_len // 4)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict:
        ids = self.ids[i]
        labels = ids.clone()
        labels[:self.prompt] = -100
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": labels, "sample_id": i,
                "source": f"src{i % 4}"}


def collate_without_ids(examples: list[dict]) -> dict:
    """Stack the tensors; ids and sources stay out of the model's inputs (with capture, the callback's collator takes
    them out before this one runs and puts them on the batch)."""
    return default_data_collator([{k: v for k, v in e.items() if k not in ("sample_id", "source")} for e in examples])


class TimedReady:
    """Stands in for a batch's `ready` (CUDA event or None): records when the writer thread waits on it."""

    def __init__(self, inner, log: list):
        self.inner, self.log, self.created = inner, log, time.perf_counter()

    def synchronize(self) -> None:
        picked = time.perf_counter()
        if self.inner is not None:
            self.inner.synchronize()
        self.log.append((picked - self.created, time.perf_counter() - picked))


class WindowClock(TrainerCallback):
    """Times steps warmup+1 .. warmup+steps between two device synchronisations; reads the capture's counters."""

    def __init__(self, spec: CaseSpec, device: torch.device, capture: ProvenanceTrainerCallback | None):
        self.spec, self.device, self.capture = spec, device, capture
        self.t0 = self.t1 = None
        self.transfers0 = self.transfers1 = None
        self.lags: list = []
        self._wrapped = False

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _transfers(self):
        engine = self.capture.session.engine if self.capture is not None else None
        if engine is None:
            return None
        t = engine.host_transfers
        return (t.async_bytes, t.blocking_bytes, t.blocking_copies, t.batches)

    def on_step_begin(self, args, state, control, **kwargs):
        engine = self.capture.session.engine if self.capture is not None else None
        if engine is not None and not self._wrapped:  # built in the first step's training_step
            end, lags = engine.end, self.lags

            def timed_end():
                rows = end()
                if rows is not None:
                    rows.ready = TimedReady(rows.ready, lags)
                return rows

            engine.end = timed_end
            self._wrapped = True
        if state.global_step == self.spec.warmup:
            self._sync()
            self.t0 = time.perf_counter()
            self.transfers0 = self._transfers()

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.spec.warmup + self.spec.steps:
            self._sync()
            self.t1 = time.perf_counter()
            self.transfers1 = self._transfers()


def training_args(spec: CaseSpec, device: torch.device, dtype: torch.dtype, out_dir: str) -> TrainingArguments:
    return TrainingArguments(
        output_dir=out_dir, max_steps=spec.warmup + spec.steps, per_device_train_batch_size=spec.batch_size,
        gradient_accumulation_steps=1, learning_rate=1e-4 if spec.tuning == "lora" else 1e-5,
        bf16=dtype == torch.bfloat16, use_cpu=device.type == "cpu", report_to="none", save_strategy="no",
        logging_strategy="no", disable_tqdm=True, dataloader_num_workers=0, remove_unused_columns=False, seed=0,
    )


def run_trial(model, dataset: Dataset, spec: CaseSpec, device: torch.device, dtype: torch.dtype, workdir: Path, *,
              capture: bool) -> dict:
    """One Trainer run; the timed window's step time, and with capture its transfers, lag and layers."""
    callback = ProvenanceTrainerCallback(str(workdir / "store.zarr"), overwrite=True) if capture else None
    clock = WindowClock(spec, device, callback)
    trainer = Trainer(model=model, args=training_args(spec, device, dtype, str(workdir / "trainer")), train_dataset=dataset,
                      data_collator=collate_without_ids, callbacks=[clock] + ([callback] if callback else []))
    trainer.remove_callback(PrinterCallback)  # its end-of-training line per trial is noise here
    trainer.train()
    done = time.perf_counter()
    if clock.t0 is None or clock.t1 is None:
        raise RuntimeError(f"the timed window of {spec} was never reached: the Trainer stopped early")
    out = {"step_s": (clock.t1 - clock.t0) / spec.steps, "drain_s": done - clock.t1}
    if callback is not None:
        t0, t1 = clock.transfers0, clock.transfers1
        per_step = [(b - a) / spec.steps for a, b in zip(t0, t1)]
        out.update({"host_async_bytes_per_step": per_step[0], "host_blocking_bytes_per_step": per_step[1],
                    "host_blocking_copies_per_step": per_step[2], "micro_batches_per_step": per_step[3],
                    "lags": clock.lags, "layers": callback.session.choice.layers,
                    "rows_written": callback.session.rows_written})
    del trainer
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return out


def prepare(spec: CaseSpec, device: torch.device, dtype: torch.dtype):
    """The model of `spec` ready for its tuning (LoRA adapters on the attention projections, or all weights)."""
    model = build_model(spec.model, device, dtype)
    total = parameter_count(model)
    if spec.tuning == "lora":
        from peft import LoraConfig, get_peft_model

        from provenance.models import lora_target_modules

        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=lora_target_modules(model)))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return model, total, trainable


def measure_case(spec: CaseSpec, device: torch.device, dtype: torch.dtype, log=print) -> dict:
    """Alternating trials with and without capture; medians over repeats, transfers, the writer's lag.

    Args:
        spec: the case.
        device: where it trains.
        dtype: the model's parameter dtype.
        log: where progress lines go.

    Raises:
        ModelUnavailable: the model cannot be built here.
    """
    t_case = time.perf_counter()
    model, total, trainable = prepare(spec, device, dtype)
    vocab = model.get_output_embeddings().weight.shape[0]
    dataset = RandomSFT(spec.batch_size * (spec.warmup + spec.steps), spec.seq_len, vocab)
    with_s, without_s, ratios, drains, captured = [], [], [], {"with": [], "without": []}, []
    with tempfile.TemporaryDirectory(prefix="gpu_check_") as tmp:
        for r in range(spec.repeats):
            order = (False, True) if r % 2 == 0 else (True, False)
            got = {}
            for capture in order:
                got[capture] = run_trial(model, dataset, spec, device, dtype, Path(tmp) / f"r{r}_{int(capture)}",
                                         capture=capture)
                drains["with" if capture else "without"].append(got[capture]["drain_s"])
            with_s.append(got[True]["step_s"])
            without_s.append(got[False]["step_s"])
            ratios.append(got[True]["step_s"] / got[False]["step_s"])
            captured.append(got[True])
            log(f"  {spec.model} {spec.tuning} repeat {r}: without {without_s[-1] * 1e3:.1f} ms, "
                f"with {with_s[-1] * 1e3:.1f} ms, ratio {ratios[-1]:.3f}")
    lags = [lag for c in captured for lag in c["lags"]]
    pickup = [p for p, _ in lags]
    event_wait = [w for _, w in lags]
    first = captured[0]
    result = {
        "model": spec.model, "tuning": spec.tuning, "dtype": str(dtype).removeprefix("torch."),
        "parameters": total, "trainable_parameters": trainable, "batch_size": spec.batch_size,
        "seq_len": spec.seq_len, "warmup_steps": spec.warmup, "timed_steps": spec.steps, "repeats": spec.repeats,
        # "auto" chooses at each trial's first batch, from weights the earlier trials trained: each distinct choice.
        "layers": [list(x) for x in dict.fromkeys(tuple(c["layers"]) for c in captured)],
        "without_ms": statistics.median(without_s) * 1e3, "with_ms": statistics.median(with_s) * 1e3,
        "ratio": statistics.median(ratios), "ratios": ratios,
        "host_async_bytes_per_step": statistics.median(c["host_async_bytes_per_step"] for c in captured),
        "host_blocking_bytes_per_step": statistics.median(c["host_blocking_bytes_per_step"] for c in captured),
        "host_blocking_copies_per_step": statistics.median(c["host_blocking_copies_per_step"] for c in captured),
        "writer_batches_timed": len(lags),
        "writer_pickup_lag_ms": _summary(pickup),
        "writer_event_wait_ms": _summary(event_wait),
        "drain_with_s": statistics.median(drains["with"]), "drain_without_s": statistics.median(drains["without"]),
        "rows_per_trial": first["rows_written"],
        "seconds": time.perf_counter() - t_case,
    }
    del model
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return result


def _summary(seconds: list[float]) -> dict:
    """Median, 90th percentile and max in milliseconds (None when nothing was timed)."""
    if not seconds:
        return {"median": None, "p90": None, "max": None}
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return {"median": statistics.median(ordered) * 1e3, "p90": p90 * 1e3, "max": ordered[-1] * 1e3}
