"""benchmarks/gpu_check: the CPU smoke mode end to end (results file and its fields), JUnit parsing, bad input."""
import json

import pytest
import torch

from benchmarks.gpu_check import run
from benchmarks.gpu_check.exactness import parse_junit
from benchmarks.gpu_check.overhead import CaseSpec

HIDDEN = 32  # the tiny llama's hidden size


@pytest.mark.slow  # two pytest child processes (the exactness part) and eight short Trainer runs: ~30 CPU seconds
def test_smoke_mode_writes_the_results_and_their_rendering(tmp_path):
    out = tmp_path / "results.json"
    batch, seq, warmup, steps, repeats = 2, 16, 1, 2, 2
    rc = run.main(["--smoke", "--out", str(out), "--batch-size", str(batch), "--seq-len", str(seq),
                   "--warmup", str(warmup), "--steps", str(steps), "--repeats", str(repeats)])
    results = json.loads(out.read_text())
    assert rc == 0 and results["ok"] is True
    assert (results["mode"], results["schema"], results["parts"]) == ("smoke", 1, ["exactness", "overhead"])
    assert results["environment"]["device"] == "cpu" and results["environment"]["torch"] == torch.__version__
    assert [(e["device"], e["precision"]) for e in results["exactness"]] == [("cpu", "fp32"), ("cpu", "bf16")]
    for e in results["exactness"]:
        assert (e["passed"], e["failed"], e["errors"], e["failures"]) == (2, 0, 0, [])
    assert [(c["model"], c["tuning"]) for c in results["overhead"]] == [("tiny-llama", "lora"), ("tiny-llama", "full")]
    for c in results["overhead"]:
        assert len(c["ratios"]) == repeats and c["ratio"] > 0 and c["with_ms"] > 0 and c["without_ms"] > 0
        assert (c["batch_size"], c["seq_len"], c["timed_steps"], c["dtype"]) == (batch, seq, steps, "float32")
        assert len(c["layers"]) == 1, c["layers"]  # one automatic choice in every trial
        n_layers = len(c["layers"][0])
        # Every row kept: 4 signatures of [batch, 32] float32 per layer, the loss, and (the default token_layers
        # "auto") every token's state at one layer, [batch, seq, 32] float32; blocking: labels, ids and mask
        # (int64 [batch, seq]), kept rows and last prompt positions (int64 [batch]), the finite mask (bool [batch]).
        assert c["host_async_bytes_per_step"] == n_layers * 4 * batch * HIDDEN * 4 + batch * 4 + batch * seq * HIDDEN * 4
        assert c["host_blocking_bytes_per_step"] == 3 * batch * seq * 8 + 2 * batch * 8 + batch
        assert c["host_blocking_copies_per_step"] == 6
        # The engine exists after the first step: the later steps' batches are timed, every one of them.
        assert c["writer_batches_timed"] == repeats * (warmup + steps - 1)
        assert c["writer_pickup_lag_ms"]["median"] >= 0 and c["writer_event_wait_ms"]["max"] >= 0
        assert c["rows_per_trial"] == batch * (warmup + steps)
    assert results["goal"] == {"model": "llama-1b", "ratio_max": 1.05, "worst_ratio": None, "met": None}
    md = out.with_suffix(".md").read_text()
    assert md.startswith("# GPU check (smoke mode: CPU, tiny model, not a measurement)")
    assert "| cpu | bf16 | 2 | 0 | 0 | 0 |" in md and "| tiny-llama | full |" in md


def test_cases_past_the_time_budget_are_recorded_as_not_run(tmp_path):
    out = tmp_path / "results.json"
    rc = run.main(["--smoke", "--parts", "overhead", "--budget-s", "1e-9", "--out", str(out)])
    results = json.loads(out.read_text())
    assert rc == 1 and results["ok"] is False and results["exactness"] == []
    assert [(c["model"], c["tuning"]) for c in results["overhead"]] == [("tiny-llama", "lora"), ("tiny-llama", "full")]
    for c in results["overhead"]:
        assert c["skipped"].startswith("not started: the run had used 0 s of its 1e-09 s budget (--budget-s)")
    assert "- tiny-llama full: not started: the run had used" in out.with_suffix(".md").read_text()


def test_junit_report_is_counted_with_failures_and_skip_reasons(tmp_path):
    xml = tmp_path / "junit.xml"
    xml.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="t" name="test_ok"/>'
        '<testcase classname="t" name="test_bad"><failure message="AssertionError: cosine 0.98 &lt; 0.999&#10;more">'
        'trace</failure></testcase>'
        '<testcase classname="t" name="test_broken"><error message="fixture failed">trace</error></testcase>'
        '<testcase classname="t" name="test_a"><skipped type="pytest.skip" message="no CUDA GPU"/></testcase>'
        '<testcase classname="t" name="test_b"><skipped type="pytest.skip" message="no CUDA GPU"/></testcase>'
        "</testsuite></testsuites>")
    assert parse_junit(xml) == {"passed": 1, "failed": 1, "skipped": 2, "errors": 1,
                                "failures": ["test_bad: AssertionError: cosine 0.98 < 0.999",
                                             "test_broken: fixture failed"],
                                "skip_reasons": ["no CUDA GPU"]}


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without a GPU")
def test_full_mode_without_a_gpu_is_refused_with_the_way_out(capsys):
    with pytest.raises(SystemExit) as exc:
        run.parse_args([])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "no CUDA GPU is available" in err and "or use --smoke for the CPU smoke mode" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--smoke", "--steps", "0"], "--steps must be >= 1, got 0"),
    (["--device", "cpu"], "--device cpu is not a CUDA device"),
    (["--smoke", "--device", "tpu"], "--device 'tpu' is not a device"),
])
def test_bad_options_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit):
        run.parse_args(argv)
    assert message in capsys.readouterr().err


def test_case_spec_refuses_what_cannot_be_measured():
    with pytest.raises(ValueError, match="tuning must be one of"):
        CaseSpec(model="tiny-llama", tuning="qlora", batch_size=1, seq_len=8, warmup=1, steps=1, repeats=1)
    with pytest.raises(ValueError, match=r"warmup must be >= 1 \(the first step builds the capture engine\)"):
        CaseSpec(model="tiny-llama", tuning="lora", batch_size=1, seq_len=8, warmup=0, steps=1, repeats=1)
