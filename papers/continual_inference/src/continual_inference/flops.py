"""Per-prediction compute: analytic multiply-accumulate (MAC) counts, checked by FlopCounterMode.

Counts are MACs of the products (convolutions, linear maps, matmuls, einsums); additions of
partial sums, normalisation, pooling and activations are not counted, exactly as
`torch.utils.flop_counter.FlopCounterMode` does not count them (it reports FLOPs = 2 x MACs of the
same products, so `measured_macs` halves it). Depthwise convolutions are counted with their
C_in / groups inputs per output, as the counter does.

- Offline clip: `clip_macs(model, x)` sums per-module formulas over forward hooks.
- Continual step: `step_macs(model, frame)` wraps every CoModule's `forward_step` for one step and
  sums per-module formulas (a continual conv computes all k_T slice products every step, whether
  or not an output is emitted).
- Transformer layers: closed forms in (n, d, d_ffn) from Continual Transformers, Sec. 3 / Table 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

from continual_inference.core import CoModule, Linear, _CoConvNd
from continual_inference.graph import GraphConv


def measured_macs(fn: Callable[[], object]) -> int:
    """MACs of everything `fn()` computes, as counted by FlopCounterMode (FLOPs / 2)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops() // 2


def conv_macs(out_numel: int, weight: Tensor) -> int:
    """A convolution: every output element costs C_in/groups * prod(kernel) MACs."""
    return out_numel * weight[0].numel()


def graph_conv_macs(out_numel: int, partitions: Tensor) -> int:
    """The aggregation Σ_k (W_k X) A_k of a GraphConv output (B, C, [T,] V): K * V per element."""
    return out_numel * partitions.shape[0] * partitions.shape[1]


def clip_macs(model: nn.Module, *args: Tensor, **kwargs) -> int:
    """Analytic MACs of one offline forward `model(*args)`, summed over per-module formulas."""
    total = 0

    def hook(m: nn.Module, _inp, out: Tensor) -> None:
        nonlocal total
        if isinstance(m, nn.Conv1d | nn.Conv2d | nn.Conv3d):
            total += conv_macs(out.numel(), m.weight)
        elif isinstance(m, nn.Linear):
            total += out.numel() * m.in_features
        elif isinstance(m, GraphConv):
            total += graph_conv_macs(out.numel(), m.A)
        elif isinstance(m, _CoConvNd):
            total += conv_macs(out.numel(), m.weight)
        elif isinstance(m, Linear):
            total += out.numel() * m.linear.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    try:
        with torch.no_grad():
            model(*args, **kwargs)
    finally:
        for h in handles:
            h.remove()
    return total


def _conv_out(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _co_step_macs(m: CoModule, x: Tensor) -> int:
    """MACs of one `m.forward_step(x)` for the compute leaves (0 for the others)."""
    if isinstance(m, _CoConvNd):
        spatial = [
            _conv_out(sz, k, s, p, d)
            for sz, k, s, p, d in zip(
                x.shape[2:], m.kernel_size[1:], m.strides[1:], m.paddings[1:], m.dilation[1:],
                strict=True,
            )
        ]  # fmt: skip
        # all k_T slice products of one frame: as many MACs as one offline output frame
        return x.shape[0] * m.out_channels * math.prod(spatial) * m.weight[0].numel()
    if isinstance(m, Linear):
        return x.numel() // x.shape[1] * m.linear.in_features * m.linear.out_features
    if isinstance(m, GraphConv):
        out = x.shape[0] * m.out_channels * x.shape[2]
        return out * m.A.shape[0] * m.in_channels + graph_conv_macs(out, m.A)
    return 0


def step_macs(model: CoModule, frame: Tensor) -> int:
    """Analytic MACs of one `model.forward_step(frame)` (state advances by one step)."""
    total = 0
    patched = []
    for m in model.modules():
        if isinstance(m, _CoConvNd | Linear | GraphConv):
            orig = m.forward_step

            def wrapped(x, _m=m, _orig=orig):
                nonlocal total
                total += _co_step_macs(_m, x)
                return _orig(x)

            m.forward_step = wrapped
            patched.append(m)
    try:
        with torch.no_grad():
            model.forward_step(frame)
    finally:
        for m in patched:
            del m.forward_step
    return total


def encoder_layer_macs(n: int, d: int, d_ffn: int, kind: str) -> int:
    """MACs of one post-norm encoder layer over a window of n tokens, width d, FFN d_ffn.

    kind: 'offline' (all n rows, regular attention), 'single' (one streamed step: one new token),
    'single_window' (last row only, keys/values of all n tokens recomputed), 'retroactive' (one
    streamed step updating all n rows).
    """
    ffn = 2 * d * d_ffn  # per token
    if kind == "offline":  # QKV, Q Kᵀ, A V, out-proj, FFN over n tokens
        return 3 * n * d * d + 2 * n * n * d + n * d * d + n * ffn
    if kind == "single":  # q, k, v of one token; one score row; one output row
        return 3 * d * d + 2 * n * d + d * d + ffn
    if kind == "single_window":
        return d * d + 2 * n * d * d + 2 * n * d + d * d + ffn
    if kind == "retroactive":  # new q,k,v; +new/-old for n queries (2 n d x 2); new row (2 n d)
        return 3 * d * d + 6 * n * d + n * d * d + n * ffn
    raise ValueError(f"kind must be offline, single, single_window or retroactive, got {kind!r}")


def transformer_macs(
    n: int, d: int, d_ffn: int, layers: int, in_features: int, classes: int, continual: bool
) -> int:
    """Per-prediction MACs of `TransformerClassifier` (offline on a window) or its CIN (a step)."""
    if not continual:
        body = layers * encoder_layer_macs(n, d, d_ffn, "offline")
        return n * in_features * d + body + d * classes
    kinds = ["single"] if layers == 1 else ["retroactive"] * (layers - 1) + ["single_window"]
    if layers > 2:
        raise ValueError("continual stacks beyond 2 layers recompute more; not modelled here")
    return in_features * d + sum(encoder_layer_macs(n, d, d_ffn, k) for k in kinds) + d * classes
