"""The exactness tests' device / precision switch (capture_reference.capture_target): defaults, parsing, refusals."""
import pytest
import torch

from capture_reference import DEVICE_ENV, PRECISION_ENV, TOLERANCES, capture_target


def test_default_is_cpu_fp32_with_the_strict_tolerances():
    target = capture_target({})
    assert (target.device, target.precision, target.autocast_dtype, target.skip_reason) == (torch.device("cpu"), "fp32", None, None)
    assert target.match_tolerances() == {"h_atol": 1e-5, "g_cos": 0.999, "g_ratio": 0.01}
    assert target.tolerances["loss_rel"] == 1e-4


def test_bf16_means_bf16_autocast_with_its_own_tolerances():
    target = capture_target({PRECISION_ENV: "BF16"})
    assert target.autocast_dtype is torch.bfloat16
    assert target.tolerances == TOLERANCES["bf16"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the skip reason on a machine without a GPU")
def test_cuda_without_a_gpu_gives_the_skip_reason():
    target = capture_target({DEVICE_ENV: "cuda:1"})
    assert target.device == torch.device("cuda:1")
    assert target.skip_reason == (f"{DEVICE_ENV}=cuda:1 but no CUDA GPU is available here "
                                  "(torch.cuda.is_available() is False)")


@pytest.mark.parametrize(("env", "message"), [
    ({DEVICE_ENV: "gpu"}, f"{DEVICE_ENV}='gpu' is not a device the exactness tests run on: use cpu, cuda or cuda:N"),
    ({DEVICE_ENV: "meta"}, f"{DEVICE_ENV}='meta' is not a device the exactness tests run on"),
    ({PRECISION_ENV: "fp16"}, f"{PRECISION_ENV}='fp16' is not a precision: use one of fp32, bf16"),
])
def test_bad_values_are_refused_with_what_to_use(env, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        capture_target(env)
