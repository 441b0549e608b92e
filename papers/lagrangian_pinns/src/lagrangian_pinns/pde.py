"""The PDEs of the paper on the periodic domain x ∈ [0, 2π), t ∈ [0, t_max].

- convection–diffusion  u_t + c·u_x = ν·u_xx        (flux F(u) = c·u)
- viscous Burgers        u_t + u·u_x = ν·u_xx        (flux F(u) = u²/2)

In the Lagrangian frame both read: along the characteristic x(ξ, t) that starts at the
label ξ, dx/dt = F'(u) (c, or u) and du/dt = ν·u_xx. The initial conditions are periodic, because
the polar embedding (cos x, sin x) of both networks assumes it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

TWO_PI = 2.0 * math.pi
KINDS = ("convection", "burgers")


def _xp(x):
    """jax.numpy for jax arrays (so u₀ can sit inside a jitted loss), NumPy otherwise."""
    return jnp if isinstance(x, jax.Array) else np


def sin_ic(c0: float = 0.0) -> Callable:
    """u₀(x) = sin x + C₀ (the convection default; with C₀ the official Burgers 'sin' case)."""

    def u0(x):
        return _xp(x).sin(x) + c0

    u0.__name__ = f"sin_plus_{c0:g}"
    return u0


def gaussian_ic(width: float = math.pi / 4) -> Callable:
    """u₀(x) = exp(−(x−π)² / (2σ²)) with σ = `width` (the paper's Gaussian bump, σ = π/4)."""
    if not width > 0:
        raise ValueError(f"width must be > 0, got {width}")

    def u0(x):
        return _xp(x).exp(-((x - math.pi) ** 2) / (2.0 * width**2))

    u0.__name__ = f"gaussian_{width:g}"
    return u0


def check_periodic(u0: Callable, tol: float = 1e-6) -> None:
    """Raise unless |u₀(0) − u₀(2π)| <= tol: the polar embedding cannot represent a jump."""
    ends = np.asarray(u0(np.array([0.0, TWO_PI])), dtype=float)
    if not np.all(np.isfinite(ends)) or abs(ends[0] - ends[1]) > tol:
        raise ValueError(
            f"u0 must be periodic on [0, 2π] (|u0(0) - u0(2π)| <= {tol}), got u0(0)={ends[0]:.6g} "
            f"and u0(2π)={ends[1]:.6g}: the (cos x, sin x) embedding assumes periodicity"
        )


@dataclass(frozen=True)
class Problem:
    """One PDE instance: `kind` in KINDS, speed c (convection only), viscosity ν, u₀, t_max."""

    kind: str
    c: float = 0.0
    nu: float = 0.0
    u0: Callable = field(default_factory=sin_ic)
    t_max: float = 1.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not (math.isfinite(self.nu) and self.nu >= 0):
            raise ValueError(f"nu (viscosity ν) must be finite and >= 0, got {self.nu}")
        if not math.isfinite(self.c):
            raise ValueError(f"c must be finite, got {self.c}")
        if not self.t_max > 0:
            raise ValueError(f"t_max must be > 0, got {self.t_max}")
        check_periodic(self.u0)

    @property
    def u0_max(self) -> float:
        """max |u₀| on a fine grid."""
        return float(np.max(np.abs(self.u0(np.linspace(0.0, TWO_PI, 4097)))))

    @property
    def speed(self) -> float:
        """The characteristic speed scale: |c| for convection, max|u₀| for Burgers."""
        return abs(self.c) if self.kind == "convection" else self.u0_max

    @property
    def displacement_scale(self) -> float:
        """S = speed · t_max, the largest distance a characteristic travels (the x-branch scale)."""
        return self.speed * self.t_max

    def flux_speed(self, u):
        """F'(u): the characteristic velocity dx/dt — c for convection, u for Burgers."""
        return self.c + 0.0 * u if self.kind == "convection" else u


def convection(c: float, nu: float = 0.0, u0: Callable | None = None) -> Problem:
    """u_t + c·u_x = ν·u_xx with u₀ = sin x unless given."""
    return Problem("convection", c=c, nu=nu, u0=u0 if u0 is not None else sin_ic())


def burgers(nu: float = 0.01, c0: float = 10.0) -> Problem:
    """u_t + u·u_x = ν·u_xx with u₀ = sin x + C₀ (official 'sin' case)."""
    return Problem("burgers", nu=nu, u0=sin_ic(c0))
