"""answer_weight_sensitivity: its grid, its weights against the library's default fusion, and a fused column
against a hand computation."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.attribution.answer_weight_sensitivity import (
    DEFAULT, GUARD_ALONE, fused, guard_line, label, line_weights, settings,
)
from provenance.attribution.joint import focus_and_side_weights, standard_z


def test_grid_moves_one_weight_at_a_time_around_the_default():
    grid = settings()
    assert list(grid)[0] == DEFAULT == "w 0.5, v 0.5, g 1" and grid[DEFAULT] == ("min", (0.5, 0.5, 1.0))
    assert len(grid) == 1 + 4 + 4 + 3 + 1 + 2 * 3 and grid[GUARD_ALONE] == ("min", None)
    moved = [s for form, s in grid.values() if form == "min" and s is not None and s != (0.5, 0.5, 1.0)]
    assert len(moved) == 11 and all(sum(a != b for a, b in zip(s, (0.5, 0.5, 1.0))) == 1 for s in moved)
    assert grid["gated, w 0.5, v 0.5, g 2"] == ("gated", (0.5, 0.5, 2.0)) and grid["penalty alone"] == ("penalty", None)


def test_guard_forms_by_hand():
    zc = np.array([[1.5, -0.5, -2.0, 0.0]])
    zn = np.array([[3.0, 2.0, -1.0, -0.5]])
    np.testing.assert_allclose(guard_line("min", zc, zn), [[1.5, -0.5, -2.0, -0.5]])
    np.testing.assert_allclose(guard_line("gated", zc, zn), [[3.0, -0.5, -2.0, -0.5]])
    np.testing.assert_allclose(guard_line("penalty", zc, zn), [[3.0, 1.5, -3.0, -0.5]])
    with pytest.raises(ValueError, match="guard form must be one of"):
        guard_line("max", zc, zn)


def test_default_weights_are_the_librarys_even_pairs_and_a_guard_of_one():
    np.testing.assert_allclose(line_weights(0.5, 0.5, 1.0)[:3], focus_and_side_weights(np.array([0.5]))[0])
    np.testing.assert_allclose(line_weights(0.5, 0.5, 1.0), [2 ** -0.5, 2 ** 0.5, 2 ** -0.5, 1.0])
    # w = 0: the signature pair is the signature alone; v = 1: the side pair is token match alone
    np.testing.assert_allclose(line_weights(0.0, 1.0, 2.0), [1.0, 1.0, 0.0, 2.0])


def test_fused_column_by_hand():
    rng = np.random.default_rng(0)
    sig, tok, ctx, nxt = (rng.normal(size=(2, 7)) for _ in range(4))
    out = fused((sig, tok, ctx), nxt)
    weaker = np.minimum(standard_z(ctx), standard_z(nxt))
    z = [standard_z(x) for x in (sig, tok, ctx, weaker)]
    a = [0.25 / np.hypot(0.75, 0.25), 0.75 / np.hypot(0.75, 0.25) + 2 ** -0.5, 2 ** -0.5, 1.0]
    want = sum(ai * zi for ai, zi in zip(a, z)) / np.sqrt(np.sum(np.square(a)))
    np.testing.assert_allclose(out[label(0.75, 0.5, 1.0)], want, rtol=1e-10)
    np.testing.assert_allclose(out[GUARD_ALONE], weaker)
    gated = np.where(standard_z(ctx) >= 0, standard_z(nxt), weaker)
    want_gated = sum(ai * zi for ai, zi in zip([2 ** -0.5, 2 ** 0.5, 2 ** -0.5, 2.0], z[:3] + [standard_z(gated)]))
    np.testing.assert_allclose(out["gated, w 0.5, v 0.5, g 2"], want_gated / np.sqrt(7.0), rtol=1e-10)
    # g = 0 leaves the guard out: the three lines alone
    a3 = np.array([2 ** -0.5, 2 ** 0.5, 2 ** -0.5])
    want3 = sum(ai * zi for ai, zi in zip(a3, z[:3])) / np.sqrt((a3 ** 2).sum())
    np.testing.assert_allclose(out[label(0.5, 0.5, 0.0)], want3, rtol=1e-10)
    with pytest.raises(KeyError):
        out[label(0.5, 0.5, 3.0)]
