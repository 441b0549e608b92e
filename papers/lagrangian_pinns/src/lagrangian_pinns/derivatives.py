"""Derivatives of pointwise networks by batched forward-mode AD (jax.jvp), and the chain rule.

A "pointwise" function f maps x (B,), t (B,) to (B,) with f[b] depending on (x[b], t[b]) only, so
its Jacobian is diagonal and one jvp with an all-ones tangent returns every ∂f/∂x[b] at once:
no per-point loop and no reverse pass.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

Pointwise = Callable[[jnp.ndarray, jnp.ndarray], jnp.ndarray]


def d_dx(f: Pointwise) -> Pointwise:
    """∂f/∂x as a new pointwise function."""

    def fx(x, t):
        return jax.jvp(lambda x_: f(x_, t), (x,), (jnp.ones_like(x),))[1]

    return fx


def d_dt(f: Pointwise) -> Pointwise:
    """∂f/∂t as a new pointwise function."""

    def ft(x, t):
        return jax.jvp(lambda t_: f(x, t_), (t,), (jnp.ones_like(t),))[1]

    return ft


def value_and_d_dx(f: Pointwise, x: jnp.ndarray, t: jnp.ndarray):
    """(f, ∂f/∂x) at the points, from one jvp."""
    return jax.jvp(lambda x_: f(x_, t), (x,), (jnp.ones_like(x),))


def eulerian_derivatives(
    u: Pointwise, x: Pointwise, xi: jnp.ndarray, t: jnp.ndarray
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """u_x and u_xx of a field given in Lagrangian form u(ξ, t) on characteristics x(ξ, t).

    With ξ ↦ x(ξ, t) invertible at fixed t, the chain rule gives (the LPINN formulation)
        u_x  = u_ξ / x_ξ,
        u_xx = ∂_ξ(u_ξ / x_ξ) / x_ξ.
    xi, t: (B,). Returns (u_x, u_xx), each (B,).
    """
    u_xi, x_xi = d_dx(u), d_dx(x)

    def u_x(xi_, t_):
        return u_xi(xi_, t_) / x_xi(xi_, t_)

    g, g_xi = value_and_d_dx(u_x, xi, t)
    return g, g_xi / x_xi(xi, t)
