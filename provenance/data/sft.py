"""Supervised fine-tuning (SFT) tokenisation, padding and a per-sample-id dataset.

Convention: every example is a ``(prompt, response)`` pair. Prompt tokens (including the chat-template framing
up to and including the generation prompt, e.g. ``<|im_start|>assistant\\n``) get label -100; response tokens
(ending with the end-of-turn / eos token, so the model learns to stop) are labelled with their own ids. Labels
are *not* shifted: HF causal LMs shift internally.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch.utils.data import Dataset

__all__ = ["IGNORE_INDEX", "tokenize_sft", "SFTCollator", "SFTDataset"]

IGNORE_INDEX = -100


def _encode(tokenizer: Any, text: str, *, add_special_tokens: bool) -> list[int]:
    if not text:
        return []
    return list(tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"])


def _eos_id(tokenizer: Any) -> int | None:
    eos = getattr(tokenizer, "eos_token_id", None)
    if isinstance(eos, (list, tuple)):
        eos = eos[0] if eos else None
    return eos


def _split_chat(tokenizer: Any, prompt: str, response: str, system: str | None) -> tuple[list[int], list[int]]:
    messages: list[dict[str, str]] = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": prompt})
    prompt_text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    full_text = tokenizer.apply_chat_template(
        messages + [{"role": "assistant", "content": response}], tokenize=False, add_generation_prompt=False
    )
    if not full_text.startswith(prompt_text):
        raise ValueError(
            "The chat template does not render the conversation with the assistant turn as an extension of the "
            "generation prompt; cannot locate the prompt/response boundary."
        )
    # Tokenise the two parts separately: the boundary is exactly where generation starts at inference time.
    # The template already contains any bos it wants, so no extra special tokens are added.
    prompt_ids = _encode(tokenizer, prompt_text, add_special_tokens=False)
    response_ids = _encode(tokenizer, full_text[len(prompt_text) :], add_special_tokens=False)
    eos = _eos_id(tokenizer)
    if eos is not None:
        if eos in response_ids:
            # Drop template whitespace after the end-of-turn token (e.g. ChatML's trailing "\n").
            last = len(response_ids) - 1 - response_ids[::-1].index(eos)
            response_ids = response_ids[: last + 1]
        else:
            response_ids.append(eos)
    return prompt_ids, response_ids


def tokenize_sft(
    tokenizer: Any,
    prompt: str,
    response: str,
    *,
    max_length: int = 512,
    chat: bool = True,
    system: str | None = None,
) -> dict[str, list[int]]:
    """Tokenise one SFT pair into ``{"input_ids", "attention_mask", "labels"}`` (python lists, unpadded).

    ``chat=True``: the prompt is rendered with ``apply_chat_template(..., add_generation_prompt=True)`` (with an
    optional ``system`` message) and the response is the remainder of the rendered full conversation, cut after
    the eos / end-of-turn token (appended if the template does not emit it).
    ``chat=False``: ``prompt`` is tokenised with the tokenizer's default special tokens (e.g. bos) and
    ``response`` is appended verbatim (no separator is inserted) followed by eos; ``system`` must be None.

    Sequences longer than ``max_length`` are truncated on the right (the prompt is kept); if the response is
    truncated away entirely, all labels are -100 (the example is kept; callers decide what to do).
    """
    if max_length < 1:
        raise ValueError("max_length must be >= 1")
    if chat:
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError("tokenize_sft(chat=True) needs a tokenizer with a chat_template; pass chat=False.")
        prompt_ids, response_ids = _split_chat(tokenizer, prompt, response, system)
    else:
        if system is not None:
            raise ValueError("`system` is only supported with chat=True.")
        prompt_ids = _encode(tokenizer, prompt, add_special_tokens=True)
        response_ids = _encode(tokenizer, response, add_special_tokens=False)
        eos = _eos_id(tokenizer)
        if eos is not None:
            response_ids.append(eos)

    input_ids = (prompt_ids + response_ids)[:max_length]
    n_prompt = min(len(prompt_ids), len(input_ids))
    labels = [IGNORE_INDEX] * n_prompt + input_ids[n_prompt:]
    return {"input_ids": input_ids, "attention_mask": [1] * len(input_ids), "labels": labels}


def _as_int(x: Any) -> int | None:
    """x as a python int if it is an integer scalar (python/numpy/0-d tensor, not bool), else None."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return x
    if isinstance(x, torch.Tensor):
        if x.ndim == 0 and not x.is_floating_point() and x.dtype != torch.bool:
            return int(x.item())
        return None
    try:
        import numpy as np

        if isinstance(x, np.integer):
            return int(x)
    except ImportError:  # pragma: no cover
        pass
    return None


