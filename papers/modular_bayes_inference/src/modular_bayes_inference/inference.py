"""Inference algorithms, written only as compositions of representation transformations (§7).

A transformation is a function (representation, rng) -> representation; `compose(f, g, h)` is
f ∘ g ∘ h (h runs first) and `compose_copies(k, f)` is f^k (monad-bayes `composeCopies`).
Each algorithm below is a one-line composition of the valid building blocks of `repr/`, so it is
valid because they are (the paper's modularity argument):

    sis(f, k)        = finish ∘ f'^k,  f' = advance ∘ hoistS(f)
    smc(k, n, r)     = sis(r, k) ∘ hoistS(spawn n)
    importance(n)    = finish ∘ hoistS(spawn n)
    rmsmc(k, n, t)   = marginal ∘ sis(mhStep^t ∘ hoistT(resample_systematic), k)
                                ∘ hoistS(hoistT(spawn n))
    mh(steps)        = the chain of outputs of mhStep^steps on one prior trace
    pmmh(t, k, n, θ, model) = mh(t) on  θ >>= λθ. lift(smc(k, n, systematic)(model θ))
                                         >>= λp. factor(log Ẑ(p)) >> return (θ, p)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from modular_bayes_inference.program import Program, bind, factor, lift, pure
from modular_bayes_inference.repr.population import (
    Population,
    Transform,
    resample_systematic,
    spawn,
)
from modular_bayes_inference.repr.sequential import (
    advance,
    as_sequential,
    as_sequential_traced,
    finish,
    hoist_s,
)
from modular_bayes_inference.repr.traced import as_traced, hoist_t, marginal, mh_step


def compose(*fs: Transform) -> Transform:
    """f_1 ∘ f_2 ∘ … ∘ f_m, threading one rng through them (the last runs first)."""

    def composed(x: Any, rng: np.random.Generator) -> Any:
        for f in reversed(fs):
            x = f(x, rng)
        return x

    return composed


def compose_copies(k: int, f: Transform) -> Transform:
    """composeCopies k f = f ∘ f ∘ … ∘ f (k times)."""
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    return compose(*([f] * k))


def sis(f: Transform, k: int) -> Transform:
    """Sequential importance sampling with f applied to the inner representation before each
    of the k coroutine steps, then `finish`."""
    return compose(finish, compose_copies(k, compose(advance, hoist_s(f))))


def smc(
    k: int, n: int, resampler: Transform
) -> Callable[[Program, np.random.Generator], Population]:
    """Sequential Monte Carlo with n particles, resampling before each of k steps."""
    return compose(sis(resampler, k), hoist_s(spawn(n)), as_sequential)


def importance(n: int) -> Callable[[Program, np.random.Generator], Population]:
    """n independent weighted runs (importance sampling from the prior)."""
    return compose(finish, hoist_s(spawn(n)), as_sequential)


def rmsmc(k: int, n: int, t: int) -> Callable[[Program, np.random.Generator], Population]:
    """Resample-move SMC: systematic resampling then t MH steps on every trace, at each step."""
    move = compose(compose_copies(t, mh_step), hoist_t(resample_systematic))
    return compose(marginal, sis(move, k), hoist_s(hoist_t(spawn(n))), as_sequential_traced)


def mh(steps: int) -> Callable[[Program, np.random.Generator], list[Any]]:
    """Single-site trace MH: the chain x_0, …, x_steps (x_0 from the prior)."""
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")

    def run(prog: Program, rng: np.random.Generator) -> list[Any]:
        traced = as_traced(prog, rng)
        chain = [traced.traces.values[0].output]
        for _ in range(steps):
            traced = mh_step(traced, rng)
            chain.append(traced.traces.values[0].output)
        return chain

    return run


def pmmh(
    t: int, k: int, n: int, param: Program, model: Callable[[Any], Program]
) -> Callable[[np.random.Generator], list[tuple[Any, Population]]]:
    """Particle marginal MH: MH over θ ~ `param`, with the SMC evidence Ẑ(θ) as its likelihood.

    The SMC runs in the inner monad (`lift`), untraced: every proposal draws a fresh Ẑ(θ'), and
    the current state keeps its own Ẑ(θ) in its trace density (pseudo-marginal MH).
    """
    run_smc = smc(k, n, resample_systematic)

    def likelihood(theta: Any) -> Program:
        estimate = lift(functools.partial(run_smc, model(theta)), site="pmmh.smc")
        return bind(
            estimate,
            lambda pop: bind(
                factor(pop.evidence, site="pmmh.evidence"), lambda _: pure((theta, pop))
            ),
        )

    chain = mh(t)
    return lambda rng: chain(bind(param, likelihood), rng)
