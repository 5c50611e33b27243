"""Per-source push curves of a watch series: a PNG (matplotlib) and a self-contained HTML panel (inline SVG).

The panel is a `provenance.attribution.report.ReportSection`: no script, no external reference, every text from data
escaped. It is the body of ``provenance watch --html`` and a section of the forensic report of a run captured with
watches.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from provenance.behaviour.views import _colours, _section, _table, esc
from provenance.behaviour.watch_series import WatchSeries
from provenance.errors import BehaviourInputError

CHART_W, CHART_H = 640.0, 240.0
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 64.0, 16.0, 12.0, 34.0


def write_png(series: WatchSeries, path, *, title: str | None = None) -> Path:
    """One panel per watch: cumulative push of every source over steps; alarms marked. Needs matplotlib.

    Raises:
        BehaviourInputError: matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise BehaviourInputError("--png needs matplotlib (pip install matplotlib); --html writes the same curves "
                                  "as a self-contained page without it") from None
    df = series.combined()
    watches = _watch_names(series, df)
    fig, axes = plt.subplots(len(watches), 1, figsize=(8, 3.2 * len(watches)), squeeze=False)
    colours = _colours(df["source"]) if len(df) else {}
    for ax, name in zip(axes[:, 0], watches):
        part = df[df["watch"] == name]
        for source, s in part.groupby("source", sort=True):
            ax.plot(s["step"], s["cum_push"], color=colours[source], label=str(source), lw=1.6)
        for a in series.alarms:
            if a["watch"] == name:
                ax.axvline(a["step"], color=colours.get(a["source"], "#111827"), ls="--", lw=1)
                ax.annotate(f"alarm: {a['source']}", (a["step"], ax.get_ylim()[1]), fontsize=8, va="top")
        ax.axhline(0, color="#9ca3af", lw=0.8)
        ax.set_title(f"watch {name}", fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel("cumulative push")
        if len(part):
            ax.legend(fontsize=8, loc="upper left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def watch_section(series: WatchSeries, *, title: str = "Live provenance watch"):
    """The report panel: per watch an SVG of each source's cumulative push over steps, the alarms, the totals."""
    df = series.combined()
    colours = _colours(df["source"]) if len(df) else {}
    parts = ['<p style="color:#4b5563">Push of a row: -&lt;g_mean, v&gt; along the watch\'s unit direction v at its '
             'layer (training on the row moves its representation toward +v when positive), summed per source and '
             'step over every rank; the curves are the cumulative sums.</p>']
    meta = {w["name"]: w for w in series.watches}
    for name in _watch_names(series, df):
        part = df[df["watch"] == name]
        w = meta.get(name, {})
        parts.append(f'<h3>Watch {esc(name)}</h3><p style="color:#4b5563">layer {esc(w.get("layer", "?"))} · '
                     f'{esc(w.get("origin", ""))}</p>')
        alarms = [a for a in series.alarms if a["watch"] == name]
        parts.append(_svg_curves(part, colours, alarms))
        parts.append(_legend_line(sorted(part["source"].unique()), colours))
        for a in alarms:
            rows = ", ".join(f"{esc(sid)} ({p:+.3g})" for sid, p in a.get("top_rows", []))
            parts.append(f'<p style="color:#b91c1c"><b>Alarm</b> at step {int(a["step"])} (epoch {int(a["epoch"])}, '
                         f'rank {esc(a.get("rank", 0))}): source <b>{esc(a["source"])}</b>, {esc(a["rule"])} '
                         f'({a["value"]:.4g} &gt; {a["reference"]:.4g}). Rows pushing most: {rows or "-"}</p>')
    totals = series.totals()
    if len(totals):
        parts.append("<h3>Totals per source</h3>" + _table(totals.rename(columns={"cum_push": "cumulative push",
                                                                                   "push_per_row": "push per row"})))
    notes = []
    if series.unknown_source_rows:
        notes.append(esc(f"{series.unknown_source_rows} rows came in batches without `source` (grouped as "
                         "'unknown')"))
    if series.nonfinite:
        notes.append("rows with a non-finite push skipped, per watch: "
                     + ", ".join(f"{esc(k)} {int(v)}" for k, v in series.nonfinite.items()))
    if notes:
        parts.append('<p style="color:#4b5563">' + "; ".join(notes) + "</p>")
    return _section(title, "".join(parts))


def write_html(series: WatchSeries, path, *, title: str = "Live provenance watch", info: dict | None = None) -> Path:
    """A self-contained page holding the panel of `watch_section`."""
    from provenance.attribution.report_page import write_sections_report

    return write_sections_report(path, [watch_section(series)], title=title, info=info)


# ---- SVG -------------------------------------------------------------------------------------------------------
def _watch_names(series: WatchSeries, df: pd.DataFrame) -> list[str]:
    names = [w["name"] for w in series.watches]
    return names + sorted(set(df["watch"]) - set(names)) if len(df) else names


def _ticks(lo: float, hi: float, n: int = 5) -> np.ndarray:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** np.floor(np.log10(raw))
    step = mag * min((m for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10)
    return np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)


def _svg_curves(part: pd.DataFrame, colours: dict, alarms: list[dict]) -> str:
    if part.empty:
        return '<p style="color:#4b5563">no records</p>'
    x0, x1 = float(part["step"].min()), float(part["step"].max())
    y0, y1 = min(0.0, float(part["cum_push"].min())), max(0.0, float(part["cum_push"].max()))
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    pw, ph = CHART_W - _PAD_L - _PAD_R, CHART_H - _PAD_T - _PAD_B

    def sx(x):
        return _PAD_L + (x - x0) / (x1 - x0) * pw

    def sy(y):
        return _PAD_T + (y1 - y) / (y1 - y0) * ph

    out = [f'<rect x="{_PAD_L}" y="{_PAD_T}" width="{pw}" height="{ph}" fill="#ffffff" stroke="#d1d5db"/>']
    for t in _ticks(y0, y1):
        out.append(f'<line x1="{_PAD_L}" x2="{_PAD_L + pw}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#f3f4f6"/>'
                   f'<text x="{_PAD_L - 4}" y="{sy(t) + 4:.1f}" text-anchor="end" font-size="10">{t:.3g}</text>')
    for t in _ticks(x0, x1):
        out.append(f'<text x="{sx(t):.1f}" y="{_PAD_T + ph + 14}" text-anchor="middle" font-size="10">{t:.0f}</text>')
    out.append(f'<line x1="{_PAD_L}" x2="{_PAD_L + pw}" y1="{sy(0):.1f}" y2="{sy(0):.1f}" stroke="#9ca3af"/>')
    out.append(f'<text x="{_PAD_L + pw / 2}" y="{CHART_H - 4}" text-anchor="middle" font-size="11">step</text>'
               f'<text x="12" y="{_PAD_T + ph / 2}" text-anchor="middle" font-size="11" '
               f'transform="rotate(-90 12 {_PAD_T + ph / 2})">cumulative push</text>')
    for source, s in part.groupby("source", sort=True):
        pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(s["step"], s["cum_push"]))
        out.append(f'<polyline fill="none" stroke="{colours[source]}" stroke-width="1.6" points="{pts}">'
                   f"<title>{esc(source)}</title></polyline>")
    for a in alarms:
        x = sx(float(a["step"]))
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_PAD_T}" y2="{_PAD_T + ph}" stroke="#b91c1c" '
                   f'stroke-dasharray="4 3"><title>alarm {esc(a["source"])} step {int(a["step"])}</title></line>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W:.0f}" height="{CHART_H:.0f}" role="img" '
            f'font-family="system-ui,sans-serif">{"".join(out)}</svg>')


def _legend_line(sources, colours: dict) -> str:
    return '<p style="font-size:12px">' + " ".join(
        f'<span style="display:inline-block;width:10px;height:10px;background:{colours[s]};margin:0 4px 0 10px">'
        f"</span>{esc(s)}" for s in sources) + "</p>"
