import networkx as nx
import numpy as np
import pytest
from helpers import linear_problem
from hypothesis import given, settings
from hypothesis import strategies as st

from topo_swaps import h_expm, h_logdet, h_poly, simulate_dag, simulate_weights, topological_order

H = {"logdet": h_logdet, "expm": h_expm, "poly": h_poly}


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3))
def test_grad_h_is_zero_exactly_where_adding_the_edge_keeps_a_dag(seed, k):
    rng = np.random.default_rng(seed)
    d = 6
    W = simulate_weights(simulate_dag(d, k, "ER", rng), rng)
    h, G = h_logdet(W, order=topological_order(W))
    assert h == 0.0
    for i in range(d):
        for j in range(d):
            B = np.abs(W) > 0
            B[i, j] = True
            keeps_dag = nx.is_directed_acyclic_graph(nx.DiGraph(B))
            assert (G[i, j] == 0) == keeps_dag, (i, j, G[i, j])


@pytest.mark.parametrize("name", list(H))
def test_h_is_zero_on_dags_and_positive_on_a_two_cycle(name):
    _, W, _ = linear_problem(8, k=2)
    h, _ = H[name](W * 0.4)  # logdet needs ρ(|W|) < 1 only off DAGs; DAGs are nilpotent
    assert h == pytest.approx(0.0, abs=1e-12)
    cycle = np.array([[0.0, 0.5, 0.0], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert H[name](cycle)[0] > 1e-3


@pytest.mark.parametrize("name", list(H))
def test_h_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(3)
    W = rng.uniform(0.05, 0.2, size=(5, 5)) * rng.choice([-1, 1], size=(5, 5))
    _, G = H[name](W)
    eps = 1e-6
    for i, j in [(0, 1), (2, 4), (3, 3), (4, 0)]:
        E = np.zeros_like(W)
        E[i, j] = eps
        numeric = (H[name](W + E)[0] - H[name](W - E)[0]) / (2 * eps)
        # logdet differentiates w.r.t. |W|: chain rule gives sign(W_ij)·(∇h)_ij
        analytic = G[i, j] * (np.sign(W[i, j]) if name == "logdet" else 1.0)
        assert numeric == pytest.approx(analytic, rel=1e-6, abs=1e-9)


def test_logdet_outside_its_domain_is_refused():
    cycle = np.array([[0.0, 2.0], [2.0, 0.0]])
    with pytest.raises(ValueError, match="M-matrix"):
        h_logdet(cycle)
    with pytest.raises(ValueError, match="square"):
        h_expm(np.ones((2, 3)))


def test_logdet_with_an_order_agrees_with_the_general_path():
    _, W, _ = linear_problem(7, k=2)
    h, G = h_logdet(W, order=topological_order(W))
    h_lu, G_lu = h_logdet(W)
    assert h == pytest.approx(h_lu, abs=1e-12)
    np.testing.assert_allclose(G, G_lu, atol=1e-12)
    with pytest.raises(ValueError, match="not a topological order"):
        h_logdet(W, order=topological_order(W)[::-1])
