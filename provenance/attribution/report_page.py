"""The self-contained HTML page every provenance report is: shell, styles and the check of embedded panels.

One HTML file with inline CSS and inline SVG: no script, no external URL (a Content-Security-Policy meta tag forbids
both), so it opens offline and can be mailed around. A `ReportSection` is a trusted panel built by a provenance tool
(the behaviour views, the live watch); it is checked to hold no script and no external reference before it is
embedded. The forensic report (`provenance.attribution.report`) and the behaviour tools' panel pages
(`write_sections_report`) share this page.
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CSP", "CSS", "ReportSection", "check_sections", "escape", "page", "write_sections_report"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# A trusted section must stay self-contained and script-free, like the report around it.
_UNSAFE_FRAGMENT = re.compile(r"<\s*script|\bon[a-z]+\s*=|javascript:|(?:src|href)\s*=\s*[\"']?\s*(?:[a-z]+:)?//", re.I)

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#111827;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.muted{color:#6b7280}.meta td{padding:1px 12px 1px 0}
.query{background:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;padding:8px 12px;margin:6px 0}
.query .label{font-weight:600;color:#374151;margin-right:6px}.text{white-space:pre-wrap;word-break:break-word}
table.ranking{border-collapse:collapse;width:100%;margin:8px 0}
table.ranking th,table.ranking td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
table.ranking th{background:#f3f4f6;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:middle}
.heat{border:1px solid #e5e7eb;border-radius:6px;padding:8px 12px;margin:8px 0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.heat .head{font-family:system-ui,sans-serif;font-size:13px;margin-bottom:6px}
.tok{white-space:pre-wrap;border-radius:2px}.tok.frame{color:#9ca3af}.tok.resp{text-decoration:underline dotted #9ca3af}
.tok.top{outline:2px solid #111827;font-weight:700}.tok sup{font-size:9px;color:#111827;margin-left:1px}
.sep{display:block;height:6px}.legend{font-size:12px;color:#4b5563}
.competing{border:1px solid #93c5fd;background:#eff6ff;border-radius:6px;padding:4px 12px;margin:10px 0}
.warn{border:1px solid #f59e0b;background:#fffbeb;border-radius:6px;padding:8px 12px;margin:10px 0}
.cmd code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
"""


@dataclass(frozen=True)
class ReportSection:
    """An extra panel of the report. ``title`` is plain text (escaped when rendered); ``html`` is a trusted fragment
    written by another provenance tool (probe or cluster views): it escapes its own text, uses inline CSS/SVG only,
    and holds no script and no external URL (checked)."""

    title: str
    html: str


def escape(x) -> str:
    """``x`` as HTML text (quotes escaped too: safe in attributes)."""
    return html.escape(str(x), quote=True)


def check_sections(sections: Sequence[ReportSection]) -> None:
    """Refuse anything but `ReportSection` panels, and panels holding a script, an event handler or an external URL.

    Raises:
        TypeError: An item is not a ReportSection.
        ValueError: A panel is not self-contained and script-free.
    """
    for s in sections:
        if not isinstance(s, ReportSection):
            raise TypeError(f"extra_sections holds ReportSection objects, got {type(s).__name__}")
        if _UNSAFE_FRAGMENT.search(s.html):
            raise ValueError(f"report section {s.title!r} holds a script, an event handler or an external URL; "
                             "a report section must be self-contained and script-free")


def page(title: str, body: list[str], sections: Sequence[ReportSection]) -> str:
    """The whole document: ``body``'s HTML fragments, then each panel under its escaped title."""
    body = body + [f'<section class="extra"><h2>{escape(s.title)}</h2>{s.html}</section>' for s in sections]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_sections_report(path, sections: Sequence[ReportSection], *, title: str, info: dict | None = None) -> Path:
    """A report page made only of panels (probe, DPO pair-ranking and cluster views of provenance.behaviour), with
    the same self-contained shell and safety checks as :func:`build_report`; returns the path."""
    check_sections(sections)
    body = [f"<h1>{escape(title)}</h1>"]
    if info:
        body.append('<table class="meta">' + "".join(f'<tr><td class="muted">{escape(a)}</td><td>{escape(b)}</td></tr>'
                                                       for a, b in info.items()) + "</table>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(title, body, sections), encoding="utf-8")
    return path
