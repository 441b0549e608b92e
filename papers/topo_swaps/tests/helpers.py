"""Small problems shared by the tests."""

import numpy as np

from topo_swaps import simulate_dag, simulate_linear_sem, simulate_weights


def linear_problem(d: int, k: int = 2, n: int = 500, seed: int = 0, graph: str = "ER"):
    """(B_true, W_true, centred X) for a d-node ER-k/SF-k DAG with Gaussian noise."""
    rng = np.random.default_rng(seed)
    B = simulate_dag(d, k, graph, rng)
    W = simulate_weights(B, rng)
    X = simulate_linear_sem(W, n, "gauss", rng)
    return B, W, X - X.mean(axis=0)
