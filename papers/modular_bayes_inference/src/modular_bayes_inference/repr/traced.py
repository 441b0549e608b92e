"""The Traced representation and its Metropolis-Hastings transformation (paper §6-§7).

A trace t = (u, x, ρ) records the list of uniforms u = (u_0, …, u_{n-1}) a run consumed, its
output x and its density ρ = Π exp(logw) over the scores it passed (uniform draws have density
1). Because every distribution is a quantile map of a uniform, the model is a deterministic
function u ↦ (x, ρ), re-run by `ProgramModel`.

`Traced(model, traces)` pairs that model with a population of traces (the inner representation,
monad-bayes `Traced (Population m)`). `hoist_t(f)` transforms the inner population, `marginal`
forgets the traces, and `mh_step` applies monad-bayes' `mhTrans` to every trace:

    pick i uniformly in 0..n-1, redraw u_i ~ U(0, 1), re-run the model on the modified list
    (extended with fresh uniforms or truncated, as the new run needs), and accept the new trace
    (u', x', ρ') with probability  min(1, ρ' · n / (ρ · n')).

The factor n / n' is the ratio of the reverse and forward site-choice probabilities when the
number of draws changes: the trans-dimensional (Green) correction of the QBS
Metropolis-Hastings-Green theorem (paper §8).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from modular_bayes_inference.distributions import ReplayUniforms
from modular_bayes_inference.program import Program
from modular_bayes_inference.repr.population import Population, Transform
from modular_bayes_inference.repr.weighted import run_to_end, run_to_score


@dataclass(frozen=True)
class Trace:
    uniforms: tuple[float, ...]
    output: Any
    logdensity: float


@dataclass(frozen=True)
class ProgramModel:
    """A program run as a function of its uniforms: to its `scores`-th score, or to the end.

    With `scores = j` the output is the suspended program just after the j-th score: the model of
    a `Sequential (Traced …)` particle at time j. With `scores = None` it is the final value.
    """

    root: Program
    scores: int | None = None

    def __call__(self, us: Sequence[float], rng: np.random.Generator) -> Trace:
        draw = ReplayUniforms(us, rng)
        if self.scores is None:
            out, logw = run_to_end(self.root, draw, rng)
        else:
            out, logw = self.root, 0.0
            for _ in range(self.scores):
                out, s = run_to_score(out, draw, rng)
                logw += s
        return Trace(tuple(draw.used), out, logw)


@dataclass(frozen=True)
class Traced:
    model: ProgramModel
    traces: Population  # of Trace


def as_traced(prog: Program, rng: np.random.Generator) -> Traced:
    """One trace of `prog` drawn from the prior (fresh uniforms), weight 1."""
    model = ProgramModel(prog)
    return Traced(model, Population.single(model((), rng)))


def hoist_t(f: Transform) -> Transform:
    """hoistT: apply a transformation of the inner population, keeping the model."""

    def hoisted(traced: Traced, rng: np.random.Generator) -> Traced:
        return Traced(traced.model, f(traced.traces, rng))

    hoisted.__name__ = f"hoistT({getattr(f, '__name__', 'f')})"
    return hoisted


def marginal(traced: Traced, rng: np.random.Generator) -> Population:
    """Forget the traces: the population of outputs with the same weights."""
    return Population([t.output for t in traced.traces.values], traced.traces.logw)


def propose(model: ProgramModel, trace: Trace, i: int, u: float, rng: np.random.Generator) -> Trace:
    """Re-run `model` on the trace's uniforms with u_i replaced by u."""
    us = list(trace.uniforms)
    us[i] = u
    return model(us, rng)


def log_acceptance(old: Trace, new: Trace) -> float:
    """log min(1, ρ' n / (ρ n')); a move away from a density-0 trace is always accepted."""
    if new.logdensity == -math.inf:
        return -math.inf
    if old.logdensity == -math.inf:
        return 0.0
    n, n_new = len(old.uniforms), max(len(new.uniforms), 1)
    return min(0.0, new.logdensity - old.logdensity + math.log(n) - math.log(n_new))


def mh_trans(model: ProgramModel, trace: Trace, rng: np.random.Generator) -> Trace:
    """One single-site MH move on a trace; a trace with no draws is returned unchanged."""
    n = len(trace.uniforms)
    if n == 0:
        return trace
    i = int(rng.integers(n))
    new = propose(model, trace, i, float(rng.random()), rng)
    return new if rng.random() < math.exp(log_acceptance(trace, new)) else trace


def mh_step(traced: Traced, rng: np.random.Generator) -> Traced:
    """mhStep: `mh_trans` applied to every trace; the population weights are untouched."""
    pop = traced.traces
    moved = [mh_trans(traced.model, t, rng) for t in pop.values]
    return Traced(traced.model, Population(moved, pop.logw))
