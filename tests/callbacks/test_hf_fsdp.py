"""The Hugging Face Trainer with FSDP2 through accelerate: two CPU processes (gloo), exact per sample, exact resume;
DeepSpeed, FSDP1 and sample-splitting parallelism refused when the trainer is built.

The two-process runs (tests/scripts/train_hf_fsdp.py under torchrun) shard a tiny random Llama per decoder layer
with accelerate's own FSDP2 path (accelerate enables FSDP only on accelerator devices; tests/accelerate_cpu_fsdp.py
lets it on CPU). Every stored row is compared with the batch-size-1 autograd reference on the unsharded model with
the same weights (learning rate 0): g cosine >= 0.999 and norm ratio within 1 %, h within 1e-5 (fp32; the rows are
stored as float32), the loss column within 1e-4 relative.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from datasets import Dataset
from transformers import Trainer, TrainingArguments

from capture_reference import assert_matches, random_samples, reference_signatures
from hf_app import captured, cpu_args, sft_records, sft_reference
from provenance import open_store
from provenance.callbacks import ProvenanceTrainerCallback
from provenance.callbacks.hf import DEEPSPEED_REFUSAL
from provenance.errors import CaptureConfigError
from provenance.models import tiny_causal_lm, tiny_tokenizer

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_hf_fsdp.py"
SIGS = ("h_last", "g_last", "h_mean", "g_mean")
N_SAMPLES = 16


def _launch(args, **popen):
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1", TQDM_DISABLE="1")
    # --standalone: a rendezvous on a free port, not the fixed 29500 that a launch in the other test worker may hold.
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(SCRIPT), *args]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen)


def _result(output: str) -> dict:
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _assert_each_sample_epoch_once(df, epochs: int) -> None:
    keys = list(zip(df.sample_id, df.epoch))
    assert sorted(keys) == sorted((100 + i, e) for i in range(N_SAMPLES) for e in range(epochs))
    for epoch in range(epochs):  # the two ranks trained disjoint halves of every epoch
        per_rank = df[df.epoch == epoch].groupby("rank").sample_id.apply(set)
        assert len(per_rank[0]) == len(per_rank[1]) == N_SAMPLES // 2 and per_rank[0].isdisjoint(per_rank[1])


def _assert_rows_match_the_unsharded_reference(reader, df) -> None:
    model = tiny_causal_lm("llama", seed=0)  # the unsharded model with the same weights (learning rate 0)
    samples = {s["sample_id"]: s for s in random_samples(N_SAMPLES)}
    arrays = {(layer, name): reader.array(layer, name) for layer in reader.layers for name in SIGS}
    for row, (sid, epoch) in enumerate(zip(df.sample_id, df.epoch)):
        reference, loss = reference_signatures(model, samples[sid], reader.layers)
        stored = {layer: {name: arrays[(layer, name)][row] for name in SIGS} for layer in reader.layers}
        assert_matches(stored, reference, h_atol=1e-5, g_cos=0.999, g_ratio=0.01, label=f"sample {sid} epoch {epoch}")
        assert df.loss.iloc[row] == pytest.approx(loss, rel=1e-4)


@pytest.mark.slow
def test_fsdp2_two_processes_trl_sft_lora_store_every_sample_as_the_unsharded_reference(tmp_path):
    """TRL's SFTTrainer on a PEFT LoRA model (accelerate shards the PeftModel) with the Trainer's
    activation_checkpointing (transformers' per-layer checkpointing of the sharded blocks), fixed layers. LoRA's B
    starts at 0 and the learning rate is 0, so the reference is the base model, on each example as TRL prepared it.
    The plain Trainer, full fine-tuning, FSDP's own checkpointing and layers="auto" run in the resume test below."""
    import trl

    store = tmp_path / "s.zarr"
    proc = _launch(["--store", str(store), "--out", str(tmp_path / "out"), "--samples", str(N_SAMPLES), "--epochs", "2",
                    "--trl", "--lora", "--gc"])
    output = proc.communicate(timeout=400)[0].decode()
    assert proc.returncode == 0, output[-3000:]

    ran = _result(output)
    assert ran["model"] == "FSDPPeftModel" and ran["sharding"] == "fsdp2"  # accelerate's fully_shard ran
    assert ran["fsdp_blocks"] == 4  # every decoder block is its own FSDP unit
    assert ran["block"] == "FSDPLlamaDecoderLayer" and ran["checkpointing"]

    reader = open_store(str(store))
    assert reader.committed == {0: N_SAMPLES, 1: N_SAMPLES}
    attrs = reader.run_attrs
    assert attrs["world_size"] == 2 and attrs["sharding"] == "fsdp2" and attrs["trainer"] == "SFTTrainer"
    assert reader.layers == attrs["layers"] == [1, 2, 4]
    df = reader.samples()
    _assert_each_sample_epoch_once(df, epochs=2)

    # The examples as TRL prepares them (tokenised, completion-only labels), from an unsharded trainer on the same data.
    unsharded = trl.SFTTrainer(model=tiny_causal_lm("llama", seed=0), processing_class=tiny_tokenizer(),
                               args=cpu_args(trl.SFTConfig, tmp_path / "ref", max_length=96),
                               train_dataset=Dataset.from_list(sft_records("prompt_completion", N_SAMPLES)))
    prepared = {row["sample_id"]: row for row in unsharded.train_dataset}
    arrays = {}
    for row, (sid, epoch) in enumerate(zip(df.sample_id, df.epoch)):
        example = prepared[sid]
        assert list(reader.tokens(row)) == list(example["input_ids"])
        reference, loss = sft_reference(unsharded.model, example["input_ids"], torch.tensor(example["labels"]),
                                        layers=[1, 2, 4])
        assert_matches(captured(reader, row, layers=[1, 2, 4], arrays=arrays), reference, h_atol=1e-5, g_cos=0.999,
                       g_ratio=0.01, label=f"sample {sid} epoch {epoch}")
        assert df.loss.iloc[row] == pytest.approx(loss, rel=1e-4)


def _complete_checkpoints(out: Path) -> list[Path]:
    """Checkpoints newest first; one cut short by the kill has no (or a partial) trainer_state.json."""
    done = []
    for path in sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]), reverse=True):
        try:
            json.loads((path / "trainer_state.json").read_text())
            done.append(path)
        except (OSError, ValueError):
            continue
    return done


