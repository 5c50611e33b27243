"""Hidden states beyond float16's range (65,504) survive capture and storage without inf."""
import numpy as np
import torch
from torch.utils.data import DataLoader

import lightning.pytorch as pl
from capture_reference import collate, random_samples, reference_signatures
from lightning_app import CausalLMModule, ListDataset
from provenance import open_store
from provenance.callbacks import ProvenanceCallback
from provenance.models import tiny_causal_lm


def test_hidden_states_above_float16_max_round_trip(tmp_path):
    model = tiny_causal_lm("llama", seed=0)
    with torch.no_grad():  # the residual stream carries the embedding: make it ~1e5
        model.get_input_embeddings().weight.mul_(1e5 / model.get_input_embeddings().weight.abs().max())
    samples = random_samples(6, seed=31)
    store = str(tmp_path / "s.zarr")
    loader = DataLoader(ListDataset(samples), batch_size=3, collate_fn=collate)
    pl.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False,
               callbacks=[ProvenanceCallback(store, layers=[1, 2])]).fit(CausalLMModule(model), train_dataloaders=loader)
    reader = open_store(store)
    h = reader.array(1, "h_last")
    assert np.isfinite(h).all()
    assert np.abs(h).max() > 65504
    for row, s in enumerate(samples):
        ref, _ = reference_signatures(model, s, [1])
        r = ref[1]["h_last"].numpy()
        assert np.abs(h[row] - r).max() / np.abs(r).max() < 1e-3
        g = reader.array(1, "g_last")[row]
        assert np.isfinite(g).all()
        cos = float(g @ ref[1]["g_last"].numpy() / np.linalg.norm(g) / np.linalg.norm(ref[1]["g_last"].numpy()))
        assert cos > 0.999
