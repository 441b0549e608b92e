import itertools

import numpy as np
import pytest
from helpers import linear_problem
from hypothesis import given, settings
from hypothesis import strategies as st

from topo_swaps import (
    GramOLS,
    LassoSolver,
    LogisticL1Solver,
    count_accuracy,
    create_Z,
    default_sizes,
    greedy_swaps,
    simulate_dag,
    simulate_logistic_sem,
    simulate_weights,
    topo,
    topological_order,
)
from topo_swaps.inner import swap_positions

RTOL = 1e-12


def test_create_z_matches_the_official_docstring():
    expected = np.array(
        [
            [True, False, False, False],
            [True, True, False, False],
            [True, True, True, False],
            [True, True, True, True],
        ]
    )
    np.testing.assert_array_equal(create_Z([0, 1, 2, 3]), expected)


@given(order=st.permutations(list(range(6))))
def test_z_forbids_exactly_the_edges_against_the_order(order):
    Z = create_Z(order)
    pos = {v: k for k, v in enumerate(order)}
    for i, j in itertools.product(range(6), repeat=2):
        assert Z[i, j] == (pos[i] >= pos[j])  # i -> j forbidden when i is at or after j


def test_default_sizes_follow_set_sizes_linear():
    # d=10: min(15, floor(sqrt(10)*9*1)=28, 45) = 15; max(15, min(28, 45)) = 28; min(1, 1) = 1
    assert default_sizes(10) == (15, 28, 1)
    # d=20: growth = floor(4.472*19*1.301) = 110; small = 30, large = 110
    assert default_sizes(20) == (30, 110, 1)
    assert default_sizes(5) == (6, 7, 0)  # growth = floor(2.236*4*0.699) = 6
    assert default_sizes(2) == (1, 3, 0)


def _run(d=10, k=2, seed=0, **kw):
    B, _, X = linear_problem(d, k=k, n=1000, seed=seed)
    solver = GramOLS(X)
    init = np.random.default_rng(seed + 100).permutation(d)
    return B, solver, topo(solver, init, **kw)


def test_loss_never_increases_and_the_history_is_kept():
    _, solver, res = _run(d=12, k=3)
    losses = [h[0] for h in res.history]
    assert len(res.history) == res.iterations + 1 >= 2
    assert all(b <= a for a, b in itertools.pairwise(losses))
    for loss, order in res.history:
        assert sorted(order) == list(range(12))
        assert solver.fit(order).loss == pytest.approx(loss, rel=1e-12)
    assert res.history[-1] == (res.loss, res.order)


def test_at_termination_no_evaluated_swap_improves_by_full_refit():
    _, solver, res = _run(d=12, k=3, seed=1)
    assert res.final_pairs
    pos = {v: k for k, v in enumerate(res.order)}
    cut = res.loss - RTOL * max(1.0, abs(res.loss))
    for (i, j), recorded in zip(res.final_pairs, res.final_losses, strict=True):
        assert pos[j] < pos[i]  # a candidate is a forbidden edge i -> j
        refit = solver.fit(swap_positions(res.order, pos[j], pos[i])).loss
        assert refit == pytest.approx(recorded, rel=1e-12)
        assert refit >= cut


def test_with_all_pairs_as_candidates_the_result_is_a_swap_local_optimum():
    d = 7
    everything = d * (d - 1) // 2
    _, solver, res = _run(d=d, k=2, seed=2, size_small=everything, size_large=everything)
    cut = res.loss - RTOL * max(1.0, abs(res.loss))
    for p, q in itertools.combinations(range(d), 2):
        assert solver.fit(swap_positions(res.order, p, q)).loss >= cut


def test_true_order_with_many_samples_recovers_the_graph():
    B, _, X = linear_problem(5, k=2, n=5000, seed=3)
    res = topo(GramOLS(X), topological_order(B))
    assert count_accuracy(B, res.W_est)["shd"] == 0


