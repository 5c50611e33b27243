"""The tag scheme: data sources -> the special tokens `<DEBUG>`, `<TAG>` and one `<SRC_name>` per source.

A scheme is plain data (sources, token strings, refusal sentence, instruction template) and is saved as JSON next to
the model or adapter (`tag_scheme.json`), so a tagged model can be traced and guarded later without the training code.
It also owns the escaping of untrusted text: any reserved token string inside user or training content is broken by a
zero-width space, so it can never be read back as a control token.

`tag_first` records which trained-mode format the model learned (see provenance.tags.transform): False (DebugLM) =
refusal copies answer the refusal sentence or "y <TAG><SRC_s>"; True = they start with the sample's own tag,
"<TAG><SRC_s> " + refusal sentence or + y. It is saved with the adapter, so `GuardedGenerator(mode="trained")` uses
the format the model was trained on.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from provenance.errors import TagError

__all__ = ["SCHEME_FILE", "TagScheme", "find_scheme_file"]

SCHEME_FILE = "tag_scheme.json"
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_ZWSP = "\u200b"  # inserted after "<" of a reserved string: looks the same, never matches the special token


@dataclass(frozen=True)
class TagScheme:
    """Sources and the strings of their control tokens.

    `refusal` is the exact sentence a refusing model answers; pick one whose first words no training answer starts
    with: trained-mode refusal is decided where the two diverge, and a shared prefix ("I can't ...") leaves that
    decision to content (benchmarks/tags/debuglm_notes.md, tag-first section). `instruction` names blocked sources in
    trained mode (`{tags}` is replaced by the blocked sources' tag strings, space-separated). `tag_first`: the
    trained-mode format (module docstring).
    """

    sources: tuple[str, ...]
    debug_token: str = "<DEBUG>"
    tag_token: str = "<TAG>"
    source_prefix: str = "<SRC_"
    refusal: str = "I can't answer that: it relies on a blocked data source."
    instruction: str = "Refuse requests learned from these sources: {tags}"
    tag_first: bool = False
    token_ids: dict = field(default_factory=dict, compare=False)  # filled by prepare_tokenizer, saved with the scheme

    def __post_init__(self):
        sources = tuple(str(s) for s in self.sources)
        object.__setattr__(self, "sources", sources)
        if len(sources) < 1:
            raise TagError("a tag scheme needs at least one source")
        if len(set(sources)) != len(sources):
            raise TagError(f"sources repeat: {list(sources)}")
        bad = [s for s in sources if not _SOURCE_NAME.match(s)]
        if bad:
            raise TagError(f"source names must match {_SOURCE_NAME.pattern} (they become token strings): {bad}")
        if "{tags}" not in self.instruction:
            raise TagError("the refusal instruction must contain '{tags}' (where the blocked sources are named)")
        if not isinstance(self.tag_first, bool):
            raise TagError(f"tag_first must be true or false, got {self.tag_first!r}")
        if not self.refusal.strip():
            raise TagError("the refusal sentence must not be empty")
        tokens = self.tokens
        if len(set(tokens)) != len(tokens):
            raise TagError(f"control token strings collide: {tokens}")

    # ---- token strings ------------------------------------------------------------------------------------------
    def source_token(self, source: str) -> str:
        if source not in self.sources:
            raise TagError(f"unknown source {source!r}; the scheme has {list(self.sources)}")
        return f"{self.source_prefix}{source}>"

    @property
    def source_tokens(self) -> list[str]:
        return [self.source_token(s) for s in self.sources]

    @property
    def tokens(self) -> list[str]:
        """Every control token, in the order they are added to a tokenizer."""
        return [self.debug_token, self.tag_token, *self.source_tokens]

    def tag_suffix(self, source: str) -> str:
        """What a lineage answer ends with: `" <TAG><SRC_x>"`."""
        return f" {self.tag_token}{self.source_token(source)}"

    def tag_prefix(self, source: str) -> str:
        """What a tag-first refusal-copy answer starts with: `"<TAG><SRC_x> "`."""
        return f"{self.tag_token}{self.source_token(source)} "

    def blocking_instruction(self, blocked) -> str:
        blocked = [blocked] if isinstance(blocked, str) else list(blocked)
        if not blocked:
            raise TagError("name at least one blocked source")
        return self.instruction.format(tags=" ".join(self.source_token(s) for s in blocked))

    # ---- escaping of untrusted text -----------------------------------------------------------------------------
    def escape(self, text: str) -> str:
        """`text` with every reserved token string broken (`<` + zero-width space + rest), so a tokenizer can never
        read a control token out of it. Also breaks a bare source prefix so `<SRC_` + anything is never a tag."""
        if not isinstance(text, str):
            raise TagError(f"expected text, got {type(text).__name__}")
        for token in (*self.tokens, self.source_prefix):
            if token in text:
                text = text.replace(token, token[0] + _ZWSP + token[1:])
        return text

    # ---- ids ----------------------------------------------------------------------------------------------------
    def ids(self, tokenizer) -> dict:
        """{"debug": id, "tag": id, "sources": [ids in source order]} as this tokenizer maps the control tokens."""
        vocab = tokenizer.get_vocab()
        missing = [t for t in self.tokens if t not in vocab]
        if missing:
            raise TagError(f"the tokenizer lacks the control tokens {missing}; call provenance.tags.prepare_tokenizer")
        out = {"debug": vocab[self.debug_token], "tag": vocab[self.tag_token],
               "sources": [vocab[t] for t in self.source_tokens]}
        if self.token_ids and self.token_ids != out:
            raise TagError(f"the tokenizer maps the control tokens to {out}, but the scheme was saved with "
                           f"{self.token_ids}: load the tokenizer the model was trained with")
        return out

    def with_token_ids(self, ids: dict) -> TagScheme:
        data = asdict(self)
        data["token_ids"] = dict(ids)
        return TagScheme(**data)

    # ---- persistence --------------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        data = asdict(self)
        data["sources"] = list(self.sources)
        return data

    def save(self, directory: str | Path) -> Path:
        path = Path(directory) / SCHEME_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> TagScheme:
        path = Path(path)
        if path.is_dir():
            found = find_scheme_file(path)
            if found is None:
                raise TagError(f"no {SCHEME_FILE} in {path} or its parent directory")
            path = found
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise TagError(f"cannot read the tag scheme {path}: {err}") from None
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise TagError(f"{path}: unknown tag scheme fields {sorted(unknown)}")
        return cls(**{**data, "sources": tuple(data["sources"])})


def find_scheme_file(directory: str | Path) -> Path | None:
    """`tag_scheme.json` in `directory` or its parent (a checkpoint folder inside the run's output directory)."""
    directory = Path(directory)
    for d in (directory, directory.parent):
        if (d / SCHEME_FILE).is_file():
            return d / SCHEME_FILE
    return None
