"""Control tokens under LoRA: rows are initialised deterministically, train, are saved with the adapter and reload to
identical logits (tied and untied embeddings)."""
import pytest
import torch
from safetensors.torch import load_file

from provenance.errors import TagError
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.tags import (TagScheme, load_tagged, prepare_model, prepare_tokenizer, save_tagged, tag_lora_config,
                             trainable_token_indices)

NEW = [109, 110, 111, 112]  # <DEBUG>, <TAG>, <SRC_a>, <SRC_b> in the tiny tokenizer


from hf_app import single_thread  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures("single_thread")


def base(tied: bool):
    return tiny_causal_lm("llama", seed=0, tie_word_embeddings=tied)


def prepared(tied: bool):
    tok = tiny_tokenizer()
    scheme = prepare_tokenizer(tok, TagScheme(sources=("a", "b")))
    model = prepare_model(base(tied), tok, scheme)
    return model, tok, scheme


def test_prepare_initialises_rows_from_names_and_grows_the_vocabulary():
    model, tok, scheme = prepared(tied=False)
    assert scheme.token_ids == {"debug": 109, "tag": 110, "sources": [111, 112]} and len(tok) == 113
    emb = model.get_input_embeddings().weight
    original = base(False).get_input_embeddings().weight
    # "<SRC_a>" starts at the mean embedding of the characters of " a", "<TAG>" at that of " source".
    assert torch.allclose(emb[111], original[tok(" a")["input_ids"]].mean(0))
    assert torch.allclose(emb[110], original[tok(" source")["input_ids"]].mean(0))
    assert torch.equal(emb[:109], original[:109]) and torch.equal(emb[113:], original[113:])
    # A vocabulary smaller than the tokenizer grows; mean init fills every new row with the mean of the old ones.
    tok2 = tiny_tokenizer()
    scheme2 = prepare_tokenizer(tok2, TagScheme(sources=tuple(f"s{i}" for i in range(20))))
    small = prepare_model(base(False), tok2, scheme2, init="mean")
    assert small.get_input_embeddings().weight.shape[0] == len(tok2) == 131
    assert small.get_output_embeddings().weight.shape[0] == 131
    assert torch.allclose(small.get_input_embeddings().weight[130], original[:109].mean(0), atol=1e-6)
    with pytest.raises(TagError, match="lacks the control tokens"):
        TagScheme(sources=("a",)).ids(tiny_tokenizer())


def train_steps(model, steps=3):
    """A few steps on sequences that end in a tag, so the control-token rows get gradients."""
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.05)
    ids = torch.tensor([[109, 40, 41, 42, 110, 111, 3], [109, 50, 51, 52, 110, 112, 3]])
    for _ in range(steps):
        loss = model(input_ids=ids, labels=ids).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    return ids


@pytest.mark.parametrize("tied", [True, False])
def test_token_rows_train_and_reload_with_the_adapter(tmp_path, tied):
    from peft import get_peft_model

    model, tok, scheme = prepared(tied)
    assert trainable_token_indices(model, tok, scheme) == (
        [109, 110, 111, 112] if tied else {"embed_tokens": NEW, "lm_head": NEW})
    before_emb = model.get_input_embeddings().weight.detach().clone()
    before_head = model.get_output_embeddings().weight.detach().clone()
    peft_model = get_peft_model(model, tag_lora_config(model, tok, scheme, r=4))
    ids = train_steps(peft_model)
    peft_model.eval()

    merged_emb = peft_model.get_input_embeddings().weight.detach()
    merged_head = peft_model.get_output_embeddings().weight.detach()
    assert not torch.allclose(merged_emb[NEW], before_emb[NEW])              # the new rows trained
    assert torch.equal(merged_emb[:109], before_emb[:109])                   # the old rows did not
    assert not torch.allclose(merged_head[NEW], before_head[NEW])
    if tied:
        assert torch.equal(merged_head[NEW], merged_emb[NEW])                # one matrix, mirrored into the head

    save_tagged(peft_model, tok, scheme, tmp_path / "adapter")
    keys = load_file(str(tmp_path / "adapter" / "adapter_model.safetensors")).keys()
    token_keys = sorted(k for k in keys if "trainable_tokens_delta" in k)
    assert len(token_keys) == (1 if tied else 2)                            # tied: saved once, with the embedding

    base_dir = tmp_path / "base"
    base(tied).save_pretrained(str(base_dir))
    tiny_tokenizer().save_pretrained(str(base_dir))
    reloaded, tok2, scheme2 = load_tagged(str(base_dir), tmp_path / "adapter")
    assert scheme2 == scheme and scheme2.token_ids == scheme.token_ids
    with torch.no_grad():
        want = peft_model(input_ids=ids).logits
        got = reloaded(input_ids=ids).logits
    assert torch.equal(got, want)                                           # identical, also on the new tokens
    assert torch.equal(got[..., NEW], want[..., NEW])
    assert torch.equal(reloaded.get_input_embeddings().weight[NEW], merged_emb[NEW])
