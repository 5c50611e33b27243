"""Trace: the logits processor's constraint, batched left-padded generation against a hand-written greedy loop, the
confidence, guard / trained refusal wrappers and the `provenance trace` CLI."""
import json

import pytest
import torch

from provenance.errors import TagError
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.tags import (GuardedGenerator, SourceTagLogitsProcessor, TagScheme, encode_prompt, prepare_model,
                             prepare_tokenizer, save_tagged, trace)

SOURCES = ("a", "b", "c")
EOS = 3
# Batched left-padded and one-at-a-time generation multiply matrices of different shapes, so their float32 source
# probabilities may differ in the last bits (3e-8 seen on an Intel Xeon): compare them to 1e-6, about eight float32
# ulps at 1.0.
CONFIDENCE_ATOL = 1e-6


from hf_app import single_thread  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture
def tagged():
    tok = tiny_tokenizer()
    scheme = prepare_tokenizer(tok, TagScheme(sources=SOURCES))
    model = prepare_model(tiny_causal_lm("llama", seed=0), tok, scheme).eval()
    return model, tok, scheme


def processor(prompt_len=2, max_new_tokens=10, require_tag=True):
    # ids as the tiny tokenizer assigns them: <DEBUG>=109, <TAG>=110, sources 111..113
    return SourceTagLogitsProcessor(tag_id=110, source_ids=[111, 112, 113], eos_ids=[EOS], debug_id=109,
                                    prompt_len=prompt_len, max_new_tokens=max_new_tokens, require_tag=require_tag)


def allowed(scores):
    return [torch.isfinite(row).nonzero().flatten().tolist() for row in scores]


def test_processor_allows_only_sources_after_tag_then_only_eos():
    proc = processor()
    scores = torch.zeros(4, 120)
    ids = torch.tensor([[7, 8, 50, 60],      # answering: everything but <DEBUG>, sources and EOS
                        [7, 8, 50, 110],     # just emitted <TAG>: only sources
                        [7, 8, 110, 112],    # emitted a source: only EOS
                        [7, 110, 50, 51]])   # prompt ends in <TAG> (not generated), answering later: free again
    out = allowed(proc(ids, scores))
    free = [i for i in range(120) if i not in (EOS, 109, 111, 112, 113)]
    assert out == [free, [111, 112, 113], [EOS], free]
    # A prompt that ends in <TAG> does not put the first generated token under the source rule.
    first = allowed(processor(prompt_len=3)(torch.tensor([[7, 8, 110]]), torch.zeros(1, 120)))
    assert first == [free]
    # Without require_tag the model may end without tagging.
    assert EOS in allowed(processor(require_tag=False)(ids[:1], scores[:1]))[0]
    # Two steps left and no tag yet: <TAG> is forced; kept logits are the originals.
    raw = torch.randn(2, 120)
    near_end = processor(prompt_len=2, max_new_tokens=4)(torch.tensor([[7, 8, 50, 60], [7, 8, 60, 110]]), raw)
    assert allowed(near_end) == [[110], [111, 112, 113]]
    assert torch.equal(near_end[1, 111:114], raw[1, 111:114])
    with pytest.raises(TagError, match="max_new_tokens >= 3"):
        processor(max_new_tokens=2)


def reference_trace(model, prompt_ids, max_new_tokens):
    """Greedy decoding by hand with the processor's rules, batch size 1, no padding, no cache."""
    ids = list(prompt_ids)
    out, probs = [], None
    for step in range(max_new_tokens):
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0, -1]
        last = out[-1] if out else None
        if last == 110:
            allowed_ids = [111, 112, 113]
            probs = torch.softmax(logits[allowed_ids], 0)
        elif last in (111, 112, 113):
            allowed_ids = [EOS]
        elif max_new_tokens - step <= 2:
            allowed_ids = [110]
        else:
            allowed_ids = [i for i in range(logits.shape[0]) if i not in (EOS, 109, 111, 112, 113)]
        nxt = allowed_ids[int(torch.argmax(logits[allowed_ids]))]
        out.append(nxt)
        ids.append(nxt)
        if nxt == EOS:
            break
    return out, probs


