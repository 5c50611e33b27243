"""`provenance query` (rank a store's training samples for test cases; `attribute` is its hidden old name),
`provenance report` (the same query as a self-contained HTML report with token heat-maps) and `provenance index`
(the final model's re-pass of the training rows, as a run). Registered in provenance/cli.py.

Methods come from `provenance.attribution.registry`, the one registry `Attributor.query` uses too: ``--method``
takes any registered name (a method registered by the user's own code included), and without it the query runs
the registry's default, as `Attributor.query` does.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from provenance.attribution.attributor import COMBINE_MODES, Attributor
from provenance.attribution.cases import TestCase
from provenance.attribution.groups import group_lines, safe_name, write_group_ids, write_ids
from provenance.attribution.method import AttributionMethod
from provenance.attribution.registry import (
    DEFAULT_METHOD,
    MethodOptionError,
    MethodOptions,
    build_method,
    check_options,
    method_names,
    method_spec,
)
from provenance.attribution.repass import write_repass
from provenance.attribution.report import gather_report, user_text, write_report
from provenance.attribution.tokens import TOKEN_SCORES
from provenance.cli_input import TEST_CASE_LINE, InputFileError, read_jsonl
from provenance.models import load_for_inference
from provenance.store import open_store

DEFAULT_MAX_LENGTH = 512   # `Attributor`'s default: test cases are cut like training samples of that length
# The command-line flag of each method option, for errors that name it.
OPTION_FLAGS = {"signature": "--signature", "layer": "--layer", "epochs": "--epochs", "backend": "--backend",
                "candidates": "--candidates", "base": "--base-model"}


def _load_cases(prompt: list[str] | None, response: list[str] | None, cases: str | None) -> list:
    """Test cases of --cases (validated line by line: errors name the file and line) then of --prompt/--response."""
    out = []
    if cases:
        for n, d in read_jsonl(cases, TEST_CASE_LINE, option="--cases"):
            if not d["prompt"].strip():
                raise InputFileError(f"{cases}:{n}: 'prompt' is empty")
            if d.get("response") is not None and not d["response"].strip():
                raise InputFileError(f"{cases}:{n}: 'response' is empty: give the text to explain, or leave the key "
                                     "out (or null) to explain the model's greedy answer")
            out.append(TestCase(d["prompt"], d.get("response"), d.get("name")))
    prompt, response = list(prompt or []), list(response or [])
    if response and len(response) != len(prompt):
        raise typer.BadParameter("give one --response per --prompt, or none (explain the model's greedy answers)")
    out += [TestCase(p, response[i] if response else None) for i, p in enumerate(prompt)]
    if not out:
        raise typer.BadParameter("no test case: pass --prompt [--response] or --cases FILE.jsonl")
    return out


def _options(signature: str | None, layer: int | None, epochs: str, backend: str = "local",
             candidates: int | None = None, base=None, combine: str = "none") -> MethodOptions:
    """The method options the flags set (``--epochs`` as an int when it is a number)."""
    ep = int(epochs) if epochs.lstrip("-").isdigit() else epochs
    return MethodOptions(signature=signature, layer=layer, epochs=ep, backend=backend, candidates=candidates,
                         base=base, combine=combine)


def _check_options(method: str, options: MethodOptions) -> None:
    """Refuse, before any model loads, flags the method (``auto``: what it resolves to) does not take."""
    try:
        check_options(method, options)
    except MethodOptionError as e:
        via = f" (which resolves to {e.method} here)" if e.method != e.given_as else ""
        raise typer.BadParameter(f"{OPTION_FLAGS.get(e.option, e.option)} applies to --method "
                                 f"{' / '.join(e.takers)}, not {e.given_as}{via}") from None


def _build(method: str, options: MethodOptions) -> AttributionMethod:
    _check_options(method, options)
    return build_method(method, options)


def _load_model(model: str, adapter: str | None):
    return load_for_inference(model, adapter)


def _attributor(store: str, run: str | None, model: str, adapter: str | None, allow_model_mismatch: bool,
                max_length: int = DEFAULT_MAX_LENGTH):
    reader = open_store(store, run=run)   # before the model loads: a wrong store fails fast
    lm, tok = _load_model(model, adapter)
    return Attributor(reader, lm, tok, allow_model_mismatch=allow_model_mismatch, max_length=max_length)


def _check_out(out: str | None, option: str = "--out") -> None:
    """The folder of an output path must exist (the CSVs are written there): checked before the query runs."""
    if out:
        folder = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(folder):
            raise typer.BadParameter(f"{option} {out}: folder {folder} does not exist")


def _check_method(method: str, top_k: int) -> None:
    if method not in method_names():
        raise typer.BadParameter(f"--method must be one of {method_names()}")
    if top_k < 1:
        raise typer.BadParameter(f"--top-k must be at least 1, got {top_k}")


def print_ranking(res, top_k: int, snippet_chars: int = 70) -> None:
    """Per query: a table (rank, score, source, sample id, snippet) and the per-source shares of the top-k."""
    console = Console()

    def table_of(title, g):
        table = Table(title=title)
        for col in ("rank", "score", "source", "sample id", "epoch", "snippet (prompt → response)"):
            table.add_column(col, overflow="fold")
        for _, r in g.head(top_k).iterrows():
            prompt, resp = user_text(str(r["prompt"])), " ".join(str(r["response"]).split())
            snippet = f"{prompt[-snippet_chars // 2:]} → {resp[:snippet_chars]}"
            table.add_row(str(r["rank"]), f"{r['score']:.4f}", escape(str(r["source"])), escape(str(r["sample_id"])),
                          str(r["epoch"]), escape(snippet))
        return table

    for q, g in res.ranking.groupby("query", sort=False):
        console.print(table_of(f"{q}: {res.method}", g))
        shares = res.sources[res.sources["query"] == q]
        console.print(f"sources of the top-{len(g)}: " + ", ".join(f"{escape(str(s))} {v:.0%} ({c})" for s, v, c
                                                               in zip(shares.source, shares.share, shares["count"])))
    if res.wording is not None:
        for q, g in res.wording.groupby("query", sort=False):
            console.print(table_of(f"{q}: rows whose words the answers reuse (token match; not the ranking above: "
                                   "it disagrees with the signature)", g))
    print_checks(res, console)


def print_checks(res, console: Console | None = None) -> None:
    """The competing groups, the lexical-floor warnings, the side splits and the shared answers of a result (nothing
    when it has none)."""
    console = console or Console()
    # soft_wrap: a long command (its ranking file's path) is printed on one line, so that copying it gives the
    # command; rich would otherwise break it at the console width, inside the path.
    for found in res.groups:
        console.print("[bold]competing groups[/bold] " + escape("\n".join(group_lines(found))), soft_wrap=True)
    for w in res.warnings:
        console.print("[bold yellow]warning[/bold yellow] " + escape(w.message), soft_wrap=True)
        if w.group.command:
            console.print(escape(f"  settle it: {w.group.command}"), soft_wrap=True)
    for w in res.side_splits:
        console.print("[bold yellow]side split[/bold yellow] " + escape(w.message), soft_wrap=True)
        for g in (w.prompt_group, w.response_group):
            if g.command:
                console.print(escape(f"  settle it ({g.label}): {g.command}"), soft_wrap=True)
    for w in res.shared_answers:
        console.print("[bold yellow]shared answer[/bold yellow] " + escape(w.message), soft_wrap=True)
        for g in w.groups:
            if g.command:
                console.print(escape(f"  settle it ({g.label}): {g.command}"), soft_wrap=True)


def write_check_ids(res, folder: str | None) -> list[Path]:
    """The ranking file of every competing group, of every warning's text group, of both groups of every side
    split (``<query>-prompt-side.csv``, ``<query>-response-side.csv``) and of every source of a shared answer
    (``<query>-source-<name>.csv``), in ``folder`` (created; None: a fresh temporary folder); fills in their
    ``provenance validate`` commands. Nothing is written when the result has none of them."""
    if not res.groups and not res.warnings and not res.side_splits and not res.shared_answers:
        return []
    folder = folder or tempfile.mkdtemp(prefix="provenance-groups-")
    paths = write_group_ids(res.groups, folder)
    if res.warnings:
        Path(folder).mkdir(exist_ok=True)
        paths += [write_ids(w.group, Path(folder) / f"{safe_name(w.query)}-text-baseline.csv") for w in res.warnings]
    if res.side_splits:
        Path(folder).mkdir(exist_ok=True)
        paths += [write_ids(g, Path(folder) / f"{safe_name(w.query)}-{g.label.replace(' ', '-')}.csv")
                  for w in res.side_splits for g in (w.prompt_group, w.response_group)]
    if res.shared_answers:
        Path(folder).mkdir(exist_ok=True)
        paths += [write_ids(g, Path(folder) / f"{safe_name(w.query)}-{safe_name(g.label.replace(' ', '-'))}.csv")
                  for w in res.shared_answers for g in w.groups]
    return paths


def result_json(res) -> dict:
    """What ``provenance query --json`` prints."""
    return {"method": res.method, "seconds": res.seconds, "explanation": res.explanation,
            "ranking": res.ranking.to_dict(orient="records"), "sources": res.sources.to_dict(orient="records"),
            "wording": None if res.wording is None else res.wording.to_dict(orient="records"),
            "groups": [g.to_dict() for g in res.groups], "warnings": [w.to_dict() for w in res.warnings],
            "side_splits": [w.to_dict() for w in res.side_splits],
            "shared_answers": [w.to_dict() for w in res.shared_answers], "checks": res.checks}


def _groups_dir(groups_dir: str | None, out: str | None) -> str | None:
    """Where the group id files go: ``--groups-dir`` (checked before the query runs), else ``<out>.groups``, else
    None (a fresh temporary folder, made only when something is reported)."""
    if groups_dir:
        _check_out(groups_dir, "--groups-dir")
        return groups_dir
    return f"{out}.groups" if out else None


STORE_ARG = typer.Argument(..., help="store path or fsspec URL")
MODEL_OPT = typer.Option(..., help="the final model: a local checkpoint dir or 'smollm2-135m-instruct'")
ADAPTER_OPT = typer.Option(None, help="PEFT adapter directory to load on top of --model")
PROMPT_OPT = typer.Option(None, help="test prompt (repeatable)")
RESPONSE_OPT = typer.Option(None, help="the response to explain, one per --prompt; omit to explain the greedy answer")
CASES_OPT = typer.Option(None, help="JSONL of {prompt, response?, name?}")
RUN_OPT = typer.Option(None, help="run of the store (default: its only run)")
METHOD_OPT = typer.Option(DEFAULT_METHOD, help=f"one of {', '.join(method_names())}, or a method registered with "
                          f"provenance.attribution.registry.register_method; {DEFAULT_METHOD}: "
                          f"{method_spec(DEFAULT_METHOD).summary}")
SIGNATURE_OPT = typer.Option(None, help="signature variant (default: the library's DEFAULT_VARIANT; named variants: see provenance.attribution.signatures.VARIANTS) or parts like h_mean+g_mean")
LAYER_OPT = typer.Option(None, help="layer (default: the library's default for the run)")
EPOCHS_OPT = typer.Option("last", help="last, all, mean (TracIn-style) or an epoch number")
MISMATCH_OPT = typer.Option(False, help="query even if the model's config hash differs from the store's")
GROUPS_OPT = typer.Option(True, "--groups/--no-groups", help="look for competing groups among the top rows (same "
                          "answer in another prompt context, or two sources of the same words)")
LEXICAL_FLOOR_OPT = typer.Option(True, "--lexical-floor/--no-lexical-floor", help="warn when BM25 on prompt and "
                                 "response disagrees sharply with the ranking (scores every stored row: O(rows))")
SIDE_SPLIT_OPT = typer.Option(True, "--side-split/--no-side-split", help="warn when the rows nearest the answer's "
                              "prompt side (h_last) and nearest its response side (h_mean) share no more than chance "
                              "(two streamed scorings of the stored rows)")
SHARED_ANSWER_OPT = typer.Option(True, "--shared-answer/--no-shared-answer", help="warn when the answer, word for "
                                 "word, is the response of rows of two or more sources among the top 100 rows")
GROUPS_DIR_OPT = typer.Option(None, help="folder for the ranking files of competing groups (what `provenance "
                              "validate --ranking` reads; default <--out>.groups, else a new temporary folder); "
                              "written only when groups, a warning, a side split or a shared answer are reported")
MAX_LENGTH_OPT = typer.Option(DEFAULT_MAX_LENGTH, "--max-length", min=1,
                              help="tokens of a test case (prompt + response, cut on the right like a training "
                              "sample); a warning names each case cut")


def query(
    store: str = STORE_ARG,
    model: str = MODEL_OPT,
    adapter: str = ADAPTER_OPT,
    prompt: list[str] = PROMPT_OPT,
    response: list[str] = RESPONSE_OPT,
    cases: str = CASES_OPT,
    run: str = RUN_OPT,
    method: str = METHOD_OPT,
    signature: str = SIGNATURE_OPT,
    layer: int = LAYER_OPT,
    epochs: str = EPOCHS_OPT,
    top_k: int = typer.Option(20, "--top-k", "-k", help="rows per test case"),
    allow_model_mismatch: bool = MISMATCH_OPT,
    out: str = typer.Option(None, help="write the ranking to OUT.csv and the source shares to OUT.sources.csv "
                             "(and, when auto overrules token match, its ranking to OUT.wording.csv)"),
    as_json: bool = typer.Option(False, "--json", help="print the ranking and source shares as JSON"),
    backend: str = typer.Option("local", help="signature scoring: local (streamed), index (the store's query index, "
                                "see `provenance topk-index`), dask or dask-index"),
    combine: str = typer.Option("none", help="none: one ranking per test case; mean: the cases are examples of one "
                                "behaviour, ranked by each row's mean score over them"),
    candidates: int = typer.Option(None, help="--method token-match (and auto-choice): rows the signature picks for "
                                   "the token re-rank (default: every row when the store has per-token states at the "
                                   "layer, else 500 re-read by the final model)"),
    base_model: str = typer.Option(None, help="--method token-match, auto-choice, contrastive, joint, or auto with --combine mean: the "
                                   "model before fine-tuning (default: the --adapter model with its adapters disabled)"),
    max_length: int = MAX_LENGTH_OPT,
    groups: bool = GROUPS_OPT,
    lexical_floor: bool = LEXICAL_FLOOR_OPT,
    side_split: bool = SIDE_SPLIT_OPT,
    shared_answer: bool = SHARED_ANSWER_OPT,
    groups_dir: str = GROUPS_DIR_OPT,
) -> None:
    """Which training samples explain a response? Ranked rows and per-source shares.

    Prints per test case (or, with --combine mean, for the behaviour the cases show) a table (rank, score, source,
    sample id, snippet) and each source's share of the top-k; then, when the top rows form competing groups or a
    text baseline disagrees sharply, or the answer's prompt and response sides point at different rows, or rows of two
    sources give the answer word for word, what sets the groups apart and the `provenance validate` command that
    settles it (each group's ids written to --groups-dir)."""
    _check_method(method, top_k)
    _check_out(out)
    folder = _groups_dir(groups_dir, out)
    if combine not in COMBINE_MODES:
        raise typer.BadParameter(f"--combine must be one of {COMBINE_MODES}, got {combine!r}")
    # --base-model as given stands in for the model until the options are known to fit the method
    options = _options(signature, layer, epochs, backend, candidates, base_model, combine)
    _check_options(method, options)
    test_cases = _load_cases(prompt, response, cases)
    att = _attributor(store, run, model, adapter, allow_model_mismatch, max_length)
    base = _load_model(base_model, None)[0] if base_model else None
    res = att.query(test_cases, method=_build(method, replace(options, base=base)), k=top_k, combine=combine,
                    groups=groups, lexical_floor=lexical_floor, side_split=side_split, shared_answer=shared_answer)
    write_check_ids(res, folder)
    if out:
        res.ranking.to_csv(f"{out}.csv", index=False)
        res.sources.to_csv(f"{out}.sources.csv", index=False)
        if res.wording is not None:
            res.wording.to_csv(f"{out}.wording.csv", index=False)
    if as_json:
        typer.echo(json.dumps(result_json(res), indent=2, default=str))
        return
    print_ranking(res, top_k)


def report(
    store: str = STORE_ARG,
    model: str = MODEL_OPT,
    adapter: str = ADAPTER_OPT,
    prompt: list[str] = PROMPT_OPT,
    response: list[str] = RESPONSE_OPT,
    cases: str = CASES_OPT,
    run: str = RUN_OPT,
    method: str = METHOD_OPT,
    signature: str = SIGNATURE_OPT,
    layer: int = LAYER_OPT,
    epochs: str = EPOCHS_OPT,
    top_k: int = typer.Option(20, "--top-k", "-k", help="rows per test case"),
    top_hits: int = typer.Option(5, help="token heat-maps for this many of the best rows per test case"),
    token_score: str = typer.Option("abs_gxa", help="per-token score of the heat-maps: abs_gxa, gxa, cos_h or cos_g"),
    token_layer: int = typer.Option(None, help="layer of the token scores (default: the query's layer)"),
    allow_model_mismatch: bool = MISMATCH_OPT,
    title: str = typer.Option("Forensic attribution report", help="title of the report"),
    out: str = typer.Option(..., "--out", help="the HTML file to write"),
    max_length: int = MAX_LENGTH_OPT,
    groups: bool = GROUPS_OPT,
    lexical_floor: bool = LEXICAL_FLOOR_OPT,
    side_split: bool = SIDE_SPLIT_OPT,
    shared_answer: bool = SHARED_ANSWER_OPT,
    groups_dir: str = GROUPS_DIR_OPT,
) -> None:
    """The query as a self-contained HTML report with token heat-maps.

    One HTML file (inline CSS and SVG, no script, no external URL): the test case, the ranked samples, a per-source
    chart of the top-k, token heat-maps of the top hits and, for a run captured with watches, their push curves."""
    _check_method(method, top_k)
    if token_score not in TOKEN_SCORES:
        raise typer.BadParameter(f"--token-score must be one of {TOKEN_SCORES}")
    if top_hits < 0:
        raise typer.BadParameter(f"--top-hits must be >= 0, got {top_hits}")
    options = _options(signature, layer, epochs)   # the report ranks per test case
    _check_options(method, options)
    if groups_dir:
        _check_out(groups_dir, "--groups-dir")
    test_cases = _load_cases(prompt, response, cases)
    att = _attributor(store, run, model, adapter, allow_model_mismatch, max_length)
    data = gather_report(att, test_cases, k=top_k, top_hits=top_hits, method=_build(method, options),
                         token_layer=token_layer, groups=groups, lexical_floor=lexical_floor,
                         side_split=side_split, shared_answer=shared_answer)
    Path(out).parent.mkdir(parents=True, exist_ok=True)     # as write_report does: the ids go beside the report
    write_check_ids(data.result, groups_dir or f"{out}.groups")
    info = dict(data.info, model=model + (f" + adapter {adapter}" if adapter else ""))
    path = write_report(out, data.result, data.token_scores, cases=data.test, title=title, score=token_score,
                        info=info, extra_sections=data.sections)
    print_ranking(data.result, min(top_k, 10))
    typer.echo(f"report: {path.resolve()}")


def index(
    store: str = STORE_ARG,
    model: str = MODEL_OPT,
    adapter: str = ADAPTER_OPT,
    run: str = RUN_OPT,
    out_run: str = typer.Option(None, help="run to write (default: <run>-final)"),
    out_store: str = typer.Option(None, help="store to write into (default: the same store)"),
    epochs: str = typer.Option("last", help="the rows to re-pass: last or an epoch number"),
    batch: int = typer.Option(8, help="samples per forward+backward"),
    overwrite: bool = typer.Option(False, help="replace an existing re-pass run instead of resuming it"),
    token_layers: str = typer.Option(None, help="also write per-token states there: auto (3/4 of the depth) or "
                                     "comma-separated layers (what --method token-match reads without a re-read)"),
    allow_model_mismatch: bool = MISMATCH_OPT,
) -> None:
    """Re-pass the training rows through the final model into a run of the same schema (RepT's final-model signatures).

    Query it like any run: `provenance query STORE --run <run>-final ...`. A killed re-pass resumes where its committed
    rows end."""
    if batch < 1:
        raise typer.BadParameter(f"--batch must be at least 1, got {batch}")
    ep = int(epochs) if epochs.lstrip("-").isdigit() else epochs
    tl = None
    if token_layers:
        try:
            tl = "auto" if token_layers == "auto" else [int(x) for x in token_layers.split(",")]
        except ValueError:
            raise typer.BadParameter(f"--token-layers takes auto or comma-separated ints, got {token_layers!r}") from None
    att = _attributor(store, run, model, adapter, allow_model_mismatch)
    try:
        url, name, rows = write_repass(att, out_run=out_run, out_url=out_store, epochs=ep, batch=batch,
                                       overwrite=overwrite, model_label=model + (f" + {adapter}" if adapter else ""),
                                       token_layers=tl)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    typer.echo(f"re-pass written: {url} run {name!r}, {rows} rows")
