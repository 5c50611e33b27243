"""Self-contained HTML forensic report: the query, the ranked training samples, token heat-maps of the top hits and
a per-source chart of the top-k.

    from provenance.attribution.report import ReportSection, gather_report, write_report

    data = gather_report(att, [TestCase(prompt, bad_response)], k=20, top_hits=5)   # query + token scores
    write_report("runs/report.html", data.result, data.token_scores, cases=data.test.cases,
                 extra_sections=[ReportSection("Probe view", "<p>...</p>")])

One HTML file with inline CSS and inline SVG: no script, no external URL (a Content-Security-Policy meta tag
forbids both), so it opens offline and can be mailed around. Every piece of text that comes from data (prompts,
responses, training samples, source names, sample ids) is HTML-escaped: training text is untrusted and may hold
markup such as ``<script>``. ``ReportSection.html`` is the one exception: a trusted fragment built by another
provenance tool (it escapes its own text); it is checked to hold no script and no external reference.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from provenance.attribution.attributor import Attributor
from provenance.attribution.case_signatures import TestSignatures
from provenance.attribution.groups import examined_beyond, rank_range, separated_how
from provenance.attribution.cases import TestCase
from provenance.attribution.method import AttributionMethod
from provenance.attribution.registry import MethodOptions, build_method
from provenance.attribution.report_page import (  # the page shell and panels, shared with the behaviour tools
    _UNSAFE_FRAGMENT,  # noqa: F401  (the panel check's pattern, imported from here by existing tests)
    CSP,
    CSS,
    ReportSection,
    check_sections,
    page,
    write_sections_report,
)
from provenance.attribution.report_page import escape as _e
from provenance.attribution.results import AttributionResult, user_text
from provenance.attribution.signatures import default_layer
from provenance.attribution.tokens import TOKEN_SCORES, token_attribution, top_tokens
from provenance.behaviour.watch_plot import watch_section
from provenance.behaviour.watch_series import has_watch_series, read_watch_series

# Colours per source in the chart and the table (cycled, assigned in sorted source-name order).
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d")
BAR_WIDTH = 400.0  # px of a 100 % bar in the source chart
SCORE_LABELS = {"abs_gxa": "|grad × activation|", "gxa": "grad × activation", "cos_h": "cos(h(t), H_test)",
                "cos_g": "cos(G(t), G_test)"}

__all__ = [
    "BAR_WIDTH", "CSP", "CSS", "PALETTE", "SCORE_LABELS", "ReportData", "ReportSection", "build_report", "gather_report",
    "groups_block", "ranking_table", "run_sections", "source_chart", "source_colours", "token_heatmap", "user_text",
    "shared_answer_block", "side_split_block", "warning_block", "write_report", "write_sections_report",
]


@dataclass
class ReportData:
    """What a report shows, computed by :func:`gather_report`."""

    result: AttributionResult
    test: TestSignatures
    token_scores: pd.DataFrame
    layer: int | None
    token_layer: int
    info: dict = field(default_factory=dict)
    sections: list = field(default_factory=list)  # panels of the run itself (the live watch), for extra_sections


def gather_report(att: Attributor, cases, *, k: int = 20, top_hits: int = 5, method=None, signature=None,
                  layer: int | None = None, epochs="last", token_layer: int | None = None, groups: bool = True,
                  lexical_floor: bool = False, side_split: bool = False, shared_answer: bool = True) -> ReportData:
    """Test signatures, the top-``k`` query and the token scores of the ``top_hits`` best rows of every case.

    Token scores are computed at ``token_layer``; by default the query's layer (else the store's default layer),
    except the final norm's output L: a gradient there reaches only its own position's logits, so every prompt
    token (where triggers sit) would score 0; then the highest captured layer below L is used.

    Args:
        att: The attributor.
        cases: Test cases in any form `as_cases` takes.
        k: Rows per test case.
        top_hits: Token heat-maps for this many of the best rows per case.
        method: An `AttributionMethod`, a registered name, or None: the registry's default per answer (the
            report ranks per test case), built with ``signature`` / ``layer`` / ``epochs``.
        signature: Signature variant of a method built by name.
        layer: Its layer.
        epochs: Its row selection.
        token_layer: Layer of the token scores.
        groups: Look for competing groups among the top rows (`Attributor.query`).
        lexical_floor: Compare with the text baseline (`Attributor.query`; O(rows)).
        side_split: Compare the prompt side's and the response side's top rows (`Attributor.query`).
        shared_answer: Warn when rows of two or more sources give the answer word for word (`Attributor.query`).

    Returns:
        The `ReportData` to render with `write_report`.
    """
    if not isinstance(method, AttributionMethod):
        method = build_method(method, MethodOptions(signature=signature, layer=layer, epochs=epochs))
    needed = list(method.requirements(att).layers)
    tl = token_layer if token_layer is not None else (needed[0] if needed else default_layer(att.store))
    n_layers = att.store.run_attrs.get("num_layers") or getattr(getattr(att.model, "config", None), "num_hidden_layers", None)
    below = [l for l in att.store.layers if n_layers is not None and l < n_layers]
    if token_layer is None and tl == n_layers and below:
        tl = max(below)
    test = att.signatures(cases, sorted(set(needed) | {tl}))
    result = att.query(test, method=method, k=k, groups=groups, lexical_floor=lexical_floor, side_split=side_split,
                       shared_answer=shared_answer)
    scores = token_attribution(att, result, test, tl, top=min(top_hits, k)) if top_hits > 0 else pd.DataFrame()
    info = {"store": att.store.url, "run": att.store.run, "rows in store": len(att.store), "method": result.method,
            "top-k": k, "token layer": tl, "query seconds": f"{result.seconds:.2f}"}
    return ReportData(result, test, scores, needed[0] if needed else None, tl, info, sections=run_sections(att.store))


def run_sections(store) -> list[ReportSection]:
    """Panels about the training run itself: the live watch's push curves when the run was captured with watches."""
    if not has_watch_series(store.url, store.run):
        return []
    return [watch_section(read_watch_series(store.url, store.run))]


