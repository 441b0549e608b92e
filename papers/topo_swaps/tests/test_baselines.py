import sys

import numpy as np
import pytest
from helpers import linear_problem

from topo_swaps import (
    count_accuracy,
    dagma_linear,
    h_expm,
    is_dag,
    notears_linear,
    simulate_dag,
    simulate_logistic_sem,
    simulate_weights,
)

B5, _, X5 = linear_problem(5, k=1, n=500, seed=0)


def test_notears_reaches_h_below_tolerance_and_returns_a_dag():
    res = notears_linear(X5)
    assert not res.reached_rho_max
    assert res.h <= 1e-8
    assert h_expm(res.W)[0] <= 1e-8  # before thresholding
    assert is_dag(res.W_est)
    assert np.abs(res.W_est[res.W_est != 0]).min() >= 0.3
    assert count_accuracy(B5, res.W_est)["shd"] <= 2


def test_notears_at_rho_max_returns_its_last_iterate_with_a_flag():
    res = notears_linear(X5, rho_max=1e2)
    assert res.reached_rho_max and res.h > 1e-8 and res.rho >= 1e2
    assert np.isfinite(res.W).all() and res.W.any()
    assert is_dag(res.W_est)


def test_notears_logistic_runs_on_binary_data():
    rng = np.random.default_rng(1)
    W = simulate_weights(simulate_dag(4, 1, "ER", rng), rng)
    X = simulate_logistic_sem(W, 300, rng)
    res = notears_linear(X, loss="logistic")
    assert res.h <= 1e-8 and is_dag(res.W_est)


def test_notears_bad_input():
    with pytest.raises(ValueError, match="loss must be one of"):
        notears_linear(X5, loss="poisson")
    with pytest.raises(ValueError, match="binary"):
        notears_linear(X5, loss="logistic")
    with pytest.raises(ValueError, match="NaN or inf"):
        notears_linear(np.full((4, 3), np.nan))


def test_dagma_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dagma.linear", None)
    with pytest.raises(ImportError, match=r"optional peer.*\[peers\]"):
        dagma_linear(X5)
