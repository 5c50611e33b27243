"""JSON-lines inputs of the `provenance` commands, checked line by line before any model loads (errors name the
file and line).

    cases = read_jsonl("cases.jsonl", TEST_CASE_LINE, option="--cases")   # [(line number, row dict)]
"""
from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from provenance.errors import ProvenanceError


class InputFileError(ProvenanceError, ValueError):
    """An input file of a command (test cases, examples, labelled prompts) cannot be used; the message names the
    file and, for a bad line, its line number."""


_JSON_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
                    type(None): "null", dict: "an object", list: "an array"}


def _type_name(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class LineSchema:
    """What one line of a JSON-lines input holds.

    Args:
        what: what a line is, for messages ("test case").
        required: key -> accepted Python types of its JSON value.
        optional: key -> accepted types (include ``type(None)`` where null means "not given").
    """

    what: str
    required: dict[str, tuple[type, ...]]
    optional: dict[str, tuple[type, ...]] = field(default_factory=dict)

    def example(self) -> str:
        """The line format for messages, e.g. ``{"prompt": ..., "response": ...optional}``."""
        keys = [f'"{k}": ...' for k in self.required] + [f'"{k}": ...optional' for k in self.optional]
        return "{" + ", ".join(keys) + "}"

    def check(self, row: object, where: str) -> dict:
        """``row`` if it is an object with the required keys and values of the accepted types.

        Raises:
            InputFileError: naming ``where`` (``file:line``), the problem and the expected format.
        """
        need = f"each line needs {self.example()}"
        if not isinstance(row, dict):
            raise InputFileError(f"{where}: expected a JSON object, got {_type_name(row)} ({need})")
        known = {**self.required, **self.optional}
        unknown = [k for k in row if k not in known]
        for key in self.required:
            if key not in row:
                typo = difflib.get_close_matches(key, unknown, n=1, cutoff=0.75)
                hint = f"; found {typo[0]!r}: a typo?" if typo else ""
                raise InputFileError(f"{where}: missing key {key!r} ({need}){hint}")
        for key in unknown:   # extra keys are allowed (records files carry ids, sources); near-misses are typos
            typo = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
            if typo and typo[0] not in row:
                raise InputFileError(f"{where}: unknown key {key!r}: did you mean {typo[0]!r}? ({need})")
        for key, types in known.items():
            if key in row and not isinstance(row[key], types):
                want = " or ".join(_JSON_TYPE_NAMES.get(t, t.__name__) for t in types)
                raise InputFileError(f"{where}: {key!r} must be {want}, got {_type_name(row[key])} ({need})")
        return row


TEST_CASE_LINE = LineSchema("test case", {"prompt": (str,)},
                            {"response": (str, type(None)), "name": (str, type(None))})


def read_jsonl(path: str | os.PathLike, schema: LineSchema, *, option: str) -> list[tuple[int, dict]]:
    """The rows of a JSON-lines file, each checked against ``schema``, with their line numbers (1-based; blank
    lines are skipped but counted).

    Args:
        path: the file.
        schema: what each line must hold.
        option: the command-line option that named the file (``--cases``), for messages.

    Returns:
        ``[(line number, row)]`` in file order, at least one row.

    Raises:
        InputFileError: the file is missing, not UTF-8, holds a line that is not a JSON object of ``schema``, or
            holds no row; the message names ``path`` and the line.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{option} {path}: no such file" if not path.exists() else f"{option} {path}: not a file")
    rows = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            where = f"{path}:{n}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise InputFileError(f"{where}: not UTF-8 text (byte {e.start + 1}); save the file as UTF-8") from None
            if not line.strip():
                continue
            try:
                row = json.loads(line.rstrip("\r\n"))   # columns of this line, not of the next
            except json.JSONDecodeError as e:
                raise InputFileError(f"{where}: not valid JSON ({e.msg}: column {e.colno}); each line is one JSON "
                                     f"object {schema.example()}") from None
            rows.append((n, schema.check(row, where)))
    if not rows:
        raise InputFileError(f"{option} {path}: the file holds no {schema.what} (each line needs {schema.example()})")
    return rows
