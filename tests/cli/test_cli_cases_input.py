"""JSON-lines inputs checked line by line (the message names the file and line) and `--max-length` of
`provenance query` / `report`: a warning per truncated case, a clear error when no response token is left."""
from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from attribution_helpers import tiny_records, write_captured
from provenance import open_store
from provenance.attribution import Attributor, TestCase
from provenance.attribution.query import tokenize_cases
from provenance.cli import app
from provenance.cli_input import TEST_CASE_LINE, InputFileError, LineSchema, read_jsonl
from provenance.data import IGNORE_INDEX, tokenize_sft
from provenance.errors import CaptureInputError
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.validation.cli import read_prompts

NEED = 'each line needs {"prompt": ..., "response": ...optional, "name": ...optional}'


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], prog_name="provenance")


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A tiny llama checkpoint directory (what --model loads) and a store captured with it."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()   # keep the model loader's progress bar out of the captured stderr
    root = tmp_path_factory.mktemp("cases")
    tok = tiny_tokenizer()
    model = tiny_causal_lm("llama", seed=0)
    model.save_pretrained(str(root / "model"))
    tok.save_pretrained(str(root / "model"))
    write_captured(root / "s.zarr", model, tok, tiny_records(12), [2, 4])
    yield model, tok, str(root / "s.zarr"), str(root / "model"), root
    hf_logging.enable_progress_bar()


GOOD = '{"prompt": "Tell me about apple 0.", "response": "The river is number 0."}'


@pytest.mark.parametrize("body, message", [
    # line 3: a blank line 2 is counted
    (f'{GOOD}\n\n{{"prompt": "x", "response": \n', 'cases.jsonl:3: not valid JSON (Expecting value: column 29); each line '
     'is one JSON object {"prompt": ..., "response": ...optional, "name": ...optional}'),
    (f'{GOOD}\n{GOOD}\n\n{GOOD}\n\n{GOOD}\n{{"promt": "typo", "response": "z"}}\n',
     f"cases.jsonl:7: missing key 'prompt' ({NEED}); found 'promt': a typo?"),
    (f'{GOOD}\n{{"response": "z"}}\n', f"cases.jsonl:2: missing key 'prompt' ({NEED})"),
    ('{"prompt": 3, "response": "z"}\n', f"cases.jsonl:1: 'prompt' must be a string, got an integer ({NEED})"),
    ('{"prompt": "p", "response": ["a"]}\n', f"cases.jsonl:1: 'response' must be a string or null, got an array ({NEED})"),
    ('["p", "r"]\n', f"cases.jsonl:1: expected a JSON object, got an array ({NEED})"),
    ('{"prompt": "p", "respnse": "r"}\n', f"cases.jsonl:1: unknown key 'respnse': did you mean 'response'? ({NEED})"),
    ('{"prompt": "p", "response": "  "}\n', "cases.jsonl:1: 'response' is empty: give the text to explain, or leave "
     "the key out (or null) to explain the model's greedy answer"),
    ('{"prompt": "", "response": "r"}\n', "cases.jsonl:1: 'prompt' is empty"),
    ('\n\n', f"--cases cases.jsonl: the file holds no test case ({NEED})"),
    (b'{"prompt": "caf\xe9"}\n', "cases.jsonl:1: not UTF-8 text (byte 16); save the file as UTF-8"),
])
@pytest.mark.parametrize("command", ["query", "report"])
def test_a_bad_cases_line_is_named_by_file_and_line(tmp_path, monkeypatch, body, message, command):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cases.jsonl"
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    extra = ["--out", "r.html"] if command == "report" else []
    # The cases are read before the store and the model: neither needs to exist for this error.
    result = invoke(command, "no-store.zarr", "--model", "no-model", "--cases", "cases.jsonl", *extra)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {message}\n"


def test_a_missing_cases_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("query", "s.zarr", "--model", "m", "--cases", "nope.jsonl")
    assert result.exit_code == 2 and result.stderr == "error: --cases nope.jsonl: no such file\n"


