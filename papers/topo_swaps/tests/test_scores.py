import numpy as np
import pytest
from helpers import linear_problem

from topo_swaps import l1, least_squares, least_squares_gram, logistic


def _fd(f, W, i, j, eps=1e-6):
    E = np.zeros_like(W)
    E[i, j] = eps
    return (f(W + E)[0] - f(W - E)[0]) / (2 * eps)


def test_least_squares_gradient_matches_finite_differences_and_the_gram_form():
    _, _, X = linear_problem(6, n=200)
    W = np.random.default_rng(1).normal(scale=0.3, size=(6, 6))
    loss, G = least_squares(X, W)
    cov = X.T @ X / X.shape[0]
    loss_g, G_g = least_squares_gram(cov, W)
    assert loss_g == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(G_g, G, rtol=1e-10, atol=1e-12)
    for i, j in [(0, 1), (3, 2), (5, 5)]:
        assert G[i, j] == pytest.approx(_fd(lambda V: least_squares(X, V), W, i, j), rel=1e-6)


def test_logistic_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    X = (rng.random((300, 5)) < 0.4).astype(float)
    W = rng.normal(scale=0.5, size=(5, 5))
    _, G = logistic(X, W)
    for i, j in [(0, 1), (4, 2), (3, 3)]:
        assert G[i, j] == pytest.approx(_fd(lambda V: logistic(X, V), W, i, j), rel=1e-6)


def test_l1_penalty_and_subgradient():
    W = np.array([[0.0, -2.0], [0.5, 0.0]])
    value, G = l1(W, 0.1)
    assert value == pytest.approx(0.25)
    np.testing.assert_array_equal(G, [[0.0, -0.1], [0.1, 0.0]])
