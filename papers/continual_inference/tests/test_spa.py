"""SPLoRA layers, channel pruning, fusion and the learned-parameter counts."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from continual_inference.spa import (
    DigitsCNN,
    PrunedNet,
    SPLoRALayer,
    channel_importance,
    prune_step,
    schedule,
)


def _masked(layer: SPLoRALayer, keep_out, keep_in):
    m_out, m_in = torch.zeros_like(layer.m_out), torch.zeros_like(layer.m_in)
    m_out[keep_out], m_in[keep_in] = 1, 1
    layer.m_out.copy_(m_out)
    layer.m_in.copy_(m_in)


@pytest.mark.parametrize("base", [nn.Linear(6, 5), nn.Conv2d(4, 5, 3, padding=1)])
def test_zero_b_equals_the_pruned_base_layer(base):
    layer = SPLoRALayer(base, rank=2)
    _masked(layer, [0, 2, 3], [1, 2])
    x = torch.randn(3, *((6,) if isinstance(base, nn.Linear) else (4, 5, 5)))
    w = base.weight.detach().clone()
    keep_out = torch.tensor([0, 2, 3])
    mask_in = torch.zeros(w.shape[1])
    mask_in[[1, 2]] = 1
    w = w * mask_in.view(1, -1, *([1] * (w.dim() - 2)))
    ref = (
        F.linear(x, w, base.bias)
        if isinstance(base, nn.Linear)
        else base._conv_forward(x, w, base.bias)
    )
    out = layer(x)
    torch.testing.assert_close(out[:, keep_out], ref[:, keep_out], rtol=0, atol=1e-6)
    pruned = torch.tensor([1, 4])
    assert torch.all(out[:, pruned] == 0)


@pytest.mark.usefixtures("fp64")
@pytest.mark.parametrize("base", [nn.Linear(6, 5), nn.Conv2d(4, 5, 3, padding=1)])
def test_fuse_is_exact_and_smaller(base):
    layer = SPLoRALayer(base, rank=3)
    with torch.no_grad():
        layer.B.normal_()
    _masked(layer, [1, 3, 4], [0, 2, 3])
    fused = layer.fuse()
    x = torch.randn(2, *((6,) if isinstance(base, nn.Linear) else (4, 5, 5)))
    keep_in = torch.tensor([0, 2, 3])
    torch.testing.assert_close(fused(x[:, keep_in]), layer(x)[:, [1, 3, 4]], rtol=0, atol=1e-12)
    assert fused.weight.shape[:2] == (3, 3)


@pytest.mark.usefixtures("fp64")
def test_whole_network_fuse_is_exact():
    torch.manual_seed(0)
    net = PrunedNet(DigitsCNN((8, 12, 12), 16, 5), rank=2, classes=5)
    for layer in net.layers[:-1]:
        with torch.no_grad():
            layer.B.normal_()
    x = torch.rand(7, 1, 8, 8)
    prune_step(net, 0.5, "l1", x, torch.randint(0, 5, (7,)))
    fused = net.fuse()
    torch.testing.assert_close(fused(x), net(x), rtol=0, atol=1e-12)
    assert fused[2].weight.shape[:2] == (6, 4)


@pytest.mark.parametrize("rank", [None, 2])
def test_pruned_channels_receive_no_gradient(rank):
    torch.manual_seed(1)
    net = PrunedNet(DigitsCNN((8, 12, 12), 16, 5), rank=rank, classes=5)
    x, y = torch.rand(9, 1, 8, 8), torch.randint(0, 5, (9,))
    prune_step(net, 0.5, "taylor", x, y)
    for layer in net.layers[:-1]:
        if rank is not None:
            with torch.no_grad():
                layer.B.normal_()
    F.cross_entropy(net(x), y).backward()
    for layer in net.layers[:-1]:
        dead_out = layer.m_out == 0
        dead_in = layer.m_in == 0
        if rank is None:
            assert torch.all(layer.weight.grad[dead_out] == 0)
            assert torch.all(layer.weight.grad[:, dead_in] == 0)
        else:
            assert torch.all(layer.B.grad[dead_out] == 0)
            assert torch.all(layer.A.grad[:, dead_in] == 0)
        assert torch.all(layer.bias.grad[dead_out] == 0)


def test_pruning_keeps_the_most_important_channels_and_is_monotone():
    torch.manual_seed(2)
    net = PrunedNet(DigitsCNN((8, 12, 12), 16, 5), rank=None, classes=5)
    x, y = torch.rand(9, 1, 8, 8), torch.randint(0, 5, (9,))
    scores = channel_importance(net, "l1", x, y)
    prune_step(net, 0.5, "l1", x, y)
    m0 = net.masks()
    assert [int(m.sum()) for m in m0] == [4, 6, 6, 8]
    kept = m0[0].nonzero().flatten()
    assert set(kept.tolist()) == set(scores[0].argsort(descending=True)[:4].tolist())
    prune_step(net, 0.75, "taylor", x, y)
    for old, new in zip(m0, net.masks(), strict=True):
        assert torch.all(new <= old)
    assert net.layers[3].m_in.sum() == 4 * net.layers[2].m_out.sum()  # conv3 -> fc flatten


def test_learned_parameter_counts():
    net_ft = PrunedNet(DigitsCNN((8, 12, 12), 16, 5), rank=None, classes=5)
    net_sp = PrunedNet(DigitsCNN((8, 12, 12), 16, 5), rank=2, classes=5)
    x, y = torch.rand(9, 1, 8, 8), torch.randint(0, 5, (9,))
    for net in (net_ft, net_sp):
        prune_step(net, 0.5, "l1", x, y)
    # kept channels 4, 6, 6, 8; fc sees 6 * 4 = 24 inputs; head 8 -> 5
    ft = (4 * 1 * 9 + 4) + (6 * 4 * 9 + 6) + (6 * 6 * 9 + 6) + (8 * 24 + 8) + (5 * 8 + 5)
    sp = 2 * (1 + 4) + 4 + 2 * (4 + 6) + 6 + 2 * (6 + 6) + 6 + 2 * (24 + 8) + 8 + (5 * 8 + 5)
    assert net_ft.learned_parameters() == ft
    assert net_sp.learned_parameters() == sp + (8 + 12 + 12 + 16) / 32


def test_bad_spa_inputs():
    with pytest.raises(ValueError, match="rank must be a positive int"):
        SPLoRALayer(nn.Linear(3, 3), rank=0)
    with pytest.raises(ValueError, match="rank must be a positive int"):
        SPLoRALayer(nn.Linear(3, 3), rank=-2)
    net = PrunedNet(DigitsCNN((8, 12, 12), 16, 5), rank=2, classes=5)
    x, y = torch.rand(3, 1, 8, 8), torch.randint(0, 5, (3,))
    for ratio in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"pruning ratio must be in \[0, 1\)"):
            prune_step(net, ratio, "l1", x, y)
        with pytest.raises(ValueError, match=r"pruning ratio must be in \[0, 1\)"):
            schedule(ratio, 3)
    with pytest.raises(ValueError, match="criterion must be"):
        channel_importance(net, "l2", x, y)
    np.testing.assert_allclose(schedule(0.9, 3), [0.3, 0.6, 0.9])
