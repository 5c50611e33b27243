"""TRL's DPOTrainer under FSDP2 (accelerate, two CPU processes on gloo): every stored pair is exact and aligned.

tests/scripts/train_dpo_fsdp.py trains `dpo_fsdp_app.dpo_trainer` sharded per decoder layer (accelerate's FSDP2 path,
let on CPU by tests/accelerate_cpu_fsdp.py), learning rate 0, 8 pairs, 2 epochs, 2 pairs per micro-batch per rank,
accumulation 2. The test rebuilds the same trainer unsharded (same weights: checked by a fingerprint) and compares
every stored row with `hf_app.dpo_reference`, the pair's own sigmoid DPO loss on one pair at batch size 1 through
autograd: g cosine >= 0.999 and norm ratio within 1 %, h and the reference activations `h_mean_ref` within 1e-5 (fp32
throughout; the rows are stored as float32), the loss column (the row's mean response cross-entropy) within 1e-4
relative. Two references: the policy with its LoRA adapter disabled, and a separate `ref_model` that TRL shards too.

bf16 (`bf16=True`: accelerate's FSDP2 MixedPrecisionPolicy with bf16 parameters, reduction and outputs, and bf16
autocast): every row is compared with one pair alone through TRL's own loss (`compute_loss`, the code the training
step runs) on the unsharded model computing as the run does (parameters cast to bf16, buffers float32, bf16
autocast); see that test for the tolerances.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from capture_reference import assert_matches
from provenance.capture import find_layout
from dpo_fsdp_app import BETA, LAYERS, dpo_trainer, fingerprint
from hf_app import captured, dpo_reference
from provenance import open_store

pytestmark = pytest.mark.slow
trl = pytest.importorskip("trl")

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_dpo_fsdp.py"
SIGS = ("h_last", "g_last", "h_mean", "g_mean")
PAIRS, EPOCHS = 8, 2


def _train(tmp_path, reference: str, *extra: str) -> dict:
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1", TQDM_DISABLE="1")
    # --standalone: a rendezvous on a free port, not the fixed 29500 that a launch in the other test worker may hold.
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(SCRIPT),
           "--store", str(tmp_path / "s.zarr"), "--out", str(tmp_path / "out"), "--pairs", str(PAIRS),
           "--epochs", str(EPOCHS), "--reference", reference, *extra]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=400)
    output = proc.stdout.decode(errors="replace")
    assert proc.returncode == 0, output[-3000:]
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _pairs(df) -> dict:
    """{(pair id, epoch): (chosen row, rejected row)}: each stored pair complete, on one rank, in one step."""
    out = {}
    for (pid, epoch), group in df.groupby(["pair_id", "epoch"]):
        assert sorted(group.role) == ["chosen", "rejected"], f"pair {pid} epoch {epoch}: roles {list(group.role)}"
        chosen, rejected = group.index[group.role == "chosen"][0], group.index[group.role == "rejected"][0]
        assert df.sample_id[chosen] == df.sample_id[rejected] == pid
        for column in ("rank", "step", "source"):
            assert df[column][chosen] == df[column][rejected], f"pair {pid} epoch {epoch}: {column} differs"
        out[(pid, epoch)] = (chosen, rejected)
    return out


# Per-token states at layer 2 (which holds signatures too) and layer 3 (token states alone; "auto" picks it: 3/4 of
# the 4 blocks). With the adapter-disabled reference, the reference forward's hook at layer 3 used to count as a
# reference layer, so every row was skipped as "no_reference_forward" and the store had no layers.
TOKEN_LAYERS = [2, 3]


@pytest.mark.parametrize(("reference", "model", "attr", "token_layers"), [
    ("adapter", "FSDPPeftModel", "reference_forward: PEFT adapters disabled", None),
    ("model", "FSDPLlamaForCausalLM", "reference_forward: ref_model", None),
    ("adapter", "FSDPPeftModel", "reference_forward: PEFT adapters disabled", TOKEN_LAYERS),
], ids=["adapter", "model", "adapter-token-states"])
def test_fsdp2_dpo_pairs_match_the_unsharded_batch_size_1_reference(tmp_path, reference, model, attr, token_layers):
    """Token states (third case): each row's states, at every real token, equal the policy's hidden states on the
    row's sequence alone (batch size 1, unsharded) within atol 1e-5, rtol 1e-4 (fp32, stored as float32)."""
    ran = _train(tmp_path, reference, *(("--token-layers", json.dumps(token_layers)) if token_layers else ()))
    assert ran["model"] == model and ran["sharding"] == "fsdp2" and ran["fsdp_blocks"] == 4
    if reference == "model":  # TRL sharded the reference model too (its root only), and capture hooked it there
        assert ran["ref_model"] == "FSDPLlamaForCausalLM"

    reader = open_store(str(tmp_path / "s.zarr"))
    attrs = reader.run_attrs
    assert attrs["world_size"] == 2 and attrs["sharding"] == "fsdp2" and attrs["trainer"] == "DPOTrainer"
    assert attrs["objective"] == "dpo" and attrs["reference_activations"] == attr
    assert reader.layers == LAYERS and reader.skipped == {}
    assert reader.token_state_layers == (token_layers or [])
    assert reader.committed == {0: PAIRS * EPOCHS, 1: PAIRS * EPOCHS}  # each rank: half the pairs, two rows each
    df = reader.samples()
    pairs = _pairs(df)
    states = {layer: reader.token_states(layer, list(range(len(df)))) for layer in token_layers or ()}
    # Every (pair, epoch) exactly once, and each epoch's pairs split between the ranks.
    assert sorted(pairs) == sorted((f"pair-{i}", e) for i in range(PAIRS) for e in range(EPOCHS))
    for epoch in range(EPOCHS):
        per_rank = df[(df.epoch == epoch) & (df.role == "chosen")].groupby("rank").pair_id.apply(set)
        assert len(per_rank[0]) == len(per_rank[1]) == PAIRS // 2 and per_rank[0].isdisjoint(per_rank[1])

    # The same trainer unsharded: the examples as TRL prepared them, the policy and its reference (same weights).
    unsharded = dpo_trainer(tmp_path / "ref", reference=reference, pairs=PAIRS, fsdp=False)
    assert fingerprint(unsharded.model) == pytest.approx(ran["weights"], rel=1e-12)
    policy = unsharded.model
    ref = unsharded.ref_model if reference == "model" else policy.disable_adapter
    prepared = {row["sample_id"]: row for row in unsharded.train_dataset}
    arrays, references = {}, {}
    for (pid, epoch), rows in pairs.items():
        ex = prepared[pid]
        if pid not in references:
            references[pid] = dpo_reference(policy, ref, ex["prompt_ids"], ex["chosen_ids"], ex["rejected_ids"],
                                            beta=BETA, layers=LAYERS)
        sigs, ref_h, nll, _ = references[pid]
        for role, row in zip(("chosen", "rejected"), rows):
            label = f"{pid} epoch {epoch} {role}"
            assert list(reader.tokens(row)) == ex["prompt_ids"] + ex[f"{role}_ids"], label
            assert df.prompt_len[row] == len(ex["prompt_ids"])
            assert df.loss[row] == pytest.approx(nll[role], rel=1e-4), label
            got = captured(reader, row, layers=LAYERS, names=SIGS + ("h_mean_ref",), arrays=arrays)
            assert_matches({l: {n: got[l][n] for n in SIGS} for l in LAYERS}, sigs[role], h_atol=1e-5, g_cos=0.999,
                           g_ratio=0.01, label=label)
            assert_matches({l: {"h_mean_ref": got[l]["h_mean_ref"]} for l in LAYERS},
                           {l: {"h_mean_ref": ref_h[role][l]} for l in LAYERS}, h_atol=1e-5, label=f"{label} M0")
            # The reference is not the policy (else h_mean_ref = h_mean would pass for the wrong reason).
            assert (torch.as_tensor(got[4]["h_mean_ref"]) - torch.as_tensor(got[4]["h_mean"])).abs().max() > 1e-3
            if token_layers:
                with torch.no_grad():
                    ids = torch.tensor(ex["prompt_ids"] + ex[f"{role}_ids"])
                    hidden = policy(input_ids=ids[None], output_hidden_states=True).hidden_states
                for layer in token_layers:
                    torch.testing.assert_close(torch.as_tensor(states[layer][row]), hidden[layer][0], atol=1e-5,
                                               rtol=1e-4, msg=lambda m, at=f"{label} layer {layer}": f"{at}: {m}")


