"""Checks shared by the exact and fast attention: 2-D, finite, float64, consistent shapes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_matrix(name: str, x: object) -> np.ndarray:
    """`x` as a finite float64 2-D array; `ValueError` names the argument otherwise."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (rows, columns), got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must be non-empty, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite: it contains NaN or Inf")
    return a


def check_attention_inputs(
    Q: object, Ks: Sequence[object], Vs: Sequence[object]
) -> tuple[np.ndarray, tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Validate Q (m, d), keys K_i (n_i, d) and values V_i (n_i, d_v); return float64 copies.

    Names follow the paper: K1, K2, (K3) and V1, V2, (V3). Every key shares Q's column count d,
    every value V_i has K_i's row count, and all values share one column count d_v.
    """
    if len(Ks) != len(Vs) or not Ks:
        raise ValueError(f"need as many value matrices as key matrices, got {len(Ks)}, {len(Vs)}")
    q = as_matrix("Q", Q)
    ks = tuple(as_matrix(f"K{i + 1}", k) for i, k in enumerate(Ks))
    vs = tuple(as_matrix(f"V{i + 1}", v) for i, v in enumerate(Vs))
    d, d_v = q.shape[1], vs[0].shape[1]
    for i, (k, v) in enumerate(zip(ks, vs, strict=True), start=1):
        if k.shape[1] != d:
            raise ValueError(f"K{i} must have d = {d} columns like Q, got shape {k.shape}")
        if v.shape != (k.shape[0], d_v):
            raise ValueError(
                f"V{i} must have shape (n{i}, d_v) = {(k.shape[0], d_v)} (rows of K{i}, "
                f"columns of V1), got {v.shape}"
            )
    return q, ks, vs


def check_scale(scale: float | None, d: int) -> float:
    """The exponent's scale s (the paper's 1/d when None); must be a positive finite number."""
    if scale is None:
        return 1.0 / d
    s = float(scale)
    if not np.isfinite(s) or s <= 0:
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    return s
