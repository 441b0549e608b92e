"""Data: sklearn digits, procedural SynthPatterns-16, synthetic tensors, real-format loaders.

* digits: the 8x8 scikit-learn digits (1797 images, shipped with the package), a fixed stratified
  1437 / 360 split, pixels standardised with the training mean and std;
* SynthPatterns-16: 3x16x16 images of 10 procedural pattern classes (stripes at four orientations,
  checkerboard, rings, blob, cross, frame, dots) with random frequency, phase, position, colour
  and noise; 600 / 200 images per class;
* synthetic tensors: Gaussian, Laplace and an outlier mixture (Gaussian, 1% of it 10x wider);
* loaders for CIFAR-10's python pickle batches and FP checkpoints (state_dict or .safetensors).
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import torch
from torch import nn

N_CLASSES = 10


def _standardise(train: torch.Tensor, test: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    dims = [0, 2, 3]
    mean, std = (
        train.mean(dim=dims, keepdim=True),
        train.std(dim=dims, keepdim=True).clamp(min=1e-6),
    )
    return (train - mean) / std, (test - mean) / std


def digits() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x_train (1437, 1, 8, 8), y_train, x_test (360, 1, 8, 8), y_test), standardised."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = torch.tensor(d.images, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(d.target, dtype=torch.int64)
    i_tr, i_te = train_test_split(
        np.arange(len(y)), test_size=360, stratify=d.target, random_state=0
    )
    x_tr, x_te = _standardise(x[i_tr], x[i_te])
    return x_tr, y[i_tr], x_te, y[i_te]


def _pattern(k: int, rng: np.random.Generator, size: int) -> np.ndarray:
    """One (size, size) pattern of class k in [-1, 1]."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / size
    f = rng.uniform(2.0, 4.0)
    ph = rng.uniform(0, 2 * math.pi)
    cx, cy = rng.uniform(0.3, 0.7, size=2)
    r = np.hypot(xx - cx, yy - cy)
    if k == 0:
        return np.sin(2 * math.pi * f * yy + ph)
    if k == 1:
        return np.sin(2 * math.pi * f * xx + ph)
    if k == 2:
        return np.sin(2 * math.pi * f * (xx + yy) / math.sqrt(2) + ph)
    if k == 3:
        return np.sin(2 * math.pi * f * (xx - yy) / math.sqrt(2) + ph)
    if k == 4:
        return np.sign(np.sin(2 * math.pi * f * xx + ph) * np.sin(2 * math.pi * f * yy + ph))
    if k == 5:
        return np.cos(2 * math.pi * f * r + ph)
    if k == 6:
        return 2 * np.exp(-(r**2) / (2 * rng.uniform(0.08, 0.16) ** 2)) - 1
    if k == 7:
        w = rng.uniform(0.06, 0.12)
        return 2 * ((np.abs(xx - cx) < w) | (np.abs(yy - cy) < w)).astype(np.float64) - 1
    if k == 8:
        h = rng.uniform(0.2, 0.3)
        inner = max(h - rng.uniform(0.06, 0.1), 0.02)
        m = np.maximum(np.abs(xx - cx), np.abs(yy - cy))
        return 2 * ((m < h) & (m > inner)).astype(np.float64) - 1
    img = -np.ones((size, size))
    n = rng.integers(4, 9)
    img[rng.integers(0, size, n), rng.integers(0, size, n)] = 1.0
    return img


def synth_patterns(
    n_train_per_class: int = 600,
    n_test_per_class: int = 200,
    *,
    size: int = 16,
    seed: int = 0,
    noise: float = 0.6,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """SynthPatterns-16: (x_train (10 n_tr, 3, 16, 16), y_train, x_test, y_test), standardised.

    Each image is a class pattern times a random colour (per channel in [-1, 1]) plus a random
    offset and Gaussian noise of std `noise`.
    """
    rng = np.random.default_rng(seed)

    def make(n_per: int) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys = [], []
        for k in range(N_CLASSES):
            for _ in range(n_per):
                p = _pattern(k, rng, size)
                colour = rng.uniform(0.4, 1.0, size=3) * rng.choice([-1.0, 1.0], size=3)
                img = colour[:, None, None] * p[None] + rng.uniform(-0.3, 0.3, size=(3, 1, 1))
                xs.append(img + noise * rng.standard_normal((3, size, size)))
                ys.append(k)
        perm = rng.permutation(len(ys))
        return torch.tensor(np.stack(xs)[perm], dtype=torch.float32), torch.tensor(
            np.array(ys)[perm]
        )

    x_tr, y_tr = make(n_train_per_class)
    x_te, y_te = make(n_test_per_class)
    x_tr, x_te = _standardise(x_tr, x_te)
    return x_tr, y_tr, x_te, y_te


def synthetic_tensor(kind: str, n: int, *, seed: int = 0, scale: float = 1.0) -> torch.Tensor:
    """n samples of 'gaussian' N(0, s^2), 'laplace' Laplace(0, s) or 'outlier'
    (99% N(0, s^2), 1% N(0, (10 s)^2))."""
    g = torch.Generator().manual_seed(seed)
    if kind == "gaussian":
        return scale * torch.randn(n, generator=g)
    if kind == "laplace":
        u = torch.rand(n, generator=g, dtype=torch.float64) - 0.5
        return (-scale * torch.sign(u) * torch.log1p(-2 * u.abs())).float()
    if kind == "outlier":
        x = scale * torch.randn(n, generator=g)
        out = torch.rand(n, generator=g) < 0.01
        return torch.where(out, 10 * x, x)
    raise ValueError(f"kind must be 'gaussian', 'laplace' or 'outlier', got {kind!r}")


def load_cifar10(root: str | Path) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """CIFAR-10 from its python pickle batches (data_batch_1..5, test_batch) under `root`.

    Each batch is a dict with b'data' (N, 3072) uint8 (R, G, B planes of 32x32) and b'labels'.
    Returns (x_train (N, 3, 32, 32) float in [0, 1], y_train, x_test, y_test).
    """
    root = Path(root)

    def read(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
        if not path.exists():
            raise FileNotFoundError(f"CIFAR-10 batch {path} not found")
        with path.open("rb") as f:
            d = pickle.load(f, encoding="bytes")
        data = np.asarray(d[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        return torch.tensor(data, dtype=torch.float32) / 255.0, torch.tensor(
            d[b"labels"], dtype=torch.int64
        )

    train_files = sorted(root.glob("data_batch_*"))
    if not train_files:
        raise FileNotFoundError(f"no data_batch_* files under {root}")
    parts = [read(p) for p in train_files]
    x_te, y_te = read(root / "test_batch")
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]), x_te, y_te


def load_checkpoint(model: nn.Module, path: str | Path) -> nn.Module:
    """Load pretrained FP weights from a torch state_dict (.pt/.pth) or a .safetensors file.

    Raises KeyError naming every missing key (and unexpected ones) before touching the model.
    """
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(path))
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
    expected = set(model.state_dict())
    missing = sorted(expected - set(state))
    unexpected = sorted(set(state) - expected)
    if missing or unexpected:
        raise KeyError(
            f"checkpoint {path} does not match the model: missing keys {missing}, "
            f"unexpected keys {unexpected}"
        )
    model.load_state_dict(state)
    return model
