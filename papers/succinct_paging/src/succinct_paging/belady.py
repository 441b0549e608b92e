"""FitF (Belady's furthest-in-the-future rule): OPT, and the discard predictions it defines.

On a fault with a full cache, FitF evicts the cached page whose next request is furthest in the
future; it is an optimal offline algorithm (Belady 1966), so its cost is OPT. The paper's discard
predictions are FitF's own decisions seen one request at a time:

    discard_bits[t] = 1   iff   FitF evicts σ_t before σ_t is requested again,

so a page whose latest bit is 0 is one FitF keeps until its next request. Pages never requested
again all have next use "∞", and which of them FitF evicts changes the bits: ties are broken by the
largest next use, then the largest page id (see `trace.encode`). We compute the bits on the true
trace; predictors corrupt them afterwards (`predictions.py`).
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Sequence

import numpy as np

from succinct_paging.trace import check_k, encode


def next_use(ids: np.ndarray) -> np.ndarray:
    """next_use[t] = min{s > t : σ_s = σ_t}, or n if σ_t is not requested again; int64 (n,)."""
    n = ids.shape[0]
    out = np.full(n, n, dtype=np.int64)
    if n == 0:
        return out
    order = np.argsort(ids, kind="stable")  # positions grouped by page, in time order
    same = ids[order[1:]] == ids[order[:-1]]
    out[order[:-1][same]] = order[1:][same]
    return out


def belady(seq: Sequence[Hashable] | np.ndarray, k: int) -> tuple[int, np.ndarray]:
    """FitF on σ with a cache of k pages -> (cost = OPT, discard_bits int8 (n,)).

    A max-heap keyed on (next use, page id) holds the cached pages; a hit pushes the page's new
    key and leaves the old entry behind, and the heap is rebuilt from the cache whenever stale
    entries make it larger than 2k, so a request costs O(log k) amortised: O(n log k) in all.
    """
    k = check_k(k)
    ids = encode(seq)
    n = ids.shape[0]
    bits = bytearray(n)
    pages, nxt = ids.tolist(), next_use(ids).tolist()
    cache: dict[int, int] = {}  # page -> its next use
    last: dict[int, int] = {}  # page -> time of its latest request
    heap: list[tuple[int, int]] = []  # (-next use, -page): the heap top is FitF's victim
    cost = 0
    for t, p in enumerate(pages):
        if p not in cache:
            cost += 1
            if len(cache) == k:
                while True:
                    neg_nu, neg_q = heapq.heappop(heap)
                    if cache.get(-neg_q) == -neg_nu:  # skip entries left behind by hits
                        break
                q = -neg_q
                del cache[q]
                bits[last[q]] = 1
        cache[p] = nxt[t]
        last[p] = t
        heapq.heappush(heap, (-nxt[t], -p))
        if len(heap) > 2 * k:
            heap = [(-nu, -q) for q, nu in cache.items()]
            heapq.heapify(heap)
    return cost, np.frombuffer(bytes(bits), dtype=np.int8).copy()
