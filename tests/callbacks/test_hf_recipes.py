"""`provenance train RECIPE`: the shipped recipes run end to end (on a tiny model), overrides and errors."""
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hf_app import single_thread  # noqa: F401
from provenance import open_store
from provenance.train_recipe import RecipeError, load_recipe, run_recipe, train_command

pytestmark = pytest.mark.usefixtures("single_thread")
RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def tiny(tmp_path, **extra):
    sets = {"model": "tiny-llama", "train.max_steps": 2, "train.output_dir": str(tmp_path / "out"),
            "train.save_strategy": '"no"', "train.per_device_train_batch_size": 2, "train.gradient_accumulation_steps": 1,
            "provenance.store": str(tmp_path / "s.zarr"), "provenance.layers": "[1, 3]",
            "data.demo.n_per_source": 4, "data.demo.sources": "[clean]", **extra}
    return [f"{k}={v}" for k, v in sets.items()]


@pytest.mark.parametrize("name", ["sft-lora", "dpo-lora"])
def test_shipped_recipes_train_with_capture(tmp_path, name):
    summary = run_recipe(RECIPES / f"{name}.yaml", tiny(tmp_path))
    run = summary["runs"][name]
    rows = 2 * 2 * (2 if name.startswith("dpo") else 1)  # 2 steps x batch 2 (x chosen/rejected)
    assert run["rows"] == rows and run["layers"] == [1, 3] and run["sources"] == {"clean": rows}
    reader = open_store(str(tmp_path / "s.zarr"))
    assert reader.run_attrs["trainer"] == ("DPOTrainer" if name.startswith("dpo") else "SFTTrainer")
    if name.startswith("dpo"):
        assert set(reader.samples().role) == {"chosen", "rejected"} and "h_mean_ref" in reader.signature_names


def test_cli_train_command_and_clear_errors(tmp_path):
    app = typer.Typer()
    app.command("train")(train_command)
    app.command("noop")(lambda: None)  # keep `app train ...` as a subcommand
    runner = CliRunner()
    args = ["train", str(RECIPES / "sft-lora.yaml")] + [a for s in tiny(tmp_path) for a in ("--set", s)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output[result.output.rindex('{\n  "store"'):])["runs"]["sft-lora"]["rows"] == 4

    bad = tmp_path / "bad.yaml"
    bad.write_text("trainer: ppo\nmodel: tiny-llama\ndata: {demo: {}}\nprovenance: {store: x}\n")
    result = runner.invoke(app, ["train", str(bad)])
    assert result.exit_code == 2 and "trainer must be 'sft' or 'dpo'" in result.output
    with pytest.raises(RecipeError, match="unknown section"):
        load_recipe(RECIPES / "sft-lora.yaml", ["optimizer.lr=1"])
    with pytest.raises(RecipeError, match="exactly one of"):
        run_recipe(RECIPES / "sft-lora.yaml", tiny(tmp_path) + ["data.path=x.jsonl"])


def test_recipe_with_a_jsonl_file_without_ids(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"Q{i}?", "completion": f" A{i % 2}"}) + "\n" for i in range(4)))
    sets = [s for s in tiny(tmp_path) if not s.startswith("data.")] + [f"data={{path: {data}, source: mine}}"]
    summary = run_recipe(RECIPES / "sft-lora.yaml", sets)
    df = open_store(str(tmp_path / "s.zarr")).samples()
    assert summary["runs"]["sft-lora"]["sources"] == {"mine": 4}
    # No sample_id column: ids are "<line index>:<content hash>", one per line of the file.
    assert sorted(int(i.split(":")[0]) for i in df.sample_id) == [0, 1, 2, 3]
    assert all(len(i.split(":")[1]) == 12 for i in df.sample_id)