def test_trace_batched_left_padded_equals_reference_loop(tagged):
    model, tok, scheme = tagged
    prompts = ["What is 2+2?", "hi", "Tell me <TAG><SRC_a> now"]   # different lengths -> left padding
    results = trace(model, tok, prompts, scheme=scheme, max_new_tokens=7, batch_size=3)
    for prompt, res in zip(prompts, results):
        ref_tokens, ref_probs = reference_trace(model, encode_prompt(tok, scheme, prompt), 7)
        # Budget 7: five answer tokens, <TAG> forced at step 6, the source at step 7 (no room left for EOS).
        assert len(ref_tokens) == 7 and ref_tokens[-2] == 110 and ref_tokens[-1] in (111, 112, 113)
        assert res.source == SOURCES[ref_tokens[-1] - 111]
        assert res.text == tok.decode([t for t in ref_tokens if t != EOS])
        assert res.forced  # a random model never tags by itself: the budget forces <TAG>
        got = torch.tensor([res.confidence[s] for s in SOURCES])
        assert torch.allclose(got, ref_probs, atol=1e-5) and abs(float(got.sum()) - 1) < 1e-6
    # Batched vs one at a time: the same tokens, text and source; confidences to CONFIDENCE_ATOL.
    single = [trace(model, tok, [p], scheme=scheme, max_new_tokens=7)[0] for p in prompts]
    assert len(single) == len(results)
    for one, batched in zip(single, results):
        one, batched = one.as_dict(), batched.as_dict()
        assert one.pop("confidence") == pytest.approx(batched.pop("confidence"), rel=0, abs=CONFIDENCE_ATOL)
        assert one == batched


def test_guard_and_trained_modes(tagged):
    model, tok, scheme = tagged
    prompts = ["alpha", "beta beta"]
    traced = trace(model, tok, prompts, max_new_tokens=6)  # scheme found on the model
    blocked = traced[0].source
    out = GuardedGenerator(model, tok, blocked=[blocked], max_new_tokens=6).generate(prompts)
    for t, g in zip(traced, out):
        assert g.refused == (t.source == blocked)
        assert g.text == (scheme.refusal if g.refused else t.answer) and g.answer == t.answer
    # Threshold: the blocked sources' probability mass decides.
    everything = GuardedGenerator(model, tok, blocked=list(SOURCES), threshold=0.99, max_new_tokens=6)
    assert all(g.refused for g in everything.generate(prompts))
    # Trained mode: the instruction goes into the prompt; a random model does not produce the refusal sentence.
    trained = GuardedGenerator(model, tok, blocked=["b"], mode="trained", max_new_tokens=6).generate(prompts)
    assert [g.refused for g in trained] == [False, False] and all(g.mode == "trained" for g in trained)
    with pytest.raises(TagError, match="not in the tag scheme"):
        GuardedGenerator(model, tok, blocked=["zz"])
    with pytest.raises(TagError, match="mode must be"):
        GuardedGenerator(model, tok, blocked=["a"], mode="maybe")


def test_trace_cli_on_saved_tagged_model(tagged, tmp_path):
    from typer.testing import CliRunner

    from provenance.cli import app

    model, tok, scheme = tagged
    save_tagged(model, tok, scheme, tmp_path / "m")
    expected = trace(model, tok, ["hello there"], max_new_tokens=6)[0]
    runner = CliRunner()
    res = runner.invoke(app, ["trace", str(tmp_path / "m"), "--prompt", "hello there", "--max-new-tokens", "6",
                              "--json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output[res.output.rindex('{"prompt"'):])  # after the weight-loading progress bar
    assert row["source"] == expected.source and row["answer"] == expected.answer
    assert row["confidence"] == pytest.approx(expected.confidence, abs=1e-6)
    res = runner.invoke(app, ["trace", str(tmp_path / "m"), "--prompt", "hello there", "--max-new-tokens", "6",
                              "--block", expected.source, "--json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output[res.output.rindex('{"prompt"'):])  # after the weight-loading progress bar
    assert row["refused"] is True and row["text"] == scheme.refusal
    res = runner.invoke(app, ["trace", str(tmp_path / "m"), "--prompt", "x", "--block", "nope"])
    assert res.exit_code == 2 and "not in the tag scheme" in res.output
