"""Score functions Q(W) of the NOTEARS program min_W Q(W) s.t. h(W) = 0, with gradients.

- least squares: L(W) = 1/(2n)‖X − XW‖²_F, ∇L(W) = −(1/n) Xᵀ(X − XW);
  from the Gram matrix Σ = XᵀX/n: L(W) = ½ tr((I − W)ᵀ Σ (I − W)), ∇L = −Σ(I − W);
- logistic: ℓ(W) = (1/n) Σ_{ij} [log(1 + e^{M_ij}) − X_ij M_ij], M = XW, ∇ℓ = (1/n) Xᵀ(σ(M) − X);
- the L1 penalty λ‖W‖₁ is added by `l1`, so that raw and penalised scores are never confused.

Every function takes X of shape (n, d) (or Σ of shape (d, d)) and W of shape (d, d), and returns
(value: float, gradient: (d, d)).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit


def least_squares(X: np.ndarray, W: np.ndarray) -> tuple[float, np.ndarray]:
    """L(W) = 1/(2n)‖X − XW‖²_F and ∇L(W) = −(1/n) Xᵀ(X − XW)."""
    n = X.shape[0]
    R = X - X @ W
    return float(0.5 / n * (R**2).sum()), -X.T @ R / n


def least_squares_gram(cov: np.ndarray, W: np.ndarray) -> tuple[float, np.ndarray]:
    """The same L(W) and ∇L(W) from Σ = XᵀX/n: ½ tr((I − W)ᵀ Σ (I − W)) and −Σ(I − W)."""
    D = np.eye(W.shape[0]) - W
    SD = cov @ D
    return float(0.5 * (D * SD).sum()), -SD


def logistic(X: np.ndarray, W: np.ndarray) -> tuple[float, np.ndarray]:
    """ℓ(W) = (1/n) Σ [log(1 + e^{XW}) − X∘XW] and ∇ℓ = (1/n) Xᵀ(σ(XW) − X). X binary."""
    n = X.shape[0]
    M = X @ W
    loss = (np.logaddexp(0.0, M) - X * M).sum() / n
    return float(loss), X.T @ (expit(M) - X) / n


def l1(W: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """λ‖W‖₁ and its subgradient λ·sign(W) (0 at W_ij = 0)."""
    return float(lam * np.abs(W).sum()), lam * np.sign(W)
