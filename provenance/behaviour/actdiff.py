"""Activation-difference attribution for DPO (METHODS.md section 3, after Xiao & Aranguri).

    from provenance.behaviour import behaviour_vector, rank_pairs, source_summary

    bv = behaviour_vector(model, tokenizer, ["How do I pick a lock?", ...], layers=[22])   # r1, r0 generated
    ranking = rank_pairs("runs/dpo/store.zarr", bv)     # DataFrame: rank, pair_id, score, source, epoch, rows
    source_summary(ranking, top_k=50)                   # per source: pairs, share of the top-k, lift, mean score

Datapoint vector of a preference pair d: v_d = mean response h_l(prompt, chosen; M0) - mean h_l(prompt, rejected; M0),
read from the capture store (`h_mean_ref` rows: TRL's reference forward). Behaviour vector: the mean over a few
examples of mean h_l(prompt, r1; M0) - mean h_l(prompt, r0; M0), r1 = the tuned model's (undesirable) response, r0 =
the reference model's response, both encoded by M0. Score(d) = cos(v_b, v_d): the pairs whose preference pushes the
model the way the behaviour differs from M0 rank first.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from provenance.attribution.cases import greedy_responses
from provenance.attribution.row_scores import best_first, cosine
from provenance.attribution.signatures import default_layer
from provenance.errors import BehaviourInputError

log = logging.getLogger(__name__)

PAIR_COLUMNS = ["pair_id", "source", "epoch", "chosen_row", "rejected_row"]
RANKING_COLUMNS = ["rank", "pair_id", "score", "source", "epoch", "chosen_row", "rejected_row"]


# ---- datapoint vectors from a capture store ------------------------------------------------------------------------

@dataclass
class PairVectors:
    """v_d of every complete pair of a DPO store at one layer; row i of ``vectors`` is pair ``pairs.iloc[i]``."""

    pairs: pd.DataFrame       # pair_id, source, epoch, chosen_row, rejected_row (global store rows)
    vectors: np.ndarray       # [P, d] float32
    layer: int
    m0: str                   # where the M0 activations come from
    skipped: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pairs)


def _open(store, run: str | None = None):
    from provenance.store import StoreReader, open_store

    return store if isinstance(store, StoreReader) else open_store(str(store), run=run)


def pair_rows(samples: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """One row per pair: its first visit (lowest epoch) where both the chosen and the rejected row are stored.

    Returns (pairs [pair_id, source, epoch, chosen_row, rejected_row], skipped {reason: count})."""
    if "pair_id" not in samples.columns or "role" not in samples.columns:
        raise BehaviourInputError("the store has no `pair_id` / `role` columns: it is not a DPO capture "
                                  "(TRL DPOTrainer with ProvenanceTrainerCallback)")
    df = pd.DataFrame({"pair_id": samples["pair_id"].to_numpy(), "role": samples["role"].astype(str).to_numpy(),
                       "source": samples["source"].to_numpy(), "epoch": samples["epoch"].to_numpy(),
                       "row": np.arange(len(samples))})
    bad_role = ~df["role"].isin(["chosen", "rejected"])
    skipped = {}
    if bad_role.any():
        skipped["unknown_role"] = int(bad_role.sum())
        df = df[~bad_role]
    # A visit (pair, epoch) is usable when it holds exactly one chosen and one rejected row.
    wide = df.pivot_table(index=["pair_id", "epoch"], columns="role", values="row", aggfunc=["first", "count"])
    counts = wide["count"].reindex(columns=["chosen", "rejected"]).fillna(0)
    ok = (counts["chosen"] == 1) & (counts["rejected"] == 1)
    if (~ok).any():
        skipped["incomplete_visit"] = int((~ok).sum())
        log.warning("activation difference: %d (pair, epoch) visits lack exactly one chosen and one rejected row; "
                    "skipped", int((~ok).sum()))
    first = wide["first"].reindex(columns=["chosen", "rejected"])[ok].reset_index()
    first = first.sort_values(["epoch"], kind="stable").drop_duplicates("pair_id", keep="first")
    first = first.sort_values("chosen", kind="stable")  # store order of the chosen rows: training order
    chosen = first["chosen"].to_numpy(np.int64)
    pairs = pd.DataFrame({"pair_id": first["pair_id"].to_numpy(), "source": samples["source"].to_numpy()[chosen],
                          "epoch": first["epoch"].to_numpy(), "chosen_row": chosen,
                          "rejected_row": first["rejected"].to_numpy(np.int64)})
    return pairs.reset_index(drop=True), skipped


def m0_signature(store, layer: int) -> tuple[str, str]:
    """(stored array holding M0's mean response activations at ``layer``, description of where M0 comes from)."""
    if layer not in store.layers:
        raise BehaviourInputError(f"layer {layer} not captured; the store has layers {store.layers}")
    names = {n for n in ("h_mean_ref", "h_mean") if stores_signature(store, layer, n)}
    how = store.run_attrs.get("reference_activations")
    if "h_mean_ref" in names:
        return "h_mean_ref", f"h_mean_ref ({how or 'reference forward'})"
    if "h_mean" not in names:
        raise BehaviourInputError(f"layer {layer} stores neither h_mean_ref nor h_mean ({sorted(names)}): "
                                  "capture h_mean to use activation differences")
    if how == "policy_first_visit":
        return "h_mean", "h_mean at each pair's first visit (policy_first_visit: reference log-probs were precomputed)"
    return "h_mean", "h_mean at each pair's first visit (no reference forward recorded: the policy then stands in for M0)"


def stores_signature(store, layer: int, name: str) -> bool:
    from provenance.errors import StoreNotFoundError

    try:
        store._check_signature(layer, name)
        return True
    except StoreNotFoundError:
        return False


def pair_vectors(store, layer: int | None = None, *, run: str | None = None) -> PairVectors:
    """v_d = M0's mean response activation of the chosen minus that of the rejected response, per pair."""
    store = _open(store, run)
    layer = _default_layer(store) if layer is None else int(layer)
    name, m0 = m0_signature(store, layer)
    pairs, skipped = pair_rows(store.samples())
    if pairs.empty:
        raise BehaviourInputError(f"store {store.url} holds no complete preference pair")
    rows = np.concatenate([pairs["chosen_row"].to_numpy(), pairs["rejected_row"].to_numpy()])
    h = store.array(layer, name, rows=rows)
    n = len(pairs)
    return PairVectors(pairs=pairs, vectors=(h[:n] - h[n:]).astype(np.float32), layer=layer, m0=m0, skipped=skipped)


def _default_layer(store) -> int:

    return default_layer(store)


# ---- behaviour vector ------------------------------------------------------------------------------------------

@dataclass
class BehaviourExample:
    """A behaviour example: the prompt, the tuned model's response r1 and the reference model's response r0."""

    prompt: str
    r1: str | None = None
    r0: str | None = None


@dataclass
class BehaviourVector:
    """v_b per layer (the mean over examples of the M0 activation difference r1 - r0) and the per-example differences."""

    vectors: dict[int, np.ndarray]      # layer -> [d]
    diffs: dict[int, np.ndarray]        # layer -> [n_examples, d]
    examples: list[BehaviourExample]
    reference: str                      # which module gave M0's activations

    def vector(self, layer: int | None = None) -> np.ndarray:
        if layer is None:
            if len(self.vectors) != 1:
                raise BehaviourInputError(f"behaviour vector holds layers {sorted(self.vectors)}: pass layer=")
            layer = next(iter(self.vectors))
        if layer not in self.vectors:
            raise BehaviourInputError(f"behaviour vector computed at layers {sorted(self.vectors)}, not {layer}")
        return self.vectors[layer]


def as_examples(examples) -> list[BehaviourExample]:
    out = []
    for e in examples:
        if isinstance(e, BehaviourExample):
            out.append(e)
        elif isinstance(e, str):
            out.append(BehaviourExample(e))
        elif isinstance(e, dict):
            out.append(BehaviourExample(e["prompt"], e.get("r1", e.get("response")), e.get("r0", e.get("reference"))))
        elif isinstance(e, (tuple, list)) and 1 <= len(e) <= 3:
            out.append(BehaviourExample(*e))
        else:
            raise BehaviourInputError(f"a behaviour example is a prompt, (prompt, r1[, r0]), a dict or a "
                                      f"BehaviourExample; got {e!r}")
    if not out:
        raise BehaviourInputError("no behaviour examples given")
    return out


def behaviour_vector(model, tokenizer, examples, layers: Sequence[int], *, ref_model=None, chat: bool = True,
                     max_new_tokens: int = 64, max_length: int | None = None, batch: int = 8) -> BehaviourVector:
    """v_b from a few behaviour examples. Missing r1 are the tuned ``model``'s greedy answers, missing r0 the
    reference model's (``ref_model``, else ``model`` with PEFT adapters disabled); both are encoded by M0."""
    from provenance.behaviour.activations import mean_response_activations, reference_description, reference_model

    exs = as_examples(examples)
    separate_m0 = ref_model is not None or callable(getattr(model, "disable_adapter", None))
    need_r1 = [i for i, e in enumerate(exs) if e.r1 is None]
    need_r0 = [i for i, e in enumerate(exs) if e.r0 is None]
    if (need_r1 or need_r0) and not separate_m0:
        raise BehaviourInputError("responses must be generated but the model has no reference to compare with: pass "
                                  "ref_model, a PEFT model (adapters disabled = M0), or give r1 and r0 per example")
    if need_r1:
        gen = greedy_responses(model, tokenizer, [exs[i].prompt for i in need_r1], chat=chat,
                               max_new_tokens=max_new_tokens)
        for i, g in zip(need_r1, gen):
            exs[i] = BehaviourExample(exs[i].prompt, g, exs[i].r0)
    with reference_model(model, ref_model) as m0:
        if need_r0:
            gen = greedy_responses(m0, tokenizer, [exs[i].prompt for i in need_r0], chat=chat,
                                   max_new_tokens=max_new_tokens)
            for i, g in zip(need_r0, gen):
                exs[i] = BehaviourExample(exs[i].prompt, exs[i].r1, g)
        for i, e in enumerate(exs):
            if not str(e.r1).strip() or not str(e.r0).strip():
                raise BehaviourInputError(f"behaviour example {i} ({e.prompt[:40]!r}) has an empty response "
                                          f"(r1={e.r1!r}, r0={e.r0!r})")
        prompts = [e.prompt for e in exs]
        h1 = mean_response_activations(m0, tokenizer, prompts, [e.r1 for e in exs], layers, chat=chat,
                                       max_length=max_length, batch=batch)
        h0 = mean_response_activations(m0, tokenizer, prompts, [e.r0 for e in exs], layers, chat=chat,
                                       max_length=max_length, batch=batch)
    diffs = {l: h1[l] - h0[l] for l in h1}
    return BehaviourVector(vectors={l: d.mean(0) for l, d in diffs.items()}, diffs=diffs, examples=exs,
                           reference=reference_description(model, ref_model))


# ---- scores and rankings -----------------------------------------------------------------------------------------

def cosine_to(vectors: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """cos between every row of ``vectors`` [P, d] and every row of ``directions`` [B, d] -> [P, B] (0 for a zero
    vector: a pair whose chosen and rejected activations are equal says nothing). The shared scoring core's
    `row_scores.cosine`, uncentered: v_b is a direction, not a point among the pair vectors.

    Raises:
        BehaviourInputError: The shapes are not [P, d] and [d] / [B, d] of one width.
    """
    width, b_width = np.shape(vectors)[-1:], np.shape(directions)[-1:]
    if width and b_width and width != b_width:
        raise BehaviourInputError(f"vectors have width {width[0]} but the direction(s) width {b_width[0]} "
                                  "(another layer or model?)")
    try:
        return cosine(vectors, directions)
    except ValueError as err:
        raise BehaviourInputError(str(err)) from None


def rank_pairs(store, behaviour, *, layer: int | None = None, top_k: int | None = None,
               run: str | None = None) -> pd.DataFrame:
    """Pairs ranked by cos(v_b, v_d), best first: DataFrame [rank, pair_id, score, source, epoch, chosen_row,
    rejected_row] (all pairs, or the ``top_k`` best). ``behaviour``: a BehaviourVector or a raw [d] vector;
    ``store``: a StoreReader, a path, or precomputed PairVectors. Ties keep training order."""
    if isinstance(behaviour, BehaviourVector) and layer is None and len(behaviour.vectors) == 1:
        layer = next(iter(behaviour.vectors))
    pv = store if isinstance(store, PairVectors) else pair_vectors(store, layer, run=run)
    if layer is not None and pv.layer != layer:
        raise BehaviourInputError(f"pair vectors are at layer {pv.layer}, not {layer}")
    v = behaviour.vector(pv.layer) if isinstance(behaviour, BehaviourVector) else np.asarray(behaviour, np.float32)
    if v.ndim != 1:
        raise BehaviourInputError(f"a behaviour vector is 1-D, got shape {v.shape}")
    scores = cosine_to(pv.vectors, v)[:, 0]
    order = best_first(scores)
    if top_k is not None:
        if top_k < 1:
            raise BehaviourInputError(f"top_k must be at least 1, got {top_k}")
        order = order[:top_k]
    out = pv.pairs.iloc[order].reset_index(drop=True)
    out.insert(0, "score", scores[order])
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[RANKING_COLUMNS]


def source_summary(ranking: pd.DataFrame, top_k: int) -> pd.DataFrame:
    """Per source of a full pair ranking: pairs, pairs in the top-k, share of the top-k, lift (share of the top-k
    over share of all pairs) and mean score; most over-represented source first."""
    if top_k < 1:
        raise BehaviourInputError(f"top_k must be at least 1, got {top_k}")
    top = ranking.head(top_k)
    g = ranking.groupby("source")
    out = pd.DataFrame({"pairs": g.size(), "mean_score": g["score"].mean()})
    out["in_top_k"] = top.groupby("source").size().reindex(out.index).fillna(0).astype(int)
    out["share_of_top_k"] = out["in_top_k"] / len(top)
    out["lift"] = out["share_of_top_k"] / (out["pairs"] / len(ranking))
    out = out.reset_index()[["source", "pairs", "in_top_k", "share_of_top_k", "lift", "mean_score"]]
    return out.sort_values(["lift", "mean_score"], ascending=False, ignore_index=True)


def pair_texts(store, tokenizer, ranking: pd.DataFrame, *, snippet_chars: int = 160) -> pd.DataFrame:
    """``ranking`` with the decoded prompt (its end), chosen and rejected responses (their start) of each pair."""
    store = _open(store)
    plen = store.samples()["prompt_len"].to_numpy()
    prompts, chosen, rejected = [], [], []
    for c, r in zip(ranking["chosen_row"], ranking["rejected_row"]):
        tc, tr = store.tokens(int(c)), store.tokens(int(r))
        prompts.append(tokenizer.decode(tc[: plen[c]].tolist(), skip_special_tokens=True)[-snippet_chars:])
        chosen.append(tokenizer.decode(tc[plen[c]:].tolist(), skip_special_tokens=True)[:snippet_chars])
        rejected.append(tokenizer.decode(tr[plen[r]:].tolist(), skip_special_tokens=True)[:snippet_chars])
    return ranking.assign(prompt=prompts, chosen=chosen, rejected=rejected)
