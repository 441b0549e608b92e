"""What every solver checks before iterating, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class SolveResult:
    """One solve of A x = b.

    x: (n,) solution; matvecs: products with A (Arnoldi steps, A U for a recycled space, and the
    true-residual checks); converged: ‖b − A x‖ ≤ rtol ‖b‖ was verified before maxit;
    residual: ‖b − A x‖ / ‖b‖ (true, not the recursive estimate); cycle_residuals: ‖r‖ at the
    end of every restart cycle, starting with ‖r₀‖; U: the recycle space handed on, (k, n) rows
    (None for GMRES).
    """

    x: np.ndarray
    matvecs: int
    converged: bool
    residual: float
    cycle_residuals: list[float] = field(default_factory=list)
    U: np.ndarray | None = None

    @property
    def info(self) -> int:
        """0 when converged, otherwise 1 (maxit reached), as in scipy's solvers."""
        return 0 if self.converged else 1


def check_system(
    A, b, *, rtol: float, maxit: int, m: int, k: int = 0
) -> tuple[sp.csr_matrix | np.ndarray, np.ndarray]:
    """Validate (A, b) and the solver parameters; returns A (CSR or dense) and b as float64.

    Raises ValueError naming the argument before any work is done.
    """
    if sp.issparse(A):
        A = sp.csr_matrix(A, dtype=float)
        values = A.data
    else:
        A = np.asarray(A, dtype=float)
        values = A
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square (n, n) matrix, got shape {A.shape}")
    b = np.asarray(b, dtype=float)
    if b.shape != (A.shape[0],):
        raise ValueError(f"b must have shape ({A.shape[0]},) to match A, got {b.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("A contains NaN or inf")
    if not np.all(np.isfinite(b)):
        raise ValueError("b contains NaN or inf")
    if not (isinstance(rtol, int | float) and np.isfinite(rtol) and rtol > 0):
        raise ValueError(f"rtol must be a finite number > 0, got {rtol!r}")
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
        raise ValueError(f"m (restart length) must be an int >= 1, got {m!r}")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k < m:
        raise ValueError(f"k (recycled vectors) must be an int with 0 <= k < m = {m}, got {k!r}")
    if isinstance(maxit, bool) or not isinstance(maxit, int | np.integer) or maxit < 1:
        raise ValueError(f"maxit (matvec budget) must be an int >= 1, got {maxit!r}")
    return A, b
