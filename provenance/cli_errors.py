"""How the `provenance` command reports errors: one or two lines and an exit status, not a traceback.

Every command runs inside `ProvenanceGroup.invoke` (the root group of ``provenance.cli.app``), which turns what
went wrong into short lines on stderr:

* the project's own errors (`provenance.errors.ProvenanceError`), a recipe or input file that cannot be used, a
  missing or unreadable file and other operating-system errors, and a ValueError / TypeError / LookupError raised
  by a ``raise`` statement of provenance's own code (a deliberate check that predates the error classes):
  ``error: <what, where, how to fix>``;
* anything else is a bug: the last frames of its traceback, then one line saying it is a bug and how to get the
  full traceback.

``--debug`` (a root option: ``provenance --debug query ...``) or ``PROVENANCE_DEBUG=1`` lets every exception through
with its full traceback. Click's own usage errors (unknown option, bad value) keep click's format.

Exit status: 0 success; 1 the command ran and failed (a damaged or unreadable store, problems found by
``provenance inspect --check``, an operating-system error such as a full disk, a bug); 2 the command cannot run as
given (bad options, a bad or missing input file, a name the store does not hold, a model that does not match the
store, anything else the message says to change).
"""
from __future__ import annotations

import linecache
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
import yaml
from typer.core import TyperGroup

from provenance import errors
from provenance.train_recipe import RecipeError

EXIT_FAILURE = 1
EXIT_USAGE = 2
DEBUG_ENV = "PROVENANCE_DEBUG"
_DEBUG_META = "provenance.debug"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(errors.__file__)) + os.sep
_BUG_FRAMES = 6   # traceback frames shown for a bug without --debug (the innermost, where it happened)


def debug_requested(ctx: typer.Context | None = None) -> bool:
    """Whether the user asked for full tracebacks (``--debug`` on this invocation, or ``PROVENANCE_DEBUG``)."""
    if ctx is not None and ctx.meta.get(_DEBUG_META):
        return True
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


def set_debug(ctx: typer.Context, debug: bool) -> None:
    """Record the root ``--debug`` flag for the error handler of this invocation."""
    ctx.meta[_DEBUG_META] = bool(debug)


# Project errors that mean "the command ran and failed" (exit 1) rather than "cannot run as given" (exit 2).
_FAILURES = (errors.StoreWriteError, errors.StoreCorruptError)


def _input_types() -> tuple[type[BaseException], ...]:
    """Errors outside `ProvenanceError` that still mean "fix the input": recipe and YAML errors."""
    return RecipeError, yaml.YAMLError


def classify(exc: BaseException) -> int | None:
    """The exit status for an expected error, or None for a bug (an exception the project does not raise on
    purpose)."""
    if isinstance(exc, _FAILURES):
        return EXIT_FAILURE
    if isinstance(exc, (errors.ProvenanceError,) + _input_types()):
        return EXIT_USAGE
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)):
        return EXIT_USAGE
    if isinstance(exc, OSError):
        return EXIT_FAILURE
    if isinstance(exc, (ValueError, TypeError, LookupError)) and raised_by_provenance(exc):
        return EXIT_USAGE
    return None


def raised_by_provenance(exc: BaseException) -> bool:
    """Whether ``exc`` comes from a ``raise`` statement in provenance's own code: a deliberate refusal of the input
    (many of the library's checks raise plain ValueError), not a failure deep inside a dependency or a slip such as
    a missing dict key (whose innermost frame is no ``raise``)."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    filename = tb.tb_frame.f_code.co_filename
    if not os.path.abspath(filename).startswith(_PACKAGE_DIR):
        return False
    return linecache.getline(filename, tb.tb_lineno).lstrip().startswith("raise ")


def one_line(text: str) -> str:
    """``text`` with its line breaks folded into spaces (an error is one line, however its message was built)."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def error_message(exc: BaseException) -> str:
    """What to print for an expected error: its message, or for an OS error the reason and the path."""
    if isinstance(exc, OSError) and not isinstance(exc, errors.ProvenanceError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename is not None else ""
        return f"{exc.strerror}{where}"
    # A KeyError's str() is the repr of its argument: print the message itself.
    text = one_line(str(exc.args[0]) if isinstance(exc, KeyError) and len(exc.args) == 1 else str(exc))
    return text or type(exc).__name__


def bug_traceback(exc: BaseException, frames: int = _BUG_FRAMES) -> str:
    """The traceback of ``exc`` without the frames of typer, click and this handler, cut to its last ``frames``."""
    machinery = tuple(os.path.dirname(m.__file__) + os.sep for m in _cli_modules())
    te = traceback.TracebackException.from_exception(exc)
    kept = [f for f in te.stack if not f.filename.startswith(machinery) and f.filename != __file__]
    te.stack = traceback.StackSummary.from_list(kept[-frames:])
    return "".join(te.format())


def _cli_modules() -> list:
    mods = [typer]
    try:
        import click
    except ImportError:
        return mods
    return mods + [click]


def report(exc: BaseException, command: str | None = None) -> int:
    """Print ``exc`` for a user on stderr and return the exit status.

    Args:
        exc: the exception a command raised.
        command: the command line's command path (e.g. ``provenance query``), shown with a bug.

    Returns:
        `EXIT_USAGE` or `EXIT_FAILURE`.
    """
    code = classify(exc)
    if code is not None:
        typer.echo(f"error: {error_message(exc)}", err=True)
        return code
    typer.echo(bug_traceback(exc).rstrip("\n"), err=True)
    where = f" in `{command}`" if command else ""
    typer.echo(f"bug: unexpected {type(exc).__name__}{where}; please report it with this output "
               f"(add --debug or {DEBUG_ENV}=1 for the full traceback)", err=True)
    return EXIT_FAILURE


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record is emitted (a test runner swaps it per invocation)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it
        pass


@contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """The library's warnings (``provenance.*`` loggers) as ``warning: ...`` lines on stderr while a command runs."""
    logger = logging.getLogger("provenance")
    handler = _StderrHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_LevelFormatter())
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


class _LevelFormatter(logging.Formatter):
    """``warning: <message>`` (the level in lower case, like ``error:`` lines)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def _cli_signals() -> tuple[type[BaseException], ...]:
    """Typer's (and click's) usage errors and exit signals: handled by typer, never reported here. Recent typer
    vendors click (its exceptions derive from `typer.TyperException`); older typer raises click's own."""
    found: list[type[BaseException]] = [typer.Exit, typer.Abort]
    if hasattr(typer, "TyperException"):
        found.append(typer.TyperException)
    try:
        import click
    except ImportError:
        pass
    else:
        found += [click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort]
    return tuple(found)


_CLI_SIGNALS = _cli_signals()


class ProvenanceGroup(TyperGroup):
    """The root group of the `provenance` command: runs a command and reports its errors (see the module doc)."""

    def invoke(self, ctx: typer.Context) -> Any:
        with warnings_to_stderr():
            try:
                return super().invoke(ctx)
            except _CLI_SIGNALS:
                raise   # usage errors and explicit exits keep typer's handling
            except Exception as exc:  # noqa: BLE001  (the one place every command's errors are reported)
                if debug_requested(ctx):
                    raise
                code = report(exc, _command_path(ctx))
                raise typer.Exit(code) from None


def _command_path(ctx: typer.Context) -> str:
    """``provenance query`` etc.: the root name and the subcommand words of this invocation."""
    sub = ctx.invoked_subcommand
    return f"{ctx.command_path} {sub}" if sub else ctx.command_path
