"""The column-wise Kronecker product ⊘ (Khatri–Rao product) behind tensor attention.

For K₁, K₂ ∈ R^{n×d} the paper forms K₁ ⊘ K₂ ∈ R^{n²×d}: every column of K₁ is Kronecker-multiplied
with the same column of K₂, so the row indexed by the pair (j₁, j₂) is the entrywise product
k₁,j₁ ∘ k₂,j₂. Its 1-based row index is (j₁ − 1)·n + j₂ (0-based: j₁·n + j₂). The pitfall it
avoids is the full Kronecker product K₁ ⊗ K₂ ∈ R^{n²×d²}, which mixes different coordinates.

The identity that makes the fast algorithm work (the "tensor trick"): for U₂, U₃ ∈ R^{n×r} and
V₁, V₂ ∈ R^{n×d},

    (U₂ ⊘ U₃)ᵀ (V₁ ⊘ V₂) = (U₂ᵀ V₁) ∘ (U₃ᵀ V₂)        (r × d),

so a product with the n² rows of U₂ ⊘ U₃ never needs those rows to be formed.
"""

from __future__ import annotations

import numpy as np


def kr(*factors: np.ndarray) -> np.ndarray:
    """K₁ ⊘ K₂ ⊘ … for factors of shapes (n₁, d), (n₂, d), … -> (n₁·n₂·…, d).

    Row j₁·n₂ + j₂ (0-based) of kr(K₁, K₂) is K₁[j₁] ∘ K₂[j₂]; with three factors the row of
    (j₁, j₂, j₃) is (j₁·n₂ + j₂)·n₃ + j₃. Every factor must be 2-D with the same column count d.
    """
    if not factors:
        raise ValueError("kr needs at least one factor")
    mats = [np.asarray(f) for f in factors]
    for i, m in enumerate(mats):
        if m.ndim != 2:
            raise ValueError(f"factor {i + 1} must be 2-D (n, d), got shape {m.shape}")
    d = mats[0].shape[1]
    if any(m.shape[1] != d for m in mats):
        raise ValueError(f"factors must share the column count d, got {[m.shape for m in mats]}")
    out = mats[0]
    for m in mats[1:]:
        out = (out[:, None, :] * m[None, :, :]).reshape(-1, d)
    return out
