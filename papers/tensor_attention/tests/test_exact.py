import numpy as np
import pytest
from helpers import instance, naive_tensor_attention

from tensor_attention import matrix_attention_exact, tensor_attention_exact


def test_exact_matches_the_naive_triple_loop():
    Q, (K1, K2), (V1, V2) = instance(0, n=6)
    expected = naive_tensor_attention(Q, [K1, K2], [V1, V2], 1 / 3)
    np.testing.assert_allclose(tensor_attention_exact(Q, K1, K2, V1, V2), expected, atol=1e-12)


def test_order3_matches_the_naive_loop():
    Q, (K1, K2, K3), (V1, V2, V3) = instance(1, n=4, order=3)
    expected = naive_tensor_attention(Q, [K1, K2, K3], [V1, V2, V3], 1 / 3)
    got = tensor_attention_exact(Q, K1, K2, V1, V2, K3=K3, V3=V3)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_chunking_and_scale():
    Q, (K1, K2), (V1, V2) = instance(2, n=7, B=2.0)
    whole = tensor_attention_exact(Q, K1, K2, V1, V2, scale=0.7)
    for chunk in (1, 3, 100):
        np.testing.assert_allclose(
            tensor_attention_exact(Q, K1, K2, V1, V2, scale=0.7, chunk=chunk), whole, atol=1e-14
        )
    naive = naive_tensor_attention(Q, [K1, K2], [V1, V2], 0.7)
    np.testing.assert_allclose(whole, naive, atol=1e-12)


def test_large_entries_stay_finite():
    """Row-max subtraction: entries far outside the bounded regime still give finite output."""
    Q, (K1, K2), (V1, V2) = instance(3, n=5, B=30.0)
    out = tensor_attention_exact(Q, K1, K2, V1, V2)
    assert np.all(np.isfinite(out))
    assert np.all(np.abs(out) <= 1.0 + 1e-12)  # a convex combination of entries of V₁ ⊘ V₂


def test_jointly_permuting_a_key_value_pair_leaves_the_output_unchanged():
    rng = np.random.default_rng(4)
    Q, (K1, K2), (V1, V2) = instance(4, n=8)
    out = tensor_attention_exact(Q, K1, K2, V1, V2)
    p1, p2 = rng.permutation(8), rng.permutation(8)
    np.testing.assert_allclose(tensor_attention_exact(Q, K1[p1], K2, V1[p1], V2), out, atol=1e-13)
    np.testing.assert_allclose(tensor_attention_exact(Q, K1, K2[p2], V1, V2[p2]), out, atol=1e-13)


def test_swapping_the_two_pairs_leaves_the_output_unchanged():
    Q, (K1, K2), (V1, V2) = instance(5, n=8)
    np.testing.assert_allclose(
        tensor_attention_exact(Q, K2, K1, V2, V1),
        tensor_attention_exact(Q, K1, K2, V1, V2),
        atol=1e-13,
    )


def test_permuting_queries_permutes_the_output():
    Q, (K1, K2), (V1, V2) = instance(6, n=8)
    p = np.random.default_rng(6).permutation(8)
    np.testing.assert_allclose(
        tensor_attention_exact(Q[p], K1, K2, V1, V2),
        tensor_attention_exact(Q, K1, K2, V1, V2)[p],
        atol=1e-13,
    )


def test_ones_in_the_second_pair_reduce_to_matrix_softmax_attention():
    """K₂ = 1, V₂ = 1: every pair (j₁, j₂) repeats key j₁ n times, so Att = softmax(sQK₁ᵀ)V₁."""
    Q, (K1, _), (V1, _) = instance(7, n=9, B=1.5)
    ones = np.ones_like(K1)
    s = 0.4
    tensor = tensor_attention_exact(Q, K1, ones, V1, ones, scale=s)
    logits = s * Q @ K1.T
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax = weights / weights.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(tensor, softmax @ V1, atol=1e-13)
    np.testing.assert_allclose(matrix_attention_exact(Q, K1, V1, scale=s), softmax @ V1, atol=1e-13)


def test_matrix_attention_default_scale_is_one_over_d():
    Q, (K, _), (V, _) = instance(8, n=5, d=4)
    np.testing.assert_allclose(
        matrix_attention_exact(Q, K, V), matrix_attention_exact(Q, K, V, scale=0.25), atol=0
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.ones(3),), {}, "Q must be a 2-D array"),
        ((np.ones((2, 3, 1)),), {}, "Q must be a 2-D array"),
        ((np.ones((4, 3)), np.ones((4, 2))), {}, "K1 must have d = 3 columns"),
        ((np.ones((4, 3)),) * 3 + (np.ones((5, 3)),), {}, r"V1 must have shape \(n1, d_v\)"),
        ((np.full((4, 3), np.nan),), {}, "Q must be finite"),
        ((np.ones((4, 3)), np.full((4, 3), np.inf)), {}, "K1 must be finite"),
        ((), {"scale": -1.0}, "scale must be a positive"),
        ((), {"chunk": 0}, "chunk must be a positive int"),
        ((), {"K3": np.ones((4, 3))}, "order 3 needs both K3 and V3"),
    ],
)
def test_bad_input_is_rejected(args, kwargs, match):
    defaults = [np.ones((4, 3))] * 5
    call = list(args) + defaults[len(args) :]
    with pytest.raises(ValueError, match=match):
        tensor_attention_exact(*call, **kwargs)


def test_mismatched_value_columns_are_rejected():
    ones = np.ones((4, 3))
    with pytest.raises(ValueError, match=r"V2 must have shape \(n2, d_v\) = \(4, 3\)"):
        tensor_attention_exact(ones, ones, ones, ones, np.ones((4, 2)))
