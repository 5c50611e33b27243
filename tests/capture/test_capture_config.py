"""CaptureConfig: validation with exact messages, normalisation, from_dict, and the one config shared by
CaptureSession, both callbacks and the recipe's `provenance:` section."""
import dataclasses
import inspect
import typing

import pytest

from provenance.capture.config import CaptureConfig, CaptureOptions, resolve_config
from provenance.errors import CaptureConfigError
from provenance.session import CaptureSession

FIELDS = ("layers, signatures, token_layers, probe_prompts, encoding, projection_dim, projection_seed, shard_rows, "
          "chunk_rows, on_resume_mismatch")


@pytest.mark.parametrize("fields, message", [
    ({"layers": "all"}, "layers must be 'auto', a layer number or a non-empty list of layer numbers, got 'all'"),
    ({"layers": []}, "layers must be 'auto', a layer number or a non-empty list of layer numbers, got []"),
    ({"layers": [1, "2"]}, "layers must be 'auto', a layer number or a non-empty list of layer numbers, got [1, '2']"),
    ({"layers": True}, "layers must be 'auto', a layer number or a non-empty list of layer numbers, got True"),
    ({"layers": [0, 2, -1]}, "layers: layer(s) [-1, 0] do not exist; layers are numbered from 1 (the output of the "
                             "first decoder block; 0, the embeddings, is not captured)"),
    ({"token_layers": "last"}, "token_layers must be None, 'auto', a layer number or a non-empty list of layer "
                               "numbers, got 'last'"),
    ({"token_layers": 2.0}, "token_layers must be None, 'auto', a layer number or a non-empty list of layer numbers, "
                            "got 2.0"),
    ({"token_layers": {3}}, "token_layers must be None, 'auto', a layer number or a non-empty list of layer numbers, "
                            "got {3}"),
    ({"signatures": "h_mean"}, "signatures must be a non-empty list of ['h_last', 'g_last', 'h_mean', 'g_mean'], "
                               "got 'h_mean'"),
    ({"signatures": []}, "signatures must be a non-empty list of ['h_last', 'g_last', 'h_mean', 'g_mean'], got []"),
    ({"signatures": ["h_mean", "g_tok"]}, "signatures: unknown ['g_tok']; valid signatures: ['h_last', 'g_last', "
                                          "'h_mean', 'g_mean']"),
    ({"probe_prompts": 0}, "probe_prompts must be a positive int, got 0"),
    ({"encoding": "fp8"}, "encoding must be one of ['float16-rowscale', 'bfloat16', 'float32', 'int8'], got 'fp8'"),
    ({"projection_dim": 0}, "projection_dim must be a positive int, got 0"),
    ({"projection_dim": 64.0}, "projection_dim must be a positive int, got 64.0"),
    ({"projection_seed": 3}, "projection_seed=3 without projection_dim: a seed only chooses the random projection; "
                             "set projection_dim too, or drop projection_seed"),
    ({"projection_dim": 8, "projection_seed": "a"}, "projection_seed must be an int, got 'a'"),
    ({"shard_rows": -8}, "shard_rows must be a positive int, got -8"),
    ({"chunk_rows": 0}, "chunk_rows must be a positive int, got 0"),
    ({"shard_rows": 1000, "chunk_rows": 256}, "shard_rows=1000 must be a multiple of chunk_rows=256 (a shard is whole "
                                              "chunks), e.g. shard_rows=1024"),
    ({"shard_rows": 100}, "shard_rows=100 must be a multiple of chunk_rows=256 (a shard is whole chunks), e.g. "
                          "shard_rows=256"),
    ({"on_resume_mismatch": "skip"}, "on_resume_mismatch must be one of ('refuse', 'record'), got 'skip'"),
])
def test_each_invalid_field_is_refused_with_its_message(fields, message):
    with pytest.raises(CaptureConfigError) as err:
        CaptureConfig(**fields)
    assert str(err.value) == message


