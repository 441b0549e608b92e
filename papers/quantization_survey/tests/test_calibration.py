import math
import warnings

import pytest
import torch
from torch.ao.quantization import MinMaxObserver, PerChannelMinMaxObserver

from qsurvey.calibration import (
    StaticObserver,
    aciq_alpha,
    calibrate_range,
    check_calibration_set,
    dynamic_qparams,
    kl_threshold,
    laplace_clip_mse,
    laplace_midrise_mse,
    laplace_midrise_optimum,
    minmax_range,
    mse_clip_range,
    percentile_range,
)
from qsurvey.data import synthetic_tensor
from qsurvey.quantizers import asymmetric_qparams, midrise_quantize


def test_minmax_ranges_equal_torch_observers():
    g = torch.Generator().manual_seed(0)
    batches = [torch.randn(8, 5, 3, generator=g) * (k + 1) for k in range(4)]
    obs = MinMaxObserver(dtype=torch.quint8)
    pc = PerChannelMinMaxObserver(ch_axis=1, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
    for b in batches:
        obs(b)
        pc(b)
    x = torch.cat(batches)
    lo, hi = minmax_range(x)
    assert float(lo) == float(obs.min_val) and float(hi) == float(obs.max_val)
    lo_c, hi_c = minmax_range(x, axis=1)
    assert torch.equal(lo_c, pc.min_val) and torch.equal(hi_c, pc.max_val)
    # and the affine qparams agree with the observer's
    scale, zp = obs.calculate_qparams()
    ours = asymmetric_qparams(lo, hi, 8)
    assert torch.allclose(ours.scale, scale.float()) and int(ours.zero_point) == int(zp)
    s = StaticObserver("minmax", 8)
    for b in batches:
        s.observe(b)
    qp = s.qparams()
    assert qp.scale == asymmetric_qparams(lo, hi, 8, signed=True).scale


@pytest.mark.parametrize("bits", range(2, 9))
def test_aciq_alpha_is_first_order_optimal(bits):
    b = 1.7
    a = aciq_alpha(b, bits)
    grad = -2 * b * math.exp(-a / b) + 2 * a / (3 * 4**bits)
    assert abs(grad) < 1e-9
    h = 1e-4 * a
    f = lambda t: laplace_clip_mse(t, b, bits)  # noqa: E731
    assert f(a) < f(a - h) and f(a) < f(a + h)


def test_aciq_reproduces_banner_table():
    table = [2.83, 3.89, 5.03, 6.20, 7.41, 8.64, 9.89]
    for bits, ref in zip(range(2, 9), table, strict=True):
        assert aciq_alpha(1.0, bits) == pytest.approx(ref, abs=0.01)


def test_clipping_beats_minmax_on_laplace():
    x = synthetic_tensor("laplace", 200_000, seed=1)
    for bits in (3, 4):
        mse = lambda a, bits=bits: float((midrise_quantize(x, a, bits) - x).pow(2).mean())  # noqa: E731
        base = mse(float(x.abs().max()))
        _, hi = mse_clip_range(
            x, bits, quantizer=lambda v, a, bits=bits: midrise_quantize(v, a, bits)
        )
        assert mse(float(hi)) < base / 2
        assert mse(kl_threshold(x, bits)) < base
        assert mse(aciq_alpha(1.0, bits)) < base / 2


def test_percentile_and_dynamic_ranges():
    x = torch.arange(10_001, dtype=torch.float32)
    lo, hi = percentile_range(x, 99.9)
    assert float(hi) == pytest.approx(9990.0) and float(lo) == pytest.approx(10.0)
    rows = torch.tensor([[0.0, 1.0], [-4.0, 4.0]])
    per_token = dynamic_qparams(rows, 8, per_token=True)
    assert per_token.scale.shape == (2,) and per_token.scale[1] > per_token.scale[0]
    assert calibrate_range(rows, "minmax", 8)[1] == 4.0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_nan_inf_calibration_inputs_raise(bad):
    x = torch.randn(100)
    x[3] = bad
    for method in ("minmax", "percentile", "mse", "kl"):
        with pytest.raises(ValueError, match="NaN/Inf"):
            calibrate_range(x, method, 8)
    with pytest.raises(ValueError, match="NaN/Inf"):
        StaticObserver("minmax", 8).observe(x)


def test_small_calibration_set_warns():
    with pytest.warns(UserWarning, match="fewer than one batch"):
        check_calibration_set(10, 64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_calibration_set(256, 64)


def test_unknown_method_raises():
    with pytest.raises(ValueError, match="method must be one of"):
        calibrate_range(torch.randn(10), "median", 8)


def test_exact_midrise_mse_matches_monte_carlo_and_aciq_at_high_bits():
    x = synthetic_tensor("laplace", 400_000, seed=3)
    for bits, alpha in ((3, 4.0), (4, 5.0)):
        mc = float((midrise_quantize(x, alpha, bits) - x).pow(2).mean())
        assert laplace_midrise_mse(alpha, bits) == pytest.approx(mc, rel=0.02)
    # ACIQ's D^2/12 approximation is close at 8 bits, further off at 3 bits
    assert laplace_midrise_optimum(8) == pytest.approx(aciq_alpha(1.0, 8), rel=0.01)
    assert laplace_midrise_optimum(3) > 1.03 * aciq_alpha(1.0, 3)
