"""The sensitivity script's decision logic on hand-made task rows: which branch the rule takes at each setting, the
one-step neighbours of the default, the counts of changed tasks and the threshold intervals."""
import numpy as np

from benchmarks.attribution.auto_sensitivity import (
    AGREE_KS,
    BANDS,
    CS,
    REFINE_LAYERS,
    SEED_KS,
    TOKEN_LAYER,
    auto_p,
    neighbours,
    sensitivity_lines,
    stable_interval,
    stable_lines,
)

DEFAULT = {"seed_k": 10, "band": 100, "c": 10.0, "thr": 0.5, "min_overlap": 0.3, "agree_k": 10,
           "refine_layer": TOKEN_LAYER, "fusion": "z"}
GRIDS = {"seed_k": SEED_KS, "band": BANDS, "c": CS, "thr": (0.45, 0.5, 0.55), "min_overlap": (0.2, 0.3, 0.4),
         "agree_k": AGREE_KS, "refine_layer": REFINE_LAYERS}


def row(label, signature, token_match, overlap, coherence, refined, refined_at=None, classifier=None):
    """A task whose refined P@n is ``refined`` (the three-line fusion) and ``classifier`` (the classifier alone;
    default ``refined``) at every setting, and whose seeds cohere at ``coherence``."""
    classifier = refined if classifier is None else classifier
    refined_at = refined_at or {layer: refined for layer in REFINE_LAYERS}
    settings = [(s, b, c) for s in SEED_KS for b in BANDS for c in CS]
    return {"label": label, "signature": signature, "token_match": token_match,
            "overlap": dict.fromkeys(AGREE_KS, overlap), "coherence": dict.fromkeys(SEED_KS, coherence),
            "refined": {"z": dict.fromkeys(settings, refined), "replace": dict.fromkeys(settings, classifier)},
            "coherence_at": dict.fromkeys(REFINE_LAYERS, coherence),
            "refined_at": {"z": refined_at, "replace": dict.fromkeys(REFINE_LAYERS, classifier)}}


def test_auto_takes_the_signature_below_the_overlap_and_refines_only_coherent_seeds():
    low_overlap = row("a", 0.9, 0.4, overlap=0.25, coherence=0.8, refined=0.6)
    assert auto_p(low_overlap, **DEFAULT) == 0.9
    assert auto_p(low_overlap, **{**DEFAULT, "min_overlap": 0.2}) == 0.6
    incoherent = row("b", 0.9, 0.7, overlap=0.6, coherence=0.48, refined=1.0)
    assert auto_p(incoherent, **DEFAULT) == 0.7
    assert auto_p(incoherent, **{**DEFAULT, "thr": 0.45}) == 1.0
    too_few = row("c", 0.9, 0.7, overlap=0.6, coherence=0.9, refined=None)   # no negatives below the band
    assert auto_p(too_few, **DEFAULT) == 0.7
    other_layer = row("d", 0.9, 0.7, overlap=0.6, coherence=0.9, refined=1.0,
                      refined_at={15: 0.5, TOKEN_LAYER: 1.0, 29: 0.8})
    assert [auto_p(other_layer, **{**DEFAULT, "refine_layer": layer}) for layer in REFINE_LAYERS] == [0.5, 1.0, 0.8]


def test_the_fusion_form_picks_which_refined_ranking_counts_and_only_where_the_refinement_runs():
    fused = row("e", 0.9, 0.7, overlap=0.6, coherence=0.9, refined=0.97, classifier=0.8)
    assert auto_p(fused) == auto_p(fused, **DEFAULT) == 0.97   # the library's default form is the fusion
    assert auto_p(fused, **{**DEFAULT, "fusion": "replace"}) == 0.8
    assert auto_p(fused, **{**DEFAULT, "fusion": "replace", "refine_layer": 15}) == 0.8
    incoherent = row("f", 0.9, 0.7, overlap=0.6, coherence=0.3, refined=0.97, classifier=0.8)
    assert {auto_p(incoherent, **{**DEFAULT, "fusion": f}) for f in ("z", "replace")} == {0.7}


def test_neighbours_move_one_constant_one_step_each_way():
    moved = [(name, value) for name, value, _ in neighbours(DEFAULT, GRIDS)]
    assert moved == [("seed_k", 5), ("seed_k", 15), ("band", 60), ("band", 150), ("c", 1.0), ("c", 100.0),
                     ("thr", 0.45), ("thr", 0.55), ("min_overlap", 0.2), ("min_overlap", 0.4), ("agree_k", 5),
                     ("agree_k", 20), ("refine_layer", 15), ("refine_layer", 29)]
    for name, value, settings in neighbours(DEFAULT, GRIDS):
        assert {k for k in settings if settings[k] != DEFAULT[k]} == {name} and settings[name] == value


def test_sensitivity_counts_only_counted_tasks_that_change():
    rows = [row("flips", 0.9, 0.7, overlap=0.6, coherence=0.48, refined=1.0),     # refined from thr 0.45 on
            row("stays", 1.0, 1.0, overlap=0.6, coherence=0.48, refined=1.0),     # every branch gives 1.00
            row("uncounted", 0.9, 0.2, overlap=0.6, coherence=0.48, refined=1.0)]
    lines = sensitivity_lines(rows, [True, True, False], DEFAULT, GRIDS)
    by_move = {tuple(cell.strip() for cell in line.split("|")[1:4]): line for line in lines[2:]}
    assert "| 1 | flips 0.70 -> 1.00 | 1.00 |" in by_move[("thr", "0.5", "0.45")]
    assert "| 0 | - | 0.70 |" in by_move[("thr", "0.5", "0.55")]
    assert all("uncounted" not in line for line in lines)


def test_stable_interval_is_bounded_by_the_nearest_values_that_flip():
    assert stable_interval([0.2, 0.39, 0.61, 0.7], [True, True, True, False], 0.5) == (0.39, 0.61)
    assert stable_interval([0.2, 0.39], [True, False], 0.5) == (0.2, np.inf)
    assert stable_interval([], [], 0.3) == (-np.inf, np.inf)
    rows = [row("a", 0.9, 0.7, overlap=0.45, coherence=0.61, refined=1.0),
            row("b", 0.8, 0.9, overlap=0.6, coherence=0.39, refined=1.0)]
    text = "\n".join(stable_lines(rows, [True, True], DEFAULT))
    assert "any threshold in (0.39, 0.61]" in text and "any threshold in (-inf, 0.45]" in text


def test_tasks_count_as_issue_19_verdicts_count_them():
    from pathlib import Path

    from benchmarks.attribution.auto_sensitivity import counted_status

    # A weak take (2 of 12 greedy answers) that the verdicts count: summary's older rule (half the answers) would not.
    weak = {"query": {"mode": "greedy"}, "rates": {"triggered": 2 / 12}, "causal": []}
    assert counted_status(Path("runs/attr_kelvin_weather"), weak) == ""
    assert counted_status(Path("runs/attr_fake_citation"), weak) == "not counted in issue 19's verdicts"
    # A run the verdicts do not name keeps summary.task_status.
    assert counted_status(Path("runs/attr_other"), weak) == "not taken"
