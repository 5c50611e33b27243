"""Row encodings, their error bounds and the random projection."""

from __future__ import annotations

import numpy as np
import pytest

from provenance.errors import StoreValueError
from provenance.store.encoding import (
    ENCODINGS,
    decode,
    encode,
    get_encoding,
    measure_encodings,
    project,
    projection_matrix,
    realistic_sample,
)


def _wide_range_rows(n=400, d=64, seed=0):
    """Rows whose max magnitude spans 1e-10 .. 1e6, entries spread over 3 decades within a row."""
    rng = np.random.default_rng(seed)
    mags = 10.0 ** rng.uniform(-10, 6, size=n)
    mags[:2] = (1e-10, 1e6)
    x = rng.standard_normal((n, d)) * 10.0 ** rng.uniform(-3, 0, size=(n, d))
    return (x * mags[:, None]).astype(np.float32)


def _row_rel_err(x, y):
    return np.abs(y - x).max(axis=1) / np.abs(x).max(axis=1)


def test_rowscale_round_trip_wide_range():
    x = _wide_range_rows()
    payload, scale = encode(x, "float16-rowscale")
    assert payload.dtype == np.float16 and scale.dtype == np.float32
    assert np.isfinite(payload).all()
    # Scales are exact powers of two and the payload never nears float16's max (65504).
    mant, _ = np.frexp(scale)
    assert (mant == 0.5).all()
    assert np.abs(payload.astype(np.float32)).max() <= 2.0 ** 15
    y = decode(payload, scale, "float16-rowscale")
    assert y.dtype == np.float32 and np.isfinite(y).all()
    assert _row_rel_err(x, y).max() < 1e-3
    # Entries down to 2**-28 of their row max keep float16's relative precision (2**-11).
    big = np.abs(x) >= np.abs(x).max(axis=1, keepdims=True) * 2.0 ** -28
    assert (np.abs(y - x)[big] / np.abs(x)[big]).max() <= 2.0 ** -11


def test_rowscale_no_underflow_for_tiny_gradients():
    x = (np.random.default_rng(1).standard_normal((8, 32)) * 1e-8).astype(np.float32)
    y = decode(*encode(x), "float16-rowscale")
    assert (y != 0).all()  # plain float16 would flush every one of these to zero
    assert (np.abs(y - x) / np.abs(x)).max() < 1e-3


def test_rowscale_overflow_values_stay_finite():
    x = np.array([[70000.0, 1e5, -1e5, 25601.0, 1.0, -0.5, 3e-3, 0.0]], dtype=np.float32)
    payload, scale = encode(x)  # the default encoding
    assert np.isfinite(payload.astype(np.float32)).all()
    y = decode(payload, scale)
    assert np.isfinite(y).all()
    nz = x != 0
    assert (np.abs(y - x)[nz] / np.abs(x)[nz]).max() < 1e-3
    assert y[0, -1] == 0.0


def test_all_zero_row_has_unit_scale():
    x = np.zeros((3, 5), np.float32)
    for name in ENCODINGS:
        payload, scale = encode(x, name)
        if name == "float16-rowscale":
            np.testing.assert_array_equal(scale, 1.0)
        np.testing.assert_array_equal(decode(payload, scale, name), x)


@pytest.mark.parametrize("name", list(ENCODINGS))
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_input_raises(name, bad):
    x = np.ones((3, 4), np.float32)
    x[1, 2] = bad
    with pytest.raises(StoreValueError, match=r"layer 7 'h_last'.*1 of 3 rows"):
        encode(x, name, label="layer 7 'h_last'")


