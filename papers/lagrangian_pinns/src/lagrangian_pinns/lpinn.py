"""The paper's contribution: the Lagrangian PINN, `LPINN_POLAR`.

Two parallel branches, both fed the polar embedding of the Lagrangian label ξ (the initial
position of a characteristic):

- u-branch   u(ξ, t) = U_θ(cos ξ, sin ξ, t)                    (state on the characteristics)
- x-branch   x(ξ, t) = ξ + S·X_φ(cos ξ, sin ξ, t)               (the characteristic curves)

S is the displacement scale (|c|·t_max or max|u₀|·t_max), so X_φ = O(1) however fast the flow;
the exact characteristic is never used. Residuals of the Lagrangian form:

    r_x = x_t − F'(u)          (F' = c for convection, u for Burgers)
    r_u = u_t − ν·u_xx         (u_xx by the chain rule, `derivatives.eulerian_derivatives`)

Loss (official defaults γ_rx = 10, γ_ru = 1; γ_ic = 100 by the pilot amendment, official 1000):

    L = γ_rx·‖r_x‖ + γ_ru·‖r_u‖ + γ_ic·(‖x(ξ, 0) − ξ‖ + ‖u(ξ, 0) − u₀(ξ)‖)

`approx_label_derivs=True` reproduces the official code, which uses u_ξξ in place of u_xx;
`share_layers=True` reproduces its shared hidden trunk (one MLP with two outputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from lagrangian_pinns.derivatives import d_dt, d_dx, eulerian_derivatives
from lagrangian_pinns.networks import MLP, check_architecture, polar_features
from lagrangian_pinns.pde import Problem


@dataclass(frozen=True)
class LPINNWeights:
    """γ_rx, γ_ru, γ_ic."""

    gamma_rx: float = 10.0
    gamma_ru: float = 1.0
    gamma_ic: float = 100.0


@dataclass(frozen=True)
class LPINN_POLAR:
    """The two-branch LPINN; `scale` is S, the x-branch displacement scale."""

    scale: float
    u_depth: int = 5
    x_depth: int = 2
    width: int = 50
    share_layers: bool = False
    approx_label_derivs: bool = False

    def __post_init__(self):
        check_architecture(self.u_depth, self.width)
        check_architecture(self.x_depth, self.width)
        if not self.scale >= 0:
            raise ValueError(f"scale (S) must be >= 0, got {self.scale}")

    @classmethod
    def for_problem(cls, problem: Problem, **kwargs) -> LPINN_POLAR:
        return cls(scale=problem.displacement_scale, **kwargs)

    def init(self, key: jax.Array):
        z = jnp.zeros((1, 3))
        if self.share_layers:
            return {"trunk": MLP(self.u_depth, self.width, 2).init(key, z)}
        ku, kx = jax.random.split(key)
        return {
            "u": MLP(self.u_depth, self.width).init(ku, z),
            "x": MLP(self.x_depth, self.width).init(kx, z),
        }

    def _outputs(self, params, xi, t):
        z = polar_features(xi, t)
        if self.share_layers:
            out = MLP(self.u_depth, self.width, 2).apply(params["trunk"], z)
            return out[:, 0], out[:, 1]
        u = MLP(self.u_depth, self.width).apply(params["u"], z)[:, 0]
        x = MLP(self.x_depth, self.width).apply(params["x"], z)[:, 0]
        return u, x

    def u(self, params, xi: jnp.ndarray, t: jnp.ndarray) -> jnp.ndarray:
        """u(ξ, t): ξ (B,), t (B,) -> (B,)."""
        return self._outputs(params, xi, t)[0]

    def x(self, params, xi: jnp.ndarray, t: jnp.ndarray) -> jnp.ndarray:
        """x(ξ, t) = ξ + S·X_φ(cos ξ, sin ξ, t): (B,), (B,) -> (B,), not wrapped mod 2π."""
        return xi + self.scale * self._outputs(params, xi, t)[1]


def lpinn_residuals(
    u, x, problem: Problem, xi: jnp.ndarray, t: jnp.ndarray, approx_label_derivs: bool = False
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """(r_x, r_u) for pointwise u(ξ, t), x(ξ, t) at points ξ, t (B,); each (B,)."""
    r_x = d_dt(x)(xi, t) - problem.flux_speed(u(xi, t))
    if problem.nu == 0:
        u_xx = jnp.zeros_like(xi)
    elif approx_label_derivs:
        u_xx = d_dx(d_dx(u))(xi, t)
    else:
        u_xx = eulerian_derivatives(u, x, xi, t)[1]
    r_u = d_dt(u)(xi, t) - problem.nu * u_xx
    return r_x, r_u


def lagrangian_loss(
    u,
    x,
    problem: Problem,
    xi: jnp.ndarray,
    t: jnp.ndarray,
    xi0: jnp.ndarray,
    weights: LPINNWeights = LPINNWeights(),
    approx_label_derivs: bool = False,
    residual_scale: float = 1.0,
) -> jnp.ndarray:
    """The LPINN loss of any pointwise pair u(ξ, t), x(ξ, t) (the function interface).

    Collocation (ξ, t) (B,), initial labels ξ0 (N,); `residual_scale` divides both residuals.
    """
    r_x, r_u = lpinn_residuals(u, x, problem, xi, t, approx_label_derivs)
    t0 = jnp.zeros_like(xi0)
    return (
        weights.gamma_rx * jnp.linalg.norm(r_x / residual_scale)
        + weights.gamma_ru * jnp.linalg.norm(r_u / residual_scale)
        + weights.gamma_ic
        * (jnp.linalg.norm(x(xi0, t0) - xi0) + jnp.linalg.norm(u(xi0, t0) - problem.u0(xi0)))
    )


def lpinn_loss(
    params,
    model: LPINN_POLAR,
    problem: Problem,
    xi: jnp.ndarray,
    t: jnp.ndarray,
    xi0: jnp.ndarray,
    weights: LPINNWeights = LPINNWeights(),
    residual_scale: float = 1.0,
) -> jnp.ndarray:
    """The LPINN loss at network parameters (see `lagrangian_loss`)."""
    return lagrangian_loss(
        lambda a, b: model.u(params, a, b),
        lambda a, b: model.x(params, a, b),
        problem,
        xi,
        t,
        xi0,
        weights,
        model.approx_label_derivs,
        residual_scale,
    )
