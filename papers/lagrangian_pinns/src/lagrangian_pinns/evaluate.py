"""Evaluation on the Eulerian grid: periodic interpolation of LPINN output and the relative error.

The LPINN predicts u on moving points x(ξ_i, t_j). At each t_j these are wrapped mod 2π, sorted,
and u is interpolated linearly and periodically onto the uniform grid (official `LPINN.py` does
the same, without the wrap, which breaks as soon as a characteristic leaves [0, 2π)).
"""

from __future__ import annotations

import warnings

import jax.numpy as jnp
import numpy as np

from lagrangian_pinns.baselines import PINN_POLAR
from lagrangian_pinns.derivatives import d_dx
from lagrangian_pinns.lpinn import LPINN_POLAR
from lagrangian_pinns.pde import TWO_PI


def periodic_interp(points: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Linear, 2π-periodic interpolation of scattered (points, values) (P,) at query (Q,) -> (Q,).

    Points may be in any order and outside [0, 2π): they are wrapped and sorted first.
    """
    points, values = np.asarray(points, float), np.asarray(values, float)
    if points.shape != values.shape or points.ndim != 1 or points.size < 2:
        raise ValueError(
            f"points and values must be 1-d of one shape with >= 2 entries, got "
            f"{points.shape} and {values.shape}"
        )
    wrapped = np.mod(points, TWO_PI)
    order = np.argsort(wrapped, kind="stable")
    p, v = wrapped[order], values[order]
    p = np.concatenate([p[-1:] - TWO_PI, p, p[:1] + TWO_PI])
    v = np.concatenate([v[-1:], v, v[:1]])
    return np.interp(np.mod(query, TWO_PI), p, v)


def relative_l2(pred: np.ndarray, ref: np.ndarray, offset: float = 0.0) -> float:
    """‖pred − ref‖₂ / ‖ref − offset‖₂ over the whole space-time grid.

    For Burgers with u₀ = sin x + C₀ the offset is C₀ (official convention): otherwise the large
    constant in the denominator hides the error.
    """
    pred, ref = np.asarray(pred, float), np.asarray(ref, float)
    if pred.shape != ref.shape:
        raise ValueError(f"pred and ref must have one shape, got {pred.shape} and {ref.shape}")
    return float(np.linalg.norm(pred - ref) / np.linalg.norm(ref - offset))


def pinn_prediction(model: PINN_POLAR, params, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """u_θ on the grid x (n,) × t (m,) -> (n, m)."""
    xx, tt = np.meshgrid(x, t, indexing="ij")
    u = model.u(params, jnp.asarray(xx.ravel()), jnp.asarray(tt.ravel()))
    return np.asarray(u, dtype=float).reshape(xx.shape)


def lpinn_lagrangian(model: LPINN_POLAR, params, xi: np.ndarray, t: np.ndarray):
    """(x(ξ_i, t_j), u(ξ_i, t_j), x_ξ(ξ_i, t_j)) on the label grid ξ (n,) × t (m,), each (n, m)."""
    xx, tt = np.meshgrid(xi, t, indexing="ij")
    a, b = jnp.asarray(xx.ravel()), jnp.asarray(tt.ravel())
    x = model.x(params, a, b)
    u = model.u(params, a, b)
    x_xi = d_dx(lambda p, q: model.x(params, p, q))(a, b)
    return tuple(np.asarray(v, dtype=float).reshape(xx.shape) for v in (x, u, x_xi))


def lpinn_prediction(model: LPINN_POLAR, params, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """LPINN's u on the Eulerian grid x (n,) × t (m,) -> (n, m), labels ξ on the same grid.

    Warns when characteristics cross (x_ξ <= 0 somewhere); the error is still computed.
    """
    xs, us, x_xi = lpinn_lagrangian(model, params, x, t)
    if np.any(x_xi <= 0):
        warnings.warn(
            f"crossing characteristics: x_ξ <= 0 at {int(np.sum(x_xi <= 0))} grid points "
            f"(min x_ξ = {x_xi.min():.3g}); interpolating anyway",
            RuntimeWarning,
            stacklevel=2,
        )
    return np.stack([periodic_interp(xs[:, j], us[:, j], x) for j in range(t.size)], axis=1)
