"""Read dataset folders in the layout of RepT's benchmark (Li et al., "Where Did It Go Wrong? Attributing Undesirable
LLM Behaviors via Representation Gradient Tracing", arXiv 2510.02334; https://github.com/plumprc/RepT, ``datasets/``).

    from provenance.data import read_rept_folder

    for ds in read_rept_folder("RepT/datasets"):            # every dataset found in the folder
        print(ds.name, len(ds), ds.poison_labels, f"{ds.poison_rate:.1%}", len(ds.test_prompts))
        small = ds.subsample(1000, seed=0)                  # keeps the poison rate
        records = small.records()                           # prompt / response / sample_id / source dicts

A dataset ``NAME`` is two things side by side in the folder: ``NAME/``, written by ``datasets.save_to_disk`` with
string columns ``prompts``, ``response`` and ``label``, and ``NAME_test.csv`` with a ``prompts`` column (optional
``expected_response`` and ``label``). Ordinary rows are labelled ``clean``; the planted rows carry another label
(``harmful``, ``error``, ...), which is what an attribution method should rank first. RepT writes its CSVs with
pandas' index but without an index header (``index_label=False``), so a data row has one field more than the header;
pandas reads the extra leading field as the index, which is dropped here.

Other entries of the folder (RepT's ``validation/`` directory of curated generations, a readme) are ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from provenance.errors import ProvenanceError

__all__ = ["CLEAN_LABEL", "REPT_LAYOUT", "ReptDataset", "ReptFormatError", "read_rept_dataset", "read_rept_folder"]

CLEAN_LABEL = "clean"
TRAIN_COLUMNS = ("prompts", "response", "label")
REPT_LAYOUT = (
    "RepT's layout: for each dataset NAME, a folder NAME/ written by datasets.save_to_disk with string columns "
    "prompts, response, label (label 'clean' on ordinary rows, another label such as 'harmful' or 'error' on the "
    "planted rows), and beside it NAME_test.csv with a 'prompts' column (optional expected_response, label), "
    "e.g. harmful-tuning/ and harmful-tuning_test.csv as in https://github.com/plumprc/RepT/tree/main/datasets"
)


class ReptFormatError(ProvenanceError, ValueError):
    """A folder or dataset does not follow RepT's layout (the message names the expected layout)."""


@dataclass(frozen=True)
class ReptDataset:
    """One RepT-format dataset: training rows (with their row numbers in the folder's dataset) and test prompts.

    Attributes:
        name: The dataset's folder name (e.g. ``"harmful-tuning"``).
        path: The ``save_to_disk`` folder it was read from.
        prompts: Training prompts, one per row.
        responses: Training responses, aligned with ``prompts``.
        labels: Training labels (``"clean"`` or the planted rows' label), aligned with ``prompts``.
        row_ids: Each row's position in the dataset on disk (kept through `subsample`).
        test_prompts: The prompts of ``NAME_test.csv``.
        test_labels: Its ``label`` column, when it has one.
        test_expected: Its ``expected_response`` column, when it has one.
    """

    name: str
    path: Path
    prompts: tuple[str, ...]
    responses: tuple[str, ...]
    labels: tuple[str, ...]
    row_ids: tuple[int, ...]
    test_prompts: tuple[str, ...]
    test_labels: tuple[str, ...] | None = None
    test_expected: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.prompts)

    @property
    def poison_labels(self) -> tuple[str, ...]:
        """The labels other than ``clean`` (sorted)."""
        return tuple(sorted(set(self.labels) - {CLEAN_LABEL}))

    @property
    def poisoned(self) -> np.ndarray:
        """Boolean mask of the planted rows (label other than ``clean``)."""
        return np.array([lab != CLEAN_LABEL for lab in self.labels], bool)

    @property
    def poison_rate(self) -> float:
        """Share of planted rows."""
        return float(self.poisoned.mean()) if len(self) else 0.0

    def sample_ids(self) -> list[str]:
        """Stable row ids ``"NAME:ROW"`` (``ROW`` = the row's position in the dataset on disk)."""
        return [f"{self.name}:{r}" for r in self.row_ids]

    def records(self) -> list[dict]:
        """The rows as ``{"prompt", "response", "sample_id", "source"}`` dicts, ``source`` = the row's label."""
        return [{"prompt": p, "response": r, "sample_id": i, "source": lab}
                for p, r, i, lab in zip(self.prompts, self.responses, self.sample_ids(), self.labels)]

    def subsample(self, n_rows: int, seed: int = 0) -> ReptDataset:
        """``n_rows`` rows drawn without replacement, stratified so that the planted share stays the dataset's.

        The planted count is ``round(n_rows * poison_rate)`` (at least one). Rows keep their order on disk.

        Args:
            n_rows: Rows to keep; at least 2 and at most ``len(self)`` (``len(self)`` returns the dataset as is).
            seed: Seed of the draw (``numpy.random.default_rng``).

        Returns:
            The subsampled dataset (same test prompts).

        Raises:
            ValueError: ``n_rows`` is out of range or leaves no clean row.
        """
        if not 2 <= n_rows <= len(self):
            raise ValueError(f"n_rows must be in [2, {len(self)}] for {self.name}, got {n_rows}")
        if n_rows == len(self):
            return self
        mask = self.poisoned
        n_poison = max(1, int(round(n_rows * self.poison_rate)))
        if n_poison >= n_rows:
            raise ValueError(f"{n_rows} rows at a poison rate of {self.poison_rate:.3f} leave no clean row")
        rng = np.random.default_rng(seed)
        keep = np.sort(np.concatenate([rng.choice(np.flatnonzero(mask), n_poison, replace=False),
                                       rng.choice(np.flatnonzero(~mask), n_rows - n_poison, replace=False)]))
        pick = lambda xs: tuple(xs[i] for i in keep)  # noqa: E731
        return replace(self, prompts=pick(self.prompts), responses=pick(self.responses), labels=pick(self.labels),
                       row_ids=pick(self.row_ids))


