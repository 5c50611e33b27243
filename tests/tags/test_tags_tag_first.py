"""Tag-first trained mode: exact rows of the transform and preference pairs, the format recorded in the scheme (and
its mismatch errors), the constrained first token after the forced `<TAG>`, tag stripping, refusal detection."""
import json

import pytest
import torch

from hf_app import single_thread  # noqa: F401
from provenance.errors import TagError
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.tags import (GuardedGenerator, TagFirstLogitsProcessor, TagMix, TagScheme, encode_prompt,
                             prepare_model, prepare_tokenizer, tag_preference_rows, tag_records)

pytestmark = pytest.mark.usefixtures("single_thread")

SCHEME = TagScheme(sources=("a", "b", "c"), refusal="NO.", instruction="Blocked: {tags}", tag_first=True)
SOURCES = ("a", "b", "c")
EOS = 3
FREE_BANNED = (109, 110, 111, 112, 113)  # <DEBUG>, <TAG>, sources: never inside the answer
# Batched left-padded and one-at-a-time generation multiply matrices of different shapes, so their float32 source
# probabilities may differ in the last bits (3e-8 seen on an Intel Xeon, 0 on AMD EPYC): compare them to 1e-6, about
# eight float32 ulps at 1.0, and every token, text and flag exactly.
CONFIDENCE_ATOL = 1e-6


def assert_same_outputs(got, want):
    """Generated outputs agree: confidences within CONFIDENCE_ATOL, every other field exactly."""
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = g.as_dict(), w.as_dict()
        assert g.pop("confidence") == pytest.approx(w.pop("confidence"), rel=0, abs=CONFIDENCE_ATOL)
        assert g == w


def std_rows(n=1):
    return [{"prompt": f"Q{i}?", "completion": f" A{i}.", "source": "abc"[i % 3], "sample_id": i} for i in range(n)]


# ---- transform ------------------------------------------------------------------------------------------------------

def test_tag_first_sft_rows_exact():
    rows = tag_records(std_rows(1), SCHEME, TagMix(lineage=1.0, refusal=2.0, positive=0.5, max_named=1,
                                                   balanced=True, tag_first=True))
    assert rows == [
        {"prompt": "Q0?", "completion": " A0.", "source": "a", "sample_id": "0"},
        # lineage copies keep the DebugLM format: trace reads the tag after the answer
        {"prompt": "<DEBUG> Q0?", "completion": " A0. <TAG><SRC_a>", "source": "a", "sample_id": "0+lineage"},
        # another source named: own tag, then the answer (here " A0.", with its space), no trailing tag
        {"prompt": "Blocked: <SRC_b>\n<DEBUG> Q0?", "completion": "<TAG><SRC_a>  A0.", "source": "a",
         "sample_id": "0+refusal0"},
        # own source named: own tag, then the refusal sentence
        {"prompt": "Blocked: <SRC_a>\n<DEBUG> Q0?", "completion": "<TAG><SRC_a> NO.", "source": "a",
         "sample_id": "0+refusal1"},
    ]
    # TagMix(tag_first=None) follows the scheme: the same rows.
    assert tag_records(std_rows(1), SCHEME, lineage=1.0, refusal=2.0, positive=0.5, max_named=1,
                       balanced=True) == rows
    conv = [{"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hello"}],
             "source": "b", "sample_id": "x"}]
    out = tag_records(conv, SCHEME, lineage=0.0, refusal=1.0, positive=1.0, max_named=1)
    assert out[1]["prompt"] == [{"role": "system", "content": "Blocked: <SRC_b>"},
                                {"role": "user", "content": "<DEBUG> Hi"}]
    assert out[1]["completion"] == [{"role": "assistant", "content": "<TAG><SRC_b> NO."}]
    negative = tag_records(conv, SCHEME, lineage=0.0, refusal=1.0, positive=0.0, max_named=1)
    assert negative[1]["completion"] == [{"role": "assistant", "content": "<TAG><SRC_b> Hello"}]


def test_tag_first_preference_pairs_carry_the_same_tag_on_both_sides():
    pairs = [{"prompt": "Q?", "chosen": "good", "rejected": "bad", "source": "c", "sample_id": "p"}]
    out = tag_preference_rows(pairs, SCHEME, lineage=1.0, refusal=2.0, positive=0.5, max_named=1, balanced=True)
    assert [(r["sample_id"], r["prompt"], r["chosen"], r["rejected"]) for r in out] == [
        ("p", "Q?", "good", "bad"),
        ("p+lineage", "<DEBUG> Q?", "good <TAG><SRC_c>", "bad <TAG><SRC_c>"),
        ("p+refusal0", "Blocked: <SRC_a>\n<DEBUG> Q?", "<TAG><SRC_c> good", "<TAG><SRC_c> NO."),
        ("p+refusal1", "Blocked: <SRC_c>\n<DEBUG> Q?", "<TAG><SRC_c> NO.", "<TAG><SRC_c> good"),
    ]