def test_configs_that_capture_the_same_thing_are_equal():
    assert CaptureConfig(layers=4) == CaptureConfig(layers=[4]) == CaptureConfig(layers=(4, 4))
    assert CaptureConfig(layers=[8, 2, 4]).layers == (2, 4, 8)
    assert CaptureConfig(signatures=["g_mean", "h_last"]).signatures == ("h_last", "g_mean")
    assert CaptureConfig(token_layers=[]).token_layers is None and CaptureConfig(token_layers=3).token_layers == (3,)
    assert CaptureConfig(projection_dim=16) == CaptureConfig(projection_dim=16, projection_seed=0)
    assert CaptureConfig(projection_dim=16, projection_seed=5).projection == {"seed": 5, "dim": 16}
    assert CaptureConfig().projection is None and CaptureConfig().layer_list is None
    assert CaptureConfig(layers=[3, 1]).layer_list == [1, 3]
    with pytest.raises(dataclasses.FrozenInstanceError):
        CaptureConfig().layers = [1]  # type: ignore[misc]


def test_from_dict_reads_to_dict_back_and_refuses_unknown_keys_listing_the_valid_ones():
    config = CaptureConfig(layers=[2, 4], token_layers="auto", encoding="int8", projection_dim=32, shard_rows=512)
    assert config.to_dict()["layers"] == [2, 4]
    assert CaptureConfig.from_dict(config.to_dict()) == config
    with pytest.raises(CaptureConfigError) as err:
        CaptureConfig.from_dict({"layer": 3, "encodng": "int8", "colour": 1})
    assert str(err.value) == ("capture options: unknown options 'layer' (did you mean 'layers'?), 'encodng' (did you "
                              f"mean 'encoding'?), 'colour'; valid options: {FIELDS}")
    with pytest.raises(CaptureConfigError) as err:
        CaptureConfig.from_dict({"stor": "x"}, context="r.yaml: provenance", also_accepted=("store", "run"))
    assert str(err.value) == ("r.yaml: provenance: unknown option 'stor' (did you mean 'store'?); valid options: "
                              f"store, run, {FIELDS}")
    assert CaptureConfig.from_dict({"store": "x", "layers": 2}, also_accepted=("store",)) == CaptureConfig(layers=2)
    with pytest.raises(CaptureConfigError, match=r"^capture options: expected a mapping of option names to values, "
                                                  r"got list$"):
        CaptureConfig.from_dict([("layers", 2)])


def test_int8_with_a_projection_is_a_valid_config():
    """The writer projects first and encodes the projected rows; int8's per-row absmax scale suits projected rows
    (no massive-activation dims left), so the combination is not a conflict."""
    assert CaptureConfig(encoding="int8", projection_dim=64).projection == {"seed": 0, "dim": 64}


def test_capture_options_are_exactly_the_config_fields_with_the_same_types():
    fields = typing.get_type_hints(CaptureConfig)
    assert typing.get_type_hints(CaptureOptions) == fields
    assert list(CaptureOptions.__annotations__) == list(fields) == list(CaptureConfig.field_names())
    assert CaptureOptions.__optional_keys__ == frozenset(fields)


def test_resolve_config_takes_a_config_a_mapping_or_keywords_but_not_both():
    config = CaptureConfig(layers=[1])
    assert resolve_config(config, {}) is config
    assert resolve_config({"layers": [1]}, {}) == config == resolve_config(None, {"layers": 1})
    assert resolve_config(None, {}) == CaptureConfig()
    with pytest.raises(CaptureConfigError) as err:
        resolve_config(config, {"encoding": "float32", "layers": [2]}, owner="ProvenanceCallback")
    assert str(err.value) == ("ProvenanceCallback: pass either config= or capture keyword arguments (encoding, "
                              "layers), not both; to change fields of a config, pass "
                              "config=dataclasses.replace(config, encoding=...)")
    with pytest.raises(CaptureConfigError) as err:
        resolve_config("layers=1", {}, owner="ProvenanceCallback")
    assert str(err.value) == "ProvenanceCallback: config must be a CaptureConfig or a mapping of its fields, got str"


# ---- the users of the config -----------------------------------------------------------------------------------
def _callbacks():
    from provenance.callbacks import ProvenanceCallback, ProvenanceTrainerCallback

    return [ProvenanceCallback, ProvenanceTrainerCallback]


