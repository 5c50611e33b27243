"""HTML panels for the forensic report: a probe view, a pair-ranking view and a cluster view.

Each function returns a `provenance.attribution.report_page.ReportSection` (title, self-contained HTML fragment: inline
SVG and inline styles, no script, no external reference) to pass as ``build_report(..., extra_sections=[...])``. All
text from data is escaped, including ``=`` and ``:``, so that training text can never look like an attribute or a URL
scheme to the report's safety check.
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from provenance.attribution.report_page import ReportSection

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d")
BAR_W = 360.0


def esc(value) -> str:
    return html.escape(str(value), quote=True).replace("=", "&#61;").replace(":", "&#58;")


def _section(title: str, body: str) -> ReportSection:
    return ReportSection(title, body)


def _colours(sources) -> dict:
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sorted(set(map(str, sources))))}


def _bars(labels, values, colours, *, width: float = BAR_W, fmt="{:.3f}") -> str:
    """Horizontal bar chart (inline SVG); bars start at 0 and scale to the largest |value|."""
    values = np.asarray(values, float)
    top = float(np.abs(values).max()) if len(values) and np.abs(values).max() > 0 else 1.0
    h, label_w = 18, 190
    rows = []
    for i, (lab, v, c) in enumerate(zip(labels, values, colours)):
        w = abs(v) / top * width
        y = i * h
        rows.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="11">{esc(lab)}</text>'
                    f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{h - 6}" fill="{c}"/>'
                    f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="11">{esc(fmt.format(v))}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + width + 70:.0f}" height="{len(rows) * h + 4}" '
            f'role="img">{"".join(rows)}</svg>')


def _table(df: pd.DataFrame) -> str:
    head = "".join(f'<th style="text-align:left;padding:3px 8px;background:#f3f4f6">{esc(c)}</th>' for c in df.columns)
    body = "".join("<tr>" + "".join(f'<td style="padding:3px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top">'
                                    f'{esc(f"{v:.4f}" if isinstance(v, float) else v)}</td>' for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f'<table style="border-collapse:collapse;width:100%;font-size:13px"><tr>{head}</tr>{body}</table>'


def _legend(colours: dict) -> str:
    return " ".join(f'<span style="display:inline-block;width:10px;height:10px;background:{c};margin:0 4px 0 10px">'
                    f'</span>{esc(s)}' for s, c in colours.items())


def probe_view(probe, ranking: pd.DataFrame, *, top: int = 20, title: str = "Probe view", form: str = "projection"):
    """The probe (method, layer, training accuracy, examples) and the training rows it scores highest: a bar chart
    coloured by source, the per-source share of the top rows and a table."""
    head = ranking.head(top)
    colours = _colours(ranking["source"])
    info = (f'<p>{esc(probe.method)} probe at layer {esc(probe.layer)}, fitted on {probe.n_positive} behaviour vs '
            f'{probe.n_negative} normal examples (training accuracy {probe.train_accuracy:.2f}); score form '
            f'{esc(form)}; {len(ranking)} training rows scored.</p>')
    shares = head["source"].value_counts(normalize=True)
    chart = _bars([f"#{r} {s}" for r, s in zip(head["rank"], head["sample_id"])], head["score"],
                  [colours[str(s)] for s in head["source"]])
    share = _bars(list(shares.index), list(shares.values), [colours[str(s)] for s in shares.index], fmt="{:.0%}")
    cols = [c for c in ("rank", "score", "source", "sample_id", "epoch", "role") if c in head.columns]
    body = (f'<div class="probe-view">{info}<div>{_legend(colours)}</div>{chart}<h3>Share of the top {len(head)} by '
            f'source</h3>{share}{_table(head[cols])}</div>')
    return _section(title, body)


def pair_ranking_view(ranking: pd.DataFrame, summary: pd.DataFrame | None = None, *, top: int = 20,
                      title: str = "DPO activation-difference ranking"):
    """The best-ranked preference pairs by cos(v_b, v_d) (texts when the ranking carries them) and the per-source
    summary."""
    head = ranking.head(top)
    colours = _colours(ranking["source"])
    chart = _bars([str(p) for p in head["pair_id"]], head["score"], [colours[str(s)] for s in head["source"]])
    cols = [c for c in ("rank", "score", "source", "pair_id", "prompt", "chosen", "rejected") if c in head.columns]
    parts = [f'<div class="pair-ranking-view"><div>{_legend(colours)}</div>{chart}', _table(head[cols])]
    if summary is not None:
        parts.append("<h3>Sources</h3>" + _table(summary))
    return _section(title, "".join(parts) + "</div>")


def cluster_view(discovery, *, title: str = "Discovered clusters"):
    """One panel per cluster: size and cohesion, dominant sources, distinctive chosen / rejected tokens, examples."""
    cl = discovery.clusters
    colours = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cl["cluster"])}
    sil = ", ".join(f"k={k}: {v:.3f}" for k, v in discovery.silhouette.items())
    parts = [f'<div class="cluster-view"><p>{len(discovery.assignments)} pairs at layer {esc(discovery.layer)}, '
             f'{esc(discovery.method)} on {esc(discovery.features)} features, k = {discovery.k}'
             f'{esc(" (silhouette " + sil + ")") if sil else ""}.</p>',
             _bars([f"cluster {c}" for c in cl["cluster"]], cl["size"], [colours[c] for c in cl["cluster"]],
                   fmt="{:.0f}")]
    chip = ('<span style="display:inline-block;border:1px solid #d1d5db;border-radius:4px;padding:0 4px;margin:1px;'
            'font-family:monospace;white-space:pre">')
    for _, c in cl.iterrows():
        parts.append(f'<div style="border-left:4px solid {colours[c.cluster]};padding:4px 10px;margin:10px 0">'
                     f'<b>cluster {esc(c.cluster)}</b>: {c["size"]} pairs, cohesion {c.cohesion:.3f}; sources '
                     f'{esc(c.dominant_sources)}')
        for key, label in (("top_chosen_tokens", "chosen"), ("top_rejected_tokens", "rejected")):
            if key in cl.columns and isinstance(c[key], list) and c[key]:
                parts.append(f"<div>{label} tokens: " + "".join(f"{chip}{esc(t)}</span>" for t, _ in c[key]) + "</div>")
        if "examples" in cl.columns and isinstance(c["examples"], list):
            parts.append(_table(pd.DataFrame(c["examples"])))
        else:
            parts.append(f"<div>example pairs: {esc(', '.join(map(str, c.example_pairs)))}</div>")
        parts.append("</div>")
    return _section(title, "".join(parts) + "</div>")
