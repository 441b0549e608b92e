"""Distributions as quantile maps of one uniform draw.

monad-bayes builds every primitive distribution on `random :: m Double` (a draw of U(0, 1)) and a
quantile function, x = F⁻¹(u). The traced representation records the uniforms u, not the values,
so a program is a deterministic function of its list of uniforms (paper §6, the "Traced"
representation). Every distribution here offers

    quantile(u) -> x         F⁻¹(u), u ∈ (0, 1)
    log_prob(x) -> float     log density (continuous) or log mass (discrete)
    support()   -> tuple     the finite support, or None when it is not finite
    uniform_of(x, rng)       a draw of u | F⁻¹(u) = x (seeds traces with exact posterior draws)

SciPy is used only for the quantile and distribution functions.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

import numpy as np
from scipy import special

_LOG_2PI = math.log(2.0 * math.pi)


class Distribution:
    """A primitive distribution, sampled as `quantile(u)` with u ~ U(0, 1)."""

    name: str = "distribution"

    def quantile(self, u: float):
        raise NotImplementedError

    def log_prob(self, x) -> float:
        raise NotImplementedError

    def support(self) -> tuple | None:
        return None

    def cdf(self, x) -> float:
        raise NotImplementedError

    def uniform_of(self, x, rng: np.random.Generator) -> float:
        """A uniform u with quantile(u) = x, drawn from U(0, 1) conditioned on that event.

        Continuous quantile maps are bijections, so u = F(x). A discrete value x owns the interval
        [F(x⁻), F(x)) of uniforms, and u is uniform on it.
        """
        if self.support() is None:
            return float(self.cdf(x))
        lo, hi = self.cdf(x - 1), self.cdf(x)
        return float(lo + (hi - lo) * rng.random())

    def __repr__(self) -> str:
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def _check_probability(name: str, p: float) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p}")
    return p


def _check_positive(name: str, v: float) -> float:
    v = float(v)
    if not v > 0.0 or not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number > 0, got {v}")
    return v


class Bernoulli(Distribution):
    """x = 1[u < p] ∈ {0, 1} (monad-bayes: `bernoulli p = (< p) <$> random`)."""

    name = "bernoulli"

    def __init__(self, p: float):
        self.p = _check_probability("p", p)

    def quantile(self, u: float) -> int:
        return 1 if u < self.p else 0

    def log_prob(self, x) -> float:
        q = self.p if x == 1 else 1.0 - self.p if x == 0 else 0.0
        return math.log(q) if q > 0 else -math.inf

    def support(self) -> tuple:
        return (0, 1)

    def cdf(self, x) -> float:
        return 0.0 if x < 0 else 1.0 if x >= 1 else 1.0 - self.p

    def uniform_of(self, x, rng: np.random.Generator) -> float:
        # The value 1 owns [0, p) and 0 owns [p, 1): the quantile map puts 1 first.
        lo, hi = (0.0, self.p) if x == 1 else (self.p, 1.0)
        return float(lo + (hi - lo) * rng.random())


class Categorical(Distribution):
    """x ∈ {0, …, K−1} with P(x = k) = p_k; x = min{k : p_0 + … + p_k > u}."""

    name = "categorical"

    def __init__(self, probs: Sequence[float]):
        p = np.asarray(probs, dtype=float)
        if p.ndim != 1 or p.size == 0 or np.any(~np.isfinite(p)) or np.any(p < 0):
            raise ValueError(f"probs must be a non-empty 1-D vector of p_k >= 0, got {probs!r}")
        if abs(p.sum() - 1.0) > 1e-9:
            raise ValueError(f"probs must sum to 1, got sum {p.sum()}")
        self.probs = tuple(float(v) for v in p)
        cum = np.cumsum(p)
        cum[-1] = 1.0
        self._cum = cum.tolist()
        self._logp = [math.log(v) if v > 0 else -math.inf for v in self.probs]

    def quantile(self, u: float) -> int:
        return min(bisect.bisect_right(self._cum, u), len(self._cum) - 1)

    def log_prob(self, x) -> float:
        return self._logp[x] if 0 <= x < len(self._logp) else -math.inf

    def support(self) -> tuple:
        return tuple(range(len(self.probs)))

    def cdf(self, x) -> float:
        return 0.0 if x < 0 else 1.0 if x >= len(self._cum) else self._cum[x]

    def __repr__(self) -> str:
        return f"categorical(probs={self.probs})"


class Normal(Distribution):
    """x = μ + σ Φ⁻¹(u)."""

    name = "normal"

    def __init__(self, mu: float, sigma: float):
        self.mu = float(mu)
        if not math.isfinite(self.mu):
            raise ValueError(f"mu must be finite, got {mu}")
        self.sigma = _check_positive("sigma", sigma)

    def quantile(self, u: float) -> float:
        return self.mu + self.sigma * float(special.ndtri(u))

    def log_prob(self, x) -> float:
        z = (x - self.mu) / self.sigma
        return -0.5 * (z * z + _LOG_2PI) - math.log(self.sigma)

    def cdf(self, x) -> float:
        return float(special.ndtr((x - self.mu) / self.sigma))


class Gamma(Distribution):
    """Shape α, rate β: x = P⁻¹(α, u) / β with P the regularised lower incomplete gamma."""

    name = "gamma"

    def __init__(self, shape: float, rate: float):
        self.shape = _check_positive("shape", shape)
        self.rate = _check_positive("rate", rate)

    def quantile(self, u: float) -> float:
        return float(special.gammaincinv(self.shape, u)) / self.rate

    def log_prob(self, x) -> float:
        if x <= 0:
            return -math.inf
        a, b = self.shape, self.rate
        return a * math.log(b) + (a - 1) * math.log(x) - b * x - math.lgamma(a)

    def cdf(self, x) -> float:
        return float(special.gammainc(self.shape, self.rate * x)) if x > 0 else 0.0


class Beta(Distribution):
    """x = I⁻¹(a, b, u) with I the regularised incomplete beta function."""

    name = "beta"

    def __init__(self, a: float, b: float):
        self.a = _check_positive("a", a)
        self.b = _check_positive("b", b)

    def quantile(self, u: float) -> float:
        return float(special.betaincinv(self.a, self.b, u))

    def log_prob(self, x) -> float:
        if not 0.0 < x < 1.0:
            return -math.inf
        a, b = self.a, self.b
        return (a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - float(special.betaln(a, b))

    def cdf(self, x) -> float:
        return float(special.betainc(self.a, self.b, min(max(x, 0.0), 1.0)))


class Poisson(Distribution):
    """x = min{k : P(X <= k) >= u} for X ~ Poisson(λ)."""

    name = "poisson"

    def __init__(self, rate: float):
        rate = float(rate)
        if not rate >= 0.0 or not math.isfinite(rate):
            raise ValueError(f"rate must be a finite number >= 0, got {rate}")
        self.rate = rate

    def quantile(self, u: float) -> int:
        k = 0
        term = math.exp(-self.rate)
        total = term
        while total < u and term > 0.0:
            k += 1
            term *= self.rate / k
            total += term
        return k

    def log_prob(self, x) -> float:
        if x < 0 or x != int(x):
            return -math.inf
        if self.rate == 0.0:
            return 0.0 if x == 0 else -math.inf
        return x * math.log(self.rate) - self.rate - math.lgamma(x + 1)

    def cdf(self, x) -> float:
        return float(special.pdtr(math.floor(x), self.rate)) if x >= 0 else 0.0


class FreshUniforms:
    """The `random` primitive: an endless stream of U(0, 1) draws from `rng`, in blocks."""

    __slots__ = ("_buf", "_i", "_rng")

    def __init__(self, rng: np.random.Generator, block: int = 1024):
        self._rng = rng
        self._buf = rng.random(block).tolist()
        self._i = 0

    def __call__(self) -> float:
        i = self._i
        if i == len(self._buf):
            self._buf = self._rng.random(len(self._buf)).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]


class ReplayUniforms:
    """monad-bayes' `withRandomness us`: hand out `us` in order, then fresh draws; keep the used.

    `used` is the trace's new list of uniforms: the prefix of `us` a re-run consumed (truncated when
    the program now draws fewer) followed by the fresh draws (when it draws more).
    """

    __slots__ = ("_fresh", "_us", "used")

    def __init__(self, us: Sequence[float], rng: np.random.Generator):
        self._us = us
        self._fresh = rng
        self.used: list[float] = []

    def __call__(self) -> float:
        n = len(self.used)
        u = self._us[n] if n < len(self._us) else float(self._fresh.random())
        self.used.append(u)
        return u
