"""TRL's DPOTrainer under FSDP2 (accelerate, two CPU processes on gloo): every stored pair is exact and aligned.

tests/scripts/train_dpo_fsdp.py trains `dpo_fsdp_app.dpo_trainer` sharded per decoder layer (accelerate's FSDP2 path,
let on CPU by tests/accelerate_cpu_fsdp.py), learning rate 0, 8 pairs, 2 epochs, 2 pairs per micro-batch per rank,
accumulation 2. The test rebuilds the same trainer unsharded (same weights: checked by a fingerprint) and compares
every stored row with `hf_app.dpo_reference`, the pair's own sigmoid DPO loss on one pair at batch size 1 through
autograd: g cosine >= 0.999 and norm ratio within 1 %, h and the reference activations `h_mean_ref` within 1e-5 (fp32
throughout; the rows are stored as float32), the loss column (the row's mean response cross-entropy) within 1e-4
relative. Two references: the policy with its LoRA adapter disabled, and a separate `ref_model` that TRL shards too.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from capture_reference import assert_matches
from dpo_fsdp_app import BETA, LAYERS, dpo_trainer, fingerprint
from hf_app import captured, dpo_reference
from provenance import open_store

pytestmark = pytest.mark.slow
trl = pytest.importorskip("trl")

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_dpo_fsdp.py"
SIGS = ("h_last", "g_last", "h_mean", "g_mean")
PAIRS, EPOCHS = 8, 2


def _train(tmp_path, reference: str) -> dict:
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1", TQDM_DISABLE="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(SCRIPT), "--store",
           str(tmp_path / "s.zarr"), "--out", str(tmp_path / "out"), "--pairs", str(PAIRS), "--epochs", str(EPOCHS),
           "--reference", reference]
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


@pytest.mark.parametrize(("reference", "model", "attr"), [
    ("adapter", "FSDPPeftModel", "reference_forward: PEFT adapters disabled"),
    ("model", "FSDPLlamaForCausalLM", "reference_forward: ref_model"),
])
def test_fsdp2_dpo_pairs_match_the_unsharded_batch_size_1_reference(tmp_path, reference, model, attr):
    ran = _train(tmp_path, reference)
    assert ran["model"] == model and ran["sharding"] == "fsdp2" and ran["fsdp_blocks"] == 4
    if reference == "model":  # TRL sharded the reference model too (its root only), and capture hooked it there
        assert ran["ref_model"] == "FSDPLlamaForCausalLM"

    reader = open_store(str(tmp_path / "s.zarr"))
    attrs = reader.run_attrs
    assert attrs["world_size"] == 2 and attrs["sharding"] == "fsdp2" and attrs["trainer"] == "DPOTrainer"
    assert attrs["objective"] == "dpo" and attrs["reference_activations"] == attr
    assert reader.layers == LAYERS and reader.skipped == {}
    assert reader.committed == {0: PAIRS * EPOCHS, 1: PAIRS * EPOCHS}  # each rank: half the pairs, two rows each
    df = reader.samples()
    pairs = _pairs(df)
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
