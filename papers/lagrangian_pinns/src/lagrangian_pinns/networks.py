"""The tanh MLP and the polar embedding (cos x, sin x, t) shared by both models.

Feeding (cos x, sin x) instead of x makes every network exactly 2π-periodic in x (or ξ): the
periodic boundary condition is imposed strictly, not as a soft loss term.
"""

from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp


def polar_features(x: jnp.ndarray, t: jnp.ndarray) -> jnp.ndarray:
    """(B,), (B,) -> (B, 3): the embedding (cos x, sin x, t)."""
    return jnp.stack([jnp.cos(x), jnp.sin(x), t], axis=-1)


class MLP(nn.Module):
    """`depth` hidden tanh layers of `width` units, then a linear layer to `outputs` units."""

    depth: int
    width: int
    outputs: int = 1

    @nn.compact
    def __call__(self, z: jnp.ndarray) -> jnp.ndarray:
        for _ in range(self.depth):
            z = jnp.tanh(nn.Dense(self.width)(z))
        return nn.Dense(self.outputs)(z)


def check_architecture(depth: int, width: int) -> None:
    if depth < 1 or width < 1:
        raise ValueError(f"depth and width must be >= 1, got depth={depth}, width={width}")
