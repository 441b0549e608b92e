"""The sorting step of SKR (paper §4, Algorithm 1; official `seq_generator`): order the systems
so that neighbours in the sequence are similar, then solve them in that order.

Each system i is described by a feature vector f_i; the order is the greedy nearest-neighbour
path from system `start` (0, as the official code): repeatedly go to the closest unvisited system
in Euclidean distance ‖f_i − f_j‖ (ties go to the lowest index).

Features:

    "field"  the coefficient field a flattened, so ‖f_i − f_j‖ = ‖a_i − a_j‖_F, the official
             choice (`comp_frobenius_distance(w[i], w[j])`)
    "fft"    the central block × block of fftshift(fft2(a)), real and imaginary parts, optionally
             reduced to `pca` principal components, then min-max scaled per dimension (the official
             `address`, 12 × 12 and 7 components)

and a family's scalar parameters (κ for Helmholtz) are appended, each multiplied by
`scalar_scale`. The official Helmholtz sort adds |κ_i − κ_j| to the field distance with weight 1
for κ ~ U(0, 1); for κ ~ U(5, 15) the κ² shift dominates the change of the operator, see
`operator_scale`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.spatial.distance import cdist

FEATURES = ("field", "fft")


def greedy_order(features: np.ndarray, start: int = 0) -> np.ndarray:
    """Greedy nearest-neighbour order (N,) of the rows of features (N, d), from row `start`."""
    X = np.asarray(features, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(f"features must be a non-empty (N, d) array, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("features contain NaN or inf")
    N = X.shape[0]
    if not 0 <= start < N:
        raise ValueError(f"start must be in [0, {N}), got {start}")
    D = cdist(X, X)
    visited = np.zeros(N, dtype=bool)
    order = [start]
    visited[start] = True
    for _ in range(N - 1):
        d = np.where(visited, np.inf, D[order[-1]])
        nxt = int(np.argmin(d))  # first minimum: ties go to the lowest index
        order.append(nxt)
        visited[nxt] = True
    return np.array(order)


def path_length(features: np.ndarray, order: Sequence[int]) -> float:
    """Σ ‖f_{o_t} − f_{o_{t+1}}‖ along an order."""
    X = np.asarray(features, dtype=float)[np.asarray(order)]
    return float(np.linalg.norm(np.diff(X, axis=0), axis=1).sum())


def fft_features(fields: np.ndarray, block: int = 12, pca: int | None = 7) -> np.ndarray:
    """Low-frequency features (N, d) of fields (N, s, s): see the module docstring."""
    fields = np.asarray(fields, dtype=float)
    if fields.ndim != 3 or block < 2 or block > fields.shape[-1]:
        raise ValueError(f"need fields (N, s, s) with 2 <= block <= s, got {fields.shape}, {block}")
    spec = np.fft.fftshift(np.fft.fft2(fields), axes=(-2, -1))
    c = fields.shape[-1] // 2
    lo, hi = c - block // 2, c + block // 2
    low = spec[:, lo:hi, lo:hi].reshape(len(fields), -1)
    X = np.concatenate([low.real, low.imag], axis=1)
    if pca is not None:
        if not 1 <= pca <= min(X.shape):
            raise ValueError(f"pca must be in [1, {min(X.shape)}], got {pca}")
        Xc = X - X.mean(axis=0)
        _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
        X = Xc @ Vt[:pca].T
    span = X.max(axis=0) - X.min(axis=0)
    return (X - X.min(axis=0)) / np.where(span > 0, span, 1.0)


def operator_scale(s: int) -> float:
    """Weight of κ² against the field a in `sort_features` so that feature distances follow the
    Frobenius distance of the finite-volume operators.

    A = L(a)/h² − κ² I: a change δa of one nodal value changes about five entries of L by δa/2 or
    δa (‖δL‖_F ≈ √2 |δa| per node, i.e. √2/h² |δa| in A), while a change δ(κ²) changes all
    (s − 2)² diagonal entries: ‖δA‖_F = (s − 2) |δ(κ²)|. So f = [a, w κ²] with
    w = (s − 2) h² / √2, h = 1/(s − 1).
    """
    h = 1.0 / (s - 1)
    return (s - 2) * h**2 / np.sqrt(2.0)


def sort_features(
    fields: np.ndarray,
    scalars: np.ndarray | None = None,
    *,
    kind: str = "field",
    scalar_scale: float = 1.0,
    block: int = 12,
    pca: int | None = 7,
) -> np.ndarray:
    """Features (N, d) of N systems from their fields (N, s, s) and scalars (N, p) or None."""
    if kind not in FEATURES:
        raise ValueError(f"kind must be one of {FEATURES}, got {kind!r}")
    fields = np.asarray(fields, dtype=float)
    X = fields.reshape(len(fields), -1) if kind == "field" else fft_features(fields, block, pca)
    if scalars is not None and np.size(scalars):
        S = np.asarray(scalars, dtype=float).reshape(len(fields), -1)
        X = np.concatenate([X, scalar_scale * S], axis=1)
    return X
