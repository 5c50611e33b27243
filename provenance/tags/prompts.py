"""Token ids of a tagged prompt, with the user's text unable to produce control tokens.

The prompt is assembled from segments: the chat-template framing and the trusted control tokens (`<DEBUG>`, the
blocking instruction's source tags) are tokenised normally, the user's text with `split_special_tokens=True`, so a user
who types `<DEBUG>`, `<TAG>`, `<SRC_x>` or `<|im_end|>` gets ordinary text tokens, never the special ids. For clean
text the ids equal those of tokenising the whole rendered chat (what training saw); a test checks that.
"""
from __future__ import annotations

from provenance.errors import TagError
from provenance.tags.scheme import TagScheme

__all__ = ["encode_prompt", "user_token_ids"]

_SENTINEL = "\ue000provenance-user-text\ue001"  # private-use characters: never in real text, kept as-is by templates


def user_token_ids(tokenizer, text: str) -> list[int]:
    """Untrusted text -> ids with every special token string split into ordinary tokens."""
    if not isinstance(text, str):
        raise TagError(f"prompt must be text, got {type(text).__name__}")
    if not text:
        return []
    return list(tokenizer(text, add_special_tokens=False, split_special_tokens=True)["input_ids"])


def _trusted_ids(tokenizer, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"]) if text else []


def encode_prompt(tokenizer, scheme: TagScheme, user_text: str, *, debug: bool = True, blocked=None,
                  system: str | None = None, chat: bool = True) -> list[int]:
    """Ids of one generation prompt.

    debug: put `<DEBUG>` before the user's text (the model then answers and appends `<TAG><SRC_x>`).
    blocked: sources named in the blocking instruction (trained-mode refusal), placed in the system message.
    system: an operator system message (trusted); with neither it nor `blocked` the template's default applies.
    chat: apply the tokenizer's chat template (as TRL does for conversational data); False = plain-text prompt, the
    instruction as a first line (as the transform writes plain-string prompts).
    """
    if not isinstance(user_text, str):
        raise TagError(f"prompt must be text, got {type(user_text).__name__}")
    if _SENTINEL in user_text:
        raise TagError("prompt contains a reserved private-use marker")
    instruction = scheme.blocking_instruction(blocked) if blocked else None
    marker = scheme.debug_token if debug else ""
    user_part = (" " + user_text) if debug else user_text
    if not chat:
        head = "\n".join(x for x in (system, instruction) if x)
        head = f"{head}\n" if head else ""
        return _trusted_ids(tokenizer, head + marker) + user_token_ids(tokenizer, user_part)
    sys_text = "\n".join(x for x in (system, instruction) if x) or None
    messages = ([{"role": "system", "content": sys_text}] if sys_text is not None else [])
    messages.append({"role": "user", "content": marker + _SENTINEL})
    rendered = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    if rendered.count(_SENTINEL) != 1:
        raise TagError("the chat template does not place the user's message verbatim; use chat=False")
    before, after = rendered.split(_SENTINEL)
    return _trusted_ids(tokenizer, before) + user_token_ids(tokenizer, user_part) + _trusted_ids(tokenizer, after)