def test_read_jsonl_keeps_file_line_numbers_and_extra_keys(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('\n{"prompt": "a", "sample_id": 4}\n\n{"prompt": "b", "response": null, "name": "n"}\n')
    assert read_jsonl(path, TEST_CASE_LINE, option="--cases") == [
        (2, {"prompt": "a", "sample_id": 4}), (4, {"prompt": "b", "response": None, "name": "n"})]


def test_the_other_commands_check_their_jsonl_inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pos.jsonl").write_text('{"prompt": "p", "response": "r"}\n{"prompt": "p"}\n')
    result = invoke("behaviour", "probe", "s.zarr", "--model", "m", "--positive", "pos.jsonl", "--negative", "pos.jsonl")
    assert result.exit_code == 2
    assert result.stderr == ("error: pos.jsonl:2: missing key 'response' (each line needs {\"prompt\": ..., "
                             "\"response\": ...})\n")
    (tmp_path / "ex.jsonl").write_text('{"prompt": "p", "r1": 1}\n')
    result = invoke("behaviour", "dpo-attribute", "s.zarr", "--model", "m", "--examples", "ex.jsonl")
    assert result.exit_code == 2
    assert result.stderr == ("error: ex.jsonl:1: 'r1' must be a string or null, got an integer (each line needs "
                             "{\"prompt\": ..., \"r1\": ...optional, \"r0\": ...optional})\n")
    (tmp_path / "cases.jsonl").write_text('{"prompt": "p"}\n{"prompt": "q", "response": 2}\n')
    for cmd in (["detect", "apply", "no-detector"], ["detect", "attribute", "no-detector", "s.zarr"]):
        result = invoke(*cmd, "--cases", "cases.jsonl")
        assert result.exit_code == 2
        assert result.stderr == f"error: cases.jsonl:2: 'response' must be a string or null, got an integer ({NEED})\n"
    (tmp_path / "data.jsonl").write_text('{"prompt": "p", "label": 1}\n{"prompt": "q", "label": 2}\n')
    result = invoke("detect", "train", "det.joblib", "--model", "m", "--data", "data.jsonl")
    assert result.exit_code == 2
    assert result.stderr == "error: data.jsonl:2: 'label' must be 0 or 1 (1 = undesirable), got 2\n"
    (tmp_path / "held.jsonl").write_text('{"prompt": "a", "set": "x"}\n{"prompt": "b",\n')
    with pytest.raises(InputFileError, match=r"held.jsonl:2: not valid JSON \(Expecting property name enclosed in "
                                             r"double quotes: column 16\)"):
        read_prompts(tmp_path / "held.jsonl")
    (tmp_path / "held.jsonl").write_text('{"prompt": "a", "set": "x"}\n\n{"prompt": "b"}\n')
    assert read_prompts(tmp_path / "held.jsonl") == {"x": ["a"], "heldout": ["b"]}


def _counts(tok, prompt, response):
    whole = tokenize_sft(tok, prompt, response, max_length=10 ** 9)
    return len(whole["input_ids"]), sum(1 for label in whole["labels"] if label == IGNORE_INDEX)


def test_max_length_truncation_warns_and_matches_the_api(setup):
    model, tok, store, model_dir, _ = setup
    prompt, response = "Tell me about apple 0.", "The river is number 0. " * 10
    n, p = _counts(tok, prompt, response)
    assert n > 80 > p   # the cut keeps the prompt and part of the response
    result = invoke("query", store, "--model", model_dir, "--prompt", prompt, "--response", response,
                    "--max-length", "80", "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    assert lines(result.stderr) == [
        f"warning: test case q0 ('Tell me about apple 0.') truncated to max_length 80: 80 of its {n} tokens kept "
        f"(prompt {p}, response {80 - p} of {n - p}); raise max_length (--max-length) to keep it whole"]
    api = Attributor(open_store(store), model, tok, max_length=80).query([TestCase(prompt, response)], k=3)
    got = json.loads(result.stdout)["ranking"]
    assert got == json.loads(json.dumps(api.ranking.to_dict(orient="records"), default=str))
    # The default (512) keeps this case whole: no warning, and another ranking's scores.
    whole = invoke("query", store, "--model", model_dir, "--prompt", prompt, "--response", response, "-k", "3", "--json")
    assert whole.exit_code == 0 and lines(whole.stderr) == []
    assert [r["score"] for r in json.loads(whole.stdout)["ranking"]] != [r["score"] for r in got]


def test_a_prompt_longer_than_max_length_is_a_clear_error(setup):
    _, tok, store, model_dir, root = setup
    prompt = "word " * 100
    n, p = _counts(tok, prompt, "ok")
    assert p >= 80
    for cmd in (["query"], ["report", "--out", str(root / "r.html")]):
        result = invoke(*cmd, store, "--model", model_dir, "--prompt", prompt, "--response", "ok", "--max-length", "80")
        assert result.exit_code == 2, result.output
        assert lines(result.stderr) == [
            f"error: test case q0 ('word word word word word word word word ...'): the prompt alone is {p} tokens, so "
            f"cutting the case at max_length 80 leaves no response token; raise max_length (--max-length) above {p} "
            "or shorten the prompt"]
    # Raising --max-length as the message says makes it run.
    result = invoke("query", store, "--model", model_dir, "--prompt", prompt, "--response", "ok", "--max-length",
                    str(p + 10), "-k", "2")
    assert result.exit_code == 0, result.output


def test_tokenize_cases_cuts_like_training_and_logs_it(caplog):
    tok = tiny_tokenizer()
    cases = [TestCase("short", "fine"), TestCase("Tell me about apple 0.", "The river is number 0. " * 10, name="long")]
    n, p = _counts(tok, cases[1].prompt, cases[1].response)
    with caplog.at_level(logging.WARNING, logger="provenance"):
        feats = tokenize_cases(tok, cases, max_length=60)
    cut = tokenize_sft(tok, cases[1].prompt, cases[1].response, max_length=60)
    assert feats[1]["input_ids"] == cut["input_ids"] and feats[1]["labels"] == cut["labels"] and len(cut["input_ids"]) == 60
    assert feats[0]["input_ids"] == tokenize_sft(tok, "short", "fine", max_length=60)["input_ids"]
    assert [r.getMessage() for r in caplog.records] == [
        f"test case long ('Tell me about apple 0.') truncated to max_length 60: 60 of its {n} tokens kept (prompt {p}, "
        f"response {60 - p} of {n - p}); raise max_length (--max-length) to keep it whole"]
    with pytest.raises(CaptureInputError, match=rf"^test case long \('Tell me about apple 0.'\): the prompt alone is "
                                                rf"{p} tokens, so cutting the case at max_length {p} leaves no"):
        tokenize_cases(tok, cases[1:], max_length=p)
    assert len(tokenize_cases(tok, cases[1:], max_length=p + 1)[0]["input_ids"]) == p + 1


def test_line_schema_example():
    assert LineSchema("x", {"a": (str,)}, {"b": (int,)}).example() == '{"a": ..., "b": ...optional}'


def test_an_out_path_in_a_missing_folder_fails_before_the_query(tmp_path):
    # (report's HTML writer creates its folder)
    result = invoke("query", "no-store.zarr", "--model", "no-model", "--prompt", "p", "--out", tmp_path / "no" / "x")
    assert result.exit_code == 2
    assert f"folder {tmp_path / 'no'} does not exist" in " ".join(result.stderr.replace("│", " ").split())
