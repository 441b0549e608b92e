"""Range calibration (survey Sec. III-B and III-D): choosing the clipping range [alpha, beta].

* min-max: the extreme values;
* percentile: the p-th percentile (99.9, 99.99) instead of the maximum;
* MSE-optimal clip: the ratio c in {1/100, ..., 100/100} of the min-max range that minimises the
  mean squared quantization error (a grid of 100 ratios);
* KL / entropy (TensorRT, Migacz 2017): the threshold whose quantized 2048-bin histogram is closest
  in KL divergence to the clipped original;
* ACIQ (Banner et al. 2019): for Laplace(0, b) data the closed-form MSE of clipping at alpha with
  2^M bins is 2 b^2 exp(-alpha / b) + alpha^2 / (3 * 4^M); its minimiser alpha* is solved
  numerically (about 2.83 b, 3.89 b, ..., 9.89 b for M = 2..8);
* static ranges come from a calibration set (`StaticObserver`), dynamic ranges are computed from
  the tensor at hand, per batch or per token (`dynamic_qparams`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import torch
from scipy.integrate import quad
from scipy.optimize import brentq, minimize_scalar

from qsurvey.quantizers import (
    QParams,
    asymmetric_qparams,
    check_bits,
    fake_quantize,
    symmetric_qparams,
)

METHODS = ("minmax", "percentile", "mse", "kl")


def check_finite(x: torch.Tensor, name: str = "x") -> torch.Tensor:
    """Raise ValueError if `x` holds NaN or Inf (calibration must never see them)."""
    if not torch.isfinite(x).all():
        bad = int((~torch.isfinite(x)).sum())
        raise ValueError(f"{name} holds {bad} NaN/Inf values; calibration needs finite data")
    return x


def minmax_range(x: torch.Tensor, axis: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(min, max) of x, over everything or per slice along `axis` (shapes () or (C,))."""
    check_finite(x)
    if axis is None:
        return x.min(), x.max()
    flat = x.movedim(axis, 0).reshape(x.shape[axis], -1)
    return flat.min(dim=1).values, flat.max(dim=1).values


