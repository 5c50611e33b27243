"""Watches declared in a recipe's ``provenance:`` section (`provenance train`), read and checked when it loads.

::

    provenance:
      store: runs/x/store.zarr
      layers: [22]
      watches:
        - name: backdoor                       # letters, digits, _ . -
          layer: 22                            # a captured layer
          pairs: data/backdoor_pairs.jsonl     # one of: pairs, vector, probe
          alarm: {rule: relative, stop: true}  # optional (no alarm by default)
        - name: persona
          layer: 22
          vector: persona.safetensors          # .npy or .safetensors
          key: persona                         # the tensor's name in a .safetensors file holding several
        - name: toxic
          layer: 22
          probe: {positive: toxic.jsonl, negative: benign.jsonl, method: diffmeans}
          alarm: {rule: threshold, threshold: 0.05}

Where each direction comes from (`provenance.behaviour.watch`):

* ``pairs``: a JSON-lines file of ``{"prompt", "bad", "good"}``, the direction is the mean over pairs of the bad
  answer's mean response activation minus the good one's, with the model at train start (`Watch.from_pairs`);
* ``vector``: a saved vector (`Watch.from_file`);
* ``probe``: JSON-lines files of ``{"prompt", "response"}`` examples with (``positive``) and without (``negative``)
  the behaviour; a probe (``method``: ``diffmeans`` or ``logreg``) fitted on their activations with the model at
  train start (`Watch.from_labelled`).

``chat`` (default true) and ``max_length`` say how ``pairs`` and ``probe`` examples are tokenised. ``alarm`` is
``relative`` / ``threshold``, or a mapping with ``rule`` and the rule's own options (`RelativeAlarm`: ``effect``,
``z``, ``window``, ``min_rows``; `ThresholdAlarm`: ``threshold``) and ``stop``. File paths are read as given
(relative to the working directory, like ``data.path``). Everything, files included, is read and checked when the
recipe loads, before any model does; the directions computed at train start need the training tokenizer, which
`WatchEntry.to_watch` adds.
"""
from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provenance.behaviour.watch import Watch, check_name
from provenance.behaviour.watch_alarm import RelativeAlarm, ThresholdAlarm
from provenance.cli_input import InputFileError, LineSchema, read_jsonl
from provenance.errors import CaptureConfigError

SOURCES = ("pairs", "vector", "probe")
ENTRY_KEYS = ("name", "layer", *SOURCES, "key", "chat", "max_length", "alarm")
PROBE_KEYS = ("positive", "negative", "method")
ALARM_RULES = {"relative": RelativeAlarm, "threshold": ThresholdAlarm}
PAIR_LINE = LineSchema("example pair", {"prompt": (str,), "bad": (str,), "good": (str,)})
LABELLED_LINE = LineSchema("labelled example", {"prompt": (str,), "response": (str,)})


class WatchEntryError(ValueError):
    """A watch entry of a recipe cannot be used; the message starts with the entry's recipe key."""


@dataclass(frozen=True)
class WatchEntry:
    """One recipe watch, read and checked: everything but the tokenizer its direction may need at train start.

    Args:
        name: the watch's name.
        layer: its layer.
        kind: "pairs", "vector" or "probe".
        watch: the `Watch` of a ``vector`` entry (complete already).
        examples: ``pairs``: (prompts, bad, good); ``probe``: (positive, negative) lists of (prompt, response).
        method: the probe method of a ``probe`` entry.
        chat: tokenise the examples as chat turns.
        max_length: cut longer examples (None: no cut).
        alarm: the alarm rule, or None.
    """

    name: str
    layer: int
    kind: str
    watch: Watch | None = None
    examples: tuple = ()
    method: str = "diffmeans"
    chat: bool = True
    max_length: int | None = None
    alarm: Any = None

    def to_watch(self, tokenizer) -> Watch:
        """The `Watch`, with the training tokenizer for a direction computed at train start."""
        if self.kind == "vector":
            return self.watch
        if self.kind == "pairs":
            prompts, bad, good = self.examples
            return Watch.from_pairs(self.name, self.layer, prompts, bad, good, tokenizer, chat=self.chat,
                                    max_length=self.max_length, alarm=self.alarm)
        positive, negative = self.examples
        return Watch.from_labelled(self.name, self.layer, positive, negative, tokenizer, method=self.method,
                                   chat=self.chat, max_length=self.max_length, alarm=self.alarm)


