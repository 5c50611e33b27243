"""provenance.callbacks.compat: every framework internal the callbacks use still exists and behaves as used, and an
installed framework outside the supported window is refused when a callback binds.

An upgrade of transformers, TRL or Lightning that renames or changes one of these internals fails here, by name."""
import inspect
import sys
from pathlib import Path

import lightning.pytorch as pl
import pytest
import torch
from datasets import Dataset
from hf_app import cpu_args, dpo_records, sft_records, single_thread  # noqa: F401
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from transformers import Trainer, TrainerCallback, TrainingArguments

from provenance.callbacks import compat
from provenance.errors import UnsupportedVersionError
from provenance.models import tiny_causal_lm, tiny_tokenizer

pytestmark = pytest.mark.usefixtures("single_thread")
REPO = Path(__file__).resolve().parents[2]
tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else pytest.importorskip("tomli")


# ---- the supported window ------------------------------------------------------------------------------------
def test_supported_versions_are_pyprojects_ranges():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    ranges = {Requirement(r).name: Requirement(r).specifier for r in declared}
    assert {name: SpecifierSet(spec) for name, spec in compat.SUPPORTED_VERSIONS.items()} == \
        {name: ranges[name] for name in compat.SUPPORTED_VERSIONS}


def test_the_installed_frameworks_are_supported():
    for package in compat.SUPPORTED_VERSIONS:
        assert compat.check_version(package) == compat.installed_version(package)


@pytest.mark.parametrize("version, ok", [("5.0.0", True), ("5.23.1", True), ("5.99.0.dev0", True),
                                         ("4.57.1", False), ("6.0.0rc1", False), ("6.0.0", False),
                                         ("not-a-version", False)])
def test_check_version_window_edges(monkeypatch, version, ok):
    import transformers

    monkeypatch.setattr(transformers, "__version__", version)
    if ok:
        assert compat.check_version("transformers") == version
        return
    with pytest.raises(UnsupportedVersionError) as err:
        compat.check_version("transformers")
    assert str(err.value) == (
        f"transformers {version} is installed, but provenance's capture callbacks support transformers >=5.0,<6: they "
        f"use transformers internals that other releases may rename or change (provenance.callbacks.compat lists "
        f"them). Install a supported release, e.g. pip install 'transformers>=5.0,<6'"
    )


def test_an_unsupported_trl_is_refused_when_the_trainer_is_built_and_nothing_is_written(tmp_path, monkeypatch):
    trl = pytest.importorskip("trl")
    from provenance.callbacks import ProvenanceTrainerCallback

    monkeypatch.setattr(trl, "__version__", "1.15.2")
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1])
    with pytest.raises(UnsupportedVersionError, match=r"^trl 1\.15\.2 is installed, but .* support trl >=1\.16,<2"):
        trl.SFTTrainer(model=tiny_causal_lm("llama"), processing_class=tiny_tokenizer(), callbacks=[cb],
                       args=cpu_args(trl.SFTConfig, tmp_path / "out", max_length=64),
                       train_dataset=Dataset.from_list(sft_records("prompt_completion", 2)))
    assert cb.trainer is None and not (tmp_path / "s.zarr").exists()


def test_trls_version_does_not_matter_to_a_plain_transformers_trainer(tmp_path, monkeypatch):
    trl = pytest.importorskip("trl")
    from provenance.callbacks import ProvenanceTrainerCallback

    monkeypatch.setattr(trl, "__version__", "0.9.0")
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1])
    trainer, _ = _plain_trainer(tmp_path, callbacks=[cb])
    assert cb.trainer is trainer


def test_an_unsupported_transformers_is_refused_by_bind(tmp_path, monkeypatch):
    import transformers

    from provenance.callbacks import ProvenanceTrainerCallback

    trainer, _ = _plain_trainer(tmp_path)
    monkeypatch.setattr(transformers, "__version__", "4.46.0")
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1])
    with pytest.raises(UnsupportedVersionError, match=r"^transformers 4\.46\.0 is installed"):
        cb.bind(trainer)
    assert not hasattr(trainer, "_provenance_wrapped")


