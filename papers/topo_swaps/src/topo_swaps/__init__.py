"""Optimizing NOTEARS Objectives via Topological Swaps (Deng, Bello, Aragam, Ravikumar; ICML 2023).

TOPO searches over topological orders π by swapping node pairs proposed by ∇h (outer level) and
solves the order-constrained score minimisation W*(π) exactly (inner level).
"""

from topo_swaps.acyclicity import h_expm, h_logdet, h_poly
from topo_swaps.baselines import NotearsResult, dagma_available, dagma_linear, notears_linear
from topo_swaps.data import (
    check_data,
    load_table,
    simulate_dag,
    simulate_linear_sem,
    simulate_logistic_sem,
    simulate_weights,
)
from topo_swaps.inner import (
    GramOLS,
    InnerSolver,
    LassoSolver,
    LogisticL1Solver,
    LstsqOLS,
    OrderFit,
    check_order,
)
from topo_swaps.metrics import count_accuracy, is_dag, threshold, to_dag, topological_order
from topo_swaps.scores import l1, least_squares, least_squares_gram, logistic
from topo_swaps.topo import (
    TopoResult,
    candidate_sets,
    create_Z,
    default_sizes,
    greedy_swaps,
    topo,
)

__all__ = [
    "GramOLS",
    "InnerSolver",
    "LassoSolver",
    "LogisticL1Solver",
    "LstsqOLS",
    "NotearsResult",
    "OrderFit",
    "TopoResult",
    "candidate_sets",
    "check_data",
    "check_order",
    "count_accuracy",
    "create_Z",
    "dagma_available",
    "dagma_linear",
    "default_sizes",
    "greedy_swaps",
    "h_expm",
    "h_logdet",
    "h_poly",
    "is_dag",
    "l1",
    "least_squares",
    "least_squares_gram",
    "load_table",
    "logistic",
    "notears_linear",
    "simulate_dag",
    "simulate_linear_sem",
    "simulate_logistic_sem",
    "simulate_weights",
    "threshold",
    "to_dag",
    "topo",
    "topological_order",
]
