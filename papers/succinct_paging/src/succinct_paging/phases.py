"""The k-phase partition of σ, the phase predictions it defines, and its clean pages.

Phases (those of the marking algorithms, Fiat et al. 1991): σ is cut greedily into maximal blocks
that each request at most k distinct pages, so phase i+1 starts at the request of the (k+1)-th
distinct page since phase i started. This is a property of the input, computed online by every
marking algorithm; it is not "the moment all cache slots are marked" of the Cache-Coliseum code,
which drifts from it once an algorithm's cache differs from the marked set.

With P_i the set of pages requested in phase i:

    phase_bits[t] = 0   iff   σ_t ∈ P_{phase(t)+1}     (σ_t is requested in the next phase),
    clean_pages(σ, k) = Σ_i |P_i \\ P_{i-1}|   (P_0 = ∅),

and OPT >= clean_pages / 2 (the classical phase argument), the cost every marking algorithm pays at
least and Mark&Predict pays exactly under perfect phase bits.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from succinct_paging.trace import check_k, encode


def phase_partition(seq: Sequence[Hashable] | np.ndarray, k: int) -> np.ndarray:
    """phase[t] = index (0, 1, ...) of the k-phase that request t belongs to; int64 (n,)."""
    k = check_k(k)
    ids = encode(seq).tolist()
    phase = np.empty(len(ids), dtype=np.int64)
    current, seen = 0, set()
    for t, p in enumerate(ids):
        if p not in seen and len(seen) == k:
            current, seen = current + 1, set()
        seen.add(p)
        phase[t] = current
    return phase


def phase_sets(seq: Sequence[Hashable] | np.ndarray, k: int) -> list[set[int]]:
    """P_0, P_1, ...: the set of page ids requested in each k-phase."""
    ids, phase = encode(seq), phase_partition(seq, k)
    sets: list[set[int]] = [set() for _ in range(int(phase[-1]) + 1 if len(ids) else 0)]
    for p, i in zip(ids.tolist(), phase.tolist(), strict=True):
        sets[i].add(p)
    return sets


def phase_bits(seq: Sequence[Hashable] | np.ndarray, k: int) -> np.ndarray:
    """Perfect phase predictions: 0 iff σ_t is requested in the phase after t's; int8 (n,)."""
    ids, phase = encode(seq).tolist(), phase_partition(seq, k).tolist()
    sets = phase_sets(seq, k)
    bits = np.ones(len(ids), dtype=np.int8)
    for t, (p, i) in enumerate(zip(ids, phase, strict=True)):
        if i + 1 < len(sets) and p in sets[i + 1]:
            bits[t] = 0
    return bits


def clean_pages(seq: Sequence[Hashable] | np.ndarray, k: int) -> int:
    """Σ_i |P_i \\ P_{i-1}|: requests of pages new to their phase, the marking algorithms' floor."""
    sets = phase_sets(seq, k)
    return sum(len(cur - prev) for prev, cur in zip([set(), *sets], sets, strict=False))