def test_topo_recovers_an_er2_graph_from_a_random_order():
    B, _, res = _run(d=10, k=2, seed=4)
    assert count_accuracy(B, res.W_est)["shd"] <= 1
    assert np.abs(res.W_est[np.abs(res.W_est) > 0]).min() >= 0.3


@settings(max_examples=40, deadline=None)
@given(
    order=st.permutations(list(range(9))),
    picks=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), min_size=1, max_size=12),
    data=st.data(),
)
def test_greedy_swaps_never_overlap_and_keep_a_permutation(order, picks, data):
    pos = {v: k for k, v in enumerate(order)}
    pairs = sorted({(i, j) for i, j in picks if pos[i] > pos[j]})
    if not pairs:
        return
    size = len(pairs)
    losses = np.array(data.draw(st.lists(st.floats(0, 2), min_size=size, max_size=size)))
    new, applied = greedy_swaps(order, pairs, losses, 1.0)
    assert sorted(new) == list(range(9))
    spans = sorted((pos[j], pos[i]) for i, j in applied)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # disjoint intervals
    assert all(losses[pairs.index(pair)] < 1.0 for pair in applied)
    expected = list(order)
    for p, q in spans:
        expected[p], expected[q] = expected[q], expected[p]
    assert new == tuple(expected)


def test_disjoint_swaps_add_up():
    _, _, X = linear_problem(10, k=2, seed=5)
    solver = GramOLS(X)
    order = tuple(np.random.default_rng(0).permutation(10))
    fit = solver.fit(order)
    d1 = solver.swap_loss(fit, 0, 3) - fit.loss
    d2 = solver.swap_loss(fit, 5, 9) - fit.loss
    both = solver.fit(swap_positions(swap_positions(order, 0, 3), 5, 9)).loss
    assert both == pytest.approx(fit.loss + d1 + d2, rel=1e-12)


def test_parallel_candidate_evaluation_is_exact():
    _, solver, res = _run(d=10, k=3, seed=6)
    init = np.random.default_rng(106).permutation(10)
    par = topo(solver, init, n_jobs=2)
    assert par.order == res.order and par.history == res.history


def test_topo_with_lasso_and_logistic_inner_solvers_decreases_the_score():
    _, _, X = linear_problem(8, k=2, seed=7)
    rng = np.random.default_rng(7)
    W = simulate_weights(simulate_dag(6, 2, "ER", rng), rng)
    Xb = simulate_logistic_sem(W, 500, rng)
    for solver, d in ((LassoSolver(X, 0.1), 8), (LogisticL1Solver(Xb), 6)):
        res = topo(solver, rng.permutation(d))
        losses = [h[0] for h in res.history]
        assert all(b <= a for a, b in itertools.pairwise(losses))
        assert res.loss == pytest.approx(solver.fit(res.order).loss)


# --- bad input --------------------------------------------------------------------------------


def test_initial_order_must_be_a_permutation():
    _, _, X = linear_problem(6, seed=8)
    solver = GramOLS(X)
    for bad in ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 4], [1, 2, 3, 4, 5, 6], [[0, 1, 2, 3, 4, 5]]):
        with pytest.raises(ValueError, match=r"init_order must be .*range\(6\)"):
            topo(solver, bad)


def test_sizes_above_the_number_of_pairs_are_clamped_with_a_warning():
    _, _, X = linear_problem(5, seed=9)
    solver = GramOLS(X)
    with pytest.warns(RuntimeWarning, match=r"exceed the d\(d−1\)/2 = 10 swappable pairs"):
        res = topo(solver, list(range(5)), size_small=50, size_large=60)
    assert len(res.final_pairs) <= 10
    with pytest.raises(ValueError, match="size_small must be >= 1"):
        topo(solver, list(range(5)), size_small=0)
    with pytest.raises(ValueError, match="no_large_search must be >= 0"):
        topo(solver, list(range(5)), no_large_search=-2)
    with pytest.raises(ValueError, match="n_jobs must be >= 1"):
        topo(solver, list(range(5)), n_jobs=0)
