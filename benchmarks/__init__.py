"""Benchmarks of the provenance library, one folder per benchmark, each with a README (what it measures, the command
that regenerates it, its last results). Run them from the repository root as modules, e.g.
``python -m benchmarks.attribution.bench --help``; nothing under ``provenance/`` imports from here."""
