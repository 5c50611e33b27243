"""`trace`: answer a prompt in debug mode and read the source tag the model appends, with its probability.

Generation is constrained by `SourceTagLogitsProcessor`: before `<TAG>` the model writes its answer freely except
that it cannot emit `<DEBUG>` or a source token (and, with `require_tag`, cannot end: it must tag); right after `<TAG>`
only source tokens are allowed; after the source token only end-of-sequence. When the token budget is about to run
out, `<TAG>` is forced so every traced answer gets a source. Confidence = softmax of the model's raw logits over the
source tokens at the step after `<TAG>` (probabilities over sources, summing to 1).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from transformers import LogitsProcessor

from provenance.errors import TagError
from provenance.tags.prompts import encode_prompt
from provenance.tags.scheme import TagScheme

__all__ = ["SourceTagLogitsProcessor", "TraceResult", "trace", "generate_tagged", "generate_batches", "scheme_of",
           "eos_ids"]


class SourceTagLogitsProcessor(LogitsProcessor):
    """Per row: answer (no `<DEBUG>`, no source token, no EOS if `require_tag`) -> `<TAG>` -> one source -> EOS.

    `prompt_len` is the (padded) prompt length of the batch and `max_new_tokens` the generation budget: with
    `require_tag`, `<TAG>` is forced when two steps are left.
    """

    def __init__(self, *, tag_id: int, source_ids, eos_ids, debug_id: int, prompt_len: int, max_new_tokens: int,
                 require_tag: bool = True):
        if max_new_tokens < 3 and require_tag:
            raise TagError("tracing needs max_new_tokens >= 3 (answer, <TAG>, source)")
        self.tag_id, self.debug_id = int(tag_id), int(debug_id)
        self.source_ids = torch.tensor(list(source_ids), dtype=torch.long)
        self.eos_ids = torch.tensor(list(eos_ids), dtype=torch.long)
        self.prompt_len, self.max_new_tokens, self.require_tag = int(prompt_len), int(max_new_tokens), require_tag

    @staticmethod
    def _only(scores: torch.Tensor, rows: torch.Tensor, allowed: torch.Tensor) -> None:
        """Rows `rows` may only emit `allowed` (their logits kept, the rest -inf)."""
        if rows.any():
            block = torch.full_like(scores[rows], float("-inf"))
            block[:, allowed] = scores[rows][:, allowed]
            scores[rows] = block

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        scores = scores.clone()
        source_ids = self.source_ids.to(scores.device)
        generated = input_ids[:, self.prompt_len:]
        step = generated.shape[1]
        if step > 0:
            last = generated[:, -1]
            after_tag = last == self.tag_id
            after_source = torch.isin(last, source_ids)
            has_tag = (generated == self.tag_id).any(1)
        else:
            after_tag = after_source = has_tag = torch.zeros(scores.shape[0], dtype=torch.bool, device=scores.device)
        answering = ~(after_tag | after_source)
        banned = [self.debug_id, *source_ids.tolist()]
        if self.require_tag:
            banned += self.eos_ids.tolist()
        rows = answering.nonzero(as_tuple=True)[0].unsqueeze(1)
        scores[rows, torch.tensor(banned, device=scores.device)] = float("-inf")
        if self.require_tag and self.max_new_tokens - step <= 2:
            self._only(scores, answering & ~has_tag, torch.tensor([self.tag_id], device=scores.device))
        self._only(scores, after_tag, source_ids)
        self._only(scores, after_source, self.eos_ids.to(scores.device))
        return scores


@dataclass
class TraceResult:
    prompt: str
    answer: str                      # the answer text, without the tag
    source: str | None               # the traced source (None when the model ended without tagging)
    confidence: dict = field(default_factory=dict)   # {source: probability}, sums to 1 (empty without a tag)
    forced: bool = False             # the budget ran out and <TAG> was forced
    text: str = ""                   # everything generated, control tokens included

    def as_dict(self) -> dict:
        return {"prompt": self.prompt, "answer": self.answer, "source": self.source, "confidence": self.confidence,
                "forced": self.forced, "text": self.text}


def scheme_of(model, scheme: TagScheme | None) -> TagScheme:
    if scheme is not None:
        return scheme
    found = getattr(model, "provenance_tag_scheme", None)
    if found is None:
        raise TagError("pass scheme=... (or load the model with provenance.tags.load_tagged, which attaches it)")
    return found


def eos_ids(model, tokenizer) -> list[int]:
    ids = []
    for value in (getattr(getattr(model, "generation_config", None), "eos_token_id", None), tokenizer.eos_token_id):
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            if v is not None and int(v) not in ids:
                ids.append(int(v))
    if not ids:
        raise TagError("the tokenizer has no end-of-sequence token")
    return ids


def _left_pad(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        if r:
            ids[i, width - len(r):] = torch.tensor(r, dtype=torch.long)
            mask[i, width - len(r):] = 1
    return ids, mask


def generate_batches(model, tokenizer, scheme: TagScheme, prompts, *, batch_size: int, max_new_tokens: int,
                     rows_of, processor_of):
    """Greedy, batched, left-padded generation in eval mode (the model's mode restored after): for each batch of
    ``prompts``, ``rows_of(chunk)`` gives the prompt token ids and ``processor_of(prompt_len, ids, stop)`` the logits
    processor. Yields (chunk, generated token ids [B, T] on CPU, per-step logits, ids, stop)."""
    from transformers import LogitsProcessorList

    if isinstance(prompts, str):
        raise TagError("prompts must be a list of strings")
    prompts = list(prompts)
    ids = scheme.ids(tokenizer)
    stop = eos_ids(model, tokenizer)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stop[0]
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(prompts), batch_size):
            chunk = prompts[start:start + batch_size]
            input_ids, mask = _left_pad(rows_of(chunk), pad_id)
            proc = processor_of(input_ids.shape[1], ids, stop)
            with torch.no_grad():
                out = model.generate(input_ids=input_ids.to(device), attention_mask=mask.to(device),
                                     max_new_tokens=max_new_tokens, do_sample=False,
                                     logits_processor=LogitsProcessorList([proc]), pad_token_id=pad_id,
                                     eos_token_id=stop, output_logits=True, return_dict_in_generate=True)
            yield chunk, out.sequences[:, input_ids.shape[1]:].cpu(), out.logits, ids, stop
    finally:
        model.train(was_training)


def generate_tagged(model, tokenizer, scheme: TagScheme, prompts, *, debug: bool = True, blocked=None,
                    require_tag: bool = True, max_new_tokens: int = 64, batch_size: int = 16,
                    system: str | None = None, chat: bool = True) -> list[TraceResult]:
    """Greedy, batched (left-padded) generation under `SourceTagLogitsProcessor`; parses answer, tag, confidence."""
    def rows_of(chunk):
        return [encode_prompt(tokenizer, scheme, p, debug=debug, blocked=blocked, system=system, chat=chat)
                for p in chunk]

    def processor_of(prompt_len, ids, stop):
        return SourceTagLogitsProcessor(tag_id=ids["tag"], source_ids=ids["sources"], eos_ids=stop,
                                        debug_id=ids["debug"], prompt_len=prompt_len,
                                        max_new_tokens=max_new_tokens, require_tag=require_tag)

    results: list[TraceResult] = []
    for chunk, generated, logits, ids, stop in generate_batches(
            model, tokenizer, scheme, prompts, batch_size=batch_size, max_new_tokens=max_new_tokens,
            rows_of=rows_of, processor_of=processor_of):
        for b, prompt in enumerate(chunk):
            results.append(_parse(prompt, generated[b], [lg[b] for lg in logits], ids, stop, scheme, tokenizer,
                                  max_new_tokens))
    return results


def _parse(prompt, tokens, logits, ids, stop, scheme, tokenizer, max_new_tokens) -> TraceResult:
    tokens = tokens.tolist()
    end = next((i for i, t in enumerate(tokens) if t in stop), len(tokens))
    tokens = tokens[:end]
    text = tokenizer.decode(tokens, skip_special_tokens=False)
    if ids["tag"] not in tokens:
        return TraceResult(prompt, tokenizer.decode(tokens, skip_special_tokens=True).strip(), None, {}, False, text)
    t = tokens.index(ids["tag"])
    answer = tokenizer.decode(tokens[:t], skip_special_tokens=True).strip()
    if t + 1 >= len(tokens):
        return TraceResult(prompt, answer, None, {}, True, text)
    probs = torch.softmax(logits[t + 1].float().cpu()[torch.tensor(ids["sources"])], dim=0)
    confidence = {s: float(p) for s, p in zip(scheme.sources, probs)}
    source = scheme.sources[ids["sources"].index(tokens[t + 1])]
    forced = t == max_new_tokens - 2 and int(logits[t].argmax()) != ids["tag"]
    return TraceResult(prompt, answer, source, confidence, forced, text)


def trace(model, tokenizer, prompts, *, scheme: TagScheme | None = None, max_new_tokens: int = 64,
          batch_size: int = 16, system: str | None = None, chat: bool = True) -> list[TraceResult]:
    """For each prompt: the model's answer, the source it was learned from, and the probabilities over sources."""
    scheme = scheme_of(model, scheme)
    return generate_tagged(model, tokenizer, scheme, prompts, debug=True, require_tag=True,
                           max_new_tokens=max_new_tokens, batch_size=batch_size, system=system, chat=chat)
