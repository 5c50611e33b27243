"""The retrain bank and the full run: one JSON file per finished model, so a killed bank resumes where it stopped.

Layout of a bank folder ``OUT``::

    OUT/setting.json              the Setting, the subsets' seed / count / fraction (a bank never mixes settings)
    OUT/full/adapter/             the full run's LoRA adapter (all rows, capture on)
    OUT/full/store.zarr           its ProvenanceCallback store
    OUT/full/full.json            its test losses and timings
    OUT/bank/subset_NNN.json      one retrained model: rows kept, test losses, timings
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.lds.lds import sample_subsets
from benchmarks.lds.setting import Setting, case_losses, heldout_cases, train_model, train_records, write_json


def bank_config(setting: Setting, n_subsets: int, fraction: float, subset_seed: int) -> dict:
    # Through JSON, so it compares equal to what a bank folder holds (tuples come back as lists).
    return json.loads(json.dumps({"setting": setting.to_json(), "n_subsets": int(n_subsets),
                                  "fraction": float(fraction), "subset_seed": int(subset_seed)}))


def init_bank(out: Path, setting: Setting, n_subsets: int, fraction: float = 0.5, subset_seed: int = 0) -> dict:
    """Write (or check) ``OUT/setting.json``. A folder holding a bank of another setting is refused; only the
    number of subsets may grow (subset j depends on (seed, j) alone).

    Raises:
        ValueError: the folder's bank has another setting, fraction or subset seed.
    """
    out.mkdir(parents=True, exist_ok=True)
    cfg = bank_config(setting, n_subsets, fraction, subset_seed)
    path = out / "setting.json"
    if path.exists():
        old = json.loads(path.read_text())
        differ = [k for k in ("setting", "fraction", "subset_seed") if old.get(k) != cfg[k]]
        if differ:
            raise ValueError(f"{out} holds a bank with another {', '.join(differ)} ({path}): pass another --out, or "
                             "delete that folder to start over")
        cfg["n_subsets"] = max(int(old["n_subsets"]), cfg["n_subsets"])
    write_json(path, cfg)
    return cfg


def load_config(out: Path) -> dict:
    path = out / "setting.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `python -m benchmarks.lds.run --out {out} --phase bank` "
                                "(or --phase full) first")
    return json.loads(path.read_text())


def subset_path(out: Path, j: int) -> Path:
    return out / "bank" / f"subset_{j:03d}.json"


def _claim(path: Path) -> bool:
    """Claim a subset for this process (a ``.claim`` file created atomically, holding the pid). A claim whose
    process is gone (killed bank) is stale and taken over."""
    claim = path.with_suffix(".claim")
    for _ in range(2):
        try:
            fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(claim.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                return False
            claim.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_bank(out: Path, reverse: bool = False, log=print) -> int:
    """Retrain the subsets that have no result yet and that no live process has claimed; returns how many ran.
    Any number of processes may run this on one bank at once (each claims a subset before training it);
    ``reverse`` walks the subsets from the last one."""
    cfg = load_config(out)
    setting = Setting.from_json(cfg["setting"])
    records, cases = train_records(setting), heldout_cases(setting)
    masks = sample_subsets(len(records), cfg["n_subsets"], fraction=cfg["fraction"], seed=cfg["subset_seed"])
    (out / "bank").mkdir(exist_ok=True)
    done = 0
    order = range(cfg["n_subsets"] - 1, -1, -1) if reverse else range(cfg["n_subsets"])
    for j in order:
        path = subset_path(out, j)
        if path.exists() or not _claim(path):
            continue
        try:
            if path.exists():   # finished by another process between the check and the claim
                continue
            t0 = time.perf_counter()
            kept = np.flatnonzero(masks[j])
            model, tok, info = train_model([records[i] for i in kept], setting)
            t1 = time.perf_counter()
            losses = case_losses(model, tok, cases, setting)
            write_json(path, {"index": j, "kept": kept.tolist(), "losses": losses.tolist(),
                              "train_seconds": info["seconds"], "steps": info["steps"],
                              "eval_seconds": round(time.perf_counter() - t1, 2),
                              "total_seconds": round(time.perf_counter() - t0, 2), "config": cfg})
            done += 1
            log(f"subset {j}: {len(kept)} rows, {info['steps']} steps, train {info['seconds']:.0f}s, "
                f"total {time.perf_counter() - t0:.0f}s, mean test loss {losses.mean():.4f}")
            del model
        finally:
            path.with_suffix(".claim").unlink(missing_ok=True)
    return done


def run_full(out: Path, log=print) -> dict:
    """The full run: every row, capture on; saves the adapter, the store and the full model's test losses."""
    cfg = load_config(out)
    setting = Setting.from_json(cfg["setting"])
    full = out / "full"
    if (full / "full.json").exists():
        log(f"full run already done ({full / 'full.json'})")
        return json.loads((full / "full.json").read_text())
    full.mkdir(exist_ok=True)
    records, cases = train_records(setting), heldout_cases(setting)
    model, tok, info = train_model(records, setting, store=full / "store.zarr")
    model.save_pretrained(str(full / "adapter"))
    t1 = time.perf_counter()
    losses = case_losses(model, tok, cases, setting)
    base = base_losses(setting, cases)
    res = {"losses": losses.tolist(), "base_losses": base.tolist(), "train_seconds": info["seconds"],
           "steps": info["steps"], "capture": info["capture"], "eval_seconds": round(time.perf_counter() - t1, 2),
           "config": cfg}
    write_json(full / "full.json", res)
    log(f"full run: {len(records)} rows, {info['steps']} steps, {info['seconds']:.0f}s; mean test loss "
        f"{losses.mean():.4f} (base model {base.mean():.4f})")
    return res


def base_losses(setting: Setting, cases: list[dict]) -> np.ndarray:
    """Test losses of the untuned model (how much the fine-tuning moved them)."""
    from provenance.models import load_causal_lm

    model, tok = load_causal_lm("smollm2-135m-instruct")
    return case_losses(model, tok, cases, setting)


def load_bank(out: Path) -> tuple[np.ndarray, np.ndarray, list[int], list[dict]]:
    """``(masks [m, n_train] bool, losses [m, n_queries], subset indices, per-subset records)`` of the finished
    subsets, checked against the bank's subsets (a result file of another draw is refused)."""
    cfg = load_config(out)
    setting = Setting.from_json(cfg["setting"])
    n_train = len(train_records(setting))
    expected = sample_subsets(n_train, cfg["n_subsets"], fraction=cfg["fraction"], seed=cfg["subset_seed"])
    idx, rows, recs = [], [], []
    for path in sorted((out / "bank").glob("subset_*.json")):
        rec = json.loads(path.read_text())
        j = int(rec["index"])
        if rec["config"]["setting"] != cfg["setting"] or j >= len(expected) \
                or not np.array_equal(np.flatnonzero(expected[j]), np.asarray(rec["kept"])):
            raise ValueError(f"{path} is not subset {j} of this bank's draw ({out / 'setting.json'}): remove it")
        idx.append(j)
        rows.append(rec["losses"])
        recs.append(rec)
    masks = expected[idx] if idx else np.zeros((0, n_train), bool)
    return masks, np.asarray(rows, np.float64).reshape(len(idx), -1), idx, recs


def main_threads(threads: int) -> None:
    """One intra-op thread per process: on a shared 2-core machine two processes with one thread each finish
    sooner than one with two."""
    torch.set_num_threads(int(threads))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
