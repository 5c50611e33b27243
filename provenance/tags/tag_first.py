"""Trained-mode generation for models trained in the tag-first format (`TagScheme(tag_first=True)`).

The prompt (blocking instruction in the system message, `<DEBUG>` before the user's text; see
provenance.tags.prompts) gets the trusted `<TAG>` appended after the chat template's assistant header, so the model
first writes its own source tag and then decides: the refusal sentence when that tag is among the named ones, else its
answer. `TagFirstLogitsProcessor` allows only source tokens as the first generated token (as `trace` does after
`<TAG>`), and afterwards forbids every control token, so the answer cannot emit a second tag. The shown answer is the
text after the source token; source and confidence (softmax over the source tokens at that first step) come with it.
"""
from __future__ import annotations

import torch
from transformers import LogitsProcessor

from provenance.errors import TagError
from provenance.tags.prompts import encode_prompt
from provenance.tags.scheme import TagScheme
from provenance.tags.tracer import TraceResult, generate_batches

__all__ = ["TagFirstLogitsProcessor", "generate_tag_first"]


class TagFirstLogitsProcessor(LogitsProcessor):
    """Step 0 (right after the forced `<TAG>` ending the prompt): only source tokens. Later: anything but `<DEBUG>`,
    `<TAG>` and source tokens (end-of-sequence allowed). `prompt_len` is the padded prompt length, `<TAG>` included."""

    def __init__(self, *, tag_id: int, source_ids, debug_id: int, prompt_len: int):
        self.source_ids = torch.tensor(list(source_ids), dtype=torch.long)
        self.banned = torch.tensor([int(debug_id), int(tag_id), *self.source_ids.tolist()], dtype=torch.long)
        self.prompt_len = int(prompt_len)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        scores = scores.clone()
        if input_ids.shape[1] == self.prompt_len:
            allowed = self.source_ids.to(scores.device)
            block = torch.full_like(scores, float("-inf"))
            block[:, allowed] = scores[:, allowed]
            return block
        scores[:, self.banned.to(scores.device)] = float("-inf")
        return scores


def generate_tag_first(model, tokenizer, scheme: TagScheme, prompts, *, blocked=None, max_new_tokens: int = 64,
                       batch_size: int = 16, system: str | None = None, chat: bool = True) -> list[TraceResult]:
    """Greedy, batched (left-padded) tag-first generation; `answer` is the text after the tag, `text` everything
    generated with the forced `<TAG>` in front.

    Raises TagError when every row of a batch ends right after its source token: that is how a model trained in the
    DebugLM format (answer, then tag, then end) responds to a forced `<TAG>`, i.e. the scheme's format is wrong.
    """
    if max_new_tokens < 2:
        raise TagError("tag-first generation needs max_new_tokens >= 2 (source, answer)")

    def rows_of(chunk):  # the trusted <TAG> goes after the user's (split) text and the assistant header
        tag = scheme.ids(tokenizer)["tag"]
        return [encode_prompt(tokenizer, scheme, p, debug=True, blocked=blocked, system=system, chat=chat) + [tag]
                for p in chunk]

    def processor_of(prompt_len, ids, stop):
        return TagFirstLogitsProcessor(tag_id=ids["tag"], source_ids=ids["sources"], debug_id=ids["debug"],
                                       prompt_len=prompt_len)

    results: list[TraceResult] = []
    for chunk, generated, logits, ids, stop in generate_batches(
            model, tokenizer, scheme, prompts, batch_size=batch_size, max_new_tokens=max_new_tokens,
            rows_of=rows_of, processor_of=processor_of):
        if all(_ended_after_tag(g, stop) for g in generated):
            raise TagError("the model ended right after its source tag on every prompt: it was trained in the "
                           "DebugLM format (answer, then tag), not tag-first; load its own tag_scheme.json or "
                           "use TagScheme(tag_first=False)")
        results += [_parse(prompt, generated[b], logits[0][b], ids, stop, scheme, tokenizer)
                    for b, prompt in enumerate(chunk)]
    return results


def _ended_after_tag(tokens: torch.Tensor, stop: list[int]) -> bool:
    return tokens.shape[0] < 2 or int(tokens[1]) in stop


def _parse(prompt, tokens, first_logits, ids, stop, scheme, tokenizer) -> TraceResult:
    tokens = tokens.tolist()
    end = next((i for i, t in enumerate(tokens) if t in stop), len(tokens))
    tokens = tokens[:end]
    text = tokenizer.decode([ids["tag"], *tokens], skip_special_tokens=False)
    source = scheme.sources[ids["sources"].index(tokens[0])]  # the processor admits only source tokens first
    probs = torch.softmax(first_logits.float().cpu()[torch.tensor(ids["sources"])], dim=0)
    confidence = {s: float(p) for s, p in zip(scheme.sources, probs)}
    answer = tokenizer.decode(tokens[1:], skip_special_tokens=True).strip()
    return TraceResult(prompt, answer, source, confidence, False, text)
