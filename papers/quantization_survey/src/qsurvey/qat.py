"""Quantization-aware training (survey Sec. IV-A): fake-quant with the straight-through estimator,
PACT and LSQ, with an optional distillation loss from the FP teacher (survey Sec. IV-D).

* STE (Bengio et al. 2013): forward round, backward identity inside the clipping range;
* PACT (Choi et al. 2018): activations y = clip(x, 0, alpha) with a learnable alpha,
  quantized to 2^b - 1 levels of [0, alpha]; dy/dalpha = 1 where x >= alpha (through the STE);
* LSQ (Esser et al. 2020): v~ = round(clip(v / s, -Q_n, Q_p)) s with a learnable step s whose
  gradient is scaled by g = 1 / sqrt(N Q_p) (N = number of elements per step); the closed form is
  dv~/ds = -v/s + round(v/s) inside the range, -Q_n below, Q_p above;
* KD (Hinton et al. 2015): (1 - w) CE + w T^2 KL(softmax(z_t / T) || softmax(z_s / T)).

QAT runs on the BN-folded network, so the fake-quant placement matches PTQ and integer inference.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from qsurvey.models import train
from qsurvey.quantizers import check_bits, qrange
from qsurvey.simquant import quant_points, weighted_layers


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """round(x) forward, identity backward."""
    return x + (torch.round(x) - x).detach()


def grad_scale(x: torch.Tensor, g: float) -> torch.Tensor:
    """x forward, gradient multiplied by g backward."""
    return (x - x * g).detach() + x * g


def lsq_quantize(v: torch.Tensor, s: torch.Tensor, qn: int, qp: int, g: float) -> torch.Tensor:
    """LSQ's v~ = round(clip(v / s, -Q_n, Q_p)) s with step-gradient scale g."""
    s = grad_scale(s, g)
    return round_ste(torch.clamp(v / s, -qn, qp)) * s


def lsq_step_grad(v: torch.Tensor, s: float, qn: int, qp: int) -> torch.Tensor:
    """The closed-form dv~/ds of LSQ (Esser et al. Eq. 3), elementwise, without the scale g."""
    r = v / s
    return torch.where(
        r <= -qn,
        torch.full_like(r, -qn),
        torch.where(r >= qp, torch.full_like(r, qp), -r + torch.round(r)),
    )


class LSQQuantizer(nn.Module):
    """Learnable-step quantizer: per tensor or per output channel (axis 0), signed or unsigned."""

    def __init__(self, bits: int, *, signed: bool, channels: int | None = None):
        super().__init__()
        check_bits(bits)
        lo, hi = qrange(bits, signed, restricted=signed and bits > 1)
        self.qn, self.qp = -lo, hi
        self.channels = channels
        self.step = nn.Parameter(torch.ones(channels or 1))
        self.initialised = False

    def init_from(self, v: torch.Tensor) -> None:
        """LSQ's initialisation s = 2 mean|v| / sqrt(Q_p) (per channel when channelwise)."""
        with torch.no_grad():
            if self.channels:
                m = v.abs().reshape(v.shape[0], -1).mean(dim=1)
            else:
                m = v.abs().mean().reshape(1)
            self.step.copy_((2 * m / self.qp**0.5).clamp(min=1e-8))
        self.initialised = True

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        if not self.initialised:
            self.init_from(v)
        n = v[0].numel() if self.channels else v.numel()
        g = 1.0 / (n * self.qp) ** 0.5
        s = self.step.reshape([-1] + [1] * (v.dim() - 1)) if self.channels else self.step[0]
        return lsq_quantize(v, s, self.qn, self.qp, g)


