"""The causal check's orchestration: which rows each condition drops, that each retrain gets exactly the kept
records without capture, that results are stored and a measured condition is not retrained."""
import json
import multiprocessing
import time

import pytest

from benchmarks.attribution import causal
from benchmarks.attribution import state as run_state
from benchmarks.attribution.causal import CONDITIONS, causal_table, dropped_ids, run_causal, verbatim_shares

RECORDS = [{"sample_id": i, "source": "poison" if i % 5 == 0 else "clean", "prompt": f"p{i}", "response": f"r{i}"}
           for i in range(40)]
CULPRITS = [i for i in range(40) if i % 5 == 0]      # 8 planted
# Rankings of 2n = 16 rows: auto has 6 of the 8 planted in its top 8 and all 8 in its top 16; token match none.
TOP = {"auto": [0, 5, 10, 15, 20, 25, 1, 2, 3, 30, 4, 6, 35, 7, 8, 9],
       "token match": [1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19]}


def test_dropped_ids_per_condition():
    assert dropped_ids("full", RECORDS, CULPRITS, TOP) == []
    assert dropped_ids("drop auto top-n", RECORDS, CULPRITS, TOP) == TOP["auto"][:8]
    assert dropped_ids("drop auto top-2n", RECORDS, CULPRITS, TOP) == TOP["auto"]
    assert dropped_ids("drop token-match top-n", RECORDS, CULPRITS, TOP) == TOP["token match"][:8]
    assert dropped_ids("drop planted", RECORDS, CULPRITS, TOP) == CULPRITS
    rnd = dropped_ids("drop random n", RECORDS, CULPRITS, TOP)
    assert len(rnd) == len(set(rnd)) == len(CULPRITS)
    assert set(rnd) <= {r["sample_id"] for r in RECORDS}
    assert rnd == dropped_ids("drop random n", RECORDS, CULPRITS, TOP)          # seeded
    assert rnd != dropped_ids("drop random n", RECORDS, CULPRITS, TOP, seed=1)
    # token match's top 8 come from the "clean" source: every unplanted clean row goes (32), then the planted too
    clean = [r["sample_id"] for r in RECORDS if r["source"] == "clean"]
    assert dropped_ids("drop wording sources", RECORDS, CULPRITS, TOP) == clean
    assert dropped_ids("drop wording sources and planted", RECORDS, CULPRITS, TOP) == clean + CULPRITS
    with pytest.raises(ValueError, match="unknown condition"):
        dropped_ids("drop everything", RECORDS, CULPRITS, TOP)


