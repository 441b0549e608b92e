"""Diagnostics of the paper's explanation: Kolmogorov n-width and loss landscapes.

- n-width proxy: the singular values of the snapshot matrix [u(·, t_1), …, u(·, t_m)]; a slow decay
  (many modes for 99.9 % of the energy) is what a transport problem shows in the Eulerian frame
  and loses in the Lagrangian frame, where a pure convection is one mode.
- loss landscape sharpness: the top Hessian eigenvalue λ_max at the trained parameters, by power
  iteration on Hessian–vector products (forward-over-reverse: jvp of grad), as PyHessian does.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree


def snapshot_singular_values(snapshots: np.ndarray) -> np.ndarray:
    """Singular values (descending) of a snapshot matrix (n, m), columns = times."""
    return np.linalg.svd(np.asarray(snapshots, dtype=float), compute_uv=False)


def modes_for_energy(singular_values: np.ndarray, fraction: float = 0.999) -> int:
    """The fewest leading modes whose σ² sum reaches `fraction` of the total energy Σσ²."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    energy = np.cumsum(np.asarray(singular_values, float) ** 2)
    return int(np.searchsorted(energy, fraction * energy[-1] * (1 - 1e-12)) + 1)


def top_hessian_eigenvalue(loss_fn: Callable, params, key: jax.Array, iters: int = 30) -> float:
    """λ_max of ∇²loss_fn at params by `iters` power iterations on Hessian–vector products."""
    if iters < 1:
        raise ValueError(f"iters must be >= 1, got {iters}")
    flat, unravel = ravel_pytree(params)

    def f(v):
        return loss_fn(unravel(v))

    @jax.jit
    def hvp(v):
        return jax.jvp(jax.grad(f), (flat,), (v,))[1]

    v = jax.random.normal(key, flat.shape, flat.dtype)
    v = v / jnp.linalg.norm(v)
    eigenvalue = 0.0
    for _ in range(iters):
        hv = hvp(v)
        eigenvalue = float(jnp.vdot(v, hv))
        v = hv / jnp.linalg.norm(hv)
    return eigenvalue
