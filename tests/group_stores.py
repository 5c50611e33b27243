"""Constructed stores with known groups of rows, and a method that returns a fixed ranking of them (for the
competing-group and lexical-floor tests): the text of every row is real (char-level tiny tokenizer), its
signatures are drawn around a centre per group and side, so which rows form a group is known exactly."""
from __future__ import annotations

import numpy as np

from provenance.attribution.method import AttributionMethod, Ranking
from provenance.capture import model_fingerprint
from provenance.data import SFTDataset
from provenance.store import CaptureRows, StoreWriter

LAYER = 2
PARTS = ("h_last", "g_last", "h_mean", "g_mean")
WORDS = ["apple", "river", "garden", "planet", "window", "silver", "basket", "candle", "forest", "rocket", "pencil",
         "butter", "market", "castle", "button", "monkey", "carpet", "ladder", "bottle", "jacket"]


def background_texts(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` unrelated (prompt, response) pairs of random words."""
    rng = np.random.default_rng([seed, 7])
    out = []
    for i in range(n):
        a, b, c, d = rng.choice(WORDS, 4, replace=False)
        out.append((f"Describe the {a} near the {b} {i}.", f"The {c} sits beside a {d} number {i}."))
    return out


def write_group_store(path, model, tokenizer, groups: dict, *, n_background: int = 80, d: int = 32,
                      spread: float = 0.35, twin_spread: float = 0.05, seed: int = 0) -> dict[str, list[int]]:
    """A one-epoch store: each group of ``groups`` (``name -> {"texts": [(prompt, response)], "prompt": centre
    key, "response": centre key}``) has its rows' ``h_last`` drawn around the prompt centre and ``h_mean`` around
    the response centre (unit centres, Gaussian spread ``spread`` per row); ``n_background`` rows of random words
    have random states. Groups sharing a centre key share that centre. A group with ``"twin_of": other`` (an
    earlier group) takes, for its row i, row i of ``other``'s ``h_mean`` plus a spread ``twin_spread``: the same
    answer in another prompt context.

    Returns:
        The store rows of each group name and of "background".
    """
    rng = np.random.default_rng(seed)
    centres: dict[str, np.ndarray] = {}

    def centre(key):
        if key not in centres:
            v = rng.standard_normal(d)
            centres[key] = v / np.linalg.norm(v)
        return centres[key]

    texts, h_last, h_mean, names, of_group = [], [], [], [], {}
    for name, spec in groups.items():
        of_group[name] = []
        for i, (p, r) in enumerate(spec["texts"]):
            texts.append((p, r))
            h_last.append(centre(spec["prompt"]) + spread * rng.standard_normal(d) / np.sqrt(d))
            twin = spec.get("twin_of")
            h_mean.append(centre(spec["response"]) + spread * rng.standard_normal(d) / np.sqrt(d) if twin is None
                          else of_group[twin][i] + twin_spread * rng.standard_normal(d) / np.sqrt(d))
            of_group[name].append(h_mean[-1])
            names.append(name)
    for p, r in background_texts(n_background, seed):
        texts.append((p, r))
        h_last.append(rng.standard_normal(d) / np.sqrt(d))
        h_mean.append(rng.standard_normal(d) / np.sqrt(d))
        names.append("background")
    order = rng.permutation(len(texts))            # rows in a shuffled training order
    texts = [texts[i] for i in order]
    names = [names[i] for i in order]
    h = {"h_last": np.asarray(h_last)[order], "h_mean": np.asarray(h_mean)[order]}
    n = len(texts)
    sigs = {LAYER: {"h_last": (1e3 * h["h_last"]).astype(np.float32), "h_mean": (1e3 * h["h_mean"]).astype(np.float32),
                    "g_last": (1e-6 * rng.standard_normal((n, d))).astype(np.float32),
                    "g_mean": (1e-6 * rng.standard_normal((n, d))).astype(np.float32)}}
    return write_rows(path, model, tokenizer, texts, names, sigs)


def write_rows(path, model, tokenizer, texts: list[tuple[str, str]], names: list[str],
               signatures: dict) -> dict[str, list[int]]:
    """A one-epoch store of (prompt, response) ``texts`` tokenised for real, source ``names``, and the given
    ``signatures`` ({layer: {part: [n, d]}}; the run's layers are their keys).

    Returns:
        The store rows of each name."""
    n = len(texts)
    feats = [SFTDataset([{"sample_id": i, "prompt": p, "response": r}], tokenizer, max_length=256)[0]
             for i, (p, r) in enumerate(texts)]
    w = StoreWriter(str(path), "run", model=model_fingerprint(model), run_attrs={"layers": sorted(signatures)},
                    overwrite=True)
    w.put(CaptureRows(sample_id=list(range(n)), source=names, epoch=0, step=0, loss=np.ones(n, np.float32),
                      prompt_len=np.array([sum(1 for t in f["labels"] if t == -100) for f in feats], np.int32),
                      token_ids=[np.asarray(f["input_ids"], np.int32) for f in feats], signatures=signatures))
    w.close()
    out: dict[str, list[int]] = {}
    for row, name in enumerate(names):
        out.setdefault(name, []).append(row)
    return out


class FixedRanking(AttributionMethod):
    """Ranks the given store rows first, in the given order (scores falling linearly from 1 over the whole order,
    so a row's score does not depend on k), for every case."""

    name = "fixed-ranking"

    def __init__(self, rows):
        self.rows = np.asarray(rows, np.int64)

    def rank(self, att, test, k):
        scores = np.linspace(1.0, 0.5, len(self.rows)).astype(np.float32)[:k]
        return Ranking(np.tile(scores, (len(test), 1)), np.tile(self.rows[:k], (len(test), 1)))


def interleave(*lists) -> list:
    """Items of the lists taken in turn (a ranking where the groups compete)."""
    out, longest = [], max(len(x) for x in lists)
    for i in range(longest):
        out += [x[i] for x in lists if i < len(x)]
    return out