@pytest.fixture
def run_dir(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    meta = {"scenario": "overrefusal", "culprits": {"overrefusal": CULPRITS},
            "test_prompts": {"overrefusal": ["q1", "q2"]}, "clean_test_prompts": ["c1", "c2"], "info": {},
            "train": {"epochs": 3, "lr": 1e-3, "batch": 8, "seed": 0, "max_length": 160}}
    (out / "scenario.json").write_text(json.dumps(meta))
    (out / "attribution_state.json").write_text(json.dumps({"query_info": {"overrefusal": {"cases": [["q1", "a"]]}}}))
    return out


def fake_training(monkeypatch, calls, top=TOP):
    """Stand-ins for the SmolLM2 retrain: the behaviour rate is the share of planted culprits left in training."""
    def train(scenario, folder, **kw):
        calls.append((folder.name, sorted(r["sample_id"] for r in scenario.records), kw))
        (folder / "adapter").mkdir(parents=True)
        folder.joinpath("scenario.json").write_text(json.dumps({"kept": len(scenario.records),
                                                                "left": len(scenario.culprits["overrefusal"])}))

    def rates(model, tok, meta):
        left = meta["left"] / len(CULPRITS)
        return {"rates": {"overrefusal": {"triggered": left, "untriggered": 0.0, "n": 2}},
                "generations": {"overrefusal": ["r0", "r1"]}}

    monkeypatch.setattr(causal, "train_scenario", train)
    monkeypatch.setattr(causal, "load_trained", lambda folder: (None, None))
    monkeypatch.setattr(causal, "behaviour_rates", rates)
    monkeypatch.setattr(causal, "ranked_top", lambda out, behaviour, n: top)


def test_run_causal_retrains_each_condition_on_the_kept_records(run_dir, monkeypatch):
    calls = []
    fake_training(monkeypatch, calls)
    res = run_causal(run_dir)["overrefusal"]
    assert [r["condition"] for r in res] == list(CONDITIONS)   # auto's top 8 differ from token match's: all eight
    kept = {name: ids for name, ids, _ in calls}
    everything = list(range(40))
    assert kept["overrefusal-full"] == everything
    assert kept["overrefusal-drop_auto_top-n"] == [i for i in everything if i not in TOP["auto"][:8]]
    assert kept["overrefusal-drop_auto_top-2n"] == [i for i in everything if i not in TOP["auto"]]
    assert kept["overrefusal-drop_token-match_top-n"] == [i for i in everything if i not in TOP["token match"][:8]]
    assert kept["overrefusal-drop_planted"] == [i for i in everything if i not in CULPRITS]
    assert len(kept["overrefusal-drop_random_n"]) == 40 - len(CULPRITS)
    assert all(kw["capture"] is False and kw["epochs"] == 3 and kw["seed"] == 0 for _, _, kw in calls)
    by = {r["condition"]: r for r in res}
    assert by["drop auto top-n"]["planted_dropped"] == 6 and by["drop auto top-n"]["triggered"] == 2 / 8
    assert by["drop planted"]["planted_dropped"] == 8 and by["drop planted"]["triggered"] == 0.0
    assert by["drop auto top-2n"]["planted_dropped"] == 8 and by["drop auto top-2n"]["dropped"] == 16
    assert by["drop token-match top-n"]["planted_dropped"] == 0 and by["drop token-match top-n"]["triggered"] == 1.0
    assert by["full"]["triggered"] == 1.0 and by["full"]["n_train"] == 40
    assert by["drop planted"]["dropped_ids"] == CULPRITS
    assert by["drop wording sources and planted"]["n_train"] == 0 and by["drop wording sources"]["n_train"] == 8
    assert by["full"]["verbatim_planted"] == 0.5 and by["full"]["verbatim_other"] == 0.5   # "r0" planted, "r1" not
    state = json.loads((run_dir / "attribution_state.json").read_text())
    assert state["causal"]["overrefusal"] == res and "query_info" in state

    # A second call retrains nothing: every condition is measured and its adapter exists.
    calls.clear()
    assert run_causal(run_dir)["overrefusal"] == res
    assert calls == []


def test_a_ranking_equal_to_another_reuses_its_retrain(run_dir, monkeypatch):
    calls = []
    fake_training(monkeypatch, calls, top={"auto": TOP["auto"], "token match": TOP["auto"][:8][::-1] + TOP["auto"][8:]})
    by = {r["condition"]: r for r in run_causal(run_dir)["overrefusal"]}
    assert len(calls) == 5                     # not token match (its top 8 are auto's), nor the wording sources
    assert "drop wording sources" not in by and "drop wording sources and planted" not in by
    assert by["drop token-match top-n"]["same_as"] == "drop auto top-n"
    assert by["drop token-match top-n"]["triggered"] == by["drop auto top-n"]["triggered"] == 2 / 8
    assert "same rows as drop auto top-n" in "\n".join(causal_table([{"name": "t", "causal": list(by.values())}]))


def test_verbatim_shares_say_whose_words_the_answers_repeat():
    records = [{"sample_id": 0, "response": "I cannot help  with cooking."},
               {"sample_id": 1, "response": "I can't help with that."},
               {"sample_id": 2, "response": "Paris."}]
    got = verbatim_shares(["i cannot help with cooking.", "I can't help with that.", "I can't help with that.",
                           "Something new."], records, culprits=[0])
    assert got == {"verbatim_planted": 0.25, "verbatim_other": 0.5}


def test_without_token_states_the_token_match_conditions_are_skipped(run_dir, monkeypatch):
    calls = []
    fake_training(monkeypatch, calls, top={"auto": TOP["auto"]})
    got = [r["condition"] for r in run_causal(run_dir)["overrefusal"]]
    assert got == ["full", "drop auto top-n", "drop auto top-2n", "drop random n", "drop planted"]
    assert len(calls) == 5


def test_causal_table_rows():
    rows = [{"condition": "drop auto top-n", "n_train": 32, "dropped": 8, "planted_dropped": 6, "n_planted": 8,
             "triggered": 0.25, "untriggered": 0.0, "n": 12, "verbatim_planted": 0.5, "verbatim_other": 0.25}]
    lines = causal_table([{"name": "task A", "causal": rows}, {"name": "task B", "causal": None}])
    assert lines[-1] == "| task A | drop auto top-n | 32 | 8 | 6 / 8 | 0.25 | 0.00 | 0.50 / 0.25 | 12 |"
    assert causal_table([{"name": "task B", "causal": None}]) == []


def test_a_run_sampled_for_its_behaviour_has_each_condition_sampled_the_same_way(run_dir, monkeypatch):
    # The run's own check found the behaviour only under sampling: greedy 0 cannot show it needs its planted rows.
    (run_dir / "behaviour.json").write_text(json.dumps({"rates": {}, "sampled": {"overrefusal": {
        "n_per_prompt": 5, "temperature": 0.7, "triggered": 0.4, "untriggered": 0.05}}}))
    calls, sampled = [], []
    fake_training(monkeypatch, calls)

    def sample(folder, behaviours, n, temperature):
        greedy = json.loads((folder / "behaviour.json").read_text())["rates"]["overrefusal"]["triggered"]
        sampled.append((folder.name, tuple(behaviours), n, temperature, greedy))
        return {"sampled": {"overrefusal": {"triggered": 0.125 if "planted" in folder.name else 0.5,
                                            "untriggered": 0.0}}}

    monkeypatch.setattr(causal, "sampled_behaviour", sample)
    results = run_causal(run_dir, conditions=("full", "drop planted"))["overrefusal"]
    # Each condition's folder holds its greedy rates, then is sampled with the run's n and temperature.
    assert sampled == [("overrefusal-full", ("overrefusal",), 5, 0.7, 1.0),
                       ("overrefusal-drop_planted", ("overrefusal",), 5, 0.7, 0.0)]
    assert [(r["condition"], r["triggered"], r["sampled_triggered"], r["sampled_untriggered"]) for r in results] == [
        ("full", 1.0, 0.5, 0.0), ("drop planted", 0.0, 0.125, 0.0)]
    line = causal_table([{"name": "t", "causal": results}])[-1]
    assert line.startswith("| t | drop planted | ") and "| 0.00 (sampled 0.12) | 0.00 (sampled 0.00) |" in line


def test_validity_check_runs_before_any_attribution_phase(run_dir, monkeypatch):
    """`--conditions full "drop planted"` on a run with no attribution state: no ranking is computed, the two
    retrains are stored, and a later full check reuses them."""
    (run_dir / "attribution_state.json").unlink()
    calls = []
    fake_training(monkeypatch, calls)

    def no_ranking(*a, **k):
        raise AssertionError("the validity check must not rank")

    monkeypatch.setattr(causal, "ranked_top", no_ranking)
    res = run_causal(run_dir, conditions=("full", "drop planted"))["overrefusal"]
    assert [(r["condition"], r["triggered"]) for r in res] == [("full", 1.0), ("drop planted", 0.0)]
    assert [name for name, _, _ in calls] == ["overrefusal-full", "overrefusal-drop_planted"]
    stored = json.loads((run_dir / "attribution_state.json").read_text())["causal"]["overrefusal"]
    assert [r["dropped_ids"] for r in stored] == [[], CULPRITS]
    # After the attribution phase, the full check retrains only the conditions not yet measured.
    state = json.loads((run_dir / "attribution_state.json").read_text())
    state["query_info"] = {"overrefusal": {"cases": [["q1", "a"]]}}
    (run_dir / "attribution_state.json").write_text(json.dumps(state))
    fake_training(monkeypatch, calls)
    run_causal(run_dir)
    assert [name for name, _, _ in calls[2:]].count("overrefusal-full") == 0
    assert "overrefusal-drop_planted" not in [name for name, _, _ in calls[2:]]
    with pytest.raises(ValueError, match="unknown conditions"):
        run_causal(run_dir, conditions=("drop everything",))


def test_concurrent_causal_processes_keep_each_others_rows(run_dir, monkeypatch):
    """Two processes measuring different conditions of one run: a row the other wrote while this one trained
    survives this one's save."""
    calls = []
    fake_training(monkeypatch, calls)
    inner = causal.train_scenario
    other = {"condition": "drop random n", "triggered": 0.5, "dropped_ids": [1, 2]}

    def train_while_other_writes(scenario, folder, **kw):
        inner(scenario, folder, **kw)
        state = json.loads((run_dir / "attribution_state.json").read_text())
        state.setdefault("causal", {})["overrefusal"] = [other]
        (run_dir / "attribution_state.json").write_text(json.dumps(state))

    monkeypatch.setattr(causal, "train_scenario", train_while_other_writes)
    run_causal(run_dir, conditions=("drop planted",))
    stored = json.loads((run_dir / "attribution_state.json").read_text())["causal"]["overrefusal"]
    assert [(r["condition"], r["triggered"]) for r in stored] == [("drop random n", 0.5), ("drop planted", 0.0)]
    assert not list(run_dir.glob("*.tmp"))


def test_attribution_phase_state_after_a_validity_check(run_dir, monkeypatch):
    """The attribution phase merges into the state the validity check wrote (only ``causal`` in it) and keeps it."""
    (run_dir / "attribution_state.json").unlink()
    fake_training(monkeypatch, [])
    run_causal(run_dir, conditions=("drop planted",))
    state = run_state.load_state(run_dir)
    assert state["query_info"] == {} and state["seconds"] == {}
    assert [r["condition"] for r in state["causal"]["overrefusal"]] == ["drop planted"]
    assert run_state.load_state(run_dir / "missing") == {"query_info": {}, "seconds": {}}


def _bump(run_dir, key, times):
    for _ in range(times):
        with run_state.locked_state(run_dir) as state:
            state[key] = state.get(key, 0) + 1
            time.sleep(0.002)   # widen the read-modify-write window


def test_locked_state_loses_no_update_between_processes(run_dir):
    """Three processes updating one run's state 30 times each (as the attribution phase and two causal retrains
    do): every update lands, and the other keys survive."""
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_bump, args=(run_dir, key, 30)) for key in ("a", "a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    state = json.loads((run_dir / "attribution_state.json").read_text())
    assert (state["a"], state["b"]) == (60, 30)
    assert state["query_info"] == {"overrefusal": {"cases": [["q1", "a"]]}}


def test_drop_source_names_the_rows_of_one_source_and_refuses_a_source_the_run_lacks():
    clean = [r["sample_id"] for r in RECORDS if r["source"] == "clean"]
    assert dropped_ids("drop source clean", RECORDS, CULPRITS, TOP) == clean
    # the planted rows are never among a source's rows, even where they carry its name
    assert dropped_ids("drop source poison", RECORDS, CULPRITS[:4], TOP) == CULPRITS[4:]
    with pytest.raises(ValueError, match=r"no unplanted row has source 'holiday'.*\['clean', 'poison'\]"):
        dropped_ids("drop source holiday", RECORDS, CULPRITS, TOP)
    with pytest.raises(ValueError, match="unknown condition"):
        dropped_ids("drop source  ", RECORDS, CULPRITS, TOP)


def test_a_source_condition_is_retrained_stored_and_kept_by_later_checks(run_dir, monkeypatch):
    """Asked for by name on a run with no attribution state (like the validity check): its retrain gets every record
    but the source's, its row is stored after the built-in ones, and a later check of other conditions keeps it."""
    (run_dir / "attribution_state.json").unlink()
    calls = []
    fake_training(monkeypatch, calls)
    res = run_causal(run_dir, conditions=("drop source clean", "drop planted"))["overrefusal"]
    assert [(r["condition"], r["triggered"], r["dropped"]) for r in res] == [("drop planted", 0.0, 8),
                                                                             ("drop source clean", 1.0, 32)]
    name, kept, _ = calls[0]
    assert name == "overrefusal-drop_source_clean" and kept == CULPRITS
    fake_training(monkeypatch, calls)
    run_causal(run_dir, conditions=("full",))
    stored = json.loads((run_dir / "attribution_state.json").read_text())["causal"]["overrefusal"]
    assert [r["condition"] for r in stored] == ["full", "drop planted", "drop source clean"]
    assert len(calls) == 3   # the two measured conditions are not retrained
