"""Match3 (Sanford, Hsu & Telgarsky 2023): a triple-wise task that tensor attention solves exactly.

A sequence x ∈ Z_M^n is labelled token by token: y_i = 1 iff there are positions j₁, j₂ (any, not
necessarily distinct or different from i) with x_i + x_{j₁} + x_{j₂} ≡ 0 (mod M). Sanford et al.
show that one standard attention layer needs an embedding size growing with n to represent it; the
paper's point is that one tensor attention unit does it with d = 4.

Analytic construction (d = 4): with θ = 2πx/M, a = cos θ and b = sin θ,

    q = (a, −a, −b, −b),  k₁ = (a, b, a, b),  k₂ = (a, b, b, a)
    ⟹ ⟨q_i, k₁,j₁ ∘ k₂,j₂⟩ = cos(θ_i + θ_{j₁} + θ_{j₂}) = cos(2π(x_i + x_{j₁} + x_{j₂})/M).

With V₁ = K₁, V₂ = K₂ the output row is the attention-weighted average of k₁,j₁ ∘ k₂,j₂, so
⟨q_i, out_i⟩ is the weighted average of those cosines. At inverse temperature
β = 4·ln(n²)/(1 − cos(2π/M)) the weight of every non-matching pair is at most n⁻⁸ of a matching
one, so ⟨q_i, out_i⟩ ≈ 1 when a match exists and ≤ cos(2π/M) otherwise; the prediction is
ŷ_i = [⟨q_i, out_i⟩ > (1 + cos(2π/M))/2]. Note that β ≫ 1: the construction lives far outside
the bounded-entry regime, so it is evaluated with the exact method.
"""

from __future__ import annotations

import numpy as np

from tensor_attention.exact import tensor_attention_exact


def check_sequences(x: object, M: int) -> np.ndarray:
    """x as a (count, n) int array with entries in Z_M; `ValueError` otherwise."""
    if isinstance(M, bool) or not isinstance(M, int | np.integer) or M < 2:
        raise ValueError(f"M must be an int >= 2, got {M!r}")
    a = np.asarray(x)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] < 1 or not np.issubdtype(a.dtype, np.integer):
        raise ValueError(
            f"x must be integer sequences of shape (count, n), got {a.shape} {a.dtype}"
        )
    if a.min() < 0 or a.max() >= M:
        raise ValueError(f"x must have entries in Z_M = {{0, …, {M - 1}}}")
    return a.astype(np.int64)


def match3_labels(x: object, M: int) -> np.ndarray:
    """Brute-force labels y (count, n) bool for sequences x (count, n) (or one sequence (n,))."""
    x = check_sequences(x, M)
    count, n = x.shape
    pair_sums = (x[:, :, None] + x[:, None, :]) % M  # (count, n, n): every x_{j₁} + x_{j₂}
    present = np.zeros((count, M), dtype=bool)
    present[np.repeat(np.arange(count), n * n), pair_sums.reshape(-1)] = True
    return present[np.arange(count)[:, None], (-x) % M]


def match3_beta(n: int, M: int) -> float:
    """β = 4·ln(n²)/(1 − cos(2π/M)): non-matching pairs get weight ≤ n⁻⁸ of a matching one."""
    return 4.0 * np.log(n * n) / (1.0 - np.cos(2 * np.pi / M))


def match3_threshold(M: int) -> float:
    """(1 + cos(2π/M))/2, halfway between a match (1) and the best non-match (cos(2π/M))."""
    return 0.5 * (1.0 + np.cos(2 * np.pi / M))


def match3_tokens(x: np.ndarray, M: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The d = 4 query and key rows Q, K₁, K₂ (each (n, 4)) for one sequence x (n,)."""
    theta = 2 * np.pi * np.asarray(x, dtype=np.float64) / M
    a, b = np.cos(theta), np.sin(theta)
    Q = np.stack([a, -a, -b, -b], axis=1)
    K1 = np.stack([a, b, a, b], axis=1)
    K2 = np.stack([a, b, b, a], axis=1)
    return Q, K1, K2


def match3_scores(x: object, M: int) -> np.ndarray:
    """⟨q_i, out_i⟩ for every token of every sequence, (count, n), out = tensor attention."""
    x = check_sequences(x, M)
    beta = match3_beta(x.shape[1], M)
    scores = np.empty(x.shape)
    for c, seq in enumerate(x):
        Q, K1, K2 = match3_tokens(seq, M)
        out = tensor_attention_exact(Q, K1, K2, K1, K2, scale=beta)
        scores[c] = np.sum(Q * out, axis=1)
    return scores


def match3_predict(x: object, M: int) -> np.ndarray:
    """Tensor attention's Match3 predictions ŷ (count, n) bool."""
    return match3_scores(x, M) > match3_threshold(M)


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """(TPR + TNR)/2 over all tokens; a class that is absent contributes its other half only."""
    t, p = np.asarray(y_true, dtype=bool).ravel(), np.asarray(y_pred, dtype=bool).ravel()
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must match in size, got {t.shape}, {p.shape}")
    rates = [np.mean(p[t == cls] == cls) for cls in (True, False) if np.any(t == cls)]
    return float(np.mean(rates))
