"""The models quantized here: a small CNN (conv 32-64-128 + BN + ReLU, GAP, FC) and an MLP
64-256-256-10, their FP32 training and evaluation, and batch-norm folding (survey Sec. III-G;
Jacob et al. 2018 Sec. 3.2).

BN is folded into the preceding conv before any quantization (PTQ, QAT, integer-only), so the
simulated and the integer pipelines quantize the same folded weights:

    W' = W * gamma / sqrt(var + eps)        b' = beta - gamma * mean / sqrt(var + eps)
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


class CNN(nn.Module):
    """conv3x3(32) - conv3x3(64, stride 2) - conv3x3(128, stride 2), each + BN + ReLU; GAP; FC.

    Input (B, C_in, H, W) -> logits (B, n_classes).
    """

    def __init__(
        self, in_channels: int, n_classes: int = 10, widths: tuple[int, ...] = (32, 64, 128)
    ):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for i, w in enumerate(widths):
            layers += [
                nn.Conv2d(c, w, 3, stride=1 if i == 0 else 2, padding=1, bias=False),
                nn.BatchNorm2d(w),
                nn.ReLU(),
            ]
            c = w
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.features(x)).flatten(1))


def mlp(in_features: int = 64, hidden: int = 256, n_classes: int = 10) -> nn.Sequential:
    """The MLP 64-256-256-10 (input flattened)."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(in_features, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, n_classes),
    )


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A conv with bias whose output equals bn(conv(x)) in eval mode."""
    inv_std = torch.rsqrt(bn.running_var + bn.eps)
    gamma = bn.weight * inv_std
    folded = nn.Conv2d(
        conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, bias=True
    )
    with torch.no_grad():
        folded.weight.copy_(conv.weight * gamma.reshape(-1, 1, 1, 1))
        b0 = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        folded.bias.copy_(bn.bias + (b0 - bn.running_mean) * gamma)
    return folded


def fold_bn(model: nn.Module) -> nn.Sequential:
    """The flat, BN-free net [conv, ReLU]* + GAP + Flatten + FC (an MLP as is), in eval mode."""
    if isinstance(model, nn.Sequential):
        return copy.deepcopy(model).eval()
    if not isinstance(model, CNN):
        raise TypeError(
            f"fold_bn expects a CNN or an nn.Sequential MLP, got {type(model).__name__}"
        )
    mods = list(model.features)
    out: list[nn.Module] = []
    for i in range(0, len(mods), 3):
        out += [fold_conv_bn(mods[i], mods[i + 1]), nn.ReLU()]
    out += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), copy.deepcopy(model.fc)]
    return nn.Sequential(*out).eval()


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    lr: float = 3e-3,
    batch_size: int = 64,
    seed: int = 0,
    progress=None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    desc: str = "fp32 train",
) -> nn.Module:
    """Training with Adam and a cosine schedule; x (N, ...) float, y (N,) int64. The loss is
    `loss_fn(logits, x_batch, y_batch)`, cross-entropy by default (QAT passes its KD loss)."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(x) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(steps, 1))
    model.train()
    epochs_iter = progress(range(epochs), desc=desc) if progress else range(epochs)
    for _ in epochs_iter:
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch_size):
            idx = perm[i : i + batch_size]
            out = model(x[idx])
            loss = F.cross_entropy(out, y[idx]) if loss_fn is None else loss_fn(out, x[idx], y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()


@torch.no_grad()
def predict(model, x: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """Logits (N, n_classes) in eval mode, in batches."""
    if isinstance(model, nn.Module):
        model.eval()
    return torch.cat([model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])


def accuracy(model, x: torch.Tensor, y: torch.Tensor) -> float:
    """Top-1 accuracy in [0, 1], an exact ratio of counts (equal predictions, equal floats)."""
    return int((predict(model, x).argmax(1) == y).sum()) / len(y)
