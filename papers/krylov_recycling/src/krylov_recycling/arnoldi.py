"""The Arnoldi kernel shared by GMRES(m) and GCRO-DR(m, k), and the small least-squares solve.

Bases are stored row-major, shape (rows, n): basis vector i is the contiguous row `Q[i]`, so
every projection is one BLAS-2 call on contiguous memory (a column-strided (n, rows) layout makes
each dot product walk memory with stride `rows`).

One Arnoldi step orthogonalizes w = Â v_j against the rows already in the basis (for GCRO-DR these
are [C; v_0 … v_j], which applies (I − C Cᵀ) and Gram–Schmidt in one go) with one
reorthogonalization pass ("twice is enough"): without it the basis loses orthogonality and the
residual stalls near 1e-8 on the Darcy systems. Two variants:

    "cgs2"  classical Gram–Schmidt, two passes: 4 BLAS-2 calls per step (HPDDM's default
            orthogonalization is classical Gram–Schmidt)
    "mgs2"  modified Gram–Schmidt, two passes: 4 (rows) level-1 calls per step
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular

ORTHOGONALIZATIONS = ("cgs2", "mgs2")
BREAKDOWN = 1e-14  # h_{j+1,j} ≤ BREAKDOWN · ‖Â v_j‖ means the Krylov space is invariant


def orthogonalize(Q: np.ndarray, w: np.ndarray, method: str = "cgs2") -> tuple[np.ndarray, float]:
    """Orthogonalize w (n,) in place against the orthonormal rows of Q (p, n), twice.

    Returns the coefficients h (p,) with w_in = Qᵀh + w_out, and ‖w_out‖.
    """
    if method == "cgs2":
        h = Q @ w
        w -= h @ Q
        h2 = Q @ w
        w -= h2 @ Q
        return h + h2, float(np.linalg.norm(w))
    if method == "mgs2":
        h = np.zeros(Q.shape[0])
        for _ in range(2):
            for i, q in enumerate(Q):
                c = float(q @ w)
                w -= c * q
                h[i] += c
        return h, float(np.linalg.norm(w))
    raise ValueError(f"orthogonalization must be one of {ORTHOGONALIZATIONS}, got {method!r}")


class HessenbergLSQ:
    """min_y ‖β e₁ − H̄_j y‖ for an upper-Hessenberg H̄_j (j+1, j) grown one column at a time.

    Givens rotations turn H̄_j into R_j (upper triangular) and β e₁ into g; |g_{j+1}| is the
    least-squares residual, known after every Arnoldi step without forming y.
    """

    def __init__(self, m: int, beta: float):
        self.R = np.zeros((m, m))
        self.g = [float(beta)]
        self.cs: list[float] = []
        self.sn: list[float] = []

    @property
    def steps(self) -> int:
        return len(self.cs)

    def add_column(self, h: np.ndarray) -> float:
        """Append column j of H̄ (its j+2 leading entries); returns the new residual |g_{j+1}|."""
        j = self.steps
        col = [float(v) for v in h[: j + 2]]
        for i in range(j):  # earlier rotations, in order
            c, s = self.cs[i], self.sn[i]
            a, b = col[i], col[i + 1]
            col[i], col[i + 1] = c * a + s * b, -s * a + c * b
        a, b = col[j], col[j + 1]
        rho = math.hypot(a, b)
        c, s = (1.0, 0.0) if rho == 0.0 else (a / rho, b / rho)
        self.cs.append(c)
        self.sn.append(s)
        col[j] = rho
        self.R[: j + 1, j] = col[: j + 1]
        gj = self.g[j]
        self.g[j] = c * gj
        self.g.append(-s * gj)
        return abs(self.g[j + 1])

    def solve(self) -> np.ndarray:
        """y (j,) minimizing ‖β e₁ − H̄_j y‖ (back substitution on R_j; lstsq if R_j is singular)."""
        j = self.steps
        R, g = self.R[:j, :j], np.asarray(self.g[:j])
        if j == 0:
            return np.zeros(0)
        if np.min(np.abs(np.diag(R))) <= 1e-300:
            return np.linalg.lstsq(R, g, rcond=None)[0]
        return solve_triangular(R, g)


@dataclass
class Cycle:
    """One restart cycle of Arnoldi on (I − C Cᵀ) Â, started from basis[kk] = v₁.

    steps: j, the Arnoldi steps taken; H: H̄_j (j+1, j) with (I − CCᵀ) Â V_j = V_{j+1} H̄_j;
    B: B_j = Cᵀ Â V_j (kk, j); lsq: min ‖β e₁ − H̄_j y‖ (Givens); breakdown: h_{j+1,j} = 0, so
    span(V_j) is invariant and the least-squares solve is exact.
    """

    steps: int
    H: np.ndarray
    B: np.ndarray
    lsq: HessenbergLSQ
    breakdown: bool


def arnoldi_cycle(
    apply: Callable[[np.ndarray], np.ndarray],
    basis: np.ndarray,
    kk: int,
    steps: int,
    beta: float,
    tol: float,
    method: str = "cgs2",
) -> Cycle:
    """Up to `steps` Arnoldi steps into the rows of `basis` (rows, n), in place.

    basis[:kk] holds C (orthonormal rows, may be empty) and basis[kk] the unit start vector; the
    new vectors go to basis[kk + 1 :]. Each step orthogonalizes Â v_j against all rows so far, so
    the C-coefficients form B and the V-coefficients form H̄. Stops early once the least-squares
    residual |g_{j+1}| ≤ tol, or at a breakdown (h_{j+1,j} ≤ BREAKDOWN ‖Â v_j‖, set to 0: no
    division by it).
    """
    H = np.zeros((steps + 1, steps))
    B = np.zeros((kk, steps))
    lsq = HessenbergLSQ(steps, beta)
    j, breakdown = 0, False
    while j < steps:
        w = apply(basis[kk + j])
        wnorm = float(np.linalg.norm(w))
        coef, hnext = orthogonalize(basis[: kk + j + 1], w, method)
        if hnext <= BREAKDOWN * wnorm:
            hnext, breakdown = 0.0, True
        B[:, j] = coef[:kk]
        H[: j + 1, j] = coef[kk:]
        H[j + 1, j] = hnext
        residual = lsq.add_column(H[: j + 2, j])
        j += 1
        if breakdown:
            basis[kk + j] = 0.0
            break
        basis[kk + j] = w / hnext
        if residual <= tol:
            break
    return Cycle(steps=j, H=H[: j + 1, :j], B=B[:, :j], lsq=lsq, breakdown=breakdown)