def test_an_unsupported_lightning_is_refused_at_setup_before_training(tmp_path, monkeypatch):
    import lightning

    from provenance.callbacks import ProvenanceCallback

    monkeypatch.setattr(lightning, "__version__", "2.3.3")
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False,
                         callbacks=[ProvenanceCallback(str(tmp_path / "s.zarr"), layers=[1])])
    module = _LinearModule()
    with pytest.raises(UnsupportedVersionError, match=r"^lightning 2\.3\.3 is installed, .* support lightning >=2\.4,<3"):
        trainer.fit(module, torch.utils.data.DataLoader(list(range(4)), batch_size=2))
    assert module.steps == 0 and not (tmp_path / "s.zarr").exists()


# ---- transformers.Trainer ------------------------------------------------------------------------------------
def test_trainer_methods_the_callback_wraps_have_the_signatures_it_calls():
    assert list(inspect.signature(Trainer.training_step).parameters) == ["self", "model", "inputs",
                                                                         "num_items_in_batch"]
    assert list(inspect.signature(Trainer._save_checkpoint).parameters) == ["self", "model", "trial"]
    assert list(inspect.signature(Trainer._set_signature_columns_if_needed).parameters) == ["self"]


class _Probe(TrainerCallback):
    """Records what the compat functions see during a real training loop."""

    found_on_init = found_on_train = None
    logged = 0

    def on_init_end(self, args, state, control, **kwargs):
        self.found_on_init = compat.trainer_on_stack(self)

    def on_train_begin(self, args, state, control, **kwargs):
        self.found_on_train = compat.trainer_on_stack(self)

    def on_log(self, args, state, control, logs=None, **kwargs):
        self.logged += 1
        compat.add_to_logged_entry(state, {"probe_step": state.global_step})


def _plain_trainer(tmp_path, callbacks=(), **args):
    """A plain transformers.Trainer on a tiny Llama and a pre-tokenised dataset with an int `sample_id` column."""
    g = torch.Generator().manual_seed(0)
    rows = [{"input_ids": torch.randint(5, 100, (6,), generator=g).tolist(), "sample_id": 100 + i} for i in range(8)]
    for r in rows:
        r["labels"] = list(r["input_ids"])

    def collate(examples):
        batch = {k: torch.tensor([e[k] for e in examples]) for k in ("input_ids", "labels")}
        if "sample_id" in examples[0]:
            batch["sample_id"] = [e["sample_id"] for e in examples]
        return batch

    base = dict(output_dir=str(tmp_path / "out"), use_cpu=True, report_to="none", per_device_train_batch_size=2,
                gradient_accumulation_steps=2, max_steps=2, learning_rate=0.0, logging_steps=1, save_strategy="steps",
                save_steps=1, disable_tqdm=True, remove_unused_columns=True, seed=0)
    base.update(args)
    trainer = Trainer(model=tiny_causal_lm("llama", seed=0), args=TrainingArguments(**base),
                      train_dataset=Dataset.from_list(rows), data_collator=collate, callbacks=list(callbacks))
    return trainer, rows


def test_the_training_loop_goes_through_the_internals_as_the_callback_uses_them(tmp_path):
    probe = _Probe()
    trainer, rows = _plain_trainer(tmp_path, callbacks=[probe])
    assert probe.found_on_init is trainer  # Trainer.__init__ fires on_init_end from its own frame
    assert probe in compat.trainer_callbacks(trainer)

    compat.keep_dataset_columns(trainer, ("sample_id",))  # the model's forward takes no sample_id
    steps, saves = [], []

    def around(original, model, inputs, *rest, **kwargs):
        steps.append({"ids": inputs.pop("sample_id", None), "rest": len(rest) + len(kwargs),
                      "accumulation": compat.accumulation_steps_now(trainer), "model": model})
        return original(model, inputs, *rest, **kwargs)

    def before_save():
        saves.append((trainer.state.global_step, (tmp_path / "out" / f"checkpoint-{trainer.state.global_step}").exists()))

    compat.patch_training_step(trainer, around)
    compat.patch_save_checkpoint(trainer, before_save)
    trainer.train()

    assert probe.found_on_train is trainer
    assert len(steps) == 4  # 2 optimizer steps x 2 micro-batches, each through the patched training_step
    assert sorted(i for s in steps for i in s["ids"]) == [r["sample_id"] for r in rows]  # kept past remove_unused
    assert all(s["rest"] == 1 for s in steps)  # training_step(model, inputs, num_items_in_batch)
    assert [s["accumulation"] for s in steps] == [2, 2, 2, 2]
    assert saves == [(1, False), (2, False)]  # before each checkpoint is written
    assert sorted(p.name for p in (tmp_path / "out").glob("checkpoint-*")) == ["checkpoint-1", "checkpoint-2"]
    assert compat.amp_loss_scale(trainer) is None  # fp32 on CPU: no scaler
    assert hasattr(trainer.accelerator, "scaler")
    train_logs = [e for e in trainer.state.log_history if "loss" in e]
    assert probe.logged >= 2 and [e["probe_step"] for e in train_logs] == [e["step"] for e in train_logs] == [1, 2]


