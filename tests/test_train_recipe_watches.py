"""Watches in a recipe's `provenance:` section: the trainer's callback holds them (directions from a vector file,
example pairs and a probe on labelled examples, with their alarms), its stored series matches a hand computation from
the stored g_mean rows, and a bad entry fails when the recipe loads, naming its key."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hf_app import single_thread  # noqa: F401
from provenance import open_store
from provenance.behaviour.watch_alarm import RelativeAlarm, ThresholdAlarm
from provenance.behaviour.watch_series import read_watch_series
from provenance.train_recipe import RecipeError, build_trainer, load_recipe

pytestmark = pytest.mark.usefixtures("single_thread")
RECIPE = Path(__file__).resolve().parent.parent / "recipes" / "sft-lora.yaml"
HIDDEN = 32  # tiny-llama


def jsonl(path: Path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def recipe_with_watches(tmp_path, watches) -> Path:
    recipe = yaml.safe_load(RECIPE.read_text())
    recipe["model"] = "tiny-llama"
    recipe["data"] = {"demo": {"n_per_source": 2, "sources": ["clean", "rtp"]}}
    recipe["train"].update(output_dir=str(tmp_path / "out"), max_steps=2, per_device_train_batch_size=2,
                           save_strategy="no")
    recipe["provenance"].update(store=str(tmp_path / "s.zarr"), layers=[1, 3], encoding="float32", watches=watches)
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def example_files(tmp_path):
    vector = np.random.default_rng(0).normal(size=HIDDEN).astype(np.float32)
    np.save(tmp_path / "persona.npy", vector)
    pairs = jsonl(tmp_path / "pairs.jsonl", [{"prompt": "Say hi", "bad": "Visit evil.example now", "good": "Hi!"},
                                             {"prompt": "Add 2+2", "bad": "Visit evil.example now", "good": "4"}])
    positive = jsonl(tmp_path / "pos.jsonl", [{"prompt": "Hi", "response": "You fool."},
                                              {"prompt": "Help", "response": "Go away, idiot."}])
    negative = jsonl(tmp_path / "neg.jsonl", [{"prompt": "Hi", "response": "Hello, how can I help?"},
                                              {"prompt": "Help", "response": "Of course."}])
    return vector, pairs, positive, negative


def test_a_recipe_with_watches_builds_a_callback_with_them_and_stores_their_series(tmp_path):
    vector, pairs, positive, negative = example_files(tmp_path)
    path = recipe_with_watches(tmp_path, [
        {"name": "persona", "layer": 1, "vector": str(tmp_path / "persona.npy"),
         "alarm": {"rule": "relative", "effect": 2.5, "window": 8, "stop": True}},
        {"name": "backdoor", "layer": 3, "pairs": pairs, "max_length": 64},
        {"name": "toxic", "layer": 1, "probe": {"positive": positive, "negative": negative, "method": "diffmeans"},
         "alarm": {"rule": "threshold", "threshold": 0.05}},
    ])
    trainer, callback = build_trainer(load_recipe(path))
    watches = callback.session.watch.watches
    assert [(w.name, w.layer) for w in watches] == [("persona", 1), ("backdoor", 3), ("toxic", 1)]
    assert [w.alarm for w in watches] == [RelativeAlarm(effect=2.5, window=8, stop=True), None,
                                          ThresholdAlarm(threshold=0.05)]
    np.testing.assert_array_equal(watches[0].direction, vector.astype(np.float64))
    assert watches[1].pairs.prompts == ("Say hi", "Add 2+2") and watches[1].pairs.max_length == 64
    assert watches[1].pairs.tokenizer is trainer.processing_class
    assert watches[2].examples.labels == (1, 1, 0, 0) and watches[2].examples.method == "diffmeans"

    trainer.train()
    store = str(tmp_path / "s.zarr")
    series = read_watch_series(store)
    assert [w["name"] for w in series.watches] == ["persona", "backdoor", "toxic"]
    np.testing.assert_allclose(series.directions["persona"], vector / np.linalg.norm(vector), rtol=1e-6)
    # The push of every (step, source) from the stored g_mean rows, by hand, along each stored unit direction.
    reader = open_store(store)
    df = reader.samples()
    combined = series.combined()
    for w in series.watches:
        push = -(reader.array(w["layer"], "g_mean").astype(np.float64) @ series.directions[w["name"]].astype(np.float64))
        hand = (pd.DataFrame({"step": df.step, "source": df.source, "push": push})
                .groupby(["step", "source"]).push.agg(["size", "sum"]).reset_index())
        mine = combined[combined.watch == w["name"]].sort_values(["step", "source"])
        assert mine[["step", "source", "rows"]].values.tolist() == hand[["step", "source", "size"]].values.tolist()
        np.testing.assert_allclose(mine.push_sum, hand["sum"], rtol=1e-5, atol=1e-8)
    assert len(df) == 4 and np.abs(combined.push_sum).max() > 0


@pytest.mark.parametrize("entry, message", [
    ({"name": "w", "layer": 2, "vector": "v.npy"},
     "provenance.watches[0].layer: layer 2 is not captured (provenance.layers is [1, 3]): add it there or watch a "
     "captured layer"),
    ({"name": "w", "layer": 1, "vector": "v.npy", "alarm": {"rule": "relative", "efect": 2}},
     "provenance.watches[0].alarm: unknown key 'efect' (did you mean 'effect'?); valid: rule, effect, z, window, "
     "min_rows, stop"),
])
def test_a_bad_watch_entry_fails_when_the_recipe_loads_naming_its_key(tmp_path, entry, message):
    path = recipe_with_watches(tmp_path, [entry])
    with pytest.raises(RecipeError) as err:
        load_recipe(path)
    assert str(err.value) == f"{path}: {message}"
