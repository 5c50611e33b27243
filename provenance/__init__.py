"""provenance: training-time data provenance for LLM fine-tuning."""
__version__ = "0.1.0"


def open_store(url: str, run: str | None = None, storage_options: dict | None = None):
    """Open a capture store for reading (see provenance.store.reader.StoreReader)."""
    from provenance.store import open_store as _open

    return _open(url, run=run, storage_options=storage_options)


__all__ = ["__version__", "open_store"]
