"""The NTU skeleton graph, its spatial partitions and the spatial graph convolution."""

import numpy as np
import pytest
import torch

from continual_inference.graph import (
    NTU_BONES,
    GraphConv,
    hop_distance,
    normalized_adjacency,
    spatial_partitions,
)


def test_partitions_sum_to_normalized_a_plus_i():
    edges = tuple((i - 1, j - 1) for i, j in NTU_BONES)
    parts = spatial_partitions()
    assert parts.shape == (3, 25, 25)
    np.testing.assert_allclose(parts.sum(0), normalized_adjacency(25, edges), atol=1e-15)
    # root partition is exactly the diagonal on a tree; centripetal and centrifugal transpose
    np.testing.assert_allclose(parts[0], np.diag(np.diag(parts[0])))
    np.testing.assert_allclose(parts[1], parts[2].T)


def test_ntu_graph_is_a_connected_tree():
    edges = tuple((i - 1, j - 1) for i, j in NTU_BONES)
    assert len(edges) == 24
    assert np.isfinite(hop_distance(25, edges)).all()


@pytest.mark.usefixtures("fp64")
def test_graph_conv_equals_dense_reference_and_its_step():
    torch.manual_seed(0)
    gc = GraphConv(3, 4, spatial_partitions())
    with torch.no_grad():
        gc.edge_importance.uniform_(0.5, 1.5)
    x = torch.randn(2, 3, 5, 25)
    y = gc(x)
    w = gc.conv.weight.view(3, 4, 3)  # (K, C_out, C_in)
    b = gc.conv.bias.view(3, 4)
    a = gc.A * gc.edge_importance
    ref = torch.zeros(2, 4, 5, 25)
    for k in range(3):
        z = torch.einsum("oc,bctv->botv", w[k], x) + b[k].view(1, 4, 1, 1)
        ref += z @ a[k]
    torch.testing.assert_close(y, ref, rtol=0, atol=1e-12)
    steps = gc.forward_steps(x)
    torch.testing.assert_close(steps, y, rtol=0, atol=1e-12)
    assert gc.delay == 0


def test_graph_conv_bad_input():
    gc = GraphConv(3, 4, spatial_partitions())
    with pytest.raises(ValueError, match=r"expects \(B, 3, T, 25\)"):
        gc(torch.randn(1, 3, 5, 24))
    with pytest.raises(ValueError, match="partitions must be"):
        GraphConv(3, 4, np.ones((25, 25)))