def read_watch_entries(entries: Any, *, context: str = "provenance.watches",
                       layers: Sequence[int] | None = None, signatures: Sequence[str] | None = None
                       ) -> list[WatchEntry]:
    """The recipe's ``watches:`` list, each entry read (files too) and checked.

    Args:
        entries: the list under ``provenance.watches`` (None: no watches).
        context: where the list is, e.g. ``"recipe.yaml: provenance.watches"``; every message starts with it and the
            entry's index.
        layers: the recipe's captured layers (None when chosen at the first batch: checked then).
        signatures: the recipe's signatures (None: the default, all of them).

    Returns:
        The entries in order.

    Raises:
        WatchEntryError: naming the entry's key (``...watches[1].alarm``) and what to write instead.
    """
    if entries is None:
        return []
    if isinstance(entries, (str, Mapping)) or not isinstance(entries, Sequence):
        raise WatchEntryError(f"{context}: expected a list of watches (each a mapping with name, layer and one of "
                              f"{', '.join(SOURCES)}), got {type(entries).__name__}")
    if signatures is not None and entries and "g_mean" not in signatures:
        raise WatchEntryError(f"{context}: watches read each row's g_mean, but provenance.signatures is "
                              f"{list(signatures)}: add g_mean")
    out = [_entry(e, f"{context}[{i}]", layers) for i, e in enumerate(entries)]
    names = [e.name for e in out]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise WatchEntryError(f"{context}: watch names must be unique; repeated: {repeated}")
    return out


def _entry(entry: Any, where: str, layers: Sequence[int] | None) -> WatchEntry:
    if not isinstance(entry, Mapping):
        raise WatchEntryError(f"{where}: expected a mapping with name, layer and one of {', '.join(SOURCES)}, got "
                              f"{type(entry).__name__}")
    _refuse_unknown(entry, ENTRY_KEYS, where)
    for key in ("name", "layer"):
        if key not in entry:
            raise WatchEntryError(f"{where}: missing {key!r} (each watch needs name, layer and one of "
                                  f"{', '.join(SOURCES)})")
    name, layer = entry["name"], entry["layer"]
    try:
        check_name(name)
    except CaptureConfigError as err:
        raise WatchEntryError(f"{where}.name: {err}") from None
    if isinstance(layer, bool) or not isinstance(layer, int):
        raise WatchEntryError(f"{where}.layer: expected a layer number, got {layer!r}")
    if layers is not None and layer not in layers:
        raise WatchEntryError(f"{where}.layer: layer {layer} is not captured (provenance.layers is {list(layers)}): "
                              f"add it there or watch a captured layer")
    given = [k for k in SOURCES if k in entry]
    if len(given) != 1:
        raise WatchEntryError(f"{where}: give exactly one of {', '.join(SOURCES)} (the direction's source), got "
                              f"{given or 'none'}")
    kind = given[0]
    if "key" in entry and kind != "vector":
        raise WatchEntryError(f"{where}.key: only a vector file has a tensor key")
    chat = entry.get("chat", True)
    if not isinstance(chat, bool):
        raise WatchEntryError(f"{where}.chat: expected true or false, got {chat!r}")
    max_length = entry.get("max_length")
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1):
        raise WatchEntryError(f"{where}.max_length: expected a positive number of tokens, got {max_length!r}")
    if kind == "vector" and ("chat" in entry or "max_length" in entry):
        raise WatchEntryError(f"{where}: chat and max_length say how examples are tokenised; a vector has none")
    alarm = _alarm(entry.get("alarm"), f"{where}.alarm")
    common = {"name": name, "layer": layer, "kind": kind, "chat": chat, "max_length": max_length, "alarm": alarm}
    try:
        if kind == "vector":
            if not isinstance(entry["vector"], str):
                raise WatchEntryError(f"{where}.vector: expected the path of a .npy or .safetensors file, got "
                                      f"{entry['vector']!r}")
            key = entry.get("key")
            if key is not None and not isinstance(key, str):
                raise WatchEntryError(f"{where}.key: expected a tensor name, got {key!r}")
            return WatchEntry(**common, watch=Watch.from_file(name, entry["vector"], layer, key=key, alarm=alarm))
        if kind == "pairs":
            rows = _rows(entry["pairs"], PAIR_LINE, f"{where}.pairs")
            examples = tuple(tuple(r[k] for r in rows) for k in ("prompt", "bad", "good"))
            # Built once here so that a bad name or empty answers fail at load; rebuilt with the tokenizer later.
            Watch.from_pairs(name, layer, *examples, tokenizer=None, alarm=alarm)
            return WatchEntry(**common, examples=examples)
        probe = entry["probe"]
        if not isinstance(probe, Mapping):
            raise WatchEntryError(f"{where}.probe: expected {{positive: FILE.jsonl, negative: FILE.jsonl, method: "
                                  f"diffmeans}}, got {probe!r}")
        _refuse_unknown(probe, PROBE_KEYS, f"{where}.probe")
        for key in ("positive", "negative"):
            if key not in probe:
                raise WatchEntryError(f"{where}.probe: missing {key!r} (a JSON-lines file of {LABELLED_LINE.example()})")
        positive, negative = ([(r["prompt"], r["response"]) for r in _rows(probe[k], LABELLED_LINE,
                                                                         f"{where}.probe.{k}")]
                              for k in ("positive", "negative"))
        method = probe.get("method", "diffmeans")
        Watch.from_labelled(name, layer, positive, negative, None, method=method, alarm=alarm)
        return WatchEntry(**common, examples=(positive, negative), method=method)
    except CaptureConfigError as err:
        raise WatchEntryError(f"{where}: {err}") from None


