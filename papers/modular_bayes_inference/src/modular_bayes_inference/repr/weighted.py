"""The Sampler and Weighted representations, and the stepping of a program they share.

Sampler (monad-bayes `SamplerIO`) interprets `Sample` by drawing u ~ U(0, 1) and x = F⁻¹(u); it
has no meaning for `Score`. Weighted (`Weighted m`) additionally accumulates log w = Σ logw over
the `Score` nodes it passes, so `weighted(p)` is a draw (x, log w) with E[w f(x)] = ∫ f d⟦p⟧.

`run_to_score` is the operational core of every sampling-based representation: it advances one
program until just *after* its next `Score` node (or to `Pure`), which is exactly one step of the
`Sequential` coroutine; `run_to_end` runs all the way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from modular_bayes_inference.distributions import FreshUniforms
from modular_bayes_inference.program import Lift, Program, Pure, Sample, Score

Uniforms = Callable[[], float]


def run_to_score(prog: Program, draw: Uniforms, rng: np.random.Generator) -> tuple[Program, float]:
    """Run `prog` through its next `Score`; returns (the program after it, that score's logw).

    A finished program (`Pure`) is returned unchanged with logw 0.
    """
    while True:
        t = type(prog)
        if t is Sample:
            prog = prog.k(prog.dist.quantile(draw()))
        elif t is Score:
            return prog.k(), prog.logw
        elif t is Pure:
            return prog, 0.0
        elif t is Lift:
            prog = prog.k(prog.run(rng))
        else:
            raise TypeError(f"not a Program node: {type(prog).__name__}")


def run_to_end(prog: Program, draw: Uniforms, rng: np.random.Generator) -> tuple[Any, float]:
    """Run `prog` to `Pure`; returns (its value x, Σ logw of every score passed)."""
    logw = 0.0
    while True:
        t = type(prog)
        if t is Sample:
            prog = prog.k(prog.dist.quantile(draw()))
        elif t is Score:
            logw += prog.logw
            prog = prog.k()
        elif t is Pure:
            return prog.value, logw
        elif t is Lift:
            prog = prog.k(prog.run(rng))
        else:
            raise TypeError(f"not a Program node: {type(prog).__name__}")


def sampler(prog: Program, rng: np.random.Generator) -> Any:
    """Sampler: one draw x ~ ⟦prog⟧ of a program without `Score` nodes."""
    draw = FreshUniforms(rng)
    while True:
        t = type(prog)
        if t is Sample:
            prog = prog.k(prog.dist.quantile(draw()))
        elif t is Pure:
            return prog.value
        elif t is Lift:
            prog = prog.k(prog.run(rng))
        elif t is Score:
            raise TypeError(f"Sampler cannot interpret Score at site '{prog.site}'; use weighted()")
        else:
            raise TypeError(f"not a Program node: {type(prog).__name__}")


def weighted(prog: Program, rng: np.random.Generator) -> tuple[Any, float]:
    """Weighted: one draw (x, log w) with E[w f(x)] = ∫ f d⟦prog⟧."""
    return run_to_end(prog, FreshUniforms(rng), rng)
