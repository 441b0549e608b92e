"""Quantizers (survey Sec. III-A to III-C, III-F and IV-F): uniform, non-uniform, binary, ternary.

The uniform affine quantizer of the survey (Eq. 2-3) maps a real r to the integer

    Q(r) = clamp(round(r / S) + Z, q_min, q_max)          (torch's sign convention for Z;
    r~   = S (Q(r) - Z)                                     the survey writes Int(r/S) - Z)

with scale S > 0 and an integer zero point Z in [q_min, q_max]. `round` is round-half-to-even
(IEEE nearest, what `torch.round` and torch's fake-quant kernels do) or stochastic rounding
(Sec. IV-F: floor(x + u), u ~ U[0, 1), unbiased: E[round(x)] = x). Like torch's kernels, r / S is
computed as r * (1 / S) in float32, so that our results are bit-exact with theirs.

Scales come from a clipping range [alpha, beta] (Eq. 3: S = (beta - alpha) / (2^b - 1)):

* asymmetric: the range is widened to include 0, so that Z is an exact integer and a real zero
  (ReLU outputs, padding) is represented without error;
* symmetric (Z = 0), with the survey's two conventions (Sec. III-B): "full" range
  S = 2 max|r| / (2^b - 1) on [-2^(b-1), 2^(b-1) - 1] (torch's symmetric observers), and
  "restricted" range S = max|r| / (2^(b-1) - 1) on [-(2^(b-1) - 1), 2^(b-1) - 1].

`midrise_quantize` is the quantizer behind ACIQ's closed-form MSE (Banner et al. 2019):
[-alpha, alpha] cut into 2^b bins of width 2 alpha / 2^b, each reconstructed at its bin centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

EPS = float(torch.finfo(torch.float32).eps)  # the smallest scale, as in torch's observers
SYMMETRIC_MODES = ("restricted", "full")


def check_bits(bits: int, name: str = "bits") -> int:
    """Return `bits` if it is an int in [1, 16], else raise ValueError."""
    if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 16:
        raise ValueError(f"{name} must be an int in [1, 16], got {bits!r}")
    return bits


def check_axis(x: torch.Tensor, axis: int | None) -> int | None:
    """Normalise a (possibly negative) channel axis of `x`, or raise ValueError."""
    if axis is None:
        return None
    if not -x.dim() <= axis < x.dim():
        raise ValueError(
            f"axis must be in [-{x.dim()}, {x.dim() - 1}] for a {x.dim()}-d tensor, got {axis}"
        )
    return axis % x.dim()


def qrange(bits: int, signed: bool, restricted: bool = False) -> tuple[int, int]:
    """The integer range [q_min, q_max] of a b-bit code."""
    check_bits(bits)
    if not signed:
        return 0, 2**bits - 1
    if restricted:
        if bits < 2:
            raise ValueError("a restricted symmetric range needs bits >= 2")
        return -(2 ** (bits - 1) - 1), 2 ** (bits - 1) - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


@dataclass(frozen=True)
class QParams:
    """Scale S (float32, () or (C,)), zero point Z (int32, same shape), range, channel axis."""

    scale: torch.Tensor
    zero_point: torch.Tensor
    qmin: int
    qmax: int
    axis: int | None = None


def _as_scale(x: torch.Tensor | float) -> torch.Tensor:
    return torch.as_tensor(x, dtype=torch.float32)


def asymmetric_qparams(
    rmin: torch.Tensor | float,
    rmax: torch.Tensor | float,
    bits: int,
    *,
    signed: bool = False,
    axis: int | None = None,
) -> QParams:
    """Asymmetric qparams for the range [rmin, rmax] (widened to include 0), survey Eq. 3.

    S = (beta - alpha) / (q_max - q_min), Z = q_min - round(alpha / S), clamped into range; a zero
    range (an all-equal tensor) gets the smallest positive scale, never NaN or Inf.
    """
    qmin, qmax = qrange(bits, signed)
    rmin, rmax = _as_scale(rmin), _as_scale(rmax)
    for name, v in (("rmin", rmin), ("rmax", rmax)):
        if not torch.isfinite(v).all():
            raise ValueError(f"{name} must be finite, got {v}")
    lo, hi = torch.clamp(rmin, max=0.0), torch.clamp(rmax, min=0.0)
    scale = torch.clamp((hi - lo) / float(qmax - qmin), min=EPS)
    zp = torch.clamp(qmin - torch.round(lo / scale), qmin, qmax).to(torch.int32)
    return QParams(scale, zp, qmin, qmax, axis)


def symmetric_qparams(
    amax: torch.Tensor | float, bits: int, *, mode: str = "restricted", axis: int | None = None
) -> QParams:
    """Symmetric qparams (Z = 0) for the clipping range [-amax, amax] (survey Sec. III-B)."""
    if mode not in SYMMETRIC_MODES:
        raise ValueError(f"mode must be one of {SYMMETRIC_MODES}, got {mode!r}")
    amax = _as_scale(amax)
    if not torch.isfinite(amax).all():
        raise ValueError(f"amax must be finite, got {amax}")
    amax = amax.abs()
    if mode == "restricted":
        qmin, qmax = qrange(bits, True, restricted=True)
        scale = amax / qmax
    else:
        qmin, qmax = qrange(bits, True)
        scale = 2 * amax / (2**bits - 1)
    scale = torch.clamp(scale, min=EPS)
    return QParams(scale, torch.zeros_like(scale, dtype=torch.int32), qmin, qmax, axis)


def _broadcast(p: torch.Tensor, x: torch.Tensor, axis: int | None) -> torch.Tensor:
    if axis is None or p.dim() == 0:
        return p
    shape = [1] * x.dim()
    shape[axis] = -1
    return p.reshape(shape)


def round_stochastic(v: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Stochastic rounding floor(v + u), u ~ U[0, 1): E[round(v)] = v (survey Sec. IV-F)."""
    u = torch.rand(v.shape, generator=generator, dtype=v.dtype, device=v.device)
    return torch.floor(v + u)


