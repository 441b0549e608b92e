"""Quantization granularity (survey Sec. III-E): per-tensor, per-channel and group-wise ranges.

Weights are (C_out, ...) tensors; a conv weight (C_out, C_in, k_h, k_w) is viewed as the matrix
(C_out, K) with K = C_in k_h k_w, its fan-in in torch's memory order.

* layer-wise: one range for the whole tensor;
* channel-wise: one range per output channel (axis 0), the standard for weights;
* group-wise: one range per group of g consecutive fan-in entries of each output channel
  (Q-BERT style), which needs g | K.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from qsurvey.calibration import check_finite
from qsurvey.quantizers import (
    QParams,
    asymmetric_qparams,
    check_bits,
    dequantize,
    quantize,
    symmetric_qparams,
)

GRANULARITIES = ("tensor", "channel", "group")


@dataclass(frozen=True)
class WeightQuant:
    """A quantized weight: integer codes Q (int32, the weight's shape) and their QParams.

    For group-wise quantization `qparams` is per row of the (C_out * K / g, g) view.
    """

    q: torch.Tensor
    qparams: QParams
    granularity: str
    group_size: int | None = None

    def dequantize(self) -> torch.Tensor:
        if self.granularity == "group":
            rows = self.q.reshape(-1, self.group_size)
            return dequantize(rows, self.qparams).reshape(self.q.shape)
        return dequantize(self.q, self.qparams)


def _view(
    w: torch.Tensor, granularity: str, group_size: int | None
) -> tuple[torch.Tensor, int | None]:
    if granularity == "tensor":
        return w, None
    if granularity == "channel":
        return w, 0
    if granularity == "group":
        k = w[0].numel()
        if group_size is None or group_size < 1 or k % group_size:
            raise ValueError(
                f"group_size must divide the fan-in K={k} of a weight {tuple(w.shape)}, "
                f"got {group_size}"
            )
        return w.reshape(-1, group_size), 0
    raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")


def weight_qparams(
    w: torch.Tensor,
    bits: int,
    *,
    granularity: str = "channel",
    group_size: int | None = None,
    symmetric: bool = True,
    mode: str = "restricted",
    clip_ratio: float | torch.Tensor = 1.0,
) -> QParams:
    """Min-max qparams of a weight at the given granularity (ranges shrunk by `clip_ratio`)."""
    check_bits(bits)
    check_finite(w, "weight")
    v, axis = _view(w, granularity, group_size)
    if axis is None:
        lo, hi = v.min(), v.max()
    else:
        flat = v.reshape(v.shape[0], -1)
        lo, hi = flat.min(dim=1).values, flat.max(dim=1).values
    lo, hi = lo * clip_ratio, hi * clip_ratio
    if symmetric:
        return symmetric_qparams(torch.maximum(lo.abs(), hi.abs()), bits, mode=mode, axis=axis)
    return asymmetric_qparams(lo, hi, bits, signed=True, axis=axis)


def quantize_weight(
    w: torch.Tensor,
    bits: int,
    *,
    granularity: str = "channel",
    group_size: int | None = None,
    symmetric: bool = True,
    mode: str = "restricted",
    clip_ratio: float | torch.Tensor = 1.0,
) -> WeightQuant:
    """Round-to-nearest quantization of a weight tensor at a granularity."""
    qp = weight_qparams(
        w,
        bits,
        granularity=granularity,
        group_size=group_size,
        symmetric=symmetric,
        mode=mode,
        clip_ratio=clip_ratio,
    )
    v, _ = _view(w, granularity, group_size)
    return WeightQuant(quantize(v, qp).reshape(w.shape), qp, granularity, group_size)


def mse_channel_clip(
    w: torch.Tensor, bits: int, *, n_grid: int = 100, mode: str = "restricted"
) -> torch.Tensor:
    """Per-output-channel MSE-optimal clip ratios c_k in {1/n, ..., 1} (symmetric), (C_out,)."""
    best = torch.full((w.shape[0],), float("inf"))
    ratio = torch.ones(w.shape[0])
    for k in range(1, n_grid + 1):
        c = k / n_grid
        wq = quantize_weight(w, bits, granularity="channel", mode=mode, clip_ratio=c).dequantize()
        err = ((wq - w).reshape(w.shape[0], -1) ** 2).mean(dim=1)
        better = err < best
        best = torch.where(better, err, best)
        ratio = torch.where(better, torch.tensor(c), ratio)
    return ratio
