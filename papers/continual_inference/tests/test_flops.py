"""Analytic MAC counts equal FlopCounterMode (FLOPs / 2), module by module and per network."""

import pytest
import torch
from torch import nn

from continual_inference import flops
from continual_inference.core import Linear, continual
from continual_inference.graph import GraphConv, spatial_partitions
from continual_inference.models import STGCNLite, TransformerClassifier, X3DLite


@pytest.mark.parametrize(
    "conv",
    [
        nn.Conv3d(4, 6, (3, 3, 3), (1, 2, 2), (1, 1, 1)),
        nn.Conv3d(8, 8, (5, 3, 3), 1, (0, 1, 1), groups=8),  # depthwise
        nn.Conv2d(4, 4, (9, 1), padding=(4, 0)),
        nn.Conv1d(3, 5, 3),
    ],
)
def test_conv_clip_and_step_counts(conv):
    co = continual(conv)
    shape = {3: (2, conv.in_channels, 8, 6, 6), 2: (2, 4, 12, 5), 1: (2, 3, 8)}[
        conv.weight.dim() - 2
    ]
    x = torch.randn(shape)
    assert flops.clip_macs(conv, x) == flops.measured_macs(lambda: conv(x))
    with torch.no_grad():
        co.forward_steps(x)
    frame = x[:, :, 0]
    assert flops.step_macs(co, frame) == flops.measured_macs(lambda: co.forward_step(frame))
    # a step costs what one offline output frame costs
    t_out = conv(x).shape[2]
    assert flops.step_macs(co, frame) * t_out == flops.clip_macs(conv, x)


def test_linear_and_graph_conv_counts():
    lin = Linear(nn.Linear(6, 4))
    x = torch.randn(2, 6, 5, 3)
    assert flops.clip_macs(lin, x) == flops.measured_macs(lambda: lin(x))
    assert flops.step_macs(lin, x[:, :, 0]) == flops.measured_macs(
        lambda: lin.forward_step(x[:, :, 0])
    )
    gc = GraphConv(3, 4, spatial_partitions())
    x = torch.randn(2, 3, 6, 25)
    assert flops.clip_macs(gc, x) == flops.measured_macs(lambda: gc(x))
    f = x[:, :, 0]
    assert flops.step_macs(gc, f) == flops.measured_macs(lambda: gc.forward_step(f))


@pytest.mark.parametrize("layers", [1, 2])
def test_transformer_closed_forms(layers):
    torch.backends.mha.set_fastpath_enabled(False)
    n, d, feat, classes = 12, 16, 6, 3
    model = TransformerClassifier(feat, d, 4, n, layers, classes).eval()
    co = model.to_continual()
    x = torch.randn(1, n + 4, feat)
    with torch.no_grad():
        off = flops.measured_macs(lambda: model(x[:, :n], 0, explicit=True))
        co.forward_steps(x)
        step = flops.measured_macs(lambda: co.forward_step(x[:, 0]))
    assert off == flops.transformer_macs(n, d, 4 * d, layers, feat, classes, False)
    assert step == flops.transformer_macs(n, d, 4 * d, layers, feat, classes, True)


def test_networks_count_every_layer():
    x3d = X3DLite(clip=16, size=32, width=8, temporal_padding=False).eval()
    clip = torch.randn(1, 1, 16, 32, 32)
    assert flops.clip_macs(x3d, clip) == flops.measured_macs(lambda: x3d(clip))
    co = continual(x3d)
    with torch.no_grad():
        co.forward_steps(clip)
    f = clip[:, :, 0]
    assert flops.step_macs(co, f) == flops.measured_macs(lambda: co.forward_step(f))
    g = STGCNLite(window=20, channels=(8, 8), temporal_padding=True).eval()
    s = torch.randn(1, 3, 20, 25)
    assert flops.clip_macs(g, s) == flops.measured_macs(lambda: g(s))


def test_encoder_layer_macs_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind must be"):
        flops.encoder_layer_macs(4, 8, 32, "sparse")
