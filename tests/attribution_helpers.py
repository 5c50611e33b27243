"""Small stores for the attribution tests: synthetic rows (no model) and real tiny-model captures."""
from __future__ import annotations

import numpy as np
import torch

from provenance.capture import model_fingerprint
from provenance.data import SFTDataset
from provenance.store import CaptureRows, StoreWriter

PARTS = ("h_last", "g_last", "h_mean", "g_mean")


def synthetic_rows(ids: np.ndarray, *, epoch: int, layers=(1, 3), d: int = 12, seed: int = 0, ties: bool = True):
    """Rows whose signatures are a function of (sample id, epoch); h ~ 1e3 scale, g ~ 1e-6 like real captures.
    With ``ties`` every 10th sample copies its predecessor's signatures (exact score ties)."""
    out = {}
    for layer in layers:
        out[layer] = {}
        for part in PARTS:
            rng = np.random.default_rng([seed, layer, PARTS.index(part)])
            base = rng.standard_normal((int(ids.max()) + 1, d)).astype(np.float32)
            drift = np.random.default_rng([seed, layer, PARTS.index(part), 99]).standard_normal(base.shape).astype(np.float32)
            x = base + 0.3 * epoch * drift
            if ties:
                x[10::10] = x[9:-1:10][: len(x[10::10])]
            x = x[ids] * (1e3 if part.startswith("h") else 1e-6)
            out[layer][part] = x.astype(np.float32)
    return out


def write_synthetic(path, model, *, n: int = 60, epochs: int = 2, ranks: int = 1, layers=(1, 3), d: int = 12,
                    encoding: str = "float32", projection: dict | None = None):
    """A store of ``n`` samples x ``epochs``, split over ``ranks`` rank groups (sample i -> rank i % ranks)."""
    ids = np.arange(n)
    for rank in range(ranks):
        w = StoreWriter(str(path), "run", rank=rank, world_size=ranks, model=model_fingerprint(model),
                        run_attrs={"layers": list(layers), "hidden_size": d}, encoding=encoding,
                        projection=projection, shard_rows=32, chunk_rows=8, shard_tokens=1024, overwrite=rank == 0)
        mine = ids[ids % ranks == rank]
        for e in range(epochs):
            for start in range(0, len(mine), 16):
                sel = mine[start: start + 16]
                w.put(CaptureRows(
                    sample_id=sel.tolist(), source=[f"src{i % 3}" for i in sel], epoch=e, step=e * 100 + start,
                    loss=np.ones(len(sel), np.float32), prompt_len=np.full(len(sel), 2, np.int32),
                    token_ids=[np.array([2, 10 + i % 50, 20, 3], np.int32) for i in sel],
                    signatures=synthetic_rows(sel, epoch=e, layers=layers, d=d)))
        w.close()


def tiny_records(n: int = 12):
    words = ["apple", "river", "garden", "planet", "window", "silver", "basket", "candle", "forest", "rocket",
             "pencil", "butter", "market", "castle", "button", "monkey"]
    return [{"sample_id": i, "source": f"s{i % 3}", "prompt": f"Tell me about {words[i % len(words)]} {i}.",
             "response": f"The {words[(3 * i + 1) % len(words)]} is number {i * 7}."} for i in range(n)]


def write_captured(path, model, tokenizer, records, layers, *, encoding: str = "float32", projection=None, epoch=0,
                   token_states=None):
    """Store of ``records`` captured by the engine with ``model`` (the same code path as the Attributor);
    ``token_states(feats) -> {layer: [T, d]}`` adds per-token states."""
    from provenance.attribution.case_signatures import run_engine

    ds = SFTDataset(records, tokenizer, max_length=96)
    feats = [ds[i] for i in range(len(ds))]
    for i, f in enumerate(feats):
        f["sample_id"] = i
    rows = run_engine(model, feats, layers, pad_token_id=tokenizer.pad_token_id)
    w = StoreWriter(str(path), "run", model=model_fingerprint(model), run_attrs={"layers": list(layers)},
                    encoding=encoding, projection=projection, overwrite=True)
    w.put(CaptureRows(sample_id=[r["sample_id"] for r in records], source=[r["source"] for r in records], epoch=epoch,
                      step=0, loss=rows["loss"], prompt_len=rows["prompt_len"],
                      token_ids=[np.asarray(f["input_ids"], np.int32) for f in feats],
                      signatures={l: {p: rows[l][p] for p in PARTS} for l in layers},
                      token_states=token_states(feats) if token_states else {}))
    w.close()
    return rows


