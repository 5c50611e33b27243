"""CaptureEngine's host-transfer counters (exact byte counts) and the order of its host copies and CUDA event."""
import torch

from capture_reference import collate, random_samples
from provenance.capture import engine as engine_module
from provenance.capture.engine import CaptureEngine
from provenance.models import tiny_causal_lm

HIDDEN = 32  # tiny_causal_lm's hidden size


def step(engine, model, batch):
    engine.begin(labels=batch["labels"], input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                 sample_ids=batch["sample_id"])
    model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss.backward()
    return engine.end()


def test_host_bytes_are_counted_exactly_per_batch():
    model = tiny_causal_lm("llama", seed=0).train()
    engine = CaptureEngine(model, [1, 2], token_layers=[1]).attach()
    batches = [collate(random_samples(4, seed=11, no_response=(2,))), collate(random_samples(3, seed=12))]
    expected_async = expected_blocking = 0
    for batch in batches:
        rows = step(engine, model, batch)
        b, t = batch["input_ids"].shape
        kept = sum(1 for row in batch["labels"] if (row[1:] != -100).any())
        assert len(rows) == kept
        tokens = sum(len(ids) for ids in rows.token_ids)
        # labels, input_ids, attention_mask (int64 [B, T]); kept rows and last prompt positions (int64 [kept]);
        # the finite-row mask (bool [kept]).
        expected_blocking += 3 * b * t * 8 + 2 * kept * 8 + kept
        # 2 layers x 4 signatures of [kept, 32] float32, the loss [kept] float32, layer 1's states [tokens, 32].
        expected_async += 2 * 4 * kept * HIDDEN * 4 + kept * 4 + tokens * HIDDEN * 4
    engine.detach()
    got = engine.host_transfers
    assert (got.batches, got.blocking_copies) == (2, 12)
    assert (got.blocking_bytes, got.async_bytes) == (expected_blocking, expected_async)


def test_the_ready_event_is_recorded_after_every_host_copy(monkeypatch):
    """The writer reads the rows once `ready` has passed, so every copy (token states too) must be queued before it."""
    log = []

    class Event:
        def synchronize(self):
            pass

    event = Event()

    def to_host(t):
        log.append("copy")
        return t

    def copies_done(device):
        log.append("event")
        return event

    monkeypatch.setattr(engine_module, "_to_host", to_host)
    monkeypatch.setattr(engine_module, "_copies_done_event", copies_done)
    model = tiny_causal_lm("llama", seed=0).train()
    engine = CaptureEngine(model, [1, 2], token_layers=[3]).attach()
    rows = step(engine, model, collate(random_samples(3, seed=13)))
    engine.detach()
    assert rows.ready is event
    # 2 layers x 4 signatures, the loss, then layer 3's token states; the event last.
    assert log == ["copy"] * 10 + ["event"]


def test_no_event_off_cuda():
    assert engine_module._copies_done_event(torch.device("cpu")) is None


def test_dropping_a_half_pair_reads_the_rows_only_after_their_host_copies():
    """DPO rows whose pair partner was skipped are dropped on the host: from tensors a GPU may still be filling."""
    import numpy as np

    from provenance.session import _complete_pairs
    from provenance.store import CaptureRows

    events = []
    sig = torch.arange(12, dtype=torch.float32).reshape(3, 4)

    class Ready:
        def synchronize(self):
            events.append("synchronize")

    class Watched(torch.Tensor):  # records when the selection reads it
        def index_select(self, *args, **kwargs):
            events.append("read")
            return super().index_select(*args, **kwargs)

    rows = CaptureRows(sample_id=[7, 7, 8], source=["s"] * 3, epoch=0, step=0, loss=sig[:, 0].clone(),
                       prompt_len=np.ones(3, np.int32), token_ids=[np.ones(2, np.int32)] * 3,
                       signatures={1: {"g_mean": sig.as_subclass(Watched)}},
                       columns={"pair_id": [7, 7, 8], "role": ["chosen", "rejected", "chosen"]}, ready=Ready())
    kept = _complete_pairs(rows)
    assert events[0] == "synchronize" and events.count("synchronize") == 1 and "read" in events
    assert kept.ready is None and kept.sample_id == [7, 7] and kept.skipped == {"incomplete_pair": 1}
    torch.testing.assert_close(torch.as_tensor(kept.signatures[1]["g_mean"]), sig[:2])
