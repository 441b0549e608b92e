"""The three CINs equal their unpadded offline twins on every sliding window."""

import pytest
import torch

from continual_inference.baselines import sliding_window_outputs
from continual_inference.core import continual
from continual_inference.models import STGCNLite, X3DLite

pytestmark = pytest.mark.usefixtures("fp64")


def _randomize_bn(model):
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)


@pytest.mark.parametrize("phase", ["lagging", "centered"])
def test_cox3d_equals_the_unpadded_twin_after_warm_up(phase):
    torch.manual_seed(0)
    padded = X3DLite(clip=16, size=32, width=8, temporal_padding=True, phase=phase)
    _randomize_bn(padded)
    padded.eval()
    twin = X3DLite(clip=16, size=32, width=8, temporal_padding=False, phase=phase).eval()
    twin.load_state_dict(padded.state_dict())
    co = continual(twin).eval()
    x = torch.randn(2, 1, 24, 32, 32)
    outs = [co.forward_step(x[:, :, t]) for t in range(24)]
    assert co.delay == 15 and co.receptive_field == 16
    assert all(o is None for o in outs[:15])
    y = torch.stack(outs[15:], dim=2).flatten(3).squeeze(-1)
    torch.testing.assert_close(y, sliding_window_outputs(twin, x, 16), rtol=0, atol=1e-10)
    torch.testing.assert_close(y, twin(x), rtol=0, atol=1e-10)


def test_cox3d_with_padding_equals_the_padded_net_where_both_are_defined():
    torch.manual_seed(1)
    padded = X3DLite(clip=16, size=32, width=8, temporal_padding=True)
    _randomize_bn(padded)
    padded.eval()
    co = continual(padded).eval()
    x = torch.randn(1, 1, 30, 32, 32)
    y = co.forward_steps(x).flatten(3).squeeze(-1)
    ref = padded(x)
    assert co.delay == 2 + 4 + 15  # padding turns into state: delays 2, 4 x 1, pool 15
    torch.testing.assert_close(y, ref[..., : y.shape[-1]], rtol=0, atol=1e-10)


def test_cost_gcn_equals_the_unpadded_twin():
    torch.manual_seed(2)
    padded = STGCNLite(window=12, channels=(4, 8), kernel_t=5, temporal_padding=True)
    _randomize_bn(padded)
    padded.eval()
    twin = STGCNLite(window=12, channels=(4, 8), kernel_t=5, temporal_padding=False).eval()
    twin.load_state_dict(padded.state_dict())
    co = continual(twin).eval()
    x = torch.randn(2, 3, 18, 25)
    y = co.forward_steps(x).flatten(3).squeeze(-1)
    torch.testing.assert_close(y, sliding_window_outputs(twin, x, 12), rtol=0, atol=1e-10)


def test_model_bad_inputs():
    with pytest.raises(ValueError, match=r"expects \(B, 1, T, H, W\)"):
        X3DLite(size=32, width=8)(torch.randn(1, 3, 16, 32, 32))
    with pytest.raises(ValueError, match=r"expects \(B, 3, T, 25\)"):
        STGCNLite(window=20, channels=(8,))(torch.randn(1, 3, 20, 18))
    with pytest.raises(ValueError, match="clip must be > 12"):
        X3DLite(clip=10, temporal_padding=False)
    with pytest.raises(ValueError, match="at least the window"):
        sliding_window_outputs(X3DLite(size=32, width=8), torch.randn(1, 1, 5, 32, 32), 16)
