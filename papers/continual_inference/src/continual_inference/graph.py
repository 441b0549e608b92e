"""The skeleton graph and the spatial graph convolution of ST-GCN / CoST-GCN.

Yan et al., "Spatial Temporal Graph Convolutional Networks" (ST-GCN), Sec. 3.6 and Eq. (9):
with the normalised adjacency N = Λ^{-1/2}(A + I)Λ^{-1/2} split into K = 3 "spatial
configuration" partitions N = Σ_k A_k (root, centripetal, centrifugal: the neighbour is at the
same / smaller / larger hop distance from the body's centre than the root joint), the spatial
graph convolution of a feature map X (C_in, T, V) is

    Y = Σ_k W_k X (A_k ⊙ M_k)

with W_k a 1x1 convolution and M_k a learnable edge importance (initialised to ones). It acts on
each frame independently, so its continual form (Hedegaard et al., CoST-GCN, arXiv 2203.11009,
Sec. 3) is the same computation applied to one frame: temporally pointwise, no state.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from continual_inference.core import CoModule

NTU_NUM_JOINTS = 25
# NTU RGB+D bones, 1-indexed (joint, parent); the body centre is joint 21 (spine shoulder).
NTU_BONES = (
    (1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21), (10, 9),
    (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18),
    (20, 19), (22, 23), (23, 8), (24, 25), (25, 12),
)  # fmt: skip
NTU_CENTER = 21


def hop_distance(num_nodes: int, edges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """All-pairs hop distance (V, V) of an undirected graph with 0-indexed edges (inf if apart)."""
    adj = np.zeros((num_nodes, num_nodes), dtype=bool)
    for i, j in edges:
        adj[i, j] = adj[j, i] = True
    dist = np.full((num_nodes, num_nodes), np.inf)
    reach = np.eye(num_nodes, dtype=bool)
    for d in range(num_nodes):
        dist[reach & np.isinf(dist)] = d
        reach = reach | (reach.astype(np.int64) @ adj.astype(np.int64) > 0)
    return dist


def normalized_adjacency(num_nodes: int, edges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """N = Λ^{-1/2}(A + I)Λ^{-1/2}, Λ_ii = Σ_j (A + I)_ij (ST-GCN Eq. 9); shape (V, V)."""
    a = np.eye(num_nodes)
    for i, j in edges:
        a[i, j] = a[j, i] = 1.0
    d = a.sum(1) ** -0.5
    return d[:, None] * a * d[None, :]


def spatial_partitions(
    num_nodes: int = NTU_NUM_JOINTS,
    edges: tuple[tuple[int, int], ...] | None = None,
    center: int = NTU_CENTER - 1,
) -> np.ndarray:
    """The K = 3 spatial-configuration partitions A_k (3, V, V) with Σ_k A_k = N.

    A_k[i, j] = N[i, j] for neighbours j of root i (hop <= 1) with hop(j, centre) equal to (k=0),
    smaller than (k=1, centripetal) or larger than (k=2, centrifugal) hop(i, centre).
    """
    if edges is None:
        edges = tuple((i - 1, j - 1) for i, j in NTU_BONES)
    n = normalized_adjacency(num_nodes, edges)
    hop = hop_distance(num_nodes, edges)
    to_c = hop[:, center]
    near = hop <= 1
    parts = np.zeros((3, num_nodes, num_nodes))
    parts[0] = np.where(near & (to_c[None, :] == to_c[:, None]), n, 0.0)
    parts[1] = np.where(near & (to_c[None, :] < to_c[:, None]), n, 0.0)
    parts[2] = np.where(near & (to_c[None, :] > to_c[:, None]), n, 0.0)
    return parts


class GraphConv(CoModule):
    """Spatial graph convolution Y = Σ_k W_k X (A_k ⊙ M_k) (ST-GCN Eq. 9); temporally pointwise.

    Offline x: (B, C_in, T, V) -> (B, C_out, T, V); a frame: (B, C_in, V) -> (B, C_out, V).
    """

    def __init__(self, in_channels: int, out_channels: int, partitions: Tensor | np.ndarray):
        super().__init__()
        a = torch.as_tensor(np.asarray(partitions), dtype=torch.get_default_dtype())
        if a.dim() != 3 or a.shape[1] != a.shape[2]:
            raise ValueError(f"partitions must be (K, V, V), got {tuple(a.shape)}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.register_buffer("A", a)
        self.edge_importance = nn.Parameter(torch.ones_like(a))  # M_k
        self.conv = nn.Conv2d(in_channels, a.shape[0] * out_channels, 1)  # W_k for all k

    def _graph(self) -> Tensor:
        return self.A * self.edge_importance

    def forward(self, x: Tensor) -> Tensor:
        k, v = self.A.shape[0], self.A.shape[1]
        if x.dim() != 4 or x.shape[1] != self.in_channels or x.shape[3] != v:
            raise ValueError(
                f"GraphConv.forward expects (B, {self.in_channels}, T, {v}), got {tuple(x.shape)}"
            )
        y = self.conv(x)
        y = y.view(x.shape[0], k, self.out_channels, x.shape[2], v)
        return torch.einsum("bkctv,kvw->bctw", y, self._graph())

    def forward_step(self, x: Tensor) -> Tensor:
        k, v = self.A.shape[0], self.A.shape[1]
        if x.dim() != 3 or x.shape[1] != self.in_channels or x.shape[2] != v:
            raise ValueError(
                f"GraphConv.forward_step expects (B, {self.in_channels}, {v}), got {tuple(x.shape)}"
            )
        y = F.conv1d(x, self.conv.weight.squeeze(-1), self.conv.bias)
        y = y.view(x.shape[0], k, self.out_channels, v)
        return torch.einsum("bkcv,kvw->bcw", y, self._graph())
