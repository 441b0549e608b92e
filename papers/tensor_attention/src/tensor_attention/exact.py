"""Exact softmax attention: the matrix form and the paper's tensor (Kronecker) generalisation.

Matrix attention (the classical scheme, the paper's eq. for Att):

    Att(Q, K, V) = D⁻¹ exp(s·QKᵀ) V,     D = diag(exp(s·QKᵀ) 1_n).

Tensor attention (the paper's ATAttC problem, stated in its abstract and §1) replaces the n keys by
the n² pairs (j₁, j₂) and each key row by k₁,j₁ ∘ k₂,j₂:

    A = exp(s·Q (K₁ ⊘ K₂)ᵀ) ∈ R^{n×n²},   D = diag(A 1_{n²}),   Att = D⁻¹ A (V₁ ⊘ V₂),

with s = 1/d in the formal problem, so |exponent| ≤ B³ when every entry of Q, K₁, K₂ is at most
B in absolute value. Order 3 (three key/value pairs, n³ tuples) is the paper's higher-order
generalisation. The straightforward evaluation costs O(n³d) (order 3: O(n⁴d)) time; chunking over
queries keeps the memory at O(chunk·n²) beyond the (n², d) Khatri–Rao factors, and subtracting
each row's maximum before exp keeps it finite for any input.
"""

from __future__ import annotations

import numpy as np

from tensor_attention.kronecker import kr
from tensor_attention.validation import check_attention_inputs, check_scale

CHUNK_ELEMENTS = 2**21  # attention entries held at once (16 MiB of float64) when chunk is None


def collect_pairs(
    K1: object, K2: object, V1: object, V2: object, K3: object | None, V3: object | None
) -> tuple[list[object], list[object]]:
    """The key and value matrices of an order-2 or order-3 call (K3 and V3 go together)."""
    if (K3 is None) != (V3 is None):
        raise ValueError("order 3 needs both K3 and V3 (give neither for order 2)")
    Ks, Vs = [K1, K2], [V1, V2]
    if K3 is not None:
        Ks.append(K3)
        Vs.append(V3)
    return Ks, Vs


def _chunk_size(chunk: int | None, columns: int) -> int:
    if chunk is None:
        return max(1, CHUNK_ELEMENTS // columns)
    if isinstance(chunk, bool) or not isinstance(chunk, int | np.integer) or chunk < 1:
        raise ValueError(f"chunk must be a positive int (queries per block), got {chunk!r}")
    return int(chunk)


def softmax_attention(
    Q: np.ndarray, K: np.ndarray, V: np.ndarray, scale: float, chunk: int
) -> np.ndarray:
    """D⁻¹ exp(s·QKᵀ) V for validated Q (m, d), K (N, d), V (N, d_v), `chunk` queries at a time.

    Returns (m, d_v). Each block of exp(s·QKᵀ) is (chunk, N); its row maximum is subtracted
    before exp, which cancels in D⁻¹.
    """
    out = np.empty((Q.shape[0], V.shape[1]))
    for start in range(0, Q.shape[0], chunk):
        logits = (scale * Q[start : start + chunk]) @ K.T
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        out[start : start + chunk] = (logits @ V) / logits.sum(axis=1, keepdims=True)
        del logits  # free this block before the next is allocated: peak O(chunk·N), not twice
    return out


def matrix_attention_exact(
    Q: object, K: object, V: object, *, scale: float | None = None, chunk: int | None = None
) -> np.ndarray:
    """Standard softmax attention D⁻¹ exp(s·QKᵀ) V.

    Q (m, d), K (n, d), V (n, d_v) -> (m, d_v); s = 1/d when `scale` is None.
    """
    q, (k,), (v,) = check_attention_inputs(Q, [K], [V])
    s = check_scale(scale, q.shape[1])
    return softmax_attention(q, k, v, s, _chunk_size(chunk, k.shape[0]))


def tensor_attention_exact(
    Q: object,
    K1: object,
    K2: object,
    V1: object,
    V2: object,
    *,
    K3: object | None = None,
    V3: object | None = None,
    scale: float | None = None,
    chunk: int | None = None,
) -> np.ndarray:
    """Tensor attention D⁻¹ exp(s·Q(K₁ ⊘ K₂)ᵀ)(V₁ ⊘ V₂), computed exactly in O(n³d) time.

    Q (m, d); K_i (n_i, d); V_i (n_i, d_v) -> (m, d_v). With K3 and V3 it is the order-3 form
    D⁻¹ exp(s·Q(K₁ ⊘ K₂ ⊘ K₃)ᵀ)(V₁ ⊘ V₂ ⊘ V₃). s = 1/d when `scale` is None (the paper's
    normalisation). `chunk` queries are processed at a time (default: about 2²¹ entries of A).
    """
    Ks, Vs = collect_pairs(K1, K2, V1, V2, K3, V3)
    q, ks, vs = check_attention_inputs(Q, Ks, Vs)
    s = check_scale(scale, q.shape[1])
    k_tuples, v_tuples = kr(*ks), kr(*vs)
    return softmax_attention(q, k_tuples, v_tuples, s, _chunk_size(chunk, k_tuples.shape[0]))
