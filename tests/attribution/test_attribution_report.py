"""The HTML forensic report: built from a tiny model's store, checked as text and as headless Chromium renders it."""
from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

from attribution_helpers import tiny_records, write_captured
from provenance import open_store
from provenance.attribution import Attributor, TestCase
from provenance.attribution.report import BAR_WIDTH, ReportSection, build_report, gather_report, write_report
from provenance.models import tiny_causal_lm, tiny_tokenizer

LAYER = 4
K = 6
TITLE = "Forensic report under test"
SCRIPT = "<script>document.title='pwned'</script>"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A 13-sample store of a tiny llama; sample 12 (source "<b>vendor</b>") carries a script in prompt and response,
    and the query is that sample itself, so it ranks first and its text is in the table and the heat-maps."""
    tok = tiny_tokenizer()
    model = tiny_causal_lm("llama", seed=0)
    records = tiny_records(12) + [{"sample_id": 12, "source": "<b>vendor</b>", "prompt": f"Say {SCRIPT} now.",
                                   "response": f"Sure: {SCRIPT} & <i>more</i>."}]
    path = tmp_path_factory.mktemp("report") / "s.zarr"
    write_captured(path, model, tok, records, [2, LAYER])
    att = Attributor(open_store(str(path)), model, tok)
    case = TestCase(records[12]["prompt"], records[12]["response"])
    return gather_report(att, [case], k=K, top_hits=3, signature="rept_norm", layer=LAYER), records


def test_gather_report_ranks_and_scores_tokens(data):
    rep, records = data
    ranking = rep.result.ranking
    assert ranking["rank"].tolist() == list(range(1, K + 1))
    assert ranking["sample_id"].iloc[0] == 12 and ranking["score"].iloc[0] == pytest.approx(1.0, abs=1e-5)
    # LAYER is the tiny llama's final norm output (L = 4), where prompt tokens get no gradient: the token scores
    # default to the highest captured layer below it.
    assert rep.layer == LAYER and rep.token_layer == 2
    assert (rep.token_scores[~rep.token_scores["is_response"]]["abs_gxa"] > 0).any()
    assert sorted(rep.token_scores["rank"].unique()) == [1, 2, 3]
    assert set(rep.token_scores["row"]) == set(rep.result.rows[0, :3].tolist())


def test_report_text_is_escaped_and_self_contained(data):
    rep, _ = data
    html = build_report(rep.result, rep.token_scores, cases=rep.test, title=TITLE)
    lower = html.lower()
    assert "<script" not in lower and "javascript:" not in lower
    assert "http://" not in lower and "https://" not in lower and "src=" not in lower and "@import" not in lower
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in html
    assert "&lt;b&gt;vendor&lt;/b&gt;" in html and "<b>vendor</b>" not in html and "<i>more</i>" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_extra_sections_are_appended_and_checked(data):
    rep, _ = data
    extra = ReportSection("Probe <view>", '<svg width="10" height="10"><rect width="5" height="5"/></svg><p>p=0.9</p>')
    html = build_report(rep.result, rep.token_scores, cases=rep.test, extra_sections=[extra])
    assert '<section class="extra"><h2>Probe &lt;view&gt;</h2><svg width="10"' in html
    assert html.index('class="extra"') > html.index('class="query-section"')
    for bad in ("<script>x()</script>", '<img src="https://cdn.example/x.png">', '<a href="//evil.example">x</a>',
                '<p onclick="x()">x</p>', '<a href="javascript:x()">x</a>'):
        with pytest.raises(ValueError, match="self-contained and script-free"):
            build_report(rep.result, rep.token_scores, cases=rep.test, extra_sections=[ReportSection("t", bad)])
    with pytest.raises(ValueError, match="score must be one of"):
        build_report(rep.result, rep.token_scores, cases=rep.test, score="nope")


# ---- headless Chromium ---------------------------------------------------------------------------------------

VOID = {"meta", "link", "br", "img", "input", "hr", "col", "area", "base", "embed", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict):
        self.tag, self.attrs, self.children, self.parts = tag, attrs, [], []

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def find_all(self, tag: str | None = None, **attrs) -> list[Node]:
        out = []
        for c in self.children:
            if (tag is None or c.tag == tag) and all(c.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                out.append(c)
            out += c.find_all(tag, **attrs)
        return out

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()


class DomParser(HTMLParser):
    """The DOM Chromium dumps, as a tree of nodes whose ``text`` is their whole text content."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        for node in self.stack:
            node.parts.append(data)


