"""Run bergson 2.5.1 from the project's environment: `bergson_scores` tokenises the rows like the project's training
(`provenance.data.tokenize_sft`), hands them to `benchmarks.bergson.score` in bergson's own virtual environment
(``.venv-bergson``: bergson pins what the project's environment does not), and reads back the score matrix.

    from benchmarks.bergson.runner import bergson_scores

    scores = bergson_scores(train_rows, queries, "runs/x/adapter", tokenizer=tok, method="cosine")
    scores.shape   # (len(queries), len(train_rows)); positive = the row's gradient step lowers the query's loss
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from collections.abc import Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VENV = REPO / ".venv-bergson"
METHODS = ("cosine", "dot", "trackstar")


class BergsonUnavailableError(RuntimeError):
    """bergson's virtual environment is missing or broken (build it with ``make bergson-venv``)."""


def bergson_python(venv: str | os.PathLike | None = None) -> Path:
    """The interpreter of bergson's virtual environment (``$BERGSON_VENV`` or ``.venv-bergson``).

    Raises:
        BergsonUnavailableError: the environment does not exist or has no bergson.
    """
    venv = Path(venv or os.environ.get("BERGSON_VENV") or DEFAULT_VENV)
    py = venv / "bin" / "python"
    if not py.exists():
        raise BergsonUnavailableError(f"no bergson environment at {venv}: run `make bergson-venv` (creates "
                                      f"{DEFAULT_VENV.name} with bergson==2.5.1 --no-deps and its runtime deps)")
    return py


def tokenized_rows(rows: Sequence[dict], tokenizer: Any | None, max_length: int) -> list[dict]:
    """``{"input_ids", "labels"}`` per row: a row that already has both is kept as is, a row with ``prompt`` and
    ``response`` is tokenised with `provenance.data.tokenize_sft` (chat template, labels -100 on the prompt).

    Raises:
        ValueError: a row with neither form, or whose response is truncated away.
    """
    from provenance.data import IGNORE_INDEX, tokenize_sft

    out = []
    for i, r in enumerate(rows):
        if "input_ids" in r and "labels" in r:
            ids, labels = [int(x) for x in r["input_ids"]], [int(x) for x in r["labels"]]
        elif "prompt" in r and "response" in r:
            if tokenizer is None:
                raise ValueError("rows with prompt/response need a tokenizer (pass tokenizer=...)")
            enc = tokenize_sft(tokenizer, r["prompt"], r["response"], max_length=max_length)
            ids, labels = list(enc["input_ids"]), list(enc["labels"])
        else:
            raise ValueError(f"row {i} has neither prompt/response nor input_ids/labels: keys {sorted(r)}")
        if all(l == IGNORE_INDEX for l in labels):
            raise ValueError(f"row {i} has no response token within max_length {max_length}")
        out.append({"input_ids": ids, "labels": labels})
    return out


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def bergson_scores(train_rows: Sequence[dict], queries: Sequence[dict], model_dir: str | os.PathLike, *,
                   tokenizer: Any | None = None, tokenizer_dir: str | os.PathLike | None = None,
                   method: str = "cosine", max_length: int = 512, projection_dim: int = 0, workdir=None,
                   venv=None, threads: int = 1, timeout: float | None = None) -> np.ndarray:
    """bergson's attribution scores of every training row for every query.

    Args:
        train_rows: Training rows, each ``{"prompt", "response"}`` or pre-tokenised ``{"input_ids", "labels"}``
            (other keys ignored), in the order of the returned columns.
        queries: Query rows in the same forms, in the order of the returned rows.
        model_dir: The trained model: a PEFT adapter folder (whose ``adapter_config.json`` names a local base
            model folder) or a full model folder.
        tokenizer: Tokenizer for prompt/response rows (the training tokenizer).
        tokenizer_dir: Tokenizer folder for bergson (default: the adapter's base model, else ``model_dir``).
        method: ``"cosine"`` (gradient cosine), ``"dot"`` (gradient inner product) or ``"trackstar"``.
        max_length: Token budget of prompt/response rows (as in training).
        projection_dim: bergson's random projection per module (0: none; trackstar uses 16 when 0).
        workdir: Folder for the JSONL files, bergson's run folder and the .npy (default: a temporary folder,
            deleted afterwards).
        venv: bergson's virtual environment (default ``$BERGSON_VENV`` or ``.venv-bergson``).
        threads: torch intra-op threads in the bergson process.
        timeout: Seconds before the bergson process is killed (None: no limit).

    Returns:
        float32 ``[len(queries), len(train_rows)]``; positive = the training row helps the query (its gradient
        step lowers the query's loss).

    Raises:
        BergsonUnavailableError: no bergson environment.
        ValueError: bad rows or method.
        RuntimeError: the bergson process failed (its last output lines are in the message).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not train_rows or not queries:
        raise ValueError(f"bergson_scores needs training rows and queries (got {len(train_rows)} and {len(queries)})")
    py = bergson_python(venv)
    train = tokenized_rows(train_rows, tokenizer, max_length)
    query = tokenized_rows(queries, tokenizer, max_length)
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="bergson-")
        workdir = tmp.name
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        _write_jsonl(work / "train.jsonl", train)
        _write_jsonl(work / "queries.jsonl", query)
        out = work / f"scores_{method}.npy"
        cmd = [str(py), "-m", "benchmarks.bergson.score", "--train", str(work / "train.jsonl"),
               "--queries", str(work / "queries.jsonl"), "--model", str(model_dir), "--method", method,
               "--out", str(out), "--workdir", str(work / f"run_{method}"),
               "--projection-dim", str(projection_dim), "--threads", str(threads)]
        if tokenizer_dir:
            cmd += ["--tokenizer", str(tokenizer_dir)]
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=str(REPO), WANDB_MODE="disabled",
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1")
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=str(REPO), env=env, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
            raise RuntimeError(f"bergson ({method}) failed with exit code {proc.returncode} after "
                               f"{time.perf_counter() - t0:.0f}s:\n{tail}")
        scores = np.load(out)
    finally:
        if tmp is not None:
            tmp.cleanup()
    if scores.shape != (len(query), len(train)):
        raise RuntimeError(f"bergson returned scores of shape {scores.shape}, expected {(len(query), len(train))}")
    return scores
