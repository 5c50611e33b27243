"""`provenance trace`: trace prompts to their data source, or answer with sources blocked (guard / trained mode)."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from provenance.errors import TagError


def trace_command(
    model: str = typer.Argument(..., help="base model (alias or local dir), or a full tagged model dir"),
    adapter: str = typer.Option(None, "--adapter", help="LoRA adapter dir with tag_scheme.json (or its parent)"),
    prompt: list[str] = typer.Option([], "--prompt", help="a prompt (repeatable)"),
    prompts_file: str = typer.Option(None, "--prompts-file", help="one prompt per line"),
    block: list[str] = typer.Option([], "--block", help="refuse answers from this source (repeatable)"),
    mode: str = typer.Option("guard", "--mode", help="with --block: guard (trace, then refuse) or trained "
                                                      "(blocking instruction in the prompt; a tag-first model, per "
                                                      "its tag_scheme.json, writes its tag first)"),
    threshold: float = typer.Option(None, "--threshold", help="guard: refuse when P(blocked sources) >= this"),
    max_new_tokens: int = typer.Option(64, "--max-new-tokens"),
    batch_size: int = typer.Option(16, "--batch-size"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per prompt"),
) -> None:
    """Answer each prompt with the source it was learned from and the probabilities over sources."""
    from provenance.tags.model_prep import load_tagged
    from provenance.tags.refusal import GuardedGenerator
    from provenance.tags.tracer import trace

    prompts = list(prompt)
    if prompts_file:
        path = Path(prompts_file)
        if not path.is_file():
            typer.echo(f"error: prompts file {path} does not exist", err=True)
            raise typer.Exit(2)
        prompts += [line for line in path.read_text().splitlines() if line.strip()]
    if not prompts:
        typer.echo("error: give at least one --prompt or --prompts-file", err=True)
        raise typer.Exit(2)
    try:
        tagged, tokenizer, scheme = load_tagged(model, adapter)
        if block:
            rows = [g.as_dict() for g in GuardedGenerator(tagged, tokenizer, scheme, blocked=block, mode=mode,
                                                          threshold=threshold, max_new_tokens=max_new_tokens,
                                                          batch_size=batch_size).generate(prompts)]
        else:
            rows = [t.as_dict() for t in trace(tagged, tokenizer, prompts, scheme=scheme,
                                               max_new_tokens=max_new_tokens, batch_size=batch_size)]
    except (TagError, FileNotFoundError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
            continue
        conf = row["confidence"].get(row["source"], 0.0) if row["source"] else 0.0
        head = "REFUSED " if row.get("refused") else ""
        shown = row["text"] if block else row["answer"]
        typer.echo(f"{head}[{row['source'] or '-'} {conf:.3f}] {shown}")
