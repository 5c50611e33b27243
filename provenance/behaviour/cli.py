"""`provenance behaviour ...`: DPO activation-difference attribution, probe / concept influence, discovery.
Registered in provenance/cli.py; heavy imports happen inside the commands."""
from __future__ import annotations

import json

import typer

from provenance.attribution.cases import TestCase
from provenance.attribution.report_page import write_sections_report
from provenance.attribution.signatures import default_layer

app = typer.Typer(help="Behaviour-level attribution: DPO activation differences, probes, discovery.",
                  no_args_is_help=True, add_completion=False)

STORE_ARG = typer.Argument(..., help="capture store path or fsspec URL")
RUN_OPT = typer.Option(None, help="run of the store (default: its only run)")
MODEL_OPT = typer.Option(..., help="base model: a local checkpoint dir or 'smollm2-135m-instruct'")
ADAPTER_OPT = typer.Option(None, help="PEFT adapter directory of the tuned model (adapters disabled = M0)")
LAYER_OPT = typer.Option(None, help="layer (default: the run's last spread layer)")
TOPK_OPT = typer.Option(20, "--top-k", "-k", help="rows to show")
JSON_OPT = typer.Option(False, "--json", help="machine-readable output")
HTML_OPT = typer.Option(None, "--html", help="also write a self-contained HTML report with this view to HTML")


def _write_html(path: str | None, section, title: str, info: dict) -> None:
    if path:
        typer.echo(f"HTML report: {write_sections_report(path, [section], title=title, info=info)}", err=True)


def _load(model: str, adapter: str | None):
    from provenance.models import load_for_inference

    return load_for_inference(model, adapter)


def _read_jsonl(path: str, schema, option: str) -> list[dict]:
    """The rows of a JSON-lines input, validated line by line (errors name the file and line)."""
    from provenance.cli_input import read_jsonl

    return [row for _, row in read_jsonl(path, schema, option=option)]


def _example_line():
    from provenance.cli_input import LineSchema

    return LineSchema("behaviour example", {"prompt": (str,)}, {"r1": (str, type(None)), "r0": (str, type(None))})


def _labelled_line():
    from provenance.cli_input import LineSchema

    return LineSchema("labelled example", {"prompt": (str,), "response": (str,)})


def _print_df(df, title: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title)
    for c in df.columns:
        table.add_column(str(c), overflow="fold")
    for row in df.itertuples(index=False):
        table.add_row(*(escape(f"{v:.4f}" if isinstance(v, float) else str(v).replace("\n", " ")) for v in row))
    Console().print(table)


