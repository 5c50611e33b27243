"""CaptureEngine's "constant" scale and reference capture, driven directly (no trainer): a custom DPO loop on logits."""
import pytest
import torch
import torch.nn.functional as F

from capture_reference import assert_matches
from hf_app import LAYERS, SIGS, dpo_reference, single_thread  # noqa: F401
from provenance.capture import CaptureEngine
from provenance.errors import CaptureConfigError, CaptureInputError
from provenance.models import tiny_causal_lm

pytestmark = pytest.mark.usefixtures("single_thread")
BETA = 0.3


def pairs(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        rand = lambda k: torch.randint(4, 120, (k,), generator=g).tolist()  # noqa: E731
        out.append((rand(int(torch.randint(3, 9, (1,), generator=g))), rand(int(torch.randint(1, 6, (1,), generator=g))),
                    rand(int(torch.randint(1, 6, (1,), generator=g)))))
    return out


def collate_pairs(batch):
    """Chosen rows then rejected rows, right-padded; labels -100 outside the completion (TRL's layout)."""
    seqs = [p + c for p, c, _ in batch] + [p + r for p, _, r in batch]
    plens = [len(p) for p, _, _ in batch] * 2
    T = max(map(len, seqs))
    ids = torch.zeros(len(seqs), T, dtype=torch.long)
    mask = torch.zeros_like(ids)
    labels = torch.full_like(ids, -100)
    for i, (s, pl) in enumerate(zip(seqs, plens)):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
        labels[i, pl:len(s)] = ids[i, pl:len(s)]
    return ids, mask, labels


def test_constant_scale_gives_each_pairs_own_dpo_gradient_on_the_logits_path():
    """A hand-written DPO step (mean over pairs, accumulation 2, fixed reference log-probs): stored gradients are
    those of each pair's own loss; the loss column is each row's mean response cross-entropy (from the logits)."""
    torch.manual_seed(0)
    model = tiny_causal_lm("qwen2", seed=0).train()
    data = pairs(5)
    ref_logps = torch.randn(5, 2) * 3 - 20
    engine = CaptureEngine(model, LAYERS).attach()
    rows = []
    for start, stop in ((0, 3), (3, 5)):
        batch = data[start:stop]
        n = len(batch)
        ids, mask, labels = collate_pairs(batch)
        pid = list(range(start, stop)) * 2
        engine.begin(labels=labels, input_ids=ids, attention_mask=mask, sample_ids=pid,
                     columns={"pair_id": pid, "role": ["chosen"] * n + ["rejected"] * n}, scale=1.0 / (n * 2))
        logits = model(input_ids=ids, attention_mask=mask).logits
        logp = torch.log_softmax(logits[:, :-1].float(), -1).gather(2, ids[:, 1:, None])[..., 0]
        logp = (logp * (labels[:, 1:] != -100)).sum(1)
        ref = torch.cat([ref_logps[start:stop, 0], ref_logps[start:stop, 1]])
        delta = (logp[:n] - ref[:n]) - (logp[n:] - ref[n:])
        (-F.logsigmoid(BETA * delta).mean() / 2).backward()
        rows.append(engine.end())
    engine.detach()
    model.zero_grad()
    for r in rows:
        for j, (pid, role) in enumerate(zip(r.columns["pair_id"], r.columns["role"])):
            p, c, rj = data[pid]
            sigs, _, nll, _ = dpo_reference(model, model, p, c, rj, beta=BETA, ref_logps=ref_logps[pid].tolist())
            got = {l: {k: r.signatures[l][k][j] for k in SIGS} for l in LAYERS}
            assert_matches(got, sigs[role], label=f"pair {pid} {role}")
            assert float(r.loss[j]) == pytest.approx(nll[role], rel=1e-4)


def test_reference_model_hooks_and_bad_arguments():
    model, ref = tiny_causal_lm("llama", seed=0).train(), tiny_causal_lm("llama", seed=3).eval()
    ids, mask, labels = collate_pairs(pairs(2, seed=1))
    engine = CaptureEngine(model, [2, 4], reference=ref).attach()
    assert engine.stored_signatures == SIGS + ("h_mean_ref",)
    engine.begin(labels=labels, input_ids=ids, attention_mask=mask, sample_ids=[0, 1, 0, 1], scale=0.5)
    model(input_ids=ids, attention_mask=mask).logits.sum().backward()
    rows = engine.end()  # no reference forward ran: nothing exact to store
    assert len(rows) == 0 and rows.skipped == {"no_reference_forward": 4}
    engine.begin(labels=labels, input_ids=ids, attention_mask=mask, sample_ids=[0, 1, 0, 1], scale=0.5)
    model(input_ids=ids, attention_mask=mask).logits.sum().backward()
    with torch.no_grad():
        hs = ref(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
    rows = engine.end()
    engine.detach()
    predicts = (labels[:, 1:] != -100).float()
    for layer in (2, 4):
        want = (predicts[:, :, None] * hs[layer][:, :-1]).sum(1) / predicts.sum(1, keepdim=True)
        assert torch.allclose(rows.signatures[layer]["h_mean_ref"], want, atol=1e-5)
    with pytest.raises(CaptureConfigError, match="reference must be"):
        CaptureEngine(model, [2], reference="ref")
    with pytest.raises(CaptureInputError, match="positive finite"):
        CaptureEngine(model, [2]).begin(labels=labels, input_ids=ids, sample_ids=[0, 1, 2, 3], scale=0.0)
