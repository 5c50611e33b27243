"""Every private or undocumented part of transformers, TRL and Lightning that the capture callbacks rely on.

The adapters (`provenance.callbacks.hf`, `provenance.callbacks.lightning`) reach framework internals only through
the functions here. Each function's docstring says what it touches, why no public mechanism does the job, and the
versions it was checked on; tests/callbacks/test_compat.py asserts each internal still exists and behaves as used,
so an upgrade that renames or changes one fails there, not deep inside a training run.

The supported window of each framework is `SUPPORTED_VERSIONS` (the ranges pyproject.toml declares; a test keeps
them equal). A callback checks it when it binds to a trainer and refuses an installed version outside it with
`UnsupportedVersionError`, instead of failing later, or silently, on a renamed internal.

Frameworks are imported inside the functions: importing this module imports none of them.
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from provenance.errors import CaptureConfigError, UnsupportedVersionError

# The framework ranges of pyproject.toml (dependencies and extras); tests/callbacks/test_compat.py keeps them equal.
SUPPORTED_VERSIONS: dict[str, str] = {
    "transformers": ">=5.0,<6",
    "trl": ">=1.16,<2",
    "lightning": ">=2.4,<3",
}


# ---- supported versions ------------------------------------------------------------------------------------------
def installed_version(package: str) -> str:
    """The version the imported `package` reports (``package.__version__``).

    Args:
        package: an importable framework name, a key of `SUPPORTED_VERSIONS`.

    Returns:
        The version string, e.g. ``"5.23.0"``.
    """
    return str(importlib.import_module(package).__version__)


def check_version(package: str) -> str:
    """Refuse an installed `package` outside its supported window.

    Pre-releases inside the window (``5.24.0.dev0``) are accepted; a pre-release of the excluded next major
    (``6.0.0rc1``) is not.

    Args:
        package: a key of `SUPPORTED_VERSIONS` ("transformers", "trl" or "lightning").

    Returns:
        The installed version.

    Raises:
        UnsupportedVersionError: the installed version is outside the window, or not a valid version number.
    """
    spec = SUPPORTED_VERSIONS[package]
    found = installed_version(package)
    try:
        ok = SpecifierSet(spec).contains(Version(found), prereleases=True)
    except InvalidVersion:
        ok = False
    if not ok:
        raise UnsupportedVersionError(
            f"{package} {found} is installed, but provenance's capture callbacks support {package} {spec}: they use "
            f"{package} internals that other releases may rename or change (provenance.callbacks.compat lists "
            f"them). Install a supported release, e.g. pip install '{package}{spec}'"
        )
    return found


def check_hf_versions(trainer) -> None:
    """Refuse an unsupported transformers, and an unsupported TRL when `trainer` is one of TRL's trainers.

    Args:
        trainer: the `transformers.Trainer` (or subclass) a callback binds to.

    Raises:
        UnsupportedVersionError: see `check_version`.
    """
    check_version("transformers")
    if is_trl_trainer(trainer):
        check_version("trl")


def check_lightning_version() -> None:
    """Refuse an unsupported Lightning (the `lightning` package, whose `lightning.pytorch` the callback uses).

    Raises:
        UnsupportedVersionError: see `check_version`.
    """
    check_version("lightning")


# ---- transformers.Trainer ----------------------------------------------------------------------------------------
def trainer_on_stack(callback) -> Any | None:
    """The `transformers.Trainer` whose code is running and which holds `callback`, found on the call stack.

    Why: `TrainerCallback` events receive the arguments, state and control and, as keyword arguments, the model,
    processing class, optimizer, scheduler and dataloaders, but never the trainer (`CallbackHandler.call_event`),
    while capture must wrap the trainer's data collator and `training_step` before training starts. `Trainer.__init__`
    fires `on_init_end` from its own frame (and `train` fires `on_train_begin`), so the innermost frame whose
    ``self`` is a Trainer holding this callback is the trainer. Users who build the trainer elsewhere call
    ``callback.bind(trainer)`` instead. Checked on transformers 5.0-5.23.

    Args:
        callback: the callback whose trainer is wanted.

    Returns:
        The trainer, or None when no running trainer holds `callback`.
    """
    from transformers import Trainer

    frame = inspect.currentframe()
    try:
        while frame is not None:
            obj = frame.f_locals.get("self")
            if isinstance(obj, Trainer) and callback in trainer_callbacks(obj):
                return obj
            frame = frame.f_back
    finally:
        del frame
    return None


def trainer_callbacks(trainer) -> list:
    """The trainer's callback list, in the order events reach them (``trainer.callback_handler.callbacks``).

    Why: the order decides whether values a callback adds in `on_log` reach the `report_to` integrations, and
    `Trainer` exposes add/pop/remove but not the list. Checked on transformers 5.0-5.23.
    """
    return trainer.callback_handler.callbacks


def move_before_reporters(trainer, callback) -> None:
    """Move `callback` ahead of the trainer's `report_to` integrations, so the values its `on_log` adds reach them.

    Why: `TrainerCallback.on_log` receives the `logs` dict every callback sees in turn; the integrations write it when
    their turn comes, and callbacks passed to the Trainer come after them. The integration classes are those of
    ``transformers.integrations.INTEGRATION_TO_CALLBACK``. Checked on transformers 5.0-5.23.

    Args:
        trainer: the trainer holding `callback`.
        callback: the callback to move; nothing happens when the trainer does not hold it.
    """
    from transformers.integrations import INTEGRATION_TO_CALLBACK

    reporters = tuple(c for c in INTEGRATION_TO_CALLBACK.values() if isinstance(c, type))
    callbacks = trainer_callbacks(trainer)
    if callback not in callbacks:
        return
    first = next((i for i, c in enumerate(callbacks) if isinstance(c, reporters)), None)
    mine = callbacks.index(callback)
    if first is not None and first < mine:
        callbacks.insert(first, callbacks.pop(mine))


def add_to_logged_entry(state, metrics: dict) -> None:
    """Add `metrics` to the `state.log_history` entry of the `on_log` call in progress.

    Why: `Trainer.log` appends ``{**logs, "step": ...}`` to `log_history` and then calls `on_log` with `logs` (another
    dict), so values a callback adds to `logs` miss the history unless added to its last entry too. Checked on
    transformers 5.0-5.23.

    Args:
        state: the `TrainerState` passed to `on_log`.
        metrics: the values to add.
    """
    if state.log_history and state.log_history[-1].get("step") == state.global_step:
        state.log_history[-1].update(metrics)


def patch_training_step(trainer, around: Callable[..., Any]) -> None:
    """Route every ``trainer.training_step(model, inputs, *rest)`` call through ``around(original, model, inputs,
    *rest)``, on this trainer instance only.

    Why: capture needs each micro-batch's inputs around its forward and backward, and no callback event carries them
    (the transformers docs: callbacks cannot change the training loop; subclass the Trainer instead, which would make
    users change their trainer class). The loop calls ``self.training_step(model, inputs, num_items_in_batch)``, so
    an instance attribute takes precedence over the class's method, also for TRL's trainers. Checked on
    transformers 5.0-5.23 (signature ``training_step(self, model, inputs, num_items_in_batch=None)``), TRL 1.16.
    """
    original = trainer.training_step

    def training_step(model, inputs, *args, **kwargs):
        return around(original, model, inputs, *args, **kwargs)

    trainer.training_step = training_step


def patch_save_checkpoint(trainer, before: Callable[[], None]) -> None:
    """Call `before()` ahead of every checkpoint the trainer writes (the private ``Trainer._save_checkpoint``).

    Why: a resume keeps exactly the rows committed before the checkpoint's step, so the rows must be committed
    before the checkpoint files exist. `on_save` fires after they are written, and `control.should_save` can be set
    after this callback's `on_step_end`: by a later callback, or by the trainer itself after evaluating with
    ``save_strategy="best"``. `_save_checkpoint(model, trial)` is the one place every checkpoint goes through.
    Checked on transformers 5.0-5.23.

    Raises:
        CaptureConfigError: the trainer has no `_save_checkpoint` (a transformers release that renamed it).
    """
    original = getattr(trainer, "_save_checkpoint", None)
    if original is None:
        raise CaptureConfigError(
            f"{type(trainer).__name__} has no _save_checkpoint, which capture uses to commit rows before each "
            f"checkpoint; supported transformers: {SUPPORTED_VERSIONS['transformers']}"
        )

    def _save_checkpoint(*args, **kwargs):
        before()
        return original(*args, **kwargs)

    trainer._save_checkpoint = _save_checkpoint


def keep_dataset_columns(trainer, columns: tuple[str, ...]) -> None:
    """Keep `columns` through ``remove_unused_columns`` (which drops dataset columns the model's forward does not
    take), without changing the user's training arguments.

    Why: the trainer decides what to keep from the private ``_signature_columns`` list (filled by
    ``_set_signature_columns_if_needed``; TRL's trainers override the latter); there is no public way to add a
    column. Checked on transformers 5.0-5.23, TRL 1.16.
    """
    if not getattr(trainer.args, "remove_unused_columns", False) or not hasattr(trainer, "_set_signature_columns_if_needed"):
        return
    trainer._set_signature_columns_if_needed()
    for key in columns:
        if key not in trainer._signature_columns:
            trainer._signature_columns.append(key)


def accumulation_steps_now(trainer) -> int:
    """Micro-batches in the current gradient-accumulation group (``trainer.current_gradient_accumulation_steps``).

    Why: the loss of each micro-batch is divided by this count (the last group of an epoch can be shorter than
    `gradient_accumulation_steps`), and DPO capture must know the factor. The training loop sets the attribute before
    each group. Checked on transformers 5.0-5.23.
    """
    return max(1, int(getattr(trainer, "current_gradient_accumulation_steps", 1) or 1))


def amp_loss_scale(trainer) -> float | None:
    """The AMP gradient scaler's current loss scale, or None without a scaler (``trainer.accelerator.scaler``).

    Why: with fp16 AMP the backward runs on the scaled loss, so captured gradients carry the scale. The scaler is an
    attribute of accelerate's `Accelerator`. Checked on accelerate 1.10-1.15.
    """
    scaler = getattr(getattr(trainer, "accelerator", None), "scaler", None)
    if scaler is None or not scaler.is_enabled():
        return None
    return float(scaler.get_scale())


def packs_sequences(trainer) -> bool:
    """Whether the trainer puts several samples in one sequence (TRL's ``packing`` / ``padding_free``).

    Why: TRL's SFT and DPO trainers decide padding-free collation in `__init__` and keep it in the ``padding_free``
    attribute (packing with the "bfd" strategy turns it on), next to the config fields. Checked on TRL 1.16.
    """
    args = trainer.args
    return bool(getattr(args, "packing", False) or getattr(args, "padding_free", False)
                or getattr(trainer, "padding_free", False))


def uses_deepspeed(trainer) -> bool:
    """Whether the trainer trains through DeepSpeed: ``trainer.is_deepspeed_enabled``, ``args.deepspeed`` (a config),
    or accelerate's state with distributed type DEEPSPEED (``accelerate launch --use_deepspeed``).

    Why: `Trainer.create_accelerator_and_postprocess` sets ``is_deepspeed_enabled`` from accelerate's state; the
    other two are where that state comes from, read too so a trainer built by other means is still recognised.
    Checked on transformers 5.0-5.23, accelerate 1.10-1.15.
    """
    from accelerate.utils import DistributedType

    if getattr(trainer, "is_deepspeed_enabled", False) or getattr(trainer.args, "deepspeed", None):
        return True
    state = getattr(getattr(trainer, "accelerator", None), "state", None)
    return getattr(state, "distributed_type", None) == DistributedType.DEEPSPEED


def fsdp_version(trainer) -> int | None:
    """The FSDP version accelerate trains the model with (1: `FullyShardedDataParallel`, 2: `fully_shard`), or None
    without FSDP (``trainer.is_fsdp_enabled``, ``trainer.accelerator.state.fsdp_plugin.fsdp_version``).

    Why: the Trainer keeps whether FSDP is on, and accelerate's plugin which version; no public accessor gives the
    version. On CPU processes (distributed type MULTI_CPU) accelerate 1.15 never turns FSDP on: the plugin is dropped
    and the run is DDP, reported here as None. Checked on transformers 5.0-5.23, accelerate 1.10-1.15.
    """
    if not getattr(trainer, "is_fsdp_enabled", False):
        return None
    plugin = getattr(trainer.accelerator.state, "fsdp_plugin", None)
    return int(getattr(plugin, "fsdp_version", 1) or 1)


def parallelism_sizes(trainer) -> dict[str, int]:
    """Sizes of the context-, sequence- and tensor-parallel dimensions the trainer runs with, by accelerate's names
    (``cp``, ``sp``, ``tp``; 1 when unused): its `ParallelismConfig` (``trainer.accelerator.parallelism_config``, else
    ``args.parallelism_config``) and the tensor-parallel size of a model sharded at load (``model.tp_size``).

    Why: these layouts split one sample's tokens across ranks, or train the same samples on several ranks, and the
    Trainer reaches them only through these fields (the device mesh exists only once accelerate has built it).
    Checked on transformers 5.0-5.23, accelerate 1.10-1.15.
    """
    config = getattr(getattr(trainer, "accelerator", None), "parallelism_config", None)
    if config is None:
        config = getattr(trainer.args, "parallelism_config", None)
    sizes = {name: int(getattr(config, f"{name}_size", None) or 1) for name in ("cp", "sp", "tp")}
    sizes["tp"] = max(sizes["tp"], int(getattr(trainer.model, "tp_size", None) or 1))
    return sizes


def unwrap_model(trainer, model):
    """The model inside accelerate's wrappers (DDP, FSDP1, torch.compile): ``trainer.accelerator.unwrap_model``.

    Why: after `accelerator.prepare` the Trainer's ``model`` can be a wrapper around the module the callback hooked
    (FSDP2 shards in place and keeps the module). Checked on accelerate 1.10-1.15.
    """
    accelerator = getattr(trainer, "accelerator", None)
    return accelerator.unwrap_model(model, keep_torch_compile=False) if accelerator is not None else model


def is_vision_dataset(trainer) -> bool:
    """Whether TRL's trainer found images in the dataset (private ``_is_vision_dataset``). Checked on TRL 1.16."""
    return bool(getattr(trainer, "_is_vision_dataset", False))


def aux_loss_enabled(trainer) -> bool:
    """Whether TRL adds a mixture-of-experts router loss to the training loss (``aux_loss_enabled``). Checked on TRL
    1.16."""
    return bool(getattr(trainer, "aux_loss_enabled", False))


# ---- TRL -------------------------------------------------------------------------------------------------------
def is_trl_trainer(trainer) -> bool:
    """Whether `trainer`'s class is, or derives from, a class defined in TRL (checked without importing TRL)."""
    return any(cls.__module__.split(".")[0] == "trl" for cls in type(trainer).__mro__)


def is_dpo_trainer(trainer) -> bool:
    """Whether `trainer` is TRL's `DPOTrainer` (or a subclass)."""
    if not is_trl_trainer(trainer):
        return False
    from trl import DPOTrainer

    return isinstance(trainer, DPOTrainer)


@dataclass(frozen=True)
class DPOLoss:
    """The DPO loss a `DPOTrainer` trains with."""

    beta: float
    loss_types: tuple[str, ...]
    loss_weights: tuple[float, ...]


def dpo_loss(trainer) -> DPOLoss:
    """The trainer's DPO loss: ``trainer.beta``, ``trainer.loss_types`` (the config's `loss_type` as a list) and
    ``trainer.loss_weights`` (ones when the config has none).

    Why: the trainer resolves these from its `DPOConfig` in `__init__` (defaults filled in); capture needs the
    resolved values to check the loss is a sum of per-pair terms and to record it. Checked on TRL 1.16.
    """
    return DPOLoss(beta=float(trainer.beta), loss_types=tuple(trainer.loss_types),
                   loss_weights=tuple(float(w) for w in trainer.loss_weights))


def dpo_reference(trainer):
    """What gives the DPO reference (M0) activations during training.

    Why: `DPOTrainer` keeps ``precompute_ref_logps`` (from `precompute_ref_log_probs`) and ``ref_model`` (None when
    the reference is the policy with its PEFT adapter disabled, or its "ref" adapter). Checked on TRL 1.16.

    Returns:
        None (reference log-probs precomputed: no reference forward during training), "self" (the policy model
        runs as its own reference) or the reference model (unwrapped from accelerate).
    """
    if getattr(trainer, "precompute_ref_logps", False):
        return None
    ref = getattr(trainer, "ref_model", None)
    if ref is None:
        return "self"
    return trainer.accelerator.unwrap_model(ref) if hasattr(trainer, "accelerator") else ref


# DPO batches: TRL's `DataCollatorForPreference` puts the chosen rows first, then the rejected rows, and marks the
# response tokens in this key. Checked on TRL 1.16.
DPO_COMPLETION_MASK = "completion_mask"


# ---- Lightning ---------------------------------------------------------------------------------------------------
def lightning_state_key(callback, **identity: Any) -> str:
    """The callback's checkpoint state key (Lightning's protected ``Callback._generate_state_key``).

    Why: two callbacks of one class in a trainer need distinct keys in the checkpoint; Lightning's own callbacks
    (`ModelCheckpoint`) build theirs with this method and its docs show it for `state_key`. Checked on Lightning
    2.4-2.6.
    """
    return callback._generate_state_key(**identity)


def batches_started_this_epoch(trainer) -> int:
    """Training batches of the current epoch the loop has fetched so far, counting those a resume skipped.

    Why: only an epoch whose loader ran to its end can say which samples it never trained, and Lightning exposes
    that count only through its loop progress (``fit_loop.epoch_loop.batch_progress.current.ready``). Checked on
    Lightning 2.4-2.6.
    """
    return int(trainer.fit_loop.epoch_loop.batch_progress.current.ready)
