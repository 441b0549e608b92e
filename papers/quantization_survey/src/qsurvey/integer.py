"""Integer-only inference (survey Sec. III-G, Fig. 6 right; Jacob et al. 2018).

From the input quantization to the output dequantization everything is integer:

* weights: int8 symmetric per output channel (Z_w = 0), from the BN-folded conv (`models.fold_bn`);
* activations: int8 asymmetric with zero point Z_x;
* conv / linear: sum_k q_x q_w as int8 x int8 products accumulated in int32 (`torch._int_mm`),
  minus Z_x sum_k q_w (precomputed, Jacob Eq. 7), plus the int32 bias round(b / (S_x S_w));
* requantization to the next layer's scale with the dyadic multiplier
  M = S_x S_w / S_y ~= M0 2^-n, M0 an int32 in [2^30, 2^31), as an int64 product and a rounding
  right shift: q_y = Z_y + ((acc M0 + 2^(n-1)) >> n);
* ReLU is the integer clamp q_y >= Z_y (Z_y is the real 0), and global average pooling sums in
  int32 and requantizes by the dyadic form of S_x / (S_y HW).

`OpTracer` records the dtype of every aten op run inside it; `assert_integer_only` fails if any op
touches a floating-point tensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from qsurvey.quantizers import QParams, dequantize, quantize
from qsurvey.simquant import SimQuantNet


def dyadic(m: float | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """M = M0 2^-n for M > 0: M0 (int64 holding an int32 in [2^30, 2^31)) and n (int64)."""
    m = torch.as_tensor(m, dtype=torch.float64)
    if not (m > 0).all() or not torch.isfinite(m).all():
        raise ValueError(f"a dyadic multiplier must be finite and > 0, got {m}")
    e = torch.floor(torch.log2(m))
    n = 30 - e
    m0 = torch.round(m * torch.exp2(n))
    overflow = m0 >= 2**31
    m0 = torch.where(overflow, torch.round(m0 / 2), m0)
    n = torch.where(overflow, n - 1, n)
    if not ((n >= 1) & (n <= 62)).all():
        raise ValueError(f"multiplier {m} needs a shift outside [1, 62]")
    return m0.to(torch.int64), n.to(torch.int64)


def rounding_right_shift(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """round(x / 2^n) (ties toward +inf) for int64 x and shifts n >= 1."""
    return (x + (torch.ones_like(n) << (n - 1))) >> n


def requantize(
    acc: torch.Tensor, m0: torch.Tensor, n: torch.Tensor, zp: int, qmin: int, qmax: int
) -> torch.Tensor:
    """int8 q = clamp(Z + round(acc M), qmin, qmax) with M = M0 2^-n (per last-dim channel)."""
    y = rounding_right_shift(acc.to(torch.int64) * m0, n) + zp
    return torch.clamp(y, qmin, qmax).to(torch.int8)


@dataclass
class IntLayer:
    """One integer layer: kind 'conv' | 'linear' | 'pool', its int tensors and requant params."""

    kind: str
    zp_in: int
    zp_out: int
    qmin_out: int
    qmax_out: int
    m0: torch.Tensor
    shift: torch.Tensor
    weight: torch.Tensor | None = None  # int8 (C_out, K)
    w_sum: torch.Tensor | None = None  # int32 (C_out,): sum_k q_w
    bias: torch.Tensor | None = None  # int32 (C_out,)
    kernel: tuple[int, int] = (1, 1)
    stride: int = 1
    padding: int = 0


def _im2col(x: torch.Tensor, kernel: tuple[int, int], stride: int, padding: int, pad_value: int):
    """(B, C, H, W) int8 -> (B * H_o * W_o, C k_h k_w) int8 patches in torch's weight order."""
    x = F.pad(x, (padding,) * 4, value=pad_value)
    p = x.unfold(2, kernel[0], stride).unfold(3, kernel[1], stride)  # B, C, Ho, Wo, kh, kw
    b, _, ho, wo = p.shape[:4]
    return p.permute(0, 2, 3, 1, 4, 5).reshape(b * ho * wo, -1).contiguous(), (b, ho, wo)


