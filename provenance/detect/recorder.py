"""Per-sample SplineLLM features of the training forward itself (no extra pass), written as a Zarr table.

A training-framework adapter (callbacks/spline.py for Lightning) drives it:

    rec = SplineRecorder("runs/spline.zarr"); rec.setup(model, rank=0)
    rec.start_batch(batch, epoch=e, step=s); <training forward + backward>; rec.finish_batch()
    rec.flush()   # at epoch ends; rec.close() at the end of training

Prompt tokens of a row are its real (attention-mask) positions before the first response token (first label that is
not -100); they give the same 7 features per layer as `spline_features` on the prompt alone (with dropout off).
A row without any prompt token is skipped and counted (`no_prompt_tokens`), as is a batch whose forward never ran
the gate projections (`no_forward`).

Table (Zarr v3 group): ``rank-<r>/`` holding ``sample_id`` [N], ``source`` [N], ``epoch`` [N] int32, ``step`` [N]
int64 and ``features`` [N, layers * 7] float64; attributes ``feature_names`` and ``skipped``. Read it with
`read_spline_table`.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from provenance.data import IGNORE_INDEX
from provenance.detect.features import feature_names, pool_statistics
from provenance.detect.gates import GateProbe
from provenance.errors import CaptureInputError, DetectorError, StoreExistsError, StoreNotFoundError

log = logging.getLogger(__name__)


def prompt_mask(labels: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """[B, T] bool: real positions before each row's first response token (all real positions if it has none)."""
    T = labels.shape[1]
    is_resp = labels != IGNORE_INDEX
    first = torch.where(is_resp.any(1), is_resp.int().argmax(1), torch.full_like(is_resp[:, 0], T, dtype=torch.long))
    return attention_mask.bool() & (torch.arange(T, device=labels.device)[None, :] < first[:, None])


class SplineRecorder:
    def __init__(self, path: str | Path, *, overwrite: bool = False):
        self.path = str(path)
        self.overwrite = overwrite
        self.probe: GateProbe | None = None
        self.rank = 0
        self.skipped: dict[str, int] = {}
        self._rows: dict[str, list] = {"sample_id": [], "source": [], "epoch": [], "step": [], "features": []}
        self._batch: dict | None = None

    def setup(self, model, *, rank: int = 0) -> None:
        import zarr

        self.rank = rank
        group = f"{self.path}/rank-{rank}"
        if Path(group).exists() and not self.overwrite:
            raise StoreExistsError(f"{group} already holds a SplineLLM feature table; pass overwrite=True to replace it")
        self.probe = GateProbe(model).attach()
        self._names = feature_names(self.probe.num_layers)
        zarr.open_group(self.path, mode="a")  # fail at setup, not after the first epoch, if the path is unwritable

    def start_batch(self, batch: dict, *, epoch: int, step: int) -> None:
        if self.probe is None:
            raise DetectorError("SplineRecorder.setup(model) was not called")
        missing = [k for k in ("labels", "attention_mask", "sample_id") if k not in batch]
        if missing:
            raise CaptureInputError(f"training batch lacks {missing}: the SplineLLM recorder needs labels (-100 on the "
                                    "prompt), attention_mask and sample_id per row")
        ids = batch["sample_id"]
        ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
        sources = [str(s) for s in batch.get("source", ["default"] * len(ids))]
        self._batch = {"ids": ids, "sources": sources, "epoch": int(epoch), "step": int(step),
                       "mask": prompt_mask(batch["labels"].detach(), batch["attention_mask"].detach()).cpu()}
        self.probe.begin()

    def finish_batch(self) -> None:
        b, self._batch = self._batch, None
        if b is None:
            return
        try:
            signs, closes = self.probe.collect()
        except DetectorError:
            self._skip("no_forward", len(b["ids"]))
            return
        mask = b["mask"]
        has = mask.any(1)
        if not bool(has.all()):
            self._skip("no_prompt_tokens", int((~has).sum()))
        keep = torch.nonzero(has).flatten()
        if len(keep) == 0:
            return
        feats = np.concatenate([pool_statistics(s[keep], c[keep], mask[keep]) for s, c in zip(signs, closes)], axis=1)
        for j, r in enumerate(keep.tolist()):
            self._rows["sample_id"].append(b["ids"][r])
            self._rows["source"].append(b["sources"][r])
            self._rows["epoch"].append(b["epoch"])
            self._rows["step"].append(b["step"])
            self._rows["features"].append(feats[j])

    def _skip(self, reason: str, n: int) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n
        log.warning("SplineLLM recorder skipped %d row(s): %s", n, reason)

    def flush(self) -> None:
        """Write every row recorded so far (the rank's table is rewritten whole: it is small)."""
        import zarr

        if self.probe is None:
            return
        n = len(self._rows["sample_id"])
        group = zarr.open_group(self.path, mode="a").require_group(f"rank-{self.rank}")
        ids = self._rows["sample_id"]
        id_arr = np.asarray(ids, np.int64) if all(isinstance(i, (int, np.integer)) for i in ids) else np.asarray(
            [str(i) for i in ids], dtype=str)
        feats = np.asarray(self._rows["features"], np.float64).reshape(n, len(self._names))
        columns = {"sample_id": id_arr, "source": np.asarray(self._rows["source"], dtype=str),
                   "epoch": np.asarray(self._rows["epoch"], np.int32), "step": np.asarray(self._rows["step"], np.int64),
                   "features": feats}
        for name, arr in columns.items():
            if arr.dtype.kind == "U":
                z = group.create_array(name, shape=arr.shape, dtype=str, overwrite=True)
            else:
                z = group.create_array(name, shape=arr.shape, dtype=arr.dtype, overwrite=True)
            if n:
                z[...] = arr
        group.attrs.update({"feature_names": self._names, "skipped": dict(self.skipped), "rows": n})

    def close(self) -> None:
        if self.probe is not None:
            self.flush()
            self.probe.detach()
            self.probe = None


def read_spline_table(path: str | Path) -> pd.DataFrame:
    """All ranks' rows: sample_id, source, epoch, step, rank, then one column per feature (``layer<i>/<stat>``)."""
    import zarr

    try:
        root = zarr.open_group(str(path), mode="r")
    except FileNotFoundError as e:
        raise StoreNotFoundError(f"no SplineLLM feature table at {path}") from e
    ranks = sorted((k for k in root.group_keys() if k.startswith("rank-")), key=lambda k: int(k.split("-")[1]))
    if not ranks:
        raise StoreNotFoundError(f"{path} holds no rank-<r> group of SplineLLM features")
    frames = []
    for key in ranks:
        g = root[key]
        names = list(g.attrs["feature_names"])
        df = pd.DataFrame({"sample_id": g["sample_id"][...], "source": g["source"][...], "epoch": g["epoch"][...],
                           "step": g["step"][...], "rank": int(key.split("-")[1])})
        feats = pd.DataFrame(np.asarray(g["features"][...]).reshape(len(df), len(names)), columns=names)
        frames.append(pd.concat([df, feats], axis=1))
    return pd.concat(frames, ignore_index=True)
