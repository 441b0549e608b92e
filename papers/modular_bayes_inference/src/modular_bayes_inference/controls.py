"""Negative controls: plausible, *invalid* variants of the building blocks.

A validity harness that passes everything proves nothing; each control below is a classic bug
that the harness (validate.py) must reject:

    resample_keep_weights   resamples ancestors ∝ w but keeps the ancestors' old weights, so
                            E[Σ w'] = N Σ w² / W ≠ W: the evidence is biased
    systematic_off_by_one   systematic resampling with a 0 prepended to the CDF, so each
                            ancestor index is shifted by one: the neighbour's value is kept
    mh_no_dim_factor        single-site MH that drops the n / n' factor: wrong whenever the
                            number of draws changes (trans-dimensional moves)
"""

from __future__ import annotations

import math

import numpy as np

from modular_bayes_inference.repr.population import (
    Population,
    normalized_weights,
    systematic_positions,
)
from modular_bayes_inference.repr.traced import ProgramModel, Trace, Traced, propose


def resample_keep_weights(pop: Population, rng: np.random.Generator) -> Population:
    """Multinomial ancestors ∝ w, but every offspring keeps its ancestor's weight (biased)."""
    w, _ = normalized_weights(pop)
    cdf = np.cumsum(w)
    cdf[-1] = 1.0
    ancestors = np.searchsorted(cdf, rng.random(len(pop)), side="right")
    return Population([pop.values[a] for a in ancestors], pop.logw[ancestors])


def systematic_off_by_one(pop: Population, rng: np.random.Generator) -> Population:
    """Systematic resampling searching a CDF with a leading 0: ancestor a + 1 instead of a."""
    w, log_z = normalized_weights(pop)
    cdf = np.concatenate(([0.0], np.cumsum(w)))
    cdf[-1] = 1.0
    n = len(pop)
    ancestors = np.minimum(np.searchsorted(cdf, systematic_positions(n, rng), side="right"), n - 1)
    return Population([pop.values[a] for a in ancestors], np.full(n, log_z - math.log(n)))


def mh_trans_no_dim_factor(model: ProgramModel, trace: Trace, rng: np.random.Generator) -> Trace:
    """`mh_trans` accepting with min(1, ρ'/ρ): the n / n' factor is forgotten."""
    n = len(trace.uniforms)
    if n == 0:
        return trace
    i = int(rng.integers(n))
    new = propose(model, trace, i, float(rng.random()), rng)
    if new.logdensity == -math.inf:
        return trace
    log_a = 0.0 if trace.logdensity == -math.inf else new.logdensity - trace.logdensity
    return new if rng.random() < math.exp(min(0.0, log_a)) else trace


def mh_no_dim_factor(traced: Traced, rng: np.random.Generator) -> Traced:
    """The `mh_step` counterpart of `mh_trans_no_dim_factor`."""
    pop = traced.traces
    moved = [mh_trans_no_dim_factor(traced.model, t, rng) for t in pop.values]
    return Traced(traced.model, Population(moved, pop.logw))
