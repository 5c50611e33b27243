"""Watched directions for the live provenance watch: a name, a captured layer and a unit direction in its space.

    from provenance.behaviour import fit_probe
    from provenance.behaviour.watch import Watch
    from provenance.behaviour.watch_alarm import RelativeAlarm

    watches = [
        Watch.from_probe("toxicity", fit_probe(X, y, layer=22)),                  # (a) a probe on labelled activations
        Watch.from_pairs("backdoor", 22, prompts, bad_answers, good_answers, tokenizer,
                         alarm=RelativeAlarm(stop=True)),                       # (b) bad vs good answers
        Watch.from_file("persona", "persona.npy", layer=22),                      # (c) a saved vector
        Watch.from_labelled("toxic", 22, toxic_examples, benign_examples, tokenizer),   # (a) a probe fitted at start
    ]
    ProvenanceCallback("runs/store.zarr", layers=[22, 29], watches=watches)

During training the capture session computes, for every captured row, the push -<g_mean, v> along each watch's unit
direction v (see `provenance.behaviour.watch_push`). Training on a row moves its representation along -g_mean, so
a positive push means the row pushes the model toward the direction's positive end (the behaviour, the probe's
positive class, the bad answers).

A direction from example pairs is the mean over pairs of (mean response hidden state of the bad answer - that of the
good answer) at the layer, computed with the model as it is when training starts (before its first step), tokenised
as `provenance.behaviour.activations.mean_response_activations` does. A direction from labelled examples is the
direction of a probe (`provenance.behaviour.fit_probe`) fitted on those same mean response activations of (prompt,
response) examples with the behaviour (positive) and without it, also with the model at train start. Vector files are ``.npy`` (read without
pickle) or ``.safetensors``.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Sequence

import numpy as np

from provenance.errors import CaptureConfigError

log = logging.getLogger(__name__)

# Watch names become metric names and store values: keep them to a safe alphabet.
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
VECTOR_SUFFIXES = (".npy", ".safetensors")


@dataclass(frozen=True)
class ExamplePairs:
    """Bad and good answers to the same prompts; the direction is computed from them with the model at train start."""

    prompts: tuple[str, ...]
    bad: tuple[str, ...]
    good: tuple[str, ...]
    tokenizer: Any
    chat: bool = True
    max_length: int | None = None


@dataclass(frozen=True)
class LabelledExamples:
    """(prompt, response) examples with (label 1) and without (label 0) the behaviour; a probe fitted on their
    activations with the model at train start gives the direction."""

    prompts: tuple[str, ...]
    responses: tuple[str, ...]
    labels: tuple[int, ...]
    tokenizer: Any
    method: str = "diffmeans"
    chat: bool = True
    max_length: int | None = None


@dataclass(frozen=True)
class Watch:
    """A watched direction.

    Build one with `from_probe`, `from_labelled`, `from_pairs`, `from_file` or `from_vector` rather than directly.

    Args:
        name: the watch's name (letters, digits, ``_``, ``.``, ``-``): metric names and the stored series use it.
        layer: the captured layer whose ``g_mean`` the push is read from.
        direction: the direction (any norm; normalised when used), or None for a direction computed at train start.
        origin: a short description of where the direction comes from (shown in logs, the store and reports).
        pairs: the example pairs of a direction computed at train start.
        alarm: an alarm rule (`provenance.behaviour.watch_alarm`), or None (the default: no alarm).
        examples: the labelled examples of a probe direction fitted at train start.
    """

    name: str
    layer: int
    direction: np.ndarray | None = field(default=None, repr=False)
    origin: str = "vector"
    pairs: ExamplePairs | None = field(default=None, repr=False)
    alarm: Any = None
    examples: LabelledExamples | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_name(self.name)
        if isinstance(self.layer, bool) or not isinstance(self.layer, (int, np.integer)):
            raise CaptureConfigError(f"watch {self.name!r}: layer must be an int, got {self.layer!r}")
        if sum(x is not None for x in (self.direction, self.pairs, self.examples)) != 1:
            raise CaptureConfigError(f"watch {self.name!r}: give exactly one of a direction, example pairs or "
                                     "labelled examples")
        if self.direction is not None:
            object.__setattr__(self, "direction", _as_vector(self.direction, f"watch {self.name!r}"))
        if self.alarm is not None and not callable(getattr(self.alarm, "check", None)):
            raise CaptureConfigError(f"watch {self.name!r}: alarm must be a RelativeAlarm or ThresholdAlarm from "
                                     f"provenance.behaviour.watch_alarm, got {type(self.alarm).__name__}")

    # ---- constructors ----------------------------------------------------------------------------------------
    @classmethod
    def from_vector(cls, name: str, vector, layer: int, *, alarm=None, origin: str = "vector") -> Watch:
        """A watch along a given vector [hidden_size] at `layer`."""
        return cls(name, int(layer), direction=vector, origin=origin, alarm=alarm)

    @classmethod
    def from_probe(cls, name: str, probe, layer: int | None = None, *, alarm=None) -> Watch:
        """A watch along a probe's direction (`provenance.behaviour.fit_probe`): toward its positive class.

        Args:
            name: the watch's name.
            probe: a `provenance.behaviour.Probe`.
            layer: the layer; by default the probe's own ``layer``.
            alarm: an alarm rule or None.

        Raises:
            CaptureConfigError: neither `layer` nor the probe's layer is given, or they differ.
        """
        probe_layer = getattr(probe, "layer", None)
        if layer is None and probe_layer is None:
            raise CaptureConfigError(f"watch {name!r}: the probe records no layer; pass layer= (the layer its "
                                     "activations came from)")
        if layer is not None and probe_layer is not None and int(layer) != int(probe_layer):
            raise CaptureConfigError(f"watch {name!r}: layer={layer} but the probe was fitted at layer {probe_layer}")
        layer = int(probe_layer if layer is None else layer)
        origin = (f"probe ({probe.method}, {probe.n_positive}+{probe.n_negative} examples, "
                  f"train accuracy {probe.train_accuracy:.2f})")
        return cls(name, layer, direction=probe.direction, origin=origin, alarm=alarm)

    @classmethod
    def from_file(cls, name: str, path, layer: int, *, key: str | None = None, alarm=None) -> Watch:
        """A watch along a vector saved as ``.npy`` (loaded without pickle) or ``.safetensors``.

        Args:
            name: the watch's name.
            path: the file.
            layer: the layer the vector lives in.
            key: the tensor's name in a ``.safetensors`` file holding several.
            alarm: an alarm rule or None.

        Raises:
            CaptureConfigError: the file is missing, of another format, or holds no single 1-D vector.
        """
        vector = load_vector(path, key=key)
        return cls(name, int(layer), direction=vector, origin=f"file {Path(path).name}", alarm=alarm)

    @classmethod
    def from_pairs(cls, name: str, layer: int, prompts: Sequence[str], bad: Sequence[str], good: Sequence[str],
                   tokenizer, *, chat: bool = True, max_length: int | None = None, alarm=None) -> Watch:
        """A watch along mean(h(bad answer)) - mean(h(good answer)) over example prompts, at train start.

        Args:
            name: the watch's name.
            layer: the layer.
            prompts: the prompts.
            bad: one answer per prompt showing the watched behaviour.
            good: one answer per prompt without it.
            tokenizer: the training tokenizer (with its chat template when `chat`).
            chat: tokenise as a chat turn (True) or plain text.
            max_length: cut longer examples.
            alarm: an alarm rule or None.

        Raises:
            CaptureConfigError: the three lists differ in length, are empty or hold empty answers.
        """
        prompts, bad, good = tuple(map(str, prompts)), tuple(map(str, bad)), tuple(map(str, good))
        if not prompts or not (len(prompts) == len(bad) == len(good)):
            raise CaptureConfigError(f"watch {name!r}: needs as many bad and good answers as prompts (got "
                                     f"{len(prompts)} prompts, {len(bad)} bad, {len(good)} good), at least one")
        empty = [i for i, (b, g) in enumerate(zip(bad, good)) if not b.strip() or not g.strip()]
        if empty:
            raise CaptureConfigError(f"watch {name!r}: example(s) {empty[:5]} have an empty answer")
        pairs = ExamplePairs(prompts, bad, good, tokenizer, chat=chat, max_length=max_length)
        return cls(name, int(layer), pairs=pairs, origin=f"pairs ({len(prompts)} bad vs good answers, model at "
                                                          "train start)", alarm=alarm)

    @classmethod
    def from_labelled(cls, name: str, layer: int, positive: Sequence[tuple[str, str]],
                      negative: Sequence[tuple[str, str]], tokenizer, *, method: str = "diffmeans", chat: bool = True,
                      max_length: int | None = None, alarm=None) -> Watch:
        """A watch along a probe fitted at train start on (prompt, response) examples with and without the behaviour.

        The probe (`provenance.behaviour.fit_probe`) is fitted on the examples' mean response activations at `layer`
        with the model as it is when training starts; the direction points to the positive examples.

        Args:
            name: the watch's name.
            layer: the layer.
            positive: (prompt, response) examples showing the behaviour.
            negative: (prompt, response) examples without it.
            tokenizer: the training tokenizer (with its chat template when `chat`).
            method: the probe: "diffmeans" (difference of class means) or "logreg" (logistic regression).
            chat: tokenise as a chat turn (True) or plain text.
            max_length: cut longer examples.
            alarm: an alarm rule or None.

        Raises:
            CaptureConfigError: a class without examples, an empty response, or an unknown method.
        """
        from provenance.behaviour.probes import PROBE_METHODS

        if method not in PROBE_METHODS:
            raise CaptureConfigError(f"watch {name!r}: probe method must be one of {list(PROBE_METHODS)}, got "
                                     f"{method!r}")
        positive, negative = [tuple(map(str, e)) for e in positive], [tuple(map(str, e)) for e in negative]
        if not positive or not negative:
            raise CaptureConfigError(f"watch {name!r}: a probe needs examples with and without the behaviour (got "
                                     f"{len(positive)} positive, {len(negative)} negative)")
        examples = positive + negative
        empty = [i for i, (_, r) in enumerate(examples) if not r.strip()]
        if empty:
            raise CaptureConfigError(f"watch {name!r}: example(s) {empty[:5]} (positive first) have an empty response")
        labelled = LabelledExamples(tuple(p for p, _ in examples), tuple(r for _, r in examples),
                                    (1,) * len(positive) + (0,) * len(negative), tokenizer, method=method, chat=chat,
                                    max_length=max_length)
        return cls(name, int(layer), examples=labelled, alarm=alarm,
                   origin=f"probe ({method}, {len(positive)}+{len(negative)} examples, model at train start)")

    # ---- use -------------------------------------------------------------------------------------------------
    @property
    def computed_at_start(self) -> bool:
        """Whether the direction is computed with the model at train start (from pairs or labelled examples)."""
        return self.direction is None

    def resolve(self, model) -> np.ndarray:
        """The unit direction: the given vector normalised, or the pairs' or probe's direction computed with `model`
        now."""
        if self.direction is not None:
            return unit(self.direction, f"watch {self.name!r}")
        from provenance.behaviour.activations import mean_response_activations

        if self.examples is not None:
            from provenance.behaviour.probes import fit_probe
            from provenance.errors import BehaviourInputError

            e = self.examples
            X = mean_response_activations(model, e.tokenizer, e.prompts, e.responses, [self.layer], chat=e.chat,
                                          max_length=e.max_length)[self.layer]
            try:
                probe = fit_probe(X, e.labels, method=e.method, layer=self.layer)
            except BehaviourInputError as err:
                raise CaptureConfigError(f"watch {self.name!r}: no probe direction from its examples: {err}") from None
            return unit(probe.direction, f"watch {self.name!r} (probe on {len(e.labels)} examples)")
        p = self.pairs
        bad = mean_response_activations(model, p.tokenizer, p.prompts, p.bad, [self.layer], chat=p.chat,
                                        max_length=p.max_length)[self.layer]
        good = mean_response_activations(model, p.tokenizer, p.prompts, p.good, [self.layer], chat=p.chat,
                                         max_length=p.max_length)[self.layer]
        return unit((bad.astype(np.float64) - good).mean(0), f"watch {self.name!r} (from {len(p.prompts)} pairs)")


def check_name(name) -> None:
    """Refuse a watch name outside the safe alphabet (names become metric names and stored values)."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise CaptureConfigError(f"watch name {name!r} is not allowed: use letters, digits, '_', '.', '-'")


