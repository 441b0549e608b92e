import pytest
import torch

from qsurvey.models import CNN, fold_bn
from qsurvey.qat import (
    LSQQuantizer,
    PACTQuantizer,
    QATNet,
    distillation_loss,
    lsq_quantize,
    lsq_step_grad,
)


@pytest.mark.parametrize("bits,signed", [(4, True), (3, False), (8, True)])
def test_lsq_gradient_matches_closed_form(bits, signed):
    g = torch.Generator().manual_seed(bits)
    v = torch.randn(500, generator=g) * 2
    qn, qp = (2 ** (bits - 1) - 1, 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    s = torch.tensor(0.3, requires_grad=True)
    v_ = v.clone().requires_grad_(True)
    gscale = 1 / (v.numel() * qp) ** 0.5
    lsq_quantize(v_, s, qn, qp, gscale).sum().backward()
    expected = gscale * lsq_step_grad(v, 0.3, qn, qp).sum()
    assert float(s.grad) == pytest.approx(float(expected), rel=1e-5)
    inside = (v / 0.3 > -qn) & (v / 0.3 < qp)
    assert torch.equal(v_.grad, inside.float())  # STE: identity inside, zero outside


def test_lsq_init_and_forward_shape():
    q = LSQQuantizer(4, signed=True, channels=3)
    w = torch.randn(3, 5)
    out = q(w)
    assert out.shape == w.shape and q.initialised
    assert torch.allclose(q.step.detach(), 2 * w.abs().mean(dim=1) / 7**0.5)


def test_pact_alpha_gradient_counts_clipped_inputs():
    p = PACTQuantizer(4, alpha=1.0)
    x = torch.tensor([-0.5, 0.2, 0.7, 1.5, 3.0])
    p(x).sum().backward()
    assert float(p.alpha.grad) == pytest.approx(2.0)


def test_qatnet_runs_and_distillation_loss_is_finite():
    torch.manual_seed(0)
    net = QATNet(fold_bn(CNN(1).eval()), 4, 4, "lsq")
    x = torch.randn(4, 1, 8, 8)
    out = net(x)
    loss = distillation_loss(out, torch.randn(4, 10), torch.tensor([0, 1, 2, 3]))
    loss.backward()
    assert torch.isfinite(loss)
    with pytest.raises(ValueError, match="method must be"):
        QATNet(fold_bn(CNN(1).eval()), 4, 4, "dorefa")
