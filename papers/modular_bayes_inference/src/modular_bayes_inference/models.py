"""The four test models M1-M4 and their exact answers.

M1  HMM, 3 states, 4 symbols: exact Z and filtering marginals by the forward algorithm
M2  conjugate Gaussian mean, observations scored one by one: closed-form posterior and Z
M3  higher-order regression with structure change: a program that *returns a function*
    (a polynomial of random degree d), mapped over the inputs and scored; exact p(d | y)
    and coefficient posterior by Bayesian linear regression
M4  discrete higher-order: a function drawn from a list, truncated geometric recursion and
    `map_m`, so a variable number of draws; exact by enumeration (and brute force)
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from modular_bayes_inference.distributions import Bernoulli, Categorical, Distribution, Normal
from modular_bayes_inference.program import (
    Program,
    Pure,
    Sample,
    Score,
    bind,
    factor,
    fold_m,
    map_m,
    model,
    pure,
    replicate_m,
    sample,
    then,
)

# ---------------------------------------------------------------------------------------------
# M1: hidden Markov model


@dataclass(frozen=True)
class HMM:
    """Initial law pi0 (S,), transitions a (S, S), emissions b (S, V)."""

    pi0: np.ndarray
    a: np.ndarray
    b: np.ndarray


def self_transition(rho: float, states: int = 3) -> np.ndarray:
    """A(ρ): stay with probability ρ, move to each other state with (1 - ρ)/(S - 1)."""
    off = (1.0 - rho) / (states - 1)
    return np.full((states, states), off) + (rho - off) * np.eye(states)


M1_RHO = 0.7
M1_EMISSIONS = np.array(
    [[0.6, 0.2, 0.1, 0.1], [0.1, 0.6, 0.2, 0.1], [0.1, 0.1, 0.2, 0.6]], dtype=float
)


def m1_hmm(rho: float = M1_RHO) -> HMM:
    return HMM(np.full(3, 1.0 / 3.0), self_transition(rho), M1_EMISSIONS)


def hmm_program(hmm: HMM, obs: Sequence[int]) -> Program:
    """s_0 ~ pi0, s_t ~ A[s_{t-1}], score log B[s_t, y_t] after each draw; returns s_0..s_{T-1}."""
    init = Categorical(hmm.pi0)
    trans = [Categorical(row) for row in hmm.a]
    log_b = np.log(hmm.b).tolist()
    obs = [int(y) for y in obs]

    def step(states: tuple, t: int) -> Program:
        dist = init if t == 0 else trans[states[-1]]
        return Sample(
            dist,
            lambda s: Score(log_b[s][obs[t]], lambda: Pure((*states, s)), f"y[{t}]"),
            f"s[{t}]",
        )

    return fold_m(step, (), range(len(obs)))


def hmm_forward(hmm: HMM, obs: Sequence[int]) -> tuple[float, np.ndarray]:
    """Forward algorithm: (log Z, filtering marginals p(s_t | y_0..y_t) of shape (T, S))."""
    log_z, filt = 0.0, []
    alpha = hmm.pi0 * hmm.b[:, obs[0]]
    for t in range(len(obs)):
        if t > 0:
            alpha = (alpha @ hmm.a) * hmm.b[:, obs[t]]
        c = alpha.sum()
        log_z += math.log(c)
        alpha = alpha / c
        filt.append(alpha)
    return log_z, np.array(filt)


def hmm_log_evidence_grid(rhos: np.ndarray, obs: Sequence[int], states: int = 3) -> np.ndarray:
    """log p(y | ρ) for every ρ in `rhos` (G,), the M1 emissions and a uniform pi0: (G,)."""
    a = np.stack([self_transition(r, states) for r in rhos])
    alpha = np.full((len(rhos), states), 1.0 / states) * M1_EMISSIONS[:, obs[0]]
    log_z = np.zeros(len(rhos))
    for t in range(len(obs)):
        if t > 0:
            alpha = np.einsum("gi,gij->gj", alpha, a) * M1_EMISSIONS[:, obs[t]]
        c = alpha.sum(axis=1)
        log_z += np.log(c)
        alpha = alpha / c[:, None]
    return log_z


# ---------------------------------------------------------------------------------------------
# M2: conjugate Gaussian mean


@dataclass(frozen=True)
class GaussianMean:
    """μ ~ N(mu0, tau²), y_i | μ ~ N(μ, sigma²)."""

    mu0: float = 0.0
    tau: float = 1.0
    sigma: float = 1.0


def gaussian_mean_program(prior: GaussianMean, ys: Sequence[float]) -> Program:
    """Draw μ, then score every y_i in turn; returns μ."""
    ys = [float(y) for y in ys]

    def observe(mu: float, i: int) -> Program:
        return factor(Normal(mu, prior.sigma).log_prob(ys[i]), site=f"y[{i}]")

    return bind(
        sample(Normal(prior.mu0, prior.tau), site="mu"),
        lambda mu: then(map_m(lambda i: observe(mu, i), range(len(ys))), pure(mu)),
    )


def gaussian_mean_exact(prior: GaussianMean, ys: Sequence[float]) -> dict[str, float]:
    """Posterior mean, variance and log Z = log N(y; mu0 1, σ² I + τ² 1 1ᵀ)."""
    ys = np.asarray(ys, dtype=float)
    n = ys.size
    precision = 1.0 / prior.tau**2 + n / prior.sigma**2
    mean = (prior.mu0 / prior.tau**2 + ys.sum() / prior.sigma**2) / precision
    cov = prior.sigma**2 * np.eye(n) + prior.tau**2 * np.ones((n, n))
    log_z = float(multivariate_normal(np.full(n, prior.mu0), cov).logpdf(ys))
    return {"mean": float(mean), "var": float(1.0 / precision), "log_z": log_z}


# ---------------------------------------------------------------------------------------------
# M3: higher-order regression with structure change

M3_DEGREES = 3  # d ∈ {0, 1, 2}


@dataclass(frozen=True)
class Polynomial:
    """The random function x ↦ Σ_j c_j x^j returned by M3's program."""

    coefs: tuple[float, ...]

    @property
    def degree(self) -> int:
        return len(self.coefs) - 1

    def __call__(self, x: float) -> float:
        y = 0.0
        for c in reversed(self.coefs):
            y = y * x + c
        return y

    def padded(self, size: int = M3_DEGREES) -> np.ndarray:
        """The coefficient vector (c_0, …, c_{size-1}) with c_j = 0 for j > d."""
        out = np.zeros(size)
        out[: len(self.coefs)] = self.coefs
        return out


