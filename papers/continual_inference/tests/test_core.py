"""Exactness and bookkeeping of the continual building blocks (fp64 unless stated)."""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from continual_inference.core import (
    BatchNorm,
    Broadcast,
    CoConv3d,
    Delay,
    Parallel,
    Reduce,
    Residual,
    Sequential,
    continual,
)

pytestmark = pytest.mark.usefixtures("fp64")


def _expected_outputs(t: int, k: int, s: int, p: int) -> int:
    """Offline outputs j (padded stream) whose last input frame is a real frame."""
    t_off = (t + 2 * p - k) // s + 1
    return sum(1 for j in range(t_off) if j * s + k - 1 - p <= t - 1)


CONV_CASES = [
    (k, p, sp, groups, s)
    for k in (1, 3, 5)
    for p in sorted({0, k // 2})
    for sp in ((1, 0), (2, 1))  # spatial (stride, padding)
    for groups in (1, 4)  # 4 = depthwise (C_in = C_out = 4)
    for s in (1, 2)
]


@pytest.mark.parametrize(("k", "p", "sp", "groups", "s"), CONV_CASES)
def test_co_conv3d_equals_offline_conv_on_the_padded_stream(k, p, sp, groups, s):
    torch.manual_seed(k * 100 + p * 10 + groups + s)
    conv = nn.Conv3d(4, 4, (k, 3, 3), (s, sp[0], sp[0]), (p, sp[1], sp[1]), groups=groups)
    co = continual(conv)
    x = torch.randn(2, 4, 11, 7, 7)
    outs = [co.forward_step(x[:, :, t]) for t in range(11)]
    emitted = [t for t, y in enumerate(outs) if y is not None]
    assert emitted[0] == co.delay == k - 1 - p
    assert all(y is None for y in outs[: co.delay])  # warm-up returns None, not garbage
    y = torch.stack([o for o in outs if o is not None], dim=2)
    ref = conv(x)
    assert y.shape[2] == _expected_outputs(11, k, s, p)
    torch.testing.assert_close(y, ref[:, :, : y.shape[2]], rtol=0, atol=1e-12)


@pytest.mark.parametrize("nd", [1, 2])
def test_co_conv1d_and_2d(nd):
    torch.manual_seed(nd)
    conv = getattr(nn, f"Conv{nd}d")(3, 5, 3, padding=1)
    co = continual(conv)
    x = torch.randn(2, 3, 9, *([6] * (nd - 1)))
    y = co.forward_steps(x)
    torch.testing.assert_close(y, conv(x)[:, :, : y.shape[2]], rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["Avg", "Max"])
@pytest.mark.parametrize(("k", "s", "p"), [(3, 1, 0), (3, 2, 1), (2, 1, 0)])
def test_co_pooling(kind, k, s, p):
    pool = getattr(nn, f"{kind}Pool3d")((k, 2, 2), (s, 2, 2), (p, 0, 0))
    co = continual(pool)
    x = torch.randn(2, 3, 10, 4, 4)
    y = co.forward_steps(x)
    torch.testing.assert_close(y, pool(x)[:, :, : y.shape[2]], rtol=0, atol=1e-12)
    assert co.delay == k - 1 - p


@given(
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    t=st.integers(6, 14),
    cin=st.integers(1, 3),
    data=st.data(),
)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_co_conv_property(k, s, t, cin, data):
    p = data.draw(st.integers(0, k - 1))
    conv = nn.Conv3d(cin, 2, (k, 1, 2), (s, 1, 1), (p, 0, 0))
    co = continual(conv)
    x = torch.randn(1, cin, t, 2, 3)
    y = co.forward_steps(x)
    ref = conv(x)
    n = _expected_outputs(t, k, s, p)
    if n == 0:
        assert y is None
    else:
        torch.testing.assert_close(y, ref[:, :, :n], rtol=0, atol=1e-12)


def _main_branch():
    return nn.Sequential(
        nn.Conv3d(3, 3, (3, 1, 1)), nn.ReLU(), nn.Conv3d(3, 3, (5, 3, 3), padding=(1, 1, 1))
    )


@pytest.mark.parametrize("phase", ["lagging", "centered"])
def test_residual_auto_aligns_the_shortcut(phase):
    torch.manual_seed(0)
    main = _main_branch()
    res = Residual(main, phase=phase)
    # main: receptive field 7, padding 1 -> delay 5, shrink 4 frames offline
    shortcut_delay = res.layers[1].branches[1].layers[-1].delay
    assert shortcut_delay == (5 if phase == "lagging" else 3)
    x = torch.randn(2, 3, 15, 4, 4)
    y_main = main(x)
    start = 0 if phase == "lagging" else 2
    ref = y_main + x[:, :, start : start + y_main.shape[2]]
    torch.testing.assert_close(res(x), ref, rtol=0, atol=1e-12)
    y = res.forward_steps(x)
    torch.testing.assert_close(y, ref[:, :, : y.shape[2]], rtol=0, atol=1e-12)
    assert y.shape[2] == 15 - 5


def test_residual_with_projection_shortcut_and_same_padding():
    torch.manual_seed(1)
    main = nn.Sequential(nn.Conv3d(2, 4, 3, padding=1), nn.BatchNorm3d(4).eval())
    short = nn.Conv3d(2, 4, 1)
    res = Residual(main, short)
    x = torch.randn(1, 2, 9, 5, 5)
    y = res.forward_steps(x)
    ref = main(x) + short(x)
    torch.testing.assert_close(y, ref[:, :, : y.shape[2]], rtol=0, atol=1e-12)


def test_parallel_rejects_unequal_delays_and_reduce_modes():
    with pytest.raises(ValueError, match="equal delays"):
        Parallel(nn.Conv3d(1, 1, (3, 1, 1)), nn.Identity())
    net = Sequential(Broadcast(2), Parallel(nn.Conv3d(1, 2, (3, 1, 1)), Delay(2)), Reduce("concat"))
    x = torch.randn(1, 1, 7, 2, 2)
    y = net.forward_steps(x)
    torch.testing.assert_close(y, net(x)[:, :, : y.shape[2]], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="how must be"):
        Reduce("mean")


def test_clean_state_resets_bit_exactly_and_forward_steps_equals_steps():
    torch.manual_seed(2)
    net = continual(nn.Sequential(nn.Conv3d(3, 3, 3, padding=(1, 1, 1)), nn.ReLU()))
    net = Sequential(Residual(nn.Conv3d(3, 3, (3, 1, 1)), phase="lagging"), net)
    fresh = continual(net)
    a, b = torch.randn(2, 3, 8, 4, 4), torch.randn(2, 3, 8, 4, 4)
    net.forward_steps(a)
    net.clean_state()
    assert torch.equal(net.forward_steps(b), fresh.forward_steps(b))
    fresh.clean_state()
    steps = [fresh.forward_step(b[:, :, t]) for t in range(8)]
    net.clean_state()
    assert torch.equal(torch.stack([s for s in steps if s is not None], 2), net.forward_steps(b))


def test_bad_inputs_raise_clear_errors():
    co = CoConv3d(3, 4, 3)
    with pytest.raises(ValueError, match=r"expects one frame \(B, 3, \*S\)"):
        co.forward_step(torch.randn(2, 3, 5))
    with pytest.raises(ValueError, match=r"\(B, 3, \*S\)"):
        co.forward_step(torch.randn(2, 5, 4, 4))
    with pytest.raises(ValueError, match=r"expects \(B, 3, T, \*S\)"):
        co(torch.randn(2, 3, 4, 4))
    co.forward_step(torch.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="batch size changed mid-stream from 2 to 3"):
        co.forward_step(torch.randn(3, 3, 4, 4))
    co.clean_state()
    assert co.forward_step(torch.randn(3, 3, 4, 4)) is None  # fine after clean_state
    with pytest.raises(NotImplementedError, match="temporal dilation"):
        continual(nn.Conv3d(1, 1, 3, dilation=(2, 1, 1)))
    with pytest.raises(ValueError, match="temporal padding must be in"):
        CoConv3d(1, 1, 3, padding=3)
    with pytest.raises(TypeError, match="no continual counterpart for LSTM"):
        continual(nn.LSTM(2, 2))


def test_batchnorm_steps_use_running_statistics_even_in_train_mode():
    bn = nn.BatchNorm3d(3)
    bn.running_mean.normal_()
    bn.running_var.uniform_(0.5, 2.0)
    co = BatchNorm(bn).train()
    x = torch.randn(4, 3, 5, 5)
    ref = bn.eval()(x.unsqueeze(2)).squeeze(2)
    torch.testing.assert_close(co.forward_step(x), ref, rtol=0, atol=1e-12)


def test_delay_returns_none_then_the_frame_from_d_steps_ago():
    d = Delay(3)
    xs = [torch.full((1, 1), float(i)) for i in range(6)]
    outs = [d.forward_step(x) for x in xs]
    assert outs[:3] == [None, None, None]
    assert [float(o) for o in outs[3:]] == [0.0, 1.0, 2.0]