def chromium(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Debian's chromium is not installed (`make test` installs it with apt-get when run as root): "
                    "the browser test of the HTML report cannot run")
    return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", *args],
                          capture_output=True, text=True, timeout=60, check=True)


def rendered_dom(path, profile) -> Node:
    dump = chromium(f"--user-data-dir={profile}", "--dump-dom", path.resolve().as_uri()).stdout
    parser = DomParser()
    parser.feed(dump)
    return parser.root


def test_chromium_shows_query_ranking_chart_and_heatmap(data, tmp_path):
    rep, records = data
    path = write_report(tmp_path / "out" / "report.html", rep.result, rep.token_scores, cases=rep.test, title=TITLE)
    dom = rendered_dom(path, tmp_path / "profile")

    # The injected script did not run (it would have renamed the page), is no element, and shows as plain text.
    assert dom.find_all("title")[0].text == TITLE
    assert dom.find_all("script") == []
    # The query: prompt and response as text.
    assert [n.text for n in dom.find_all("span") if n.has_class("q-prompt")] == [records[12]["prompt"]]
    assert [n.text for n in dom.find_all("span") if n.has_class("q-response")] == [records[12]["response"]]
    # The K ranked rows, in order, with the API's sample ids and scores.
    rows = [n for n in dom.find_all("tr") if n.has_class("hit")]
    ranking = rep.result.ranking
    assert [int(r.attrs["data-rank"]) for r in rows] == list(range(1, K + 1))
    assert [r.attrs["data-sample-id"] for r in rows] == [str(s) for s in ranking["sample_id"]]
    assert [float(r.attrs["data-score"]) for r in rows] == ranking["score"].tolist()
    # (the stored sample is the first 96 tokens: its response is cut inside the script tag)
    assert ranking["response"].iloc[0] in rows[0].text and SCRIPT in rows[0].text and "<b>vendor</b>" in rows[0].text
    # The source chart: one bar per source, width = share x BAR_WIDTH, as the API's shares.
    bars = {b.attrs["data-source"]: b for b in dom.find_all("rect") if b.has_class("bar")}
    shares = rep.result.sources
    assert set(bars) == set(shares["source"])
    for _, s in shares.iterrows():
        assert float(bars[s["source"]].attrs["width"]) == pytest.approx(s["share"] * BAR_WIDTH, abs=0.01)
        assert int(bars[s["source"]].attrs["data-count"]) == s["count"] == (ranking["source"] == s["source"]).sum()
    # The heat-map of hit 1: the token marked 1 is the highest |grad x act| of its user-prompt (non-framing) tokens.
    heat = [h for h in dom.find_all("div", data_rank="1") if h.has_class("heat")][0]
    row = int(heat.attrs["data-row"])
    assert row == rep.result.rows[0, 0]
    t = rep.token_scores[(rep.token_scores["row"] == row) & (rep.token_scores["rank"] == 1)]
    content = t[~t["is_framing"] & ~t["is_response"]]
    best = content.loc[content["abs_gxa"].idxmax()]
    marked = heat.find_all("span", data_top="1")
    assert len(marked) == 1 and int(marked[0].attrs["data-pos"]) == int(best["position"])
    assert marked[0].text == best["token"] + "1"  # the token, then its rank as a superscript
    assert len([s for s in heat.find_all("span") if s.has_class("top")]) == 3
    # Every token of the sample is shown once, in order, and the heat-map reads as the sample's text.
    spans = [s for s in heat.find_all("span") if s.has_class("tok")]
    assert [int(s.attrs["data-pos"]) for s in spans] == t["position"].tolist()
    marks = {int(x.attrs["data-pos"]): x.attrs["data-top"] for x in heat.find_all("span") if x.has_class("top")}
    assert [x.text for x in spans] == [tk + marks.get(int(p), "") for tk, p in zip(t["token"], t["position"])]
    assert SCRIPT in "".join(t["token"])
    # Colour intensity follows the score: opacity 0.85 x |score| / the largest |score| of the same part (user
    # prompt or response, framing excluded) of the sample.
    scale = t[~t["is_framing"]].groupby("is_response")["abs_gxa"].max()
    assert scale[False] < scale[True]   # the prompt has its own scale, else it would be pale
    for span, (_, tokrow) in zip(spans, t.iterrows()):
        if tokrow["is_framing"]:
            assert "style" not in span.attrs and span.has_class("frame")
        else:
            want = f"background:rgba(220,38,38,{0.85 * tokrow['abs_gxa'] / scale.loc[bool(tokrow['is_response'])]:.3f})"
            assert span.attrs["style"] == want


