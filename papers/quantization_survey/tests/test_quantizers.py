import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from qsurvey.granularity import quantize_weight, weight_qparams
from qsurvey.quantizers import (
    QParams,
    asymmetric_qparams,
    binarize,
    dequantize,
    fake_quantize,
    kmeans_quantize,
    log2_quantize,
    qrange,
    quantize,
    round_stochastic,
    symmetric_qparams,
    ternarize,
)


@pytest.mark.parametrize("bits", range(2, 9))
def test_per_tensor_bit_exact_with_torch_including_ties(bits):
    g = torch.Generator().manual_seed(bits)
    qmin, qmax = qrange(bits, True)
    scale, zp = 0.037, 1
    # random values plus exact .5 ties of x / S (round-half-even must match)
    ties = (torch.arange(-20, 20) + 0.5) * torch.tensor(0.25)
    for x, s in ((torch.randn(5000, generator=g), scale), (ties, 0.25)):
        ours = fake_quantize(
            x, QParams(torch.tensor(s), torch.tensor(zp, dtype=torch.int32), qmin, qmax)
        )
        ref = torch.fake_quantize_per_tensor_affine(x, s, zp, qmin, qmax)
        assert torch.equal(ours, ref)


@pytest.mark.parametrize("bits", range(2, 9))
def test_per_channel_bit_exact_with_torch(bits):
    g = torch.Generator().manual_seed(100 + bits)
    x = torch.randn(6, 4, 3, 3, generator=g)
    qmin, qmax = qrange(bits, True)
    scale = torch.rand(6, generator=g) * 0.1 + 0.01
    scale[0] = 0.25
    x[0, 0, 0, :] = torch.tensor([0.5, 1.5, -2.5]) * 0.25  # exact .5 ties of x / S
    zp = torch.randint(max(qmin, -2), min(qmax, 2) + 1, (6,), generator=g, dtype=torch.int32)
    ours = fake_quantize(x, QParams(scale, zp, qmin, qmax, axis=0))
    ref = torch.fake_quantize_per_channel_affine(x, scale, zp, 0, qmin, qmax)
    assert torch.equal(ours, ref)


def test_ties_round_half_to_even():
    qp = QParams(torch.tensor(1.0), torch.tensor(0, dtype=torch.int32), -128, 127)
    q = quantize(torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5]), qp)
    assert q.tolist() == [0, 2, 2, 0, -2]  # not floor(x + 0.5)


@settings(max_examples=40, deadline=None)
@given(
    bits=st.integers(2, 16),
    lo=st.floats(-100, 0, allow_nan=False),
    width=st.floats(1e-3, 200, allow_nan=False),
    seed=st.integers(0, 1000),
)
def test_round_trip_error_within_half_step_inside_range(bits, lo, width, seed):
    qp = asymmetric_qparams(lo, lo + width, bits, signed=bits % 2 == 0)
    g = torch.Generator().manual_seed(seed)
    # the representable range [S (q_min - Z), S (q_max - Z)]
    rmin = float(qp.scale * (qp.qmin - qp.zero_point))
    rmax = float(qp.scale * (qp.qmax - qp.zero_point))
    x = rmin + (rmax - rmin) * torch.rand(2000, generator=g, dtype=torch.float32)
    err = (fake_quantize(x, qp) - x).abs().max()
    assert err <= qp.scale / 2 * (1 + 1e-3) + 1e-6 * max(abs(rmin), abs(rmax))


def test_asymmetric_range_includes_zero_and_zero_point_is_integer():
    qp = asymmetric_qparams(2.0, 5.0, 8)  # a range that excludes 0
    assert qp.zero_point.dtype == torch.int32
    assert qp.qmin <= int(qp.zero_point) <= qp.qmax
    assert float(fake_quantize(torch.tensor([0.0]), qp)) == 0.0
    assert torch.allclose(
        fake_quantize(torch.tensor([5.0]), qp), torch.tensor([5.0]), atol=float(qp.scale) / 2
    )


