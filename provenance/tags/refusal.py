"""Source-targeted refusal at test time, without retraining.

* trained mode (DebugLM): the prompt carries the blocking instruction naming the blocked sources' tags (system
  message, trusted); a model trained on refusal copies answers exactly the refusal sentence when its answer would come
  from a named source, and answers normally otherwise. With a tag-first scheme (`TagScheme(tag_first=True)`, the
  format the model was trained on, saved with it) the generator appends the trusted `<TAG>` to the prompt, the model
  writes its source token (only source tokens allowed) and then the refusal sentence or its answer; the shown text
  has the tag stripped and source / confidence are filled (provenance.tags.tag_first). A model whose output does not
  fit the scheme's format raises TagError instead of giving empty answers (tag-first scheme: every row ends right
  after the forced tag's source; DebugLM scheme: every row is only a tag).
* guard mode: generate in debug mode, trace the source, and replace the answer by the refusal sentence when the traced
  source is blocked (or, with `threshold`, when the blocked sources' total probability reaches it). Works with any
  tag-trained model, also one never trained on refusal copies.

Blocked sources come only from the operator (constructor arguments); user text cannot name or unname them because its
control-token strings are tokenised as plain text (see provenance.tags.prompts).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from provenance.errors import TagError
from provenance.tags.scheme import TagScheme
from provenance.tags.tag_first import generate_tag_first
from provenance.tags.tracer import generate_tagged, scheme_of

__all__ = ["GuardedGenerator", "GuardedOutput", "is_refusal", "MODES"]

MODES = ("guard", "trained")


def is_refusal(text: str, scheme: TagScheme) -> bool:
    """The answer starts with the scheme's refusal sentence (whitespace-normalised)."""
    return " ".join(text.split()).startswith(" ".join(scheme.refusal.split()))


@dataclass
class GuardedOutput:
    prompt: str
    text: str                       # what to show: the answer, or the refusal sentence
    refused: bool
    source: str | None              # traced source (None when the model did not tag, or refused in DebugLM format)
    confidence: dict = field(default_factory=dict)
    answer: str = ""                # the model's own answer (guard mode keeps it for audit even when refused)
    mode: str = "guard"

    def as_dict(self) -> dict:
        return {"prompt": self.prompt, "text": self.text, "refused": self.refused, "source": self.source,
                "confidence": self.confidence, "answer": self.answer, "mode": self.mode}


class GuardedGenerator:
    """`GuardedGenerator(model, tokenizer, scheme, blocked=["rtp"]).generate(prompts)` -> list of GuardedOutput.

    `tag_first` (optional) states the trained-mode format the caller expects; it must equal the scheme's (which
    `load_tagged` reads from the saved `tag_scheme.json`), else TagError.
    """

    def __init__(self, model, tokenizer, scheme: TagScheme | None = None, *, blocked=(), mode: str = "guard",
                 threshold: float | None = None, max_new_tokens: int = 64, batch_size: int = 16,
                 system: str | None = None, chat: bool = True, tag_first: bool | None = None):
        self.scheme = scheme_of(model, scheme)
        if tag_first is not None and tag_first != self.scheme.tag_first:
            raise TagError(f"tag_first={tag_first} but the model's tag scheme says tag_first={self.scheme.tag_first}: "
                           "trained mode must use the format the model was trained on")
        blocked = [blocked] if isinstance(blocked, str) else list(blocked)
        unknown = [s for s in blocked if s not in self.scheme.sources]
        if unknown:
            raise TagError(f"blocked sources {unknown} are not in the tag scheme {list(self.scheme.sources)}")
        if mode not in MODES:
            raise TagError(f"mode must be one of {MODES}, got {mode!r}")
        if threshold is not None and not 0.0 < float(threshold) <= 1.0:
            raise TagError(f"threshold must be in (0, 1], got {threshold}")
        self.model, self.tokenizer, self.blocked, self.mode = model, tokenizer, blocked, mode
        self.threshold = None if threshold is None else float(threshold)
        self.options = dict(max_new_tokens=max_new_tokens, batch_size=batch_size, system=system, chat=chat)

    def _blocked_by_guard(self, source, confidence) -> bool:
        if not self.blocked or source is None:
            return False
        if self.threshold is None:
            return source in self.blocked
        return sum(confidence.get(s, 0.0) for s in self.blocked) >= self.threshold

    def generate(self, prompts) -> list[GuardedOutput]:
        if self.mode == "guard":
            traced = generate_tagged(self.model, self.tokenizer, self.scheme, prompts, debug=True, require_tag=True,
                                     **self.options)
            out = []
            for r in traced:
                refused = self._blocked_by_guard(r.source, r.confidence)
                out.append(GuardedOutput(r.prompt, self.scheme.refusal if refused else r.answer, refused, r.source,
                                         r.confidence, r.answer, "guard"))
            return out
        if self.scheme.tag_first:
            out = []
            for r in generate_tag_first(self.model, self.tokenizer, self.scheme, prompts,
                                        blocked=self.blocked or None, **self.options):
                refused = is_refusal(r.answer, self.scheme)
                out.append(GuardedOutput(r.prompt, self.scheme.refusal if refused else r.answer, refused, r.source,
                                         r.confidence, r.answer, "trained"))
            return out
        generated = generate_tagged(self.model, self.tokenizer, self.scheme, prompts, debug=True,
                                    blocked=self.blocked or None, require_tag=False, **self.options)
        if generated and all(not r.answer and r.source is not None for r in generated):
            raise TagError("the model wrote its source tag before any answer on every prompt: it was trained in the "
                           "tag-first format; load its own tag_scheme.json or use TagScheme(tag_first=True)")
        out = []
        for r in generated:
            refused = is_refusal(r.answer, self.scheme)
            out.append(GuardedOutput(r.prompt, self.scheme.refusal if refused else r.answer, refused,
                                     None if refused else r.source, r.confidence, r.answer, "trained"))
        return out
