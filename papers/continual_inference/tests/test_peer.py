"""Side by side with the official `continual` library (only when the `peer` extra is installed)."""

import pytest
import torch
from torch import nn

from continual_inference.core import continual
from continual_inference.models import X3DLite
from continual_inference.peer import to_peer

co = pytest.importorskip("continual")

pytestmark = pytest.mark.usefixtures("fp64")


@pytest.mark.parametrize(("k", "p", "s"), [(3, 0, 1), (3, 1, 1), (5, 2, 2)])
def test_co_conv3d_matches_the_peer(k, p, s):
    torch.manual_seed(k + p + s)
    ours = continual(nn.Conv3d(3, 4, (k, 3, 3), (s, 1, 1), (p, 1, 1)))
    peer = to_peer(ours)
    x = torch.randn(2, 3, 12, 5, 5)
    a = ours.forward_steps(x)
    b = peer.forward_steps(x)
    torch.testing.assert_close(a, b[:, :, -a.shape[2] :], rtol=0, atol=1e-12)
    assert ours.delay == peer.delay


def test_cox3d_lite_matches_the_peer():
    torch.manual_seed(0)  # 'lagging' shortcuts: the peer's default for shrinking residuals
    net = X3DLite(clip=16, size=32, width=8, temporal_padding=False).eval()
    ours = continual(net).eval()
    peer = to_peer(ours).eval()
    x = torch.randn(1, 1, 22, 32, 32)
    with torch.no_grad():
        a = ours.forward_steps(x)
        b = peer.forward_steps(x)
    torch.testing.assert_close(a, b[:, :, -a.shape[2] :], rtol=0, atol=1e-10)
