"""The unit of work handed from the capture engine to the store writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class CaptureRows:
    """One batch of captured samples.

    ``epoch`` and ``step`` are broadcast to all rows.  Signatures may be
    torch CPU tensors; the writer thread converts them (after calling
    ``ready.synchronize()`` when ``ready`` is given) so the training thread
    never blocks on a device->host copy.
    """

    sample_id: list  # len n; python ints or strs
    source: list  # list[str], len n
    epoch: int
    step: int
    loss: np.ndarray  # float32 [n]
    prompt_len: np.ndarray  # int32 [n]
    token_ids: list  # n 1-D int arrays, the unpadded tokens of each sample
    signatures: dict  # layer -> name -> [n, d] float32 (np.ndarray or torch.Tensor)
    columns: dict = field(default_factory=dict)  # optional extra 1-D per-row columns
    # optional per-token states: layer -> [T, d], T = the total length of token_ids, rows in order
    token_states: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)  # samples the engine dropped in this batch, by reason
    ready: Any = None  # optional object with .synchronize() (e.g. a CUDA event)

    def __len__(self) -> int:
        return len(self.sample_id)

    def token_positions(self, keep: list[int]) -> np.ndarray:
        """Indices into the concatenated tokens (and token_states) of the rows ``keep``, in that order."""
        lengths = np.array([len(t) for t in self.token_ids], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lengths) else lengths
        parts = [np.arange(starts[i], starts[i] + lengths[i]) for i in keep]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)
