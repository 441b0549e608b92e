"""The baseline: a hand-written, vectorised bootstrap particle filter for the HMM (M1).

This is the monolithic SMC a Pyro/NumPyro-style library would run: all N particles advance as
one NumPy array. It makes the same random choices in distribution as the composed
`smc(T, N, resampler)` of inference.py (resample before every step, then propagate and weight),
so its evidence estimate Ẑ = Π_t (1/N) Σ_i B[s_t^i, y_t] has the same law.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from modular_bayes_inference.models import HMM


def _inverse_cdf(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise quantile: for rows cdf (N, S) and u (N,), min{k : cdf[k] > u}, shape (N,)."""
    return np.minimum((cdf <= u[:, None]).sum(axis=1), cdf.shape[1] - 1)


def bootstrap_filter(
    hmm: HMM, obs: Sequence[int], n: int, rng: np.random.Generator, resampling: str = "multinomial"
) -> tuple[float, np.ndarray]:
    """Returns (log Ẑ, filtering estimates of p(s_t | y_0..y_t) with shape (T, S))."""
    if n <= 0:
        raise ValueError(f"n (particles) must be > 0, got {n}")
    if resampling not in ("multinomial", "systematic"):
        raise ValueError(f"resampling must be 'multinomial' or 'systematic', got {resampling!r}")
    cdf_a = np.cumsum(hmm.a, axis=1)
    states = hmm.a.shape[0]
    s = _inverse_cdf(np.broadcast_to(np.cumsum(hmm.pi0), (n, states)), rng.random(n))
    logw = np.zeros(n)
    log_z, filt = 0.0, []
    for t, y in enumerate(obs):
        if t > 0:
            w = np.exp(logw - logw.max())
            cdf = np.cumsum(w / w.sum())
            u = rng.random(n) if resampling == "multinomial" else (np.arange(n) + rng.random()) / n
            s = s[np.minimum(np.searchsorted(cdf, u, side="right"), n - 1)]
            s = _inverse_cdf(cdf_a[s], rng.random(n))
        g = hmm.b[s, y]
        log_z += math.log(g.mean())
        logw = np.log(g)
        filt.append(np.bincount(s, weights=g, minlength=states) / g.sum())
    return log_z, np.array(filt)
