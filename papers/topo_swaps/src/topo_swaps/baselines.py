"""What TOPO is compared against: NOTEARS-linear, and DAGMA-linear (PyPI peer, for context).

NOTEARS (Zheng et al., 2018), as in its official `notears_linear`:

    min_W Q(W) + λ₁‖W‖₁  s.t.  h(W) = tr(e^{W∘W}) − d = 0,

solved by the augmented Lagrangian Q + λ₁‖W‖₁ + ρ/2·h² + α·h with L-BFGS-B on W = W⁺ − W⁻
(W^± ≥ 0, diagonals fixed at 0, so ‖W‖₁ = Σ(W⁺ + W⁻) is smooth). After each subproblem, ρ ← 10ρ
while h > 0.25·h_prev; then α ← α + ρh; stop at h ≤ h_tol or ρ ≥ ρ_max. The estimate is
thresholded at 0.3. For the l2 loss X is centred and, here, Q and ∇Q are computed from the Gram
matrix (the same numbers as from X, faster at n ≫ d); the logistic loss uses binary X.

TOPO from a random order and TOPO as post-processing (from a topological sort of the NOTEARS
DAG) are `topo.topo` with different initial orders; see `reproduce.py`.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np
import scipy.optimize as sopt

from topo_swaps.acyclicity import h_expm
from topo_swaps.data import check_data
from topo_swaps.metrics import to_dag
from topo_swaps.scores import least_squares_gram, logistic

LOSSES = ("l2", "logistic")


@dataclass
class NotearsResult:
    """W: the estimate before thresholding (d, d); W_est: thresholded at w_threshold (raised if
    needed to make it a DAG); h: h_expm(W); rho: the final ρ; reached_rho_max: True when ρ hit
    ρ_max before h ≤ h_tol (W is then the last iterate, not a converged solution)."""

    W: np.ndarray
    W_est: np.ndarray
    h: float
    rho: float
    reached_rho_max: bool
    outer_iterations: int


def notears_linear(
    X: np.ndarray,
    *,
    lambda1: float = 0.1,
    loss: str = "l2",
    max_iter: int = 100,
    h_tol: float = 1e-8,
    rho_max: float = 1e16,
    w_threshold: float = 0.3,
) -> NotearsResult:
    """NOTEARS-linear on X of shape (n, d) (binary X for loss='logistic')."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if lambda1 < 0 or h_tol <= 0 or rho_max <= 1 or max_iter < 1:
        raise ValueError("need lambda1 >= 0, h_tol > 0, rho_max > 1 and max_iter >= 1")
    X = check_data(X)
    n, d = X.shape
    if loss == "l2":
        Xc = X - X.mean(axis=0, keepdims=True)
        cov = Xc.T @ Xc / n

        def score(W):
            return least_squares_gram(cov, W)
    else:
        if not np.isin(X, (0.0, 1.0)).all():
            raise ValueError("X must be binary (values 0 and 1) for loss='logistic'")

        def score(W):
            return logistic(X, W)

    def adj(w: np.ndarray) -> np.ndarray:
        return (w[: d * d] - w[d * d :]).reshape(d, d)

    def func(w: np.ndarray, rho: float, alpha: float) -> tuple[float, np.ndarray]:
        W = adj(w)
        value, G_loss = score(W)
        h, G_h = h_expm(W)
        obj = value + 0.5 * rho * h * h + alpha * h + lambda1 * w.sum()
        G_smooth = G_loss + (rho * h + alpha) * G_h
        return obj, np.concatenate([(G_smooth + lambda1).ravel(), (-G_smooth + lambda1).ravel()])

    bounds = [(0, 0) if i == j else (0, None) for _ in range(2) for i in range(d) for j in range(d)]
    w_est, rho, alpha, h = np.zeros(2 * d * d), 1.0, 0.0, np.inf
    outer = 0
    while outer < max_iter:
        outer += 1
        while rho < rho_max:
            sol = sopt.minimize(
                func, w_est, args=(rho, alpha), method="L-BFGS-B", jac=True, bounds=bounds
            )
            w_new = sol.x
            h_new = h_expm(adj(w_new))[0]
            if h_new > 0.25 * h:
                rho *= 10
            else:
                break
        w_est, h = w_new, h_new
        alpha += rho * h
        if h <= h_tol or rho >= rho_max:
            break
    W = adj(w_est)
    return NotearsResult(
        W=W,
        W_est=to_dag(W, w_threshold)[0],
        h=float(h),
        rho=float(rho),
        reached_rho_max=bool(rho >= rho_max and h > h_tol),
        outer_iterations=outer,
    )


def dagma_available() -> bool:
    """Whether the optional peer `dagma` (PyPI) is installed."""
    try:
        import dagma.linear  # noqa: F401
    except ImportError:
        return False
    return True


def dagma_linear(
    X: np.ndarray, *, lambda1: float = 0.02, loss: str = "l2", w_threshold: float = 0.3
) -> np.ndarray:
    """DAGMA-linear (Bello et al., 2022) from the `dagma` package with its default schedule.

    Returns the thresholded estimate (d, d), made a DAG with `to_dag` if needed. Install the
    peer with `pip install "papershelf-topo_swaps[peers]"`.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    try:
        from dagma.linear import DagmaLinear
    except ImportError as e:
        raise ImportError(
            "DAGMA is an optional peer: install it with pip install 'papershelf-topo_swaps[peers]'"
        ) from e
    X = check_data(X).copy()  # DagmaLinear centres X in place
    with contextlib.redirect_stderr(io.StringIO()):  # its own tqdm bar
        W = DagmaLinear(loss_type=loss).fit(X, lambda1=lambda1, w_threshold=w_threshold)
    return to_dag(W, w_threshold)[0]
