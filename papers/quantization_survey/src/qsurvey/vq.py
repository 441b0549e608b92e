"""Vector quantization of weights (survey Sec. IV-G and VI; Gong et al. 2014, Stock et al. 2020,
Han et al. 2016).

* product quantization: a weight matrix (C_out, K) is cut into sub-vectors of length d along its
  fan-in; one k-means codebook of K_c = 256 centroids (d floats each) is learned over all of them,
  and each sub-vector is stored as an 8-bit index: W~[o, j d : (j + 1) d] = codebook[index[o, j]];
* k-means weight sharing (Deep Compression): the scalar Lloyd-Max codebook of 2^b levels per layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from qsurvey.quantizers import lloyd_max


def kmeans(
    x: torch.Tensor, k: int, *, iters: int = 25, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Lloyd's k-means of rows x (N, d): (centroids (k, d), assignment (N,) int64), k-means++-free:
    initialised from k distinct random rows."""
    if not 1 <= k <= len(x):
        raise ValueError(f"k must be in [1, {len(x)}] for {len(x)} vectors, got {k}")
    g = torch.Generator().manual_seed(seed)
    c = x[torch.randperm(len(x), generator=g)[:k]].clone()
    for _ in range(iters):
        a = torch.cdist(x, c).argmin(dim=1)
        sums = torch.zeros_like(c).index_add_(0, a, x)
        counts = torch.zeros(k).index_add_(0, a, torch.ones(len(x)))
        c = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None], c)
    return c, torch.cdist(x, c).argmin(dim=1)


@dataclass(frozen=True)
class PQWeight:
    """A product-quantized weight: codebook (K_c, d) float32, indices (C_out, K / d) uint8."""

    codebook: torch.Tensor
    indices: torch.Tensor
    shape: tuple[int, ...]

    def reconstruct(self) -> torch.Tensor:
        return self.codebook[self.indices.long()].reshape(self.shape)

    def nbytes(self) -> int:
        return self.codebook.numel() * 4 + self.indices.numel() * self.indices.element_size()


def product_quantize(
    w: torch.Tensor, d: int, k: int = 256, *, iters: int = 25, seed: int = 0
) -> PQWeight:
    """Product quantization of w as (C_out, K): sub-vectors of length d, one codebook of k."""
    mat = w.detach().reshape(w.shape[0], -1)
    if d < 1 or mat.shape[1] % d:
        raise ValueError(f"sub-vector length d must divide the fan-in K={mat.shape[1]}, got {d}")
    if not 1 <= k <= 256:
        raise ValueError(f"the codebook size must be in [1, 256] for uint8 indices, got {k}")
    sub = mat.reshape(-1, d)
    c, a = kmeans(sub, min(k, len(sub)), iters=iters, seed=seed)
    return PQWeight(c, a.reshape(mat.shape[0], -1).to(torch.uint8), tuple(w.shape))


def weight_sharing(w: torch.Tensor, bits: int) -> tuple[torch.Tensor, int]:
    """k-means scalar weight sharing: (W~ = codebook[index], bytes of indices + fp32 codebook)."""
    c, idx = lloyd_max(w, 2**bits)
    return c[idx], (w.numel() * bits + 7) // 8 + c.numel() * 4
