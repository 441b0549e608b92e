"""The validation suite: the four models with their exact answers, and one worker per experiment.

Every worker is a module-level function (task, SeedSequence) -> numbers, so `parallel.map_seeded`
can run it in any number of processes with identical results.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from modular_bayes_inference import controls, models
from modular_bayes_inference.distributions import Beta
from modular_bayes_inference.inference import compose_copies, importance, mh, pmmh, rmsmc, smc
from modular_bayes_inference.program import Program, sample
from modular_bayes_inference.repr.enumerator import enumerate_program
from modular_bayes_inference.repr.population import (
    Population,
    resample_multinomial,
    resample_systematic,
)
from modular_bayes_inference.repr.traced import ProgramModel, Traced, mh_step
from modular_bayes_inference.validate import integrals, trace_from_draws

RESAMPLERS = {
    "multinomial": resample_multinomial,
    "systematic": resample_systematic,
    "keep_weights": controls.resample_keep_weights,
    "off_by_one": controls.systematic_off_by_one,
}
MH_KERNELS = {"mh": mh_step, "mh_no_dim_factor": controls.mh_no_dim_factor}


@dataclass(frozen=True)
class Problem:
    """One of M1-M4 with its observations. m3's `data` is (x_0..x_9, y_0..y_9)."""

    kind: str
    data: tuple
    sigma: float = 1.0

    def __post_init__(self):
        if self.kind not in ("m1", "m2", "m3", "m4"):
            raise ValueError(f"kind must be one of m1, m2, m3, m4, got {self.kind!r}")

    @property
    def steps(self) -> int:
        """k: the largest number of scores a run passes (SMC steps)."""
        if self.kind == "m3":
            return len(self.data) // 2
        if self.kind == "m4":
            return models.M4_MAX_DEPTH + 1
        return len(self.data)

    def xs_ys(self) -> tuple[tuple, tuple]:
        half = len(self.data) // 2
        return self.data[:half], self.data[half:]


def m1_problem(obs: Any) -> Problem:
    return Problem("m1", tuple(int(y) for y in obs))


def m2_problem(ys: Any) -> Problem:
    return Problem("m2", tuple(float(y) for y in ys))


def m3_problem(xs: Any, ys: Any, sigma: float) -> Problem:
    return Problem("m3", tuple(float(v) for v in (*xs, *ys)), sigma)


M4 = Problem("m4", models.M4_OBS)
M2_PRIOR = models.GaussianMean(mu0=0.0, tau=1.0, sigma=1.0)


@functools.cache
def program(problem: Problem) -> Program:
    if problem.kind == "m1":
        return models.hmm_program(models.m1_hmm(), problem.data)
    if problem.kind == "m2":
        return models.gaussian_mean_program(M2_PRIOR, problem.data)
    if problem.kind == "m3":
        return models.regression_program(*problem.xs_ys(), problem.sigma)
    return models.discrete_higher_order(problem.data)


@dataclass(frozen=True)
class Exact:
    """log Z and E_posterior[f] for the named test functions f (f = 1 first)."""

    log_z: float
    names: tuple[str, ...]
    fs: tuple[Callable[[Any], float], ...]
    targets: tuple[float, ...]


def _one(x: Any) -> float:
    return 1.0


@functools.cache
def exact(problem: Problem) -> Exact:
    if problem.kind == "m1":
        log_z, filt = models.hmm_forward(models.m1_hmm(), problem.data)
        fs = tuple(functools.partial(lambda s, j: float(s[-1] == j), j=j) for j in range(3))
        names = tuple(f"s_T={j}" for j in range(3))
        return Exact(log_z, ("1", *names), (_one, *fs), (1.0, *filt[-1]))
    if problem.kind == "m2":
        ex = models.gaussian_mean_exact(M2_PRIOR, problem.data)
        return Exact(
            ex["log_z"],
            ("1", "mu", "mu^2"),
            (_one, float, lambda mu: mu * mu),
            (1.0, ex["mean"], ex["var"] + ex["mean"] ** 2),
        )
    if problem.kind == "m3":
        post = regression_posterior(problem)
        fs = tuple(functools.partial(lambda f, j: float(f.degree == j), j=j) for j in range(3))
        return Exact(
            post.log_z,
            ("1", "d=0", "d=1", "d=2", "c0"),
            (_one, *fs, lambda f: f.coefs[0]),
            (1.0, *post.p_degree, post.coef_mean()[0]),
        )
    enum = enumerate_program(program(problem))
    fs = (
        _one,
        lambda v: float(v[0] == 0),
        lambda v: float(v[0] == 1),
        lambda v: float(v[1]),
        lambda v: float(v[2]),
    )
    targets = tuple(enum.expectation(f, normalized=True) for f in fs)
    return Exact(enum.log_evidence, ("1", "f=0", "f=1", "n", "sum"), fs, targets)


@functools.cache
def regression_posterior(problem: Problem) -> models.RegressionPosterior:
    return models.regression_exact(*problem.xs_ys(), problem.sigma)


# ---------------------------------------------------------------------------------------------
# Unnormalised preservation: one replicate of an algorithm on a problem


@dataclass(frozen=True)
class Case:
    problem: Problem
    algorithm: str  # "smc", "importance" or "rmsmc"
    n: int
    resampler: str = "systematic"
    moves: int = 1


def algorithm(case: Case) -> Callable[[Program, np.random.Generator], Population]:
    k = case.problem.steps
    if case.algorithm == "smc":
        return smc(k, case.n, RESAMPLERS[case.resampler])
    if case.algorithm == "importance":
        return importance(case.n)
    if case.algorithm == "rmsmc":
        return rmsmc(k, case.n, case.moves)
    raise ValueError(f"algorithm must be smc, importance or rmsmc, got {case.algorithm!r}")


