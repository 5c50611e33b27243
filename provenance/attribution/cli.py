"""`provenance attribute`: rank a store's training samples for test cases (register in provenance/cli.py with
``app.command("attribute")(attribute)``). Heavy imports happen inside the command."""
from __future__ import annotations

import json

import typer

METHODS = ("signature", "repass", "tfidf", "tfidf-case", "bm25", "random", "lora-grad")


def _load_cases(prompt: list[str] | None, response: list[str] | None, cases: str | None) -> list:
    from provenance.attribution import TestCase

    out = []
    if cases:
        with open(cases) as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    out.append(TestCase(d["prompt"], d.get("response"), d.get("name")))
    prompt, response = list(prompt or []), list(response or [])
    if response and len(response) != len(prompt):
        raise typer.BadParameter("give one --response per --prompt, or none (explain the model's greedy answers)")
    out += [TestCase(p, response[i] if response else None) for i, p in enumerate(prompt)]
    if not out:
        raise typer.BadParameter("no test case: pass --prompt [--response] or --cases FILE.jsonl")
    return out


def _method(name: str, signature: str, layer: int | None, epochs: str):
    from provenance.attribution.baselines import Bm25Method, LoraGradMethod, RandomMethod, TfidfMethod
    from provenance.attribution.query import SignatureMethod
    from provenance.attribution.repass import RepassMethod

    ep = int(epochs) if epochs.lstrip("-").isdigit() else epochs
    return {
        "signature": lambda: SignatureMethod(signature, layer, ep),
        "repass": lambda: RepassMethod(signature, layer),
        "tfidf": lambda: TfidfMethod(lowercase=True),
        "tfidf-case": lambda: TfidfMethod(lowercase=False),
        "bm25": lambda: Bm25Method(),
        "random": lambda: RandomMethod(0),
        "lora-grad": lambda: LoraGradMethod(),
    }[name]()


def attribute(
    store: str = typer.Argument(..., help="store path or fsspec URL"),
    model: str = typer.Option(..., help="the final model: a local checkpoint dir or 'smollm2-135m-instruct'"),
    adapter: str = typer.Option(None, help="PEFT adapter directory to load on top of --model"),
    prompt: list[str] = typer.Option(None, help="test prompt (repeatable)"),
    response: list[str] = typer.Option(None, help="the response to explain, one per --prompt; omit to explain the greedy answer"),
    cases: str = typer.Option(None, help="JSONL of {prompt, response?, name?}"),
    run: str = typer.Option(None, help="run of the store (default: its only run)"),
    method: str = typer.Option("signature", help=f"one of {', '.join(METHODS)}"),
    signature: str = typer.Option("rept_norm", help="signature variant (rept, rept_norm, h_last, g_last, h_mean, g_mean, mean_concat, all_norm) or parts like h_mean+g_mean"),
    layer: int = typer.Option(None, help="layer (default: the library's default for the run)"),
    epochs: str = typer.Option("last", help="last, all, mean (TracIn-style) or an epoch number"),
    k: int = typer.Option(20, help="rows per test case"),
    allow_model_mismatch: bool = typer.Option(False, help="query even if the model's config hash differs from the store's"),
    out: str = typer.Option(None, help="write the ranking to OUT.csv and the source shares to OUT.sources.csv"),
    as_json: bool = typer.Option(False, "--json", help="print the ranking and source shares as JSON"),
) -> None:
    """Which training samples explain a response? Top-k rows and per-source shares."""
    from rich.console import Console
    from rich.table import Table

    from provenance.attribution import Attributor
    from provenance.models import load_causal_lm
    from provenance.store import open_store

    if method not in METHODS:
        raise typer.BadParameter(f"--method must be one of {METHODS}")
    test_cases = _load_cases(prompt, response, cases)
    lm, tok = load_causal_lm(model)
    if adapter:
        from peft import PeftModel

        lm = PeftModel.from_pretrained(lm, adapter)
    lm.eval()
    att = Attributor(open_store(store, run=run), lm, tok, allow_model_mismatch=allow_model_mismatch)
    res = att.query(test_cases, method=_method(method, signature, layer, epochs), k=k)
    if out:
        res.ranking.to_csv(f"{out}.csv", index=False)
        res.sources.to_csv(f"{out}.sources.csv", index=False)
    if as_json:
        typer.echo(json.dumps({"method": res.method, "seconds": res.seconds,
                               "ranking": res.ranking.to_dict(orient="records"),
                               "sources": res.sources.to_dict(orient="records")}, indent=2, default=str))
        return
    console = Console()
    for q, g in res.ranking.groupby("query", sort=False):
        table = Table(title=f"{q}: {res.method}")
        for col in ("rank", "score", "sample_id", "source", "epoch", "response"):
            table.add_column(col)
        for _, r in g.head(k).iterrows():
            table.add_row(str(r["rank"]), f"{r['score']:.4f}", str(r["sample_id"]), str(r["source"]), str(r["epoch"]),
                          str(r["response"])[:80])
        console.print(table)
        shares = res.sources[res.sources["query"] == q]
        console.print("sources of the top-k: " + ", ".join(f"{s} {v:.0%}" for s, v in zip(shares.source, shares.share)))
