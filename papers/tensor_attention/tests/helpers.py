"""Naive references for the tests: explicit loops over every key pair (or triple)."""

import itertools

import numpy as np


def naive_tensor_attention(Q, Ks, Vs, scale):
    """Att_i = Σ_tuples w·(v₁ ∘ v₂ ∘ …) / Σ_tuples w, w = exp(s·Σ_l q_l k₁_l k₂_l …)."""
    m, d_v = Q.shape[0], Vs[0].shape[1]
    out = np.zeros((m, d_v))
    for i in range(m):
        num, den = np.zeros(d_v), 0.0
        for js in itertools.product(*(range(K.shape[0]) for K in Ks)):
            key = np.prod([K[j] for K, j in zip(Ks, js, strict=True)], axis=0)
            value = np.prod([V[j] for V, j in zip(Vs, js, strict=True)], axis=0)
            w = np.exp(scale * float(Q[i] @ key))
            num += w * value
            den += w
        out[i] = num / den
    return out


def instance(seed, n=6, d=3, B=1.0, order=2):
    rng = np.random.default_rng(seed)
    Q = rng.uniform(-B, B, (n, d))
    Ks = [rng.uniform(-B, B, (n, d)) for _ in range(order)]
    Vs = [rng.uniform(-1, 1, (n, d)) for _ in range(order)]
    return Q, Ks, Vs
