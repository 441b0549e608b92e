"""Discretizations of −∇·(a ∇u) − κ² u = f on (0, 1)² with u = 0 (or given) on the boundary.

The coefficient a is given at the s × s nodes x_i = i h, h = 1/(s − 1); the unknowns are the
(s − 2)² interior nodes in row-major order (index p (s − 2) + q for node (p + 1, q + 1)).

`darcy_fv`: 5-point finite volumes with arithmetic face averages a_{P,N} = (a_P + a_N)/2,

    (1/h²) Σ_N a_{P,N} (u_P − u_N) = f_P,

symmetric positive definite (for constant a it is the 5-point Laplacian / h²).

`darcy_official`: the official generator's `build_darcy` (unscaled, nonsymmetric): diagonal
4 a_P, off-diagonals −a_N (the neighbour's own value), right-hand side h'² f with
h' = 1/(s − 3). Its coupling to the node above is read two entries early in the flattened
coefficient array (`coef[:-2, 1:-1].flatten()[s - 2:]` where s − 2 was meant), and we keep that:
the variant reproduces the official matrices, not a corrected version of them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

VARIANTS = ("fv", "official")


def _check_field(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 4:
        raise ValueError(f"a must be a square (s, s) field with s >= 4, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("a must be finite and positive")
    return a


def darcy_fv(a: np.ndarray) -> sp.csr_matrix:
    """The SPD finite-volume matrix ((s − 2)², (s − 2)²) of −∇·(a∇u) for nodal a (s, s)."""
    a = _check_field(a)
    s = a.shape[0]
    ni = s - 2
    h = 1.0 / (s - 1)
    P = a[1:-1, 1:-1]
    west = 0.5 * (P + a[1:-1, :-2])
    east = 0.5 * (P + a[1:-1, 2:])
    north = 0.5 * (P + a[:-2, 1:-1])
    south = 0.5 * (P + a[2:, 1:-1])
    idx = np.arange(ni * ni).reshape(ni, ni)
    rows = [idx.ravel()]
    cols = [idx.ravel()]
    vals = [(west + east + north + south).ravel()]
    for face, (dp, dq) in ((west, (0, -1)), (east, (0, 1)), (north, (-1, 0)), (south, (1, 0))):
        p0, p1 = max(0, -dp), ni - max(0, dp)
        q0, q1 = max(0, -dq), ni - max(0, dq)
        rows.append(idx[p0:p1, q0:q1].ravel())
        cols.append(idx[p0 + dp : p1 + dp, q0 + dq : q1 + dq].ravel())
        vals.append(-face[p0:p1, q0:q1].ravel())
    A = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(ni * ni,) * 2
    )
    return (A.tocsr() / h**2).tocsr()


def darcy_official(a: np.ndarray) -> tuple[sp.csr_matrix, float]:
    """The official `build_darcy` matrix for nodal a (s, s), and its right-hand-side scale h'²."""
    a = _check_field(a)
    ni = a.shape[0] - 2
    N = ni * ni
    P = a[1:-1, 1:-1].ravel()
    west = a[1:-1, :-2].copy()
    west[:, 0] = 0.0  # no coupling across the left boundary
    east = a[1:-1, 2:].copy()
    east[:, -1] = 0.0
    up = a[:-2, 1:-1].ravel()
    down = a[2:, 1:-1].ravel()
    r = np.arange(N)
    rows = [r, r[1:], r[:-1], r[ni:], r[: N - ni]]
    cols = [r, r[:-1], r[1:], r[: N - ni], r[ni:]]
    vals = [
        4.0 * P,
        -west.ravel()[1:],  # (i, i−1)
        -east.ravel()[:-1],  # (i, i+1)
        -up[ni - 2 : ni - 2 + N - ni],  # (i, i−ni): read at i − 2, as the official code does
        -down[: N - ni],  # (i, i+ni)
    ]
    A = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(N, N)
    )
    A = A.tocsr()
    A.eliminate_zeros()
    return A, (1.0 / (ni - 1)) ** 2


def laplacian_5pt(s: int) -> sp.csr_matrix:
    """The 5-point Laplacian / h² on the (s − 2)² interior nodes (Dirichlet)."""
    return darcy_fv(np.ones((s, s)))
