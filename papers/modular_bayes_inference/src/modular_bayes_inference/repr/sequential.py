"""The Sequential representation: programs as coroutines suspended after each score (paper §5).

`Sequential inner` holds an inner representation whose particles are *suspended programs*:
either a `Population` of programs, or a `Traced` whose traces output programs (the model then
re-runs the prefix up to the current score, so MH can move everything drawn so far).

    advance    run every particle up to just after its next Score (one coroutine step)
    finish     run every particle to the end; returns the inner representation of final values
    hoist_s(f) apply f to the inner representation (e.g. resampling between steps)

Neither changes the measure: advancing only moves a score from the continuation into the weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modular_bayes_inference.distributions import FreshUniforms
from modular_bayes_inference.program import Program
from modular_bayes_inference.repr.population import Population, Transform
from modular_bayes_inference.repr.traced import ProgramModel, Trace, Traced
from modular_bayes_inference.repr.weighted import run_to_end, run_to_score


@dataclass(frozen=True)
class Sequential:
    inner: Population | Traced


def as_sequential(prog: Program, rng: np.random.Generator) -> Sequential:
    """`Sequential (Population m)`: one particle, the whole program, weight 1."""
    return Sequential(Population.single(prog))


def as_sequential_traced(prog: Program, rng: np.random.Generator) -> Sequential:
    """`Sequential (Traced (Population m))`: one empty trace at time 0."""
    return Sequential(Traced(ProgramModel(prog, 0), Population.single(Trace((), prog, 0.0))))


def hoist_s(f: Transform) -> Transform:
    """hoistS: apply a transformation to the inner representation."""

    def hoisted(seq: Sequential, rng: np.random.Generator) -> Sequential:
        return Sequential(f(seq.inner, rng))

    hoisted.__name__ = f"hoistS({getattr(f, '__name__', 'f')})"
    return hoisted


class _Recorder:
    """Fresh uniforms that remember what they handed out (a trace grows by these)."""

    __slots__ = ("_fresh", "used")

    def __init__(self, fresh: FreshUniforms):
        self._fresh = fresh
        self.used: list[float] = []

    def __call__(self) -> float:
        u = self._fresh()
        self.used.append(u)
        return u


def advance(seq: Sequential, rng: np.random.Generator) -> Sequential:
    """Run every particle to just after its next Score, multiplying that score into its weight."""
    inner, fresh = seq.inner, FreshUniforms(rng)
    if isinstance(inner, Population):
        steps = [run_to_score(p, fresh, rng) for p in inner.values]
        logw = inner.logw + np.array([s for _, s in steps])
        return Sequential(Population([p for p, _ in steps], logw))
    traces, scores = [], []
    for t in inner.traces.values:
        rec = _Recorder(fresh)
        prog, s = run_to_score(t.output, rec, rng)
        traces.append(Trace(t.uniforms + tuple(rec.used), prog, t.logdensity + s))
        scores.append(s)
    model = ProgramModel(inner.model.root, inner.model.scores + 1)
    return Sequential(Traced(model, Population(traces, inner.traces.logw + np.array(scores))))


def finish(seq: Sequential, rng: np.random.Generator) -> Population | Traced:
    """Run every particle to the end; the inner representation of the final values."""
    inner, fresh = seq.inner, FreshUniforms(rng)
    if isinstance(inner, Population):
        ends = [run_to_end(p, fresh, rng) for p in inner.values]
        return Population([x for x, _ in ends], inner.logw + np.array([s for _, s in ends]))
    traces, scores = [], []
    for t in inner.traces.values:
        rec = _Recorder(fresh)
        x, s = run_to_end(t.output, rec, rng)
        traces.append(Trace(t.uniforms + tuple(rec.used), x, t.logdensity + s))
        scores.append(s)
    model = ProgramModel(inner.model.root, None)
    return Traced(model, Population(traces, inner.traces.logw + np.array(scores)))
