"""The statistical validity harness: the paper's denotational criterion, checked by sampling.

The paper proves ⟦T(p)⟧ = ⟦p⟧ for every building block T. Here each claim is tested against an
exact answer, and the same tests must *reject* the negative controls (controls.py):

* Unnormalised preservation. For replicates r = 1..R of a transformed population T(p)_r and test
  functions f (f = 1 is the evidence), Y_r = Σ_i w_i f(x_i) / Z has E[Y] = ∫ f d⟦p⟧ / Z. A
  two-sided z-test of mean(Y) against that value, SE = sd(Y)/√R.
* MH invariance. Chains seeded with exact posterior draws (as traces of uniforms) stay exact
  after m MH steps: χ² tests for discrete sites, Kolmogorov-Smirnov for continuous ones.
* Holm's step-down correction across the family of tests of valid blocks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from modular_bayes_inference.distributions import Distribution
from modular_bayes_inference.repr.population import Population
from modular_bayes_inference.repr.traced import ProgramModel, Trace


@dataclass(frozen=True)
class TestResult:
    name: str
    statistic: float
    p: float


def integrals(pop: Population, fs: Sequence[Callable[[Any], float]], log_z: float) -> np.ndarray:
    """Y_f = Σ_i w_i f(x_i) / Z for every f in fs: shape (F,)."""
    w = np.exp(pop.logw - log_z)
    out = np.zeros(len(fs))
    for wi, x in zip(w, pop.values, strict=True):
        if wi > 0:
            out += wi * np.array([f(x) for f in fs])
    return out


def z_test(name: str, y: np.ndarray, target: float) -> TestResult:
    """Two-sided z-test of E[y] = target from R replicates y (R,).

    A transformation with no randomness (zero spread) passes iff it hits the target to 1e-9.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or y.size < 2:
        raise ValueError(f"y must hold >= 2 replicates, got shape {y.shape}")
    se = y.std(ddof=1) / math.sqrt(y.size)
    diff = y.mean() - target
    if se <= 1e-12 * max(1.0, abs(target)):
        exact = abs(diff) <= 1e-9 * max(1.0, abs(target))
        return TestResult(name, 0.0 if exact else math.inf, 1.0 if exact else 0.0)
    z = diff / se
    return TestResult(name, float(z), float(2.0 * stats.norm.sf(abs(z))))


def preservation_tests(
    name: str, y: np.ndarray, targets: Sequence[float], f_names: Sequence[str]
) -> list[TestResult]:
    """One z-test per test function: y is (R, F), targets (F,)."""
    y = np.asarray(y, dtype=float)
    if y.ndim != 2 or y.shape[1] != len(targets) or len(targets) != len(f_names):
        raise ValueError(f"y must be (R, {len(targets)}) to match targets, got {y.shape}")
    return [
        z_test(f"{name}[{fn}]", y[:, j], t)
        for j, (fn, t) in enumerate(zip(f_names, targets, strict=True))
    ]


def chi2_test(name: str, samples: Sequence[Any], probs: dict[Any, float]) -> TestResult:
    """χ² goodness of fit of discrete samples to exact `probs`; cells with expected < 5 merged."""
    samples = list(samples)
    n = len(samples)
    keys = sorted(probs, key=lambda k: -probs[k])
    observed = np.array([sum(1 for s in samples if s == k) for k in keys], dtype=float)
    expected = np.array([probs[k] * n for k in keys])
    outside = n - observed.sum()
    if outside > 0:  # a value of probability 0 was seen
        return TestResult(name, math.inf, 0.0)
    obs_m, exp_m = [0.0], [0.0]
    for o, e in zip(observed, expected, strict=True):
        if exp_m[-1] >= 5.0:
            obs_m.append(0.0)
            exp_m.append(0.0)
        obs_m[-1] += o
        exp_m[-1] += e
    if len(exp_m) > 1 and exp_m[-1] < 5.0:
        o, e = obs_m.pop(), exp_m.pop()
        obs_m[-1] += o
        exp_m[-1] += e
    if len(exp_m) < 2:
        return TestResult(name, 0.0, 1.0)
    stat, p = stats.chisquare(obs_m, exp_m)
    return TestResult(name, float(stat), float(p))


def ks_test(
    name: str, samples: Sequence[float], cdf: Callable[[np.ndarray], np.ndarray]
) -> TestResult:
    """One-sample Kolmogorov-Smirnov test of continuous samples against an exact CDF."""
    res = stats.kstest(np.asarray(samples, dtype=float), cdf)
    return TestResult(name, float(res.statistic), float(res.pvalue))


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (same order as given)."""
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    order = np.argsort(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def trace_from_draws(
    model: ProgramModel, draws: Sequence[tuple[Distribution, Any]], rng: np.random.Generator
) -> Trace:
    """The trace of an exact posterior draw given as the program's (distribution, value) choices.

    Each value is turned back into a uniform from U(0,1) conditioned on F⁻¹(u) = value, and the
    model re-run on them; the re-run must make exactly the same choices.
    """
    us = [dist.uniform_of(x, rng) for dist, x in draws]
    trace = model(us, rng)
    if len(trace.uniforms) != len(us):
        raise ValueError(
            f"the draws do not match the program: it used {len(trace.uniforms)} uniforms, "
            f"{len(us)} were given"
        )
    return trace