def random_polynomial() -> Program:
    """d ~ Cat{0, 1, 2} uniform, c_0..c_d ~ N(0, 1) i.i.d.; returns the function (a closure)."""
    return bind(
        sample(Categorical([1.0 / M3_DEGREES] * M3_DEGREES), site="degree"),
        lambda d: bind(
            replicate_m(d + 1, sample(Normal(0.0, 1.0), site="coef")),
            lambda cs: pure(Polynomial(tuple(cs))),
        ),
    )


def regression_program(xs: Sequence[float], ys: Sequence[float], sigma: float) -> Program:
    """Draw f from `random_polynomial`, map it over the inputs, score each y_i ~ N(f(x_i), σ²)."""
    xs, ys = [float(x) for x in xs], [float(y) for y in ys]

    def observe(f: Polynomial, i: int) -> Program:
        return factor(Normal(f(xs[i]), sigma).log_prob(ys[i]), site=f"y[{i}]")

    return bind(
        random_polynomial(),
        lambda f: then(map_m(lambda i: observe(f, i), range(len(xs))), pure(f)),
    )


@dataclass(frozen=True)
class RegressionPosterior:
    """Exact answers of M3: p(d | y) (3,), per-degree posterior means/covariances, log Z."""

    p_degree: np.ndarray
    means: tuple[np.ndarray, ...]
    covs: tuple[np.ndarray, ...]
    log_z: float

    def coef_mean(self) -> np.ndarray:
        """E[(c_0, c_1, c_2) | y] with c_j = 0 when j > d, shape (3,)."""
        out = np.zeros(M3_DEGREES)
        for p, m in zip(self.p_degree, self.means, strict=True):
            out[: len(m)] += p * m
        return out

    def c0_cdf(self, c: np.ndarray) -> np.ndarray:
        """The exact posterior CDF of c_0, a mixture over d of normals."""
        from scipy.special import ndtr

        return sum(
            p * ndtr((c - m[0]) / math.sqrt(s[0, 0]))
            for p, m, s in zip(self.p_degree, self.means, self.covs, strict=True)
        )

    def draws(self, rng: np.random.Generator) -> list[tuple[Distribution, float]]:
        """One exact posterior draw as the program's (distribution, value) choices, in order."""
        d = int(rng.choice(M3_DEGREES, p=self.p_degree))
        cs = rng.multivariate_normal(self.means[d], self.covs[d])
        cat = Categorical([1.0 / M3_DEGREES] * M3_DEGREES)
        return [(cat, d)] + [(Normal(0.0, 1.0), float(c)) for c in cs]


