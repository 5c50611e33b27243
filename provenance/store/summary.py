"""What a capture store holds, as plain data: what ``provenance inspect`` prints and ``provenance train`` returns."""
from __future__ import annotations

from provenance.store.reader import list_runs, open_store

__all__ = ["store_summary"]


def store_summary(url: str, run: str | None = None) -> dict:
    """Rows, sources, layers, schema version and committed counts per rank of ``url``'s runs.

    Args:
        url: Store path or fsspec URL.
        run: Only this run (default: every run).

    Returns:
        ``{"store", "schema_version", "model", "runs": {run: {...}}}`` of JSON-serialisable values.
    """
    runs = [run] if run is not None else list_runs(url)
    out = {"store": url, "runs": {}}
    for name in runs:
        reader = open_store(url, run=name)
        df = reader.samples()
        attrs = reader.run_attrs
        out["schema_version"] = reader.schema_version
        out["model"] = reader.model
        out["runs"][name] = {
            "rows": len(reader),
            "committed_per_rank": {str(k): v for k, v in reader.committed.items()},
            "skipped": reader.skipped,
            "sources": {str(k): int(v) for k, v in df.source.value_counts().sort_index().items()},
            "epochs": sorted(int(e) for e in df.epoch.unique()),
            "unique_samples": int(df.sample_id.nunique()),
            "layers": reader.layers,
            "signatures": reader.signature_names,
            "token_state_layers": reader.token_state_layers,
            "hidden_size": attrs.get("hidden_size"),
            "encoding": attrs.get("encoding"),
            "projection": attrs.get("projection"),
            "layer_choice": attrs.get("layer_choice"),
            "layer_convention": attrs.get("layer_convention"),
        }
    return out