class IntegerNet:
    """The integer-only twin of a `SimQuantNet` with static int8 activations and per-channel
    int8 weights; `forward_int` maps int8 input codes to int8 output codes.

    weight_codes: {layer: int codes of the folded weight, per output channel (scales sim.w_scales)};
    pool_positions: H W at the global average pool (fixes its dyadic multiplier S_x / (S_y HW)).
    """

    def __init__(
        self, sim: SimQuantNet, weight_codes: dict[int, torch.Tensor], pool_positions: int = 1
    ):
        if sim.out is None:
            raise ValueError("integer-only inference needs static output qparams (sim.out)")
        net = sim.net
        points = [
            i
            for i, m in enumerate(net)
            if isinstance(m, nn.Conv2d | nn.Linear | nn.AdaptiveAvgPool2d)
        ]
        for i in points:
            if not isinstance(sim.acts.get(i), QParams):
                raise ValueError(f"integer-only inference needs a static input range at layer {i}")
        self.input_qparams: QParams = sim.acts[points[0]]
        self.output_qparams: QParams = sim.out
        self.pool_positions = pool_positions
        self.layers: list[IntLayer] = []
        for k, i in enumerate(points):
            a_in = sim.acts[i]
            a_out = sim.acts[points[k + 1]] if k + 1 < len(points) else sim.out
            relu = i + 1 < len(net) and isinstance(net[i + 1], nn.ReLU)
            zp_out = int(a_out.zero_point)
            lo = max(zp_out, a_out.qmin) if relu else a_out.qmin
            m = net[i]
            if isinstance(m, nn.AdaptiveAvgPool2d):
                mult = dyadic(float(a_in.scale) / (float(a_out.scale) * pool_positions))
                self.layers.append(
                    IntLayer("pool", int(a_in.zero_point), zp_out, lo, a_out.qmax, *mult)
                )
                continue
            codes = weight_codes[i]
            s_w = sim.w_scales[i].double()
            s_x, s_y = float(a_in.scale), float(a_out.scale)
            q_w = codes.reshape(codes.shape[0], -1)
            _, b = sim.layer_params(i)
            m0, n = dyadic(s_x * s_w / s_y)
            self.layers.append(
                IntLayer(
                    "conv" if isinstance(m, nn.Conv2d) else "linear",
                    int(a_in.zero_point),
                    zp_out,
                    lo,
                    a_out.qmax,
                    m0,
                    n,
                    weight=q_w.to(torch.int8),
                    w_sum=q_w.sum(dim=1).to(torch.int32),
                    bias=torch.round(b.double() / (s_x * s_w)).to(torch.int32),
                    kernel=tuple(m.kernel_size) if isinstance(m, nn.Conv2d) else (1, 1),
                    stride=m.stride[0] if isinstance(m, nn.Conv2d) else 1,
                    padding=m.padding[0] if isinstance(m, nn.Conv2d) else 0,
                )
            )

    def _matmul(self, layer: IntLayer, cols: torch.Tensor) -> torch.Tensor:
        acc = torch._int_mm(cols, layer.weight.t().contiguous())  # int8 x int8 -> int32
        return acc - layer.zp_in * layer.w_sum + layer.bias

    def forward_int(self, q: torch.Tensor) -> torch.Tensor:
        """int8 input codes (B, ...) -> int8 logit codes (B, n_classes); integer ops only."""
        if q.dtype != torch.int8:
            raise ValueError(f"forward_int expects int8 codes, got {q.dtype}")
        for layer in self.layers:
            if layer.kind == "conv":
                cols, (b, ho, wo) = _im2col(
                    q, layer.kernel, layer.stride, layer.padding, layer.zp_in
                )
                acc = self._matmul(layer, cols)
                q = requantize(
                    acc, layer.m0, layer.shift, layer.zp_out, layer.qmin_out, layer.qmax_out
                )
                q = q.reshape(b, ho, wo, -1).permute(0, 3, 1, 2).contiguous()
            elif layer.kind == "pool":
                if q.shape[2] * q.shape[3] != self.pool_positions:
                    raise ValueError(
                        f"the pool multiplier was fixed for {self.pool_positions} positions, "
                        f"got an input with {q.shape[2] * q.shape[3]}"
                    )
                s = (q.to(torch.int32) - layer.zp_in).sum(dim=(2, 3))
                q = requantize(
                    s, layer.m0, layer.shift, layer.zp_out, layer.qmin_out, layer.qmax_out
                )
            else:
                acc = self._matmul(layer, q.reshape(q.shape[0], -1))
                q = requantize(
                    acc, layer.m0, layer.shift, layer.zp_out, layer.qmin_out, layer.qmax_out
                )
        return q

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Float input -> quantize -> integer-only network -> dequantized logits."""
        q = quantize(x, self.input_qparams).to(torch.int8)
        return dequantize(self.forward_int(q).to(torch.int32), self.output_qparams)


class OpTracer(TorchDispatchMode):
    """Records (op name, dtypes of its tensor inputs and outputs) for every aten op."""

    def __init__(self):
        super().__init__()
        self.ops: list[tuple[str, tuple[torch.dtype, ...]]] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        flat = [*args, *(kwargs or {}).values()]
        outs = out if isinstance(out, tuple | list) else [out]
        dtypes = tuple(t.dtype for t in [*flat, *outs] if isinstance(t, torch.Tensor))
        self.ops.append((str(func), dtypes))
        return out

    def float_ops(self) -> list[str]:
        """The ops that read or wrote a floating-point tensor."""
        return [
            name for name, dts in self.ops if any(d.is_floating_point or d.is_complex for d in dts)
        ]


def assert_integer_only(tracer: OpTracer) -> None:
    """Raise AssertionError naming the ops if any floating-point tensor was touched."""
    bad = tracer.float_ops()
    if bad:
        raise AssertionError(f"floating-point ops inside the integer pipeline: {sorted(set(bad))}")
    if not tracer.ops:
        raise AssertionError("the tracer saw no ops")


def lsb_agreement(a: torch.Tensor, b: torch.Tensor, scale: float) -> float:
    """Fraction of entries with |a - b| <= 1 output LSB (plus float slack)."""
    return float(((a - b).abs() <= scale * (1 + 1e-4)).float().mean())