def test_chromium_control_page_shows_that_an_unescaped_script_would_run(data, tmp_path):
    """The title check above can fail: the same report with the sample's script pasted raw and no CSP renames it."""
    rep, _ = data
    html = build_report(rep.result, rep.token_scores, cases=rep.test, title=TITLE)
    start = html.index('<meta http-equiv="Content-Security-Policy"')
    html = html[:start] + html[html.index(">", start) + 1:]
    path = tmp_path / "control.html"
    path.write_text(html.replace("</body>", SCRIPT + "</body>"), encoding="utf-8")
    dom = rendered_dom(path, tmp_path / "profile")
    assert dom.find_all("title")[0].text == "pwned"


def test_chromium_screenshot_paints_the_source_bars(data, tmp_path):
    """The rendered page (not just its DOM) holds the bar colour of every source of the top-k."""
    rep, _ = data
    from provenance.attribution.report import source_colours

    path = write_report(tmp_path / "report.html", rep.result, rep.token_scores, cases=rep.test, title=TITLE)
    png = tmp_path / "shot.png"
    chromium(f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", "--window-size=800,600",
             "--hide-scrollbars", path.resolve().as_uri())
    pixels = read_png_rgb(png.read_bytes())
    colours = {tuple(int(c[i: i + 2], 16) for i in (1, 3, 5)) for c in source_colours(rep.result.ranking["source"]).values()}
    flat = pixels.reshape(-1, 3)
    present = {c for c in colours if (flat == np.array(c, np.uint8)).all(1).any()}
    assert present == colours


def read_png_rgb(blob: bytes) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes) with zlib and numpy only."""
    import struct
    import zlib

    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, head = 8, b"", None
    while pos < len(blob):
        n, kind = struct.unpack(">I4s", blob[pos: pos + 8])
        chunk = blob[pos + 8: pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    w, h, depth, colour, _, _, interlace = head
    assert depth == 8 and colour in (2, 6) and interlace == 0, head
    bpp = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * bpp)
    out = np.zeros((h, w * bpp), np.int32)
    prev = np.zeros(w * bpp, np.int32)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        else:  # sub, average, paeth need the left neighbour: byte by byte, in plain Python ints for speed
            ln, up, cur_l = line.tolist(), prev.tolist(), [0] * len(line)
            for x in range(len(ln)):
                a = cur_l[x - bpp] if x >= bpp else 0
                b, c = up[x], (up[x - bpp] if x >= bpp else 0)
                if f == 1:
                    pred = a
                elif f == 3:
                    pred = (a + b) >> 1
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur_l[x] = (ln[x] + pred) & 255
            cur = np.asarray(cur_l, np.int32)
        out[y], prev = cur, cur
    return out.reshape(h, w, bpp)[:, :, :3].astype(np.uint8)


def test_snippets_keep_the_user_turn_of_a_decoded_chat_prompt():
    from provenance.attribution.report import user_text

    assert user_text("system\nYou are helpful\nuser\nWhat is 2+2?\nassistant\n") == "What is 2+2?"
    assert user_text("user\nSay x\nnow.\nassistant\n") == "Say x now."
    assert user_text("uire this equipment\nassistant\n") == "uire this equipment"   # cut before "user\n"
    assert user_text("plain  text\nhere") == "plain text here"