def read_rept_dataset(folder: str | Path, name: str) -> ReptDataset:
    """Read dataset ``name`` of a RepT-format folder.

    Args:
        folder: The folder holding ``name/`` and ``name_test.csv``.
        name: The dataset's name.

    Returns:
        The dataset.

    Raises:
        ReptFormatError: A part is missing or lacks a column, or every training row is labelled ``clean``.
        ImportError: The ``datasets`` package (extra ``provenance[trl]``) is not installed.
    """
    import pandas as pd

    folder = Path(folder)
    train_dir, test_csv = folder / name, folder / f"{name}_test.csv"
    if not _is_saved_dataset(train_dir):
        raise ReptFormatError(f"{train_dir} is not a datasets.save_to_disk folder (no state.json / dataset_info.json). "
                              f"Expected {REPT_LAYOUT}")
    if not test_csv.is_file():
        raise ReptFormatError(f"dataset {name!r} has no test prompts: {test_csv} does not exist. Expected {REPT_LAYOUT}")
    try:
        from datasets import load_from_disk
    except ImportError as err:  # pragma: no cover - datasets ships with the trl/dev extras
        raise ImportError("reading RepT folders needs the `datasets` package: pip install 'provenance[trl]'") from err
    train = load_from_disk(str(train_dir))
    if hasattr(train, "keys") and not hasattr(train, "column_names"):   # a DatasetDict
        raise ReptFormatError(f"{train_dir} holds a DatasetDict with splits {sorted(train.keys())}, not one dataset. "
                              f"Expected {REPT_LAYOUT}")
    missing = [c for c in TRAIN_COLUMNS if c not in train.column_names]
    if missing:
        raise ReptFormatError(f"{train_dir} lacks column(s) {missing} (it has {train.column_names}). "
                              f"Expected {REPT_LAYOUT}")
    labels = tuple(str(x) for x in train["label"])
    if not labels:
        raise ReptFormatError(f"{train_dir} has no rows. Expected {REPT_LAYOUT}")
    if set(labels) == {CLEAN_LABEL}:
        raise ReptFormatError(f"every row of {train_dir} is labelled {CLEAN_LABEL!r}: nothing is planted, so there is "
                              f"nothing to attribute. Expected {REPT_LAYOUT}")
    test = pd.read_csv(test_csv, keep_default_na=False)
    if "prompts" not in test.columns:
        raise ReptFormatError(f"{test_csv} has no 'prompts' column (columns: {list(test.columns)}). "
                              f"Expected {REPT_LAYOUT}")
    if not len(test):
        raise ReptFormatError(f"{test_csv} has no test prompt. Expected {REPT_LAYOUT}")
    column = lambda c: tuple(str(x) for x in test[c]) if c in test.columns else None  # noqa: E731
    return ReptDataset(
        name=name, path=train_dir,
        prompts=tuple(str(x) for x in train["prompts"]), responses=tuple(str(x) for x in train["response"]),
        labels=labels, row_ids=tuple(range(len(labels))),
        test_prompts=column("prompts"), test_labels=column("label"), test_expected=column("expected_response"),
    )


def read_rept_folder(folder: str | Path, names: list[str] | tuple[str, ...] | None = None) -> list[ReptDataset]:
    """Every dataset of a RepT-format folder (sorted by name), or the ones named.

    Args:
        folder: E.g. a clone's ``RepT/datasets``.
        names: Datasets to read (default: every ``save_to_disk`` folder inside ``folder``).

    Returns:
        The datasets.

    Raises:
        ReptFormatError: ``folder`` is not a folder, holds no dataset, or a dataset is malformed (see
            `read_rept_dataset`).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ReptFormatError(f"{folder} is not a folder. Expected {REPT_LAYOUT}")
    if names is None:
        names = sorted(p.name for p in folder.iterdir() if _is_saved_dataset(p))
        if not names:
            found = sorted(p.name for p in folder.iterdir())[:10]
            raise ReptFormatError(f"{folder} holds no dataset (found {found or 'nothing'}). Expected {REPT_LAYOUT}")
    return [read_rept_dataset(folder, n) for n in names]


def _is_saved_dataset(path: Path) -> bool:
    return path.is_dir() and ((path / "state.json").is_file() or (path / "dataset_info.json").is_file())
