"""Graph metrics: thresholding, DAG checks (networkx), SHD / TPR / FDR as in NOTEARS' utils.

Adjacency convention: B[i, j] ≠ 0 for the edge i → j.

- SHD = extra + missing + reversed: an extra or missing skeleton edge counts 1 and a reversed
  edge counts 1 (not 2);
- TPR = correctly oriented edges / true edges;
- FDR = (reversed + edges absent from the true skeleton) / predicted edges.
"""

from __future__ import annotations

import networkx as nx
import numpy as np


def threshold(W: np.ndarray, w: float = 0.3) -> np.ndarray:
    """A copy of W with the entries |W_ij| < w set to 0."""
    W = np.array(W, dtype=np.float64)
    W[np.abs(W) < w] = 0.0
    return W


def is_dag(B: np.ndarray) -> bool:
    """Whether the graph with edges {i → j : B[i, j] ≠ 0} is acyclic (self-loops are cycles)."""
    return nx.is_directed_acyclic_graph(nx.DiGraph(np.asarray(B) != 0))


def topological_order(B: np.ndarray) -> list[int]:
    """A topological order of the DAG B (lexicographically smallest, so deterministic)."""
    G = nx.DiGraph(np.asarray(B) != 0)
    if not nx.is_directed_acyclic_graph(G):
        raise ValueError("B has a directed cycle: it has no topological order")
    return list(nx.lexicographical_topological_sort(G))


def to_dag(W: np.ndarray, w: float = 0.3) -> tuple[np.ndarray, float]:
    """Threshold W at w, raising the threshold past the smallest surviving |W_ij| until acyclic.

    Returns (the thresholded DAG, the threshold used). A no-op beyond `threshold` when W is
    (numerically) a DAG already, as NOTEARS' output is when h(W) ≤ 1e-8.
    """
    W = threshold(W, w)
    used = w
    while not is_dag(W):
        used = float(np.min(np.abs(W[W != 0])))
        W[np.abs(W) <= used] = 0.0
    return W, used


def count_accuracy(B_true: np.ndarray, B_est: np.ndarray) -> dict[str, float]:
    """SHD, TPR, FDR, number of predicted edges, and the extra/missing/reversed counts.

    B_true, B_est: (d, d); nonzero entries are edges. B_est must be a DAG.
    """
    B_true, B_est = np.asarray(B_true) != 0, np.asarray(B_est) != 0
    if B_true.shape != B_est.shape or B_true.ndim != 2 or B_true.shape[0] != B_true.shape[1]:
        raise ValueError(f"B_true and B_est must be (d, d), got {B_true.shape}, {B_est.shape}")
    if not is_dag(B_est):
        raise ValueError("B_est must be a DAG (threshold it, e.g. with `to_dag`)")
    upper = np.triu(np.ones_like(B_true), 1)
    skel_true = (B_true | B_true.T) & upper
    skel_est = (B_est | B_est.T) & upper
    extra = int((skel_est & ~skel_true).sum())
    missing = int((skel_true & ~skel_est).sum())
    reversed_ = int((B_est & B_true.T & ~B_true).sum())
    false_pos = int((B_est & ~(B_true | B_true.T)).sum())
    n_pred, n_true = int(B_est.sum()), int(B_true.sum())
    return {
        "shd": float(extra + missing + reversed_),
        "tpr": float((B_est & B_true).sum()) / max(n_true, 1),
        "fdr": float(reversed_ + false_pos) / max(n_pred, 1),
        "nnz": float(n_pred),
        "extra": float(extra),
        "missing": float(missing),
        "reversed": float(reversed_),
    }
