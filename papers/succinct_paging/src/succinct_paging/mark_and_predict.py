"""Mark&Predict: a marking algorithm steered by phase predictions (one bit per request).

Phase predictions (the paper's second setup): with σ_t comes a bit that claims whether σ_t is
requested again in the next k-phase (0 = "it is", 1 = "it is not": safe to evict at the next phase).
Mark&Predict is a marking algorithm (Fiat et al. 1991) that spends its evictions on the pages the
bits call useless:

    on request σ_t with bit b_t:
      1. if σ_t opens a new k-phase: unmark every page; the stale pages S <- the cache
      2. on a fault with a full cache, evict an unmarked page:
           - "rand", σ_t ∈ S (a stale page evicted in this phase, so a bit proven wrong):
             a uniform unmarked page, ignoring the bits (Marker's rule: robustness)
           - else one with bit 1 if there is one (LRU in "det", uniform in "rand"),
             else any unmarked page (LRU / uniform)
      3. mark σ_t and store b_t as its bit.

An unmarked page keeps the bit of its latest request, made in the previous phase, so under
perfect bits the bit-1 unmarked pages are exactly P_{i-1} \\ P_i: every eviction hits a page not
needed in phase i, no stale page ever faults, and the cost is exactly
clean_pages(σ, k) <= 2 OPT (consistency, tested exactly).
"""

from __future__ import annotations

from collections import OrderedDict

from succinct_paging.online import OnlineAlgorithm


class MarkAndPredict(OnlineAlgorithm):
    """MarkAndPredict(k, mode="det"|"rand", seed); `run(seq, bits) -> cost` (faults)."""

    uses_bits = True

    def _serve(self, pages: list[int], bits: list[int]) -> int:
        k, rand = self.k, self.mode == "rand"
        cache: OrderedDict[int, None] = OrderedDict()  # LRU order, least recent first
        bit: dict[int, int] = {}  # page -> bit of its latest request
        unmarked: OrderedDict[int, None] = OrderedDict()
        unmarked_ones: OrderedDict[int, None] = OrderedDict()  # unmarked pages with bit 1
        phase: set[int] = set()
        stale: set[int] = set()  # S: the cache at the start of the phase
        cost = 0
        for t, p in enumerate(pages):
            if p not in phase and len(phase) == k:
                phase, stale = set(), set(cache)
                unmarked = OrderedDict.fromkeys(cache)
                unmarked_ones = OrderedDict.fromkeys(q for q in cache if bit[q])
            phase.add(p)
            if p in cache:
                cache.move_to_end(p)
            else:
                cost += 1
                if len(cache) == k:
                    if rand:
                        trust = unmarked_ones and p not in stale
                        q = self._pick(unmarked_ones if trust else unmarked)
                    else:
                        q = next(iter(unmarked_ones or unmarked))
                    del cache[q]
                    unmarked.pop(q, None)
                    unmarked_ones.pop(q, None)
                cache[p] = None
            unmarked.pop(p, None)
            unmarked_ones.pop(p, None)
            bit[p] = bits[t]
        return cost
