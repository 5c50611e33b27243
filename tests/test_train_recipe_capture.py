"""The recipe's `provenance:` section: where the rows go (store, run, overwrite, storage_options) plus CaptureConfig
fields, checked when the recipe loads (before any model), and the callback built from it."""
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hf_app import single_thread  # noqa: F401
from provenance.capture.config import CaptureConfig
from provenance.train_recipe import RecipeError, build_trainer, capture_section, load_recipe, train_command

pytestmark = pytest.mark.usefixtures("single_thread")
RECIPE = Path(__file__).resolve().parent.parent / "recipes" / "sft-lora.yaml"
VALID = ("store, run, overwrite, storage_options, watches, layers, signatures, token_layers, probe_prompts, encoding, "
         "projection_dim, projection_seed, shard_rows, chunk_rows, on_resume_mismatch")


def test_a_key_that_matches_no_field_is_refused_listing_the_valid_ones():
    with pytest.raises(RecipeError) as err:
        load_recipe(RECIPE, ["provenance.layer=[1, 3]"])
    assert str(err.value) == (f"{RECIPE}: provenance: unknown option 'layer' (did you mean 'layers'?); valid "
                              f"options: {VALID}")


@pytest.mark.parametrize("override, message", [
    ("provenance.encoding=fp8", "encoding must be one of ['float16-rowscale', 'bfloat16', 'float32', 'int8'], got 'fp8'"),
    ("provenance.shard_rows=100", "shard_rows=100 must be a multiple of chunk_rows=256 (a shard is whole chunks), e.g. "
                                  "shard_rows=256"),
    ("provenance.token_layers=last", "token_layers must be None, 'auto', a layer number or a non-empty list of layer "
                                     "numbers, got 'last'"),
])
def test_an_invalid_value_is_refused_with_where_it_is(override, message):
    with pytest.raises(RecipeError) as err:
        load_recipe(RECIPE, [override])
    assert str(err.value) == f"{RECIPE}: provenance: {message}"


def test_the_section_splits_into_where_and_what():
    where, config = capture_section({"store": "s.zarr", "run": "a", "overwrite": True, "layers": [3, 1],
                                     "encoding": "int8"})
    assert where == {"store": "s.zarr", "run": "a", "overwrite": True}
    assert config == CaptureConfig(layers=[1, 3], encoding="int8")


def test_the_recipes_callback_holds_the_sections_config(tmp_path):
    pytest.importorskip("trl")
    recipe = load_recipe(RECIPE, ["model=tiny-llama", f"train.output_dir={tmp_path / 'out'}", "train.max_steps=1",
                                  f"provenance.store={tmp_path / 's.zarr'}", "provenance.layers=[3, 1]",
                                  "provenance.encoding=float32", "provenance.token_layers=auto",
                                  "data.demo.n_per_source=2", "data.demo.sources=[clean]"])
    trainer, callback = build_trainer(recipe)
    session = callback.session
    assert session.config == CaptureConfig(layers=[1, 3], encoding="float32", token_layers="auto")
    assert (session.store, session.run, session.overwrite) == (str(tmp_path / "s.zarr"), "sft-lora", False)
    assert callback.trainer is trainer


def test_provenance_train_exits_2_with_the_message(tmp_path):
    app = typer.Typer()
    app.command("train")(train_command)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["train", str(RECIPE), "--set", "provenance.chunkrows=64"])
    assert result.exit_code == 2
    assert "provenance: unknown option 'chunkrows' (did you mean 'chunk_rows'?); valid options: store," in result.output