def integrals_replicate(case: Case, seed: np.random.SeedSequence) -> np.ndarray:
    """Y_f = Σ w_i f(x_i) / Z for the problem's test functions, from one run: shape (F,)."""
    rng = np.random.default_rng(seed)
    ex = exact(case.problem)
    pop = algorithm(case)(program(case.problem), rng)
    return integrals(pop, ex.fs, ex.log_z)


# ---------------------------------------------------------------------------------------------
# MH invariance: chains seeded with exact posterior draws


@dataclass(frozen=True)
class ChainCase:
    problem: Problem  # m3 or m4
    kernel: str  # "mh" or "mh_no_dim_factor"
    chains: int
    steps: int


def exact_traced(problem: Problem, chains: int, rng: np.random.Generator) -> Traced:
    """`chains` traces of exact posterior draws of M3 or M4, equal weights."""
    model = ProgramModel(program(problem))
    if problem.kind == "m3":
        post = regression_posterior(problem)
        draws = [post.draws(rng) for _ in range(chains)]
    elif problem.kind == "m4":
        paths = enumerate_program(program(problem)).paths
        logw = np.array([p.logw for p in paths])
        prob = np.exp(logw - logw.max())
        picks = rng.choice(len(paths), size=chains, p=prob / prob.sum())
        draws = [paths[i].draws for i in picks]
    else:
        raise ValueError(f"exact posterior traces need m3 or m4, got {problem.kind}")
    traces = [trace_from_draws(model, d, rng) for d in draws]
    return Traced(model, Population(traces, np.full(chains, -math.log(chains))))


def summary(problem: Problem, x: Any) -> tuple:
    """The sites MH invariance is tested on: (d, c_0) for M3, (f index, n) for M4."""
    if problem.kind == "m3":
        return (x.degree, x.coefs[0])
    return (x[0], x[1])


def chains_after_mh(case: ChainCase, seed: np.random.SeedSequence) -> list[tuple]:
    """Seed exact chains, apply the kernel `steps` times (as mhStep^steps), summarise outputs."""
    rng = np.random.default_rng(seed)
    traced = exact_traced(case.problem, case.chains, rng)
    traced = compose_copies(case.steps, MH_KERNELS[case.kernel])(traced, rng)
    return [summary(case.problem, t.output) for t in traced.traces.values]


# ---------------------------------------------------------------------------------------------
# Accuracy, resample-move and PMMH workers


def m1_filter_step(task: tuple[Problem, int, int], seed: np.random.SeedSequence) -> np.ndarray:
    """SMC (systematic, N particles) on y_0..y_t: the filtering estimate p̂(s_t | y_0..y_t) (S,)."""
    problem, t, n = task
    rng = np.random.default_rng(seed)
    prefix = models.hmm_program(models.m1_hmm(), problem.data[: t + 1])
    pop = smc(t + 1, n, resample_systematic)(prefix, rng).normalize()
    return np.bincount([s[-1] for s in pop.values], weights=np.exp(pop.logw), minlength=3)


def m3_rmsmc_degrees(task: tuple[Problem, int, int], seed: np.random.SeedSequence) -> np.ndarray:
    """RMSMC(N, t) on M3: the estimate of p(d | y), shape (3,)."""
    problem, n, moves = task
    rng = np.random.default_rng(seed)
    pop = rmsmc(problem.steps, n, moves)(program(problem), rng).normalize()
    return np.bincount(
        [f.degree for f in pop.values], weights=np.exp(pop.logw), minlength=models.M3_DEGREES
    )


def m3_mh_chain(
    task: tuple[Problem, int], seed: np.random.SeedSequence
) -> tuple[np.ndarray, np.ndarray]:
    """Single-site MH on M3 for `steps` steps: degrees (steps+1,), padded coefs (steps+1, 3)."""
    problem, steps = task
    chain = mh(steps)(program(problem), np.random.default_rng(seed))
    return np.array([f.degree for f in chain]), np.array([f.padded() for f in chain])


def m2_resample_move(
    task: tuple[Problem, str, int, int], seed: np.random.SeedSequence
) -> tuple[int, float]:
    """Plain SMC or RMSMC on M2: (unique final particle values, estimated posterior variance)."""
    problem, which, n, moves = task
    rng = np.random.default_rng(seed)
    infer = (
        rmsmc(problem.steps, n, moves)
        if which == "rmsmc"
        else smc(problem.steps, n, resample_systematic)
    )
    pop = infer(program(problem), rng).normalize()
    mu, w = np.array(pop.values), np.exp(pop.logw)
    mean = float(w @ mu)
    return len(set(pop.values)), float(w @ (mu - mean) ** 2)


def pmmh_chain(task: tuple[Problem, int, int], seed: np.random.SeedSequence) -> np.ndarray:
    """PMMH on M1 with unknown self-transition ρ ~ Beta(2, 2): the chain of ρ (steps+1,)."""
    problem, steps, n = task
    run = pmmh(
        steps,
        problem.steps,
        n,
        sample(Beta(2.0, 2.0), site="rho"),
        lambda rho: models.hmm_program(models.m1_hmm(rho), problem.data),
    )
    return np.array([theta for theta, _ in run(np.random.default_rng(seed))])


def pmmh_grid_mean(problem: Problem, points: int = 4001) -> float:
    """E[ρ | y] by quadrature: Beta(2, 2) prior times the forward-algorithm likelihood."""
    rho = (np.arange(points) + 0.5) / points
    log_post = np.log(rho) + np.log1p(-rho) + models.hmm_log_evidence_grid(rho, problem.data)
    w = np.exp(log_post - log_post.max())
    return float(w @ rho / w.sum())
