"""Watch directions: from probes, vector files and example pairs; setup validation against what capture keeps."""
import numpy as np
import pytest
import torch

from provenance.behaviour import fit_probe, mean_response_activations
from provenance.behaviour.watch import Watch, check_against_capture, check_watches, load_vector
from provenance.behaviour.watch_alarm import RelativeAlarm
from provenance.errors import CaptureConfigError


def test_probe_watch_takes_the_probes_layer_and_direction():
    X = np.array([[1.0, 2.0, 0.0], [3.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 4.0, 0.0]])
    probe = fit_probe(X, [1, 1, 0, 0], method="diffmeans", layer=2)
    w = Watch.from_probe("p", probe)
    assert w.layer == 2 and "probe (diffmeans, 2+2 examples" in w.origin
    np.testing.assert_allclose(w.resolve(None), [1.0, 0.0, 0.0])
    with pytest.raises(CaptureConfigError, match="layer=3 but the probe was fitted at layer 2"):
        Watch.from_probe("p", probe, layer=3)
    probe.layer = None
    with pytest.raises(CaptureConfigError, match="the probe records no layer; pass layer="):
        Watch.from_probe("p", probe)


def test_vector_files_npy_and_safetensors_load_and_pickle_is_refused(tmp_path):
    v = np.arange(1.0, 7.0, dtype=np.float32)
    np.save(tmp_path / "v.npy", v)
    np.testing.assert_allclose(Watch.from_file("f", tmp_path / "v.npy", 1).direction, v)
    from safetensors.numpy import save_file

    save_file({"persona": v, "other": -v}, str(tmp_path / "v.safetensors"))
    np.testing.assert_allclose(load_vector(tmp_path / "v.safetensors", key="persona"), v)
    with pytest.raises(CaptureConfigError, match=r"holds tensors \['other', 'persona'\]: pass key="):
        load_vector(tmp_path / "v.safetensors")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(CaptureConfigError, match="not a plain numeric array"):
        load_vector(tmp_path / "obj.npy")
    (tmp_path / "v.pt").write_bytes(b"x")
    with pytest.raises(CaptureConfigError, match="use .npy or .safetensors"):
        load_vector(tmp_path / "v.pt")
    np.save(tmp_path / "m.npy", np.ones((3, 4)))
    with pytest.raises(CaptureConfigError, match=r"expected one numeric vector \[hidden_size\], got shape \(3, 4\)"):
        load_vector(tmp_path / "m.npy")
    with pytest.raises(CaptureConfigError, match="does not exist"):
        load_vector(tmp_path / "missing.npy")


def test_bad_watch_arguments_are_refused():
    with pytest.raises(CaptureConfigError, match="watch name 'a b' is not allowed"):
        Watch.from_vector("a b", np.ones(4), 1)
    with pytest.raises(CaptureConfigError, match="zero or holds non-finite"):
        Watch.from_vector("z", np.zeros(4), 1)
    with pytest.raises(CaptureConfigError, match="alarm must be a RelativeAlarm or ThresholdAlarm"):
        Watch.from_vector("a", np.ones(4), 1, alarm="loud")
    with pytest.raises(CaptureConfigError, match="needs as many bad and good answers as prompts"):
        Watch.from_pairs("p", 1, ["q1", "q2"], ["b1"], ["g1", "g2"], tokenizer=None)
    with pytest.raises(CaptureConfigError, match=r"example\(s\) \[1\] have an empty answer"):
        Watch.from_pairs("p", 1, ["q1", "q2"], ["b1", " "], ["g1", "g2"], tokenizer=None)
    with pytest.raises(CaptureConfigError, match=r"watch names must be unique; repeated: \['a'\]"):
        check_watches([Watch.from_vector("a", np.ones(4), 1), Watch.from_vector("a", np.ones(4), 2)])


