"""MkDocs hook: the install page's version tables, read from `pyproject.toml` and `constraints.txt` at build time.

Two marker lines on a page are replaced: ``<!-- dependency-ranges -->`` by a table of every runtime dependency and
optional extra with its supported range (pyproject.toml), ``<!-- known-good-versions -->`` by the exact versions
`constraints.txt` pins for those same packages. The tables change with the files and cannot go stale.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no TOML parser; pip, present in every virtual environment, ships one
    from pip._vendor import tomli as tomllib

RANGES_MARKER = "<!-- dependency-ranges -->"
KNOWN_GOOD_MARKER = "<!-- known-good-versions -->"
# A requirement string: name, optional [extras], the rest (specifiers, markers).
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _split(requirement: str) -> tuple[str, str]:
    match = _REQUIREMENT.match(requirement)
    if match is None:
        raise ValueError(f"pyproject.toml: cannot read the requirement {requirement!r}")
    name, extras, rest = match.groups()
    return name + (extras or ""), rest.strip() or "any"


def requirement_groups(pyproject: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(group, [(requirement name, range), ...]), ...]``: "runtime" first, then each extra in file order, without
    the extras that only name other extras of the project itself."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    own = _normalise(project["name"])
    groups = [("runtime", [_split(r) for r in project.get("dependencies", [])])]
    for extra, requirements in project.get("optional-dependencies", {}).items():
        rows = [_split(r) for r in requirements]
        rows = [(name, spec) for name, spec in rows if _normalise(name.split("[")[0]) != own]
        groups.append((f"extra `{extra}`", rows))
    return groups


def ranges_table(repo_root: Path) -> str:
    lines = ["| package | supported versions | needed for |", "|---|---|---|"]
    for group, rows in requirement_groups(repo_root / "pyproject.toml"):
        lines += [f"| `{name}` | `{spec}` | {group} |" for name, spec in rows]
    return "\n".join(lines)


def pinned_versions(constraints: Path) -> dict[str, str]:
    """``{normalised name: version}`` of the ``name==version`` lines of a constraints file."""
    pins = {}
    for line in constraints.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_normalise(name.strip())] = version.strip().split(";")[0].strip()
    return pins


def known_good_table(repo_root: Path) -> str:
    pins = pinned_versions(repo_root / "constraints.txt")
    lines = ["| package | known-good version |", "|---|---|"]
    seen: set[str] = set()
    for _, rows in requirement_groups(repo_root / "pyproject.toml"):
        for name, _ in rows:
            key = _normalise(name.split("[")[0])
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"| `{name.split('[')[0]}` | `{pins[key]}` |" if key in pins
                         else f"| `{name.split('[')[0]}` | not pinned |")
    return "\n".join(lines)


def on_page_markdown(markdown: str, *, config: Any, **kwargs: Any) -> str:
    if RANGES_MARKER not in markdown and KNOWN_GOOD_MARKER not in markdown:
        return markdown
    repo_root = Path(config.config_file_path).resolve().parent
    if RANGES_MARKER in markdown:
        markdown = markdown.replace(RANGES_MARKER, ranges_table(repo_root))
    if KNOWN_GOOD_MARKER in markdown:
        markdown = markdown.replace(KNOWN_GOOD_MARKER, known_good_table(repo_root))
    return markdown
