"""GCRO-DR(m, k): GMRES with deflated restarting and a recycled subspace (Parks, de Sturler,
Mackey, Johnson & Maiti 2006, Algorithm 2.1), the solver inside SKR (paper §3.2, §4).

The method keeps a recycle space U (k vectors) with C = Â U orthonormal (Â = A M, M the right
preconditioner). Every cycle minimizes the residual over span(U) ⊕ K_{m−k}((I − CCᵀ)Â, r):

    (I − CCᵀ) Â V_{m−k} = V_{m−k+1} H̄_{m−k},   B = Cᵀ Â V_{m−k}
    Ŵ = [U D_k, V_{m−k}],  V̂ = [C, V_{m−k+1}],  Â Ŵ = V̂ Ĝ,  Ĝ = [[D_k, B], [0, H̄_{m−k}]]

with D_k = diag(1/‖u_i‖), and then replaces U by the k harmonic Ritz vectors of Â with respect
to range(Ŵ) whose harmonic Ritz values θ are smallest in modulus (the eigenvalues that slow a
restarted Krylov method down):

    Ĝᵀ Ĝ z = θ Ĝᵀ V̂ᵀ Ŵ z,   [Q, R] = qr(Ĝ P_k),   C = V̂ Q,   U = Ŵ P_k R⁻¹.

The first cycle with no U is a plain GMRES(m) cycle whose harmonic Ritz vectors come from
(H_m + h²_{m+1,m} H_m^{−T} e_m e_mᵀ) p = θ p. For a new matrix the old U is kept and C is rebuilt
from the new operator: [Q, R] = qr(Â_new U), C = Q, U ← U R⁻¹, x += M U Cᵀ r, r −= C Cᵀ r.

All bases are stored as rows: C and U are (k, n) arrays.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from krylov_recycling.arnoldi import arnoldi_cycle
from krylov_recycling.preconditioners import Apply
from krylov_recycling.system import SolveResult, check_system

REAL = 1e-10  # |Im θ| ≤ REAL |θ|: a real harmonic Ritz value


@dataclass
class CycleState:
    """What a callback sees after every cycle (after the recycle update).

    x, r: (n,) iterate and residual (the recursive one the method carries); C, U: (kk, n) rows,
    kk ≤ k (None before the first update, or with k = 0).
    """

    cycle: int
    x: np.ndarray
    r: np.ndarray
    C: np.ndarray | None
    U: np.ndarray | None


def _by_modulus(theta: np.ndarray) -> np.ndarray:
    """Indices of θ by increasing |θ|; infinite (or undefined) values last, ties by index."""
    key = np.abs(theta)
    key = np.where(np.isfinite(key), key, np.inf)
    return np.argsort(key, kind="stable")


def harmonic_ritz(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Harmonic Ritz pairs of a GMRES cycle from H̄_j (j+1, j), sorted by |θ|.

    Eigenpairs of H_j + h²_{j+1,j} H_j^{−T} e_j e_jᵀ (Parks et al. 2006, eq. 2.4): θ (j,), the
    vectors P (j, j) as columns (complex where θ is).
    """
    j = H.shape[1]
    Hj = H[:j, :j].copy()
    h = H[j, j - 1] if H.shape[0] > j else 0.0
    if h != 0.0:
        e = np.zeros(j)
        e[-1] = 1.0
        try:
            Hj[:, -1] += h**2 * sla.solve(Hj.T, e)
        except sla.LinAlgError:  # singular H_j: the equivalent pencil H̄ᵀH̄ z = θ H_jᵀ z
            return harmonic_ritz_generalized(H, np.eye(j + 1, j))
    theta, P = sla.eig(Hj)
    order = _by_modulus(theta)
    return theta[order], P[:, order]


