"""Post-training quantization (survey Sec. IV-B): RTN, bias correction, cross-layer equalisation,
AdaRound, and static activation calibration of a folded network.

* RTN: round-to-nearest codes of min-max (or MSE-clipped) ranges;
* bias correction (Nagel et al. 2019, DFQ Sec. 4.2): the quantization error eps = W_q - W shifts a
  layer's expected output by E[eps x]; subtracting it per output channel removes the bias;
* cross-layer equalisation (DFQ Sec. 4.1): for a pair W1 -> ReLU -> W2, scale output channel i of
  W1 (and b1) by 1/s_i and input channel i of W2 by s_i with s_i = sqrt(r1_i / r2_i), r = the
  channel's max|w|; ReLU(x / s) = ReLU(x) / s for s > 0, so the function is unchanged and both
  channels end with the range sqrt(r1_i r2_i);
* AdaRound (Nagel et al. 2020): learn, per weight, whether to round down or up,
  W~ = S * clamp(floor(W / S) + h(V), q_min, q_max) with the rectified sigmoid
  h(V) = clip(sigmoid(V) (zeta - gamma) + gamma, 0, 1), zeta = 1.1, gamma = -0.1, minimising
  ||W x - W~ x||^2 + lambda * sum(1 - |2 h(V) - 1|^beta), lambda = 0.01, beta annealed 20 -> 2.
"""

from __future__ import annotations

import copy
import itertools

import torch
import torch.nn.functional as F
from torch import nn

from qsurvey.calibration import StaticObserver, check_calibration_set
from qsurvey.granularity import WeightQuant, mse_channel_clip, quantize_weight
from qsurvey.quantizers import QParams, asymmetric_qparams
from qsurvey.simquant import collect_inputs, quant_points, weighted_layers

ZETA, GAMMA = 1.1, -0.1


def rtn_weights(
    net: nn.Sequential,
    bits: int,
    *,
    granularity: str = "channel",
    group_size: int | None = None,
    clip: str = "minmax",
) -> dict[int, WeightQuant]:
    """Round-to-nearest symmetric (restricted-range) codes of every conv/linear weight.

    Group-wise quantization falls back to one group per row for a layer whose fan-in K is not a
    multiple of `group_size` (there the row is the only group that divides K).
    """
    out = {}
    for i in weighted_layers(net):
        w = net[i].weight.detach()
        g = group_size
        if granularity == "group" and w[0].numel() % g:
            g = w[0].numel()
        ratio = mse_channel_clip(w, bits) if clip == "mse" else 1.0
        out[i] = quantize_weight(w, bits, granularity=granularity, group_size=g, clip_ratio=ratio)
    return out


def calibrate_activations(
    net: nn.Sequential,
    calib_x: torch.Tensor,
    bits: int,
    method: str,
    *,
    pct: float = 99.99,
    batch_size: int = 64,
) -> dict[int, QParams]:
    """Static asymmetric int ranges of every quant point's input from a calibration set."""
    check_calibration_set(len(calib_x), batch_size)
    inputs = collect_inputs(net, calib_x, batch_size)
    acts = {}
    for i in quant_points(net):
        obs = StaticObserver(method, bits, pct=pct)
        for s in range(0, len(calib_x), batch_size):
            obs.observe(inputs[i][s : s + batch_size])
        acts[i] = obs.qparams()
    return acts


def output_qparams(net: nn.Sequential, calib_x: torch.Tensor, bits: int = 8) -> QParams:
    """Static min-max range of the logits over the calibration set."""
    logits = collect_inputs(net, calib_x)[-1]
    return asymmetric_qparams(logits.min(), logits.max(), bits, signed=True)


def _layer_out(
    m: nn.Module, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None
) -> torch.Tensor:
    if isinstance(m, nn.Conv2d):
        return F.conv2d(x, w, b, m.stride, m.padding)
    return F.linear(x, w, b)


@torch.no_grad()
def bias_correction(
    net: nn.Sequential, wq: dict[int, torch.Tensor], inputs: dict[int, torch.Tensor]
) -> dict[int, torch.Tensor]:
    """Corrected biases b - E[(W_q - W) x] per output channel, E over the calibration inputs."""
    out = {}
    for i, w_q in wq.items():
        m = net[i]
        shift = _layer_out(m, inputs[i], w_q - m.weight, None)
        dims = [0, 2, 3] if shift.dim() == 4 else [0]
        out[i] = m.bias - shift.mean(dim=dims)
    return out


