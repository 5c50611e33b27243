"""On-disk layout of a provenance store (Zarr v3, schema version 1).

::

    <root>/                      attrs {"provenance": {"schema_version", "library_version", "model"}}
      <run>/                     attrs {"provenance_run": {...caller's run attrs, "encoding", "projection"}}
        owner-rank-<r>/          attrs {"provenance_owner": {pid, host, token, heartbeat...}} while a writer owns rank-<r>
        rank-<r>/                attrs {"committed": N, "committed_tokens": T, "skipped": {...},
                                        "every_shard_stored": true}
          sample_id source epoch step loss prompt_len [extra columns]   [N]
          layer-<l>/<name>       [N, D]   encoded payload
          layer-<l>/<name>_scale [N]      per-row scale (scaled encodings only)
          layer-<l>/h_tok        [T, D]   opt-in per-token hidden states, aligned with tokens/ids
          layer-<l>/h_tok_scale  [T]      their per-token scale (scaled encodings only)
          tokens/ids             [T]      int32, all samples' tokens concatenated
          tokens/end             [N]      int64, cumulative end offsets into tokens/ids

Rows are visible only up to ``committed`` (``committed_tokens`` for tokens/ids and the token-aligned h_tok
arrays); arrays may be physically longer.  In a rank group marked ``every_shard_stored`` (all groups written by
this version) every shard covering committed rows is a stored object, so a missing one is damage, not zeros;
groups written before hold no object for a shard of fill values only.
"""

from __future__ import annotations

import json
import re
from typing import Any

import zarr
import zarr.errors
from zarr.codecs import BloscCodec, ZstdCodec

from provenance.errors import StoreMismatchError, StoreValueError

SCHEMA_VERSION = 1
LIBRARY_VERSION = "0.1.0"

ROOT_ATTR = "provenance"
EVERY_SHARD_STORED = "every_shard_stored"
RUN_ATTR = "provenance_run"

RANK_PREFIX = "rank-"
LAYER_PREFIX = "layer-"
SCALE_SUFFIX = "_scale"
TOKENS_IDS = "tokens/ids"
TOKENS_END = "tokens/end"

# Fixed per-row columns; sample_id's dtype is int64 or str, decided by the first rows.
BASE_COLUMNS: dict[str, str | None] = {
    "sample_id": None,
    "source": "str",
    "epoch": "int32",
    "step": "int64",
    "loss": "float32",
    "prompt_len": "int32",
}
# Names an extra column may not take (they are base columns or reader-derived columns).
RESERVED_NAMES = frozenset(BASE_COLUMNS) | {"tokens", "rank", "n_tokens"}

TOKEN_INNER_CHUNK = 32768
# Per-token hidden states: one row per stored token (aligned with tokens/ids), so a behaviour carried by a few
# tokens can be matched token by token from training-time captures.
TOKEN_STATES = "h_tok"
# Tokens per stored object of a token-state array: [8192, 576] float16 is 9 MB, buffered whole before writing.
TOKEN_STATE_SHARD = 8192
TOKEN_STATE_CHUNK = 1024

_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


def rank_group(rank: int) -> str:
    return f"{RANK_PREFIX}{int(rank)}"


def layer_group(layer: int) -> str:
    return f"{LAYER_PREFIX}{int(layer)}"


def token_state_path(layer: int) -> str:
    return f"{layer_group(layer)}/{TOKEN_STATES}"


def is_token_aligned(path: str) -> bool:
    """Arrays with one row per stored token (tokens/ids, layer-<l>/h_tok and its scale), not one per sample."""
    if path == TOKENS_IDS:
        return True
    head, _, name = path.partition("/")
    return head.startswith(LAYER_PREFIX) and name in (TOKEN_STATES, TOKEN_STATES + SCALE_SUFFIX)


def signature_path(layer: int, name: str) -> str:
    return f"{layer_group(layer)}/{name}"


def scale_path(layer: int, name: str) -> str:
    return f"{layer_group(layer)}/{name}{SCALE_SUFFIX}"


def parse_prefixed_int(name: str, prefix: str) -> int | None:
    """``parse_prefixed_int("rank-3", "rank-") == 3``; None when ``name`` is not of that form."""
    if not name.startswith(prefix):
        return None
    tail = name[len(prefix):]
    return int(tail) if tail.isdigit() else None


def check_name(name: str, what: str) -> str:
    """Names become Zarr path components: keep them to a safe alphabet."""
    if not isinstance(name, str) or not _NAME_RE.match(name) or name in (".", ".."):
        raise StoreValueError(f"invalid {what} name {name!r}: use letters, digits, '_', '.', '-'")
    return name


def is_fsspec_url(url: str) -> bool:
    return "://" in str(url) and not str(url).startswith("file://")


def open_zarr_store(url: str, storage_options: dict | None = None, read_only: bool = False):
    """LocalStore for plain paths and ``file://`` (atomic rename writes: crash safe);
    FsspecStore for every other fsspec URL (``memory://``, ``s3://``...)."""
    url = str(url)
    if is_fsspec_url(url) or (url.startswith("file://") and storage_options):
        return zarr.storage.FsspecStore.from_url(
            url, storage_options=storage_options or {}, read_only=read_only
        )
    path = url[len("file://"):] if url.startswith("file://") else url
    return zarr.storage.LocalStore(path, read_only=read_only)


