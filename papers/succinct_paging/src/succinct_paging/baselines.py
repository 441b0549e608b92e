"""What the paper compares against: classical paging rules, and FtP, which trusts every bit.

- LRU and FIFO: deterministic, k-competitive (Sleator & Tarjan 1985).
- Marker: the randomized marking algorithm, 2H_k-competitive (Fiat et al. 1991): on a fault,
  evict a uniform unmarked page; pages are unmarked at the start of each k-phase.
- FtP ("follow the predictions"): Mark0's rule without phases or the distrust switch: evict the
  LRU page with bit 1, else the LRU page. Exactly OPT under perfect discard bits, but not robust:
  on the ping-pong trace a, b, c, b, c, ... with k = 2 and bits (0, 1, 1, ...) it faults on every
  request while OPT = 3.
- OPT itself is FitF, `belady.belady`.
"""

from __future__ import annotations

from collections import OrderedDict

from succinct_paging.online import OnlineAlgorithm


class LRU(OnlineAlgorithm):
    """Least recently used."""

    def _serve(self, pages: list[int], bits: None) -> int:
        k, cache, cost = self.k, OrderedDict(), 0
        for p in pages:
            if p in cache:
                cache.move_to_end(p)
            else:
                cost += 1
                if len(cache) == k:
                    cache.popitem(last=False)
                cache[p] = None
        return cost


class FIFO(OnlineAlgorithm):
    """First in, first out: a hit does not refresh the page."""

    def _serve(self, pages: list[int], bits: None) -> int:
        k, cache, cost = self.k, OrderedDict(), 0
        for p in pages:
            if p not in cache:
                cost += 1
                if len(cache) == k:
                    cache.popitem(last=False)
                cache[p] = None
        return cost


class Marker(OnlineAlgorithm):
    """The randomized marking algorithm (run it with mode="rand"; "det" evicts the LRU unmarked)."""

    def _serve(self, pages: list[int], bits: None) -> int:
        k, rand = self.k, self.mode == "rand"
        cache: OrderedDict[int, None] = OrderedDict()
        unmarked: OrderedDict[int, None] = OrderedDict()
        phase: set[int] = set()
        cost = 0
        for p in pages:
            if p not in phase and len(phase) == k:
                phase, unmarked = set(), OrderedDict.fromkeys(cache)
            phase.add(p)
            if p in cache:
                cache.move_to_end(p)
            else:
                cost += 1
                if len(cache) == k:
                    q = self._pick(unmarked) if rand else next(iter(unmarked))
                    del cache[q]
                    del unmarked[q]
                cache[p] = None
            unmarked.pop(p, None)
        return cost


class FtP(OnlineAlgorithm):
    """Follow the discard predictions: evict the LRU bit-1 page, else the LRU page."""

    uses_bits = True

    def _serve(self, pages: list[int], bits: list[int]) -> int:
        k, cost = self.k, 0
        cache: OrderedDict[int, None] = OrderedDict()
        ones: OrderedDict[int, None] = OrderedDict()
        for t, p in enumerate(pages):
            if p in cache:
                cache.move_to_end(p)
            else:
                cost += 1
                if len(cache) == k:
                    q = next(iter(ones or cache))
                    del cache[q]
                    ones.pop(q, None)
                cache[p] = None
            if bits[t]:
                ones[p] = None
                ones.move_to_end(p)
            else:
                ones.pop(p, None)
        return cost
