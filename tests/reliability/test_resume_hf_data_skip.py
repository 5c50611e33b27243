"""TRL SFT resumed mid-epoch: the Trainer's own resume (skip_first_batches) is exact; ignore_data_skip=True is refused.

16 records, batch 4, 2 epochs (8 steps), a checkpoint after every step; a failure injected in the forward of step 2
(the store then holds rows of steps 0 and 1, as after a SIGKILL once step 1 was checkpointed) and a resume from
checkpoint-1, in the middle of epoch 0.
"""
import pytest
from datasets import Dataset

from hf_app import cpu_args, sft_records, single_thread, tiny_causal_lm, tiny_tokenizer  # noqa: F401
from provenance import open_store
from provenance.callbacks import ProvenanceTrainerCallback
from provenance.errors import ResumeMismatchError

pytestmark = pytest.mark.usefixtures("single_thread")
trl = pytest.importorskip("trl")
IDS = [100 + i for i in range(16)]


class Crash(RuntimeError):
    pass


def sft_trainer(tmp_path, **config):
    records = sft_records("prompt_completion", 16)
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1, 3])
    args = cpu_args(trl.SFTConfig, tmp_path / "out", per_device_train_batch_size=4, gradient_accumulation_steps=1,
                    num_train_epochs=2, learning_rate=1e-2, save_strategy="steps", save_steps=1, max_length=64,
                    **config)
    return trl.SFTTrainer(model=tiny_causal_lm("llama", seed=0), args=args, train_dataset=Dataset.from_list(records),
                          processing_class=tiny_tokenizer(), callbacks=[cb])


def crash_at_step_2(tmp_path):
    trainer = sft_trainer(tmp_path)

    def fail_at_step_2(module, args, kwargs):
        if trainer.state.global_step == 2 and module.training:
            raise Crash("injected failure in the forward of step 2")

    trainer.model.register_forward_pre_hook(fail_at_step_2, with_kwargs=True)
    with pytest.raises(Crash):
        trainer.train()
    df = open_store(str(tmp_path / "s.zarr")).samples()
    assert sorted(df.step.unique()) == [0, 1]
    return df


def test_trainer_resume_skips_the_trained_batches_and_stores_each_sample_epoch_once(tmp_path):
    before = crash_at_step_2(tmp_path)
    sft_trainer(tmp_path).train(resume_from_checkpoint=str(tmp_path / "out" / "checkpoint-1"))
    df = open_store(str(tmp_path / "s.zarr")).samples()
    assert sorted(zip(df.sample_id, df.epoch)) == [(i, e) for i in IDS for e in range(2)]
    assert list(df.step) == sorted(df.step) and df.groupby("step").size().eq(4).all()
    assert list(df.sample_id[:4]) == list(before.sample_id[:4])  # step 0's rows kept, step 1's captured again


def test_trainer_resume_with_ignore_data_skip_is_refused_at_its_first_batch(tmp_path):
    before = crash_at_step_2(tmp_path)
    first_batch = before.sample_id[:4].tolist()
    with pytest.raises(ResumeMismatchError) as info:
        sft_trainer(tmp_path, ignore_data_skip=True).train(
            resume_from_checkpoint=str(tmp_path / "out" / "checkpoint-1"))
    assert str(info.value).startswith(
        f"resumed run 'default' rank 0 at step 1 (epoch 0): batch 1 after the resume (step 1) brings again 4 of the 4 "
        f"samples of epoch 0 stored before the checkpoint (sample_id {', '.join(map(str, first_batch))}).")
    assert open_store(str(tmp_path / "s.zarr")).samples().sample_id.tolist() == first_batch
