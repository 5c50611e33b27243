"""HTML views (report sections) and the `provenance behaviour discover` / `probe`-free CLI path on a planted store."""
import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from provenance.attribution.report import _UNSAFE_FRAGMENT, ReportSection
from provenance.behaviour import Probe, concept_scores, discover
from provenance.behaviour.views import cluster_view, pair_ranking_view, probe_view
from provenance.cli import app
from test_behaviour_discovery import planted_store

HOSTILE = '<script>alert(1)</script> one = 2, see javascript:x and <img src="//evil.example/a.png">'


def test_cluster_view_is_a_safe_report_section_with_each_cluster(tmp_path):
    store, _ = planted_store(tmp_path)
    found = discover(store, layer=5)
    section = cluster_view(found)
    assert isinstance(section, ReportSection) and section.title == "Discovered clusters"
    assert not _UNSAFE_FRAGMENT.search(section.html)
    assert section.html.count("<b>cluster ") == 3 and "36 pairs at layer 5" in section.html
    for token in ("50", "60", "70"):   # each planted group's distinctive chosen token is shown as a chip
        assert f">{token}</span>" in section.html


def test_text_from_training_data_is_escaped(tmp_path):
    ranking = pd.DataFrame({"rank": [1, 2], "pair_id": ["p<1>", "p2"], "score": [0.9, -0.1], "source": [HOSTILE, "web"],
                            "prompt": [HOSTILE, "q"], "chosen": ["a", HOSTILE], "rejected": ["b", "c"]})
    section = pair_ranking_view(ranking)
    assert not _UNSAFE_FRAGMENT.search(section.html)
    assert "&lt;script&gt;" in section.html and "<script" not in section.html and "p&lt;1&gt;" in section.html


def test_probe_view_shows_the_top_rows(tmp_path):
    store, _ = planted_store(tmp_path)
    probe = Probe(direction=np.eye(24)[0], method="diffmeans", train_accuracy=1.0, n_positive=3, n_negative=4, layer=5)
    ranking = concept_scores(store, probe, layer=5, signature="h_mean_ref")
    section = probe_view(probe, ranking, top=5)
    assert not _UNSAFE_FRAGMENT.search(section.html)
    assert "diffmeans probe at layer 5, fitted on 3 behaviour vs 4 normal examples" in section.html
    assert "72 training rows scored" in section.html
    assert section.html.count("<tr>") == 6   # header + top 5


def test_cli_discover_json(tmp_path):
    store, _ = planted_store(tmp_path)
    res = CliRunner().invoke(app, ["behaviour", "discover", store.url, "--layer", "5", "--json",
                                   "--out", str(tmp_path / "assign")])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["k"] == 3 and sorted(c["size"] for c in got["clusters"]) == [12, 12, 12]
    assert len(pd.read_csv(tmp_path / "assign.csv")) == 36


def test_cli_discover_writes_a_self_contained_html_report_with_the_cluster_view(tmp_path):
    store, _ = planted_store(tmp_path)
    out = tmp_path / "clusters.html"
    res = CliRunner().invoke(app, ["behaviour", "discover", store.url, "--layer", "5", "--json", "--html", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert "<title>Behaviour discovery</title>" in page and page.count("<b>cluster ") == 3
    assert "<script" not in page and "src=" not in page and 'href="http' not in page  # nothing fetched or run


def test_sections_report_refuses_an_unsafe_section(tmp_path):
    from provenance.attribution.report import write_sections_report

    import pytest

    with pytest.raises(ValueError, match="script"):
        write_sections_report(tmp_path / "x.html", [ReportSection("bad", "<script>alert(1)</script>")], title="t")
