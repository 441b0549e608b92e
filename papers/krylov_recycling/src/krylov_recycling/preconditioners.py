"""Right preconditioners M ≈ A⁻¹, built once per system (the paper's Table: none, Jacobi, …, ILU).

Both solvers iterate on Â = A M and update x with M: the residual they minimize is the true one,
‖b − A x‖, so the stopping test is the same for every preconditioner (a left-preconditioned
solver would stop on ‖M(b − A x)‖ instead).

    "none"    M = I
    "jacobi"  M = diag(A)⁻¹
    "ilu"     incomplete LU (scipy `spilu`, SuperLU's ILUTP, default drop tolerance)
    "amg"     one V-cycle of pyamg smoothed aggregation
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

PRECONDITIONERS = ("none", "jacobi", "ilu", "amg")

Apply = Callable[[np.ndarray], np.ndarray]


def _identity(v: np.ndarray) -> np.ndarray:
    return v


def make_preconditioner(kind: str, A: sp.spmatrix | sp.sparray) -> Apply:
    """M as a function of v (n,) or V (n, p) -> M v of the same shape."""
    if kind not in PRECONDITIONERS:
        raise ValueError(f"preconditioner must be one of {PRECONDITIONERS}, got {kind!r}")
    if kind == "none":
        return _identity
    A = sp.csr_matrix(A)
    if kind == "jacobi":
        d = A.diagonal()
        if np.any(d == 0):
            raise ValueError("jacobi preconditioner: A has a zero on its diagonal")
        inv = 1.0 / d
        return lambda v: v * (inv if v.ndim == 1 else inv[:, None])
    if kind == "ilu":
        lu = spla.spilu(A.tocsc())
        return lu.solve
    import pyamg

    ml = pyamg.smoothed_aggregation_solver(A)
    M = ml.aspreconditioner(cycle="V")

    def amg(v: np.ndarray) -> np.ndarray:
        if v.ndim == 1:
            return M @ v
        return np.column_stack([M @ v[:, i] for i in range(v.shape[1])])

    return amg