@pytest.mark.slow
def test_fsdp2_sigkill_mid_epoch_then_resume_keeps_each_sample_epoch_once_and_exact(tmp_path):
    """FSDP's own activation checkpointing (accelerate wraps every block in a CheckpointWrapper before sharding it) and
    layers="auto" (rank 0's choice, broadcast; a resume reuses the recorded choice). Learning rate 0, so every row,
    before the kill and after the resume, is compared with the unsharded reference."""
    store, out, progress = tmp_path / "s.zarr", tmp_path / "out", tmp_path / "progress.json"
    # 16 samples, 2 ranks, batch 2: 4 optimizer steps per epoch, 12 in all; an FSDP checkpoint every 3 steps.
    common = ["--store", str(store), "--out", str(out), "--samples", str(N_SAMPLES), "--epochs", "3", "--accum", "1",
              "--save-steps", "3", "--fsdp-ac", "--layers", "auto"]
    proc = _launch(common + ["--sleep", "0.5", "--progress", str(progress)])
    deadline = time.time() + 300
    while time.time() < deadline:  # kill in the second epoch, after step 7 (between the checkpoints at 6 and 9)
        try:
            step = json.loads(progress.read_text())["step"]
        except (OSError, ValueError):
            step = 0
        if step >= 7:
            break
        if proc.poll() is not None:
            pytest.fail(f"training exited early:\n{proc.stdout.read().decode()[-3000:]}")
        time.sleep(0.02)
    else:
        proc.kill()
        pytest.fail("training never reached step 7")
    for rank in (0, 1):  # torchrun starts each rank in a session of its own: kill the ranks, then torchrun
        os.kill(int(Path(f"{progress}.pid{rank}").read_text()), signal.SIGKILL)
    proc.kill()
    proc.communicate()
    killed = open_store(str(store)).samples()
    assert 0 < len(killed) < 3 * N_SAMPLES

    # Resume from the checkpoint before the newest: the store holds committed rows captured at or after its step
    # (flushed by the newest checkpoint), which the resume must drop and capture again.
    ckpt = _complete_checkpoints(out)[1]
    ckpt_step = int(ckpt.name.split("-")[1])
    assert ckpt_step == 3  # in the middle of the first epoch (4 steps): the Trainer skips its first 3 batches
    assert (killed.step >= ckpt_step).sum() >= 3 * 2 * 2  # three steps x two ranks x batch 2
    resumed = _launch(common + ["--resume", str(ckpt)])
    output = resumed.communicate(timeout=400)[0].decode()
    assert resumed.returncode == 0, output[-3000:]

    ran = _result(output)
    assert ran["model"] == "FSDPLlamaForCausalLM" and ran["sharding"] == "fsdp2"
    assert ran["block"] == "FSDPCheckpointWrapper" and ran["fsdp_blocks"] == 4  # the hooked blocks: the wrappers
    reader = open_store(str(store))
    attrs = reader.run_attrs
    assert attrs["world_size"] == 2 and attrs["sharding"] == "fsdp2"
    assert reader.layers == attrs["layers"]  # rank 0's choice is the run's, and both ranks stored those layers
    assert attrs["layer_choice"]["argmin_cos"] in reader.layers and attrs["layer_choice"]["n_probe_prompts"] > 0
    df = reader.samples()
    _assert_each_sample_epoch_once(df, epochs=3)
    for rank in (0, 1):
        steps = list(df[df["rank"] == rank].step)
        assert steps == sorted(steps)  # training order: steps never go backwards
    assert df.groupby("step").size().eq(2 * 2).all()  # every step's batch (two ranks x batch 2) exactly once
    _assert_rows_match_the_unsharded_reference(reader, df)


