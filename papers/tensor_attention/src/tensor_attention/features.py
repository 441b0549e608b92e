"""Feature maps that factor the polynomial kernel P(s⟨q, a ∘ b⟩) into ⟨φ(q), ψ(a) ∘ ψ(b)⟩.

For P(x) = Σ_{k≤g} c_k x^k and the multinomial theorem over multi-indices α ∈ ℕ^d,

    (s⟨q, a ∘ b⟩)^k = s^k Σ_{|α|=k} (k!/α!) q^α a^α b^α,     α! = Π_l α_l!,  q^α = Π_l q_l^{α_l},

so with φ(q)_α = c_{|α|}·(|α|!/α!)·s^{|α|}·q^α and ψ(k)_α = k^α over all |α| ≤ g,

    P(s⟨q, a ∘ b⟩) = Σ_α φ(q)_α ψ(a)_α ψ(b)_α,

and the same with a third factor ψ(c)_α for order 3. The rank is r = C(d + g, g), the number of
such α. This is the paper's low-rank factorisation of the approximated attention matrix (its
U₁, U₂, U₃ with the tensor trick), written as an explicit multinomial expansion. The multi-index
("exponent") table is built once per (d, g) and cached, so no loop over α runs per call.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.special import gammaln


def rank(d: int, g: int) -> int:
    """r = C(d + g, g): the number of multi-indices α ∈ ℕ^d with |α| ≤ g."""
    return math.comb(d + g, g)


@lru_cache(maxsize=64)
def _all_indices(d: int, g: int) -> np.ndarray:
    if d == 1:
        return np.arange(g + 1)[:, None]
    blocks = []
    for first in range(g + 1):
        rest = _all_indices(d - 1, g - first)
        blocks.append(np.column_stack([np.full(len(rest), first), rest]))
    return np.concatenate(blocks)


@lru_cache(maxsize=64)
def multi_indices(d: int, g: int) -> np.ndarray:
    """Every α ∈ ℕ^d with |α| ≤ g, as an (r, d) int array sorted by |α| (read-only, cached)."""
    if d < 1 or g < 0:
        raise ValueError(f"need d >= 1 and g >= 0, got d={d}, g={g}")
    alphas = _all_indices(d, g)
    alphas = alphas[np.lexsort((*alphas[:, ::-1].T, alphas.sum(axis=1)))]
    alphas.setflags(write=False)
    return alphas


@lru_cache(maxsize=64)
def multinomials(d: int, g: int) -> np.ndarray:
    """|α|!/α! for every α of `multi_indices(d, g)`, shape (r,) (read-only, cached)."""
    alphas = multi_indices(d, g)
    log = gammaln(alphas.sum(axis=1) + 1.0) - gammaln(alphas + 1.0).sum(axis=1)
    out = np.round(np.exp(log))
    out.setflags(write=False)
    return out


def monomials(X: np.ndarray, g: int) -> np.ndarray:
    """ψ(x)_α = x^α for every row x of X (n, d) and every |α| ≤ g -> (n, r)."""
    n, d = X.shape
    powers = np.empty((n, d, g + 1))
    powers[:, :, 0] = 1.0
    for k in range(1, g + 1):
        powers[:, :, k] = powers[:, :, k - 1] * X
    alphas = multi_indices(d, g)
    out = powers[:, 0, alphas[:, 0]]
    for col in range(1, d):
        out *= powers[:, col, alphas[:, col]]
    return out


def psi(K: np.ndarray, g: int) -> np.ndarray:
    """ψ(k)_α = k^α: the key-side features, (n, d) -> (n, r)."""
    return monomials(K, g)


def phi(Q: np.ndarray, coef: np.ndarray, scale: float) -> np.ndarray:
    """φ(q)_α = c_{|α|}·(|α|!/α!)·s^{|α|}·q^α: the query-side features, (m, d) -> (m, r).

    `coef` holds c₀ … c_g of P; g = len(coef) − 1.
    """
    g = len(coef) - 1
    d = Q.shape[1]
    degree = multi_indices(d, g).sum(axis=1)
    weight = np.asarray(coef)[degree] * multinomials(d, g) * scale ** degree.astype(float)
    return monomials(Q, g) * weight
