import itertools

import numpy as np
import pytest

from tensor_attention import (
    balanced_accuracy,
    match3_beta,
    match3_labels,
    match3_predict,
    match3_tokens,
)
from tensor_attention.data import match3_sequences
from tensor_attention.kronecker import kr


def brute_force(x, M):
    n = len(x)
    return np.array(
        [any((x[i] + x[a] + x[b]) % M == 0 for a in range(n) for b in range(n)) for i in range(n)]
    )


def test_labels_match_the_definition():
    rng = np.random.default_rng(0)
    x = match3_sequences(rng, 30, 6, 11)
    y = match3_labels(x, 11)
    for seq, labels in zip(x, y, strict=True):
        np.testing.assert_array_equal(labels, brute_force(seq, 11))


def test_inner_products_are_cosines_of_the_triple_sum():
    x = np.array([0, 3, 5, 6, 1])
    Q, K1, K2 = match3_tokens(x, 7)
    got = Q @ kr(K1, K2).T  # (n, n²)
    triples = (x[:, None, None] + x[None, :, None] + x[None, None, :]).reshape(5, 25)
    np.testing.assert_allclose(got, np.cos(2 * np.pi * triples / 7), atol=1e-12)


def test_construction_is_correct_on_every_sequence_n4_m7():
    """All 7⁴ sequences: tensor attention's prediction equals the brute-force label."""
    x = np.array(list(itertools.product(range(7), repeat=4)))
    y = np.array([brute_force(seq, 7) for seq in x])
    assert 0 < y.mean() < 1
    np.testing.assert_array_equal(match3_predict(x, 7), y)
    np.testing.assert_array_equal(match3_labels(x, 7), y)


def test_positive_rate_near_the_spec():
    x = match3_sequences(np.random.default_rng(1), 400, 12, 101)
    assert 0.48 < match3_labels(x, 101).mean() < 0.60


def test_beta_is_outside_the_bounded_regime():
    assert match3_beta(12, 101) > 1e4


def test_balanced_accuracy():
    y = np.array([1, 1, 1, 0], dtype=bool)
    assert balanced_accuracy(y, np.ones(4, dtype=bool)) == 0.5
    assert balanced_accuracy(y, y) == 1.0
    assert balanced_accuracy(y, np.array([1, 0, 0, 0], dtype=bool)) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="must match in size"):
        balanced_accuracy(y, y[:2])


@pytest.mark.parametrize(
    ("x", "M", "match"),
    [
        (np.array([[0, 7]]), 7, "entries in Z_M"),
        (np.array([[-1, 2]]), 7, "entries in Z_M"),
        (np.array([[0.5, 1.0]]), 7, "integer sequences"),
        (np.zeros((2, 2, 2), dtype=int), 7, "integer sequences"),
        (np.array([[0, 1]]), 1, "M must be an int >= 2"),
    ],
)
def test_bad_sequences_are_rejected(x, M, match):
    with pytest.raises(ValueError, match=match):
        match3_labels(x, M)