def _channel_ranges(w: torch.Tensor, dim: int) -> torch.Tensor:
    return w.detach().abs().movedim(dim, 0).reshape(w.shape[dim], -1).amax(dim=1)


@torch.no_grad()
def cross_layer_equalization(net: nn.Sequential, iters: int = 5) -> nn.Sequential:
    """A copy of the folded net with every (layer, ReLU, [pool, flatten,] layer) pair equalised."""
    net = copy.deepcopy(net)
    layers = weighted_layers(net)
    for _ in range(iters):
        for a, b in itertools.pairwise(layers):
            w1, w2 = net[a].weight, net[b].weight
            r1 = _channel_ranges(w1, 0)
            r2 = _channel_ranges(w2, 1)
            s = torch.where(
                (r1 > 0) & (r2 > 0), torch.sqrt(r1 / r2.clamp(min=1e-12)), torch.ones_like(r1)
            )
            shape1 = [-1] + [1] * (w1.dim() - 1)
            shape2 = [1, -1] + [1] * (w2.dim() - 2)
            w1.div_(s.reshape(shape1))
            net[a].bias.div_(s)
            w2.mul_(s.reshape(shape2))
    return net


def rectified_sigmoid(v: torch.Tensor) -> torch.Tensor:
    """h(V) = clip(sigmoid(V) (zeta - gamma) + gamma, 0, 1)."""
    return torch.clamp(torch.sigmoid(v) * (ZETA - GAMMA) + GAMMA, 0.0, 1.0)


def adaround_layer(
    m: nn.Module,
    x: torch.Tensor,
    init: WeightQuant,
    *,
    iters: int,
    lr: float = 1e-2,
    lam: float = 0.01,
    beta: tuple[float, float] = (20.0, 2.0),
    warmup: float = 0.2,
    batch_size: int = 64,
    seed: int = 0,
) -> WeightQuant:
    """AdaRound one layer: learn up/down rounding of W on its FP inputs x (N, ...).

    Starts at h(V) = frac(W / S) (the RTN-free soft start); for the first `warmup` fraction of the
    iterations only the reconstruction loss is used, then beta anneals linearly from 20 to 2.
    Returns the hard-rounded codes with init's scales (per channel).
    """
    qp = init.qparams
    if init.granularity != "channel":
        raise ValueError(
            f"adaround_layer needs per-channel weight qparams, got {init.granularity!r}"
        )
    w = m.weight.detach()
    shape = [-1] + [1] * (w.dim() - 1)
    s = qp.scale.reshape(shape)
    w_floor = torch.floor(w / s)
    rest = (w / s - w_floor).clamp(1e-4, 1 - 1e-4)
    v = (-torch.log((ZETA - GAMMA) / (rest - GAMMA) - 1)).requires_grad_(True)
    opt = torch.optim.Adam([v], lr=lr)
    with torch.no_grad():
        target = _layer_out(m, x, w, m.bias)
    g = torch.Generator().manual_seed(seed)
    for t in range(iters):
        idx = torch.randint(0, len(x), (min(batch_size, len(x)),), generator=g)
        w_soft = s * torch.clamp(w_floor + rectified_sigmoid(v), qp.qmin, qp.qmax)
        out = _layer_out(m, x[idx], w_soft, m.bias)
        rec = (out - target[idx]).pow(2).sum(dim=1).mean()  # sum over channels
        if t >= warmup * iters:
            frac = (t - warmup * iters) / max((1 - warmup) * iters, 1)
            b = beta[0] + (beta[1] - beta[0]) * frac
            h = rectified_sigmoid(v)
            rec = rec + lam * (1 - (2 * h - 1).abs().pow(b)).sum()
        opt.zero_grad()
        rec.backward()
        opt.step()
    with torch.no_grad():
        q = torch.clamp(w_floor + (v >= 0).float(), qp.qmin, qp.qmax).to(torch.int32)
    return WeightQuant(q, qp, "channel")


def layer_output_mse(m: nn.Module, x: torch.Tensor, w_q: torch.Tensor) -> float:
    """Mean squared error of a layer's pre-activation output with weight w_q vs its FP weight."""
    with torch.no_grad():
        return float(
            (_layer_out(m, x, w_q, m.bias) - _layer_out(m, x, m.weight, m.bias)).pow(2).mean()
        )
