"""Simulated (fake) quantization of a folded network (survey Sec. III-G, Fig. 6 middle).

A folded network is the flat nn.Sequential of `models.fold_bn`. Activations are quantized at the
input of every conv, linear and pooling layer (a "quant point"; ReLU is fused into the preceding
layer, so a post-ReLU activation is quantized once), weights are replaced by their dequantized
codes, and, when the layer's input range is static, its bias is rounded onto the int32 grid of
scale S_x S_w, exactly what the integer pipeline adds to its accumulator.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from qsurvey.calibration import dynamic_qparams
from qsurvey.quantizers import QParams, fake_quantize

QUANT_POINT_TYPES = (nn.Conv2d, nn.Linear, nn.AdaptiveAvgPool2d)
DYNAMIC = ("dynamic", "dynamic_token")


def quant_points(net: nn.Sequential) -> list[int]:
    """Indices of the modules whose input is quantized."""
    return [i for i, m in enumerate(net) if isinstance(m, QUANT_POINT_TYPES)]


def weighted_layers(net: nn.Sequential) -> list[int]:
    """Indices of the conv and linear modules."""
    return [i for i, m in enumerate(net) if isinstance(m, nn.Conv2d | nn.Linear)]


@torch.no_grad()
def collect_inputs(
    net: nn.Sequential, x: torch.Tensor, batch_size: int = 256
) -> dict[int, torch.Tensor]:
    """The FP32 input of every quant point over x, {index: (N, ...)}; plus -1: the logits."""
    out: dict[int, list[torch.Tensor]] = {i: [] for i in [*quant_points(net), -1]}
    for s in range(0, len(x), batch_size):
        h = x[s : s + batch_size]
        for i, m in enumerate(net):
            if i in out:
                out[i].append(h)
            h = m(h)
        out[-1].append(h)
    return {i: torch.cat(v) for i, v in out.items()}


def quantize_bias(b: torch.Tensor, s_x: torch.Tensor, s_w: torch.Tensor) -> torch.Tensor:
    """b rounded onto the int32 grid of scale S_x S_w (per output channel)."""
    s = (s_x * s_w).float()
    return torch.round(b / s) * s


class SimQuantNet(nn.Module):
    """A folded network run with fake-quantized weights, biases and activations.

    weights / biases: {layer index: float tensor} replacing the module's own (dequantized codes);
    acts: {quant point: QParams (static) | "dynamic" | "dynamic_token" | None (float)};
    act_bits: bits of the dynamic ranges; w_scales: {layer: S_w (C_out,)} enabling bias rounding;
    out: QParams of the logits, or None for float logits.
    """

    def __init__(
        self,
        net: nn.Sequential,
        *,
        weights: dict[int, torch.Tensor] | None = None,
        biases: dict[int, torch.Tensor] | None = None,
        acts: dict[int, QParams | str | None] | None = None,
        act_bits: int = 8,
        w_scales: dict[int, torch.Tensor] | None = None,
        out: QParams | None = None,
    ):
        super().__init__()
        self.net = net.eval()
        self.weights = weights or {}
        self.biases = biases or {}
        self.acts = acts or {}
        self.act_bits = act_bits
        self.w_scales = w_scales or {}
        self.out = out

    def layer_params(self, i: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(weight, bias) of layer i as used in the forward pass."""
        m = self.net[i]
        w = self.weights.get(i, m.weight)
        b = self.biases.get(i, m.bias)
        a = self.acts.get(i)
        if b is not None and isinstance(a, QParams) and i in self.w_scales:
            b = quantize_bias(b, a.scale, self.w_scales[i])
        return w, b

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, m in enumerate(self.net):
            a = self.acts.get(i)
            if isinstance(a, QParams):
                x = fake_quantize(x, a)
            elif a in DYNAMIC:
                per_token = a == "dynamic_token"
                x = fake_quantize(x, dynamic_qparams(x, self.act_bits, per_token=per_token))
            if isinstance(m, nn.Conv2d):
                w, b = self.layer_params(i)
                x = F.conv2d(x, w, b, m.stride, m.padding)
            elif isinstance(m, nn.Linear):
                w, b = self.layer_params(i)
                x = F.linear(x, w, b)
            else:
                x = m(x)
        return fake_quantize(x, self.out) if self.out is not None else x
