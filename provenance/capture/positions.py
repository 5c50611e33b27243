"""Which positions of a padded batch stand for a sample's prompt end and its response, derived from labels.

HF causal LMs shift labels inside the loss: position t predicts token t+1, so the positions that "predict response
tokens" are those t with labels[t+1] != -100, and the last prompt position p is the first of them.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

IGNORE_INDEX = -100


@dataclass
class BatchPositions:
    """Index tensors on the model's device, restricted to the `rows` that have at least one response token."""

    rows: torch.Tensor          # [nv] batch rows kept
    last_prompt: torch.Tensor   # [nv] position p predicting the first response token
    response_mask: torch.Tensor  # [nv, T] float, 1 at positions predicting a response token
    n_response: torch.Tensor    # [nv] float, number of response tokens
    # Flat list of every (row-in-kept, position, target token) predicting a response token; used for the loss scale.
    flat_sample: torch.Tensor   # [M] index into rows
    flat_batch_row: torch.Tensor  # [M] batch row
    flat_pos: torch.Tensor      # [M]
    flat_target: torch.Tensor   # [M]
    probe_index: torch.Tensor   # [P] indices into the flat list where the softmax is evaluated (a few per sample)
    batch_size: int
    seq_len: int

    @property
    def partial(self) -> bool:
        """Some rows have no response token, so per-row work must select the kept rows first."""
        return len(self.rows) != self.batch_size


def response_positions(labels: torch.Tensor, device: torch.device, probes_per_sample: int = 8) -> BatchPositions:
    """Positions from a [B, T] label tensor (computed on CPU once per batch, then moved to `device`)."""
    labels = labels.detach().to("cpu")
    b, t = labels.shape
    predicts = torch.zeros(b, t, dtype=torch.bool)
    predicts[:, :-1] = labels[:, 1:] != IGNORE_INDEX
    n = predicts.sum(1)
    rows = torch.nonzero(n > 0).flatten()
    mask = predicts[rows]
    last_prompt = mask.int().argmax(1)
    flat_sample, flat_pos = torch.nonzero(mask, as_tuple=True)
    flat_batch_row = rows[flat_sample]
    flat_target = labels[flat_batch_row, flat_pos + 1]
    # A few evenly spaced response positions per sample are enough to recover its loss scale by least squares.
    probe = []
    starts = torch.cumsum(torch.cat([torch.zeros(1, dtype=torch.long), n[rows]]), 0)
    for i in range(len(rows)):
        count = int(n[rows[i]])
        picks = torch.linspace(0, count - 1, min(count, probes_per_sample)).round().long().unique()
        probe.append(starts[i] + picks)
    probe_index = torch.cat(probe) if probe else torch.zeros(0, dtype=torch.long)
    to = lambda x: x.to(device, non_blocking=True)  # noqa: E731
    return BatchPositions(
        rows=to(rows), last_prompt=to(last_prompt), response_mask=to(mask.float()), n_response=to(n[rows].float()),
        flat_sample=to(flat_sample), flat_batch_row=to(flat_batch_row), flat_pos=to(flat_pos),
        flat_target=to(flat_target), probe_index=to(probe_index), batch_size=b, seq_len=t,
    )
