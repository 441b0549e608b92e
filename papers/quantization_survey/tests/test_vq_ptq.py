import pytest
import torch
from torch import nn

from qsurvey.models import CNN, fold_bn, predict
from qsurvey.ptq import (
    adaround_layer,
    bias_correction,
    cross_layer_equalization,
    layer_output_mse,
    rectified_sigmoid,
    rtn_weights,
)
from qsurvey.simquant import collect_inputs
from qsurvey.vq import product_quantize, weight_sharing
from qsurvey.zeroq import distill_batch


def test_pq_reconstruction_equals_codebook_lookup():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(16, 8, 3, 3, generator=g)
    pq = product_quantize(w, 4, 32)
    rec = pq.reconstruct()
    sub = rec.reshape(16, -1).reshape(16, -1, 4)
    for o in range(16):
        for j in range(sub.shape[1]):
            assert torch.equal(sub[o, j], pq.codebook[int(pq.indices[o, j])])
    assert pq.nbytes() == 32 * 4 * 4 + 16 * 18
    with pytest.raises(ValueError, match="must divide the fan-in"):
        product_quantize(w, 5)


def test_weight_sharing_uses_at_most_2b_values():
    w = torch.randn(20, 20)
    wq, nbytes = weight_sharing(w, 3)
    assert wq.unique().numel() <= 8 and nbytes == 150 + 32


def _trained_like_cnn():
    torch.manual_seed(0)
    cnn = CNN(1)
    for m in cnn.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 2)
    return fold_bn(cnn.eval())


def test_cross_layer_equalisation_preserves_function_and_balances_ranges():
    net = _trained_like_cnn()
    with torch.no_grad():
        net[0].weight[:4] *= 20  # unbalanced channels
    x = torch.randn(16, 1, 8, 8)
    eq = cross_layer_equalization(net)
    assert torch.allclose(predict(eq, x), predict(net, x), atol=1e-4)
    # one pair (Linear, ReLU, Linear) is balanced exactly: r1_i = r2_i = sqrt(r1_i r2_i)
    torch.manual_seed(0)
    pair = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    with torch.no_grad():
        pair[0].weight[:2] *= 30
    eq = cross_layer_equalization(pair, iters=1)
    r1 = eq[0].weight.abs().amax(1)
    r2 = eq[2].weight.abs().amax(0)
    assert torch.allclose(r1, r2, rtol=1e-5)
    x = torch.randn(16, 5)
    assert torch.allclose(eq(x), pair(x), atol=1e-5)


def test_bias_correction_removes_mean_output_shift():
    net = _trained_like_cnn()
    x = torch.randn(64, 1, 8, 8)
    inputs = collect_inputs(net, x)
    wq = {i: q.dequantize() for i, q in rtn_weights(net, 3, granularity="tensor").items()}
    b = bias_correction(net, wq, inputs)
    for i in (0, 2, 4):
        conv = net[i]
        before = (
            nn.functional.conv2d(inputs[i], wq[i], conv.bias, conv.stride, conv.padding)
            - conv(inputs[i])
        ).mean((0, 2, 3))
        after = (
            nn.functional.conv2d(inputs[i], wq[i], b[i], conv.stride, conv.padding)
            - conv(inputs[i])
        ).mean((0, 2, 3))
        assert after.abs().max() < 1e-4 < before.abs().max()


def test_adaround_soft_start_and_improvement():
    v = torch.tensor([-10.0, 0.0, 10.0])
    assert torch.allclose(rectified_sigmoid(v), torch.tensor([0.0, 0.5, 1.0]))
    net = _trained_like_cnn()
    x = torch.randn(128, 1, 8, 8)
    inputs = collect_inputs(net, x)
    rtn = rtn_weights(net, 3)
    ada = adaround_layer(net[2], inputs[2], rtn[2], iters=300)
    assert ((ada.q - rtn[2].q).abs() <= 1).all()  # only the rounding direction changes
    assert layer_output_mse(net[2], inputs[2], ada.dequantize()) < layer_output_mse(
        net[2], inputs[2], rtn[2].dequantize()
    )


def test_zeroq_matches_bn_statistics_better_than_noise():
    torch.manual_seed(0)
    cnn = CNN(1).eval()
    for m in cnn.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    bn = cnn.features[1]

    def gap(x):
        h = cnn.features[0](x)
        return float((h.mean((0, 2, 3)) - bn.running_mean).norm().detach())

    noise = torch.randn(16, 1, 8, 8)
    distilled = distill_batch(cnn, (16, 1, 8, 8), iters=60, lr=0.05)
    assert gap(distilled) < gap(noise)
    with pytest.raises(ValueError, match="BatchNorm2d"):
        distill_batch(nn.Sequential(nn.Conv2d(1, 2, 3)), (2, 1, 8, 8), iters=1)
