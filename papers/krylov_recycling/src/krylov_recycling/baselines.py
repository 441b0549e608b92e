"""What SKR is compared against: restarted GMRES(m), solving every system on its own.

`gmres` is the paper's baseline (PETSc/HPDDM `-ksp_type hpddm -ksp_gmres_restart 40`), written on
the same Arnoldi kernel as GCRO-DR so that the two differ only in recycling. `scipy_gmres` and
`scipy_gcrotmk` are the library peers, with A wrapped in an operator that counts its products
(scipy's callbacks count iterations, not matvecs).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse.linalg as spla

from krylov_recycling.arnoldi import arnoldi_cycle
from krylov_recycling.preconditioners import Apply
from krylov_recycling.system import SolveResult, check_system


def gmres(
    A,
    b: np.ndarray,
    *,
    m: int = 40,
    rtol: float = 1e-8,
    maxit: int = 10_000,
    M: Apply | None = None,
    orthogonalization: str = "cgs2",
) -> SolveResult:
    """Right-preconditioned restarted GMRES(m) from x₀ = 0 (Saad & Schultz 1986).

    A: (n, n) sparse or dense; b: (n,); M: right preconditioner v -> M v (None: identity);
    maxit: budget of products with A. Each cycle runs up to m Arnoldi steps from v₁ = r/‖r‖,
    stops inside the cycle once the Givens estimate of ‖r‖ reaches rtol ‖b‖, sets
    x += M V_j y and r = V_{j+1}(β e₁ − H̄_j y); convergence is confirmed on b − A x.
    """
    A, b = check_system(A, b, rtol=rtol, maxit=maxit, m=m)
    M = M if M is not None else (lambda v: v)
    n = b.size
    x = np.zeros(n)
    bnorm = float(np.linalg.norm(b))
    if bnorm == 0.0:
        return SolveResult(x=x, matvecs=0, converged=True, residual=0.0, cycle_residuals=[0.0])
    tol = rtol * bnorm
    count = [0]

    def apply(v: np.ndarray) -> np.ndarray:
        count[0] += 1
        return A @ M(v)

    basis = np.empty((m + 1, n))
    r, beta = b.copy(), bnorm
    history, converged = [beta], False
    while count[0] < maxit:
        basis[0] = r / beta
        cyc = arnoldi_cycle(apply, basis, 0, min(m, maxit - count[0]), beta, tol, orthogonalization)
        j = cyc.steps
        y = cyc.lsq.solve()
        x += M(y @ basis[:j])
        s = -(cyc.H @ y)
        s[0] += beta
        r = s @ basis[: j + 1]
        beta = float(np.linalg.norm(r))
        history.append(beta)
        if beta <= tol or cyc.breakdown:
            count[0] += 1
            r = b - A @ x
            beta = float(np.linalg.norm(r))
            if beta <= tol:
                converged = True
                break
            if beta == 0.0:
                break
    residual = beta if converged else float(np.linalg.norm(b - A @ x))
    return SolveResult(
        x=x,
        matvecs=count[0],
        converged=converged,
        residual=residual / bnorm,
        cycle_residuals=history,
    )


class CountingOperator(spla.LinearOperator):
    """A as a LinearOperator that counts every product (matvec or matmat column)."""

    def __init__(self, A):
        super().__init__(dtype=np.float64, shape=A.shape)
        self.A = A
        self.count = 0

    def _matvec(self, v: np.ndarray) -> np.ndarray:
        self.count += 1
        return self.A @ v.ravel()

    def _matmat(self, V: np.ndarray) -> np.ndarray:
        self.count += V.shape[1]
        return self.A @ V


def _preconditioner_operator(M: Apply | None, n: int) -> spla.LinearOperator | None:
    return None if M is None else spla.LinearOperator((n, n), matvec=M, dtype=np.float64)


def scipy_gmres(
    A, b: np.ndarray, *, m: int = 40, rtol: float = 1e-8, maxit: int = 10_000, M=None
) -> SolveResult:
    """`scipy.sparse.linalg.gmres(restart=m)` from x₀ = 0, matvecs counted on A itself.

    scipy preconditions on the left and counts `maxiter` in restart cycles: maxiter = ⌈maxit/m⌉.
    """
    A, b = check_system(A, b, rtol=rtol, maxit=maxit, m=m)
    op = CountingOperator(A)
    x, _ = spla.gmres(
        op,
        b,
        rtol=rtol,
        atol=0.0,
        restart=m,
        maxiter=math.ceil(maxit / m),
        M=_preconditioner_operator(M, b.size),
    )
    return _finish(A, b, x, op.count, rtol)


def scipy_gcrotmk(
    A,
    b: np.ndarray,
    *,
    m: int = 20,
    k: int = 20,
    rtol: float = 1e-8,
    maxit: int = 10_000,
    CU: list | None = None,
) -> tuple[SolveResult, list]:
    """`scipy.sparse.linalg.gcrotmk` (GCROT(m, k), Hicken & Zingg 2010) with its `CU` recycling.

    CU from the previous system is passed as [(None, u)]: its C = A U belongs to the old matrix
    and must be recomputed (k products with the new A, counted). Returns the result and the CU
    list to hand on.
    """
    A, b = check_system(A, b, rtol=rtol, maxit=maxit, m=m)
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"k (recycled vectors) must be an int >= 0, got {k!r}")
    op = CountingOperator(A)
    cu = [(None, u) for _, u in CU] if CU else []
    x, _ = spla.gcrotmk(
        op,
        b,
        rtol=rtol,
        atol=0.0,
        m=m,
        k=k,
        CU=cu,
        discard_C=True,
        maxiter=max(1, math.ceil(maxit / m)),
    )
    return _finish(A, b, x, op.count, rtol), cu


def _finish(A, b: np.ndarray, x: np.ndarray, matvecs: int, rtol: float) -> SolveResult:
    bnorm = float(np.linalg.norm(b))
    residual = float(np.linalg.norm(b - A @ x)) / bnorm if bnorm > 0 else 0.0
    return SolveResult(x=x, matvecs=matvecs, converged=residual <= rtol, residual=residual)
