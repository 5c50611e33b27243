"""MkDocs hook: publish the repository's benchmark folders as part of the site.

Measured numbers live in `BENCHMARKS.md` and under `benchmarks/`, next to the code that produces them; the docs link
to them instead of copying numbers. This hook adds those files to the build at their repository paths: Markdown files
become pages (`benchmarks/topk_scale/topk_scale.md` -> `benchmarks/topk_scale/topk_scale.html`, a folder's
`README.md` -> its `index.html`), every other file (scripts, CSV and JSON results) is copied as is. A docs page links
them with an ordinary relative link that `mkdocs build --strict` checks, and so are the links between benchmark
files: a result file that moves or disappears fails the build.
"""
from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

SUMMARY = "BENCHMARKS.md"
FOLDER = "benchmarks"
# Build and cache artefacts that are never results.
SKIPPED_PARTS = {"__pycache__"}


def benchmark_files(repo_root: Path) -> list[Path]:
    """`BENCHMARKS.md` and every file under `benchmarks/` (no hidden files, no caches), sorted."""
    found = [
        path for path in (repo_root / FOLDER).rglob("*")
        if path.is_file()
        and not any(part.startswith(".") or part in SKIPPED_PARTS for part in path.relative_to(repo_root).parts)
    ]
    summary = repo_root / SUMMARY
    return ([summary] if summary.is_file() else []) + sorted(found)


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    repo_root = Path(config.config_file_path).resolve().parent
    for path in benchmark_files(repo_root):
        src_uri = path.relative_to(repo_root).as_posix()
        if files.get_file_from_path(src_uri) is None:
            files.append(File.generated(config, src_uri, abs_src_path=str(path)))
    return files
