"""Mark0: paging with discard predictions (one bit per request), consistent and robust.

Discard predictions (the paper's first setup): with σ_t comes a bit that claims whether FitF
evicts σ_t before its next request (1 = "safe to evict"). Following the bits blindly (FtP,
`baselines.FtP`) is consistent (cost OPT under perfect bits) but not robust: a wrong bit can make
it fault on every request. Mark0 follows the bits inside the k-phase structure of marking
algorithms and stops trusting them within a phase as soon as they are proven wrong:

    state: the cache with each page's latest bit and latest use; the set M of marked pages and the
           set E of pages evicted in the current k-phase; a flag `distrust`.
    on request σ_t with bit b_t:
      1. if σ_t opens a new k-phase: M, E <- ∅, distrust <- False   (before anything else)
      2. on a fault: if σ_t ∈ E, distrust <- True    (a repeat fault within a phase, impossible
         under perfect bits: FitF never evicts a page that is requested later in the same phase)
         with a full cache, evict
           - the LRU page among cached pages with bit 1, if not distrust and there is one;
           - otherwise an unmarked page: the LRU one ("det") or a uniform one ("rand");
         and add the victim to E
      3. mark σ_t and store b_t as its bit.

Under perfect bits the bit-0 pages in the cache are exactly FitF's, a bit-1 page is always there
to evict, and Mark0 faults exactly where FitF does: cost = OPT (consistency, tested exactly).
After `distrust` a phase is served like a marking algorithm (each page of the phase faults at most
once more), so a phase costs at most 2k faults whatever the bits are (robustness, tested); the
cost grows with the errors η_0, η_1 (smoothness: the bar checked here is
ALG <= OPT + k (η_0 + η_1); the paper states (1, k-1, 1)-competitiveness).
This is the build spec's reconstruction of the paper's algorithm: see the README.
"""

from __future__ import annotations

from collections import OrderedDict

from succinct_paging.online import Eviction, OnlineAlgorithm


class Mark0(OnlineAlgorithm):
    """Mark0(k, mode="det"|"rand", seed); `run(seq, bits) -> cost` (faults)."""

    uses_bits = True

    def _serve(self, pages: list[int], bits: list[int]) -> int:
        k, rand, record = self.k, self.mode == "rand", self.record
        cache: OrderedDict[int, None] = OrderedDict()  # LRU order, least recent first
        ones: OrderedDict[int, None] = OrderedDict()  # cached pages whose latest bit is 1
        unmarked: OrderedDict[int, None] = OrderedDict()  # cached pages not requested this phase
        phase: set[int] = set()  # pages requested in the current k-phase
        evicted: set[int] = set()  # E
        distrust = False
        cost = 0
        for t, p in enumerate(pages):
            if p not in phase and len(phase) == k:  # new k-phase: reset before serving σ_t
                phase, evicted, distrust = set(), set(), False
                unmarked = OrderedDict.fromkeys(cache)
            phase.add(p)
            if p in cache:
                cache.move_to_end(p)
            else:
                cost += 1
                if p in evicted:
                    distrust = True
                if len(cache) == k:
                    if ones and not distrust:
                        q = next(iter(ones))
                    elif rand:
                        q = self._pick(unmarked)
                    else:
                        q = next(iter(unmarked))
                    if record:
                        self.evictions.append(Eviction(t, q, q not in unmarked, distrust))
                    del cache[q]
                    ones.pop(q, None)
                    unmarked.pop(q, None)
                    evicted.add(q)
                cache[p] = None
            unmarked.pop(p, None)
            if bits[t]:
                ones[p] = None
                ones.move_to_end(p)
            else:
                ones.pop(p, None)
        return cost
