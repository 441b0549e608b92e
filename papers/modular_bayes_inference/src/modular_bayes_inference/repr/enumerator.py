"""The Enumerator representation: the exact (unnormalised) measure of a finite program.

monad-bayes `Enumerator` explores every branch of every `Sample` with finite support and
multiplies the branch's mass into the weight of each path. Here a path keeps the list of
(distribution, value) choices it made, so an exact posterior draw can be turned into a trace of
uniforms (see `validate.trace_from_draws`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp

from modular_bayes_inference.distributions import Distribution
from modular_bayes_inference.program import Lift, Program, Pure, Sample, Score

Draws = tuple[tuple[Distribution, Any], ...]


@dataclass(frozen=True)
class Path:
    value: Any
    logw: float
    draws: Draws


@dataclass(frozen=True)
class Enumerator:
    """All paths of a program; `measure()` sums their weights per (hashable) value."""

    paths: tuple[Path, ...]

    def measure(self) -> dict[Hashable, float]:
        """The unnormalised measure {x: log μ({x})}, paths of weight 0 dropped."""
        acc: dict[Hashable, list[float]] = {}
        for p in self.paths:
            if p.logw > -math.inf:
                acc.setdefault(p.value, []).append(p.logw)
        return {x: float(logsumexp(ws)) for x, ws in acc.items()}

    @property
    def log_evidence(self) -> float:
        """log Z = log μ(X), -inf when every path has weight 0."""
        ws = [p.logw for p in self.paths if p.logw > -math.inf]
        return float(logsumexp(ws)) if ws else -math.inf

    def expectation(self, f: Callable[[Any], float], normalized: bool = False) -> float:
        """∫ f dμ, or E_posterior[f] when `normalized`."""
        logw = np.array([p.logw for p in self.paths])
        w = np.exp(logw - self.log_evidence) if normalized else np.exp(logw)
        return float(sum(wi * f(p.value) for wi, p in zip(w, self.paths, strict=True) if wi > 0))

    def posterior(self) -> dict[Hashable, float]:
        """The normalised distribution {x: p(x | data)}."""
        z = self.log_evidence
        return {x: math.exp(lw - z) for x, lw in self.measure().items()}


def enumerate_program(prog: Program) -> Enumerator:
    """Explore every path of `prog`. Raises TypeError at a site with no finite support."""
    paths: list[Path] = []
    stack: list[tuple[Program, float, Draws]] = [(prog, 0.0, ())]
    while stack:
        node, logw, draws = stack.pop()
        t = type(node)
        if t is Pure:
            paths.append(Path(node.value, logw, draws))
        elif t is Score:
            stack.append((node.k(), logw + node.logw, draws))
        elif t is Sample:
            support = node.dist.support()
            if support is None:
                raise TypeError(
                    f"Enumerator needs a finite support, but site '{node.site}' samples "
                    f"{node.dist!r} (a continuous {node.dist.name} distribution)"
                )
            for x in reversed(support):
                lp = node.dist.log_prob(x)
                if lp > -math.inf:
                    stack.append((node.k(x), logw + lp, (*draws, (node.dist, x))))
        elif t is Lift:
            raise TypeError(
                f"Enumerator cannot run the untraced inner computation at '{node.site}'"
            )
        else:
            raise TypeError(f"not a Program node: {type(node).__name__}")
    return Enumerator(tuple(paths))