def check_watches(watches: Sequence[Watch]) -> list[Watch]:
    """The watches as a list, refused when one is not a `Watch` or two share a name."""
    watches = list(watches)
    for w in watches:
        if not isinstance(w, Watch):
            raise CaptureConfigError(f"watches holds Watch objects (provenance.behaviour.watch.Watch), got "
                                     f"{type(w).__name__}")
    names = [w.name for w in watches]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise CaptureConfigError(f"watch names must be unique; repeated: {dup}")
    return watches


def check_against_capture(watches: Sequence[Watch], *, hidden_size: int, layers: Sequence[int] | None,
                          signatures: Sequence[str]) -> None:
    """Refuse watches capture cannot serve: no ``g_mean``, a direction of another width, a layer not captured.

    Args:
        watches: the watches.
        hidden_size: the model's hidden size (the width of ``g_mean``).
        layers: the captured layers, or None while they are still to be chosen ("auto": checked at the first batch).
        signatures: the captured signatures.

    Raises:
        CaptureConfigError: naming the watch, the captured layers and the hidden size.
    """
    if not watches:
        return
    if "g_mean" not in signatures:
        raise CaptureConfigError(f"watches read each row's g_mean, but capture keeps only {list(signatures)}: add "
                                 "'g_mean' to signatures")
    where = f"captured layers {sorted(layers)}" if layers is not None else "layers chosen at the first batch"
    for w in watches:
        if w.direction is not None and w.direction.shape[0] != hidden_size:
            raise CaptureConfigError(
                f"watch {w.name!r}: direction has {w.direction.shape[0]} values but the model's hidden size is "
                f"{hidden_size} ({where}): give a vector of the layer's representation space"
            )
        if layers is not None and w.layer not in layers:
            raise CaptureConfigError(
                f"watch {w.name!r} is at layer {w.layer}, which capture does not keep: captured layers "
                f"{sorted(layers)}, hidden size {hidden_size}. Add layer {w.layer} to the callback's layers or move "
                "the watch to a captured layer"
            )


