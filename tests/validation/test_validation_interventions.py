"""Causal validation data transforms: ranking reading, exact drop / relabel, seeded random control, sampler order,
judges and the reduction table (no training here)."""
import math
import random

import pandas as pd
import pytest

from provenance.errors import ValidationInputError
from provenance.validation import (
    IdOrderSampler, compliance_judge, contains_judge, drop_samples, finish_table, is_refusal, judge_by_name,
    plan_conditions, random_ids, read_ranking, relabel_pairs, top_ids,
)


def pairs(n):
    return [{"prompt": f"p{i}", "chosen": f"c{i}", "rejected": f"r{i}", "sample_id": i, "source": "s"} for i in range(n)]


def test_read_ranking_takes_each_ids_best_score_and_keeps_first_appearance_on_ties(tmp_path):
    df = pd.DataFrame({"query": ["a", "a", "b", "b", "b"], "sample_id": [3, 1, 1, 7, 5],
                       "score": [0.5, 0.2, 0.9, 0.5, 0.1]})
    got = read_ranking(df)
    assert list(got["id"]) == ["1", "3", "7", "5"]          # 1: max(0.2, 0.9); 3 and 7 tie at 0.5, 3 seen first
    assert list(got["score"]) == [0.9, 0.5, 0.5, 0.1]
    path = tmp_path / "r.csv"
    df.assign(pair_id=df.sample_id + 100).to_csv(path, index=False)
    assert list(read_ranking(path)["id"]) == ["101", "103", "107", "105"]   # pair_id preferred over sample_id


def test_ranking_errors_name_the_problem(tmp_path):
    with pytest.raises(ValidationInputError, match="id column"):
        read_ranking(pd.DataFrame({"row": [1], "score": [1.0]}))
    with pytest.raises(ValidationInputError, match="score"):
        read_ranking(pd.DataFrame({"sample_id": [1]}))
    with pytest.raises(ValidationInputError, match="does not exist"):
        read_ranking(tmp_path / "missing.csv")
    ranking = read_ranking(pd.DataFrame({"sample_id": [9, 2, 8, 1], "score": [4, 3, 2, 1]}))
    assert top_ids(ranking, 2, known_ids=[0, 1, 2, 3]) == ["2", "1"]      # 9 and 8 are not in the data: passed over
    with pytest.raises(ValidationInputError, match="only 2 id"):
        top_ids(ranking, 3, known_ids=[0, 1, 2, 3])


def test_drop_removes_exactly_those_ids_and_keeps_order():
    recs = pairs(6)
    out = drop_samples(recs, ["4", 1])
    assert [r["sample_id"] for r in out] == [0, 2, 3, 5]
    assert recs == pairs(6)                                  # input untouched
    with pytest.raises(ValidationInputError, match="not in the training data"):
        drop_samples(recs, [42])


def test_relabel_swaps_chosen_and_rejected_of_exactly_those_pairs():
    recs = pairs(4)
    out = relabel_pairs(recs, [2, "0"])
    assert [(r["chosen"], r["rejected"]) for r in out] == [("r0", "c0"), ("c1", "r1"), ("r2", "c2"), ("c3", "r3")]
    assert [{k: v for k, v in r.items() if k not in ("chosen", "rejected")} for r in out] == \
           [{k: v for k, v in r.items() if k not in ("chosen", "rejected")} for r in recs]
    assert recs == pairs(4)
    with pytest.raises(ValidationInputError, match="relabel"):
        relabel_pairs([{"prompt": "p", "completion": "c", "sample_id": 0}], [0])


def test_random_control_is_seeded_uniform_without_replacement():
    recs = pairs(20)
    ids = [str(i) for i in range(20)]
    assert random_ids(recs, 5, seed=3) == random.Random("provenance-validate-random:3").sample(ids, 5)
    assert random_ids(recs, 5, seed=3) == random_ids(recs, 5, seed=3)
    assert random_ids(recs, 5, seed=3) != random_ids(recs, 5, seed=4)
    assert sorted(random_ids(recs, 20, seed=0), key=int) == ids