def percentile_range(x: torch.Tensor, pct: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The (100 - pct)-th and pct-th percentiles of x (per tensor)."""
    check_finite(x)
    if not 50.0 < pct <= 100.0:
        raise ValueError(f"pct must be in (50, 100], got {pct}")
    v = x.detach().reshape(-1).double().numpy()
    lo, hi = np.percentile(v, [100.0 - pct, pct])
    return torch.tensor(lo, dtype=torch.float32), torch.tensor(hi, dtype=torch.float32)


def _qparams(lo, hi, bits: int, symmetric: bool, mode: str) -> QParams:
    if symmetric:
        return symmetric_qparams(
            torch.maximum(torch.as_tensor(lo).abs(), torch.as_tensor(hi).abs()), bits, mode=mode
        )
    return asymmetric_qparams(lo, hi, bits, signed=True)


def mse_clip_range(
    x: torch.Tensor,
    bits: int,
    *,
    symmetric: bool = False,
    mode: str = "restricted",
    n_grid: int = 100,
    quantizer: Callable[[torch.Tensor, float], torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The MSE-optimal clip: the ratio c = k / n_grid (k = 1..n_grid) of the min-max range
    minimising E[(x - Q(x))^2]. `quantizer(x, alpha)`, when given, replaces the integer grid
    (a symmetric clip [-alpha, alpha] with alpha = c max|x|)."""
    lo, hi = minmax_range(x)
    if quantizer is not None:
        hi = torch.maximum(lo.abs(), hi.abs())
        lo = -hi
    best, best_c = math.inf, 1.0
    for k in range(1, n_grid + 1):
        c = k / n_grid
        if quantizer is not None:
            x_q = quantizer(x, float(c * hi))
        else:
            x_q = fake_quantize(x, _qparams(c * lo, c * hi, bits, symmetric, mode))
        err = torch.mean((x_q - x) ** 2).item()
        if err < best:
            best, best_c = err, c
    return best_c * lo, best_c * hi


def kl_threshold(x: torch.Tensor, bits: int, *, n_bins: int = 2048, signed: bool = True) -> float:
    """TensorRT's entropy calibration: the clip threshold T on |x| minimising KL(P || Q).

    A 2048-bin histogram of |x| over [0, max|x|]; for each candidate i (bins kept), P is the first
    i bins with the clipped tail added to bin i-1, and Q merges those i bins into the code's
    2^(b-1) (signed) or 2^b (unsigned) levels, spreading each level's mass uniformly over its
    non-empty bins. T = i * bin width for the i of least KL(P || Q).
    """
    check_bits(bits)
    check_finite(x)
    levels = 2 ** (bits - 1) if signed else 2**bits
    a = x.detach().abs().reshape(-1).double().numpy()
    amax = float(a.max())
    if amax == 0.0:
        return 0.0
    hist, edges = np.histogram(a, bins=n_bins, range=(0.0, amax))
    hist = hist.astype(np.float64)
    best_kl, best_i = math.inf, n_bins
    for i in range(levels, n_bins + 1):
        p = hist[:i].copy()
        p[i - 1] += hist[i:].sum()
        nonzero = hist[:i] > 0
        lengths = np.full(levels, i // levels)
        lengths[: i % levels] += 1
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        mass = np.add.reduceat(hist[:i], starts)
        count = np.add.reduceat(nonzero.astype(np.float64), starts)
        q = (
            np.repeat(np.divide(mass, count, out=np.zeros_like(mass), where=count > 0), lengths)
            * nonzero
        )
        ps, qs = p.sum(), q.sum()
        if qs == 0:
            continue
        p, q = p / ps, q / qs
        mask = p > 0
        if (q[mask] == 0).any():
            continue
        kl = float(np.sum(p[mask] * np.log(p[mask] / q[mask])))
        if kl < best_kl:
            best_kl, best_i = kl, i
    return float(edges[best_i])


def laplace_clip_mse(alpha: float, b: float, bits: int) -> float:
    """ACIQ's closed-form MSE of clipping Laplace(0, b) at +-alpha with 2^M bins."""
    return 2 * b**2 * math.exp(-alpha / b) + alpha**2 / (3 * 4**bits)


def aciq_alpha(b: float, bits: int) -> float:
    """alpha* = argmin of `laplace_clip_mse`: the root of -2 b exp(-alpha/b) + 2 alpha / (3 4^M)."""
    check_bits(bits)
    if not b > 0:
        raise ValueError(f"the Laplace scale b must be > 0, got {b}")

    def grad(t: float) -> float:  # d/d(alpha) of the MSE, in units alpha = t b
        return -2 * math.exp(-t) + 2 * t / (3 * 4**bits)

    return b * brentq(grad, 1e-6, 100.0, xtol=1e-12)


def laplace_midrise_mse(alpha: float, bits: int, b: float = 1.0) -> float:
    """The exact MSE of `midrise_quantize` on Laplace(0, b), by numerical integration per bin
    (ACIQ's closed form approximates each bin's error by D^2 / 12)."""
    n = 2**bits
    d = 2 * alpha / n
    total = 0.0
    for k in range(n):
        lo, c = -alpha + k * d, -alpha + (k + 0.5) * d
        a = -math.inf if k == 0 else lo
        z = math.inf if k == n - 1 else lo + d
        pts = [0.0] if a < 0 < z and math.isfinite(a) and math.isfinite(z) else None
        total += quad(
            lambda x, c=c: (x - c) ** 2 * math.exp(-abs(x) / b) / (2 * b), a, z, points=pts
        )[0]
    return total


def laplace_midrise_optimum(bits: int, b: float = 1.0) -> float:
    """argmin over alpha of the exact `laplace_midrise_mse`, in units of b."""
    check_bits(bits)
    res = minimize_scalar(
        lambda a: laplace_midrise_mse(a, bits, b),
        bounds=(0.5 * b, 20 * b),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(res.x) / b


def laplace_scale(x: torch.Tensor) -> float:
    """Maximum-likelihood Laplace scale b = mean|x - median(x)|."""
    check_finite(x)
    return float((x - x.median()).abs().mean())


def calibrate_range(
    x: torch.Tensor,
    method: str,
    bits: int,
    *,
    symmetric: bool = False,
    pct: float = 99.99,
    mode: str = "restricted",
) -> tuple[torch.Tensor, torch.Tensor]:
    """The clipping range [alpha, beta] of x by one of METHODS."""
    check_bits(bits)
    check_finite(x)
    if method == "minmax":
        return minmax_range(x)
    if method == "percentile":
        return percentile_range(x, pct)
    if method == "mse":
        return mse_clip_range(x, bits, symmetric=symmetric, mode=mode)
    if method == "kl":
        lo, _ = minmax_range(x)
        t = torch.tensor(kl_threshold(x, bits, signed=symmetric or bool(lo < 0)))
        return (-t if lo < 0 else torch.zeros(())), t
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


class StaticObserver:
    """Static (offline) calibration: collect a layer's inputs over the calibration set, then fix
    one range. Min-max keeps running extremes; the other methods keep the samples."""

    def __init__(self, method: str, bits: int, *, pct: float = 99.99):
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        self.method, self.bits, self.pct = method, check_bits(bits), pct
        self.samples: list[torch.Tensor] = []

    def observe(self, x: torch.Tensor) -> None:
        self.samples.append(check_finite(x.detach(), "calibration batch").reshape(-1))

    def qparams(self) -> QParams:
        if not self.samples:
            raise ValueError("observer saw no calibration data")
        lo, hi = calibrate_range(torch.cat(self.samples), self.method, self.bits, pct=self.pct)
        return asymmetric_qparams(lo, hi, self.bits, signed=True)


def dynamic_qparams(x: torch.Tensor, bits: int, *, per_token: bool = False) -> QParams:
    """Dynamic range: min-max of the batch at hand (per tensor) or of each row x[i] (per token)."""
    check_finite(x)
    if per_token:
        lo, hi = minmax_range(x, axis=0)
        return asymmetric_qparams(lo, hi, bits, signed=True, axis=0)
    lo, hi = minmax_range(x)
    return asymmetric_qparams(lo, hi, bits, signed=True)


def check_calibration_set(n_images: int, batch_size: int) -> None:
    """Warn when the calibration set is smaller than one batch (ranges will be noisy)."""
    if n_images < batch_size:
        warnings.warn(
            f"calibration set has {n_images} images, fewer than one batch ({batch_size}); "
            "ranges estimated from so few samples are unreliable",
            stacklevel=2,
        )
