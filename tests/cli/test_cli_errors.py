"""`provenance` errors: one or two lines on stderr and an exit status, the traceback only with --debug (issue 22)."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from attribution_helpers import write_synthetic
from provenance import errors
from provenance.cli import app
from provenance.cli_errors import EXIT_FAILURE, EXIT_USAGE, classify, error_message, report
from provenance.models import tiny_causal_lm
from provenance.train_recipe import RecipeError


def invoke(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env, prog_name="provenance")


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A synthetic store: run 'run', 20 samples x 2 epochs = 40 rows."""
    path = tmp_path_factory.mktemp("errs") / "s.zarr"
    write_synthetic(path, tiny_causal_lm("llama", seed=0), n=20, epochs=2)
    return path


def test_a_missing_store_is_one_line_and_exit_2(tmp_path):
    result = invoke("inspect", tmp_path / "missing.zarr")
    assert result.exit_code == EXIT_USAGE == 2
    assert result.stderr == f"error: no provenance store at {tmp_path / 'missing.zarr'}\n"
    assert result.stdout == ""


def test_an_unknown_run_is_one_line_and_exit_2(store):
    result = invoke("inspect", store, "--run", "nope")
    assert result.exit_code == 2
    assert result.stderr == f"error: run 'nope' not found in {store}; runs: ['run']\n"


def test_inspect_of_a_good_store_still_works(store):
    result = invoke("inspect", store, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"]["run"]["rows"] == 40


@pytest.mark.parametrize("member", ["zarr.json", "run/zarr.json", "run/rank-0/zarr.json",
                                    "run/rank-0/layer-3/h_last/zarr.json"])
def test_a_truncated_metadata_file_is_named_in_one_line_exit_1(store, tmp_path, member):
    damaged = tmp_path / "d.zarr"
    subprocess.run(["cp", "-r", str(store), str(damaged)], check=True)
    meta = damaged / member
    meta.write_bytes(meta.read_bytes()[:40])
    result = invoke("inspect", damaged)
    assert result.exit_code == EXIT_FAILURE == 1
    out = lines(result.stderr)
    # The store's StoreCorruptError names the file (provenance.store.verify): one line, no traceback.
    assert len(out) == 1 and out[0].startswith(f"error: {meta}: not valid JSON"), result.stderr
    assert "Traceback" not in result.output


def test_a_missing_shard_is_one_line_exit_1(store, tmp_path):
    damaged = tmp_path / "d.zarr"
    subprocess.run(["cp", "-r", str(store), str(damaged)], check=True)
    (damaged / "run" / "rank-0" / "sample_id" / "c" / "1").unlink()
    result = invoke("inspect", damaged)
    assert result.exit_code == 1 and result.stdout == ""
    out = lines(result.stderr)
    assert len(out) == 1 and out[0].startswith("error: ") and "run/rank-0/sample_id" in out[0], result.stderr


def test_debug_flag_and_env_var_show_the_traceback(tmp_path):
    missing = tmp_path / "missing.zarr"
    # --debug: the exception goes through with its full traceback (typer prints it; exit 1 like any uncaught error).
    proc = subprocess.run([sys.executable, "-m", "provenance.cli", "--debug", "inspect", str(missing)],
                          capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "1000"})
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and f"StoreNotFoundError: no provenance store at {missing}" in proc.stderr
    assert len(lines(proc.stderr)) > 5
    # PROVENANCE_DEBUG=1: the same; CliRunner hands the exception back.
    result = invoke("inspect", missing, env={"PROVENANCE_DEBUG": "1"})
    assert isinstance(result.exception, errors.StoreNotFoundError) and result.exit_code == 1
    result = invoke("inspect", missing, env={"PROVENANCE_DEBUG": "0"})
    assert result.exit_code == 2 and len(lines(result.stderr)) == 1


def test_without_debug_the_script_prints_one_line(tmp_path):
    missing = tmp_path / "missing.zarr"
    proc = subprocess.run([sys.executable, "-m", "provenance.cli", "inspect", str(missing)], capture_output=True,
                          text=True, env={k: v for k, v in os.environ.items() if k != "PROVENANCE_DEBUG"})
    assert proc.returncode == 2
    assert proc.stderr == f"error: no provenance store at {missing}\n" and proc.stdout == ""