# ---- refused when the trainer is built ---------------------------------------------------------------------------
def _trainer(tmp_path, callbacks=(), trainer_cls=Trainer):
    rows = [{"input_ids": [5, 6, 7, 8, 9], "labels": [-100, -100, 7, 8, 9], "sample_id": 100 + i} for i in range(4)]
    args = TrainingArguments(output_dir=str(tmp_path / "out"), use_cpu=True, report_to="none", disable_tqdm=True,
                             per_device_train_batch_size=2, max_steps=1, learning_rate=0.0, save_strategy="no")
    return trainer_cls(model=tiny_causal_lm("llama", seed=0), args=args, train_dataset=Dataset.from_list(rows),
                       callbacks=list(callbacks))


@pytest.mark.parametrize("how", ["trainer_flag", "accelerate_state"])
def test_deepspeed_is_refused_when_the_trainer_is_built_with_the_reason_and_fsdp2_named(tmp_path, monkeypatch, how):
    """DeepSpeed is not installed here; the trainer is given what the Trainer sets from accelerate under DeepSpeed
    (`is_deepspeed_enabled`), or accelerate's state as `accelerate launch --use_deepspeed` leaves it."""
    from accelerate.utils import DistributedType

    class DeepSpeedTrainer(Trainer):
        def create_accelerator_and_postprocess(self):
            super().create_accelerator_and_postprocess()
            if how == "trainer_flag":
                self.is_deepspeed_enabled = True
            else:
                monkeypatch.setattr(self.accelerator.state, "distributed_type", DistributedType.DEEPSPEED)

    store = tmp_path / "s.zarr"
    with pytest.raises(CaptureConfigError) as err:
        _trainer(tmp_path, callbacks=[ProvenanceTrainerCallback(str(store))], trainer_cls=DeepSpeedTrainer)
    assert str(err.value) == (
        "capture does not support DeepSpeed (any ZeRO stage) yet: exact per-sample capture under DeepSpeed's engine "
        "(ZeRO parameter partitioning, its own backward and loss scaling) has not been tested, because DeepSpeed "
        "cannot run in provenance's test environment. Use FSDP2, which shards parameters, gradients and optimizer "
        "state as ZeRO-3 does and is tested: TrainingArguments(fsdp=True, fsdp_config={'version': 2}) or an "
        "accelerate config with fsdp_version: 2"
    ) == DEEPSPEED_REFUSAL
    assert not store.exists()


def test_fsdp1_is_refused_at_bind_with_the_fix(tmp_path, monkeypatch):
    """What the Trainer and accelerate hold under `fsdp_config={'version': 1}` on a GPU (on CPU accelerate drops FSDP)."""
    from accelerate.utils import FullyShardedDataParallelPlugin

    trainer = _trainer(tmp_path)
    trainer.is_fsdp_enabled = True
    monkeypatch.setattr(trainer.accelerator.state, "fsdp_plugin", FullyShardedDataParallelPlugin(fsdp_version=1),
                        raising=False)
    store = tmp_path / "s.zarr"
    with pytest.raises(CaptureConfigError) as err:
        ProvenanceTrainerCallback(str(store)).bind(trainer)
    assert str(err.value) == (
        "capture supports FSDP2 under the Trainer, but accelerate's FSDP plugin has fsdp_version=1 "
        "(FullyShardedDataParallel wraps the model; capture is not tested with it and transformers deprecates it): "
        "set fsdp_config={'version': 2} (in an accelerate config: fsdp_version: 2)"
    )
    assert not store.exists()


