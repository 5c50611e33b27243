"""provenance: training-time data provenance for LLM fine-tuning."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store (zarr, pandas) loads on first use: `import provenance` stays light
    from provenance.store.reader import StoreReader

__version__ = "0.1.0"


def open_store(url: str, run: str | None = None, storage_options: dict | None = None, *,
               verify: bool = False) -> StoreReader:
    """Open ``run`` of the store at ``url`` for reading; the same as ``provenance.store.open_store``.

    Args:
        url: path or fsspec URL of the store.
        run: the run to read; None picks the only run of the store (with several runs it raises and lists them).
        storage_options: fsspec options for remote stores.
        verify: scan the run up front (every metadata file parsed, every committed shard present and decoded
            once) instead of only the parts each read touches.

    Returns:
        A snapshot reader of the run's committed rows.

    Raises:
        StoreNotFoundError: no provenance store, or no such run.
        StoreCorruptError: a metadata file cannot be parsed, or (with ``verify``) any committed data is damaged.
    """
    from provenance.store import open_store as _open

    return _open(url, run=run, storage_options=storage_options, verify=verify)


__all__ = ["__version__", "open_store"]