def test_a_bug_shows_its_last_frames_and_says_it_is_a_bug(store, monkeypatch):
    import provenance.cli as cli

    def broken(url, run=None):
        return {}["schema_version"]   # a KeyError the project never raises on purpose

    monkeypatch.setattr(cli, "store_summary", broken)
    result = invoke("inspect", store)
    assert result.exit_code == 1
    out = lines(result.stderr)
    assert out[0] == "Traceback (most recent call last):"
    assert out[-2] == "KeyError: 'schema_version'"
    assert out[-1] == ("bug: unexpected KeyError in `provenance inspect`; please report it with this output (add "
                       "--debug or PROVENANCE_DEBUG=1 for the full traceback)")
    # The frames are the command's and the failing function's (typer's own are left out), each with its code line.
    assert [ln.strip().split(", ")[-1] for ln in out if ln.strip().startswith("File ")] == ["in inspect", "in broken"]
    assert "return {}[\"schema_version\"]" in result.stderr and len(out) <= 3 * 6 + 3


def test_usage_errors_keep_typers_format(tmp_path):
    result = invoke("inspect")
    assert result.exit_code == 2 and "Missing argument" in result.stderr
    result = invoke("query", tmp_path, "--model", "m", "--prompt", "p", "--max-length", "0")
    assert result.exit_code == 2 and "--max-length" in result.stderr


@pytest.mark.parametrize("exc, code", [
    (errors.StoreNotFoundError("x"), EXIT_USAGE),
    (errors.StoreMismatchError("x"), EXIT_USAGE),
    (errors.StoreExistsError("x"), EXIT_USAGE),
    (errors.CaptureInputError("x"), EXIT_USAGE),
    (errors.BehaviourInputError("x"), EXIT_USAGE),
    (RecipeError("x"), EXIT_USAGE),
    (FileNotFoundError(errno.ENOENT, "No such file or directory", "a.jsonl"), EXIT_USAGE),
    (errors.StoreLockedError("x"), EXIT_USAGE),
    (errors.StoreWriteError("x"), EXIT_FAILURE),
    (errors.StoreCorruptError("x"), EXIT_FAILURE),
    (OSError(errno.ENOSPC, "No space left on device", "/out.csv"), EXIT_FAILURE),
    (KeyError("prompt"), None),
    (TypeError("x"), None),
])
def test_exit_status_of_each_kind_of_error(exc, code):
    assert classify(exc) == code


def test_a_plain_error_raised_on_purpose_by_provenance_is_an_input_error():
    from provenance.attribution.query import as_cases
    from provenance.attribution.token_match import base_model_context

    with pytest.raises(ValueError) as deliberate:   # a `raise ValueError(...)` statement of the library
        base_model_context(object(), None)
    assert classify(deliberate.value) == EXIT_USAGE
    with pytest.raises(KeyError) as slip:           # a dict lookup inside the library: not a raise statement
        as_cases([{"response": "r"}])
    assert classify(slip.value) is None
    with pytest.raises(ValueError) as deep:         # raised inside numpy, not by provenance
        np.ones(3).reshape(2)
    assert classify(deep.value) is None


def test_an_os_error_prints_its_reason_and_path(capsys):
    assert report(OSError(errno.ENOSPC, "No space left on device", "/out.csv")) == 1
    assert capsys.readouterr().err == "error: No space left on device: /out.csv\n"
    assert report(errors.StoreNotFoundError("two\nlines")) == 2
    assert capsys.readouterr().err == "error: two lines\n"
    assert error_message(KeyError("no layer 9")) == "no layer 9"   # not str(KeyError)'s repr quotes


def test_inspect_check_reports_ok_or_each_problem(store, tmp_path):
    import provenance.store as store_api
    result = invoke("inspect", store, "--check")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 40 rows verified\n" and result.stderr == ""
    assert invoke("inspect", store, "--check", "--run", "run").stdout == "ok: 40 rows verified\n"
    damaged = tmp_path / "d.zarr"
    subprocess.run(["cp", "-r", str(store), str(damaged)], check=True)
    chunk = damaged / "run" / "rank-0" / "sample_id" / "c" / "1"   # shard 1 (32 rows a shard): rows 32-39
    chunk.unlink()
    problems = store_api.verify_store(str(damaged))
    assert [(p.path, p.rows) for p in problems] == [("run/rank-0/sample_id", (32, 39))]
    result = invoke("inspect", damaged, "--check")
    assert result.exit_code == 1
    assert result.stdout == f"run/rank-0/sample_id rows 32-39: {problems[0].what}\n"
    assert result.stderr == (f"error: 1 damaged part(s) in {damaged}: restore them from a copy or capture the run "
                             "again\n")
    as_json = invoke("inspect", damaged, "--check", "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {"store": str(damaged), "ok": False, "rows": None, "problems": [
        {"path": "run/rank-0/sample_id", "rows": [32, 39], "what": problems[0].what}]}
