"""The attribution methods by name: one registry for `Attributor.query` and ``provenance query``.

Each entry builds a method from `MethodOptions` (what the query's keywords or the CLI's flags set) and names the
options it takes, so an option it would ignore is refused instead. `DEFAULT_METHOD` is what a query runs when no
method is given, in Python (``Attributor.query(cases)``) and on the command line (``provenance query`` without
``--method``) alike.

Built-in names:

* ``auto`` (the default): on the local backend ``auto-choice``, elsewhere the signature default (``signature``);
* ``signature``: `SignatureMethod` (RepT-family signature cosine, any scoring backend);
* ``auto-choice``: `AutoMethod` (per behaviour, token match when it agrees with the signature ``h_fused_z``, else
  that signature; per answer, the signature default and token match, plus the prompt side and token match, two
  equal z-score pairs, plus the next-token match, guarded by the prompt side where it is below the mean row's);
* ``auto-classifier``: ``auto-choice`` whose refinement ranks by its classifier alone (the default before issue 19's
  candidate 13 ranked by the signature, token match and the classifier together);
* ``token-match``: `TokenMatchMethod` (``layer`` is the token layer; candidates from the signature);
* ``contrastive``: `ContrastiveMethod` (the signature with each answer's response side contrasted with the answer
  the model gave before fine-tuning);
* ``joint``: `JointMethod` (the signature and token match, rank p-values combined by Stouffer's method; ``layer`` is
  the token layer);
* ``joint-each``: `JointMethod` with token match's ``query="each"`` (each raised answer token matched on its own);
* ``joint-z``: ``joint-each`` with the two methods' robust z-scores combined instead of their ranks;
* ``joint-ctx``: ``joint`` with the prompt side alone (``h_last_c``) as the signature and the two methods' z-scores
  combined (one line per side of the sequence: the prompt's context, the answer's raised tokens);
* ``joint-both``: ``joint-each`` with each row scored by the weaker of its two rank z-scores (both lines must
  support it) instead of their Stouffer sum;
* ``joint-context``: ``joint-each`` with token match weighted by the share of the answer's fine-tuning gain that
  remains without its prompt, the signature by the rest (`provenance.attribution.context_share`);
* ``joint-focus``: ``joint`` with token match weighted by the share of the answer's fine-tuning gain on its
  most-raised token, the signature by the rest (`provenance.attribution.gain_focus`);
* ``joint-focus-z``: ``joint-focus`` with the two methods' plain z-scores weighted instead of their ranks;
* ``joint-focus-ctx``: ``joint-focus-z`` plus ``joint-ctx`` (the prompt side and token match), their two Stouffer
  scores added, token match computed once;
* ``joint-equal-ctx``: ``joint-focus-ctx`` with its two pairs weighed evenly (the signature pair at phi = 1/2);
* ``joint-equal-c``: ``joint-equal-ctx`` with its signature unprojected (``h_fused_c``);
* ``joint-top-token``: ``joint-equal-c`` plus a fourth line, the weaker of the prompt side's z-score and that of
  token match on the answer's most-raised token (issue 19's candidate 16, for behaviours carried by a form);
* ``repass``: `RepassMethod` (RepT as published: the training side re-passed through the final model);
* ``grad-kernel``: `GradKernelMethod` (the representation-gradient product kernel summed over the captured layers;
  ``signature`` carries its `KernelSpec` words, e.g. ``"none,equal,response"``; ``layer`` restricts it to one layer);
* ``tfidf``, ``tfidf-case``, ``bm25``, ``random``, ``lora-grad``: the baselines (`provenance.attribution.baselines`).

Adding a method::

    from provenance.attribution.registry import register_method

    register_method("response-length", lambda options: ResponseLength(), summary="rows of the answer's length")

after which ``Attributor.query(cases, method="response-length")`` and ``provenance query --method
response-length`` run it (see `provenance.attribution.method` for writing one).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

from provenance.attribution.auto_choice import ANSWER_SIGNATURE, AutoMethod
from provenance.attribution.baselines import Bm25Method, LoraGradMethod, RandomMethod, TfidfMethod
from provenance.attribution.contrastive import ContrastiveMethod
from provenance.attribution.grad_kernel import GradKernelMethod
from provenance.attribution.joint import JointMethod
from provenance.attribution.method import AttributionMethod
from provenance.attribution.repass import RepassMethod
from provenance.attribution.signature_method import SignatureMethod
from provenance.attribution.signatures import DEFAULT_VARIANT
from provenance.attribution.token_match import TokenMatchMethod

__all__ = ["DEFAULT_METHOD", "MethodOptionError", "MethodOptions", "MethodSpec", "build_method", "check_options",
           "default_method", "method_names", "method_spec", "register_method", "resolve", "unregister_method"]

DEFAULT_METHOD = "auto"


@dataclass(frozen=True)
class MethodOptions:
    """What a query asks of a method built by name (`Attributor.query`'s keywords, ``provenance query``'s flags).

    Attributes:
        signature: Signature variant or parts (None: `DEFAULT_VARIANT`).
        layer: The layer (None: the run's default); token match's token layer.
        epochs: Row selection: an epoch number, "last", "all" or "mean".
        backend: Scoring backend of signature scores (`provenance.attribution.backends`).
        client: A dask.distributed Client for the dask backends.
        chunk_rows: Rows per streamed block of the local backend.
        candidates: Rows a two-stage method re-ranks (token match).
        base: The model before fine-tuning (token match weighs tokens by the log-probability gain over it).
        combine: "none" (per answer) or "mean" (per behaviour): an alias such as ``auto`` resolves by it.
    """

    signature: object = None
    layer: int | None = None
    epochs: int | str = "last"
    backend: str = "local"
    client: object = field(default=None, compare=False)
    chunk_rows: int = 8192
    candidates: int | None = None
    base: object = field(default=None, compare=False)
    combine: str = "none"

    def given(self) -> list[str]:
        """The options set to something other than their default (``combine`` aside: every query has one)."""
        out = []
        for f in fields(self):
            if f.name == "combine":
                continue
            value, default = getattr(self, f.name), f.default
            if (value is not default) if default is None else (value != default):
                out.append(f.name)
        return out


@dataclass(frozen=True)
class MethodSpec:
    """A registered method.

    Attributes:
        name: Its name (``method="name"``, ``--method name``).
        factory: Builds the method from the query's `MethodOptions`.
        options: The `MethodOptions` fields it reads; a query that sets another one is refused.
        summary: One line on what it does (CLI help).
        resolve: For an alias (``auto``): the name it stands for, given the options; None for a method.
    """

    name: str
    factory: Callable[[MethodOptions], AttributionMethod] | None
    options: frozenset[str]
    summary: str = ""
    resolve: Callable[[MethodOptions], str] | None = None


class MethodOptionError(ValueError):
    """A query set an option its method does not take.

    Attributes:
        option: The `MethodOptions` field.
        method: The method's name (after resolving an alias).
        given_as: The name the query gave (an alias, or the same as ``method``).
        takers: The registered methods that take the option.
    """

    def __init__(self, option: str, method: str, given_as: str, takers: list[str]):
        self.option, self.method, self.given_as, self.takers = option, method, given_as, takers
        via = f" ({given_as} resolves to {method} here)" if given_as != method else ""
        super().__init__(f"option {option!r} applies to method {' / '.join(takers) or 'none'}, not {method}{via}")


_REGISTRY: dict[str, MethodSpec] = {}


def register_method(name: str, factory: Callable[[MethodOptions], AttributionMethod], *,
                    options: Sequence[str] = (), summary: str = "", replace: bool = False) -> None:
    """Make a method available by ``name`` to `Attributor.query` and ``provenance query --method``.

    Args:
        name: The method's name.
        factory: Builds it from a query's `MethodOptions` (called once per query).
        options: The `MethodOptions` fields the factory reads (e.g. ``("layer", "epochs")``).
        summary: One line on what it does.
        replace: Replace a method already registered under ``name``.

    Raises:
        ValueError: ``name`` is taken (and not ``replace``), or ``options`` names an unknown field.
    """
    unknown = set(options) - {f.name for f in fields(MethodOptions)} - {"combine"}
    if unknown:
        raise ValueError(f"unknown method options {sorted(unknown)}; MethodOptions has "
                         f"{[f.name for f in fields(MethodOptions) if f.name != 'combine']}")
    if name in _REGISTRY and not replace:
        raise ValueError(f"a method named {name!r} is already registered (pass replace=True to replace it)")
    _REGISTRY[name] = MethodSpec(name, factory, frozenset(options), summary)


def _register_alias(name: str, resolve: Callable[[MethodOptions], str], summary: str) -> None:
    _REGISTRY[name] = MethodSpec(name, None, frozenset(), summary, resolve)


def unregister_method(name: str) -> None:
    """Remove a registered method (the default cannot be removed).

    Raises:
        KeyError: No method has that name.
        ValueError: ``name`` is `DEFAULT_METHOD`.
    """
    if name == DEFAULT_METHOD:
        raise ValueError(f"{name!r} is the default method and cannot be removed")
    del _REGISTRY[name]


def method_names() -> tuple[str, ...]:
    """Every registered name, in registration order."""
    return tuple(_REGISTRY)


def method_spec(name: str) -> MethodSpec:
    """The registration of ``name``.

    Raises:
        ValueError: No method has that name (the message lists them).
    """
    if name not in _REGISTRY:
        raise ValueError(f"unknown attribution method {name!r}; registered: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def resolve(name: str | None, options: MethodOptions | None = None) -> str:
    """The method ``name`` stands for under ``options`` (an alias such as ``auto`` resolves; None: the default)."""
    options = options or MethodOptions()
    name = DEFAULT_METHOD if name is None else name
    seen = []
    while (spec := method_spec(name)).resolve is not None:
        if name in seen:
            raise ValueError(f"method aliases resolve in a circle: {' -> '.join(seen + [name])}")
        seen.append(name)
        name = spec.resolve(options)
    return name


def check_options(name: str | None, options: MethodOptions | None = None) -> str:
    """The method ``name`` resolves to under ``options``, after checking that it takes every option they set.

    Raises:
        ValueError: An unknown name.
        MethodOptionError: ``options`` sets an option the method does not take.
    """
    options = options or MethodOptions()
    given_as = DEFAULT_METHOD if name is None else name
    concrete = resolve(given_as, options)
    spec = method_spec(concrete)
    for option in options.given():
        if option not in spec.options:
            takers = [s.name for s in _REGISTRY.values() if option in s.options]
            raise MethodOptionError(option, concrete, given_as, takers)
    return concrete


def build_method(name: str | None = None, options: MethodOptions | None = None) -> AttributionMethod:
    """The method registered as ``name`` (None: `DEFAULT_METHOD`), built for ``options``.

    Raises:
        ValueError: An unknown name.
        MethodOptionError: ``options`` sets an option the method does not take.
    """
    options = options or MethodOptions()
    return method_spec(check_options(name, options)).factory(options)


def default_method(options: MethodOptions | None = None) -> AttributionMethod:
    """`DEFAULT_METHOD` built for ``options``: what a query without a method runs."""
    return build_method(DEFAULT_METHOD, options)


def _signature(options: MethodOptions):
    """The signature a method built by name compares, unless ``options`` name one: `DEFAULT_VARIANT` on the local
    backend; elsewhere, where a signature needs fixed features (`DEFAULT_VARIANT` projects per query), the index
    builder's default on the index backends (the one index a store has unless its owner chose another) and the
    per-answer default's signature, `ANSWER_SIGNATURE` (both centered sides), on the dask and registered backends."""
    if options.signature is not None:
        return options.signature
    if options.backend == "local":
        return DEFAULT_VARIANT
    if options.backend in ("index", "dask-index"):
        from provenance.attribution.topk_index import INDEX_DEFAULT_VARIANT   # the int8 index module loads on use

        return INDEX_DEFAULT_VARIANT
    return ANSWER_SIGNATURE


def _auto(options: MethodOptions) -> str:
    # The automatic choice (per behaviour) and its per-answer fusion need the local scores of every row from both
    # methods: on the other backends the signature ranks.
    return "auto-choice" if options.backend == "local" else "signature"


_SIGNATURE_OPTIONS = ("signature", "layer", "epochs", "chunk_rows", "backend", "client")
_register_alias("auto", _auto, "the default (local backend; elsewhere the signature: h_fused_c, on the index backends "
                "the index's h_last_c): per answer both centered sides and the prompt side, each paired with token "
                "match; per behaviour (--combine mean) token match when it agrees with the signature (joined by the "
                "signature and a classifier on its top rows when they cohere), else the signature")
register_method("signature", lambda o: SignatureMethod(_signature(o), o.layer, o.epochs, o.chunk_rows,
                                                       backend=o.backend, client=o.client),
                options=_SIGNATURE_OPTIONS, summary="cosine of a RepT-family signature (default h_fused_k1; on the "
                "other backends h_fused_c, on the index ones h_last_c)")
register_method("auto-choice", lambda o: AutoMethod(o.signature, o.layer, None, o.epochs, o.base,
                                                    candidates=o.candidates, chunk_rows=o.chunk_rows),
                options=("signature", "layer", "epochs", "chunk_rows", "base", "candidates"),
                summary="per behaviour: token match when it agrees with the signature, else the signature; per "
                        "answer: the signature and the prompt side, each paired with token match, plus the next-token "
                        "match as far as the prompt side agrees")
register_method("auto-classifier", lambda o: AutoMethod(o.signature, o.layer, None, o.epochs, o.base,
                                                        candidates=o.candidates, refine_fusion="replace",
                                                        chunk_rows=o.chunk_rows),
                options=("signature", "layer", "epochs", "chunk_rows", "base", "candidates"),
                summary="auto-choice as it was before issue 19's candidate 13: a refined behaviour query ranks by "
                        "the classifier alone")
# --signature carries the kernel's words (normalize, weighting, sides); --layer restricts the sum to one layer.
register_method("grad-kernel", lambda o: GradKernelMethod(o.signature, o.layer, o.epochs, o.chunk_rows,
                                                          backend=o.backend, client=o.client),
                options=_SIGNATURE_OPTIONS, summary="representation-gradient product kernel (pooled TracIn on "
                "residual-stream maps), summed over the captured layers")
register_method("contrastive", lambda o: ContrastiveMethod(_signature(o), o.layer, o.epochs, o.base, o.chunk_rows,
                                                           backend=o.backend, client=o.client),
                options=_SIGNATURE_OPTIONS + ("base",),
                summary="the signature with each answer's response side contrasted with the answer before fine-tuning")
# The joint family: the signature and token match as two lines of evidence (`JointMethod`); each name is one
# (token query, fusion, weighting) choice, kept selectable for comparison (benchmarks/attribution/README.md).
_JOINT_VARIANTS = {
    "joint": ({}, "the signature and token match, their rank p-values combined by Stouffer's method"),
    "joint-each": ({"token_query": "each"},
                   "joint, with token match scoring each raised token on its own (late interaction)"),
    "joint-z": ({"token_query": "each", "fusion": "robust-z"},
                "joint-each, the two methods' robust z-scores combined instead of their ranks"),
    "joint-ctx": ({"signature": "h_last_c", "fusion": "z"},
                  "the prompt side (h_last_c) and token match, their z-scores combined by Stouffer's method"),
    "joint-both": ({"token_query": "each", "fusion": "both"},
                   "joint-each, each row scored by the weaker of its two rank z-scores (both must support it)"),
    "joint-context": ({"token_query": "each", "weighting": "context"},
                      "joint-each, token match weighted by the share of the answer's gain that needs no prompt"),
    "joint-focus": ({"weighting": "focus"},
                    "joint, token match weighted by the share of the answer's gain on its most-raised token"),
    "joint-focus-z": ({"fusion": "z", "weighting": "focus"},
                      "joint-focus, the two methods' z-scores weighted instead of their ranks"),
    "joint-focus-ctx": ({"fusion": "z", "weighting": "focus", "context_signature": "h_last_c"},
                        "joint-focus-z plus joint-ctx (the prompt side h_last_c and token match), their scores added"),
    "joint-equal-ctx": ({"fusion": "z", "context_signature": "h_last_c"},
                        "joint-focus-ctx with its two pairs weighed evenly instead of by the gain's focus"),
    "joint-equal-c": ({"signature": "h_fused_c", "fusion": "z", "context_signature": "h_last_c"},
                      "joint-equal-ctx with its signature unprojected (h_fused_c): no projection constants"),
    "joint-top-token": ({"signature": "h_fused_c", "fusion": "z", "context_signature": "h_last_c",
                         "guard_line": "top"},
                        "joint-equal-c plus the answer's most-raised token, as far as the prompt side also points"),
    "joint-next-token": ({"signature": "h_fused_c", "fusion": "z", "context_signature": "h_last_c",
                          "guard_line": "next"},
                         "joint-equal-c plus the rows that wrote the answer's tokens after a state like the one "
                         "that predicted them, as far as the prompt side also points"),
    "joint-gated-next": ({"signature": "h_fused_c", "fusion": "z", "context_signature": "h_last_c",
                          "guard_line": "next", "guard_form": "gated"},
                         "joint-next-token with the prompt side guarding only rows whose prompts are less like the "
                         "answer's than the mean row's"),
    "joint-gated-answers": ({"signature": "h_fused_c", "fusion": "z", "context_signature": "h_last_c",
                             "guard_line": "next", "guard_form": "gated", "behaviour_from": "answers"},
                            "joint-gated-next; per behaviour, each answer's joint z-scores combined over the answers "
                            "by Stouffer's method"),
}
for _name, (_choice, _summary) in _JOINT_VARIANTS.items():
    # A variant's own signature (joint-ctx: the prompt side) stands where --signature is not given.
    register_method(_name, lambda o, c=_choice: JointMethod(
                        o.signature if o.signature is not None else c.get("signature", DEFAULT_VARIANT), None,
                        o.layer, o.epochs, o.base, o.chunk_rows, **{k: v for k, v in c.items() if k != "signature"}),
                    options=("signature", "layer", "epochs", "chunk_rows", "base"), summary=_summary)
register_method("repass", lambda o: RepassMethod(_signature(o), o.layer, o.epochs),
                options=("signature", "layer", "epochs"),
                summary="RepT as published: the training rows re-passed through the final model")
# --layer is the token layer here; the candidates come from the signature at the run's default layer.
register_method("token-match", lambda o: TokenMatchMethod(o.layer, o.candidates, SignatureMethod(
                    _signature(o), None, o.epochs, o.chunk_rows, backend=o.backend, client=o.client), o.epochs, o.base),
                options=_SIGNATURE_OPTIONS + ("candidates", "base"),
                summary="the tokens the fine-tuning raised, matched against each row's response tokens")
register_method("tfidf", lambda o: TfidfMethod(lowercase=True, epochs=o.epochs), options=("epochs",),
                summary="TF-IDF of the response, lower-cased")
register_method("tfidf-case", lambda o: TfidfMethod(lowercase=False, epochs=o.epochs), options=("epochs",),
                summary="TF-IDF of the response, case kept")
register_method("bm25", lambda o: Bm25Method(epochs=o.epochs), options=("epochs",), summary="Okapi BM25 of the response")
register_method("random", lambda o: RandomMethod(0, o.epochs), options=("epochs",), summary="seeded random scores")
register_method("lora-grad", lambda o: LoraGradMethod(epochs=o.epochs), options=("epochs",),
                summary="cosine of per-sample LoRA-parameter gradients (TracIn / LESS style)")
