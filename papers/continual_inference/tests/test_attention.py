"""Continual attention and encoder layers against torch's own modules."""

import pytest
import torch
from torch import nn

from continual_inference.attention import (
    CoEncoderLayer,
    RecyclingPositionalEncoding,
    RetroactiveAttention,
    SingleOutputAttention,
    explicit_encoder_layer,
)
from continual_inference.models import TransformerClassifier


def _stream_vs_windows(dtype, n=8, steps=30, d=16, heads=4, scale=1.0):
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(d, heads, batch_first=True).to(dtype).eval()
    so, ra = SingleOutputAttention(mha, n), RetroactiveAttention(mha, n)
    x = scale * torch.randn(3, steps, d, dtype=dtype)
    s_err = r_err = 0.0
    with torch.no_grad():
        for t in range(steps):
            a, b = so.forward_step(x[:, t]), ra.forward_step(x[:, t])
            if t < n - 1:
                assert a is None and b is None  # before the window fills: None, not garbage
                continue
            win = x[:, t - n + 1 : t + 1]
            ref = mha(win, win, win, need_weights=False)[0]
            s_err = max(s_err, float((a - ref[:, -1]).abs().max()))
            r_err = max(r_err, float((b - ref).abs().max()))
    return s_err, r_err


def test_single_output_and_retroactive_attention_float64():
    s_err, r_err = _stream_vs_windows(torch.float64)
    assert s_err < 1e-10 and r_err < 1e-10


def test_single_output_and_retroactive_attention_float32():
    s_err, r_err = _stream_vs_windows(torch.float32)
    assert s_err < 1e-5 and r_err < 1e-5


def test_retroactive_keeps_per_query_sums_not_just_the_last_row():
    torch.manual_seed(1)
    mha = nn.MultiheadAttention(8, 2, batch_first=True).double().eval()
    ra = RetroactiveAttention(mha, 4)
    x = torch.randn(1, 9, 8, dtype=torch.float64)
    with torch.no_grad():
        out = ra.forward_steps(x)  # (1, 6, 4, 8)
        for i, t in enumerate(range(3, 9)):
            win = x[:, t - 3 : t + 1]
            ref = mha(win, win, win, need_weights=False)[0]
            torch.testing.assert_close(out[:, i], ref, rtol=0, atol=1e-12)
            # the oldest row changed when the window slid: it is not the previous step's row
            if i:
                assert not torch.allclose(out[:, i, 0], out[:, i - 1, 1])


@pytest.mark.usefixtures("fp64")
@pytest.mark.parametrize("layers", [1, 2])
def test_continual_transformer_equals_offline_windows(layers):
    torch.manual_seed(layers)
    n = 8
    model = TransformerClassifier(in_features=6, d=16, heads=4, window=n, layers=layers).eval()
    co = model.to_continual()
    x = torch.randn(2, 25, 6)
    with torch.no_grad():
        y = co.forward_steps(x)
        ref = torch.stack([model(x[:, t - n + 1 : t + 1], t - n + 1) for t in range(n - 1, 25)], 1)
    torch.testing.assert_close(y, ref, rtol=0, atol=1e-10)


def test_explicit_encoder_layer_equals_torch_layer():
    torch.manual_seed(3)
    layer = nn.TransformerEncoderLayer(16, 4, 64, dropout=0.0, batch_first=True).eval()
    x = torch.randn(2, 7, 16)
    with torch.no_grad():
        torch.testing.assert_close(explicit_encoder_layer(layer, x), layer(x), rtol=0, atol=1e-5)


def test_encoder_layer_checks():
    pre = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True)
    with pytest.raises(ValueError, match="post-norm"):
        CoEncoderLayer(pre, 4, "single")
    post = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    with pytest.raises(ValueError, match="mode must be"):
        CoEncoderLayer(post, 4, "both")
    co = CoEncoderLayer(post, 4, "single")
    with pytest.raises(ValueError, match=r"expects one token \(B, 8\)"):
        co.forward_step(torch.randn(2, 3, 5, 8))
    co.forward_step(torch.randn(2, 8))
    with pytest.raises(ValueError, match="batch size changed"):
        co.forward_step(torch.randn(1, 8))


def test_recycling_positional_encoding_wraps_around():
    pe = RecyclingPositionalEncoding(4, 5)
    x = torch.zeros(1, 7, 4)
    out = pe(x, offset=3)
    torch.testing.assert_close(out[0, 0], pe.pe[3].detach())
    torch.testing.assert_close(out[0, 2], pe.pe[0].detach())  # (3 + 2) mod 5
    per_sample = pe(torch.zeros(2, 3, 4), offset=torch.tensor([0, 4]))
    torch.testing.assert_close(per_sample[1, 1], pe.pe[0].detach())
