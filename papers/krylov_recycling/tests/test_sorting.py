import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from krylov_recycling import fft_features, greedy_order, path_length, skr_order, sort_features
from krylov_recycling.data import helmholtz


@given(st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=40))
def test_greedy_order_of_scalars_from_the_minimum_is_monotone(values):
    x = np.array(values, dtype=float)[:, None] / 8  # exact differences: no rounding ties
    order = greedy_order(x, start=int(np.argmin(x)))
    assert np.all(np.diff(x[order, 0]) >= 0)
    assert sorted(order.tolist()) == list(range(len(values)))


def test_greedy_path_is_no_longer_than_random_orders():
    for seed in range(20):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((30, 3))
        greedy = path_length(X, greedy_order(X))
        for _ in range(5):
            order = np.concatenate([[0], 1 + rng.permutation(29)])
            assert greedy <= path_length(X, order)


def test_ties_go_to_the_lowest_index_deterministically():
    X = np.array([[0.0], [1.0], [-1.0], [2.0], [-2.0]])
    assert greedy_order(X).tolist() == [0, 1, 3, 2, 4]
    assert greedy_order(X).tolist() == greedy_order(X.copy()).tolist()


def test_fft_features_are_min_max_scaled_pca_components():
    rng = np.random.default_rng(0)
    fields = rng.standard_normal((15, 20, 20))
    F = fft_features(fields, block=12, pca=7)
    assert F.shape == (15, 7)
    np.testing.assert_allclose(F.min(axis=0), 0.0)
    np.testing.assert_allclose(F.max(axis=0), 1.0)
    assert fft_features(fields, block=12, pca=None).shape == (15, 2 * 144)


def test_helmholtz_features_append_the_scaled_kappa():
    systems = helmholtz(np.random.default_rng(1), 10, 5)
    fields = np.stack([s.field for s in systems])
    kappa = np.stack([s.scalars for s in systems])
    X = sort_features(fields, kappa, scalar_scale=2.0)
    np.testing.assert_allclose(X[:, -1], 2.0 * kappa[:, 0])
    assert X.shape == (5, 101)
    assert skr_order(systems, scalar_scale=2.0).tolist() == greedy_order(X).tolist()


def test_bad_sort_inputs_are_rejected():
    with pytest.raises(ValueError, match="features must be a non-empty"):
        greedy_order(np.zeros(3))
    with pytest.raises(ValueError, match="start must be in"):
        greedy_order(np.zeros((3, 1)), start=3)
    with pytest.raises(ValueError, match="NaN or inf"):
        greedy_order(np.array([[0.0], [np.nan]]))
    with pytest.raises(ValueError, match="kind must be one of"):
        sort_features(np.zeros((2, 4, 4)), kind="spectral")