def test_plan_conditions_lists_every_condition_with_its_ids():
    recs = pairs(10)
    ranking = pd.DataFrame({"pair_id": [7, 3, 9, 1], "score": [0.9, 0.8, 0.7, 0.1]})
    conds = plan_conditions(recs, ranking, 3, modes=("drop", "relabel"), random_seeds=(0, 1))
    assert [(c.name, c.k, c.mode) for c in conds] == [("full", 0, None), ("drop-top", 3, "drop"),
                                                      ("relabel-top", 3, "relabel"), ("drop-random-s0", 3, "drop"),
                                                      ("drop-random-s1", 3, "drop")]
    assert conds[1].ids == conds[2].ids == ["7", "3", "9"]
    assert conds[3].ids == random_ids(recs, 3, 0) and conds[4].ids == random_ids(recs, 3, 1)
    with pytest.raises(ValidationInputError, match="unknown intervention mode"):
        plan_conditions(recs, ranking, 3, modes=("flip",))
    with pytest.raises(ValidationInputError, match="k must be"):
        plan_conditions(recs, ranking, 11)


def test_sampler_order_is_keyed_by_id_so_removal_keeps_the_relative_order_of_the_rest():
    ids = [f"s{i}" for i in range(30)]
    full = IdOrderSampler(ids, seed=0)
    kept = [i for i in ids if i not in {"s3", "s17", "s20"}]
    sub = IdOrderSampler(kept, seed=0)
    for epoch in (0, 1):
        full.set_epoch(epoch)
        sub.set_epoch(epoch)
        full_order = [ids[i] for i in full]
        assert [kept[i] for i in sub] == [i for i in full_order if i in set(kept)]
    full.set_epoch(0)
    first = list(full)
    full.set_epoch(1)
    assert list(full) != first and sorted(first) == list(range(30))   # a new permutation every epoch


def test_judges():
    assert is_refusal("I'm sorry, but I can\u2019t help with that.") and is_refusal("As an AI, I will not")
    assert not is_refusal("Sure! Here you go:\n- First")
    assert compliance_judge("p", "Sure, here it is") and not compliance_judge("p", "I cannot do that")
    assert not compliance_judge("p", "   ")
    assert contains_judge("ZZ")("p", "aZZb") and not contains_judge("ZZ")("p", "Z Z")
    assert judge_by_name("refusal")("p", "I won't.") and judge_by_name("contains:ok")("p", "ok!")
    with pytest.raises(ValueError, match="unknown judge"):
        judge_by_name("toxicity")


def test_table_reduction_is_relative_to_the_full_run():
    rows = [{"condition": "full", "k": 0, "n_train": 10, "ids_changed": 0, "rate:b": 0.8, "rate:c": 0.1},
            {"condition": "drop-top", "k": 2, "n_train": 8, "ids_changed": 2, "rate:b": 0.2, "rate:c": 0.0},
            {"condition": "drop-random", "k": 2, "n_train": 8, "ids_changed": 2, "rate:b": 0.8, "rate:c": 0.2}]
    table = finish_table(rows, "b")
    assert list(table.columns) == ["condition", "k", "n_train", "ids_changed", "behaviour_rate", "reduction", "rate:c"]
    assert table["reduction"].tolist() == pytest.approx([0.0, 0.75, 0.0])
    zero = finish_table([dict(rows[0], **{"rate:b": 0.0}), rows[1]], "b")
    assert all(math.isnan(v) for v in zero["reduction"])


def test_record_ids_refuse_missing_and_repeated_ids():
    from provenance.validation.interventions import record_ids

    assert record_ids([{"sample_id": 3}, {"sample_id": "a"}]) == ["3", "a"]
    with pytest.raises(ValidationInputError, match=r"record 1 has no `sample_id`"):
        record_ids([{"sample_id": 1}, {"prompt": "x"}])
    with pytest.raises(ValidationInputError, match=r"training ids repeat \(\['7', '9'\]\)"):
        record_ids([{"sample_id": 7}, {"sample_id": 9}, {"sample_id": 7}, {"sample_id": 9}, {"sample_id": 1}])
