"""`provenance.callbacks` from editable and wheel installs; `provenance inspect`."""
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]


def test_editable_install_maps_callbacks_dir():
    import provenance.callbacks

    assert Path(provenance.callbacks.__file__).resolve() == REPO / "callbacks" / "__init__.py"
    from provenance.callbacks import ProvenanceCallback  # noqa: F401  (lazy import resolves)


@pytest.mark.slow
def test_wheel_ships_callbacks_as_provenance_callbacks(tmp_path):
    # Build from the tracked files only, as a fresh clone would: a local egg-info or build/ can hide missing packages.
    src = tmp_path / "src"
    for rel in subprocess.run(["git", "ls-files"], cwd=REPO, check=True, capture_output=True, text=True).stdout.split():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(src)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("provenance-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "provenance/callbacks/__init__.py" in names and "provenance/callbacks/lightning.py" in names
    assert not any(n.startswith("callbacks/") for n in names)
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    # PYTHONPATH precedes the editable finder, so this imports the wheel's copy.
    code = ("import provenance.callbacks as c; from provenance.callbacks import ProvenanceCallback, ProvenanceTrainerCallback; "
            "import provenance.capture, provenance.store, provenance.data, provenance.attribution, provenance.session, sys; "
            "print('\\n'.join(m.__file__ for n, m in sorted(sys.modules.items()) if n.startswith('provenance') and getattr(m, '__file__', None)))")
    out = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin"},
                         cwd=tmp_path, check=True, capture_output=True, text=True).stdout.split()
    assert str(unpacked / "provenance" / "callbacks" / "__init__.py") in out
    # Every provenance module comes from the wheel, none from the repository through the editable finder.
    assert len(out) > 20 and all(f.startswith(str(unpacked)) for f in out), [f for f in out if not f.startswith(str(unpacked))]


def test_inspect_reports_rows_ranks_layers_and_schema(tmp_path):
    import numpy as np

    from provenance.cli import app
    from provenance.store import CaptureRows, StoreWriter

    store = str(tmp_path / "s.zarr")
    for rank in (0, 1):
        with StoreWriter(store, "r1", rank=rank, world_size=2, model={"name": "m", "config_hash": "abc"},
                         run_attrs={"layers": [3], "hidden_size": 4}, wait_for_run_s=5) as w:
            n = 3 + rank
            w.put(CaptureRows(sample_id=list(range(10 * rank, 10 * rank + n)), source=["a", "b", "a", "b"][:n], epoch=0, step=0,
                              loss=np.ones(n, np.float32), prompt_len=np.ones(n, np.int32),
                              token_ids=[np.arange(5)] * n, signatures={3: {"h_last": np.ones((n, 4), np.float32)}},
                              skipped={"no_response_tokens": 1},
                              token_states={5: np.arange(5 * n * 2, dtype=np.float32).reshape(5 * n, 2) + 100 * rank}))
    result = CliRunner().invoke(app, ["inspect", store, "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    run = info["runs"]["r1"]
    assert info["schema_version"] == 1 and info["model"]["config_hash"] == "abc"
    assert run["rows"] == 7 and run["committed_per_rank"] == {"0": 3, "1": 4}
    assert run["sources"] == {"a": 4, "b": 3} and run["layers"] == [3] and run["signatures"] == ["h_last"]
    assert run["skipped"] == {"no_response_tokens": 2}
    assert run["token_state_layers"] == [5]
    # global row 4 = rank 1's second row: its 5 tokens' states
    from provenance import open_store
    np.testing.assert_array_equal(open_store(store, run="r1").token_states(5, [4])[0],
                                  np.arange(10, 20, dtype=np.float32).reshape(5, 2) + 100)
    table = CliRunner().invoke(app, ["inspect", store])
    assert table.exit_code == 0 and "rank 1: 4" in table.output