@pytest.mark.parametrize(("field", "kind", "why"), [
    ("cp_size", "context parallelism", "each rank holds only part of a sample's tokens, so no rank has its hidden "
                                       "states"),
    ("sp_size", "sequence parallelism", "each rank holds only part of a sample's tokens, so no rank has its hidden "
                                        "states"),
    ("tp_size", "tensor parallelism", "the ranks of a tensor-parallel group train the same samples (each would store "
                                      "them again) and, with sequence parallelism, each holds only part of a sample's "
                                      "tokens"),
])
def test_parallelism_that_splits_samples_is_refused_at_bind(tmp_path, field, kind, why):
    """accelerate's ParallelismConfig as TrainingArguments(parallelism_config=...) gives it (accelerate itself refuses
    it in a single CPU process, so it is set on the built trainer's arguments)."""
    from accelerate import ParallelismConfig

    trainer = _trainer(tmp_path)
    trainer.args.parallelism_config = ParallelismConfig(**{field: 2})
    with pytest.raises(CaptureConfigError) as err:
        ProvenanceTrainerCallback(str(tmp_path / "s.zarr")).bind(trainer)
    name = field.split("_")[0]
    message = str(err.value)
    # The wording after the reason (the fix) belongs to provenance.capture.sharding, shared with Lightning.
    assert message.startswith(
        f"the trainer's parallelism (accelerate's ParallelismConfig, or the model's tp_size) has dimension {name!r} "
        f"of size 2 ({kind}): per-sample capture is impossible with {kind} because {why}"
    ), message
    assert "Fix: " in message


def test_a_model_sharded_for_tensor_parallelism_at_load_is_refused_at_bind(tmp_path):
    trainer = _trainer(tmp_path)
    trainer.model._tp_size = 2  # what from_pretrained(tp_plan="auto") sets (read as model.tp_size) across 2 ranks
    with pytest.raises(CaptureConfigError, match=r"has dimension 'tp' of size 2 \(tensor parallelism\)"):
        ProvenanceTrainerCallback(str(tmp_path / "s.zarr")).bind(trainer)


def test_a_model_replaced_after_the_trainer_was_built_is_refused_at_train_start(tmp_path):
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1])
    trainer = _trainer(tmp_path, callbacks=[cb])
    hooked = trainer.model
    trainer.model = tiny_causal_lm("llama", seed=1)
    with pytest.raises(CaptureConfigError) as err:
        trainer.train()
    assert str(err.value) == (
        "the trainer's model after accelerate prepared it (LlamaForCausalLM) is neither the module the callback "
        "hooked when the trainer was built (LlamaForCausalLM) nor a wrapper of it, so capture would watch a model "
        "that does not train: do not replace trainer.model after building the trainer"
    )
    assert cb.session.model is hooked


def test_data_parallel_sizes_pass(tmp_path):
    """HSDP (replicate x shard) keeps samples whole: not refused."""
    from accelerate import ParallelismConfig

    trainer = _trainer(tmp_path)
    trainer.args.parallelism_config = ParallelismConfig(dp_replicate_size=2, dp_shard_size=2)
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1]).bind(trainer)
    assert cb.trainer is trainer


def test_the_trainer_and_accelerate_fields_read_for_sharding_exist_and_say_plain_training(tmp_path):
    """The fields `provenance.callbacks.compat` reads (a rename in transformers or accelerate fails here)."""
    from provenance.callbacks import compat

    trainer = _trainer(tmp_path)
    assert trainer.is_deepspeed_enabled is False and trainer.is_fsdp_enabled is False
    assert trainer.args.deepspeed is None and trainer.args.parallelism_config is None
    assert trainer.accelerator.parallelism_config is None and trainer.model.tp_size is None
    assert compat.uses_deepspeed(trainer) is False
    assert compat.fsdp_version(trainer) is None
    assert compat.parallelism_sizes(trainer) == {"cp": 1, "sp": 1, "tp": 1}
    assert compat.unwrap_model(trainer, trainer.model) is trainer.model
