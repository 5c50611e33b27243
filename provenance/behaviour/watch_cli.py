"""`provenance watch STORE`: the live watch's stored series of a run, as per-source push curves (PNG and a
self-contained HTML panel), a table of totals and alarms, or JSON. Registered in provenance/cli.py."""
from __future__ import annotations

import json

import typer


def watch_command(
    store: str = typer.Argument(..., help="capture store path or fsspec URL"),
    run: str = typer.Option(None, help="run of the store (default: its only run)"),
    png: str = typer.Option(None, "--png", help="write the per-source cumulative push curves to this PNG "
                            "(needs matplotlib)"),
    html: str = typer.Option(None, "--html", help="write the curves, alarms and totals as a self-contained HTML page"),
    as_json: bool = typer.Option(False, "--json", help="print the series (one record per step, source and watch, "
                                 "summed over ranks), totals and alarms as JSON"),
) -> None:
    """Which data source pushed the model along each watched direction, step by step (runs captured with watches).

    The push of a row is -<g_mean, v> along the watch's unit direction v at its layer: positive when training on the
    row moves its representation toward +v. Per step and source the pushes are summed over every rank; the curves are
    their cumulative sums."""
    from provenance.behaviour.watch_series import read_watch_series

    series = read_watch_series(store, run)
    if png:
        from provenance.behaviour.watch_plot import write_png

        typer.echo(f"PNG: {write_png(series, png, title=f'{store} watch')}", err=True)
    if html:
        from provenance.behaviour.watch_plot import write_html

        path = write_html(series, html, info={"store": store, "run": run or "(only run)",
                                              "watches": ", ".join(w["name"] for w in series.watches)})
        typer.echo(f"HTML: {path}", err=True)
    totals = series.totals()
    if as_json:
        typer.echo(json.dumps({"watches": series.watches, "series": _records(series.combined()),
                               "totals": _records(totals), "alarms": series.alarms,
                               "nonfinite": series.nonfinite, "unknown_source_rows": series.unknown_source_rows},
                              indent=2, default=str))
        return
    _print_summary(series, totals)


def _records(df) -> list[dict]:
    """Rows as JSON-ready dicts with plain Python numbers (pandas' own JSON conversion)."""
    return json.loads(df.to_json(orient="records", double_precision=15))


def _print_summary(series, totals) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    df = series.combined()
    last = int(df["step"].max()) if len(df) else None
    table = Table(title=f"Cumulative push per source (steps 0..{last})")
    for col in ("watch", "layer", "source", "rows", "cumulative push", "push per row"):
        numeric = col in ("rows", "cumulative push", "push per row", "layer")
        table.add_column(col, justify="right" if numeric else "left")
    layers = {w["name"]: w.get("layer") for w in series.watches}
    for row in totals.itertuples(index=False):
        table.add_row(escape(row.watch), str(layers.get(row.watch, "")), escape(str(row.source)), str(int(row.rows)),
                      f"{row.cum_push:.4g}", f"{row.push_per_row:.4g}")
    console.print(table)
    if series.alarms:
        for a in series.alarms:
            rows = ", ".join(f"{sid} ({p:+.3g})" for sid, p in a.get("top_rows", []))
            console.print(f"[bold red]alarm[/bold red] watch {escape(a['watch'])}: source {escape(str(a['source']))} "
                          f"at step {a['step']} (epoch {a['epoch']}, rank {a.get('rank', 0)}): {escape(a['rule'])}. "
                          f"Rows pushing most: {escape(rows) or '-'}")
    else:
        console.print("no alarm")
    if series.unknown_source_rows:
        console.print(f"{series.unknown_source_rows} rows came in batches without `source` (grouped as 'unknown')")
    if series.nonfinite:
        console.print("rows with a non-finite push skipped: " + ", ".join(f"{k} {v}" for k, v in
                                                                          series.nonfinite.items()))
