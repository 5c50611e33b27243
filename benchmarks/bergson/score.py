"""bergson 2.5.1's post-hoc scoring of training rows against queries: the side that runs in ``.venv-bergson``.

    .venv-bergson/bin/python -m benchmarks.bergson.score --train train.jsonl --queries queries.jsonl \
        --model ADAPTER_OR_MODEL_DIR [--tokenizer DIR] --method cosine --out scores.npy [--workdir DIR]

Both JSONL files hold one pre-tokenised row per line, ``{"input_ids": [...], "labels": [...]}`` (labels -100 on
the prompt; `benchmarks.bergson.runner` writes them with the project's own tokenisation, so bergson sees exactly the
tokens the model was trained on). ``--model`` is a PEFT adapter folder (its ``adapter_config.json`` names the base
model, which must be a local folder) or a plain model folder.

Methods (all bergson's own pipelines, run through its documented command classes):

* ``cosine``: ``bergson build`` the query gradients, then ``bergson score`` the training rows against them with
  ``unit_normalize`` (gradient cosine similarity; the gradients of the adapter's LoRA modules when ``--model`` is
  an adapter).
* ``dot``: the same without normalisation (TracIn-style inner product at the final model).
* ``trackstar``: ``bergson trackstar`` (autocorrelation Hessians of the training and query gradients, mixed, used as
  preconditioner; random projection per module; unit normalisation).

The output is a float32 array ``[n_queries, n_train]``; positive = the training row's gradient step lowers the
query's loss (bergson's ``higher_is_better`` orientation; a store scored with the opposite orientation is negated).
This file imports bergson and so runs only in its virtual environment.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

METHODS = ("cosine", "dot", "trackstar")


def read_rows(path: Path) -> list[dict]:
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            r = json.loads(line)
            if not isinstance(r.get("input_ids"), list) or not isinstance(r.get("labels"), list):
                raise ValueError(f"{path}:{n}: each row needs lists 'input_ids' and 'labels' (pre-tokenised)")
            if len(r["input_ids"]) != len(r["labels"]):
                raise ValueError(f"{path}:{n}: input_ids ({len(r['input_ids'])}) and labels ({len(r['labels'])}) "
                                 "differ in length")
            if all(l == -100 for l in r["labels"][1:]):
                raise ValueError(f"{path}:{n}: no supervised token (every label after the first is -100)")
            rows.append({"input_ids": r["input_ids"], "labels": r["labels"]})
    if not rows:
        raise ValueError(f"{path} holds no rows")
    return rows


def save_dataset(rows: list[dict], folder: Path) -> str:
    from datasets import Dataset

    Dataset.from_list(rows).save_to_disk(str(folder))
    return str(folder)


def _index_cfg(run_path: Path, model: str, tokenizer: str, dataset: str, projection_dim: int, token_batch: int):
    from bergson.config.config import DataConfig, IndexConfig

    return IndexConfig(run_path=str(run_path), model=model, tokenizer=tokenizer, data=DataConfig(dataset=dataset),
                       projection_dim=projection_dim, token_batch_size=token_batch, precision="fp32")


def load_score_matrix(score_dir: Path, n_train: int, n_queries: int) -> np.ndarray:
    """bergson's score store as ``[n_queries, n_train]``, oriented so that higher = proponent."""
    from bergson.config.config import ScoreConfig
    from bergson.config.config_io import load_subconfig
    from bergson.data import load_scores

    scores = load_scores(score_dir)
    if not scores.is_written():
        raise RuntimeError(f"bergson left unwritten cells in {score_dir / 'scores.bin'}")
    mat = np.asarray(scores[:], np.float32)
    if mat.ndim == 1:
        mat = mat[:, None]
    if mat.shape != (n_train, n_queries):
        raise RuntimeError(f"bergson wrote scores of shape {mat.shape}, expected [n_train={n_train}, "
                           f"n_queries={n_queries}]")
    cfg = load_subconfig(str(score_dir), "score_cfg", ScoreConfig)
    if cfg is not None and not cfg.higher_is_better:
        mat = -mat
    return mat.T.copy()


def run(train: Path, queries: Path, model: str, tokenizer: str, method: str, workdir: Path, *,
        projection_dim: int = 0, token_batch: int = 2048) -> tuple[np.ndarray, dict]:
    from bergson.build import build
    from bergson.config.config import PreprocessConfig, QuerySetConfig, ScoreConfig, TrackstarConfig
    from bergson.score.score import score_dataset

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    train_rows, query_rows = read_rows(train), read_rows(queries)
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    train_ds = save_dataset(train_rows, workdir / "train.hf")
    query_ds = save_dataset(query_rows, workdir / "queries.hf")
    t0 = time.perf_counter()
    if method in ("cosine", "dot"):
        pre = PreprocessConfig(unit_normalize=method == "cosine")
        build(_index_cfg(workdir / "query", model, tokenizer, query_ds, projection_dim, token_batch), pre)
        score_dir = workdir / "scores"
        score_dataset(_index_cfg(score_dir, model, tokenizer, train_ds, projection_dim, token_batch),
                      ScoreConfig(query_path=str(workdir / "query"), score="individual"), pre)
    else:
        from bergson.cli.trackstar import trackstar

        cfg = _index_cfg(workdir / "trackstar", model, tokenizer, train_ds, projection_dim or 16, token_batch)
        ts = TrackstarConfig(query=QuerySetConfig(dataset=query_ds, aggregation="none"),
                             preprocess_cfg=PreprocessConfig(unit_normalize=True),
                             score_cfg=ScoreConfig(score="individual"), stats_sample_size=None)
        trackstar(cfg, ts)
        score_dir = workdir / "trackstar" / "scores"
    seconds = time.perf_counter() - t0
    mat = load_score_matrix(score_dir, len(train_rows), len(query_rows))
    return mat, {"method": method, "seconds": round(seconds, 2), "n_train": len(train_rows),
                 "n_queries": len(query_rows), "projection_dim": projection_dim}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=Path, required=True, help="JSONL of pre-tokenised training rows")
    p.add_argument("--queries", type=Path, required=True, help="JSONL of pre-tokenised query rows")
    p.add_argument("--model", required=True, help="PEFT adapter folder or model folder (local)")
    p.add_argument("--tokenizer", default="", help="tokenizer folder (default: the base model's)")
    p.add_argument("--method", choices=METHODS, default="cosine")
    p.add_argument("--out", type=Path, required=True, help="output .npy [n_queries, n_train]")
    p.add_argument("--workdir", type=Path, default=None, help="bergson's run folder (default: OUT's stem + .bergson)")
    p.add_argument("--projection-dim", type=int, default=0, help="random projection (0: none; trackstar: 16)")
    p.add_argument("--token-batch", type=int, default=2048, help="tokens per batch (capped at the model's context)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    tokenizer = args.tokenizer
    if not tokenizer:
        cfg_path = Path(args.model) / "adapter_config.json"
        tokenizer = json.loads(cfg_path.read_text())["base_model_name_or_path"] if cfg_path.exists() else args.model
    workdir = args.workdir or args.out.with_suffix(".bergson")
    # bergson refuses a token batch longer than the model's context: cap it there (a row never exceeds it).
    from transformers import AutoConfig

    context = getattr(AutoConfig.from_pretrained(tokenizer), "max_position_embeddings", None)
    token_batch = min(args.token_batch, context) if context else args.token_batch
    mat, info = run(args.train, args.queries, args.model, tokenizer, args.method, workdir,
                    projection_dim=args.projection_dim, token_batch=token_batch)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.out, mat)
    args.out.with_suffix(".json").write_text(json.dumps(info, indent=1))
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