def test_bfloat16_round_trip_and_rounding():
    x = _wide_range_rows(seed=2)
    payload, scale = encode(x, "bfloat16")
    assert payload.dtype == np.uint16 and scale is None
    y = decode(payload, None, "bfloat16")
    nz = x != 0
    assert (np.abs(y - x)[nz] / np.abs(x)[nz]).max() < 1e-2
    # Round to nearest, ties to even.
    ties = np.array([[1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-20, -(1 + 3 * 2**-8)]], np.float32)
    np.testing.assert_array_equal(
        decode(encode(ties, "bfloat16")[0], None, "bfloat16"),
        np.array([[1.0, 1 + 2**-6, 1 + 2**-7, -(1 + 2**-6)]], np.float32),
    )
    # Finite values next to float32 max do not turn into inf.
    edge = np.array([[np.finfo(np.float32).max, -np.finfo(np.float32).max]], np.float32)
    assert np.isfinite(decode(encode(edge, "bfloat16")[0], None, "bfloat16")).all()


def test_bfloat16_matches_torch():
    torch = pytest.importorskip("torch")
    x = _wide_range_rows(n=100, seed=3)
    ours = decode(encode(x, "bfloat16")[0], None, "bfloat16")
    ref = torch.from_numpy(x).to(torch.bfloat16).float().numpy()
    np.testing.assert_array_equal(ours, ref)


def test_int8_error_bound():
    x = _wide_range_rows(seed=4)
    payload, scale = encode(x, "int8")
    assert payload.dtype == np.int8 and scale.dtype == np.float32
    y = decode(payload, scale, "int8")
    err = np.abs(y - x).max(axis=1) / np.abs(x).max(axis=1)
    assert err.max() < 1e-2
    assert err.max() <= 1 / 254 * (1 + 1e-5)


def test_float32_is_exact():
    x = _wide_range_rows(seed=5)
    payload, scale = encode(x, "float32")
    assert scale is None
    np.testing.assert_array_equal(decode(payload, scale, "float32"), x)


def test_unknown_encoding_lists_valid_ones():
    with pytest.raises(StoreValueError, match="float16-rowscale"):
        get_encoding("float8")


def test_projection_is_deterministic():
    a = projection_matrix(7, 64, 16)
    assert a.shape == (64, 16) and a.dtype == np.float32
    np.testing.assert_array_equal(a, projection_matrix(7, 64, 16))
    assert not np.array_equal(a, projection_matrix(8, 64, 16))
    # N(0, 1/k) entries.
    big = projection_matrix(0, 512, 256)
    assert abs(big.std() - 1 / np.sqrt(256)) < 0.002
    assert abs(big.mean()) < 0.002


def test_projection_preserves_inner_products():
    rng = np.random.default_rng(0)
    d, k = 512, 256
    x = rng.standard_normal((300, d)).astype(np.float32)
    a = rng.uniform(-1, 1, size=(300, 1))  # pairs from anti- to fully correlated
    y = (a * x + np.sqrt(1 - a**2) * rng.standard_normal((300, d))).astype(np.float32)
    p = projection_matrix(3, d, k)
    ip = (x * y).sum(1)
    ip_proj = (project(x, p) * project(y, p)).sum(1)
    scale = np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1)
    assert np.median(np.abs(ip_proj - ip) / scale) < 0.1
    assert np.corrcoef(ip, ip_proj)[0, 1] > 0.95
    norms = np.linalg.norm(project(x, p), axis=1) / np.linalg.norm(x, axis=1)
    assert abs(norms.mean() - 1) < 0.05


def test_measure_encodings_on_realistic_sample():
    x = realistic_sample(n=512, d=128)
    res = measure_encodings(x)
    assert set(res) == set(ENCODINGS)
    assert res["float32"]["max_rel_error"] == 0.0
    assert res["float16-rowscale"]["max_rel_error"] < 1e-3
    assert res["bfloat16"]["max_rel_error"] < 1e-2
    assert res["int8"]["max_rel_error"] < 1e-2
    assert res["int8"]["bytes_per_row"] < res["float16-rowscale"]["bytes_per_row"] < res["float32"]["bytes_per_row"]
    assert res["float32"]["bytes_per_row"] < 4 * 128  # compression does something
