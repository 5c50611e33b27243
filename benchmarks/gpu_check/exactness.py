"""Part (a): the capture exactness tests at one device and each precision, run by pytest in child processes.

The tests read their target from PROVENANCE_TEST_DEVICE / PROVENANCE_TEST_PRECISION (tests/capture_reference.py), so
each precision needs its own process; they run side by side (the tiny models leave a GPU and the cores mostly idle),
and children keep this process's CUDA context and imports out of them. The outcome is read from pytest's JUnit XML.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEST_FILE = "tests/capture/test_capture_exactness.py"


def run_exactness(device: str, precisions: Sequence[str], *, select: str | None = None,
                  timeout_s: float = 600.0) -> list[dict]:
    """Run the exactness tests at `device` in each precision; per precision the counts, failing tests and skip reasons.

    Args:
        device: "cpu", "cuda" or "cuda:N" (PROVENANCE_TEST_DEVICE).
        precisions: "fp32" and / or "bf16" (PROVENANCE_TEST_PRECISION; bf16 = bf16 autocast).
        select: a pytest -k expression limiting the tests (None: all of them).
        timeout_s: a child still running after this long is stopped (counted as an error).

    Raises:
        ValueError: timeout_s is not positive or no precision is given.
    """
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    if not precisions:
        raise ValueError("give at least one precision (fp32, bf16)")
    with tempfile.TemporaryDirectory() as tmp:
        started = []
        for precision in precisions:
            xml = Path(tmp) / f"junit-{precision}.xml"
            env = dict(os.environ, PROVENANCE_TEST_DEVICE=device, PROVENANCE_TEST_PRECISION=precision)
            env.setdefault("OMP_NUM_THREADS", "1")
            cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}", TEST_FILE]
            if select:
                cmd += ["-k", select]
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True)
            started.append((precision, xml, proc, time.perf_counter()))
        deadline = time.perf_counter() + timeout_s
        return [_collect(device, precision, select, xml, proc, t0, deadline) for precision, xml, proc, t0 in started]


def _collect(device: str, precision: str, select: str | None, xml: Path, proc: subprocess.Popen, t0: float,
             deadline: float) -> dict:
    head = {"device": device, "precision": precision, "select": select}
    try:
        output, _ = proc.communicate(timeout=max(1.0, deadline - time.perf_counter()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {**head, "passed": 0, "failed": 0, "skipped": 0, "errors": 1, "failures": ["pytest did not finish in time"],
                "skip_reasons": [], "seconds": round(time.perf_counter() - t0, 1)}
    seconds = round(time.perf_counter() - t0, 1)
    if not xml.exists():  # pytest stopped before writing its report (a collection or usage error)
        tail = output.strip().splitlines()[-5:]
        return {**head, "passed": 0, "failed": 0, "skipped": 0, "errors": 1, "failures": [" | ".join(tail)],
                "skip_reasons": [], "seconds": seconds}
    result = parse_junit(xml)
    if proc.returncode not in (0, 5) and not (result["failed"] or result["errors"]):
        result["errors"] += 1  # the exit status says failure though no test case did: keep that visible
        result["failures"].append(f"pytest exited with status {proc.returncode}")
    return {**head, **result, "seconds": seconds}


def parse_junit(path: Path) -> dict:
    """Counts, failing tests (name: first line of the message) and distinct skip reasons of a JUnit XML report."""
    root = ET.parse(path).getroot()
    counts = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
    failures, skip_reasons = [], []
    for case in root.iter("testcase"):
        name = case.get("name")
        outcome = "passed"
        for child in case:
            if child.tag == "failure":
                outcome = "failed"
            elif child.tag == "error":
                outcome = "errors"
            elif child.tag == "skipped":
                outcome = "skipped"
                reason = (child.get("message") or "").strip()
                if reason and reason not in skip_reasons:
                    skip_reasons.append(reason)
            if child.tag in ("failure", "error"):
                message = (child.get("message") or child.text or "").strip().splitlines()
                failures.append(f"{name}: {message[0] if message else child.tag}"[:300])
        counts[outcome] += 1
    return {**counts, "failures": failures, "skip_reasons": skip_reasons}
