"""`provenance` command line.

Errors: every command runs under `provenance.cli_errors.ProvenanceGroup`, which prints the project's errors and bad
input as one ``error: ...`` line on stderr (exit status 2: fix the command or its input; 1: the command ran and
failed, e.g. a damaged store or problems found by ``inspect --check``) and a bug as its last traceback frames and
a line saying it is a bug (exit 1). ``provenance --debug ...`` or ``PROVENANCE_DEBUG=1`` shows full tracebacks.
"""
from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from provenance.attribution.cli import index, query, report
from provenance.attribution.topk_index import build_topk_index
from provenance.behaviour.cli import app as behaviour_app
from provenance.behaviour.watch_cli import watch_command
from provenance.cli_errors import DEBUG_ENV, EXIT_FAILURE, ProvenanceGroup, set_debug
from provenance.detect.cli import detect_app
from provenance.store import list_runs, open_store, verify_store
from provenance.store.summary import store_summary
from provenance.tags.cli import trace_command
from provenance.train_recipe import train_command
from provenance.validation.cli import validate

app = typer.Typer(help="Training-time data provenance for LLM fine-tuning.", no_args_is_help=True, add_completion=False,
                  cls=ProvenanceGroup)


@app.callback(epilog=f"Exit status: 0 success; 1 the command ran and failed (a damaged store, problems found by "
              f"inspect --check, a bug); 2 bad options or input. Errors print one line; --debug or {DEBUG_ENV}=1 "
              "shows the full traceback.")
def _root(ctx: typer.Context,
          debug: bool = typer.Option(False, "--debug", help=f"show the full traceback of an error (or set {DEBUG_ENV}=1)"),
          ) -> None:
    """Training-time data provenance for LLM fine-tuning."""
    set_debug(ctx, debug)


def check_store(url: str, run: str | None = None) -> dict:
    """What ``inspect --check`` reports, as plain data: the committed rows of the checked runs and the problems
    `provenance.store.verify_store` found (each ``{"path", "rows", "what"}``; ``rows`` is the first and last
    affected row of the rank group, or None)."""
    problems = verify_store(url, run=run)
    out = {"store": url, "ok": not problems, "rows": None,
           "problems": [{"path": p.path, "rows": None if p.rows is None else [int(r) for r in p.rows], "what": p.what}
                        for p in problems]}
    if not problems:
        runs = [run] if run is not None else list_runs(url)
        out["rows"] = sum(len(open_store(url, run=name)) for name in runs)
    return out


def _problem_line(problem: dict) -> str:
    rows = problem["rows"]
    where = problem["path"] if rows is None else f"{problem['path']} rows {rows[0]}-{rows[1]}"
    return f"{where}: {problem['what']}"


@app.command()
def inspect(store: str = typer.Argument(..., help="store path or fsspec URL"),
            run: str = typer.Option(None, help="only this run"),
            as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
            check: bool = typer.Option(False, "--check", help="read every metadata file and every committed row's "
                                       "data: prints 'ok: N rows verified', or one line per damaged part and exits 1")
            ) -> None:
    """Rows, sources, layers, schema version and committed counts per rank of a capture store."""
    if check:
        result = check_store(store, run)
        if as_json:
            typer.echo(json.dumps(result, indent=2))
        elif result["ok"]:
            typer.echo(f"ok: {result['rows']} rows verified")
        else:
            for problem in result["problems"]:
                typer.echo(_problem_line(problem))
        if not result["ok"]:
            typer.echo(f"error: {len(result['problems'])} damaged part(s) in {store}: restore them from a copy or "
                       "capture the run again", err=True)
            raise typer.Exit(EXIT_FAILURE)
        return
    summary = store_summary(store, run)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    console = Console()
    console.print(f"[bold]{store}[/bold]  schema v{summary.get('schema_version')}  model {summary.get('model', {}).get('name')} "
                  f"(config {summary.get('model', {}).get('config_hash')})")
    for name, r in summary["runs"].items():
        table = Table(title=f"run {name!r}", show_header=False)
        table.add_row("rows", f"{r['rows']} ({r['unique_samples']} samples x epochs {r['epochs']})")
        table.add_row("committed per rank", ", ".join(f"rank {k}: {v}" for k, v in r["committed_per_rank"].items()))
        table.add_row("skipped", ", ".join(f"{k}: {v}" for k, v in r["skipped"].items()) or "none")
        table.add_row("sources", ", ".join(f"{k}: {v}" for k, v in r["sources"].items()))
        choice = r["layer_choice"] or {}
        argmin = f" (argmin-cos layer {choice['argmin_cos']})" if choice.get("argmin_cos") else ""
        table.add_row("layers", f"{r['layers']}{argmin}")
        table.add_row("signatures", ", ".join(r["signatures"]))
        if r["token_state_layers"]:
            table.add_row("per-token states at", ", ".join(str(l) for l in r["token_state_layers"]))
        table.add_row("hidden size / encoding", f"{r['hidden_size']} / {r['encoding']}")
        if r["projection"]:
            table.add_row("projection", str(r["projection"]))
        console.print(table)


app.command(name="train")(train_command)
app.command(name="query")(query)
app.command(name="report")(report)
app.command(name="index")(index)
app.command(name="attribute", hidden=True)(query)  # the command's first name, kept for existing scripts
app.add_typer(detect_app, name="detect")
app.add_typer(behaviour_app, name="behaviour")
app.command(name="watch")(watch_command)
app.command(name="trace")(trace_command)
app.command(name="validate")(validate)


@app.command(name="topk-index")
def topk_index(store: str = typer.Argument(..., help="store path or fsspec URL"),
               layer: int = typer.Option(None, help="layer (default: the query's default layer, L-1)"),
               signature: str = typer.Option(None, help="signature variant or parts, e.g. rept_norm, h_mean+g_mean"),
               run: str = typer.Option(None, help="run (default: the store's only run)")) -> None:
    """Build the int8 query index of one signature for fast exact top-k (SignatureMethod(backend="index"))."""
    typer.echo(f"query index written: {build_topk_index(open_store(store, run=run), layer, signature)}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
