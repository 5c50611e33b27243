"""`CaptureConfig`: what a capture run records and how it encodes it, validated once, used everywhere.

`CaptureSession`, both callbacks (`ProvenanceCallback`, `ProvenanceTrainerCallback`) and the recipe's
``provenance:`` section take the same fields, defined here once. The callbacks accept a `CaptureConfig`
(``config=``) or its fields as keyword arguments; `CaptureOptions` types those keyword arguments for IDEs.

What is here and what is not. A `CaptureConfig` says *what* is captured and how it is stored: layers, signatures,
token states, the layer probe, the encoding and projection, the shard layout, and what a resumed run does when its
loader repeats samples. It holds plain values only, so one config can be reused across runs, stores and machines and
written to a recipe. *Where* the rows go stays with the session and the callbacks: the store URL, the run name,
`overwrite` (what to do with what is already there) and `storage_options` (the backend's connection settings,
often credentials, which must not travel with a config that gets logged or shared). Live watches
(`watches=`) are not config either: their directions are tensors checked against the model; a recipe declares them
under ``provenance.watches`` (`provenance.behaviour.watch_recipe`), beside these fields.
"""
from __future__ import annotations

import dataclasses
import difflib
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from provenance.capture.engine import SIGNATURES
from provenance.errors import CaptureConfigError
from provenance.store.encoding import DEFAULT_ENCODING, ENCODINGS

# The callbacks type their keyword arguments as **options: Unpack[CaptureOptions] and import Unpack from here.
if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack  # noqa: F401

__all__ = ["ON_RESUME_MISMATCH", "CaptureConfig", "CaptureOptions", "resolve_config"]

ON_RESUME_MISMATCH = ("refuse", "record")


@dataclass(frozen=True)
class CaptureConfig:
    """What a capture run records and how it encodes it.

    Values are checked on construction and normalised, so two configs that capture the same thing compare equal
    (``layers=4`` and ``layers=[4]``; signatures in any order).

    Args:
        layers: "auto" (a spread of layers plus the one where the probe prompts' representations turn most, chosen
            at the first batch), a layer number, or layer numbers. Layer l >= 1 is the output of decoder block l-1
            and the number of blocks is the final norm's output (0, the embeddings, is not captured); the model
            checks the range when the callback binds. Kept as "auto" or a sorted tuple.
        signatures: which of ``h_last``, ``g_last``, ``h_mean``, ``g_mean`` to store per sample and layer.
        token_layers: also store the hidden state at every token at these layers (token match, and with it the
            default attribution per answer and per behaviour, reads them): "auto" (3/4 of the depth; the default),
            None (none: about 3.8x fewer bytes per row), a layer number or layer numbers.
        probe_prompts: how many prompts of the first batch probe the layers when `layers` is "auto".
        encoding: how signature rows are stored: "float16-rowscale", "bfloat16", "float32" or "int8" (see
            `provenance.store.encoding`).
        projection_dim: store rows projected to this many dimensions by a seeded Gaussian random matrix (None: full
            width).
        projection_seed: the projection's seed (0 when a projection is set and no seed is given); only with
            `projection_dim`.
        shard_rows: rows per stored shard; a multiple of `chunk_rows`.
        chunk_rows: rows per compressed chunk, the unit a reader fetches.
        on_resume_mismatch: what a resumed epoch whose loader repeats samples stored before the checkpoint does:
            "refuse" (raise `ResumeMismatchError` before the first such batch trains) or "record" (train on and
            store what is trained).

    Raises:
        CaptureConfigError: a value of the wrong type or out of range, or fields that contradict each other (the
            message names the field and the valid values).
    """

    layers: str | int | Sequence[int] = "auto"
    signatures: Sequence[str] = SIGNATURES
    token_layers: str | int | Sequence[int] | None = "auto"
    probe_prompts: int = 8
    encoding: str = DEFAULT_ENCODING
    projection_dim: int | None = None
    projection_seed: int | None = None
    shard_rows: int = 2048
    chunk_rows: int = 256
    on_resume_mismatch: Literal["refuse", "record"] = "refuse"

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalised values are set once, here
        set_(self, "layers", _layers("layers", self.layers, allow_none=False))
        set_(self, "token_layers", _layers("token_layers", self.token_layers, allow_none=True))
        set_(self, "signatures", _signatures(self.signatures))
        _positive_int("probe_prompts", self.probe_prompts)
        if not isinstance(self.encoding, str) or self.encoding not in ENCODINGS:
            raise CaptureConfigError(f"encoding must be one of {list(ENCODINGS)}, got {self.encoding!r}")
        if self.projection_dim is not None:
            _positive_int("projection_dim", self.projection_dim)
            if self.projection_seed is None:
                set_(self, "projection_seed", 0)
        elif self.projection_seed is not None:
            raise CaptureConfigError(
                f"projection_seed={self.projection_seed!r} without projection_dim: a seed only chooses the random "
                f"projection; set projection_dim too, or drop projection_seed"
            )
        if self.projection_seed is not None and not _is_int(self.projection_seed):
            raise CaptureConfigError(f"projection_seed must be an int, got {self.projection_seed!r}")
        _positive_int("shard_rows", self.shard_rows)
        _positive_int("chunk_rows", self.chunk_rows)
        if self.shard_rows % self.chunk_rows:
            raise CaptureConfigError(
                f"shard_rows={self.shard_rows} must be a multiple of chunk_rows={self.chunk_rows} (a shard is whole "
                f"chunks), e.g. shard_rows={max(1, round(self.shard_rows / self.chunk_rows)) * self.chunk_rows}"
            )
        if self.on_resume_mismatch not in ON_RESUME_MISMATCH:
            raise CaptureConfigError(
                f"on_resume_mismatch must be one of {ON_RESUME_MISMATCH}, got {self.on_resume_mismatch!r}")

    # ---- derived ---------------------------------------------------------------------------------------------
    @property
    def layer_list(self) -> list[int] | None:
        """The requested layers as a list, or None when they are chosen at the first batch ("auto")."""
        return None if self.layers == "auto" else list(self.layers)

    @property
    def projection(self) -> dict | None:
        """The store writer's projection, ``{"seed": int, "dim": int}``, or None."""
        if self.projection_dim is None:
            return None
        return {"seed": int(self.projection_seed), "dim": int(self.projection_dim)}

    # ---- conversions -----------------------------------------------------------------------------------------
    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The config's fields, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], *, context: str = "capture options",
                  also_accepted: Collection[str] = ()) -> CaptureConfig:
        """A config from a mapping of field names (a recipe section, keyword arguments).

        Args:
            mapping: field name -> value; missing fields keep their defaults.
            context: what the mapping is, for the error message (e.g. "recipe.yaml: provenance").
            also_accepted: keys the caller handles itself (e.g. the store URL of a recipe section): skipped here,
                and listed as valid in the error for an unknown key.

        Returns:
            The validated config.

        Raises:
            CaptureConfigError: a key that is neither a field nor in `also_accepted` (the message lists the valid
                keys and suggests the closest), or an invalid value (see the class).
        """
        if not isinstance(mapping, Mapping):
            raise CaptureConfigError(f"{context}: expected a mapping of option names to values, got "
                                     f"{type(mapping).__name__}")
        fields = cls.field_names()
        valid = [k for k in also_accepted if k not in fields] + list(fields)
        unknown = [k for k in mapping if k not in valid]
        if unknown:
            named = []
            for key in unknown:
                close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.7)
                named.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise CaptureConfigError(f"{context}: unknown option{'s' if len(unknown) > 1 else ''} "
                                     f"{', '.join(named)}; valid options: {', '.join(valid)}")
        return cls(**{k: v for k, v in mapping.items() if k in fields})

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain values (tuples as lists), e.g. for a recipe; `from_dict` reads it back equal."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