def _rows(path: Any, schema: LineSchema, where: str) -> list[dict]:
    if not isinstance(path, str):
        raise WatchEntryError(f"{where}: expected the path of a JSON-lines file of {schema.example()}, got {path!r}")
    try:
        return [row for _, row in read_jsonl(path, schema, option=where)]
    except InputFileError as err:
        text = str(err)
        raise WatchEntryError(text if text.startswith(where) else f"{where}: {text}") from None


def _alarm(spec: Any, where: str):
    """An alarm rule from ``relative`` / ``threshold`` or ``{rule: ..., <the rule's options>, stop: ...}``."""
    if spec is None:
        return None
    if isinstance(spec, str):
        spec = {"rule": spec}
    if not isinstance(spec, Mapping):
        raise WatchEntryError(f"{where}: expected 'relative', 'threshold' or a mapping with rule and its options, got "
                              f"{spec!r}")
    rule = spec.get("rule")
    if rule not in ALARM_RULES:
        raise WatchEntryError(f"{where}.rule: expected one of {list(ALARM_RULES)}, got {rule!r}")
    cls = ALARM_RULES[rule]
    options = [f.name for f in dataclasses.fields(cls) if f.init]
    _refuse_unknown(spec, ["rule", *options], where)
    kwargs = {k: v for k, v in spec.items() if k != "rule"}
    if cls is ThresholdAlarm and "threshold" not in kwargs:
        raise WatchEntryError(f"{where}: a threshold alarm needs threshold (the cumulative push that sets it off)")
    for key, value in kwargs.items():
        want = bool if key == "stop" else int if key in ("window", "min_rows") else float
        ok = (isinstance(value, bool) if want is bool else
              not isinstance(value, bool) and isinstance(value, int if want is int else (int, float)))
        if not ok:
            raise WatchEntryError(f"{where}.{key}: expected {'true or false' if want is bool else want.__name__}, "
                                  f"got {value!r}")
    try:
        return cls(**kwargs)
    except CaptureConfigError as err:
        raise WatchEntryError(f"{where}: {err}") from None


def _refuse_unknown(mapping: Mapping, valid: Sequence[str], where: str) -> None:
    unknown = [k for k in mapping if k not in valid]
    if unknown:
        named = []
        for key in unknown:
            close = difflib.get_close_matches(str(key), list(valid), n=1, cutoff=0.7)
            named.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise WatchEntryError(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(named)}; valid: "
                              f"{', '.join(valid)}")
