"""Discovery: planted pair groups are found as clusters, with their sources and distinctive chosen tokens."""
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from provenance import open_store
from provenance.behaviour import PairVectors, cluster_purity, clustering_agreement, discover
from provenance.behaviour.discovery import log_odds_z
from provenance.store import CaptureRows, StoreWriter

D = 24
GROUP_TOKEN = {"A": 50, "B": 60, "C": 70}   # a token every chosen response of the group holds


def planted_store(tmp_path, per_group=12, seed=0):
    """Three planted groups of pairs: v_d = a group direction x (1..2) + small noise; group A comes from source
    "vendor-a" 3 times out of 4. Chosen responses carry the group's token, rejected responses never."""
    rng = np.random.default_rng(seed)
    dirs = {g: rng.normal(size=D) for g in GROUP_TOKEN}
    ids, roles, sources, h, toks, groups = [], [], [], [], [], []
    for g in GROUP_TOKEN:
        for i in range(per_group):
            pid = f"{g}{i}"
            base = rng.normal(size=D) * 3
            vd = dirs[g] * rng.uniform(1, 2) + rng.normal(size=D) * 0.15
            src = "vendor-a" if g == "A" and i % 4 else f"web{i % 2}"
            common = [int(x) for x in rng.integers(5, 40, size=4)]
            for role, hv, resp in (("chosen", base + vd, common + [GROUP_TOKEN[g]]), ("rejected", base, common)):
                ids.append(pid), roles.append(role), sources.append(src), h.append(hv)
                toks.append(np.array([1, 2] + resp, np.int32))
            groups.append(g)
    url = str(tmp_path / "d.zarr")
    w = StoreWriter(url, "r", model={"name": "t", "config_hash": "h"}, run_attrs={"reference_activations": "x"},
                    encoding="float32")
    n = len(ids)
    w.put(CaptureRows(sample_id=ids, source=sources, epoch=0, step=0, loss=np.ones(n, np.float32),
                      prompt_len=np.full(n, 2, np.int32), token_ids=toks,
                      signatures={5: {"h_mean_ref": np.array(h, np.float32)}}, columns={"pair_id": ids, "role": roles}))
    w.close()
    return open_store(url), groups


@pytest.mark.parametrize("method", ["kmeans", "agglomerative"])
def test_planted_groups_are_recovered_with_their_tokens_and_sources(tmp_path, method):
    store, groups = planted_store(tmp_path)
    found = discover(store, layer=5, method=method, k_max=6)
    assert found.k == 3 and max(found.silhouette, key=found.silhouette.get) == 3
    truth = dict(zip([f"{g}{i}" for g in GROUP_TOKEN for i in range(12)], groups))
    agree = clustering_agreement([truth[p] for p in found.assignments.pair_id], found.assignments.cluster)
    assert agree == {"purity": 1.0, "inverse_purity": 1.0, "ari": 1.0, "nmi": pytest.approx(1.0)}
    for _, c in found.clusters.iterrows():
        members = found.assignments[found.assignments.cluster == c.cluster]
        group = truth[members.pair_id.iloc[0]]
        assert c["size"] == 12 and c.top_chosen_tokens[0][0] == str(GROUP_TOKEN[group])
        assert all(truth[p] == group for p in c.example_pairs) and len(c.example_pairs) == 3
        if group == "A":
            assert c.dominant_sources.startswith("vendor-a 0.75")


def test_log_odds_z_matches_the_closed_form():
    a, b, prior = Counter({1: 3, 2: 1}), Counter({2: 4}), Counter({1: 2, 2: 6})
    z = log_odds_z(a, b, prior, prior_scale=8.0)
    al1, al2 = 2.0, 6.0   # prior pseudo-counts: 8 x 2/8 and 8 x 6/8
    d1 = np.log((3 + al1) / (4 + 8 - 3 - al1)) - np.log((0 + al1) / (4 + 8 - 0 - al1))
    assert z[1] == pytest.approx(d1 / np.sqrt(1 / (3 + al1) + 1 / (0 + al1)), rel=1e-12)
    d2 = np.log((1 + al2) / (4 + 8 - 1 - al2)) - np.log((4 + al2) / (4 + 8 - 4 - al2))
    assert z[2] == pytest.approx(d2 / np.sqrt(1 / (1 + al2) + 1 / (4 + al2)), rel=1e-12)


def test_purity_on_a_small_clustering():
    truth = ["a", "a", "a", "b", "b", "c"]
    pred = [0, 0, 1, 1, 1, 1]
    assert cluster_purity(truth, pred) == pytest.approx((2 + 2) / 6)     # cluster 0: a a; cluster 1: b b a c
    assert cluster_purity(pred, truth) == pytest.approx((2 + 2 + 1) / 6)  # group a: 0 0 1; b: 1 1; c: 1


def test_behaviour_cosine_features_and_a_fixed_k():
    rng = np.random.default_rng(3)
    dirs = rng.normal(size=(2, 8))
    V = np.concatenate([dirs[0] + 0.05 * rng.normal(size=(6, 8)), dirs[1] + 0.05 * rng.normal(size=(6, 8)),
                        np.zeros((1, 8))])   # the last pair: identical chosen and rejected activations
    pairs = pd.DataFrame({"pair_id": range(13), "source": ["s"] * 13, "epoch": [0] * 13,
                          "chosen_row": range(0, 26, 2), "rejected_row": range(1, 26, 2)})
    pv = PairVectors(pairs=pairs, vectors=V.astype(np.float32), layer=1, m0="t")
    found = discover(pv, features="behaviour", behaviour=dirs, k=2)
    assert found.k == 2 and found.silhouette == {} and found.skipped == {"zero_difference": 1}
    labels = found.assignments.cluster.to_numpy()
    assert len(set(labels[:6])) == 1 and len(set(labels[6:12])) == 1 and labels[0] != labels[6] and labels[12] == -1
    assert sorted(found.clusters["size"]) == [6, 6]
    assert "top_chosen_tokens" not in found.clusters.columns   # no store: no tokens
