"""Structured Pruning Adapters: SPLoRA on channel-pruned Linear / Conv2d layers.

Hedegaard, Alok, Jose & Iosifidis, "Structured Pruning Adapters" (arXiv 2211.10155), Sec. 3.2:
a frozen source weight W0 is adapted by a rank-r update and pruned by binary channel masks,

    W_eff = diag(m_out) (W0 + B A) diag(m_in),      B ∈ R^{C_out x r} = 0 at init, A ∈ R^{r x C_in}

so that only A, B and the bias (on surviving channels) and one bit per channel are learned per
task, and the adapter fuses into a physically smaller dense layer (`fuse`). The baseline
(fine-pruning) is the same layer with W trainable and no adapter (`rank=None`): fine-tuning all
weights + the identical channel pruning. For a k x k convolution the rank-r update B A
(C_out x C_in) is added at the kernel's centre tap, as in the official
`sp_adapters.SPLoRAConv2d`. Channel importance (Sec. 4): the L1 magnitude Σ|W_eff| of a
channel's weights or the first-order Taylor score Σ|W_eff ⊙ ∂L/∂W_eff|, pruned iteratively in
rounds.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SPLoRALayer(nn.Module):
    """A Linear or Conv2d with channel masks and, when `rank` is an int, a low-rank adapter.

    rank=None: the fine-pruning baseline (W trainable). rank=r >= 1: W0 frozen, A, B learned.
    Input/output shapes are those of the wrapped layer.
    """

    def __init__(self, base: nn.Linear | nn.Conv2d, rank: int | None) -> None:
        super().__init__()
        if not isinstance(base, nn.Linear | nn.Conv2d):
            raise TypeError(f"base must be nn.Linear or nn.Conv2d, got {type(base).__name__}")
        if rank is not None and (not isinstance(rank, int) or rank <= 0):
            raise ValueError(f"SPLoRA rank must be a positive int, got {rank!r}")
        self.is_conv = isinstance(base, nn.Conv2d)
        if self.is_conv and (base.groups != 1 or base.dilation != (1, 1)):
            raise NotImplementedError("SPLoRA conv layers need groups=1 and dilation=1")
        self.conv_args = (base.stride, base.padding) if self.is_conv else None
        w, b = base.weight.detach().clone(), base.bias.detach().clone()
        self.rank = rank
        c_out, c_in = w.shape[0], w.shape[1]
        self.bias = nn.Parameter(b)
        if rank is None:
            self.weight = nn.Parameter(w)
        else:
            self.register_buffer("weight", w)  # W0, frozen
            self.A = nn.Parameter(torch.randn(rank, c_in) / math.sqrt(c_in))
            self.B = nn.Parameter(torch.zeros(c_out, rank))
        self.register_buffer("m_out", torch.ones(c_out))
        self.register_buffer("m_in", torch.ones(w.shape[1]))

    def effective_weight(self) -> Tensor:
        """W_eff = diag(m_out)(W0 + B A)diag(m_in), shaped like the base weight."""
        w = self.weight
        if self.rank is not None:
            if self.is_conv:  # the update acts at the centre tap of the k x k kernel
                ki, kj = w.shape[2] // 2, w.shape[3] // 2
                delta = torch.zeros_like(w)
                delta[:, :, ki, kj] = self.B @ self.A
                w = w + delta
            else:
                w = w + self.B @ self.A
        shape = (-1, 1) + (1,) * (w.dim() - 2)
        return w * self.m_out.view(shape) * self.m_in.view(1, -1, *([1] * (w.dim() - 2)))

    def forward(self, x: Tensor) -> Tensor:
        w, b = self.effective_weight(), self.bias * self.m_out
        if self.is_conv:
            return F.conv2d(x, w, b, *self.conv_args)
        return F.linear(x, w, b)

    def learned_parameters(self) -> int:
        """Learned values on surviving channels: A columns, B rows and bias; or W and bias."""
        k_out, k_in = int(self.m_out.sum()), int(self.m_in.sum())
        if self.rank is None:
            return k_out * k_in * self.weight[0, 0].numel() + k_out
        return self.rank * (k_in + k_out) + k_out

    def fuse(self) -> nn.Linear | nn.Conv2d:
        """A dense layer holding only the surviving channels, with W_eff folded in."""
        keep_out = self.m_out.nonzero().flatten()
        keep_in = self.m_in.nonzero().flatten()
        w = self.effective_weight().detach()[keep_out][:, keep_in]
        b = self.bias.detach()[keep_out]
        like = {"dtype": w.dtype, "device": w.device}
        if self.is_conv:
            layer = nn.Conv2d(len(keep_in), len(keep_out), w.shape[2:], *self.conv_args, **like)
        else:
            layer = nn.Linear(len(keep_in), len(keep_out), **like)
        with torch.no_grad():
            layer.weight.copy_(w)
            layer.bias.copy_(b)
        return layer


class DigitsCNN(nn.Module):
    """conv3x3(c1) - conv3x3(c2) - pool - conv3x3(c3) - pool - fc(f) - head: (B, 1, 8, 8) -> logits.

    `layers` is [conv1, conv2, conv3, fc, head]; channel groups 0-3 are the outputs of the first
    four (prunable); the head's outputs (classes) are never pruned.
    """

    def __init__(self, channels: tuple[int, int, int] = (48, 96, 96), fc: int = 192, classes=5):
        super().__init__()
        c1, c2, c3 = channels
        self.layers = nn.ModuleList([
            nn.Conv2d(1, c1, 3, padding=1), nn.Conv2d(c1, c2, 3, padding=1),
            nn.Conv2d(c2, c3, 3, padding=1), nn.Linear(c3 * 4, fc), nn.Linear(fc, classes),
        ])  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        l1, l2, l3, fc, head = self.layers
        h = F.relu(l2(F.relu(l1(x))))
        h = F.max_pool2d(F.relu(l3(F.max_pool2d(h, 2))), 2)
        return head(F.relu(fc(h.flatten(1))))


class PrunedNet(DigitsCNN):
    """A DigitsCNN whose layers are SPLoRALayers sharing channel masks across layer boundaries.

    Built from a (source-pretrained) DigitsCNN with a new `classes`-way head. rank=None gives the
    fine-pruning baseline; rank=r gives SPLoRA (the new head is trained densely in both).
    """

    def __init__(self, source: DigitsCNN, rank: int | None, classes: int) -> None:
        nn.Module.__init__(self)
        *body, old_head = source.layers
        head = nn.Linear(old_head.in_features, classes)
        self.layers = nn.ModuleList(
            [*(SPLoRALayer(m, rank) for m in body), SPLoRALayer(head, None)]
        )
        self.rank = rank

    def group_sizes(self) -> list[int]:
        return [int(layer.m_out.numel()) for layer in self.layers[:-1]]

    def set_masks(self, masks: list[Tensor]) -> None:
        """Channel masks for groups 0-3 (outputs of layer g, inputs of layer g + 1)."""
        for g, m in enumerate(masks):
            self.layers[g].m_out.copy_(m)
            nxt = self.layers[g + 1]
            reps = nxt.m_in.numel() // m.numel()  # conv3 -> fc: each channel feeds 2x2 inputs
            nxt.m_in.copy_(m.repeat_interleave(reps))

    def masks(self) -> list[Tensor]:
        return [layer.m_out.clone() for layer in self.layers[:-1]]

    def learned_parameters(self) -> float:
        """Learned values in float32 units: layer weights (+ 1 bit per channel for SPLoRA)."""
        total = sum(layer.learned_parameters() for layer in self.layers)
        if self.rank is not None:
            total += sum(self.group_sizes()) / 32  # the masks: one bit per channel
        return float(total)

    def fuse(self) -> nn.Sequential:
        """The physically smaller dense network (only surviving channels)."""
        l1, l2, l3, fc, head = (layer.fuse() for layer in self.layers)
        return nn.Sequential(
            l1, nn.ReLU(), l2, nn.ReLU(), nn.MaxPool2d(2), l3, nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), fc, nn.ReLU(), head,
        )  # fmt: skip


def channel_importance(net: PrunedNet, criterion: str, x: Tensor, y: Tensor) -> list[Tensor]:
    """Per-channel scores for groups 0-3: 'l1' Σ|W_eff| or 'taylor' Σ|W_eff ⊙ ∂L/∂W_eff|."""
    if criterion not in ("l1", "taylor"):
        raise ValueError(f"criterion must be 'l1' or 'taylor', got {criterion!r}")
    if criterion == "taylor":
        weights = [layer.effective_weight() for layer in net.layers[:-1]]
        grads = torch.autograd.grad(_loss_with_weights(net, weights, x, y), weights)
        return [
            (w.detach() * g).abs().flatten(1).sum(1) for w, g in zip(weights, grads, strict=True)
        ]
    return [layer.effective_weight().detach().abs().flatten(1).sum(1) for layer in net.layers[:-1]]


def _loss_with_weights(net: PrunedNet, weights: list[Tensor], x: Tensor, y: Tensor) -> Tensor:
    """Cross-entropy of `net` on (x, y) computed with the given effective weights (for ∂L/∂W)."""
    l1, l2, l3, fc, head = net.layers
    h = F.relu(F.conv2d(x, weights[0], l1.bias * l1.m_out, *l1.conv_args))
    h = F.relu(F.conv2d(h, weights[1], l2.bias * l2.m_out, *l2.conv_args))
    h = F.max_pool2d(h, 2)
    h = F.relu(F.conv2d(h, weights[2], l3.bias * l3.m_out, *l3.conv_args))
    h = F.max_pool2d(h, 2).flatten(1)
    h = F.relu(F.linear(h, weights[3], fc.bias * fc.m_out))
    return F.cross_entropy(head(h), y)


def prune_step(net: PrunedNet, ratio: float, criterion: str, x: Tensor, y: Tensor) -> None:
    """Prune every group to `ratio` of its channels (already pruned ones stay pruned)."""
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"pruning ratio must be in [0, 1), got {ratio}")
    scores = channel_importance(net, criterion, x, y)
    masks = []
    for s, m in zip(scores, net.masks(), strict=True):
        keep = max(1, round((1.0 - ratio) * m.numel()))
        s = torch.where(m > 0, s, torch.full_like(s, -1.0))
        new = torch.zeros_like(m)
        new[s.argsort(descending=True)[:keep]] = 1.0
        masks.append(new)
    net.set_masks(masks)


def schedule(ratio: float, rounds: int) -> list[float]:
    """Iterative pruning: the ratio after each of `rounds` rounds, linear up to `ratio`."""
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"pruning ratio must be in [0, 1), got {ratio}")
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    return [ratio * (i + 1) / rounds for i in range(rounds)]


def train(
    net: nn.Module, x: Tensor, y: Tensor, epochs: int, lr: float, batch: int, seed: int
) -> None:
    """Adam on cross-entropy over mini-batches (trainable parameters only)."""
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    gen = torch.Generator().manual_seed(seed)
    net.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(batch):
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    net.eval()


@torch.no_grad()
def accuracy(net: nn.Module, x: Tensor, y: Tensor) -> float:
    return float((net(x).argmax(1) == y).float().mean())


def prune_and_adapt(
    source: DigitsCNN,
    rank: int | None,
    ratio: float,
    data: dict[str, np.ndarray],
    *,
    criterion: str = "l1",
    rounds: int = 3,
    epochs_per_round: int = 3,
    final_epochs: int = 4,
    lr: float = 1e-3,
    batch: int = 32,
    seed: int = 0,
    classes: int = 5,
) -> PrunedNet:
    """Iterative prune -> train rounds on the target task, then final training (SPA Sec. 4)."""
    torch.manual_seed(seed)
    net = PrunedNet(source, rank, classes)
    x, y = torch.as_tensor(data["target_train_x"]), torch.as_tensor(data["target_train_y"])
    train(net, x, y, epochs_per_round, lr, batch, seed)  # adapt before the first importance
    for i, r in enumerate(schedule(ratio, rounds)):
        prune_step(net, r, criterion, x, y)
        train(net, x, y, epochs_per_round, lr, batch, seed + 1 + i)
    train(net, x, y, final_epochs, lr, batch, seed + 1000)
    return net
