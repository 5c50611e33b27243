"""Recipe watch entries (provenance.behaviour.watch_recipe): what each entry becomes, and each bad entry's exact
message, naming its recipe key."""
import json

import numpy as np
import pytest

from provenance.behaviour.watch_alarm import RelativeAlarm, ThresholdAlarm
from provenance.behaviour.watch_recipe import WatchEntryError, read_watch_entries

CTX = "r.yaml: provenance.watches"


@pytest.fixture
def files(tmp_path):
    np.save(tmp_path / "v.npy", np.arange(1.0, 5.0))
    (tmp_path / "pairs.jsonl").write_text(json.dumps({"prompt": "p", "bad": "b", "good": "g"}) + "\n")
    (tmp_path / "typo.jsonl").write_text(json.dumps({"prompt": "p", "bad": "b", "goood": "g"}) + "\n")
    (tmp_path / "pos.jsonl").write_text(json.dumps({"prompt": "p", "response": "yes"}) + "\n")
    return tmp_path


def test_entries_become_watches_with_their_alarms(files):
    entries = read_watch_entries([
        {"name": "v", "layer": 2, "vector": str(files / "v.npy"), "alarm": "relative"},
        {"name": "p", "layer": 2, "pairs": str(files / "pairs.jsonl"), "chat": False,
         "alarm": {"rule": "threshold", "threshold": 1, "stop": True}},
        {"name": "q", "layer": 2, "probe": {"positive": str(files / "pos.jsonl"), "negative": str(files / "pos.jsonl"),
                                            "method": "logreg"}},
    ], context=CTX, layers=[2], signatures=("g_mean",))
    v, p, q = (e.to_watch("TOKENIZER") for e in entries)
    np.testing.assert_array_equal(v.direction, [1.0, 2.0, 3.0, 4.0])
    assert v.alarm == RelativeAlarm() and p.alarm == ThresholdAlarm(threshold=1.0, stop=True) and q.alarm is None
    assert (p.pairs.prompts, p.pairs.bad, p.pairs.good, p.pairs.chat) == (("p",), ("b",), ("g",), False)
    assert p.pairs.tokenizer == q.examples.tokenizer == "TOKENIZER"
    assert (q.examples.responses, q.examples.labels, q.examples.method) == (("yes", "yes"), (1, 0), "logreg")
    assert read_watch_entries(None, context=CTX) == []


@pytest.mark.parametrize("entries, message", [
    ({"name": "a"}, f"{CTX}: expected a list of watches (each a mapping with name, layer and one of pairs, vector, "
                    "probe), got dict"),
    ([{"name": "a", "vector": "V"}], f"{CTX}[0]: missing 'layer' (each watch needs name, layer and one of pairs, "
                                     "vector, probe)"),
    ([{"name": "a", "layer": "2", "vector": "V"}], f"{CTX}[0].layer: expected a layer number, got '2'"),
    ([{"name": "a", "layer": 2}], f"{CTX}[0]: give exactly one of pairs, vector, probe (the direction's source), "
                                  "got none"),
    ([{"name": "a", "layer": 2, "vector": "V", "pairs": "P"}],
     f"{CTX}[0]: give exactly one of pairs, vector, probe (the direction's source), got ['pairs', 'vector']"),
    ([{"name": "a", "layer": 2, "vectors": "V"}],
     f"{CTX}[0]: unknown key 'vectors' (did you mean 'vector'?); valid: name, layer, pairs, vector, probe, key, chat, "
     "max_length, alarm"),
    ([{"name": "a b", "layer": 2, "vector": "V"}],
     f"{CTX}[0].name: watch name 'a b' is not allowed: use letters, digits, '_', '.', '-'"),
    ([{"name": "a", "layer": 2, "vector": "V/missing.npy"}], f"{CTX}[0]: watch vector file V/missing.npy does not exist"),
    ([{"name": "a", "layer": 2, "pairs": "P", "key": "k"}], f"{CTX}[0].key: only a vector file has a tensor key"),
    ([{"name": "a", "layer": 2, "pairs": "P", "chat": "yes"}], f"{CTX}[0].chat: expected true or false, got 'yes'"),
    ([{"name": "a", "layer": 2, "pairs": "P", "alarm": "loud"}],
     f"{CTX}[0].alarm.rule: expected one of ['relative', 'threshold'], got 'loud'"),
    ([{"name": "a", "layer": 2, "pairs": "P", "alarm": {"rule": "threshold"}}],
     f"{CTX}[0].alarm: a threshold alarm needs threshold (the cumulative push that sets it off)"),
    ([{"name": "a", "layer": 2, "pairs": "P", "alarm": {"rule": "relative", "window": 2.5}}],
     f"{CTX}[0].alarm.window: expected int, got 2.5"),
    ([{"name": "a", "layer": 2, "pairs": "P", "alarm": {"rule": "relative", "stop": "no"}}],
     f"{CTX}[0].alarm.stop: expected true or false, got 'no'"),
    ([{"name": "a", "layer": 2, "pairs": "P", "alarm": {"rule": "relative", "effect": -1}}],
     f"{CTX}[0].alarm: RelativeAlarm: effect must be a number >= 0, got -1"),
    ([{"name": "a", "layer": 2, "probe": {"positive": "P"}}],
     f"{CTX}[0].probe: missing 'negative' (a JSON-lines file of {{\"prompt\": ..., \"response\": ...}})"),
])
def test_bad_entries_are_refused_naming_the_key(entries, message):
    with pytest.raises(WatchEntryError) as err:
        read_watch_entries(entries, context=CTX, layers=None, signatures=("g_mean",))
    assert str(err.value) == message


def test_bad_files_duplicates_and_missing_g_mean_are_refused(files):
    typo = str(files / "typo.jsonl")
    with pytest.raises(WatchEntryError) as err:
        read_watch_entries([{"name": "a", "layer": 2, "pairs": typo}], context=CTX)
    assert str(err.value) == (f"{CTX}[0].pairs: {typo}:1: missing key 'good' (each line needs {{\"prompt\": ..., "
                              f"\"bad\": ..., \"good\": ...}}); found 'goood': a typo?")
    pos = str(files / "pos.jsonl")
    with pytest.raises(WatchEntryError) as err:
        read_watch_entries([{"name": "a", "layer": 2, "probe": {"positive": pos, "negative": pos, "method": "svm"}}],
                           context=CTX)
    assert str(err.value) == f"{CTX}[0]: watch 'a': probe method must be one of ['logreg', 'diffmeans'], got 'svm'"
    vector = str(files / "v.npy")
    with pytest.raises(WatchEntryError) as err:
        read_watch_entries([{"name": "a", "layer": 2, "vector": vector}] * 2, context=CTX)
    assert str(err.value) == f"{CTX}: watch names must be unique; repeated: ['a']"
    with pytest.raises(WatchEntryError) as err:
        read_watch_entries([{"name": "a", "layer": 2, "vector": vector}], context=CTX, signatures=("h_mean",))
    assert str(err.value) == f"{CTX}: watches read each row's g_mean, but provenance.signatures is ['h_mean']: add g_mean"