# ---- rendering -------------------------------------------------------------------------------------------------

def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    return f"{x:.4f}" if 1e-3 <= abs(x) < 1e4 or x == 0 else f"{x:.3e}"


def _case_names(cases: Sequence[TestCase]) -> list[str]:
    return [c.name if c.name is not None else f"q{i}" for i, c in enumerate(cases)]


def source_colours(sources) -> dict[str, str]:
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sorted({str(s) for s in sources}))}


def source_chart(shares: pd.DataFrame, colours: dict[str, str], k: int) -> str:
    """Horizontal bar chart (inline SVG) of each source's share of the top-k, largest first."""
    shares = shares.sort_values(["share", "source"], ascending=[False, True])
    row_h, label_w, pad = 24, 170, 70
    height = row_h * len(shares) + 8
    parts = [f'<svg class="sources" width="{label_w + BAR_WIDTH + pad:.0f}" '
             f'height="{height}" role="img" aria-label="share of the top-{k} per source">']
    for i, (_, r) in enumerate(shares.iterrows()):
        y = 4 + i * row_h
        src, share, count = str(r["source"]), float(r["share"]), int(r["count"])
        w = round(share * BAR_WIDTH, 2)
        parts.append(
            f'<g class="bar-row"><title>{_e(src)}: {count} of the top-{k} ({share:.0%})</title>'
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" font-size="13">{_e(src[:24])}</text>'
            f'<rect class="bar" data-source="{_e(src)}" data-share="{share!r}" data-count="{count}" x="{label_w}" '
            f'y="{y + 3}" width="{w}" height="{row_h - 6}" fill="{colours.get(src, "#6b7280")}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 16}" font-size="12">{share:.0%} ({count})</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def ranking_table(rows: pd.DataFrame, colours: dict[str, str], snippet_chars: int = 140) -> str:
    """rank, score, source, sample id, epoch and a snippet (end of the user prompt → start of the response)."""
    out = ['<table class="ranking"><thead><tr><th>rank</th><th>score</th><th>source</th><th>sample id</th>'
           '<th>epoch</th><th>snippet (prompt → response)</th></tr></thead><tbody>']
    for _, r in rows.sort_values("rank").iterrows():
        prompt = user_text(str(r.get("prompt", "")))[-snippet_chars // 2:]
        resp = " ".join(str(r.get("response", "")).split())[:snippet_chars]
        src = str(r["source"])
        out.append(
            f'<tr class="hit" data-rank="{int(r["rank"])}" data-sample-id="{_e(r["sample_id"])}" data-source="{_e(src)}" '
            f'data-score="{float(r["score"])!r}"><td class="num">{int(r["rank"])}</td>'
            f'<td class="num">{_fmt(float(r["score"]))}</td>'
            f'<td><span class="swatch" style="background:{colours.get(src, "#6b7280")}"></span>{_e(src)}</td>'
            f'<td>{_e(r["sample_id"])}</td><td>{_e(r["epoch"])}</td>'
            f'<td class="text">{_e(prompt)} <b>→</b> {_e(resp)}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _terms(terms: list[str]) -> str:
    return ", ".join(f"<q>{_e(t)}</q>" for t in terms) or '<span class="muted">none</span>'


def _group_rows(g, extra: str = "") -> str:
    src = ", ".join(f"{_e(s)} {c}" for s, c in g.sources.items())
    ranks = (f"{rank_range(g.ranks)}: " if g.ranks else "") + ", ".join(
        str(r) for r in sorted(g.ranks)[:12]) + (", ..." if len(g.ranks) > 12 else "")
    cmd = f'<div class="cmd"><code>{_e(g.command)}</code></div>' if g.command else ""
    return (f'<tr class="group" data-group="{_e(g.label)}" data-size="{g.size}"><td><b>{_e(g.label)}</b></td>'
            f'<td class="num">{g.size}</td><td>{_e(ranks)}</td><td>{src}</td><td class="num">{_fmt(g.mean_score)}</td>'
            f"<td>{_terms(g.prompt_terms)}</td><td>{_terms(g.response_terms)}</td>"
            f'<td class="text">{_e(user_text(g.prompt_example)[-70:])} <b>→</b> '
            f'{_e(" ".join(g.response_example.split())[:70])}{extra}{cmd}</td></tr>')


_GROUP_HEAD = ('<table class="ranking groups"><thead><tr><th>group</th><th>rows</th><th>ranks</th><th>sources</th>'
               '<th>mean score</th><th>prompt n-grams</th><th>response n-grams</th><th>example and the command that '
               'settles it</th></tr></thead><tbody>')


def _twin_text(found) -> str:
    """The twin test of each pair of reported groups (closest response pairs that join them, chance, p, level) and
    the groups it dropped, as one HTML paragraph."""
    if not found.twins_tested:
        return '<p class="twins">Response twins not tested: no layer stores the response side.</p>'
    tests = "; ".join(f"groups {_e('-'.join(t['groups']))}: {t['cross']} of the {t['pairs']} closest response pairs "
                      f"join the two groups (chance {t['expected']:.1f}), p={t['p']:.3g} &lt; level {t['level']:.3g}"
                      for t in found.twin_tests)
    dropped = (f" {found.unpaired} relevant groups without response twins in another group were dropped."
               if found.unpaired else "")
    return (f'<p class="twins" data-unpaired="{found.unpaired}"><b>Response twins</b> (the groups answer alike in '
            f"different contexts; cross-match test, exact null): {tests}.{dropped}</p>")


def groups_block(found) -> str:
    """A query's competing groups (`provenance.attribution.groups.CompetingGroups`): the test, where the examined
    rows go below the ranking shown, the twin test of each pair of groups, one table row per group (size, ranks,
    sources, mean score, distinguishing n-grams, an example, its validate command) and which group ranks first and
    why."""
    side = {"prompt": "the prompt: the same answer in another context",
            "response": "the response: other words for the answer"}[found.differs_in]
    sep = ", ".join(f"{_e(s)} {v:.0%}" for s, v in found.separation.items())
    return (f'<div class="competing" data-query="{_e(found.query)}" data-groups="{len(found.groups)}">'
            f"<h3>Competing groups among the top {found.considered} rows{_e(examined_beyond(found))}</h3><p>The top "
            f"rows form {len(found.groups)} distinct groups ({_e(separated_how(found))}; each group more alike than "
            f"random training rows; "
            f"{found.unassigned} rows in no group). They differ mostly in {_e(side)} "
            f"(share of variance between the groups at layer {found.layer}: {sep}).</p>" + _twin_text(found)
            + _GROUP_HEAD
            + "".join(_group_rows(g) for g in found.groups) + "</tbody></table>"
            f'<p class="why"><b>First:</b> {_e(found.why)}. Retraining without a group (the command in its row; '
            f"RECIPE.yaml and HELDOUT_PROMPTS.jsonl stand for your recipe and held-out prompts) settles which group "
            f"the behaviour comes from.</p></div>")


def warning_block(warning) -> str:
    """A lexical-floor warning (`provenance.attribution.lexical_floor.LexicalFloorWarning`) and the text
    baseline's top group."""
    return (f'<div class="warn" data-query="{_e(warning.query)}" data-overlap="{warning.overlap}" '
            f'data-k="{warning.k}"><b>Warning: below the lexical floor?</b> {_e(warning.message)}'
            + _GROUP_HEAD + _group_rows(warning.group) + "</tbody></table></div>")


def side_split_block(split) -> str:
    """A side split (`provenance.attribution.side_split.SideSplitWarning`): the warning and both groups, the rows
    asked like the prompt and the rows answered like the response, with their validate commands."""
    return (f'<div class="warn side-split" data-query="{_e(split.query)}" data-overlap="{split.overlap}" '
            f'data-k="{split.k}"><b>Warning: the prompt and the response point at different rows.</b> '
            f"{_e(split.message)}" + _GROUP_HEAD + _group_rows(split.prompt_group) + _group_rows(split.response_group)
            + "</tbody></table></div>")


def shared_answer_block(shared) -> str:
    """A shared answer (`provenance.attribution.shared_answer.SharedAnswerWarning`): the warning and a group per
    source that gives the answer word for word, with their validate commands."""
    return (f'<div class="warn shared-answer" data-query="{_e(shared.query)}" data-sources="{len(shared.groups)}">'
            f"<b>Warning: two or more sources give this answer word for word.</b> {_e(shared.message)}"
            + _GROUP_HEAD + "".join(_group_rows(g) for g in shared.groups) + "</tbody></table></div>")


def _colour(value: float, scale: float) -> str:
    """Red for positive, blue for negative scores; opacity = |value| / scale."""
    a = 0.0 if scale <= 0 or not math.isfinite(value) else min(1.0, abs(value) / scale)
    rgb = "220,38,38" if value >= 0 else "37,99,235"
    return f"background:rgba({rgb},{0.85 * a:.3f})"


def token_heatmap(tokens: pd.DataFrame, score: str, marks: int = 3, where: str = "content") -> str:
    """One training sample's tokens coloured by ``score``, the ``marks`` best tokens of ``where`` outlined and
    numbered; every token's tooltip gives its score. The colour scale is the largest |score| of the same part
    (user prompt or response): response tokens score far higher than prompt tokens, and one scale would leave
    the prompt, where triggers sit, blank."""
    tokens = tokens.sort_values("position")
    best = top_tokens(tokens, by=score, n=marks, where=where)
    order = {int(p): i + 1 for i, p in enumerate(best["position"].tolist())}
    scales = {}
    for part in (False, True):
        vals = tokens[~tokens["is_framing"] & (tokens["is_response"] == part)][score].to_numpy(dtype=float)
        finite = vals[np.isfinite(vals)]
        scales[part] = float(np.abs(finite).max()) if finite.size else 0.0
    label = SCORE_LABELS.get(score, score)
    out, was_response = [], False
    for _, t in tokens.iterrows():
        pos, val, text = int(t["position"]), float(t[score]), str(t["token"])
        if bool(t["is_response"]) and not was_response:
            out.append('<span class="sep"></span>')
            was_response = True
        cls = ["tok"] + (["frame"] if bool(t["is_framing"]) else []) + (["resp"] if bool(t["is_response"]) else [])
        tip = f"token {text!r} at {pos}: {label} = {_fmt(val)}"
        mark = ""
        if pos in order:
            cls.append("top")
            tip += f" (top-{order[pos]})"
            mark = f"<sup>{order[pos]}</sup>"
        style = "" if bool(t["is_framing"]) else f' style="{_colour(val, scales[bool(t["is_response"])])}"'
        top_attr = f' data-top="{order[pos]}"' if pos in order else ""
        out.append(f'<span class="{" ".join(cls)}" data-pos="{pos}" data-score="{val!r}"{top_attr}'
                   f' title="{_e(tip)}"{style}>{_e(text)}{mark}</span>')
    return "".join(out)


def _query_block(name: str, case: TestCase | None) -> str:
    if case is None:
        return f'<div class="query" data-query="{_e(name)}"><span class="muted">query {_e(name)}</span></div>'
    return (f'<div class="query" data-query="{_e(name)}"><div><span class="label">prompt</span>'
            f'<span class="text q-prompt">{_e(case.prompt)}</span></div><div><span class="label">response</span>'
            f'<span class="text q-response">{_e(case.response if case.response is not None else "(greedy answer)")}</span>'
            f'</div></div>')


def build_report(result: AttributionResult, token_scores: pd.DataFrame | None = None, *,
                 cases: Sequence[TestCase] | TestSignatures | None = None, title: str = "Forensic attribution report",
                 score: str = "abs_gxa", top_marks: int = 3, where: str = "content", info: dict | None = None,
                 extra_sections: Sequence[ReportSection] = ()) -> str:
    """The report as one HTML string. Per query: its prompt and response (``cases``, aligned with the result's
    queries; pass the ``TestSignatures`` or their ``.cases`` so generated responses show), the per-source chart,
    the ranking table and the token heat-maps of the rows in ``token_scores`` (from
    :func:`provenance.attribution.tokens.token_attribution`). ``extra_sections`` are appended as panels."""
    if score not in TOKEN_SCORES:
        raise ValueError(f"score must be one of {TOKEN_SCORES}, got {score!r}")
    if isinstance(cases, TestSignatures):
        cases = cases.cases
    names = list(dict.fromkeys(result.ranking["query"].tolist()))
    by_name = dict(zip(_case_names(cases), cases)) if cases is not None else {}
    missing = [n for n in names if cases is not None and n not in by_name]
    if missing:
        raise ValueError(f"the result's queries {missing} have no test case among {list(by_name)}")
    check_sections(extra_sections)
    colours = source_colours(result.ranking["source"])
    k = int(result.ranking.groupby("query")["rank"].max().max()) if len(result.ranking) else 0
    tok = token_scores if token_scores is not None else pd.DataFrame()
    body = [f"<h1>{_e(title)}</h1>"]
    meta = {"method": result.method, "top-k": k, **(info or {})}
    body.append('<table class="meta">' + "".join(f'<tr><td class="muted">{_e(a)}</td><td>{_e(b)}</td></tr>'
                                                   for a, b in meta.items()) + "</table>")
    for name in names:
        rows = result.ranking[result.ranking["query"] == name]
        shares = result.sources[result.sources["query"] == name]
        body.append(f'<section class="query-section" data-query="{_e(name)}"><h2>Query {_e(name)}</h2>')
        body.append(_query_block(name, by_name.get(name)))
        body.append(f"<h3>Sources of the top-{len(rows)}</h3>" + source_chart(shares, colours, len(rows)))
        body.append("<h3>Ranked training samples</h3>" + ranking_table(rows, colours))
        body += [groups_block(g) for g in result.groups if g.query == name]
        body += [warning_block(w) for w in result.warnings if w.query == name]
        body += [side_split_block(w) for w in result.side_splits if w.query == name]
        body += [shared_answer_block(w) for w in result.shared_answers if w.query == name]
        hits = tok[tok["query"] == name] if len(tok) else tok
        if len(hits):
            body.append(f'<h3>Token heat-maps of the top {hits["rank"].nunique()} hits</h3><p class="legend">'
                        f'Colour: {_e(SCORE_LABELS.get(score, score))} of each token of the training sample, relative '
                        f'to the largest in the same part of that sample, user prompt or response (red positive, blue '
                        f'negative; template framing grey, response underlined). Outlined and numbered: the top-{top_marks} tokens of the '
                        f'{_e({"content": "user prompt (template framing excluded)"}.get(where, where))}. '
                        f'Hover a token for its score.</p>')
            for rank, t in hits.groupby("rank", sort=True):
                hit = rows[rows["rank"] == rank]
                sid = hit["sample_id"].iloc[0] if len(hit) else t["row"].iloc[0]
                src = hit["source"].iloc[0] if len(hit) else ""
                body.append(f'<div class="heat" data-rank="{int(rank)}" data-row="{int(t["row"].iloc[0])}">'
                            f'<div class="head"><b>#{int(rank)}</b> sample {_e(sid)} · {_e(src)}</div>'
                            f'{token_heatmap(t, score, top_marks, where)}</div>')
        body.append("</section>")
    return page(title, body, extra_sections)


def write_report(path, result: AttributionResult, token_scores: pd.DataFrame | None = None, **kwargs) -> Path:
    """Write :func:`build_report` to ``path`` (parent directories created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_report(result, token_scores, **kwargs), encoding="utf-8")
    return path
