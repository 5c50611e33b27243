"""provenance: training-time data provenance for LLM fine-tuning."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store (zarr, pandas) loads on first use: `import provenance` stays light
    from provenance.store.reader import StoreReader

__version__ = "0.1.0"


def open_store(url: str, run: str | None = None, storage_options: dict | None = None, *,
               verify: bool = False) -> StoreReader:
    """Open a store for reading: `provenance.store.open_store` (arguments, returns and errors documented there).

    Defined here rather than imported so that `import provenance` does not load zarr and pandas.
    """
    from provenance.store import open_store as _open

    return _open(url, run=run, storage_options=storage_options, verify=verify)


__all__ = ["__version__", "open_store"]