def quantize(
    x: torch.Tensor,
    qp: QParams,
    *,
    stochastic: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Q(x) = clamp(round(x / S) + Z, q_min, q_max) as an int32 tensor of x's shape."""
    axis = check_axis(x, qp.axis)
    inv = _broadcast(1.0 / qp.scale, x, axis)
    v = x.float() * inv
    v = round_stochastic(v, generator) if stochastic else torch.round(v)
    q = torch.clamp(v + _broadcast(qp.zero_point, x, axis), qp.qmin, qp.qmax)
    return q.to(torch.int32)


def dequantize(q: torch.Tensor, qp: QParams) -> torch.Tensor:
    """r~ = S (Q - Z), float32."""
    axis = check_axis(q, qp.axis)
    return (q - _broadcast(qp.zero_point, q, axis)).float() * _broadcast(qp.scale, q, axis)


def fake_quantize(
    x: torch.Tensor,
    qp: QParams,
    *,
    stochastic: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Simulated quantization (survey Sec. III-G, Fig. 6): dequantize(quantize(x))."""
    return dequantize(quantize(x, qp, stochastic=stochastic, generator=generator), qp)


def midrise_quantize(x: torch.Tensor, alpha: float, bits: int) -> torch.Tensor:
    """ACIQ's uniform quantizer: x clipped to [-alpha, alpha], 2^b bins of width D = 2 alpha / 2^b,
    reconstructed at the bin centres -alpha + D (k + 1/2), k = 0..2^b - 1."""
    check_bits(bits)
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    n = 2**bits
    d = 2 * alpha / n
    k = torch.clamp(torch.floor((x + alpha) / d), 0, n - 1)
    return -alpha + d * (k + 0.5)


# --- non-uniform quantizers (survey Sec. III-C) -------------------------------------------------


def log2_quantize(w: torch.Tensor, bits: int) -> torch.Tensor:
    """Power-of-two (logarithmic) quantizer: sign(w) * amax * 2^e, e in {0, -1, ..., -(2^(b-1)-2)}.

    One sign bit and 2^(b-1) magnitude codes, one of which is reserved for 0; a magnitude rounds to
    the nearest level in the log domain and magnitudes below half the smallest level become 0.
    """
    check_bits(bits)
    if bits < 2:
        raise ValueError("log2_quantize needs bits >= 2 (a sign bit and a magnitude)")
    amax = w.abs().max().clamp(min=EPS)
    e_min = -(2 ** (bits - 1) - 2)
    mag = w.abs() / amax
    e = torch.clamp(torch.round(torch.log2(mag.clamp(min=1e-30))), e_min, 0)
    level = torch.exp2(e)
    level = torch.where(mag < 2.0 ** (e_min - 1), torch.zeros_like(level), level)
    return torch.sign(w) * amax * level


def lloyd_max(
    x: torch.Tensor, levels: int, *, iters: int = 30
) -> tuple[torch.Tensor, torch.Tensor]:
    """The Lloyd-Max (1-d k-means) codebook: levels c_k minimising E[(x - c_{k(x)})^2].

    Initialised at the quantiles of x; returns (codebook (levels,), indices (x.shape) int64).
    """
    if levels < 1:
        raise ValueError(f"levels must be >= 1, got {levels}")
    flat = x.detach().reshape(-1).float()
    qs = (torch.arange(levels, dtype=torch.float32) + 0.5) / levels
    sample = flat if flat.numel() <= 1_000_000 else flat[:: flat.numel() // 1_000_000 + 1]
    c = torch.quantile(sample, qs)
    for _ in range(iters):
        c = torch.sort(c).values
        edges = (c[1:] + c[:-1]) / 2
        idx = torch.bucketize(flat, edges)
        sums = torch.zeros(levels).index_add_(0, idx, flat)
        counts = torch.zeros(levels).index_add_(0, idx, torch.ones_like(flat))
        c = torch.where(counts > 0, sums / counts.clamp(min=1), c)
    c = torch.sort(c).values
    idx = torch.bucketize(flat, (c[1:] + c[:-1]) / 2)
    return c, idx.reshape(x.shape)


def kmeans_quantize(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Non-uniform quantization to a 2^b-level Lloyd-Max codebook (codebook[index])."""
    check_bits(bits)
    c, idx = lloyd_max(x, 2**bits)
    return c[idx]


# --- extreme quantization (survey Sec. IV-E) ----------------------------------------------------


def _per(w: torch.Tensor, axis: int | None, fn) -> torch.Tensor:
    axis = check_axis(w, axis)
    if axis is None:
        return fn(w.reshape(-1)).reshape([])
    moved = w.movedim(axis, 0).reshape(w.shape[axis], -1)
    return _broadcast(torch.stack([fn(row) for row in moved]), w, axis)


def binarize(w: torch.Tensor, axis: int | None = 0) -> torch.Tensor:
    """Binary weights (BWN / XNOR-Net): alpha * sign(w) with alpha = mean|w| per output channel."""
    alpha = _per(w, axis, lambda v: v.abs().mean())
    return alpha * torch.where(w >= 0, 1.0, -1.0)


def ternarize(w: torch.Tensor, axis: int | None = None) -> torch.Tensor:
    """Ternary weights (TWN): Delta = 0.7 mean|w|, alpha = mean of |w| over |w| > Delta.

    Per layer (axis=None) as in TWN; returns alpha * sign(w) * [|w| > Delta].
    """
    delta = _per(w, axis, lambda v: 0.7 * v.abs().mean())
    mask = w.abs() > delta

    def alpha_of(v: torch.Tensor) -> torch.Tensor:
        d = 0.7 * v.abs().mean()
        big = v.abs()[v.abs() > d]
        return big.mean() if big.numel() else torch.zeros(())

    alpha = _per(w, axis, alpha_of)
    return alpha * torch.sign(w) * mask
