"""Read any ranking (Attributor output, activation-difference pair ranking, a CSV) into one ordered id list.

A ranking is a table with an id column (`pair_id` preferred, else `sample_id`) and a `score` column, higher = more
responsible. Rows may repeat an id (several queries, several epochs): an id's score is its best score, so it ranks
where its strongest evidence puts it. Ties keep the order of first appearance. Ids are compared as strings, because a
CSV round trip turns integer ids into int64 while training data may carry them as text.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from provenance.errors import ValidationInputError

ID_COLUMNS = ("pair_id", "sample_id")


def read_ranking(ranking: pd.DataFrame | str | Path, *, id_column: str | None = None) -> pd.DataFrame:
    """DataFrame [id, score] with one row per id, best first. Accepts a DataFrame or a .csv / .json / .jsonl path."""
    if isinstance(ranking, (str, Path)):
        path = Path(ranking)
        if not path.is_file():
            raise ValidationInputError(f"ranking file {path} does not exist")
        if path.suffix == ".csv":
            df = pd.read_csv(path)
        elif path.suffix in (".json", ".jsonl"):
            df = pd.read_json(path, lines=path.suffix == ".jsonl")
        else:
            raise ValidationInputError(f"ranking file {path}: expected .csv, .json or .jsonl")
    elif isinstance(ranking, pd.DataFrame):
        df = ranking
    else:
        raise ValidationInputError(f"a ranking is a DataFrame or a file path, got {type(ranking).__name__}")
    column = id_column or next((c for c in ID_COLUMNS if c in df.columns), None)
    if column is None or column not in df.columns:
        raise ValidationInputError(
            f"the ranking needs an id column ({id_column or ' or '.join(ID_COLUMNS)}); it has {list(df.columns)}")
    if "score" not in df.columns:
        raise ValidationInputError(f"the ranking needs a `score` column (higher = more responsible); "
                                   f"it has {list(df.columns)}")
    if df[column].isna().any():
        raise ValidationInputError(f"the ranking's `{column}` column has {int(df[column].isna().sum())} empty id(s)")
    out = pd.DataFrame({"id": df[column].astype(str).to_numpy(), "score": pd.to_numeric(df["score"]).to_numpy()})
    out["first"] = range(len(out))
    best = out.groupby("id", sort=False).agg(score=("score", "max"), first=("first", "min")).reset_index()
    best = best.sort_values(["score", "first"], ascending=[False, True], kind="stable")
    return best[["id", "score"]].reset_index(drop=True)


def top_ids(ranking: pd.DataFrame, k: int, known_ids) -> list[str]:
    """The k best-ranked ids that occur in the training data (``known_ids``), best first.

    Ranked ids absent from the data (another run's ids, filtered rows) are passed over; fewer than k usable ids is an
    error, since the intervention would silently be smaller than asked."""
    if k < 0:
        raise ValidationInputError(f"k must be >= 0, got {k}")
    known = {str(i) for i in known_ids}
    usable = [i for i in ranking["id"] if i in known]
    if len(usable) < k:
        raise ValidationInputError(
            f"the ranking names only {len(usable)} id(s) present in the training data ({len(ranking)} ranked), fewer "
            f"than k={k}; check that the ranking comes from a store of this data (ids are matched as text)")
    return usable[:k]