# bf16 spacing relative to a number's binade (8 significant bits).
EPS = 2.0 ** -7
BF16_BETA = 0.05


def _trl_pair_reference(trainer, example) -> dict:
    """{role: {layer: signatures}} of one pair alone through TRL's own DPO loss (batch of one pair), by autograd at
    the layer outputs, under bf16 autocast as the run's training step."""
    layout = find_layout(trainer.model)
    outputs = {}

    def keep(layer, module, args, output):
        if torch.is_grad_enabled():  # the policy forward, not TRL's reference forward (no grad)
            hidden = output[0] if isinstance(output, tuple) else output
            hidden.retain_grad()
            outputs[layer] = hidden

    handles = [layout.module_for_layer(layer).register_forward_hook(lambda m, a, o, layer=layer: keep(layer, m, a, o))
               for layer in LAYERS]
    batch = trainer.data_collator([{k: example[k] for k in ("prompt_ids", "chosen_ids", "rejected_ids")}])
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = trainer.compute_loss(trainer.model, batch)
        loss.backward()
    finally:
        for handle in handles:
            handle.remove()
    trainer.model.zero_grad(set_to_none=True)
    plen = len(example["prompt_ids"])
    out = {}
    for i, role in enumerate(("chosen", "rejected")):
        predicts = torch.arange(plen - 1, plen + len(example[f"{role}_ids"]) - 1)
        out[role] = {layer: {"h_last": h[i, plen - 1].detach().float(), "g_last": h.grad[i, plen - 1].float(),
                             "h_mean": h[i, predicts].detach().float().mean(0),
                             "g_mean": h.grad[i, predicts].float().mean(0)} for layer, h in outputs.items()}
    return out