class CaptureOptions(TypedDict, total=False):
    """The fields of `CaptureConfig` as keyword arguments of the callbacks (``**options: Unpack[CaptureOptions]``
    gives IDEs their names and types; a test keeps the two in step)."""

    layers: str | int | Sequence[int]
    signatures: Sequence[str]
    token_layers: str | int | Sequence[int] | None
    probe_prompts: int
    encoding: str
    projection_dim: int | None
    projection_seed: int | None
    shard_rows: int
    chunk_rows: int
    on_resume_mismatch: Literal["refuse", "record"]


def resolve_config(config: CaptureConfig | Mapping[str, Any] | None, options: Mapping[str, Any], *,
                   owner: str = "capture") -> CaptureConfig:
    """The config a callback was given: `config=` or keyword options (not both), validated.

    Args:
        config: a `CaptureConfig`, a mapping of its fields, or None.
        options: the keyword arguments given instead (field name -> value).
        owner: who receives them, for error messages (e.g. "ProvenanceCallback").

    Returns:
        The config (defaults when neither is given).

    Raises:
        CaptureConfigError: both given, a `config` of another type, an unknown option or an invalid value.
    """
    if config is not None and options:
        raise CaptureConfigError(
            f"{owner}: pass either config= or capture keyword arguments ({', '.join(options)}), not both; to change "
            f"fields of a config, pass config=dataclasses.replace(config, {next(iter(options))}=...)"
        )
    if config is None:
        return CaptureConfig.from_dict(options, context=f"{owner} capture options")
    if isinstance(config, CaptureConfig):
        return config
    if isinstance(config, Mapping):
        return CaptureConfig.from_dict(config, context=f"{owner} config")
    raise CaptureConfigError(f"{owner}: config must be a CaptureConfig or a mapping of its fields, got "
                             f"{type(config).__name__}")


# ---- checks ------------------------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(name: str, value: Any) -> None:
    if not _is_int(value) or value < 1:
        raise CaptureConfigError(f"{name} must be a positive int, got {value!r}")


def _layers(name: str, value: Any, *, allow_none: bool):
    """"auto" stays "auto"; a layer number or a non-empty sequence of them becomes a sorted tuple of distinct layers;
    None (and an empty sequence) stays None where allowed."""
    if value == "auto":
        return "auto"
    if allow_none and (value is None or (isinstance(value, (list, tuple)) and not value)):
        return None
    layers = [value] if _is_int(value) else value
    valid_type = (isinstance(layers, Sequence) and not isinstance(layers, str) and len(layers) > 0
                  and all(_is_int(l) for l in layers))
    if not valid_type:
        shapes = "None, " if allow_none else ""
        raise CaptureConfigError(f"{name} must be {shapes}'auto', a layer number or a non-empty list of layer "
                                 f"numbers, got {value!r}")
    below = sorted({l for l in layers if l < 1})
    if below:
        raise CaptureConfigError(f"{name}: layer(s) {below} do not exist; layers are numbered from 1 (the output "
                                 f"of the first decoder block; 0, the embeddings, is not captured)")
    return tuple(sorted(set(layers)))


def _signatures(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise CaptureConfigError(f"signatures must be a non-empty list of {list(SIGNATURES)}, got {value!r}")
    unknown = [s for s in value if s not in SIGNATURES]
    if unknown:
        raise CaptureConfigError(f"signatures: unknown {unknown}; valid signatures: {list(SIGNATURES)}")
    return tuple(s for s in SIGNATURES if s in value)