def sub_store(store, path: str):
    """The same storage as ``store``, rooted at its ``path``.

    zarr creates a node by also writing the metadata of every ancestor group up to its store's root "if it
    does not exist" (on a local disk through a temporary file beside it, even when it exists).  Nodes created
    through a store rooted at a group touch nothing above that group, so a writer killed meanwhile leaves its
    temporaries only in the folder it owns.
    """
    path = path.strip("/")
    if isinstance(store, zarr.storage.LocalStore):
        return zarr.storage.LocalStore(store.root / path, read_only=store.read_only)
    if isinstance(store, zarr.storage.FsspecStore):
        return zarr.storage.FsspecStore(store.fs, path=f"{store.path.rstrip('/')}/{path}",
                                        read_only=store.read_only, allowed_exceptions=store.allowed_exceptions)
    raise TypeError(f"no sub-store of a {type(store).__name__}")


def json_normalise(obj: Any) -> Any:
    """What ``obj`` looks like after a trip through zarr.json (tuples -> lists, int keys -> str)."""
    return json.loads(json.dumps(obj))


def root_attrs(model: dict) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "library_version": LIBRARY_VERSION,
        "model": json_normalise(model),
    }


def check_root(meta: dict, model: dict | None = None) -> None:
    """Refuse stores from a newer schema or (when ``model`` is given) from another model."""
    version = meta.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise StoreMismatchError(
            f"store schema version {version!r} is not supported by this library "
            f"(schema version {SCHEMA_VERSION}); upgrade provenance to read or write it"
        )
    if model is not None:
        stored, given = meta.get("model"), json_normalise(model)
        # The config hash identifies the geometry; the name (often a local path) may differ between runs.
        same = (stored.get("config_hash") == given.get("config_hash")
                if isinstance(stored, dict) and isinstance(given, dict) and "config_hash" in stored and "config_hash" in given
                else stored == given)
        if not same:
            raise StoreMismatchError(
                f"store was written for model {stored!r} but this writer has model "
                f"{given!r}; use another store root for a different model"
            )


# ---- array creation ----------------------------------------------------------------------

def _numeric_codecs() -> list:
    # bitshuffle+zstd suits float16/int payloads and small ints alike.
    return [BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle")]


def _string_codecs() -> list:
    return [ZstdCodec(level=3)]


def row_array_kwargs(dtype: str, width: int | None, shard_rows: int, chunk_rows: int) -> dict:
    """create_array kwargs of a per-row array ([N] or [N, width]).

    Numeric arrays are sharded (``chunk_rows`` inner chunks, ``shard_rows``
    shards); variable-length strings use plain ``shard_rows`` chunks, so that
    "one shard" means one stored object for every array.
    """
    if dtype == "str":
        return dict(
            shape=(0,), dtype=str, chunks=(shard_rows,), compressors=_string_codecs(),
            fill_value="", dimension_names=("row",),
        )
    if width is None:
        return dict(
            shape=(0,), dtype=dtype, chunks=(chunk_rows,), shards=(shard_rows,),
            compressors=_numeric_codecs(), fill_value=0, dimension_names=("row",),
        )
    return dict(
        shape=(0, int(width)), dtype=dtype, chunks=(chunk_rows, int(width)),
        shards=(shard_rows, int(width)), compressors=_numeric_codecs(), fill_value=0,
        dimension_names=("row", "dim"),
    )


def token_array_kwargs(shard_tokens: int) -> dict:
    inner = min(TOKEN_INNER_CHUNK, shard_tokens)
    if shard_tokens % inner:
        raise StoreValueError(f"shard_tokens={shard_tokens} must be a multiple of {inner}")
    return dict(
        shape=(0,), dtype="int32", chunks=(inner,), shards=(shard_tokens,),
        compressors=_numeric_codecs(), fill_value=0, dimension_names=("token",),
    )


def token_state_array_kwargs(dtype: str, width: int | None, shard_tokens: int = TOKEN_STATE_SHARD) -> dict:
    """create_array kwargs of a token-aligned per-token state array ([T, width]) or its scale ([T])."""
    inner = min(TOKEN_STATE_CHUNK, shard_tokens)
    if shard_tokens <= 0 or shard_tokens % inner:
        raise StoreValueError(f"shard_token_states={shard_tokens} must be a positive multiple of {inner}")
    if width is None:
        return dict(
            shape=(0,), dtype=dtype, chunks=(inner,), shards=(shard_tokens,),
            compressors=_numeric_codecs(), fill_value=0, dimension_names=("token",),
        )
    return dict(
        shape=(0, int(width)), dtype=dtype, chunks=(inner, int(width)),
        shards=(shard_tokens, int(width)), compressors=_numeric_codecs(), fill_value=0,
        dimension_names=("token", "dim"),
    )


def shard_length(array) -> int:
    """Rows per stored object of ``array`` (its shard, or its chunk when unsharded)."""
    shards = array.shards
    return int((shards or array.chunks)[0])