def test_without_keep_dataset_columns_remove_unused_columns_drops_the_ids(tmp_path):
    """The control of the test above: the Trainer really drops columns the model does not take."""
    trainer, _ = _plain_trainer(tmp_path)
    batch = next(iter(trainer.get_train_dataloader()))
    assert "sample_id" not in batch
    compat.keep_dataset_columns(trainer, ("sample_id",))
    assert "sample_id" in next(iter(trainer.get_train_dataloader()))


def test_move_before_reporters_puts_the_callback_ahead_of_the_report_to_integrations(tmp_path):
    from transformers.integrations import INTEGRATION_TO_CALLBACK

    reporter_cls = INTEGRATION_TO_CALLBACK["tensorboard"]
    probe = _Probe()
    trainer, _ = _plain_trainer(tmp_path, callbacks=[probe])
    reporter = object.__new__(reporter_cls)  # what report_to="tensorboard" adds (without needing tensorboard)
    callbacks = compat.trainer_callbacks(trainer)
    callbacks.insert(1, reporter)
    compat.move_before_reporters(trainer, probe)
    assert callbacks.index(probe) == callbacks.index(reporter) - 1


def test_a_scaler_that_is_enabled_gives_its_loss_scale():
    class Scaler:
        def __init__(self, enabled):
            self.enabled = enabled

        def is_enabled(self):
            return self.enabled

        def get_scale(self):
            return 1024.0

    class Accelerator:
        scaler = Scaler(True)

    class Trainer:
        accelerator = Accelerator()

    assert compat.amp_loss_scale(Trainer()) == 1024.0
    Accelerator.scaler = Scaler(False)
    assert compat.amp_loss_scale(Trainer()) is None


# ---- TRL -----------------------------------------------------------------------------------------------------
def test_sft_trainer_attributes_read_by_capture(tmp_path):
    trl = pytest.importorskip("trl")
    trainer = trl.SFTTrainer(model=tiny_causal_lm("llama"), processing_class=tiny_tokenizer(),
                             args=cpu_args(trl.SFTConfig, tmp_path / "out", max_length=64),
                             train_dataset=Dataset.from_list(sft_records("prompt_completion", 2)))
    for name in ("padding_free", "_is_vision_dataset", "aux_loss_enabled", "_signature_columns"):
        assert name in vars(trainer), name
    assert compat.is_trl_trainer(trainer) and not compat.is_dpo_trainer(trainer)
    assert not compat.packs_sequences(trainer) and not compat.is_vision_dataset(trainer)
    assert not compat.aux_loss_enabled(trainer)


def test_sft_packing_turns_padding_free_on(tmp_path):
    trl = pytest.importorskip("trl")
    trainer = trl.SFTTrainer(model=tiny_causal_lm("llama"), processing_class=tiny_tokenizer(),
                             args=cpu_args(trl.SFTConfig, tmp_path / "out", max_length=64, packing=True),
                             train_dataset=Dataset.from_list(sft_records("prompt_completion", 4)))
    assert trainer.padding_free is True and compat.packs_sequences(trainer)


def _dpo_trainer(tmp_path, **config):
    trl = pytest.importorskip("trl")
    from hf_app import lora_config

    model = tiny_causal_lm("llama")
    return trl.DPOTrainer(model=model, processing_class=tiny_tokenizer(), peft_config=lora_config(model),
                          args=cpu_args(trl.DPOConfig, tmp_path / "out", max_length=64, **config),
                          train_dataset=Dataset.from_list(dpo_records(2)))


