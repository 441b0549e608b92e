import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial import polynomial as npoly

from tensor_attention import multi_indices, phi, poly_exp, psi, rank


@pytest.mark.parametrize(("d", "g"), [(1, 0), (1, 5), (3, 6), (4, 3), (5, 7)])
def test_rank_and_multi_indices(d, g):
    alphas = multi_indices(d, g)
    assert rank(d, g) == math.comb(d + g, g) == len(alphas)
    assert len({tuple(a) for a in alphas}) == len(alphas)
    assert alphas.min() >= 0 and alphas.sum(axis=1).max() == g
    assert np.all(np.diff(alphas.sum(axis=1)) >= 0)  # sorted by |α|


def test_rank_84_for_the_reference_setting():
    assert rank(3, 6) == 84


@settings(max_examples=60, deadline=None)
@given(
    d=st.integers(1, 5),
    g=st.integers(0, 8),
    scale=st.floats(0.05, 1.0),
    seed=st.integers(0, 2**31),
)
def test_feature_maps_reproduce_the_polynomial_kernel(d, g, scale, seed):
    """Σ_α φ(q)_α ψ(a)_α ψ(b)_α = P(s⟨q, a ∘ b⟩) for every q, a, b."""
    rng = np.random.default_rng(seed)
    q, a, b = (rng.uniform(-1.2, 1.2, (5, d)) for _ in range(3))
    coef = rng.standard_normal(g + 1)
    factored = np.einsum("ir,jr,kr->ijk", phi(q, coef, scale), psi(a, g), psi(b, g))
    direct = npoly.polyval(scale * np.einsum("il,jl,kl->ijk", q, a, b), coef)
    np.testing.assert_allclose(factored, direct, atol=1e-10, rtol=1e-10)


def test_order3_features():
    rng = np.random.default_rng(0)
    d, g, s = 3, 5, 1 / 3
    q, a, b, c = (rng.uniform(-0.8, 0.8, (4, d)) for _ in range(4))
    coef = poly_exp(0.8**4, g).coef
    factored = np.einsum("ir,jr,kr,lr->ijkl", phi(q, coef, s), psi(a, g), psi(b, g), psi(c, g))
    direct = npoly.polyval(s * np.einsum("im,jm,km,lm->ijkl", q, a, b, c), coef)
    np.testing.assert_allclose(factored, direct, atol=1e-12, rtol=1e-10)


def test_multinomial_and_scale_factors_matter():
    """Dropping |α|!/α! or s^{|α|} breaks the identity (the spec's pitfalls)."""
    rng = np.random.default_rng(1)
    q, a, b = (rng.uniform(-1, 1, (3, 3)) for _ in range(3))
    coef = np.array([0.0, 0.0, 1.0])  # P(x) = x²: needs the multinomial 2 on cross terms
    direct = npoly.polyval(0.5 * np.einsum("il,jl,kl->ijk", q, a, b), coef)
    no_multinomial = np.einsum("ir,jr,kr->ijk", psi(q, 2) * 0.25, psi(a, 2), psi(b, 2))
    assert not np.allclose(no_multinomial, direct)
    full = np.einsum("ir,jr,kr->ijk", phi(q, coef, 0.5), psi(a, 2), psi(b, 2))
    np.testing.assert_allclose(full, direct, atol=1e-14)