def test_setup_validation_names_the_captured_layers_and_hidden_size():
    watches = [Watch.from_vector("ok", np.ones(32), 2), Watch.from_vector("wide", np.ones(48), 2)]
    with pytest.raises(CaptureConfigError, match=r"watch 'wide': direction has 48 values but the model's hidden size "
                                                 r"is 32 \(captured layers \[1, 2\]\)"):
        check_against_capture(watches, hidden_size=32, layers=[1, 2], signatures=("g_mean",))
    with pytest.raises(CaptureConfigError, match=r"watch 'ok' is at layer 2, which capture does not keep: captured "
                                                 r"layers \[1, 4\], hidden size 32"):
        check_against_capture(watches[:1], hidden_size=32, layers=[4, 1], signatures=("g_mean",))
    with pytest.raises(CaptureConfigError, match=r"watches read each row's g_mean, but capture keeps only "
                                                 r"\['h_mean', 'g_last'\]: add 'g_mean'"):
        check_against_capture(watches[:1], hidden_size=32, layers=[2], signatures=("h_mean", "g_last"))
    check_against_capture(watches[:1], hidden_size=32, layers=None, signatures=("g_mean",))  # auto: layer later


def test_pairs_direction_is_the_mean_activation_difference_with_the_model_now(tiny_llama, tiny_tok):
    tiny_tok.chat_template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
                              "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    prompts, bad, good = ["hello there", "what now"], ["bad answer!", "worse one"], ["fine reply", "good one"]
    w = Watch.from_pairs("pairs", 2, prompts, bad, good, tiny_tok, alarm=RelativeAlarm())
    v = w.resolve(tiny_llama)
    hb = mean_response_activations(tiny_llama, tiny_tok, prompts, bad, [2])[2]
    hg = mean_response_activations(tiny_llama, tiny_tok, prompts, good, [2])[2]
    expected = (hb - hg).mean(0)
    np.testing.assert_allclose(v, expected / np.linalg.norm(expected), rtol=1e-5, atol=1e-6)
    assert v.shape == (32,) and np.linalg.norm(v) == pytest.approx(1.0)
    assert tiny_llama.training  # restored after the eval-mode forward
    # Modules the training loop keeps in eval mode stay so (a frozen block), the others stay in train mode.
    frozen = tiny_llama.model.layers[0]
    frozen.eval()
    w.resolve(tiny_llama)
    assert not any(m.training for m in frozen.modules())
    assert tiny_llama.training and tiny_llama.model.layers[1].training
    assert w.direction is None and "pairs (2 bad vs good answers" in w.origin


def test_torch_vectors_are_accepted():
    w = Watch.from_vector("t", torch.ones(4, dtype=torch.bfloat16), 0)
    np.testing.assert_allclose(w.resolve(None), np.full(4, 0.5))


def test_labelled_direction_is_the_probe_on_activations_with_the_model_now(tiny_llama, tiny_tok):
    tiny_tok.chat_template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
                              "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    positive = [("hello there", "bad answer!"), ("what now", "worse one"), ("why", "awful")]
    negative = [("hello there", "fine reply"), ("what now", "good one")]
    w = Watch.from_labelled("probe", 2, positive, negative, tiny_tok, method="diffmeans", alarm=RelativeAlarm())
    assert w.computed_at_start and w.direction is None and w.origin.startswith("probe (diffmeans, 3+2 examples")
    v = w.resolve(tiny_llama)
    h = mean_response_activations(tiny_llama, tiny_tok, [p for p, _ in positive + negative],
                                  [r for _, r in positive + negative], [2])[2].astype(np.float64)
    expected = h[:3].mean(0) - h[3:].mean(0)   # diffmeans: toward the positive examples
    np.testing.assert_allclose(v, expected / np.linalg.norm(expected), rtol=1e-5, atol=1e-6)
    assert tiny_llama.training
    with pytest.raises(CaptureConfigError, match=r"a probe needs examples with and without the behaviour \(got 3 "
                                                 r"positive, 0 negative\)"):
        Watch.from_labelled("p", 2, positive, [], tiny_tok)
    with pytest.raises(CaptureConfigError, match=r"probe method must be one of \['logreg', 'diffmeans'\], got 'svm'"):
        Watch.from_labelled("p", 2, positive, negative, tiny_tok, method="svm")
    with pytest.raises(CaptureConfigError, match=r"example\(s\) \[3\] \(positive first\) have an empty response"):
        Watch.from_labelled("p", 2, positive, [("q", " ")], tiny_tok)