def harmonic_ritz_generalized(G: np.ndarray, VW: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of Ĝᵀ Ĝ z = θ Ĝᵀ V̂ᵀ Ŵ z for Ĝ, V̂ᵀŴ of shape (N+1, N), sorted by |θ|.

    θ = α/β from the homogeneous form; β = 0 gives θ = ∞, sorted last.
    """
    (alpha, beta), Z = sla.eig(G.T @ G, G.T @ VW, homogeneous_eigvals=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(beta != 0, alpha / np.where(beta != 0, beta, 1), np.inf)
    order = _by_modulus(theta)
    return theta[order], Z[:, order]


def real_basis(theta: np.ndarray, Z: np.ndarray, k: int) -> np.ndarray:
    """A real basis (N, k') of the span of the k eigenvectors (columns of Z) with smallest |θ|.

    A complex-conjugate pair z, z̄ spans the same space as Re z, Im z (taking only Re z would
    lose rank), so pairs enter whole: when the k-th vector would split a pair, the pair is left
    out and k' = k − 1. θ must already be sorted by |θ| (see `_by_modulus`).
    """
    cols: list[np.ndarray] = []
    used = np.zeros(theta.size, dtype=bool)
    for i in range(theta.size):
        if len(cols) >= k:
            break
        if used[i]:
            continue
        used[i] = True
        t = theta[i]
        if not np.isfinite(t) or abs(t.imag) <= REAL * abs(t):
            cols.append(Z[:, i].real)
            continue
        free = np.flatnonzero(~used)
        partner = free[np.argmin(np.abs(theta[free] - np.conj(t)))] if free.size else None
        if partner is None or len(cols) + 2 > k:
            break
        used[partner] = True
        cols += [Z[:, i].real, Z[:, i].imag]
    if not cols:
        return np.zeros((Z.shape[0], 0))
    return np.column_stack(cols)


def _recycle_space(U: np.ndarray | None, n: int, k: int) -> np.ndarray | None:
    """U as (kk, n) float rows with 1 ≤ kk ≤ k, or None; another shape is reset with a warning."""
    if U is None:
        return None
    U = np.asarray(U, dtype=float)
    if U.ndim != 2 or U.shape[1] != n or not 1 <= U.shape[0] <= k:
        warnings.warn(
            f"recycle space U of shape {U.shape} does not fit (at most k={k} rows of length "
            f"n={n}); starting without recycling",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    if not np.all(np.isfinite(U)):
        raise ValueError("U (recycle space) contains NaN or inf")
    return U


def _triangular_inverse_rows(R: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """R^{−T} rows for R (p, p) upper triangular: the rows of U R⁻¹ when U is stored as rows."""
    return sla.solve_triangular(R, rows, trans="T")


def gcrodr(
    A,
    b: np.ndarray,
    *,
    m: int = 40,
    k: int = 20,
    rtol: float = 1e-8,
    maxit: int = 10_000,
    U: np.ndarray | None = None,
    M: Apply | None = None,
    orthogonalization: str = "cgs2",
    callback: Callable[[CycleState], None] | None = None,
) -> SolveResult:
    """Solve A x = b from x₀ = 0 with right-preconditioned GCRO-DR(m, k).

    A: (n, n) sparse or dense; b: (n,); U: recycle space (kk, n) from the previous system or None;
    M: right preconditioner; maxit: budget of products with A. Returns a SolveResult whose U is
    the recycle space to hand to the next system.
    """
    A, b = check_system(A, b, rtol=rtol, maxit=maxit, m=m, k=k)
    M = M if M is not None else (lambda v: v)
    n = b.size
    U = _recycle_space(U, n, k)
    x = np.zeros(n)
    bnorm = float(np.linalg.norm(b))
    if bnorm == 0.0:
        return SolveResult(x, 0, True, 0.0, [0.0], U=U)
    tol = rtol * bnorm
    count = [0]

    def apply(v: np.ndarray) -> np.ndarray:
        count[0] += 1
        return A @ M(v)

    r = b.copy()
    history = [bnorm]
    C = None
    if U is not None:  # a new matrix: keep U, rebuild C = orth(Â U) (Parks et al., Alg. 2.1)
        AU = A @ M(np.ascontiguousarray(U.T))
        count[0] += U.shape[0]
        Q, R = np.linalg.qr(AU)
        C = np.ascontiguousarray(Q.T)
        U = _triangular_inverse_rows(R, U)
        c = C @ r
        x += M(c @ U)
        r -= c @ C
        history.append(float(np.linalg.norm(r)))

    basis = np.empty((m + 1, n))
    converged, cycle = False, 0
    while count[0] < maxit:
        kk = 0 if C is None else C.shape[0]
        steps = min(m - kk, maxit - count[0])
        if kk:
            basis[:kk] = C
            c1 = C @ r
            rp = r - c1 @ C
        else:
            c1, rp = np.zeros(0), r
        beta = float(np.linalg.norm(rp))
        if beta == 0.0:  # r lies in span(C) (or is 0): the recycled space alone solves it
            if kk:
                x += M(c1 @ U)
            r = rp
            cyc = None
        else:
            basis[kk] = rp / beta
            cyc = arnoldi_cycle(apply, basis, kk, steps, beta, tol, orthogonalization)
            j = cyc.steps
            y2 = cyc.lsq.solve()
            V = basis[kk : kk + j]
            if kk:
                unorm = np.linalg.norm(U, axis=1)
                Ut = U / unorm[:, None]  # Ŵ's first block, U D_k
                y1 = (c1 - cyc.B @ y2) * unorm  # makes the C-block of the residual vanish
                x += M(y1 @ Ut + y2 @ V)
            else:
                x += M(y2 @ V)
            s = -(cyc.H @ y2)
            s[0] += beta
            r = s @ basis[kk : kk + j + 1]
            if k > 0 and kk + j > 0:
                if kk:
                    G = np.zeros((kk + j + 1, kk + j))
                    G[:kk, :kk] = np.diag(1.0 / unorm)
                    G[:kk, kk:] = cyc.B
                    G[kk:, kk:] = cyc.H
                    VW = np.zeros_like(G)
                    VW[:, :kk] = basis[: kk + j + 1] @ Ut.T
                    VW[kk:, kk:] = np.eye(j + 1, j)
                    theta, Z = harmonic_ritz_generalized(G, VW)
                    W = (Ut, V)
                else:
                    G = cyc.H
                    theta, Z = harmonic_ritz(G)
                    W = (np.zeros((0, n)), V)
                P = real_basis(theta, Z, k)
                if P.shape[1]:
                    Q, R = np.linalg.qr(G @ P)
                    C = Q.T @ basis[: kk + j + 1]
                    T = _triangular_inverse_rows(R, P.T)
                    U = T[:, :kk] @ W[0] + T[:, kk:] @ W[1]
        history.append(float(np.linalg.norm(r)))
        cycle += 1
        if callback is not None:
            callback(CycleState(cycle=cycle, x=x, r=r, C=C, U=U))
        if history[-1] <= tol or cyc is None or cyc.breakdown:
            count[0] += 1
            r = b - A @ x
            if np.linalg.norm(r) <= tol:
                converged = True
                break
    residual = float(np.linalg.norm(b - A @ x)) / bnorm
    return SolveResult(x, count[0], converged, residual, history, U=U)
