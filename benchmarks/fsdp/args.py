"""Argument handling the two FSDP overhead benchmarks share: per-model defaults and positive counts."""
from __future__ import annotations

import argparse


def fill_model_defaults(ap: argparse.ArgumentParser, args: argparse.Namespace, defaults: dict,
                        positive: tuple[str, ...]) -> None:
    """Set each option left unset to the chosen model's default, then refuse counts below one (``ap.error``)."""
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    for name in positive:
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
