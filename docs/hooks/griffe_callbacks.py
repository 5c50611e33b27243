"""Griffe extension: document the repository's `callbacks/` folder as `provenance.callbacks`.

pyproject.toml installs `callbacks/` as the subpackage `provenance.callbacks` (setuptools `package-dir`), which
griffe's static finder cannot see: it looks for `provenance/callbacks/`. When the `provenance` package is loaded,
this extension loads `callbacks/` from the same search paths and attaches it under `provenance`, so the API
reference shows (and cross-references) the import path users write.
"""
from __future__ import annotations

from typing import Any

import griffe


class CallbacksSubpackage(griffe.Extension):
    """Attach the `callbacks` package as the `callbacks` member of the loaded `provenance` package."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != "provenance" or "callbacks" in pkg.members:
            return
        callbacks = griffe.load(
            "callbacks",
            search_paths=loader.finder.search_paths,
            lines_collection=loader.lines_collection,
            docstring_parser=loader.docstring_parser,
            docstring_options=loader.docstring_options,
        )
        pkg.set_member("callbacks", callbacks)