def test_fsdp2_dpo_in_bf16_matches_one_pair_through_trls_loss_in_bf16(tmp_path):
    """Tolerances, in bf16 spacings (EPS = 2^-7 relative): h within 2 EPS of the vector's largest entry (the same
    bf16 arithmetic on a different batch: a few roundings); g cosine >= 0.995 and norm ratio within 5 % (bf16's
    rounding through up to three blocks of backward, at a single token for g_last); the loss column within 1 % of
    the float32 reference. beta = 0.05: the pair's factor beta * sigmoid(-beta * m) moves with the margin m, a
    difference of log-prob sums of size ~50 that bf16 holds to ~0.25, so the batched step and one pair alone see
    different factors: by up to 7.8 % in the norm ratio at TRL's default beta = 0.5 (measured; the training's own
    bf16 noise, not capture's), under 0.7 % at 0.05. Measured worst at 0.05 (2-core CPU): h 0.48 EPS, cosine
    0.99972, norm ratio 1.8 %, loss 0.14 %."""
    ran = _train(tmp_path, "adapter", "--bf16", "--beta", str(BF16_BETA))
    assert ran["model"] == "FSDPPeftModel" and ran["sharding"] == "fsdp2" and ran["fsdp_blocks"] == 4
    assert ran["mixed_precision"] == {"param_dtype": "torch.bfloat16", "reduce_dtype": "torch.bfloat16",
                                      "output_dtype": "torch.bfloat16"}  # accelerate's bf16 policy for FSDP2
    reader = open_store(str(tmp_path / "s.zarr"))
    assert reader.run_attrs["dpo"]["beta"] == BF16_BETA and reader.skipped == {}
    df = reader.samples()
    pairs = _pairs(df)
    assert sorted(pairs) == sorted((f"pair-{i}", e) for i in range(PAIRS) for e in range(EPOCHS))

    unsharded = dpo_trainer(tmp_path / "ref", reference="adapter", pairs=PAIRS, fsdp=False, beta=BF16_BETA)
    assert fingerprint(unsharded.model) == pytest.approx(ran["weights"], rel=1e-12)
    prepared = {row["sample_id"]: row for row in unsharded.train_dataset}
    fp32_nll = {pid: dpo_reference(unsharded.model, unsharded.model.disable_adapter, ex["prompt_ids"],
                                   ex["chosen_ids"], ex["rejected_ids"], beta=BF16_BETA, layers=LAYERS)[2]
                for pid, ex in prepared.items()}
    for param in unsharded.model.parameters():  # as FSDP's MixedPrecisionPolicy gathers them; buffers stay float32
        param.data = param.data.to(torch.bfloat16)
    unsharded.model.train()
    references = {pid: _trl_pair_reference(unsharded, ex) for pid, ex in prepared.items()}
    arrays = {}
    for (pid, epoch), rows in pairs.items():
        for role, row in zip(("chosen", "rejected"), rows):
            label = f"{pid} epoch {epoch} {role}"
            assert list(reader.tokens(row)) == prepared[pid]["prompt_ids"] + prepared[pid][f"{role}_ids"], label
            assert df.loss[row] == pytest.approx(fp32_nll[pid][role], rel=0.01), label
            got = captured(reader, row, layers=LAYERS, names=SIGS, arrays=arrays)
            for layer in LAYERS:
                ref = references[pid][role][layer]
                for name in ("h_last", "h_mean"):
                    c, r = torch.as_tensor(got[layer][name]), ref[name]
                    assert (c - r).abs().max() <= 2 * EPS * r.abs().max(), f"{label} layer {layer} {name}"
            assert_matches({layer: {n: got[layer][n] for n in ("g_last", "g_mean")} for layer in LAYERS},
                           {layer: {n: references[pid][role][layer][n] for n in ("g_last", "g_mean")}
                            for layer in LAYERS}, g_cos=0.995, g_ratio=0.05, label=label)
