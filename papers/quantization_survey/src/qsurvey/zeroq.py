"""ZeroQ (Cai et al. 2020; survey Sec. IV-C "zero-shot quantization"): calibrate without data.

A distilled batch x_r, initialised from N(0, 1), is optimised so that at every BN layer its batch
statistics match the layer's running statistics:

    min_{x_r}  sum_i ||mu~_i - mu_i||_2 + ||sigma~_i - sigma_i||_2

(mu~, sigma~ of the BN input over batch and space; mu, sigma = running mean, sqrt(running var)),
and the input itself is pulled toward the data's normalised statistics (mean 0, std 1). The
distilled batch then replaces real images for range calibration.
"""

from __future__ import annotations

import torch
from torch import nn


def distill_batch(
    model: nn.Module,
    shape: tuple[int, ...],
    *,
    iters: int = 500,
    lr: float = 0.1,
    seed: int = 0,
    progress=None,
) -> torch.Tensor:
    """A (N, C, H, W) batch whose BN-input statistics match every BN layer's running stats."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        raise ValueError("ZeroQ needs a model with BatchNorm2d layers")
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g).requires_grad_(True)
    stats: list[tuple[torch.Tensor, torch.Tensor]] = []

    def hook(_m, inputs, _out):
        h = inputs[0]
        stats.append((h.mean(dim=(0, 2, 3)), (h.var(dim=(0, 2, 3), unbiased=False) + 1e-8).sqrt()))

    handles = [bn.register_forward_hook(hook) for bn in bns]
    model.eval()
    opt = torch.optim.Adam([x], lr=lr)
    try:
        it = progress(range(iters), desc="zeroq") if progress else range(iters)
        for _ in it:
            stats.clear()
            model(x)
            loss = (x.mean(dim=(0, 2, 3))).norm() + (x.std(dim=(0, 2, 3)) - 1).norm()
            for (mu, sd), bn in zip(stats, bns, strict=True):
                loss = loss + (mu - bn.running_mean).norm() + (sd - bn.running_var.sqrt()).norm()
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        for h in handles:
            h.remove()
    for p in model.parameters():
        p.grad = None
    return x.detach()
