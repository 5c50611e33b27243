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