@app.command("dpo-attribute")
def dpo_attribute(
    store: str = STORE_ARG,
    model: str = MODEL_OPT,
    adapter: str = ADAPTER_OPT,
    ref_model: str = typer.Option(None, help="reference model M0 (default: --model with the adapter disabled)"),
    prompt: list[str] = typer.Option(None, help="behaviour example prompt (repeatable)"),
    r1: list[str] = typer.Option(None, help="the tuned model's response, one per --prompt (default: generated)"),
    r0: list[str] = typer.Option(None, help="the reference model's response, one per --prompt (default: generated)"),
    examples: str = typer.Option(None, help="JSONL of {prompt, r1?, r0?}"),
    layer: int = LAYER_OPT,
    run: str = RUN_OPT,
    chat: bool = typer.Option(True, help="prompts are chat turns (conversational DPO data); --no-chat for plain text"),
    top_k: int = TOPK_OPT,
    out: str = typer.Option(None, help="write the full ranking to OUT.csv and the source summary to OUT.sources.csv"),
    html: str = HTML_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Rank a DPO store's preference pairs by cos(v_b, v_d): which pairs taught the behaviour of the examples?"""
    from provenance.behaviour import behaviour_vector, pair_texts, pair_vectors, rank_pairs, source_summary
    from provenance.store import open_store

    items = _read_jsonl(examples, _example_line(), "--examples") if examples else []
    prompt, r1, r0 = list(prompt or []), list(r1 or []), list(r0 or [])
    for name, vals in (("--r1", r1), ("--r0", r0)):
        if vals and len(vals) != len(prompt):
            raise typer.BadParameter(f"give one {name} per --prompt, or none (generated)")
    items += [{"prompt": p, "r1": r1[i] if r1 else None, "r0": r0[i] if r0 else None} for i, p in enumerate(prompt)]
    if not items:
        raise typer.BadParameter("no behaviour example: pass --prompt [--r1 --r0] or --examples FILE.jsonl")
    if top_k < 1:
        raise typer.BadParameter(f"--top-k must be at least 1, got {top_k}")
    reader = open_store(store, run=run)
    pv = pair_vectors(reader, layer)
    lm, tok = _load(model, adapter)
    ref = _load(ref_model, None)[0] if ref_model else None
    bv = behaviour_vector(lm, tok, items, [pv.layer], ref_model=ref, chat=chat)
    ranking = rank_pairs(pv, bv)
    summary = source_summary(ranking, min(top_k, len(ranking)))
    if out:
        ranking.to_csv(f"{out}.csv", index=False)
        summary.to_csv(f"{out}.sources.csv", index=False)
    shown = pair_texts(reader, tok, ranking.head(top_k), snippet_chars=80)
    if html:
        from provenance.behaviour.views import pair_ranking_view

        _write_html(html, pair_ranking_view(shown, summary, top=top_k), "DPO activation-difference attribution",
                    {"store": store, "layer": pv.layer, "M0 activations": pv.m0, "examples": len(items)})
    if as_json:
        typer.echo(json.dumps({"layer": pv.layer, "m0": pv.m0, "reference": bv.reference,
                               "examples": [e.__dict__ for e in bv.examples],
                               "ranking": shown.to_dict(orient="records"),
                               "sources": summary.to_dict(orient="records")}, indent=2, default=str))
        return
    typer.echo(f"layer {pv.layer}; M0 activations: {pv.m0}; behaviour examples encoded by {bv.reference}")
    _print_df(shown[["rank", "score", "source", "pair_id", "prompt", "chosen", "rejected"]], "pairs by cos(v_b, v_d)")
    _print_df(summary, f"sources (top-{min(top_k, len(ranking))})")


@app.command("probe")
def probe(
    store: str = STORE_ARG,
    model: str = MODEL_OPT,
    adapter: str = ADAPTER_OPT,
    positive: str = typer.Option(..., help="JSONL of {prompt, response} showing the behaviour"),
    negative: str = typer.Option(..., help="JSONL of {prompt, response} without it"),
    layer: int = LAYER_OPT,
    run: str = RUN_OPT,
    method: str = typer.Option("diffmeans", help="diffmeans or logreg"),
    form: str = typer.Option("projection", help="projection (<h_mean, v>/|v|) or gradient (-<g_mean, v>/|v|)"),
    epochs: str = typer.Option("last", help="last, all or an epoch number"),
    top_k: int = TOPK_OPT,
    out: str = typer.Option(None, help="write every scored row to OUT.csv"),
    html: str = HTML_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Concept direction from labelled examples (activations of the given model), then every training row's
    first-order concept influence."""
    from provenance.behaviour import case_activations, concept_scores, fit_probe
    from provenance.store import open_store

    pos, neg = _read_jsonl(positive, _labelled_line(), "--positive"), _read_jsonl(negative, _labelled_line(), "--negative")
    reader = open_store(store, run=run)
    layer = default_layer(reader) if layer is None else layer
    lm, tok = _load(model, adapter)
    cases = [TestCase(d["prompt"], d["response"]) for d in pos + neg]
    X = case_activations(lm, tok, cases, layer)
    p = fit_probe(X, [1] * len(pos) + [0] * len(neg), method=method, layer=layer)
    ep = int(epochs) if epochs.lstrip("-").isdigit() else epochs
    ranking = concept_scores(reader, p, layer, form=form, epochs=ep)
    if out:
        ranking.to_csv(f"{out}.csv", index=False)
    if html:
        from provenance.behaviour.views import probe_view

        _write_html(html, probe_view(p, ranking, top=top_k, form=form), "Concept influence (probe)",
                    {"store": store, "layer": layer, "method": method, "form": form})
    if as_json:
        typer.echo(json.dumps({"layer": layer, "method": method, "form": form, "train_accuracy": p.train_accuracy,
                               "ranking": ranking.head(top_k).to_dict(orient="records")}, indent=2, default=str))
        return
    typer.echo(f"{method} probe at layer {layer}: training accuracy {p.train_accuracy:.2f} "
               f"({len(pos)} positive, {len(neg)} negative)")
    _print_df(ranking.head(top_k), f"training rows by {form} score")


@app.command("discover")
def discover_command(
    store: str = STORE_ARG,
    model: str = typer.Option(None, help="model whose tokenizer decodes the top tokens and examples"),
    layer: int = LAYER_OPT,
    run: str = RUN_OPT,
    k: int = typer.Option(None, help="number of clusters (default: best silhouette in 2..--k-max)"),
    k_max: int = typer.Option(8, help="largest k tried"),
    method: str = typer.Option("kmeans", help="kmeans or agglomerative"),
    out: str = typer.Option(None, help="write the cluster of every pair to OUT.csv"),
    html: str = HTML_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Cluster a DPO store's pairs by their activation differences; each cluster with its dominant sources,
    distinctive chosen / rejected tokens and example pairs."""
    from provenance.behaviour import discover
    from provenance.store import open_store

    reader = open_store(store, run=run)
    tok = _load(model, None)[1] if model else None
    found = discover(reader, tok, layer=layer, k=k, k_max=k_max, method=method)
    if out:
        found.assignments.to_csv(f"{out}.csv", index=False)
    if html:
        from provenance.behaviour.views import cluster_view

        _write_html(html, cluster_view(found), "Behaviour discovery", {"store": store, "layer": found.layer,
                                                                          "clusters": found.k})
    if as_json:
        typer.echo(json.dumps({"layer": found.layer, "k": found.k, "silhouette": found.silhouette,
                               "clusters": found.clusters.to_dict(orient="records")}, indent=2, default=str))
        return
    typer.echo(f"layer {found.layer}: k = {found.k} ({method}); silhouette "
               + ", ".join(f"{kk}: {v:.3f}" for kk, v in found.silhouette.items()))
    shown = found.clusters.drop(columns=[c for c in ("examples",) if c in found.clusters.columns]).copy()
    for col in ("top_chosen_tokens", "top_rejected_tokens"):
        if col in shown:
            shown[col] = shown[col].map(lambda t: " ".join(repr(x[0]) for x in t))
    _print_df(shown, "clusters")
