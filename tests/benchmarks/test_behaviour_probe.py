"""behaviour_probe's table on hand-made records, and which joint lines each form starts from."""
from __future__ import annotations

from benchmarks.attribution.behaviour_probe import FORMS, _lines, render


def test_each_form_starts_from_its_joint_lines():
    assert [_lines(f) for f in FORMS if f.startswith("joint")] == (
        ["joint-equal-ctx"] * 3 + ["joint-equal-c"])


def test_render_counts_the_rule_rows_by_hand():
    p = {"kelvin": dict(zip(FORMS, (0.80, 0.80, 0.77, 0.73, 0.73, 0.73))),
         "sports": dict(zip(FORMS, (0.67, 1.00, 0.97, 0.93, 0.93, 0.93)))}
    coherence = {"kelvin": 0.74, "sports": 0.65}
    records = [{"task": t, "behaviour": t, "form": f, "P@n": v, "coherence": coherence[t]}
               for t, forms in p.items() for f, v in forms.items()]
    text = render(records)
    assert "| kelvin | 0.80 | 0.80 | 0.77 | 0.73 | 0.73 | 0.73 |" in text
    assert "| **mean** | 0.735 | 0.900 | 0.870 | 0.830 | 0.830 | 0.830 |" in text
    assert "| **worst** | 0.67 | 0.80 | 0.77 | 0.73 | 0.73 | 0.73 |" in text
    assert "| **>= 0.95** | 0/2 | 1/2 | 1/2 | 0/2 | 0/2 | 0/2 |" in text
    # sports moves by 0.33 / 0.30 / 0.26 from the default, kelvin by at most 0.07
    assert "| tasks moved > 0.1 from the default | 0 | 1 | 1 | 1 | 1 | 1 |" in text
    assert "| sports | 0.65 |" in text
