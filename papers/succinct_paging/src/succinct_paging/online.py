"""What every online paging algorithm here shares: the cache size k, det/rand mode, the run loop.

An algorithm serves σ one request at a time; the cost is the number of faults (a page loaded into
the cache), and an empty trace costs 0. Learning-augmented algorithms also get one predicted bit
with each request (`bits[t]` arrives together with σ_t). In "rand" mode the random choices come
from a `numpy.random.Generator` seeded afresh at every `run`, always drawing from a sorted list of
candidates, so that one seed gives one run, exactly.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from succinct_paging.trace import check_bits, check_k, encode

MODES = ("det", "rand")


@dataclass(frozen=True)
class Eviction:
    """One eviction, for instrumented runs: request t, the evicted page id, its mark, the switch."""

    t: int
    page: int
    marked: bool
    distrust: bool


class OnlineAlgorithm:
    """Base class: subclasses implement `_serve(pages, bits) -> cost` on dense page ids."""

    uses_bits = False

    def __init__(self, k: int, mode: str = "det", seed: int | None = 0, record: bool = False):
        self.k = check_k(k)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
        self.mode, self.seed, self.record = mode, seed, record
        self.evictions: list[Eviction] = []

    def run(
        self,
        seq: Sequence[Hashable] | np.ndarray,
        bits: Sequence[int] | np.ndarray | None = None,
    ) -> int:
        """Serve σ (n requests; one predicted bit each if the algorithm uses them) -> cost."""
        ids = encode(seq)
        if self.uses_bits:
            if bits is None:
                raise ValueError(f"bits are required by {type(self).__name__}")
            bits = check_bits(bits, ids.shape[0]).tolist()
        self.evictions = []
        self._rng = np.random.default_rng(self.seed)
        return self._serve(ids.tolist(), bits)

    def _pick(self, candidates) -> int:
        """Uniform choice among candidate page ids, from their sorted list (repeatable)."""
        ordered = sorted(candidates)
        return ordered[int(self._rng.integers(len(ordered)))]

    def _serve(self, pages: list[int], bits: list[int] | None) -> int:
        raise NotImplementedError