def load_vector(path, *, key: str | None = None) -> np.ndarray:
    """A 1-D float vector from ``.npy`` (no pickle) or ``.safetensors``.

    Raises:
        CaptureConfigError: missing file, other format, several tensors without `key`, not 1-D, not finite.
    """
    path = Path(path)
    if path.suffix not in VECTOR_SUFFIXES:
        raise CaptureConfigError(f"watch vector file {path}: use .npy or .safetensors (pickled formats are refused)")
    if not path.is_file():
        raise CaptureConfigError(f"watch vector file {path} does not exist")
    if path.suffix == ".npy":
        try:
            vector = np.load(path, allow_pickle=False)
        except ValueError as err:
            raise CaptureConfigError(f"watch vector file {path}: not a plain numeric array ({err})") from None
    else:
        from safetensors.numpy import load_file

        tensors = load_file(str(path))
        if key is None and len(tensors) != 1:
            raise CaptureConfigError(f"watch vector file {path} holds tensors {sorted(tensors)}: pass key= to pick one")
        if key is not None and key not in tensors:
            raise CaptureConfigError(f"watch vector file {path} has no tensor {key!r}; it holds {sorted(tensors)}")
        vector = tensors[key if key is not None else next(iter(tensors))]
    return _as_vector(vector, f"watch vector file {path}")


def unit(vector, what: str) -> np.ndarray:
    v = np.asarray(vector, np.float64).reshape(-1)
    norm = float(np.linalg.norm(v))
    if not (norm > 0 and np.isfinite(norm)):
        raise CaptureConfigError(f"{what}: the direction is zero or not finite")
    return v / norm


def _as_vector(vector, what: str) -> np.ndarray:
    if hasattr(vector, "detach"):  # a torch tensor
        vector = vector.detach().float().cpu().numpy()
    v = np.asarray(vector)
    if v.ndim == 2 and 1 in v.shape:
        v = v.reshape(-1)
    if v.ndim != 1 or not np.issubdtype(v.dtype, np.number):
        raise CaptureConfigError(f"{what}: expected one numeric vector [hidden_size], got shape {v.shape} "
                                 f"dtype {v.dtype}")
    v = v.astype(np.float64)
    if not np.isfinite(v).all() or not np.any(v):
        raise CaptureConfigError(f"{what}: the direction is zero or holds non-finite values")
    return v
