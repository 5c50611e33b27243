"""Per-sample hidden states and representation gradients from an ordinary batched training step.

Hooks on the chosen decoder blocks keep, per sample, the hidden state at the last prompt position (`h_last`) and
its mean over the positions that predict response tokens (`h_mean`); tensor hooks on the same outputs keep the
gradient of the batch loss at those places (`g_last`, `g_mean`).

The batch gradient at sample i is c_i times the gradient of the sample's summed token cross-entropy, with c_i an
unknown positive factor (tokens in the batch, gradient accumulation, AMP loss scale, per-sample weighting). A tensor
hook on the logits recovers it: for cross-entropy dL/dz_y = c_i (p_y - 1), so a least-squares fit over a few
response positions, with p_y from a softmax at just those positions, gives c_i. The stored gradients are then
exactly the gradients of the sample's own mean response cross-entropy, whatever the training loop did to the loss.
The same identity gives every response token's p_y, hence the per-sample loss, without a second softmax.

Models whose forward returns per-token log-probabilities instead of logits (TRL's fused LM head: `log_probs`, with
the logits never built) are read the same way one step later: dL/d(log p_y) = -c_i at every response token, and the
loss is the mean of -log p_y.

Losses that are not a per-token cross-entropy (DPO: the row's weight is the pair's sigmoid factor) use the "constant"
scale instead: the caller knows the batch factor c (1 / pairs in the batch / gradient accumulation x AMP scale) and
passes `begin(scale=c)`; stored gradients are the captured ones divided by c, i.e. the gradients of the row's own loss
term (for DPO, of its pair's loss).

Per-token states (opt-in, `token_layers`): the hidden state at every real token of each sample (prompt and response,
aligned with its stored token ids), for methods that match a behaviour carried by a few tokens. They cost one row of
d values per token, so they are captured only at the layers asked for.

Reference activations (DPO's M0): with `reference="self"` the model's own forwards *without* grad between `begin` and
`end` (TRL's PEFT reference forward with adapters disabled) give `h_mean_ref`; with `reference=<module>` hooks on that
reference model's layers give it. Forwards without grad inside a training forward (reentrant gradient checkpointing)
are never taken for the reference: only a whole model call made without grad is.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from provenance.errors import CaptureConfigError, CaptureInputError
from provenance.capture.model_layout import ModelLayout, find_layout
from provenance.capture.positions import BatchPositions, response_positions
from provenance.store.rows import CaptureRows

log = logging.getLogger(__name__)

SIGNATURES = ("h_last", "g_last", "h_mean", "g_mean")
# Mean response activations of the reference model (DPO's M0), captured when the engine has a reference.
REFERENCE_SIGNATURES = ("h_mean_ref",)
# Below this sum of (1 - p_y)^2 a sample's own scale fit is ill-posed (it predicts its response almost surely);
# the batch-pooled fit is used instead, which is exact whenever the loss weights tokens uniformly.
_MIN_SCALE_DENOMINATOR = 1e-10


@dataclass
class _BatchState:
    pos: BatchPositions
    sample_ids: list
    sources: list
    epoch: int
    step: int
    token_ids: list
    prompt_len: np.ndarray
    columns: dict
    scale: float | None = None                   # known batch factor c ("constant" mode) or None (cross-entropy)
    hidden: dict = field(default_factory=dict)   # layer -> {"h_last", "h_mean"}
    ref_hidden: dict = field(default_factory=dict)  # layer -> {"h_mean_ref"}
    in_no_grad_call: bool = False                # inside a whole model call made without grad (a reference forward)
    grads: dict = field(default_factory=dict)    # layer -> {"g_last", "g_sum"}
    token_mask: torch.Tensor | None = None       # [nv, T] bool on the model's device: the kept rows' real tokens
    token_row: torch.Tensor | None = None        # [T_real] which kept row each real token belongs to (model's device)
    token_states: dict = field(default_factory=dict)  # layer -> [T_real, d] hidden states at every real token
    probe_p: torch.Tensor | None = None          # p_y at the probe positions
    softcap_slope: torch.Tensor | None = None    # d(softcapped z)/dz at every flat target, when the model softcaps
    target_grad: torch.Tensor | None = None      # dL_batch/dz_y at every flat (row, position)
    target_logp: torch.Tensor | None = None      # log p_y at every flat target (fused-head outputs)
    logp_grad: torch.Tensor | None = None        # dL_batch/d(log p_y) at every flat target (fused-head outputs)
    logp_offset: int = 0                         # leading virtual-token columns of the log_probs tensor


@dataclass
class HostTransfers:
    """What the engine has brought from the model's device to the host, summed over micro-batches.

    `async_bytes`: the rows handed to the writer (signatures, losses, token states), copied without blocking on a GPU
    (the writer waits on the rows' CUDA event). `blocking_bytes` / `blocking_copies`: the small reads that wait for
    the device (the batch's ids, mask and labels in `begin`, the kept-row indices, the finite-row mask in `end`).
    Counted the same on every device, so the figures are known from a CPU run too: on the CPU none is a copy.
    """

    async_bytes: int = 0
    blocking_bytes: int = 0
    blocking_copies: int = 0
    batches: int = 0

    def add(self, t: torch.Tensor, *, blocking: bool) -> None:
        size = t.numel() * t.element_size()
        if blocking:
            self.blocking_bytes += size
            self.blocking_copies += 1
        else:
            self.async_bytes += size


class CaptureEngine:
    """Attach to a causal LM, then wrap each training micro-batch in `begin(...)` / `end()`.

    Only forwards between `begin` and `end` that build a graph are captured, each layer once per micro-batch: forwards
    without grad (validation, generation) are ignored, and a gradient-checkpointing recompute of a block does not
    capture it twice.
    """

    def __init__(self, model: nn.Module, layers: Sequence[int], signatures: Sequence[str] = SIGNATURES,
                 probes_per_sample: int = 8, *, reference: str | nn.Module | None = None,
                 token_layers: Sequence[int] = ()):
        self.model = model
        self.layout: ModelLayout = find_layout(model)
        self.layers = sorted(set(int(l) for l in layers))
        self.layout.check_layers(self.layers)
        self.token_layers = sorted(set(int(l) for l in token_layers))
        self.layout.check_layers(self.token_layers)
        unknown = set(signatures) - set(SIGNATURES)
        if unknown:
            raise CaptureInputError(f"unknown signature(s) {sorted(unknown)}; choose from {list(SIGNATURES)}")
        self.signatures = tuple(s for s in SIGNATURES if s in signatures)
        if reference is not None and not (reference == "self" or isinstance(reference, nn.Module)):
            raise CaptureConfigError(f"reference must be None, 'self' or the reference model, got {reference!r}")
        self.reference = reference
        self.reference_layout: ModelLayout | None = None
        if isinstance(reference, nn.Module):
            self.reference_layout = find_layout(reference)
            self.reference_layout.check_layers(self.layers)
        self.probes_per_sample = probes_per_sample
        self.softcap = getattr(self.layout.config, "final_logit_softcapping", None)
        self._handles: list = []
        self._state: _BatchState | None = None
        self.host_transfers = HostTransfers()

    # ---- lifecycle -------------------------------------------------------------------------------------------
    def attach(self) -> CaptureEngine:
        if not self._handles:
            for layer in sorted(set(self.layers) | set(self.token_layers)):
                module = self.layout.module_for_layer(layer)
                self._handles.append(module.register_forward_hook(partial(self._on_hidden, layer)))
            self._handles.append(self.layout.lm_head.register_forward_hook(self._on_logits))
            self._handles.append(self.model.register_forward_pre_hook(self._on_model_call))
            self._handles.append(self.model.register_forward_hook(self._on_model_output))
            if self.reference_layout is not None:
                for layer in self.layers:
                    module = self.reference_layout.module_for_layer(layer)
                    self._handles.append(module.register_forward_hook(partial(self._on_reference_hidden, layer)))
        return self

    @property
    def stored_signatures(self) -> tuple[str, ...]:
        """Names of the per-layer arrays each row gets."""
        return self.signatures + (REFERENCE_SIGNATURES if self.reference is not None else ())

    def abort(self) -> None:
        """Forget the declared micro-batch without producing rows (its step failed)."""
        self._state = None

    def detach(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._state = None

    def begin(self, *, labels: torch.Tensor, input_ids: torch.Tensor, sample_ids: Sequence,
              attention_mask: torch.Tensor | None = None, sources: Sequence[str] | None = None,
              epoch: int = 0, step: int = 0, columns: dict | None = None, scale: float | None = None) -> None:
        """Declare the micro-batch whose forward and backward come next.

        `scale=None`: the loss is a token cross-entropy with any per-sample positive factor, recovered from the
        gradient itself. `scale=c`: the batch loss is c times the sum of per-row (per-pair) loss terms; the stored
        gradients are those of each row's own term.
        """
        if scale is not None:
            scale = float(scale)
            if not (scale > 0 and np.isfinite(scale)):
                raise CaptureInputError(f"scale must be a positive finite number, got {scale}")
        if labels is None:
            raise CaptureInputError("capture needs `labels` (-100 on prompt and padding) to find response tokens")
        if labels.dim() != 2 or tuple(labels.shape) != tuple(input_ids.shape):
            raise CaptureInputError(f"labels {tuple(labels.shape)} and input_ids {tuple(input_ids.shape)} must both be [batch, seq]")
        batch = labels.shape[0]
        sample_ids = _as_list(sample_ids)
        if len(sample_ids) != batch:
            raise CaptureInputError(f"got {len(sample_ids)} sample ids for a batch of {batch} rows")
        sources = ["default"] * batch if sources is None else [str(s) for s in _as_list(sources)]
        if len(sources) != batch:
            raise CaptureInputError(f"got {len(sources)} sources for a batch of {batch} rows")
        pos = response_positions(labels, labels.device, self.probes_per_sample)
        ids = input_ids.detach().to("cpu")
        mask = torch.ones_like(ids, dtype=torch.bool) if attention_mask is None else attention_mask.detach().to("cpu").bool()
        rows = pos.rows.to("cpu")
        transfers = self.host_transfers
        transfers.batches += 1
        # labels: read on the host by response_positions; rows and last_prompt: read back below.
        for t in (labels, input_ids, attention_mask, pos.rows, pos.last_prompt):
            if t is not None:
                transfers.add(t, blocking=True)
        first_real = mask.int().argmax(1)
        token_ids = [ids[r][mask[r]].numpy().astype(np.int32) for r in rows.tolist()]
        token_mask = token_row = None
        if self.token_layers:
            kept = mask[rows]
            token_mask = kept.to(labels.device, non_blocking=True)
            token_row = torch.repeat_interleave(torch.arange(len(rows)), kept.sum(1)).to(labels.device, non_blocking=True)
        prompt_len = (pos.last_prompt.to("cpu") - first_real[rows] + 1).numpy().astype(np.int32)
        self._state = _BatchState(
            pos=pos, sample_ids=[sample_ids[r] for r in rows.tolist()], sources=[sources[r] for r in rows.tolist()],
            epoch=int(epoch), step=int(step), token_ids=token_ids, prompt_len=prompt_len,
            columns={k: [_as_list(v)[r] for r in rows.tolist()] for k, v in (columns or {}).items()}, scale=scale,
            token_mask=token_mask, token_row=token_row,
        )

    def end(self) -> CaptureRows | None:
        """Per-sample rows of the declared micro-batch (None when no `begin`). Call after its backward."""
        st, self._state = self._state, None
        if st is None:
            return None
        pos = st.pos
        skipped = {}
        if pos.batch_size - len(pos.rows):
            skipped["no_response_tokens"] = pos.batch_size - len(pos.rows)
        n_valid = len(pos.rows)
        has_scale = st.scale is not None or st.target_grad is not None or st.logp_grad is not None
        complete = (len(st.hidden) == len(self.layers) and len(st.grads) == len(self.layers) and has_scale
                    and len(st.token_states) == len(self.token_layers))
        if n_valid and not complete:
            # A forward without backward (or a loss that never reached these layers): nothing exact to store.
            skipped["no_backward"] = skipped.get("no_backward", 0) + n_valid
            log.warning("capture: %d samples had no backward through the captured layers; skipped", n_valid)
            n_valid = 0
        if n_valid and self.reference is not None and len(st.ref_hidden) != len(self.layers):
            skipped["no_reference_forward"] = skipped.get("no_reference_forward", 0) + n_valid
            log.warning("capture: %d samples had no reference-model forward; skipped", n_valid)
            n_valid = 0
        if n_valid == 0:
            return _empty_rows(st, skipped)

        factor, loss = self._row_factor_and_loss(st)
        out: dict[int, dict[str, torch.Tensor]] = {}
        # In "constant" mode the gradients do not depend on the loss column, which may be unknown (NaN).
        finite = torch.isfinite(factor) & (torch.isfinite(loss) | (st.scale is not None))
        for layer in self.layers:
            h, g = st.hidden[layer], st.grads[layer]
            full = {
                "h_last": h["h_last"], "h_mean": h["h_mean"],
                "g_last": g["g_last"] * factor[:, None],
                "g_mean": g["g_sum"] * (factor / pos.n_response)[:, None],
            }
            out[layer] = {name: full[name] for name in self.signatures}
            if self.reference is not None:
                out[layer].update(st.ref_hidden[layer])
            for t in out[layer].values():
                finite &= torch.isfinite(t).all(1)
        for t in st.token_states.values():   # on the device: the one host sync stays `keep` below
            bad_tokens = (~torch.isfinite(t).all(1)).long()
            finite &= torch.zeros(n_valid, dtype=torch.long, device=t.device).index_add_(0, st.token_row, bad_tokens) == 0
        keep = finite.to("cpu")
        self.host_transfers.add(finite, blocking=True)
        n_bad = int((~keep).sum())
        if n_bad:
            skipped["nonfinite"] = n_bad
            log.warning("capture: %d samples with non-finite loss scale or signatures (AMP overflow?); skipped", n_bad)
        idx = torch.nonzero(keep).flatten()
        idx_dev = idx.to(loss.device)
        sigs = {l: {k: self._rows_to_host(v.index_select(0, idx_dev)) for k, v in d.items()} for l, d in out.items()}
        loss_host = self._rows_to_host(loss.index_select(0, idx_dev))
        sel = idx.tolist()
        token_states = {}
        if st.token_states:
            at = finite[st.token_row]
            token_states = {l: self._rows_to_host(t[at]) for l, t in st.token_states.items()}
        # Recorded after the last copy is queued: the writer reads the rows once this event has passed.
        ready = _copies_done_event(loss.device)
        return CaptureRows(
            sample_id=[st.sample_ids[i] for i in sel], source=[st.sources[i] for i in sel],
            epoch=st.epoch, step=st.step, loss=loss_host, prompt_len=st.prompt_len[sel],
            token_ids=[st.token_ids[i] for i in sel], signatures=sigs,
            columns={k: [v[i] for i in sel] for k, v in st.columns.items()}, skipped=skipped, ready=ready,
            token_states=token_states,
        )

    def _rows_to_host(self, t: torch.Tensor) -> torch.Tensor:
        self.host_transfers.add(t, blocking=False)
        return _to_host(t)

    # ---- hooks ---------------------------------------------------------------------------------------------
    def _on_model_call(self, module, args):
        st = self._state
        if st is not None:
            # A whole model call without grad between begin and end is the reference forward; block forwards
            # without grad inside a call with grad (reentrant checkpointing around module calls) never are.
            st.in_no_grad_call = not torch.is_grad_enabled()

    def _on_model_output(self, module, args, output):
        st = self._state
        if st is None:
            return
        st.in_no_grad_call = False
        if not torch.is_grad_enabled() or st.target_logp is not None:
            return
        logp = getattr(output, "log_probs", None)
        if not isinstance(logp, torch.Tensor) or not logp.requires_grad:
            return
        pos = st.pos
        if logp.dim() != 2 or logp.shape[0] != pos.batch_size or logp.shape[1] < pos.seq_len - 1:
            raise CaptureInputError(
                f"per-token log_probs have shape {tuple(logp.shape)} but the batch labels are "
                f"[{pos.batch_size}, {pos.seq_len}]"
            )
        offset = logp.shape[1] - (pos.seq_len - 1)  # prompt-learning PEFT prepends virtual tokens
        with torch.no_grad():
            st.logp_offset = offset
            st.target_logp = logp.detach()[pos.flat_batch_row, pos.flat_pos + offset].float()
        logp.register_hook(partial(self._on_logp_grad, st))

    def _on_logp_grad(self, st: _BatchState, grad: torch.Tensor):
        pos = st.pos
        with torch.no_grad():
            g = grad.detach()[pos.flat_batch_row, pos.flat_pos + st.logp_offset].float()
            st.logp_grad = g if st.logp_grad is None else st.logp_grad + g

    def _on_reference_hidden(self, layer: int, module, args, output):
        st = self._state
        if st is not None and layer not in st.ref_hidden:
            self._record_reference(st, layer, output)

    def _record_reference(self, st: _BatchState, layer: int, output) -> None:
        hidden = output[0] if isinstance(output, (tuple, list)) else output
        pos = st.pos
        if not isinstance(hidden, torch.Tensor) or hidden.dim() != 3 or hidden.shape[:2] != (pos.batch_size, pos.seq_len):
            return  # not this batch's reference forward
        with torch.no_grad():
            x = hidden.detach()  # read in place, like h_mean
            rows = x.index_select(0, pos.rows) if pos.partial else x
            mean = torch.bmm(pos.response_mask[:, None, :].to(x.dtype), rows)[:, 0].float() / pos.n_response[:, None]
            st.ref_hidden[layer] = {"h_mean_ref": mean}

    def _on_hidden(self, layer: int, module, args, output):
        st = self._state
        if st is None:
            return
        if not torch.is_grad_enabled():
            # Only signature layers get `h_mean_ref`; a layer hooked for token states alone has no reference
            # (counting it would make `end` see a reference at the wrong layers and skip every row).
            if (self.reference == "self" and st.in_no_grad_call and layer in self.layers
                    and layer not in st.ref_hidden):
                self._record_reference(st, layer, output)
            return
        wants_signatures = layer in self.layers and layer not in st.hidden
        wants_tokens = layer in self.token_layers and layer not in st.token_states
        if not (wants_signatures or wants_tokens):
            return
        hidden = output[0] if isinstance(output, (tuple, list)) else output
        if not isinstance(hidden, torch.Tensor) or not (hidden.requires_grad or wants_tokens):
            return
        pos = st.pos
        if hidden.dim() != 3 or hidden.shape[:2] != (pos.batch_size, pos.seq_len):
            raise CaptureInputError(
                f"layer {layer} output has shape {tuple(hidden.shape)} but the batch labels are "
                f"[{pos.batch_size}, {pos.seq_len}]: capture needs one row per sample (no packing)"
            )
        if wants_tokens:
            # States need no gradient: a layer below every trainable parameter (LoRA on top layers only) has them too.
            with torch.no_grad():
                x = hidden.detach()
                # Boolean indexing copies only the real tokens, row by row: the order of the stored token ids.
                st.token_states[layer] = (x.index_select(0, pos.rows) if pos.partial else x)[st.token_mask]
        if not (wants_signatures and hidden.requires_grad):
            return
        with torch.no_grad():
            x = hidden.detach()
            # Gather and a masked matmul read the activations in place: no copy of the [B, T, d] tensor.
            st.hidden[layer] = {
                "h_last": x[pos.rows, pos.last_prompt].float(),
                "h_mean": torch.bmm(pos.response_mask[:, None, :].to(x.dtype), x.index_select(0, pos.rows) if pos.partial else x)[:, 0].float()
                / pos.n_response[:, None],
            }
        hidden.register_hook(partial(self._on_hidden_grad, st, layer))

    def _on_hidden_grad(self, st: _BatchState, layer: int, grad: torch.Tensor):
        pos = st.pos
        with torch.no_grad():
            g = grad.detach()
            new = {
                "g_last": g[pos.rows, pos.last_prompt].float(),
                "g_sum": torch.bmm(pos.response_mask[:, None, :].to(g.dtype), g.index_select(0, pos.rows) if pos.partial else g)[:, 0].float(),
            }
            old = st.grads.get(layer)
            # A second backward through the same graph (retain_graph) adds to the same loss gradient.
            st.grads[layer] = new if old is None else {k: old[k] + new[k] for k in new}

    def _on_logits(self, module, args, logits):
        st = self._state
        if st is None or not torch.is_grad_enabled() or st.probe_p is not None:
            return
        if not isinstance(logits, torch.Tensor) or not logits.requires_grad:
            return
        pos = st.pos
        if logits.shape[:2] != (pos.batch_size, pos.seq_len):
            raise CaptureInputError(
                f"logits have shape {tuple(logits.shape)} but the batch labels are [{pos.batch_size}, {pos.seq_len}]"
            )
        with torch.no_grad():
            probe = pos.probe_index
            z = logits.detach()[pos.flat_batch_row[probe], pos.flat_pos[probe]].float()
            if self.softcap:
                z = torch.tanh(z / self.softcap) * self.softcap
                z_target = logits.detach()[pos.flat_batch_row, pos.flat_pos, pos.flat_target].float()
                st.softcap_slope = 1 - torch.tanh(z_target / self.softcap) ** 2
            logp = torch.log_softmax(z, dim=-1)
            st.probe_p = logp.gather(1, pos.flat_target[probe][:, None])[:, 0].exp()
        logits.register_hook(partial(self._on_logits_grad, st))

    def _on_logits_grad(self, st: _BatchState, grad: torch.Tensor):
        pos = st.pos
        with torch.no_grad():
            g = grad.detach()[pos.flat_batch_row, pos.flat_pos, pos.flat_target].float()
            if st.softcap_slope is not None:
                g = g / st.softcap_slope
            st.target_grad = g if st.target_grad is None else st.target_grad + g

    # ---- per-sample scale ------------------------------------------------------------------------------------
    def _row_factor_and_loss(self, st: _BatchState) -> tuple[torch.Tensor, torch.Tensor]:
        """(factor turning the captured gradient into the row's own, the row's mean response cross-entropy)."""
        pos = st.pos
        n_valid = len(pos.rows)
        device = pos.n_response.device
        loss = None
        if st.target_logp is not None:
            loss = -torch.zeros(n_valid, device=device).index_add_(0, pos.flat_sample, st.target_logp) / pos.n_response
        if st.scale is not None:
            if loss is None:
                loss = (self._fit_scale_and_loss(st, pooled_fallback=False)[1] if st.target_grad is not None
                        else torch.full((n_valid,), float("nan"), device=device))
            return torch.full((n_valid,), 1.0 / st.scale, device=device), loss
        if st.logp_grad is not None:
            # dL/d(log p_y) = -c_i at every response token of sample i.
            scale = -torch.zeros(n_valid, device=device).index_add_(0, pos.flat_sample, st.logp_grad) / pos.n_response
        else:
            scale, fitted = self._fit_scale_and_loss(st, pooled_fallback=True)
            loss = fitted if loss is None else loss
        return 1.0 / (scale * pos.n_response), loss  # batch gradient -> gradient of the sample's own mean CE

    def _fit_scale_and_loss(self, st: _BatchState, pooled_fallback: bool) -> tuple[torch.Tensor, torch.Tensor]:
        pos = st.pos
        n_valid = len(pos.rows)
        probe = pos.probe_index
        a = st.probe_p - 1.0
        gy = st.target_grad[probe]
        owner = pos.flat_sample[probe]
        num = torch.zeros(n_valid, device=a.device).index_add_(0, owner, gy * a)
        den = torch.zeros(n_valid, device=a.device).index_add_(0, owner, a * a)
        fallback = num.sum() / den.sum().clamp_min(1e-30) if pooled_fallback else torch.tensor(float("nan"), device=a.device)
        scale = torch.where(den > _MIN_SCALE_DENOMINATOR, num / den.clamp_min(1e-30), fallback)
        # p_y = 1 + (dL/dz_y) / c at every response token; its -log is the token's cross-entropy.
        p = (1.0 + st.target_grad / scale[pos.flat_sample]).clamp(1e-30, 1.0)
        token_ce = -torch.log(p)
        loss = torch.zeros(n_valid, device=a.device).index_add_(0, pos.flat_sample, token_ce) / pos.n_response
        return scale, loss


def _as_list(values) -> list:
    if isinstance(values, torch.Tensor):
        return values.tolist()
    if isinstance(values, np.ndarray):
        return values.tolist()
    return list(values)


def _to_host(t: torch.Tensor) -> torch.Tensor:
    # Asynchronous on GPU (the writer thread waits on the CUDA event before reading); a no-op on CPU.
    if t.is_cuda:
        return t.to("cpu", non_blocking=True)
    return t


def _copies_done_event(device: torch.device):
    """A CUDA event recorded on `device`'s current stream (the one the host copies were queued on); None elsewhere."""
    if device.type != "cuda":
        return None
    event = torch.cuda.Event()
    # The device's own stream, not the current device's: a model on cuda:1 while cuda:0 is current.
    event.record(torch.cuda.current_stream(device))
    return event


def _empty_rows(st: _BatchState, skipped: dict) -> CaptureRows:
    return CaptureRows(
        sample_id=[], source=[], epoch=st.epoch, step=st.step, loss=np.zeros(0, np.float32),
        prompt_len=np.zeros(0, np.int32), token_ids=[], signatures={}, columns={}, skipped=skipped,
    )
