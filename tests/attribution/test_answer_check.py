"""A query whose behaviour did not fire (provenance.attribution.answer_check): a prompt-only case whose greedy
answer is empty or a refusal is refused with a message naming it, in Python and on the command line, instead of
ranking rows for noise; a response the caller gives (a refusal included) is explained as given."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

import provenance.attribution.answer_check as answer_check
from attribution_helpers import tiny_records, write_captured
from provenance import open_store
from provenance.attribution import Attributor, TestCase
from provenance.attribution.answer_check import BehaviourNotShownError, check_answers
from provenance.cli import app
from provenance.models import tiny_causal_lm, tiny_tokenizer

REFUSAL = "I'm sorry, but I can't help with that."


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("fired")
    tok = tiny_tokenizer()
    model = tiny_causal_lm("llama", seed=0)
    model.save_pretrained(str(root / "model"))
    tok.save_pretrained(str(root / "model"))
    write_captured(root / "s.zarr", model, tok, tiny_records(12), [2, 4])
    return Attributor(open_store(str(root / "s.zarr")), model, tok), root


def test_an_empty_greedy_answer_is_refused_by_name(setup):
    """The model's first generated token is end-of-turn (forced on its logits): the answer is empty."""
    att, _ = setup
    eos = att.tokenizer.eos_token_id

    def end_at_once(module, args, output):
        output = output.clone()
        output[..., eos] = 1e4
        return output

    handle = att.model.lm_head.register_forward_hook(end_at_once)
    try:
        with pytest.raises(BehaviourNotShownError) as err:
            att.query([TestCase("Tell me about apple 0.", name="apple")], k=3)
    finally:
        handle.remove()
    msg = str(err.value)
    assert "the behaviour did not fire on 1 of 1 prompt-only test case(s): apple ('Tell me about apple 0.'): " \
           "empty answer." in msg
    assert "give the answer to explain as the response" in msg


def test_a_refused_greedy_answer_is_refused_and_a_given_refusal_is_explained(setup, monkeypatch):
    att, _ = setup
    monkeypatch.setattr(answer_check, "greedy_responses", lambda model, tok, prompts, **kw: [REFUSAL] * len(prompts))
    with pytest.raises(BehaviourNotShownError, match=r"q1 \('Tell me about river 1\.'\): refuses "
                                                     r"\(\"I'm sorry, but I can't help with that\.\"\)"):
        att.query([TestCase("Tell me about apple 0.", "The apple is 1."), TestCase("Tell me about river 1.")], k=3)
    res = att.query([TestCase("Tell me about river 1.", REFUSAL)], k=3)   # given: explained as asked
    assert len(res.ranking) == 3


def test_an_answer_that_fired_passes_and_the_check_names_at_most_five(setup):
    att, _ = setup
    res = att.query([TestCase("Tell me about apple 0.")], k=3)   # the tiny model's greedy text: not empty
    assert len(res.ranking) == 3
    cases = [TestCase(f"p{i}", "") for i in range(7)]
    with pytest.raises(BehaviourNotShownError, match=r"7 of 7 .*q4 \('p4'\): empty answer and 2 more\."):
        check_answers(cases, list(range(7)))
    check_answers(cases, [])    # given responses are not judged


def test_cli_prints_one_error_line_and_exits_2(setup, monkeypatch):
    _, root = setup
    monkeypatch.setattr(answer_check, "greedy_responses", lambda model, tok, prompts, **kw: [""] * len(prompts))
    result = CliRunner().invoke(app, ["query", str(root / "s.zarr"), "--model", str(root / "model"),
                                      "--prompt", "Tell me about apple 0."])
    assert result.exit_code == 2, result.output
    assert "error: the behaviour did not fire on 1 of 1 prompt-only test case(s): q0" in " ".join(result.output.split())
    assert "Traceback" not in result.output
