"""CLI output as plain words, for assertions that must not depend on where the terminal width breaks lines."""
from __future__ import annotations

import re


def flat(output: str) -> str:
    """CLI output without the error panel's frame and line breaks (the panel wraps long messages)."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", output).split())
