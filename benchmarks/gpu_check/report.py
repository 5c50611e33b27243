"""The GPU check's results file rendered as Markdown (what BENCHMARKS.md and the issue quote)."""
from __future__ import annotations


def _ms(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def _bytes(value: float) -> str:
    for unit, size in (("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.2f} {unit}"
    return f"{value:.0f} B"


def _count(n: int) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return str(n)


def render(results: dict) -> str:
    """Markdown of a results dict written by benchmarks.gpu_check.run."""
    env = results["environment"]
    lines = [
        f"# GPU check{' (smoke mode: CPU, tiny model, not a measurement)' if results['mode'] == 'smoke' else ''}",
        "",
        f"Device: **{env['device_name']}** ({env['device']}); torch {env['torch']} (CUDA {env['cuda'] or '–'}), "
        f"transformers {env['transformers']}, peft {env['peft']}; {env['cpu_count']} CPU cores. "
        f"Run {results['started_utc']}, {results['wall_s']:.0f} s. Command: `{results['command']}`.",
        "",
        "## (a) Exactness tests (tests/capture/test_capture_exactness.py)",
        "",
        "| device | precision | passed | failed | errors | skipped | seconds |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in results["exactness"]:
        lines.append(f"| {e['device']} | {e['precision']} | {e['passed']} | {e['failed']} | {e['errors']} | "
                     f"{e['skipped']} | {e['seconds']:.0f} |")
    failures = [f"- {e['device']} {e['precision']}: {f}" for e in results["exactness"] for f in e["failures"]]
    skips = [f"- {e['device']} {e['precision']}: {r}" for e in results["exactness"] for r in e["skip_reasons"]]
    if failures:
        lines += ["", "Failures:", *failures]
    if skips:
        lines += ["", "Skip reasons:", *skips]
    lines += [
        "",
        "## (b) Step time with / without capture, (c) host bytes and writer lag",
        "",
        "HF `Trainer` + `ProvenanceTrainerCallback` (layers=\"auto\"), alternating trials in one process; step time ="
        " wall time of the timed steps between two device synchronisations / steps; ratio = median over repeats of"
        " with / without. Host bytes per optimizer step: `async` = rows copied to the host without blocking,"
        " `blocking` = reads that wait for the device. Writer pickup lag = from `end()` returning a batch's rows to"
        " the writer thread starting on them; event wait = its wait for the copies' CUDA event.",
        "",
        "| model | tuning | params (trainable) | batch x seq | layers | without ms | with ms | ratio (repeats) |"
        " host async / step | host blocking / step (copies) | writer pickup lag ms median / p90 / max |"
        " event wait ms median | drain s with / without |",
        "| --- | --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: | --- | ---: | --- |",
    ]
    notes = []
    for c in results["overhead"]:
        if "skipped" in c:
            notes.append(f"- {c['model']} {c['tuning']}: {c['skipped']}")
            continue
        lag, wait = c["writer_pickup_lag_ms"], c["writer_event_wait_ms"]
        ratios = ", ".join(f"{r:.3f}" for r in c["ratios"])
        lines.append(
            f"| {c['model']} | {c['tuning']} | {_count(c['parameters'])} ({_count(c['trainable_parameters'])}) |"
            f" {c['batch_size']} x {c['seq_len']} | {' or '.join(map(str, c['layers']))} | {c['without_ms']:.1f} | {c['with_ms']:.1f} |"
            f" **{c['ratio']:.3f}** ({ratios}) | {_bytes(c['host_async_bytes_per_step'])} |"
            f" {_bytes(c['host_blocking_bytes_per_step'])} ({c['host_blocking_copies_per_step']:.0f}) |"
            f" {_ms(lag['median'])} / {_ms(lag['p90'])} / {_ms(lag['max'])} | {_ms(wait['median'])} |"
            f" {c['drain_with_s']:.2f} / {c['drain_without_s']:.2f} |"
        )
    if notes:
        lines += ["", *notes]
    goal = results["goal"]
    met = {True: "met", False: "missed", None: "not measured"}[goal["met"]]
    lines += ["", f"Goal: overhead ratio <= {goal['ratio_max']} at ~1B ({goal['model']}): **{met}**"
              + (f" (worst ratio {goal['worst_ratio']:.3f})" if goal["worst_ratio"] is not None else "") + ".",
              "", f"All parts ran and the exactness tests passed: **{'yes' if results['ok'] else 'no'}**.", ""]
    return "\n".join(lines)
