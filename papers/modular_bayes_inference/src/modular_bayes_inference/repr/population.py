"""The Population representation: a weighted list of particles (paper §5, monad-bayes `Population`).

A population p = [(x_i, w_i)]_{i<N} denotes the measure ⟦p⟧ = E[Σ_i w_i δ_{x_i}] (expectation
over its randomness). A transformation T is *valid* when ⟦T(p)⟧ = ⟦p⟧: it preserves the
unnormalised measure, so E[Σ w_i f(x_i)] (f = 1: the evidence Z) is unchanged. Weights are kept
in log space; a particle of weight 0 has log w = -inf.

    spawn(n)               each particle -> n copies of weight w/n                    (valid)
    resample_multinomial   N ancestors a_j ~ Cat(w / W); every new weight W/N        (valid)
    resample_systematic    one u ~ U(0,1), ancestors at positions (j + u)/N          (valid)
    collapse               one particle x ~ w / W with weight W (Weighted)          (valid)
    normalize              weights w / W (changes the measure: a posterior, not ⟦p⟧)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.special import logsumexp

Transform = Callable[[Any, np.random.Generator], Any]


class DegeneratePopulationError(ValueError):
    """Every particle has weight 0 (log w = -inf), so there is nothing to resample from."""


class Population:
    """Particles `values` (length N) with log-weights `logw` of shape (N,). Immutable."""

    __slots__ = ("logw", "values")

    def __init__(self, values: Sequence[Any], logw: Sequence[float] | np.ndarray):
        logw = np.array(logw, dtype=float)
        if logw.ndim != 1 or logw.shape[0] != len(values):
            raise ValueError(
                f"logw must have shape ({len(values)},) to match values, got {logw.shape}"
            )
        bad = np.flatnonzero(np.isnan(logw) | (logw == np.inf))
        if bad.size:
            raise ValueError(
                f"log-weight of particle {int(bad[0])} must be finite or -inf, got {logw[bad[0]]}"
            )
        logw.flags.writeable = False
        self.values = tuple(values)
        self.logw = logw

    @classmethod
    def single(cls, x: Any) -> Population:
        """The Dirac population [(x, 1)] (monad-bayes `pure x`)."""
        return cls((x,), (0.0,))

    def __len__(self) -> int:
        return len(self.values)

    @property
    def evidence(self) -> float:
        """log Z = log Σ w_i, and -inf (never NaN) when every weight is 0."""
        if len(self.values) == 0 or not np.any(self.logw > -np.inf):
            return -math.inf
        return float(logsumexp(self.logw))

    def normalize(self) -> Population:
        """The population with weights w_i / W (the posterior estimate; not measure-preserving)."""
        return Population(self.values, self.logw - _checked_evidence(self))

    def __repr__(self) -> str:
        return f"Population(N={len(self)}, log Z={self.evidence:.4g})"


def _checked_evidence(pop: Population) -> float:
    z = pop.evidence
    if z == -math.inf:
        raise DegeneratePopulationError(
            f"all {len(pop)} particles have weight 0 (log w = -inf); cannot resample or normalise"
        )
    return z


def spawn(n: int) -> Transform:
    """`spawn n`: replace each particle (x, w) by n copies (x, w/n). Deterministic and valid."""
    if not isinstance(n, int | np.integer) or n <= 0:
        raise ValueError(f"n (particles to spawn) must be a positive integer, got {n!r}")

    def spawn_n(pop: Population, rng: np.random.Generator) -> Population:
        values = [x for x in pop.values for _ in range(n)]
        return Population(values, np.repeat(pop.logw, n) - math.log(n))

    spawn_n.__name__ = f"spawn({n})"
    return spawn_n


def _resampled(pop: Population, ancestors: np.ndarray, log_z: float) -> Population:
    n = len(pop)
    values = [pop.values[a] for a in ancestors]
    return Population(values, np.full(n, log_z - math.log(n)))


def normalized_weights(pop: Population) -> tuple[np.ndarray, float]:
    """(w / W of shape (N,), log W); raises DegeneratePopulationError when W = 0."""
    log_z = _checked_evidence(pop)
    return np.exp(pop.logw - log_z), log_z


def resample_multinomial(pop: Population, rng: np.random.Generator) -> Population:
    """N ancestors a_j ~ Cat(w / W) i.i.d.; every new weight is W/N, so Σ w is preserved."""
    w, log_z = normalized_weights(pop)
    cdf = np.cumsum(w)
    cdf[-1] = 1.0
    ancestors = np.searchsorted(cdf, rng.random(len(pop)), side="right")
    return _resampled(pop, ancestors, log_z)


def systematic_positions(n: int, rng: np.random.Generator) -> np.ndarray:
    """The N stratified positions (j + u) / N, j = 0..N-1, sharing one u ~ U(0, 1)."""
    return (np.arange(n) + rng.random()) / n


def resample_systematic(pop: Population, rng: np.random.Generator) -> Population:
    """Systematic resampling: particle i gets ⌊N w_i/W⌋ or ⌈N w_i/W⌉ offspring; weights W/N."""
    w, log_z = normalized_weights(pop)
    cdf = np.cumsum(w)
    cdf[-1] = 1.0
    ancestors = np.searchsorted(cdf, systematic_positions(len(pop), rng), side="right")
    return _resampled(pop, ancestors, log_z)


def collapse(pop: Population, rng: np.random.Generator) -> tuple[Any, float]:
    """monad-bayes `collapse`/`proper`: one particle x ~ w / W, carrying the total weight W.

    Returns the Weighted pair (x, log W); E[W f(x)] = Σ w_i f(x_i), so it is valid.
    """
    w, log_z = normalized_weights(pop)
    i = int(np.searchsorted(np.cumsum(w), rng.random() * w.sum(), side="right"))
    return pop.values[min(i, len(pop) - 1)], log_z
