"""Training: Adam with an exponentially decaying learning rate, jitted chunks of steps.

The official code runs Adam (lr 0.01) for 1e6 epochs, then 100 L-BFGS steps. Here Adam decays
exponentially from `lr_init` to `lr_final` over the run (pilot amendment: 1e-2 -> 1e-4; the
official-style 1e-3 -> 1e-4 is an option). Steps run `chunk` at a time inside one `jax.lax.scan`
under `jax.jit`; a non-finite loss stops training with `TrainingDiverged`, which carries the last
parameters whose loss was finite and the loss history up to them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
import optax


@dataclass(frozen=True)
class TrainConfig:
    steps: int
    lr_init: float = 1e-2
    lr_final: float = 1e-4
    chunk: int = 100

    def __post_init__(self):
        if self.steps < 1 or self.chunk < 1:
            raise ValueError(f"steps and chunk must be >= 1, got {self.steps}, {self.chunk}")
        if self.steps % self.chunk:
            raise ValueError(f"steps must be a multiple of chunk, got {self.steps}, {self.chunk}")
        if not 0 < self.lr_final <= self.lr_init:
            raise ValueError(f"need 0 < lr_final <= lr_init, got {self.lr_final}, {self.lr_init}")

    def optimizer(self) -> optax.GradientTransformation:
        decay = optax.exponential_decay(
            self.lr_init, transition_steps=self.steps, decay_rate=self.lr_final / self.lr_init
        )
        return optax.adam(decay)


@dataclass
class TrainResult:
    params: object
    losses: np.ndarray  # (steps,) loss before each step
    history: list[dict] = field(default_factory=list)  # one row per chunk: step, train_s, metrics
    train_s: float = 0.0  # wall time of the jitted steps only (compilation and evaluation excluded)


class TrainingDiverged(FloatingPointError):
    """The loss became NaN/inf; `.params` are the last finite parameters, `.losses` the history."""

    def __init__(self, step: int, params, losses: np.ndarray):
        super().__init__(f"loss is not finite at step {step}; training stopped")
        self.step, self.params, self.losses = step, params, losses


def make_chunk(loss_fn: Callable, optimizer: optax.GradientTransformation, chunk: int):
    """A jitted function running `chunk` Adam steps: (params, opt_state, good, bad) -> same, losses.

    `good` holds the last parameters with a finite loss; after the first non-finite loss, `bad` is
    set and nothing changes any more.
    """
    value_and_grad = jax.value_and_grad(loss_fn)

    def step(carry, _):
        params, opt_state, good, bad = carry
        loss, grads = value_and_grad(params)
        ok = jnp.isfinite(loss) & ~bad
        updates, new_state = optimizer.update(grads, opt_state, params)
        new_params = optax.apply_updates(params, updates)

        def pick(a, b):
            return jax.tree_util.tree_map(lambda p, q: jnp.where(ok, p, q), a, b)

        carry = (pick(new_params, params), pick(new_state, opt_state), pick(params, good), ~ok)
        return carry, loss

    def run(params, opt_state, good, bad):
        return jax.lax.scan(step, (params, opt_state, good, bad), None, length=chunk)

    return jax.jit(run)


def train(
    loss_fn: Callable,
    params,
    config: TrainConfig,
    *,
    evaluate: Callable | None = None,
    progress=None,
) -> TrainResult:
    """Minimise loss_fn(params) for config.steps steps; `evaluate(params) -> dict` after each chunk.

    Raises TrainingDiverged on a non-finite loss (with the last finite params and the losses).
    """
    optimizer = config.optimizer()
    opt_state = optimizer.init(params)
    good, bad = params, jnp.asarray(False)
    chunks = config.steps // config.chunk
    run = make_chunk(loss_fn, optimizer, config.chunk).lower(params, opt_state, params, bad)
    run = run.compile()
    losses, history, train_s = [], [], 0.0
    for k in range(chunks):
        t0 = time.perf_counter()
        (params, opt_state, good, bad), chunk_losses = run(params, opt_state, good, bad)
        chunk_losses = np.asarray(jax.block_until_ready(chunk_losses))
        train_s += time.perf_counter() - t0
        if bool(bad):
            first = int(np.argmax(~np.isfinite(chunk_losses)))
            losses.extend(chunk_losses[:first].tolist())
            raise TrainingDiverged(k * config.chunk + first, good, np.asarray(losses))
        losses.extend(chunk_losses.tolist())
        row = {"step": (k + 1) * config.chunk, "train_s": train_s}
        if evaluate is not None:
            row.update(evaluate(params))
        history.append(row)
        if progress is not None:
            progress.update(1)
    return TrainResult(params, np.asarray(losses), history, train_s)
