"""Continuous acyclicity functions h(W) with h(W) = 0 ⇔ W is a DAG, and their gradients ∇h.

- `h_logdet` (DAGMA's log-det, as used by TOPO's official code on |W|):
  h(W) = −log det(sI − |W|) + d·log s, ∇h(W) = (sI − |W|)^{−T} (the gradient w.r.t. |W|).
  For a DAG, (sI − |W|)^{−1} = Σ_k |W|^k / s^{k+1}, so (∇h)_ij is a weighted count of the
  directed paths j ⇝ i: it is zero exactly when adding the edge i → j keeps the graph acyclic.
  This is the signal TOPO uses to propose swaps (Sec. 4 of the paper).
- `h_expm` (NOTEARS): h(W) = tr(e^{W∘W}) − d, ∇h(W) = (e^{W∘W})ᵀ ∘ 2W.
- `h_poly` (Yu et al., 2019): h(W) = tr((I + W∘W/d)^d) − d, ∇h(W) = ((I + W∘W/d)^{d−1})ᵀ ∘ 2W.

All take W of shape (d, d) and return (h: float, ∇h: (d, d)).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla


def _square(W) -> np.ndarray:
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square (d, d) matrix, got shape {W.shape}")
    return W


def h_logdet(W, s: float = 1.0, order=None) -> tuple[float, np.ndarray]:
    """h(W) = −log det(sI − |W|) + d log s and ∇h = (sI − |W|)^{−T}; needs ρ(|W|) < s.

    With `order`, a topological order of the DAG W, sI − |W| permuted by it is upper
    triangular: h = 0 and ∇h comes from one triangular inverse, whose back substitution only
    adds non-negative products, so (∇h)_ij is *exactly* 0 where there is no path j ⇝ i (a
    general LU inverse leaves rounding noise of ~1e-17 there).
    """
    W = _square(W)
    d = W.shape[0]
    M = s * np.eye(d) - np.abs(W)
    if order is not None:
        idx = np.asarray(order)
        T = M[np.ix_(idx, idx)]
        if np.tril(T, -1).any():
            raise ValueError("order is not a topological order of W")
        inv = np.empty_like(M)
        inv[np.ix_(idx, idx)] = sla.solve_triangular(T, np.eye(d), lower=False)
        return float(-np.log(np.diag(T)).sum() + d * np.log(s)), inv.T
    sign, logdet = np.linalg.slogdet(M)
    if sign <= 0:
        raise ValueError(
            f"h_logdet is defined only where sI − |W| is an M-matrix (spectral radius of |W| "
            f"below s={s}); det(sI − |W|) has sign {sign:+.0f}"
        )
    return float(-logdet + d * np.log(s)), sla.inv(M).T


def h_expm(W) -> tuple[float, np.ndarray]:
    """NOTEARS: h(W) = tr(e^{W∘W}) − d, ∇h = (e^{W∘W})ᵀ ∘ 2W."""
    W = _square(W)
    E = sla.expm(W * W)
    return float(np.trace(E) - W.shape[0]), E.T * 2 * W


def h_poly(W) -> tuple[float, np.ndarray]:
    """Polynomial: h(W) = tr((I + W∘W/d)^d) − d, ∇h = ((I + W∘W/d)^{d−1})ᵀ ∘ 2W."""
    W = _square(W)
    d = W.shape[0]
    M = np.eye(d) + W * W / d
    E = np.linalg.matrix_power(M, d - 1)
    return float((E.T * M).sum() - d), E.T * 2 * W


H_FUNCTIONS = {"logdet": h_logdet, "expm": h_expm, "poly": h_poly}
