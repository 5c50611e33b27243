"""Row encodings of signature matrices and the random projection.

An encoding turns a float32 ``[n, d]`` block into a payload array (stored as
``layer-<l>/<name>``) and, for scaled encodings, a float32 ``[n]`` per-row scale
(stored as ``layer-<l>/<name>_scale``).  ``decode(payload, scale, name)``
gives float32 back.

Encodings
---------
``float16-rowscale`` (default)
    Per-row power-of-two scale ``s`` and float16 payload ``x / s``.  ``s`` is
    chosen so that the row's max magnitude lands in ``[2**14, 2**15)``, the top
    of float16's range (``2**(ceil(log2 max|x|) - 15)``; 1.0 for an all-zero
    row).  It can never overflow (2**15 < 65504), a power-of-two scale is exact,
    and every element down to ``2**-28`` of the row max stays a normal float16
    with full 11-bit precision: hidden-state rows with massive activations
    (~3e4 in a few dims next to O(1) values) and gradient rows (~1e-6, or
    1e-10) keep a relative error below 2**-11 (4.9e-4).  (Normalising the row
    to [-1, 1] instead would push everything below ``max/16384`` into float16
    subnormals: up to 0.1% error on entries of 1 and 1% on entries of 0.1 in a
    row whose max is 3e4.)
``bfloat16``
    uint16 holding the upper half of the float32 bits, rounded to nearest
    even (zarr 3 has no bfloat16 dtype).  No scale.  ~0.4% relative error.
``float32``
    Stored as is.
``int8``
    Per-row absmax scale ``s = max|x| / 127`` and ``round(x / s)``.  Error is
    at most ``max|x| / 254`` per element; small entries of a row lose most of
    their precision.

Measured by ``measure_encodings`` on ``realistic_sample()`` (2048 rows, d=576:
1024 hidden-state rows of Student-t(3) values with 4 "massive activation" dims
of 1e3..3e4; 1024 gradient rows of 1e-6 * Student-t(3), every 16th row 1e-10),
blosc-zstd(3)+bitshuffle, 256-row chunks; raw float32 is 2304 B/row.
``max_rel`` = max over rows of max|err| / max|x|; ``rel_l2`` = max over rows
of ||err|| / ||x||; ``median_elem`` = median of |err| / |x| over all nonzero
entries (what the small entries of a row keep)::

    encoding          B/row  max_rel  rel_l2   median_elem
    float16-rowscale   1119  4.5e-04  3.7e-04  1.7e-04
    bfloat16            982  3.8e-03  3.3e-03  1.4e-03
    float32            2107  0        0        0
    int8                298  3.9e-03  5.3e-02  1.0e+00   (hidden rows: 21 B/row, every
                                                          O(1) entry rounds to 0)

Normalising rows to [-1, 1] instead of [2**14, 2**15) stores 991 B/row but
the median entry error of the hidden-state rows triples (5.3e-04 vs 1.7e-04).
Random data barely compresses; real activations compress somewhat better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from provenance.errors import StoreValueError

DEFAULT_ENCODING = "float16-rowscale"

# float16-rowscale puts the row max in [2**(TOP-1), 2**TOP): the top of float16's normal range.
_F16_TOP_EXP = 15
# Keep scales normal float32 numbers: 2**-126 .. 2**127.
_MIN_SCALE_EXP, _MAX_SCALE_EXP = -126, 127


@dataclass(frozen=True)
class Encoding:
    name: str
    payload_dtype: str
    has_scale: bool

    def attrs(self) -> dict:
        """What the run attrs record, enough for any reader to decode."""
        return {"name": self.name, "payload_dtype": self.payload_dtype, "scale": self.has_scale}


ENCODINGS: dict[str, Encoding] = {
    e.name: e
    for e in (
        Encoding("float16-rowscale", "float16", True),
        Encoding("bfloat16", "uint16", False),
        Encoding("float32", "float32", False),
        Encoding("int8", "int8", True),
    )
}


def get_encoding(name: str) -> Encoding:
    try:
        return ENCODINGS[name]
    except (KeyError, TypeError):
        raise StoreValueError(
            f"unknown encoding {name!r}; valid encodings: {', '.join(ENCODINGS)}"
        ) from None


def check_finite(x: np.ndarray, label: str = "signature") -> None:
    """Last guard before disk: never store inf/nan silently."""
    finite_rows = np.isfinite(x).all(axis=1) if x.ndim == 2 else np.isfinite(x)
    if not finite_rows.all():
        bad = int((~finite_rows).sum())
        raise StoreValueError(
            f"{label}: {bad} of {len(finite_rows)} rows contain non-finite values (inf/nan); "
            "the capture engine should have dropped them, refusing to write"
        )


def encode(x, encoding: str = DEFAULT_ENCODING, *, label: str = "signature"):
    """Encode float32 ``[n, d]`` -> ``(payload, scale)``; ``scale`` is None for unscaled encodings."""
    enc = get_encoding(encoding)
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    if x.ndim != 2:
        raise StoreValueError(f"{label}: expected a [n, d] matrix, got shape {x.shape}")
    check_finite(x, label)
    if enc.name == "float32":
        return x.copy(), None
    if enc.name == "bfloat16":
        return _to_bfloat16_bits(x), None
    amax = np.abs(x).max(axis=1) if x.shape[1] else np.zeros(len(x), np.float32)
    if enc.name == "float16-rowscale":
        _, exp = np.frexp(amax)  # amax < 2**exp
        exp = np.clip(exp.astype(np.int32) - _F16_TOP_EXP, _MIN_SCALE_EXP, _MAX_SCALE_EXP)
        exp[amax == 0] = 0  # all-zero row: scale 1.0
        scale = np.ldexp(np.float32(1.0), exp).astype(np.float32)
        payload = np.ldexp(x, -exp[:, None]).astype(np.float16)  # power-of-two: exact before rounding
        return payload, scale
    # int8
    scale = (amax / np.float32(127.0)).astype(np.float32)
    divisor = np.where(scale > 0, scale, np.float32(1.0))[:, None]
    payload = np.clip(np.rint(x / divisor), -127, 127).astype(np.int8)
    return payload, scale


def decode(payload, scale, encoding: str = DEFAULT_ENCODING) -> np.ndarray:
    """Stored arrays -> float32 ``[n, d]``."""
    enc = get_encoding(encoding)
    payload = np.asarray(payload)
    if enc.name == "float32":
        return payload.astype(np.float32, copy=False)
    if enc.name == "bfloat16":
        return (payload.astype(np.uint32) << np.uint32(16)).view(np.float32)
    if scale is None:
        raise StoreValueError(f"encoding {enc.name!r} needs the per-row scale array to decode")
    scale = np.asarray(scale, dtype=np.float32)
    return payload.astype(np.float32) * scale[:, None]


def _to_bfloat16_bits(x: np.ndarray) -> np.ndarray:
    bits = x.view(np.uint32)
    # Round to nearest even on the 16 dropped bits (finite input: no wrap-around in uint32).
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)
    out = rounded.astype(np.uint16)
    # Finite values just below float32 max would round up to bf16 inf: clamp to the largest finite.
    overflow = (out & np.uint16(0x7FFF)) == np.uint16(0x7F80)
    out[overflow] -= np.uint16(1)
    return out


# ---- random projection ------------------------------------------------------------------

def projection_matrix(seed: int, d: int, k: int) -> np.ndarray:
    """Gaussian N(0, 1/k) matrix ``[d, k]`` (float32), a deterministic function of ``(seed, d, k)``.

    Johnson-Lindenstrauss: ``(x @ P) . (y @ P)`` approximates ``x . y``.
    Query code must build the same matrix from the run's ``projection`` attrs.
    """
    if d <= 0 or k <= 0:
        raise StoreValueError(f"projection needs positive dimensions, got d={d}, k={k}")
    rng = np.random.default_rng(int(seed))
    return (rng.standard_normal((int(d), int(k))) / np.sqrt(k)).astype(np.float32)


def project(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.shape[1] != matrix.shape[0]:
        raise StoreValueError(
            f"cannot project rows of width {x.shape[1]} with a [{matrix.shape[0]}, {matrix.shape[1]}] matrix"
        )
    return x @ matrix


# ---- measurement ------------------------------------------------------------------------

def measure_encodings(x, chunk_rows: int = 256, encodings=None) -> dict:
    """Bytes per row after Zarr compression and errors of each encoding on ``x`` ``[n, d]``.

    Returns ``{encoding: {"bytes_per_row", "max_rel_error", "rel_l2_error",
    "median_elem_rel_error"}}``: ``max_rel_error`` is the max over rows of
    max|err| / max|x|, ``rel_l2_error`` the max over rows of ||err|| / ||x||,
    ``median_elem_rel_error`` the median of |err| / |x| over nonzero elements
    (what the small entries of a row keep).  Bytes are what the writer's codecs
    store for one shard holding all rows.
    """
    import zarr

    from provenance.store.schema import row_array_kwargs

    x = np.asarray(x, dtype=np.float32)
    n, d = x.shape
    shard = chunk_rows * max(1, -(-n // chunk_rows))
    row_max = np.abs(x).max(axis=1)
    row_norm = np.linalg.norm(x, axis=1)
    nz = row_max > 0
    results = {}
    for name in encodings or ENCODINGS:
        enc = get_encoding(name)
        payload, scale = encode(x, name)
        store = zarr.storage.MemoryStore()
        root = zarr.open_group(store, mode="w")
        arrays = {"payload": (payload, row_array_kwargs(enc.payload_dtype, d, shard, chunk_rows))}
        if scale is not None:
            arrays["scale"] = (scale, row_array_kwargs("float32", None, shard, chunk_rows))
        for key, (data, kwargs) in arrays.items():
            kwargs = dict(kwargs, shape=data.shape)
            root.create_array(key, **kwargs)[...] = data
        stored = sum(len(v) for k, v in store._store_dict.items() if not k.endswith("zarr.json"))
        err = decode(payload, scale, name) - x
        results[name] = {
            "bytes_per_row": stored / n,
            "max_rel_error": float((np.abs(err).max(axis=1)[nz] / row_max[nz]).max(initial=0.0)),
            "rel_l2_error": float((np.linalg.norm(err, axis=1)[nz] / row_norm[nz]).max(initial=0.0)),
            "median_elem_rel_error": float(np.median(np.abs(err)[x != 0] / np.abs(x)[x != 0])),
        }
    return results


def realistic_sample(n: int = 2048, d: int = 576, seed: int = 0) -> np.ndarray:
    """Synthetic stand-in for captured signatures: half hidden-state rows, half gradient rows."""
    rng = np.random.default_rng(seed)
    h = rng.standard_t(3, size=(n // 2, d)).astype(np.float32)
    massive = rng.choice(d, 4, replace=False)
    h[:, massive] = rng.uniform(1e3, 3e4, size=(n // 2, 4)) * rng.choice([-1, 1], 4)  # massive activations
    g = (rng.standard_t(3, size=(n - n // 2, d)) * 1e-6).astype(np.float32)
    g[::16] *= np.float32(1e-4)  # some rows of ~1e-10
    return np.concatenate([h, g])
