import warnings

import networkx as nx
import numpy as np
import pytest
from helpers import linear_problem
from hypothesis import given, settings
from hypothesis import strategies as st

from topo_swaps import (
    GramOLS,
    LassoSolver,
    LogisticL1Solver,
    LstsqOLS,
    create_Z,
    l1,
    least_squares,
    least_squares_gram,
    simulate_dag,
    simulate_logistic_sem,
    simulate_weights,
)
from topo_swaps.inner import swap_positions

_, _, X8 = linear_problem(8, k=2, n=500, seed=1)
GRAM8, LSTSQ8 = GramOLS(X8), LstsqOLS(X8)
orders8 = st.permutations(list(range(8)))


@settings(max_examples=25, deadline=None)
@given(order=orders8)
def test_gram_ols_equals_lstsq_on_x(order):
    fg, fr = GRAM8.fit(order), LSTSQ8.fit(order)
    np.testing.assert_allclose(fg.W, fr.W, rtol=0, atol=1e-10)
    assert fg.loss == pytest.approx(fr.loss, rel=1e-10)
    assert fg.loss == pytest.approx(least_squares(X8, fg.W)[0], rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(order=orders8)
def test_w_star_respects_the_order_and_is_a_dag(order):
    fit = GRAM8.fit(order)
    assert not fit.W[create_Z(order)].any()  # W*(π)_ij = 0 whenever pos(i) >= pos(j)
    assert nx.is_directed_acyclic_graph(nx.DiGraph(fit.W != 0))
    assert fit.order == tuple(order)


@settings(max_examples=40, deadline=None)
@given(
    order=orders8, pq=st.lists(st.integers(0, 7), min_size=2, max_size=2, unique=True).map(sorted)
)
def test_swap_by_partial_refit_equals_a_full_refit(order, pq):
    p, q = pq
    full = GRAM8.fit(swap_positions(order, p, q)).loss
    for solver in (GRAM8, LSTSQ8):
        partial = solver.swap_loss(solver.fit(order), p, q)
        assert abs(partial - full) <= 1e-12 * max(1.0, abs(full))


def test_swap_partial_refit_for_lasso_and_logistic_solvers():
    rng = np.random.default_rng(4)
    W = simulate_weights(simulate_dag(6, 2, "ER", rng), rng)
    Xb = simulate_logistic_sem(W, 400, rng)
    order = list(rng.permutation(6))
    for solver in (LassoSolver(X8[:, :6], 0.05), LogisticL1Solver(Xb)):
        for p, q in [(0, 5), (1, 3), (2, 3)]:
            partial = solver.swap_loss(solver.fit(order), p, q)
            full = solver.fit(swap_positions(order, p, q)).loss
            assert partial == pytest.approx(full, rel=1e-12)


@settings(max_examples=15, deadline=None)
@given(order=orders8)
def test_ols_gradient_vanishes_on_allowed_entries(order):
    fit = GRAM8.fit(order)
    _, G = least_squares_gram(GRAM8.cov, fit.W)
    allowed = ~create_Z(order)
    assert np.abs(G[allowed]).max() < 1e-10
    assert np.abs(least_squares(X8, fit.W)[1][allowed]).max() < 1e-10


def test_lasso_score_is_the_penalised_least_squares_and_lars_agrees():
    order = list(range(8))
    lasso, lars = LassoSolver(X8, 0.1), LassoSolver(X8, 0.1, method="lars")
    fit = lasso.fit(order)
    assert fit.loss == pytest.approx(least_squares(X8, fit.W)[0] + l1(fit.W, 0.1)[0], rel=1e-12)
    np.testing.assert_allclose(lars.fit(order).W, fit.W, atol=1e-4)
    assert not fit.W[create_Z(order)].any()


def test_logistic_score_matches_liblinear_objective_scaled():
    rng = np.random.default_rng(5)
    W = simulate_weights(simulate_dag(5, 2, "ER", rng), rng)
    X = simulate_logistic_sem(W, 500, rng)
    solver = LogisticL1Solver(X, C=0.1)
    assert solver.lam == pytest.approx(1 / (0.1 * 500))
    fit = solver.fit([0, 1, 2, 3, 4])
    M = X @ fit.W
    expected = (np.logaddexp(0, M) - X * M).mean(axis=0).sum() + solver.lam * np.abs(fit.W).sum()
    assert fit.loss == pytest.approx(expected, rel=1e-12)


def test_fit_parents_recovers_the_true_weights():
    B, W, X = linear_problem(6, k=2, n=20000, seed=2)
    W_hat, loss = GramOLS(X).fit_parents(B)
    np.testing.assert_allclose(W_hat, W, atol=0.05)
    assert loss == pytest.approx(least_squares(X, W_hat)[0], rel=1e-10)


# --- bad input --------------------------------------------------------------------------------


def test_bad_data_is_refused():
    with pytest.raises(ValueError, match="NaN or inf"):
        GramOLS(np.where(np.eye(5, 3) > 0, np.nan, 1.0) + np.arange(15).reshape(5, 3))
    X = X8.copy()
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match=r"NaN or inf \(columns \[2\]\)"):
        GramOLS(X)
    with pytest.raises(ValueError, match="d >= 2"):
        GramOLS(X8[:, :1])
    X = X8.copy()
    X[:, 4] = 3.0
    with pytest.raises(ValueError, match=r"zero-variance column\(s\) \[4\]"):
        GramOLS(X)
    with pytest.raises(ValueError, match="linearly dependent"):
        GramOLS(np.column_stack([X8, X8[:, 0] + X8[:, 1]]))
    with pytest.raises(ValueError, match="shape \\(n, d\\)"):
        GramOLS(np.ones(5))


def test_bad_orders_are_refused():
    for bad in ([0, 1, 2, 3, 4, 5, 6], [0, 0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5, 6, 8]):
        with pytest.raises(ValueError, match=r"permutation of range\(8\)"):
            GRAM8.fit(bad)
    with pytest.raises(ValueError, match="sequence of ints"):
        GRAM8.fit([0.0, 1, 2, 3, 4, 5, 6, 7])


def test_n_below_d_uses_a_ridge_with_a_warning_never_nan():
    _, _, X = linear_problem(12, k=2, n=8, seed=3)
    with pytest.warns(RuntimeWarning, match="ridge of 1e-08"):
        solver = GramOLS(X)
    fit = solver.fit(list(range(12)))
    assert np.isfinite(fit.W).all() and np.isfinite(fit.loss)
    assert np.isfinite(solver.swap_loss(fit, 2, 9))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GramOLS(X8)  # n >= d: no warning


def test_solver_specific_inputs_are_checked():
    with pytest.raises(ValueError, match="binary"):
        LogisticL1Solver(X8)
    with pytest.raises(ValueError, match="'lasso' or 'lars'"):
        LassoSolver(X8, 0.1, method="ridge")
    with pytest.raises(ValueError, match="must be > 0"):
        LassoSolver(X8, 0.0)
    with pytest.raises(ValueError, match=r"B must have shape \(8, 8\)"):
        GRAM8.fit_parents(np.zeros((3, 3)))