def token_states_of(model, layer):
    """token_states callback for write_captured: ``model``'s hidden states at every token of each sample."""
    def states(feats):
        out = []
        with torch.no_grad():
            for f in feats:
                ids = torch.as_tensor(np.asarray(f["input_ids"], np.int64))[None]
                out.append(model(input_ids=ids, output_hidden_states=True).hidden_states[layer][0].numpy())
        return {layer: np.concatenate(out).astype(np.float32)}
    return states


def tuned_and_base(path, n: int, layers, token_layer: int | None = None):
    """(Attributor over a store of ``n`` tiny records captured at ``layers`` by a tiny llama, a "base" llama with
    other weights and the same shapes, the records); with ``token_layer`` the store also holds per-token states."""
    from provenance import open_store
    from provenance.attribution import Attributor
    from provenance.models import tiny_causal_lm, tiny_tokenizer

    torch.manual_seed(0)
    tok = tiny_tokenizer()
    model = tiny_causal_lm("llama", seed=0).eval()
    base = tiny_causal_lm("llama", seed=1).eval()   # "before fine-tuning": other weights, same shapes
    records = tiny_records(n)
    states = token_states_of(model, token_layer) if token_layer is not None else None
    write_captured(path, model, tok, records, layers, token_states=states)
    return Attributor(open_store(str(path)), model, tok), base, records


def joint_case_setup(path, layers, token_layer: int):
    """(attributor, base model, three test cases) for the joint-method tests: a 12-record store with per-token states
    at ``token_layer``; two cases are training records, one is text the store never saw."""
    from provenance.attribution import TestCase

    att, base, records = tuned_and_base(path, 12, layers, token_layer=token_layer)
    cases = [TestCase(records[1]["prompt"], records[1]["response"]),
             TestCase(records[6]["prompt"], records[6]["response"]),
             TestCase("Tell me about rivers.", "The garden is number 3.")]
    return att, base, cases


def dense_scores(scores: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """``[Q, n]`` scores of a (scores, rows) top-k pair that covers every one of ``n`` rows."""
    out = np.full((rows.shape[0], n), np.nan)
    for q in range(rows.shape[0]):
        out[q, rows[q]] = scores[q]
    return out


def check_share_weighted_joint(att, base, cases, *, layer: int, token_layer: int, combine: bool, weighting: str,
                               token_query: str, measure, fusion: str = "ranks"):
    """`JointMethod(weighting=..., fusion=...)` against a hand computation: the signature's and token match's dense
    scores over every row, their rank z-scores (``fusion="ranks"``) or plain z-scores (``"z"``) weighted per query by
    1 - share and share (``measure(att, test, token_layer, base=base)``, averaged over the cases per behaviour), top 5
    rows and scores compared; the shares are in the explanation, and they differ from the equal weighting. Returns
    the method's ranking."""
    from provenance.attribution import SignatureMethod
    from provenance.attribution.joint import JointMethod, standard_z, stouffer_ranks, stouffer_standard_z
    from provenance.attribution.token_match import TokenMatchMethod

    n = len(att.store)
    test = att.signatures(cases, [layer], [token_layer])
    sig = SignatureMethod("h_fused", layer)
    tm = TokenMatchMethod(token_layer, None, sig, "last", base=base, states="store", query=token_query)
    s, t = (sig.top_k_combined(att, test, n), tm.top_k_combined(att, test, n)) if combine else \
        (sig.top_k(att, test, n), tm.top_k(att, test, n))
    share = measure(att, test, token_layer, base=base)
    share = share.mean(keepdims=True) if combine else share
    ds, dt = dense_scores(*s, n), dense_scores(*t, n)
    if fusion == "z":   # by hand: (1 - share) z_s + share z_t over sqrt((1 - share)^2 + share^2)
        w = share[:, None]
        want = ((1 - w) * standard_z(ds) + w * standard_z(dt)) / np.sqrt((1 - w) ** 2 + w ** 2)
        equal = stouffer_standard_z(ds, dt)
    else:
        want = stouffer_ranks(ds, dt, weights=np.stack([1 - share, share], 1))
        equal = stouffer_ranks(ds, dt)
    method = JointMethod("h_fused", layer, token_layer, base=base, token_query=token_query, weighting=weighting,
                         fusion=fusion)
    got = (method.rank_behaviour if combine else method.rank)(att, test, 5)
    for q in range(got.rows.shape[0]):
        np.testing.assert_array_equal(got.rows[q], np.argsort(-want[q], kind="stable")[:5])
        np.testing.assert_allclose(got.scores[q], np.sort(want[q])[::-1][:5], rtol=1e-5)
    np.testing.assert_allclose(got.explanation["token_share"], share, atol=1e-4)
    assert not np.allclose(want, equal)
    return got
