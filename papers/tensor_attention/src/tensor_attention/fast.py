"""The paper's upper bound: tensor attention in n^{1+o(1)} time when the entries are bounded.

If ‖Q‖∞, ‖K₁‖∞, ‖K₂‖∞ ≤ B then every exponent x = s⟨q_i, k₁,j₁ ∘ k₂,j₂⟩ satisfies |x| ≤ R = s·d·B³
(R = B³ for the paper's s = 1/d). Replace exp by a polynomial P with relative error δ on [−R, R]
(`polynomial.py`) and factor P(s⟨q, a ∘ b⟩) = Σ_α φ(q)_α ψ(a)_α ψ(b)_α (`features.py`). With
U₁ = φ(Q), U₂ = ψ(K₁), U₃ = ψ(K₂) (each n × r), the approximate attention matrix is
Ã = U₁ (U₂ ⊘ U₃)ᵀ, and the tensor trick (U₂ ⊘ U₃)ᵀ(V₁ ⊘ V₂) = (U₂ᵀV₁) ∘ (U₃ᵀV₂) gives

    Ã (V₁ ⊘ V₂) = U₁ [(U₂ᵀV₁) ∘ (U₃ᵀV₂)],      Ã 1_{n²} = U₁ [(U₂ᵀ1) ∘ (U₃ᵀ1)],

in O(n·r·d) time and O(n·r) memory; the output is their ratio. Order 3 uses three Hadamard
factors. The paper takes d = O(log n), B = o(∛log n) and ε = 1/poly(n), so that g and
r = C(d + g, g) are n^{o(1)}.

Accuracy: if every entry of Ã has relative error at most δ < 1, then for every output entry

    |Ã-attention − attention| ≤ 2δ/(1 − δ) · max|v₁ ∘ v₂|,

(each weight w moves by at most δw, so the numerator moves by at most δ·Σw·max|v| and the
normaliser by a factor in [1 − δ, 1 + δ]). `tensor_attention_fast`
picks the degree so that this bound is at most eps, and refuses (never silently degrades) when the
entries exceed B, the degree would exceed its cap, or the features would not fit in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tensor_attention.errors import BoundedEntryError, FastMethodUnavailable
from tensor_attention.exact import collect_pairs
from tensor_attention.features import phi, psi, rank
from tensor_attention.polynomial import DEGREE_CAP, PolyExp, check_eps, choose_degree
from tensor_attention.validation import check_attention_inputs, check_scale

MEMORY_BUDGET_BYTES = 2**30


@dataclass(frozen=True)
class FastPlan:
    """What the fast method will do: exponent radius R, the polynomial, rank r, feature bytes."""

    R: float
    poly: PolyExp
    rank: int
    feature_bytes: int


def feature_bytes(m: int, n: int, r: int) -> int:
    """Peak bytes of the features: U₁ (m × r) and one key-side U (n × r) with its gather."""
    return 8 * r * (m + 2 * n)


def plan_fast(
    m: int,
    n: int,
    d: int,
    *,
    B: float,
    eps: float,
    order: int = 2,
    scale: float | None = None,
    v_max: float = 1.0,
    memory_budget: int = MEMORY_BUDGET_BYTES,
    degree_cap: int = DEGREE_CAP,
) -> FastPlan:
    """Choose the polynomial for m queries, n keys per factor, dimension d, bound B, accuracy eps.

    R = s·d·B^{order+1}; the degree is the smallest with δ ≤ (eps / max(1, v_max))/3, which makes
    2δ/(1 − δ)·v_max ≤ eps (it is the spec's δ ≤ eps/3 when the values are in [−1, 1]).
    Raises `FastMethodUnavailable` past the degree cap or the memory budget.
    """
    eps = check_eps(eps)
    B = float(B)
    if not np.isfinite(B) or B <= 0:
        raise ValueError(f"B must be a positive finite bound on the entries, got {B!r}")
    s = check_scale(scale, d)
    R = s * d * B ** (order + 1)
    poly = choose_degree(R, eps / max(1.0, float(v_max)), cap=degree_cap)
    r = rank(d, poly.degree)
    need = feature_bytes(m, n, r)
    if need > memory_budget:
        raise FastMethodUnavailable(
            f"the features need {need / 2**20:.1f} MiB (r = {r}, degree {poly.degree}, "
            f"m = {m}, n = {n}), over the memory budget of {memory_budget / 2**20:.1f} MiB: "
            "use tensor_attention_exact"
        )
    return FastPlan(R=R, poly=poly, rank=r, feature_bytes=need)


def polynomial_attention(
    Q: np.ndarray,
    Ks: Sequence[np.ndarray],
    Vs: Sequence[np.ndarray],
    coef: np.ndarray,
    scale: float,
) -> np.ndarray:
    """The factorised kernel: D̃⁻¹ Ã (V₁ ⊘ … ) with Ã = P(s·Q(K₁ ⊘ …)ᵀ), never forming Ã.

    Q (m, d), K_i (n_i, d), V_i (n_i, d_v) (validated float64), `coef` c₀ … c_g of P. Returns
    (m, d_v). No accuracy guarantee of its own: `tensor_attention_fast` picks `coef`.
    """
    g = len(coef) - 1
    values = np.ones((rank(Q.shape[1], g), Vs[0].shape[1]))
    normaliser = np.ones(values.shape[0])
    for K, V in zip(Ks, Vs, strict=True):
        U = psi(K, g)  # (n_i, r)
        values *= U.T @ V  # (U_iᵀ V_i), Hadamard-accumulated over the factors
        normaliser *= U.sum(axis=0)  # U_iᵀ 1
    U1 = phi(Q, coef, scale)  # (m, r)
    return (U1 @ values) / (U1 @ normaliser)[:, None]


def check_bounded(B: float, **matrices: np.ndarray) -> None:
    """`BoundedEntryError` naming the first matrix with an entry above B in absolute value."""
    for name, x in matrices.items():
        top = float(np.max(np.abs(x)))
        if top > B:
            raise BoundedEntryError(
                f"{name} has an entry of absolute value {top:.6g} > B = {B:.6g}; the fast method's "
                "accuracy is derived from B (declare a larger B or use tensor_attention_exact)"
            )


def tensor_attention_fast(
    Q: object,
    K1: object,
    K2: object,
    V1: object,
    V2: object,
    *,
    B: float,
    eps: float,
    K3: object | None = None,
    V3: object | None = None,
    scale: float | None = None,
    memory_budget: int = MEMORY_BUDGET_BYTES,
) -> np.ndarray:
    """Tensor attention to entrywise accuracy eps in O(n·r·d) time, for ‖Q‖∞, ‖K_i‖∞ ≤ B.

    Same arguments and result as `tensor_attention_exact` (Q (m, d), K_i (n_i, d),
    V_i (n_i, d_v) -> (m, d_v); K3/V3 for order 3; s = 1/d by default) plus the declared bound B
    and the accuracy eps ∈ (0, 1): max |fast − exact| ≤ eps. Raises `BoundedEntryError` when an
    entry exceeds B and `FastMethodUnavailable` when the degree cap or memory budget would be
    exceeded; `ValueError` for malformed input.
    """
    Ks, Vs = collect_pairs(K1, K2, V1, V2, K3, V3)
    q, ks, vs = check_attention_inputs(Q, Ks, Vs)
    eps = check_eps(eps)
    B = float(B)
    if not np.isfinite(B) or B <= 0:
        raise ValueError(f"B must be a positive finite bound on the entries, got {B!r}")
    check_bounded(B, Q=q, **{f"K{i + 1}": k for i, k in enumerate(ks)})
    s = check_scale(scale, q.shape[1])
    v_max = float(np.prod([np.max(np.abs(v)) for v in vs]))
    plan = plan_fast(
        q.shape[0],
        max(k.shape[0] for k in ks),
        q.shape[1],
        B=B,
        eps=eps,
        order=len(ks),
        scale=s,
        v_max=v_max,
        memory_budget=memory_budget,
    )
    return polynomial_attention(q, ks, vs, plan.poly.coef, s)