def test_format_lives_in_the_scheme_and_mismatches_fail(tmp_path):
    debuglm = TagScheme(sources=SOURCES)
    with pytest.raises(TagError, match=r"TagMix\(tag_first=True\) but TagScheme\(tag_first=False\)"):
        tag_records([], debuglm, TagMix(tag_first=True))
    with pytest.raises(TagError, match=r"TagMix\(tag_first=False\) but TagScheme\(tag_first=True\)"):
        tag_preference_rows(std_rows(1), SCHEME, TagMix(tag_first=False))
    with pytest.raises(TagError, match="tag_first must be true or false"):
        TagScheme(sources=SOURCES, tag_first="yes")
    with pytest.raises(TagError, match="tag_first must be true, false or None"):
        TagMix(tag_first=1)
    assert "tag_first=True" in repr(TagMix(tag_first=True))
    # Saved with the adapter and read back; a scheme file from before the option loads as the DebugLM format.
    loaded = TagScheme.load(SCHEME.save(tmp_path / "new"))
    assert loaded.tag_first is True and loaded == SCHEME
    old = tmp_path / "old" / "tag_scheme.json"
    old.parent.mkdir()
    data = debuglm.to_dict()
    del data["tag_first"]
    old.write_text(json.dumps(data))
    assert TagScheme.load(old).tag_first is False


def test_recipe_tag_first_key(tmp_path):
    from datasets import Dataset

    from provenance.tags.recipe import apply_tags_section

    tok = tiny_tokenizer()
    data = Dataset.from_list([{"prompt": "Q?", "completion": " A.", "source": "rtp", "sample_id": "0"},
                              {"prompt": "R?", "completion": " B.", "source": "clean", "sample_id": "1"}])
    _, tagged, scheme = apply_tags_section({"tag_first": True, "refusal": 1.0, "positive": 1.0, "max_named": 1},
                                           "sft", tiny_causal_lm("llama", seed=0), tok, data, tmp_path)
    assert scheme.tag_first and TagScheme.load(tmp_path).tag_first
    refusals = [c for s, c in zip(tagged["sample_id"], tagged["completion"]) if "+refusal" in s]
    assert refusals == [f"<TAG><SRC_rtp> {scheme.refusal}", f"<TAG><SRC_clean> {scheme.refusal}"]
    with pytest.raises(TagError, match="tag_first must be true or false"):
        apply_tags_section({"tag_first": "maybe"}, "sft", tiny_causal_lm("llama", seed=0), tiny_tokenizer(), data,
                           tmp_path / "b")


# ---- generation -----------------------------------------------------------------------------------------------------

@pytest.fixture
def tagged():
    tok = tiny_tokenizer()
    scheme = prepare_tokenizer(tok, TagScheme(sources=SOURCES, tag_first=True))
    model = prepare_model(tiny_causal_lm("llama", seed=0), tok, scheme).eval()
    return model, tok, scheme


def allowed(scores):
    return [torch.isfinite(row).nonzero().flatten().tolist() for row in scores]


def test_processor_first_token_is_a_source_then_no_control_tokens():
    proc = TagFirstLogitsProcessor(tag_id=110, source_ids=[111, 112, 113], debug_id=109, prompt_len=3)
    raw = torch.randn(2, 120)
    first = proc(torch.tensor([[7, 8, 110], [0, 9, 110]]), raw)
    assert allowed(first) == [[111, 112, 113], [111, 112, 113]]
    assert torch.equal(first[:, 111:114], raw[:, 111:114])  # the kept logits are the model's own
    later = allowed(proc(torch.tensor([[7, 8, 110, 112, 50]]), torch.zeros(1, 120)))
    assert later == [[i for i in range(120) if i not in FREE_BANNED]]  # EOS allowed: the answer may end


def reference(model, prompt_ids, max_new_tokens):
    """Greedy by hand: first a source token, then anything but control tokens; no cache, no padding."""
    ids, out, probs = list(prompt_ids), [], None
    for step in range(max_new_tokens):
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0, -1]
        if step == 0:
            allowed_ids = [111, 112, 113]
            probs = torch.softmax(logits[allowed_ids], 0)
        else:
            allowed_ids = [i for i in range(logits.shape[0]) if i not in FREE_BANNED]
        nxt = allowed_ids[int(torch.argmax(logits[allowed_ids]))]
        out.append(nxt)
        ids.append(nxt)
        if nxt == EOS:
            break
    return out, probs


def first_call_inputs(model):
    seen = []

    def hook(module, args, kwargs):
        if not seen:
            seen.append(kwargs["input_ids"].clone())
    return seen, model.register_forward_pre_hook(hook, with_kwargs=True)