def test_dpo_trainer_attributes_read_by_capture(tmp_path):
    trainer = _dpo_trainer(tmp_path, beta=0.25, loss_type=["sigmoid", "sft"], loss_weights=[1.0, 0.5])
    for name in ("beta", "loss_types", "loss_weights", "precompute_ref_logps", "ref_model", "padding_free",
                 "_is_vision_dataset", "aux_loss_enabled"):
        assert name in vars(trainer), name
    assert compat.is_dpo_trainer(trainer)
    assert compat.dpo_loss(trainer) == compat.DPOLoss(beta=0.25, loss_types=("sigmoid", "sft"), loss_weights=(1.0, 0.5))
    assert compat.dpo_reference(trainer) == "self"  # PEFT: the adapter-disabled policy is the reference


def test_dpo_defaults_resolve_to_one_sigmoid_term_and_precompute_has_no_reference_forward(tmp_path):
    trainer = _dpo_trainer(tmp_path, precompute_ref_log_probs=True)
    assert compat.dpo_loss(trainer) == compat.DPOLoss(beta=0.1, loss_types=("sigmoid",), loss_weights=(1.0,))
    assert compat.dpo_reference(trainer) is None


def test_dpo_with_a_separate_reference_model_gives_that_module(tmp_path):
    trl = pytest.importorskip("trl")
    ref = tiny_causal_lm("llama", seed=1)
    trainer = trl.DPOTrainer(model=tiny_causal_lm("llama"), ref_model=ref, processing_class=tiny_tokenizer(),
                             args=cpu_args(trl.DPOConfig, tmp_path / "out", max_length=64),
                             train_dataset=Dataset.from_list(dpo_records(2)))
    assert compat.dpo_reference(trainer) is trainer.accelerator.unwrap_model(trainer.ref_model)
    assert isinstance(compat.dpo_reference(trainer), torch.nn.Module)


def test_dpo_collator_puts_chosen_rows_first_and_marks_the_responses():
    pytest.importorskip("trl")
    from trl.trainer.dpo_trainer import DataCollatorForPreference

    batch = DataCollatorForPreference(pad_token_id=0)([
        {"prompt_ids": [1, 2, 3], "chosen_ids": [4, 5], "rejected_ids": [6]},
        {"prompt_ids": [7, 8], "chosen_ids": [9], "rejected_ids": [10, 11]},
    ])
    ids, mask = batch["input_ids"].tolist(), batch[compat.DPO_COMPLETION_MASK].tolist()
    real = [[t for t in row if t] for row in ids]
    assert real == [[1, 2, 3, 4, 5], [7, 8, 9], [1, 2, 3, 6], [7, 8, 10, 11]]
    responses = [[t for t, m in zip(row, mrow) if m] for row, mrow in zip(ids, mask)]
    assert responses == [[4, 5], [9], [6], [10, 11]]


def test_every_dpo_loss_type_capture_names_is_still_one_of_trls():
    trl = pytest.importorskip("trl")
    from provenance.callbacks.hf import _ONE_PAIR_DPO_LOSSES, _PAIRWISE_DPO_LOSSES

    help_text = trl.DPOConfig.__dataclass_fields__["loss_type"].metadata["help"]
    for name in sorted(_PAIRWISE_DPO_LOSSES | _ONE_PAIR_DPO_LOSSES):
        assert f"`'{name}'`" in help_text, name


# ---- Lightning -----------------------------------------------------------------------------------------------
class _LinearModule(pl.LightningModule):
    """One linear layer over integer batches (no transformers model needed)."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)
        self.steps = 0

    def training_step(self, batch, batch_idx):
        self.steps += 1
        return self.layer(batch.float()[:, None]).sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.0)


def test_lightning_loop_progress_counts_the_epochs_batches_and_state_keys_are_distinct(tmp_path):
    class Probe(pl.Callback):
        def __init__(self, name):
            self.name = name
            self.seen = []

        @property
        def state_key(self):
            return compat.lightning_state_key(self, name=self.name)

        def on_train_epoch_end(self, trainer, pl_module):
            self.seen.append((trainer.current_epoch, compat.batches_started_this_epoch(trainer),
                         trainer.num_training_batches))

    a, b = Probe("a"), Probe("b")
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, callbacks=[a, b])
    trainer.fit(_LinearModule(), torch.utils.data.DataLoader(list(range(6)), batch_size=2))
    assert a.seen == b.seen == [(0, 3, 3), (1, 3, 3)]
    assert a.state_key == f"{Probe.__qualname__}{{'name': 'a'}}" and a.state_key != b.state_key
