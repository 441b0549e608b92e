"""Gaussian random fields: the random coefficients of the Darcy and Helmholtz families.

As the official generator's `GaussianRF(2, s, alpha=2.5, tau=7)` (the FNO data recipe): on an
s × s periodic grid with wavenumbers k ∈ {0, …, s/2 − 1, −s/2, …, −1}²,

    ĝ_k = s² √2 σ (4π²|k|² + τ²)^{−α/2} ξ_k,   σ = τ^{α − 1},   ξ_k ~ CN(0, 1),   ĝ_0 = 0,
    g = Re(ifft2(ĝ)),

so g has zero mean and power spectrum E|fft2(g)_k|² ∝ (4π²|k|² + τ²)^{−α}.
"""

from __future__ import annotations

import numpy as np


def grf_sqrt_eigenvalues(s: int, alpha: float = 2.5, tau: float = 7.0) -> np.ndarray:
    """s² √2 σ (4π²|k|² + τ²)^{−α/2} on the FFT grid, (s, s), with the mean mode zeroed."""
    if s < 2:
        raise ValueError(f"s (grid side) must be >= 2, got {s}")
    if alpha <= 1.0 or tau <= 0.0:
        raise ValueError(f"need alpha > 1 and tau > 0, got alpha={alpha}, tau={tau}")
    k = np.fft.fftfreq(s, d=1.0 / s)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    sigma = tau ** (alpha - 1.0)
    sqrt_eig = s**2 * np.sqrt(2.0) * sigma * (4 * np.pi**2 * k2 + tau**2) ** (-alpha / 2.0)
    sqrt_eig[0, 0] = 0.0
    return sqrt_eig


def gaussian_random_field(
    rng: np.random.Generator, s: int, count: int, alpha: float = 2.5, tau: float = 7.0
) -> np.ndarray:
    """`count` independent samples g of shape (count, s, s)."""
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    sqrt_eig = grf_sqrt_eigenvalues(s, alpha, tau)
    xi = (rng.standard_normal((count, s, s)) + 1j * rng.standard_normal((count, s, s))) / np.sqrt(2)
    return np.fft.ifft2(sqrt_eig * xi, axes=(-2, -1)).real
