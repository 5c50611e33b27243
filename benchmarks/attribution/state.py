"""A benchmark run folder's attribution state (``attribution_state.json``, read and updated under a lock by
concurrent phases) and what the phases read back from the run: its attributor and its queried behaviours."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path

from benchmarks.attribution.train import load_trained


def load_state(out: Path) -> dict:
    """The run's attribution_state.json, with the attribution phase's keys present: a causal validity check
    (`--phase causal --conditions full "drop planted"`) writes the file before any attribution phase has run."""
    path = out / "attribution_state.json"
    state = json.loads(path.read_text()) if path.exists() else {}
    state.setdefault("query_info", {})
    state.setdefault("seconds", {})
    return state


@contextlib.contextmanager
def locked_state(out: Path):
    """The run's state for a read-modify-write. Phases of one run may run in concurrent processes (causal retrains
    beside the attribution phase): the lock keeps one from writing back a state read before the other's update,
    and the atomic replace keeps a reader from seeing half a file."""
    path = out / "attribution_state.json"
    with open(out / ".attribution_state.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = load_state(out)
        yield state
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        os.replace(tmp, path)


def attributor_of(out: Path):
    """(Attributor over the run's store with its final model, the store) of a trained benchmark run."""
    from provenance.attribution.query import Attributor
    from provenance.store import open_store

    model, tok = load_trained(out)
    store = open_store(str(out / "store.zarr"))
    return Attributor(store, model, tok), store


def queried_behaviours(out: Path):
    """(behaviour, test cases, culprit ids) for each behaviour the run's attribution phase queried."""
    from provenance.attribution.query import TestCase

    meta = json.loads((out / "scenario.json").read_text())
    state = json.loads((out / "attribution_state.json").read_text())
    for behaviour, q in state["query_info"].items():
        if q.get("cases"):
            yield (behaviour, [TestCase(p, g, name=f"{behaviour}{i}") for i, (p, g) in enumerate(q["cases"])],
                   set(meta["culprits"][behaviour]))