class SFTCollator:
    """Pad a list of tokenised examples into a batch.

    Returns ``input_ids`` / ``attention_mask`` / ``labels`` as LongTensors of shape ``[B, T]`` (pad with
    ``pad_token_id`` / 0 / -100 on ``padding_side``), plus, when present in the features:

    * ``sample_id``: a LongTensor ``[B]`` if every id is an integer, otherwise a python list (e.g. str ids);
    * ``source``: a python ``list[str]``;

    both in the same row order as the inputs. With ``return_position_ids=True`` also ``position_ids``
    (0-based over real tokens, 0 on padding), which makes left-padded batches position-correct for models with
    absolute position embeddings (e.g. gpt2). Other feature keys are ignored.
    """

    passthrough_keys = ("sample_id", "source")

    def __init__(
        self,
        pad_token_id: int,
        padding_side: str = "right",
        *,
        label_pad_id: int = IGNORE_INDEX,
        pad_to_multiple_of: int | None = None,
        return_position_ids: bool = False,
    ) -> None:
        if padding_side not in ("right", "left"):
            raise ValueError(f"padding_side must be 'right' or 'left', got {padding_side!r}")
        if pad_token_id is None:
            raise ValueError("pad_token_id is None: set tokenizer.pad_token (e.g. to eos) first.")
        self.pad_token_id = int(pad_token_id)
        self.padding_side = padding_side
        self.label_pad_id = label_pad_id
        self.pad_to_multiple_of = pad_to_multiple_of
        self.return_position_ids = return_position_ids

    def __repr__(self) -> str:
        return f"SFTCollator(pad_token_id={self.pad_token_id}, padding_side={self.padding_side!r})"

    @staticmethod
    def _to_list(x: Any) -> list[int]:
        if isinstance(x, torch.Tensor):
            return x.tolist()
        return list(x)

    def __call__(self, features: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if len(features) == 0:
            raise ValueError("SFTCollator got an empty batch")
        ids = [self._to_list(f["input_ids"]) for f in features]
        masks = [self._to_list(f["attention_mask"]) if "attention_mask" in f else [1] * len(i) for f, i in zip(features, ids)]
        labels = [self._to_list(f["labels"]) if "labels" in f else list(i) for f, i in zip(features, ids)]
        T = max(len(i) for i in ids)
        if self.pad_to_multiple_of:
            m = self.pad_to_multiple_of
            T = ((T + m - 1) // m) * m
        B = len(features)
        out_ids = torch.full((B, T), self.pad_token_id, dtype=torch.long)
        out_mask = torch.zeros((B, T), dtype=torch.long)
        out_labels = torch.full((B, T), self.label_pad_id, dtype=torch.long)
        for r, (i, m_, l_) in enumerate(zip(ids, masks, labels)):
            n = len(i)
            if not (len(m_) == n == len(l_)):
                raise ValueError(f"row {r}: input_ids/attention_mask/labels lengths differ")
            sl = slice(0, n) if self.padding_side == "right" else slice(T - n, T)
            out_ids[r, sl] = torch.tensor(i, dtype=torch.long)
            out_mask[r, sl] = torch.tensor(m_, dtype=torch.long)
            out_labels[r, sl] = torch.tensor(l_, dtype=torch.long)
        batch: dict[str, Any] = {"input_ids": out_ids, "attention_mask": out_mask, "labels": out_labels}
        if self.return_position_ids:
            batch["position_ids"] = (out_mask.cumsum(dim=1) - 1).clamp(min=0) * out_mask
        if "sample_id" in features[0]:
            sids = [f["sample_id"] for f in features]
            as_ints = [_as_int(s) for s in sids]
            if all(v is not None for v in as_ints):
                batch["sample_id"] = torch.tensor(as_ints, dtype=torch.long)
            else:
                batch["sample_id"] = [s.item() if isinstance(s, torch.Tensor) and s.ndim == 0 else s for s in sids]
        if "source" in features[0]:
            batch["source"] = [str(f["source"]) for f in features]
        return batch


class SFTDataset(Dataset):
    """A map-style dataset over SFT records ``{"sample_id", "source", "prompt", "response"}``.

    Records are tokenised eagerly with :func:`tokenize_sft`; ``ds[i]`` returns
    ``{"input_ids", "attention_mask", "labels", "sample_id", "source"}`` (lists / scalars, ready for
    :class:`SFTCollator`). ``sample_id`` must be present and unique; ``source`` defaults to ``"default"``.
    Examples whose response was truncated away (all labels -100) are kept; see :attr:`fully_truncated_ids`.
    """

    def __init__(
        self,
        records: Sequence[Mapping[str, Any]],
        tokenizer: Any,
        *,
        max_length: int = 512,
        chat: bool = True,
        system: str | None = None,
    ) -> None:
        self.records = [dict(r) for r in records]
        self.max_length = max_length
        seen: set[Any] = set()
        self._items: list[dict[str, Any]] = []
        for k, r in enumerate(self.records):
            for key in ("sample_id", "prompt", "response"):
                if key not in r:
                    raise KeyError(f"record {k} lacks {key!r}")
            sid = r["sample_id"]
            if sid in seen:
                raise ValueError(f"duplicate sample_id {sid!r} (record {k})")
            seen.add(sid)
            enc = tokenize_sft(tokenizer, r["prompt"], r["response"], max_length=max_length, chat=chat, system=system)
            enc["sample_id"] = sid
            enc["source"] = str(r.get("source", "default"))
            self._items.append(enc)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, idx: int) -> dict[str, Any]:
        item = self._items[idx]
        return {k: (list(v) if isinstance(v, list) else v) for k, v in item.items()}

    @property
    def sample_ids(self) -> list[Any]:
        return [it["sample_id"] for it in self._items]

    @property
    def sources(self) -> list[str]:
        return [it["source"] for it in self._items]

    @property
    def fully_truncated_ids(self) -> list[Any]:
        """sample_ids whose labels are all -100 (response truncated away by ``max_length``)."""
        return [it["sample_id"] for it in self._items if all(l == IGNORE_INDEX for l in it["labels"])]
