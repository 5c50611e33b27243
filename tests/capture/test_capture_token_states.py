"""Per-token hidden states (`token_layers`): batched capture equals a batch-size-1 forward, token by token, and the
store keeps them aligned with the token ids through shards, flushes and a resume."""
import numpy as np
import pytest
import torch

from capture_reference import collate, random_samples
from provenance.capture import CaptureEngine, resolve_token_layers, find_layout
from provenance.errors import CaptureConfigError, StoreNotFoundError, StoreValueError
from provenance.models import tiny_causal_lm
from provenance.store import CaptureRows, StoreWriter, open_store
from provenance.store.encoding import decode, encode

MODEL = {"name": "tiny", "config_hash": "abc"}


def _capture(model, samples, *, layers, token_layers, micro_batch=5, padding_side="right"):
    engine = CaptureEngine(model, layers, token_layers=token_layers).attach()
    rows = []
    try:
        for k in range(0, len(samples), micro_batch):
            batch = collate(samples[k:k + micro_batch], padding_side=padding_side)
            engine.begin(labels=batch["labels"], input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                         sample_ids=batch["sample_id"], sources=batch["source"], epoch=0, step=k)
            out = model(**{n: batch[n] for n in ("input_ids", "attention_mask", "labels", "position_ids")})
            out.loss.backward()
            rows.append(engine.end())
    finally:
        engine.detach()
    model.zero_grad(set_to_none=True)
    return rows


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_token_states_equal_a_batch_size_one_forward(arch, padding_side):
    torch.manual_seed(0)
    model = tiny_causal_lm(arch, seed=0).train()
    samples = random_samples(11, seed=3, no_response=(4,))
    # Layer 3 holds only token states; layer 2 both (signatures there are unchanged by the extra capture).
    rows = _capture(model, samples, layers=[1, 2], token_layers=[2, 3], padding_side=padding_side)
    got = {}
    for r in rows:
        assert set(r.signatures) == {1, 2} and set(r.token_states) == {2, 3}
        assert sorted(r.signatures[2]) == ["g_last", "g_mean", "h_last", "h_mean"]
        for layer, states in r.token_states.items():
            assert states.shape == (sum(len(t) for t in r.token_ids), model.config.hidden_size)
            at = np.cumsum([0] + [len(t) for t in r.token_ids])
            for j, sid in enumerate(r.sample_id):
                got[(sid, layer)] = states[at[j]: at[j + 1]]
    assert sum(r.skipped.get("no_response_tokens", 0) for r in rows) == 1
    assert {sid for sid, _ in got} == {s["sample_id"] for s in samples} - {104}
    with torch.no_grad():
        for s in samples:
            if s["sample_id"] == 104:
                continue
            hs = model(input_ids=s["input_ids"][None], output_hidden_states=True).hidden_states
            for layer in (2, 3):
                ref = hs[layer][0]
                mine = got[(s["sample_id"], layer)]
                assert mine.shape == ref.shape, (s["sample_id"], layer)
                torch.testing.assert_close(mine.float(), ref.float(), atol=1e-5, rtol=1e-4)


def test_nonfinite_token_state_skips_its_row_only():
    model = tiny_causal_lm("llama", seed=0).train()
    samples = random_samples(4, seed=5)
    lengths = [len(s["input_ids"]) for s in samples]
    batch = collate(samples)
    engine = CaptureEngine(model, [1], token_layers=[2]).attach()
    try:
        engine.begin(labels=batch["labels"], input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                     sample_ids=batch["sample_id"])
        out = model(**{n: batch[n] for n in ("input_ids", "attention_mask", "labels", "position_ids")})
        out.loss.backward()
        # An overflowed state in row 2's last token (as fp16 training can produce): that row alone is dropped.
        engine._state.token_states[2][sum(lengths[:3]) - 1, 0] = float("inf")
        rows = engine.end()
    finally:
        engine.detach()
    assert rows.skipped == {"nonfinite": 1}
    assert rows.sample_id == [100, 101, 103]
    assert [len(t) for t in rows.token_ids] == [lengths[0], lengths[1], lengths[3]]
    assert rows.token_states[2].shape[0] == lengths[0] + lengths[1] + lengths[3]
    assert torch.isfinite(rows.token_states[2]).all()


def test_resolve_token_layers():
    layout = find_layout(tiny_causal_lm("llama", seed=0))  # 4 layers
    assert resolve_token_layers(None, layout) == []
    assert resolve_token_layers("auto", layout) == [3]
    assert resolve_token_layers([3, 1, 3], layout) == [1, 3]
    with pytest.raises(CaptureConfigError):
        resolve_token_layers(["2"], layout)
    with pytest.raises(Exception, match="layer"):
        resolve_token_layers([9], layout)


# ---- store --------------------------------------------------------------------------------------------------------

def _rows(i0: int, n: int, rng: np.random.Generator, d: int = 6) -> CaptureRows:
    ids = [rng.integers(0, 1000, int(rng.integers(3, 40))).astype(np.int32) for _ in range(n)]
    total = sum(len(t) for t in ids)
    # Row i's token t holds (i, t, ...): every value says where it belongs, so misalignment cannot pass.
    states = np.concatenate([np.stack([np.full(d, i0 + j, np.float32) + np.arange(d) / 8 + t * 1000
                                       for t in range(len(t_ids))]) for j, t_ids in enumerate(ids)])
    assert states.shape == (total, d)
    return CaptureRows(
        sample_id=list(range(i0, i0 + n)), source=["s"] * n, epoch=0, step=i0, loss=np.zeros(n, np.float32),
        prompt_len=np.ones(n, np.int32), token_ids=ids,
        signatures={1: {"h_mean": np.full((n, 4), 1.0, np.float32)}}, token_states={5: states},
    )