def regression_exact(xs: Sequence[float], ys: Sequence[float], sigma: float) -> RegressionPosterior:
    """Bayesian linear regression per degree: y | d ~ N(0, σ² I + X_d X_dᵀ)."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    log_ev, means, covs = [], [], []
    for d in range(M3_DEGREES):
        x = np.vander(xs, d + 1, increasing=True)
        cov_y = sigma**2 * np.eye(len(xs)) + x @ x.T
        log_ev.append(multivariate_normal(np.zeros(len(xs)), cov_y).logpdf(ys))
        s = np.linalg.inv(np.eye(d + 1) + x.T @ x / sigma**2)
        covs.append(s)
        means.append(s @ x.T @ ys / sigma**2)
    log_joint = np.array(log_ev) + math.log(1.0 / M3_DEGREES)
    log_z = float(logsumexp(log_joint))
    return RegressionPosterior(np.exp(log_joint - log_z), tuple(means), tuple(covs), log_z)


# ---------------------------------------------------------------------------------------------
# M4: discrete higher-order program


def _identity(x: int) -> int:
    return x


def _negation(x: int) -> int:
    return 1 - x


def _constant_one(x: int) -> int:
    return 1


M4_FUNCTIONS = (_identity, _negation, _constant_one)
M4_FUNCTION_PRIOR = (0.5, 0.3, 0.2)
M4_STOP = 0.4  # the geometric recursion stops with this probability at each level
M4_MAX_DEPTH = 6
M4_X = 0.3  # x_j ~ Bernoulli(0.3)
M4_MATCH = (0.1, 0.9)  # likelihood of y_j given f(x_j) != y_j / == y_j
M4_OBS = (1, 0, 1, 1, 0, 1, 1)


def geometric(depth: int = 0) -> Program:
    """Recursion depth n: stop with probability 0.4 at each level, forced stop at depth 6."""
    if depth == M4_MAX_DEPTH:
        return pure(depth)
    return bind(
        sample(Bernoulli(M4_STOP), site=f"stop[{depth}]"),
        lambda stop: pure(depth) if stop else geometric(depth + 1),
    )


@model
def discrete_higher_order(obs: Sequence[int] = M4_OBS):
    """M4: f from a list, n from a truncated geometric, x_0..x_n by map_m, f(x_j) observed.

    Returns (index of f, n, Σ_j f(x_j)). 2 + 2n to 3 + 2n draws, so MH changes dimension.
    """
    i = yield Categorical(M4_FUNCTION_PRIOR)
    f = M4_FUNCTIONS[i]
    n = yield geometric()

    def observed_draw(j: int) -> Program:
        return bind(
            sample(Bernoulli(M4_X), site=f"x[{j}]"),
            lambda x: then(
                factor(math.log(M4_MATCH[int(f(x) == obs[j])]), site=f"y[{j}]"), pure(x)
            ),
        )

    xs = yield map_m(observed_draw, range(n + 1))
    return (i, n, sum(f(x) for x in xs))


@functools.cache
def m4_brute_force(obs: tuple[int, ...] = M4_OBS) -> dict[tuple[int, int, int], float]:
    """The unnormalised measure of M4 by nested loops over every choice, without the monad."""
    out: dict[tuple[int, int, int], float] = {}
    for i, (f, p_f) in enumerate(zip(M4_FUNCTIONS, M4_FUNCTION_PRIOR, strict=True)):
        for n in range(M4_MAX_DEPTH + 1):
            p_n = (1 - M4_STOP) ** n * (M4_STOP if n < M4_MAX_DEPTH else 1.0)
            for xs in itertools.product((0, 1), repeat=n + 1):
                w = p_f * p_n
                for j, x in enumerate(xs):
                    w *= (M4_X if x else 1 - M4_X) * M4_MATCH[int(f(x) == obs[j])]
                key = (i, n, sum(f(x) for x in xs))
                out[key] = out.get(key, 0.0) + w
    return out