class PACTQuantizer(nn.Module):
    """PACT activation quantizer for post-ReLU inputs: clip(x, 0, alpha), 2^b - 1 levels."""

    def __init__(self, bits: int, alpha: float = 6.0):
        super().__init__()
        self.levels = 2 ** check_bits(bits) - 1
        self.alpha = nn.Parameter(torch.tensor(float(alpha)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = 0.5 * (x.abs() - (x - self.alpha).abs() + self.alpha)  # clip(x, 0, alpha), PACT Eq. 1
        s = self.alpha / self.levels
        return y + (torch.round(y / s) * s - y).detach()


class STEWeightQuantizer(nn.Module):
    """Per-channel symmetric min-max weight fake-quant with the STE (used with PACT)."""

    def __init__(self, bits: int):
        super().__init__()
        _, self.qmax = qrange(bits, True, restricted=True)

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        s = (w.detach().abs().reshape(w.shape[0], -1).amax(dim=1) / self.qmax).clamp(min=1e-8)
        s = s.reshape([-1] + [1] * (w.dim() - 1))
        return round_ste(torch.clamp(w / s, -self.qmax, self.qmax)) * s


class QATNet(nn.Module):
    """A folded network with trainable fake-quant weights (per channel) and activations.

    method: "lsq" (LSQ weights and activations) or "pact" (STE weights, PACT activations; the
    network input, which may be negative, keeps an LSQ quantizer).
    """

    def __init__(self, folded: nn.Sequential, w_bits: int, a_bits: int, method: str = "lsq"):
        super().__init__()
        if method not in ("lsq", "pact"):
            raise ValueError(f"method must be 'lsq' or 'pact', got {method!r}")
        self.net = copy.deepcopy(folded)
        self.wq = nn.ModuleDict()
        self.aq = nn.ModuleDict()
        first = quant_points(self.net)[0]
        for i in weighted_layers(self.net):
            c = self.net[i].weight.shape[0]
            self.wq[str(i)] = (
                LSQQuantizer(w_bits, signed=True, channels=c)
                if method == "lsq"
                else STEWeightQuantizer(w_bits)
            )
        for i in quant_points(self.net):
            if i == first:
                self.aq[str(i)] = LSQQuantizer(a_bits, signed=True)
            elif method == "lsq":
                self.aq[str(i)] = LSQQuantizer(a_bits, signed=False)
            else:
                self.aq[str(i)] = PACTQuantizer(a_bits)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, m in enumerate(self.net):
            if str(i) in self.aq:
                x = self.aq[str(i)](x)
            if isinstance(m, nn.Conv2d):
                x = F.conv2d(x, self.wq[str(i)](m.weight), m.bias, m.stride, m.padding)
            elif isinstance(m, nn.Linear):
                x = F.linear(x, self.wq[str(i)](m.weight), m.bias)
            else:
                x = m(x)
        return x


def distillation_loss(
    student: torch.Tensor,
    teacher: torch.Tensor,
    y: torch.Tensor,
    *,
    weight: float = 0.5,
    temperature: float = 4.0,
) -> torch.Tensor:
    """(1 - w) CE(student, y) + w T^2 KL(teacher_T || student_T)."""
    ce = F.cross_entropy(student, y)
    kl = F.kl_div(
        F.log_softmax(student / temperature, dim=1),
        F.log_softmax(teacher / temperature, dim=1),
        log_target=True,
        reduction="batchmean",
    )
    return (1 - weight) * ce + weight * temperature**2 * kl


def train_qat(
    qnet: QATNet,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    lr: float = 1e-3,
    batch_size: int = 64,
    teacher: nn.Module | None = None,
    seed: int = 0,
    progress=None,
) -> QATNet:
    """Fine-tune a QATNet from its FP weights with Adam (cosine schedule); KD given a teacher."""
    with torch.no_grad():  # initialise the step sizes on one batch
        qnet(x[:256])

    def kd(out: torch.Tensor, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            t = teacher(xb)
        return distillation_loss(out, t, yb)

    loss_fn = kd if teacher is not None else None
    return train(
        qnet,
        x,
        y,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        seed=seed,
        progress=progress,
        loss_fn=loss_fn,
        desc="qat",
    )