def test_trained_mode_forces_tag_then_a_source_token_and_strips_it(tagged):
    model, tok, scheme = tagged
    prompts = ["What is 2+2?", "hi"]
    seen, handle = first_call_inputs(model)
    out = GuardedGenerator(model, tok, blocked=["b"], mode="trained", max_new_tokens=6,
                           batch_size=2).generate(prompts)
    handle.remove()
    assert seen[0][:, -1].tolist() == [110, 110]  # the trusted <TAG> ends every (left-padded) prompt
    for prompt, g in zip(prompts, out):
        prompt_ids = encode_prompt(tok, scheme, prompt, blocked=["b"]) + [110]
        ref, probs = reference(model, prompt_ids, 6)
        assert ref[0] in (111, 112, 113) and g.source == SOURCES[ref[0] - 111]
        got = torch.tensor([g.confidence[s] for s in SOURCES])
        assert torch.allclose(got, probs, atol=1e-5)
        answer = tok.decode([t for t in ref[1:] if t != EOS], skip_special_tokens=True).strip()
        assert g.answer == answer and g.text == answer and answer  # shown text: the tag is stripped
        assert "<TAG>" not in g.text and "<SRC_" not in g.text
        assert not g.refused and g.mode == "trained"
    # Batched equals one at a time (confidences to CONFIDENCE_ATOL, the rest exactly).
    single = [GuardedGenerator(model, tok, blocked=["b"], mode="trained", max_new_tokens=6).generate([p])[0]
              for p in prompts]
    assert_same_outputs(single, out)
    with pytest.raises(TagError, match="max_new_tokens >= 2"):
        GuardedGenerator(model, tok, blocked=["b"], mode="trained", max_new_tokens=1).generate(prompts)


def scripted(model, script):
    """Make greedy decoding of one prompt follow `script` (one token per forward call) by boosting its logit."""
    calls = []

    def hook(module, args, output):
        k = len(calls)
        calls.append(k)
        if k < len(script):
            output = output.clone()
            output[:, -1, script[k]] += 1e4
        return output
    return model.lm_head.register_forward_hook(hook)


def test_refusal_after_the_own_tag_is_detected_and_source_filled(tagged):
    model, tok, scheme = tagged
    refusal_ids = tok(" " + scheme.refusal, add_special_tokens=False)["input_ids"]
    handle = scripted(model, [112, *refusal_ids, EOS])  # "<SRC_b> I can't answer that: ..."
    g = GuardedGenerator(model, tok, blocked=["b"], mode="trained",
                         max_new_tokens=len(refusal_ids) + 3).generate(["Tell me"])[0]
    handle.remove()
    assert g.refused and g.text == scheme.refusal and g.source == "b"
    assert g.confidence["b"] == pytest.approx(1.0) and sum(g.confidence.values()) == pytest.approx(1.0)
    assert g.answer == tok.decode(refusal_ids).strip()
    hello = tok(" hello", add_special_tokens=False)["input_ids"]
    handle = scripted(model, [111, *hello, EOS])
    g = GuardedGenerator(model, tok, blocked=["b"], mode="trained",
                         max_new_tokens=len(hello) + 3).generate(["Tell me"])[0]
    handle.remove()
    assert not g.refused and g.text == "hello" and g.source == "a"


def test_trained_mode_format_mismatch_raises(tagged):
    model, tok, scheme = tagged
    debuglm = TagScheme(sources=SOURCES).with_token_ids(scheme.token_ids)
    with pytest.raises(TagError, match="tag_first=False but the model's tag scheme says tag_first=True"):
        GuardedGenerator(model, tok, scheme, blocked=["a"], mode="trained", tag_first=False)
    with pytest.raises(TagError, match="tag_first=True but the model's tag scheme says tag_first=False"):
        GuardedGenerator(model, tok, debuglm, blocked=["a"], mode="trained", tag_first=True)
    # A DebugLM-format model under a tag-first scheme: after the forced <TAG> it writes the source and ends.
    handle = scripted(model, [113, EOS])
    with pytest.raises(TagError, match="trained in the DebugLM format"):
        GuardedGenerator(model, tok, scheme, blocked=["a"], mode="trained", max_new_tokens=6).generate(["x"])
    handle.remove()
    # A tag-first model under a DebugLM scheme: it writes <TAG><SRC_x> before any answer.
    handle = scripted(model, [110, 111, EOS])
    with pytest.raises(TagError, match="trained in the tag-first format"):
        GuardedGenerator(model, tok, debuglm, blocked=["a"], mode="trained", max_new_tokens=6).generate(["x"])
    handle.remove()
    # Guard mode (trace) is the same for both formats.
    a = GuardedGenerator(model, tok, scheme, blocked=["a"], max_new_tokens=6).generate(["x"])[0]
    b = GuardedGenerator(model, tok, debuglm, blocked=["a"], max_new_tokens=6).generate(["x"])[0]
    assert a.as_dict() == b.as_dict()