def _expected(row: int, n_tokens: int, d: int = 6) -> np.ndarray:
    return np.stack([np.full(d, row, np.float32) + np.arange(d) / 8 + t * 1000 for t in range(n_tokens)])


def _writer(url, **kw):
    return StoreWriter(str(url), "run", model=MODEL, run_attrs={}, shard_rows=64, chunk_rows=16, shard_tokens=1024,
                       shard_token_states=kw.pop("shard_token_states", 128), **kw)


def _check(url, n_rows: int, encoding="float16-rowscale"):
    r = open_store(str(url))
    assert len(r) == n_rows
    assert r.token_state_layers == [5] and r.layers == [1] and r.signature_names == ["h_mean"]
    rows = np.arange(n_rows)
    states = r.token_states(5, rows)
    for row, s in zip(rows.tolist(), states):
        n = len(r.tokens(row))
        want = _expected(row, n)
        # The store keeps what its encoding keeps: compare with the encode/decode round trip of the same values.
        payload, scale = encode(want, encoding)
        np.testing.assert_array_equal(s, decode(payload, scale, encoding))
    # Scattered rows (one slice per cluster) give the same arrays as the full scan.
    pick = np.array([n_rows - 1, 0, 7, 8, n_rows // 2])
    for row, s in zip(pick.tolist(), r.token_states(5, pick, gap_tokens=0)):
        np.testing.assert_array_equal(s, states[row])
    return r


@pytest.mark.parametrize("encoding", ["float16-rowscale", "float32"])
def test_token_states_round_trip_across_shards(tmp_path, encoding):
    rng = np.random.default_rng(0)
    with _writer(tmp_path / "s.zarr", encoding=encoding) as w:
        i = 0
        for n in (3, 17, 1, 40, 9):
            w.put(_rows(i, n, rng))
            i += n
            w.flush() if n == 1 else None
    r = _check(tmp_path / "s.zarr", i, encoding)
    assert r.samples()["n_tokens"].sum() > 5 * 128  # several token-state shards were written


def test_resume_truncates_token_states_with_the_rows(tmp_path):
    rng = np.random.default_rng(1)
    url = tmp_path / "s.zarr"
    w = _writer(url)
    w.put(_rows(0, 30, rng))
    assert w.flush() == 30
    w.put(_rows(30, 25, rng))  # never committed by a checkpoint: a resume at 30 drops these
    w.close()
    with _writer(url, resume_committed=30) as w2:
        assert w2.committed == 30
        w2.put(_rows(30, 21, rng))
    _check(url, 51)


def test_token_state_validation(tmp_path):
    rng = np.random.default_rng(2)
    with _writer(tmp_path / "s.zarr") as w:
        rows = _rows(0, 3, rng)
        rows.token_states = {5: rows.token_states[5][:-1]}
        with pytest.raises(StoreValueError, match="one row per token"):
            w.put(rows)
        w.put(_rows(0, 3, rng))
        later = _rows(3, 2, rng)
        later.token_states = {6: later.token_states[5]}
        with pytest.raises(StoreValueError, match="token-state layers"):
            w.put(later)
        bad = _rows(3, 2, rng)
        bad.signatures = {1: {"h_tok": np.zeros((2, 4), np.float32)}}
        with pytest.raises(StoreValueError, match="reserved"):
            w.put(bad)
    with pytest.raises(StoreNotFoundError, match="token_layers"):
        open_store(str(tmp_path / "s.zarr")).token_states(1, [0])
    with pytest.raises(StoreValueError, match="shard_token_states"):
        _writer(tmp_path / "t.zarr", shard_token_states=1500)


def test_dropping_a_half_pair_drops_its_token_states():
    from provenance.session import _complete_pairs

    rng = np.random.default_rng(3)
    rows = _rows(0, 4, rng)
    rows.columns = {"pair_id": [7, 7, 8, 9], "role": ["chosen", "rejected", "chosen", "rejected"]}
    kept = _complete_pairs(rows)
    assert kept.sample_id == [0, 1] and kept.skipped == {"incomplete_pair": 2}
    n0, n1 = len(rows.token_ids[0]), len(rows.token_ids[1])
    np.testing.assert_array_equal(kept.token_states[5], np.concatenate([_expected(0, n0), _expected(1, n1)]))
    np.testing.assert_array_equal(rows.token_positions([2, 0]),
                                  np.r_[np.arange(n0 + n1, n0 + n1 + len(rows.token_ids[2])), np.arange(n0)])


def test_token_layer_below_every_trainable_parameter_is_still_captured():
    from peft import LoraConfig, get_peft_model

    base = tiny_causal_lm("llama", seed=0)
    # LoRA on the last block only: hidden states of layer 1 need no gradient, but they are still this step's states.
    model = get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj", "v_proj"], layers_to_transform=[3])).train()
    samples = random_samples(4, seed=6)
    rows = _capture(model, samples, layers=[4], token_layers=[1], micro_batch=4)[0]
    assert rows.skipped == {} and rows.sample_id == [100, 101, 102, 103]
    at = np.cumsum([0] + [len(t) for t in rows.token_ids])
    with torch.no_grad():
        for j, s in enumerate(samples):
            ref = model(input_ids=s["input_ids"][None], output_hidden_states=True).hidden_states[1][0]
            torch.testing.assert_close(rows.token_states[1][at[j]: at[j + 1]], ref, atol=1e-5, rtol=1e-4)