def test_symmetric_restricted_vs_full_range():
    r = symmetric_qparams(1.0, 8, mode="restricted")
    f = symmetric_qparams(1.0, 8, mode="full")
    assert (r.qmin, r.qmax) == (-127, 127) and float(r.scale) == pytest.approx(1 / 127)
    assert (f.qmin, f.qmax) == (-128, 127) and float(f.scale) == pytest.approx(2 / 255)
    assert int(r.zero_point) == 0 == int(f.zero_point)
    x = torch.tensor([-1.0, 1.0])
    assert torch.allclose(fake_quantize(x, r), x)  # restricted: +-amax both exact


@pytest.mark.parametrize("bits", [0, 17, -1, 2.5, True])
def test_bad_bits_raise(bits):
    with pytest.raises(ValueError, match="bits must be an int in"):
        asymmetric_qparams(-1.0, 1.0, bits)
    with pytest.raises(ValueError, match="bits must be an int in"):
        quantize_weight(torch.randn(4, 4), bits)


@pytest.mark.parametrize("value", [0.0, 3.0, -2.0])
def test_zero_range_tensor_gives_positive_finite_scale(value):
    x = torch.full((4, 5), value)
    qp = asymmetric_qparams(x.min(), x.max(), 8)
    assert torch.isfinite(qp.scale) and qp.scale > 0
    assert torch.allclose(fake_quantize(x, qp), x, atol=float(qp.scale) / 2)
    wq = weight_qparams(torch.zeros(3, 4), 4)
    assert torch.isfinite(wq.scale).all() and (wq.scale > 0).all()
    assert torch.equal(quantize_weight(torch.zeros(3, 4), 4).dequantize(), torch.zeros(3, 4))


def test_axis_out_of_range_raises():
    qp = QParams(torch.ones(3), torch.zeros(3, dtype=torch.int32), -128, 127, axis=2)
    with pytest.raises(ValueError, match="axis must be in"):
        quantize(torch.randn(3, 4), qp)


def test_group_size_must_divide_fan_in():
    with pytest.raises(ValueError, match="group_size must divide the fan-in"):
        quantize_weight(torch.randn(4, 10), 4, granularity="group", group_size=3)
    w = torch.randn(4, 12)
    wq = quantize_weight(w, 4, granularity="group", group_size=4)
    assert wq.qparams.scale.shape == (12,)
    assert (wq.dequantize() - w).abs().max() <= wq.qparams.scale.max() / 2 + 1e-6


def test_granularity_error_ordering():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(16, 64, generator=g) * torch.logspace(-2, 0, 16)[:, None]
    errs = {
        gran: float(
            (quantize_weight(w, 4, granularity=gran, group_size=16).dequantize() - w).pow(2).mean()
        )
        for gran in ("tensor", "channel", "group")
    }
    assert errs["group"] < errs["channel"] < errs["tensor"]


def test_stochastic_rounding_is_unbiased():
    g = torch.Generator().manual_seed(0)
    n = 100_000
    for x in (0.3, -1.7, 2.5):
        r = round_stochastic(torch.full((n,), x), g)
        sigma = r.std()
        assert abs(float(r.mean()) - x) < 3 * float(sigma) / n**0.5
        assert set(r.unique().tolist()) <= {
            float(torch.floor(torch.tensor(x))),
            float(torch.floor(torch.tensor(x))) + 1,
        }
    qp = QParams(torch.tensor(0.1), torch.tensor(0, dtype=torch.int32), -128, 127)
    q = quantize(torch.full((n,), 0.123), qp, stochastic=True, generator=g)
    assert abs(float(dequantize(q, qp).mean()) - 0.123) < 3 * 0.05 / n**0.5


def test_nonuniform_and_extreme_quantizers():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(32, 16, generator=g)
    lq = log2_quantize(w, 4)
    mags = (lq.abs() / w.abs().max()).unique()
    assert all(m == 0 or float(torch.log2(m)).is_integer() for m in mags)
    assert len(mags) <= 2 ** (4 - 1)
    kq = kmeans_quantize(w, 3)
    assert kq.unique().numel() <= 8
    assert float((kq - w).pow(2).mean()) < float((log2_quantize(w, 3) - w).pow(2).mean())
    b = binarize(w)
    assert torch.allclose(b.abs()[:, 0], w.abs().mean(dim=1))
    t = ternarize(w)
    delta = 0.7 * w.abs().mean()
    alpha = w.abs()[w.abs() > delta].mean()
    assert torch.allclose(t, alpha * torch.sign(w) * (w.abs() > delta))
