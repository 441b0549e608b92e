"""The inner level of TOPO: W*(π), the best W whose edges all agree with a topological order π.

Given π, the NOTEARS program restricted to {W : W_ij = 0 whenever pos(i) ≥ pos(j)} has no
acyclicity constraint left, and a separable score splits into one regression per node: node
π_k is regressed on its predecessors π_1 … π_{k−1} (Sec. 3 of the paper, "W*(π)"). Every solver
here returns, for an order π, an `OrderFit` with W*(π), the total score Q(W*(π)) and the score of
each node, and evaluates a *swap* (exchange of the nodes at positions p < q) by refitting only
the nodes at positions p … q: nodes before p keep their predecessor set, and so do nodes after q
(their predecessor *set* is unchanged by the swap).

- `GramOLS`: least squares L(W) = 1/(2n)‖X − XW‖²_F from the Gram matrix Σ = XᵀX/n. With the
  Cholesky factor Σ_ππ = L Lᵀ of the permuted Gram matrix, the residual variance of node π_k
  given π_{<k} is L_kk², so L(W*(π)) = ½ Σ_k L_kk², and W*(π) = (I − diag(L) L^{−1})ᵀ in the
  permuted basis. A swap (p, q) needs only the Schur complement S = L_BB L_BBᵀ of the block
  B = p … q (its conditional covariance given the prefix), permuted, and one Cholesky of S: no
  work of size n per candidate.
- `LstsqOLS`: the same W*(π), one `numpy.linalg.lstsq` on X per node (the reference path, and the
  per-candidate cost that `GramOLS` avoids).
- `LassoSolver`: L(W) + λ‖W‖₁ with scikit-learn's Lasso or LassoLars per node (official
  `init_Wstar` with `method='Lasso'|'Lars'`).
- `LogisticL1Solver`: logistic loss with L1, scikit-learn's liblinear with C = 0.1 as in the
  official code; the score it reports is the objective liblinear minimises, divided by C·n:
  (1/n) Σ [log(1 + e^{m}) − x m] + λ‖w‖₁ with λ = 1/(C·n).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from sklearn.linear_model import Lasso, LassoLars, LogisticRegression

from topo_swaps.data import check_data

RIDGE_SMALL_N = 1e-8


def check_order(order, d: int, *, name: str = "order") -> tuple[int, ...]:
    """Validate a topological order: a permutation of range(d). Returns it as a tuple of ints."""
    arr = np.asarray(order)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must be a 1-D sequence of ints (a permutation of range({d}))")
    items = [int(v) for v in arr]
    if sorted(items) != list(range(d)):
        raise ValueError(f"{name} must be a permutation of range({d}), got {items!r}")
    return tuple(items)


def swap_positions(order: Sequence[int], p: int, q: int) -> tuple[int, ...]:
    """The order with the nodes at positions p and q exchanged."""
    new = list(order)
    new[p], new[q] = new[q], new[p]
    return tuple(new)


@dataclass(frozen=True)
class OrderFit:
    """W*(π) for one order π.

    order: π as a tuple of d node ids; W: (d, d) with W[i, j] = 0 unless pos(i) < pos(j);
    loss: Q(W*(π)); node_loss: (d,), the score of the node at each *position* (sum = loss);
    chol: the Cholesky factor of Σ_ππ (`GramOLS` only).
    """

    order: tuple[int, ...]
    W: np.ndarray
    loss: float
    node_loss: np.ndarray
    chol: np.ndarray | None = None


class InnerSolver:
    """A separable score solved node by node. Subclasses implement `node_fit`."""

    d: int

    def node_fit(self, j: int, parents: Sequence[int]) -> tuple[np.ndarray, float]:
        """Fit node j on `parents`: returns (weights of shape (len(parents),), node score)."""
        raise NotImplementedError

    def fit(self, order) -> OrderFit:
        """W*(π): each node π_k regressed on π_{<k}."""
        order = check_order(order, self.d)
        W = np.zeros((self.d, self.d))
        node_loss = np.zeros(self.d)
        for k, j in enumerate(order):
            parents = sorted(order[:k])  # a node's fit depends on its predecessor *set* only
            w, node_loss[k] = self.node_fit(j, parents)
            W[parents, j] = w
        return OrderFit(order, W, float(node_loss.sum()), node_loss)

    def swap_loss(self, fit: OrderFit, p: int, q: int) -> float:
        """Q(W*(π')) for π' = π with positions p < q swapped, refitting positions p … q only."""
        new = swap_positions(fit.order, p, q)
        loss = fit.loss - fit.node_loss[p : q + 1].sum()
        for k in range(p, q + 1):
            loss += self.node_fit(new[k], sorted(new[:k]))[1]
        return float(loss)

    def fit_parents(self, B: np.ndarray) -> tuple[np.ndarray, float]:
        """Refit on a fixed graph: node j on its parents {i : B[i, j] ≠ 0}. Returns (W, score)."""
        B = np.asarray(B)
        if B.shape != (self.d, self.d):
            raise ValueError(f"B must have shape ({self.d}, {self.d}), got {B.shape}")
        W = np.zeros((self.d, self.d))
        total = 0.0
        for j in range(self.d):
            parents = np.flatnonzero(B[:, j]).tolist()
            w, loss = self.node_fit(j, parents)
            W[parents, j] = w
            total += loss
        return W, total


class GramOLS(InnerSolver):
    """Least squares W*(π) from the Gram matrix Σ = XᵀX/n (Cholesky; no n-sized work per swap).

    X: (n, d). With n < d, Σ is singular: a ridge of 1e-8·I is added, with a warning.
    """

    def __init__(self, X: np.ndarray, *, ridge: float = 0.0):
        X = check_data(X)
        n, self.d = X.shape
        if ridge < 0:
            raise ValueError(f"ridge must be >= 0, got {ridge}")
        if n < self.d and ridge < RIDGE_SMALL_N:
            warnings.warn(
                f"n={n} < d={self.d}: XᵀX/n is singular; solving with a ridge of "
                f"{RIDGE_SMALL_N:g}·I",
                RuntimeWarning,
                stacklevel=2,
            )
            ridge = RIDGE_SMALL_N
        self.ridge = ridge
        self.cov = X.T @ X / n + ridge * np.eye(self.d)
        try:
            np.linalg.cholesky(self.cov)
        except np.linalg.LinAlgError as e:
            raise ValueError(
                "X has linearly dependent columns: the Gram matrix XᵀX/n is singular "
                "(pass ridge > 0 to regularise)"
            ) from e

    def node_fit(self, j: int, parents: Sequence[int]) -> tuple[np.ndarray, float]:
        parents = list(parents)
        if not parents:
            return np.zeros(0), 0.5 * float(self.cov[j, j])
        c = sla.cho_factor(self.cov[np.ix_(parents, parents)], lower=True)
        w = sla.cho_solve(c, self.cov[parents, j])
        return w, 0.5 * float(self.cov[j, j] - self.cov[j, parents] @ w)

    def fit(self, order) -> OrderFit:
        order = check_order(order, self.d)
        idx = np.array(order)
        L = np.linalg.cholesky(self.cov[np.ix_(idx, idx)])
        diag = np.diag(L).copy()
        # Row k of diag(L)·L⁻¹ is (−β_k, 1, 0, …): the regression of π_k on π_{<k}.
        A = diag[:, None] * sla.solve_triangular(L, np.eye(self.d), lower=True)
        W = np.zeros((self.d, self.d))
        W[np.ix_(idx, idx)] = -np.tril(A, -1).T
        node_loss = 0.5 * diag**2
        return OrderFit(order, W, float(node_loss.sum()), node_loss, chol=L)

    def swap_loss(self, fit: OrderFit, p: int, q: int) -> float:
        block = fit.chol[p : q + 1, p : q + 1]
        m = q - p + 1
        perm = [m - 1, *range(1, m - 1), 0]
        S = block @ block.T  # Σ of positions p…q given the prefix π_{<p}
        Lb = np.linalg.cholesky(S[np.ix_(perm, perm)])
        return float(fit.loss - fit.node_loss[p : q + 1].sum() + 0.5 * (np.diag(Lb) ** 2).sum())


class LstsqOLS(InnerSolver):
    """Least squares W*(π) by `numpy.linalg.lstsq` on X for every node (the reference path)."""

    def __init__(self, X: np.ndarray):
        self.X = check_data(X)
        self.n, self.d = self.X.shape

    def node_fit(self, j: int, parents: Sequence[int]) -> tuple[np.ndarray, float]:
        y = self.X[:, j]
        parents = list(parents)
        if not parents:
            return np.zeros(0), 0.5 * float(y @ y) / self.n
        Xp = self.X[:, parents]
        w = np.linalg.lstsq(Xp, y, rcond=None)[0]
        r = y - Xp @ w
        return w, 0.5 * float(r @ r) / self.n


class LassoSolver(InnerSolver):
    """W*(π) for L(W) + λ‖W‖₁: per node, scikit-learn's Lasso (or LassoLars) without intercept."""

    def __init__(self, X: np.ndarray, lam: float, *, method: str = "lasso"):
        if method not in ("lasso", "lars"):
            raise ValueError(f"method must be 'lasso' or 'lars', got {method!r}")
        if not lam > 0:
            raise ValueError(f"lam (the L1 weight λ) must be > 0, got {lam}")
        self.X = check_data(X)
        self.n, self.d = self.X.shape
        self.lam, self.method = float(lam), method

    def node_fit(self, j: int, parents: Sequence[int]) -> tuple[np.ndarray, float]:
        y = self.X[:, j]
        parents = list(parents)
        if not parents:
            return np.zeros(0), 0.5 * float(y @ y) / self.n
        if self.method == "lasso":
            reg = Lasso(alpha=self.lam, fit_intercept=False, max_iter=10000, tol=1e-8)
        else:
            reg = LassoLars(alpha=self.lam, fit_intercept=False, max_iter=10000)
        Xp = self.X[:, parents]
        w = reg.fit(Xp, y).coef_.ravel()
        r = y - Xp @ w
        return w, 0.5 * float(r @ r) / self.n + self.lam * float(np.abs(w).sum())


class LogisticL1Solver(InnerSolver):
    """W*(π) for the L1-penalised logistic score (binary X), liblinear with C (official: 0.1)."""

    def __init__(self, X: np.ndarray, *, C: float = 0.1):
        self.X = check_data(X)
        if not np.isin(self.X, (0.0, 1.0)).all():
            raise ValueError("X must be binary (values 0 and 1) for the logistic score")
        if not C > 0:
            raise ValueError(f"C must be > 0, got {C}")
        self.n, self.d = self.X.shape
        self.C = float(C)
        self.lam = 1.0 / (self.C * self.n)

    def node_fit(self, j: int, parents: Sequence[int]) -> tuple[np.ndarray, float]:
        y = self.X[:, j]
        parents = list(parents)
        if parents:
            reg = LogisticRegression(
                C=self.C, l1_ratio=1.0, solver="liblinear", fit_intercept=False, random_state=0
            )
            w = reg.fit(self.X[:, parents], y).coef_.ravel()
            m = self.X[:, parents] @ w
        else:
            w, m = np.zeros(0), np.zeros(self.n)
        loss = float((np.logaddexp(0.0, m) - y * m).mean())
        return w, loss + self.lam * float(np.abs(w).sum())
