"""Reference implementations for the tests: brute-force OPT and a quadratic FitF."""

from functools import cache


def brute_force_opt(seq: list[int], k: int) -> int:
    """OPT by exhaustive search over every eviction choice (tiny traces only)."""
    seq = tuple(seq)

    @cache
    def cost(t: int, cache: frozenset) -> int:
        if t == len(seq):
            return 0
        p = seq[t]
        if p in cache:
            return cost(t + 1, cache)
        if len(cache) < k:
            return 1 + cost(t + 1, cache | {p})
        return 1 + min(cost(t + 1, (cache - {q}) | {p}) for q in cache)

    return cost(0, frozenset())


def naive_fitf(seq: list[int], k: int) -> tuple[int, list[int], list[set[int]]]:
    """FitF by linear scans, same tie-break: (cost, discard bits, cache after each request)."""
    n = len(seq)

    def next_use(q: int, t: int) -> int:
        return next((s for s in range(t + 1, n) if seq[s] == q), n)

    cache: set[int] = set()
    last: dict[int, int] = {}
    bits, states, cost = [0] * n, [], 0
    for t, p in enumerate(seq):
        if p not in cache:
            cost += 1
            if len(cache) == k:
                victim = max(cache, key=lambda q: (next_use(q, t), q))
                cache.remove(victim)
                bits[last[victim]] = 1
            cache.add(p)
        last[p] = t
        states.append(set(cache))
    return cost, bits, states