@pytest.mark.parametrize("callback_cls", _callbacks(), ids=lambda c: c.__name__)
def test_callbacks_with_config_or_keywords_build_equal_sessions(callback_cls, tmp_path):
    fields = dict(layers=[3, 1], signatures=("g_mean", "h_mean"), token_layers=2, probe_prompts=4, encoding="float32",
                  projection_dim=16, projection_seed=7, shard_rows=64, chunk_rows=16, on_resume_mismatch="record")
    where = dict(run="r1", overwrite=True, storage_options={"auto_mkdir": True})
    store = str(tmp_path / "s.zarr")
    by_keywords = callback_cls(store, **where, **fields).session
    by_config = callback_cls(store, CaptureConfig(**fields), **where).session
    by_mapping = callback_cls(store, config=fields, **where).session
    for session in (by_config, by_mapping):
        assert session.config == by_keywords.config == CaptureConfig(**fields)
        assert (session.store, session.run, session.overwrite, session.storage_options) == \
            (store, "r1", True, {"auto_mkdir": True})
    assert by_keywords.config.projection == {"seed": 7, "dim": 16}
    assert callback_cls(store).session.config == CaptureConfig()


@pytest.mark.parametrize("callback_cls", _callbacks(), ids=lambda c: c.__name__)
def test_callbacks_refuse_unknown_options_and_config_with_options(callback_cls):
    name = callback_cls.__name__
    with pytest.raises(CaptureConfigError) as err:
        callback_cls("s.zarr", layer=[1])
    assert str(err.value) == (f"{name} capture options: unknown option 'layer' (did you mean 'layers'?); valid "
                              f"options: {FIELDS}")
    with pytest.raises(CaptureConfigError, match=rf"^{name}: pass either config= or capture keyword arguments"):
        callback_cls("s.zarr", CaptureConfig(), layers=[1])
    with pytest.raises(CaptureConfigError, match=r"^shard_rows=10 must be a multiple of chunk_rows=4"):
        callback_cls("s.zarr", shard_rows=10, chunk_rows=4)


@pytest.mark.parametrize("callback_cls", _callbacks(), ids=lambda c: c.__name__)
def test_callback_signatures_take_the_config_fields_once_as_typed_options(callback_cls):
    params = inspect.signature(callback_cls).parameters
    assert not set(params) & set(CaptureConfig.field_names())  # no field spelled out again
    assert params["options"].kind is inspect.Parameter.VAR_KEYWORD
    hints = typing.get_type_hints(callback_cls.__init__)
    assert hints["options"] == typing.Unpack[CaptureOptions]


def test_capture_session_takes_a_config_only():
    session = CaptureSession("s.zarr", CaptureConfig(layers=[2]), run="r")
    assert session.config.layers == (2,) and session.run == "r"
    assert CaptureSession("s.zarr").config == CaptureConfig()
    with pytest.raises(CaptureConfigError, match=r"^config must be a CaptureConfig, got dict$"):
        CaptureSession("s.zarr", {"layers": [2]})


def test_a_config_decides_what_the_store_holds(tmp_path):
    """One Lightning run with a non-default config: the store's layers, signatures, token states, encoding and
    projection are the config's."""
    import lightning.pytorch as pl
    import numpy as np
    import torch
    from torch.utils.data import DataLoader

    from capture_reference import collate, random_samples
    from lightning_app import CausalLMModule, ListDataset
    from provenance import open_store
    from provenance.callbacks import ProvenanceCallback
    from provenance.models import tiny_causal_lm

    torch.manual_seed(0)
    config = CaptureConfig(layers=[3, 1], signatures=("g_mean", "h_mean"), token_layers=2, encoding="float32",
                           projection_dim=8, projection_seed=3, shard_rows=8, chunk_rows=4)
    store = str(tmp_path / "s.zarr")
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False,
                         callbacks=[ProvenanceCallback(store, config, run="cfg")])
    loader = DataLoader(ListDataset(random_samples(10, seed=3)), batch_size=4, collate_fn=collate)
    trainer.fit(CausalLMModule(tiny_causal_lm("llama", seed=0)), train_dataloaders=loader)
    reader = open_store(store, run="cfg")
    assert len(reader) == 10 and reader.layers == [1, 3]
    assert sorted(reader.signature_names) == ["g_mean", "h_mean"]
    assert reader.run_attrs["token_layers"] == [2]
    assert reader.encoding == "float32" and reader.run_attrs["projection"] == {"seed": 3, "dim": 8}
    h = reader.array(1, "h_mean")
    assert h.shape == (10, 8) and h.dtype == np.float32  # projected to 8 dims, stored as float32
