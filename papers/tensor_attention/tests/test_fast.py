import numpy as np
import pytest
from helpers import instance
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial import polynomial as npoly

from tensor_attention import (
    BoundedEntryError,
    FastMethodUnavailable,
    kr,
    plan_fast,
    poly_exp,
    polynomial_attention,
    tensor_attention_exact,
    tensor_attention_fast,
)


@pytest.mark.parametrize(("n", "d", "B", "eps"), [(40, 3, 1.0, 1e-6), (30, 2, 1.5, 1e-8)])
def test_fast_is_within_eps_of_exact(n, d, B, eps):
    Q, (K1, K2), (V1, V2) = instance(n, n=n, d=d, B=B)
    exact = tensor_attention_exact(Q, K1, K2, V1, V2)
    fast = tensor_attention_fast(Q, K1, K2, V1, V2, B=B, eps=eps)
    assert np.max(np.abs(fast - exact)) <= eps


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 12),
    d=st.integers(1, 4),
    B=st.floats(0.1, 1.6),
    eps=st.sampled_from([1e-3, 1e-6, 1e-9]),
    seed=st.integers(0, 2**31),
)
def test_fast_guarantee_holds_on_random_bounded_inputs(n, d, B, eps, seed):
    rng = np.random.default_rng(seed)
    Q, K1, K2 = (rng.uniform(-B, B, (n, d)) for _ in range(3))
    V1, V2 = (rng.uniform(-2, 2, (n, 2)) for _ in range(2))  # |v| up to 4: eps is rescaled
    exact = tensor_attention_exact(Q, K1, K2, V1, V2)
    fast = tensor_attention_fast(Q, K1, K2, V1, V2, B=B, eps=eps)
    assert np.max(np.abs(fast - exact)) <= eps


def test_order3_fast_is_within_eps_of_exact():
    Q, (K1, K2, K3), (V1, V2, V3) = instance(3, n=10, B=0.8, order=3)
    exact = tensor_attention_exact(Q, K1, K2, V1, V2, K3=K3, V3=V3)
    fast = tensor_attention_fast(Q, K1, K2, V1, V2, K3=K3, V3=V3, B=0.8, eps=1e-7)
    assert np.max(np.abs(fast - exact)) <= 1e-7


def test_plan_uses_the_order_in_the_exponent_radius():
    assert plan_fast(10, 10, 3, B=0.8, eps=1e-6).R == pytest.approx(0.8**3)
    assert plan_fast(10, 10, 3, B=0.8, eps=1e-6, order=3).R == pytest.approx(0.8**4)
    assert plan_fast(10, 10, 3, B=1.0, eps=1e-6).rank == 120  # g = 7 at R = 1


def test_error_bound_from_the_relative_error_of_A():
    """Relative error δ in every entry of A ⇒ |fast − exact|∞ ≤ 2δ/(1 − δ)·max|v₁ ∘ v₂|."""
    s, g, B = 1 / 3, 3, 1.5
    R = s * 3 * B**3
    coef = poly_exp(R, g).coef
    for seed in range(20):
        Q, (K1, K2), (V1, V2) = instance(100 + seed, n=7, B=B)
        x = s * Q @ kr(K1, K2).T
        delta = np.max(np.abs(npoly.polyval(x, coef) / np.exp(x - R) - 1))
        assert 0.01 < delta < 1  # a real, non-trivial relative error
        fast = polynomial_attention(Q, (K1, K2), (V1, V2), coef, s)
        exact = tensor_attention_exact(Q, K1, K2, V1, V2)
        v_max = np.max(np.abs(kr(V1, V2)))
        assert np.max(np.abs(fast - exact)) <= 2 * delta / (1 - delta) * v_max


def test_error_bound_under_arbitrary_relative_perturbations():
    rng = np.random.default_rng(7)
    for _ in range(20):
        A = np.exp(rng.uniform(-3, 3, (5, 36)))
        V = rng.uniform(-1, 1, (36, 2))
        delta = rng.uniform(0.01, 0.5)
        A_tilde = A * (1 + rng.uniform(-delta, delta, A.shape))
        diff = A_tilde @ V / A_tilde.sum(1, keepdims=True) - A @ V / A.sum(1, keepdims=True)
        assert np.max(np.abs(diff)) <= 2 * delta / (1 - delta) * np.max(np.abs(V))


def test_entries_above_B_raise_bounded_entry_error():
    Q, (K1, K2), (V1, V2) = instance(8, n=5, B=1.0)
    K2 = K2.copy()
    K2[2, 1] = 1.3
    with pytest.raises(BoundedEntryError, match=r"K2 has an entry of absolute value 1.3 > B = 1"):
        tensor_attention_fast(Q, K1, K2, V1, V2, B=1.0, eps=1e-6)
    with pytest.raises(BoundedEntryError, match="Q has an entry"):
        tensor_attention_fast(Q * 2, K1, K1, V1, V2, B=1.0, eps=1e-6)
    assert issubclass(BoundedEntryError, ValueError)


@pytest.mark.parametrize("eps", [0.0, 1.0, 1.5, -1e-3])
def test_eps_outside_zero_one_raises(eps):
    Q, (K1, K2), (V1, V2) = instance(9, n=4)
    with pytest.raises(ValueError, match=r"eps must lie in \(0, 1\)"):
        tensor_attention_fast(Q, K1, K2, V1, V2, B=1.0, eps=eps)


def test_degree_above_the_cap_recommends_the_exact_method():
    Q, (K1, K2), (V1, V2) = instance(10, n=4, B=3.0)
    with pytest.raises(FastMethodUnavailable, match="use tensor_attention_exact"):
        tensor_attention_fast(Q, K1, K2, V1, V2, B=3.0, eps=1e-6)


def test_memory_budget_recommends_the_exact_method():
    Q, (K1, K2), (V1, V2) = instance(11, n=50)
    with pytest.raises(
        FastMethodUnavailable, match=r"over the memory budget.*tensor_attention_exact"
    ):
        tensor_attention_fast(Q, K1, K2, V1, V2, B=1.0, eps=1e-6, memory_budget=10_000)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"Q": np.ones(3)}, "Q must be a 2-D array"),
        ({"K1": np.ones((4, 2))}, "K1 must have d = 3 columns"),
        ({"V2": np.ones((3, 3))}, r"V2 must have shape \(n2, d_v\)"),
        ({"V1": np.full((4, 3), np.nan)}, "V1 must be finite"),
        ({"K2": np.full((4, 3), -np.inf)}, "K2 must be finite"),
        ({"B": 0.0}, "B must be a positive finite bound"),
        ({"B": float("inf")}, "B must be a positive finite bound"),
        ({"V3": np.ones((4, 3))}, "order 3 needs both K3 and V3"),
    ],
)
def test_malformed_input_raises_value_error(change, match):
    args = {"Q": np.ones((4, 3)), "K1": np.ones((4, 3)), "K2": np.ones((4, 3))}
    args.update({"V1": np.ones((4, 3)), "V2": np.ones((4, 3)), "B": 1.0, "eps": 1e-6})
    args.update(change)
    with pytest.raises(ValueError, match=match):
        tensor_attention_fast(**args)
