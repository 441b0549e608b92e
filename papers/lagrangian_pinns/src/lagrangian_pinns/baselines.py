"""The baseline: the Eulerian PINN with a strictly periodic input, `PINN_POLAR`.

u_θ(x, t) = N_θ(cos x, sin x, t), a tanh MLP (official DEEPu = 5, HIDDEN = 50). Loss (official
`mynet_POLAR0.py`, unsquared norms):

    L(θ) = γ_r·‖u_t + F'(u)·u_x − ν·u_xx‖₂ + γ_ic·‖u(x, 0) − u₀(x)‖₂

with F'(u) = c (convection) or u (Burgers). The periodic boundary needs no loss term.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from lagrangian_pinns.derivatives import d_dt, d_dx
from lagrangian_pinns.networks import MLP, check_architecture, polar_features
from lagrangian_pinns.pde import Problem


@dataclass(frozen=True)
class PINNWeights:
    """γ_r, γ_ic. The default γ_ic = 100 is the pilot-measured amendment; official is 1000."""

    gamma_r: float = 1.0
    gamma_ic: float = 100.0


@dataclass(frozen=True)
class PINN_POLAR:
    """u_θ(cos x, sin x, t) with `depth` hidden layers of `width` tanh units."""

    depth: int = 5
    width: int = 50

    def __post_init__(self):
        check_architecture(self.depth, self.width)

    @property
    def net(self) -> MLP:
        return MLP(self.depth, self.width)

    def init(self, key: jax.Array):
        return self.net.init(key, jnp.zeros((1, 3)))

    def u(self, params, x: jnp.ndarray, t: jnp.ndarray) -> jnp.ndarray:
        """u_θ at points x (B,), t (B,) -> (B,)."""
        return self.net.apply(params, polar_features(x, t))[:, 0]


def pinn_residual(u, problem: Problem, x: jnp.ndarray, t: jnp.ndarray) -> jnp.ndarray:
    """r = u_t + F'(u)·u_x − ν·u_xx for a pointwise u(x, t); x, t (B,) -> (B,)."""
    u_x = d_dx(u)
    r = d_dt(u)(x, t) + problem.flux_speed(u(x, t)) * u_x(x, t)
    return r if problem.nu == 0 else r - problem.nu * d_dx(u_x)(x, t)


def pinn_loss(
    params,
    model: PINN_POLAR,
    problem: Problem,
    x: jnp.ndarray,
    t: jnp.ndarray,
    x0: jnp.ndarray,
    weights: PINNWeights = PINNWeights(),
    residual_scale: float = 1.0,
) -> jnp.ndarray:
    """The scalar PINN loss on collocation points (x, t) (B,) and initial points x0 (N,).

    `residual_scale` divides the residual (the Hessian diagnostic uses the speed scale).
    """

    def u(x_, t_):
        return model.u(params, x_, t_)

    r = pinn_residual(u, problem, x, t) / residual_scale
    ic = u(x0, jnp.zeros_like(x0)) - problem.u0(x0)
    return weights.gamma_r * jnp.linalg.norm(r) + weights.gamma_ic * jnp.linalg.norm(ic)
