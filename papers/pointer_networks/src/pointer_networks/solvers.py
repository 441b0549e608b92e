"""Exact solvers and classical heuristics: the teachers and the yardsticks of §3 and §4.

- Convex hull and Delaunay triangulation: `scipy.spatial` (Qhull), as the paper's exact
  references (§3.1, §3.2).
- Planar TSP: Held–Karp dynamic programming, O(2ⁿ n²), vectorised over a batch of instances
  (the exact solutions of §3.3); brute force for cross-checking it on n ≤ 8; and the
  nearest-neighbour and 2-opt heuristics as classical yardsticks.

A tour is a permutation of range(n) (the return to the first city is implicit).
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
from scipy.spatial import ConvexHull, Delaunay, QhullError

HELD_KARP_MAX_N = 12


def convex_hull(points: np.ndarray) -> list[int]:
    """Indices of the hull's vertices, counter-clockwise, from Qhull.

    points: (n, 2). Tie rule for degenerate input: of coincident points the smallest index
    stands for all of them; points in the interior of a hull edge are not vertices; when every
    point is collinear (or coincident) the "hull" is the two extreme points (or the one point).
    """
    points = np.asarray(points, dtype=np.float64)
    order = np.lexsort((points[:, 1], points[:, 0]))  # stable: equal points keep index order
    distinct = np.r_[True, (np.diff(points[order], axis=0) != 0).any(axis=1)]
    first = order[distinct]  # the smallest index of each distinct point, sorted by (x, y)
    if len(first) >= 3:
        try:
            return [int(first[v]) for v in ConvexHull(points[first]).vertices]  # CCW in 2-D
        except QhullError:  # all collinear: Qhull cannot build a 2-D hull
            pass
    return sorted({int(first[0]), int(first[-1])})  # the lexicographic extremes of a line


def delaunay_triangles(points: np.ndarray) -> np.ndarray:
    """Delaunay triangles from Qhull: (T, 3) vertex indices, in Qhull's order and orientation."""
    return Delaunay(points).simplices.astype(np.int64)


def distance_matrix(points: np.ndarray) -> np.ndarray:
    """points (..., n, 2) -> Euclidean distances (..., n, n)."""
    diff = points[..., :, None, :] - points[..., None, :, :]
    return np.sqrt((diff**2).sum(-1))


@cache
def _subsets_by_size(m: int) -> tuple[np.ndarray, ...]:
    """Bitmasks over m cities grouped by popcount: entry s holds every mask with s bits set."""
    masks = np.arange(1 << m)
    popcount = np.array([bin(x).count("1") for x in range(1 << m)])
    return tuple(masks[popcount == s] for s in range(m + 1))


def held_karp(points: np.ndarray, *, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Optimal tours by Held–Karp bitmask DP, vectorised over a batch of instances.

    points: (B, n, 2) with 3 <= n <= 12. Returns (lengths (B,), tours (B, n)); every tour
    starts at city 0. With the cities 1..n-1 as bits, C[S, j] is the length of the shortest
    path that leaves city 0, visits exactly the set S and ends at j ∈ S:

        C[{j}, j] = d(0, j)        C[S, j] = min_{i ∈ S∖{j}} C[S∖{j}, i] + d(i, j)

    and the tour length is min_j C[all, j] + d(j, 0). Each subset size is one array operation
    over (subsets, j, i, batch); `chunk` bounds the batch slice held in memory at once.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 3 or points.shape[-1] != 2:
        raise ValueError(f"points must have shape (B, n, 2), got {points.shape}")
    if not np.isfinite(points).all():
        raise ValueError("points must be finite; found NaN or inf")
    n = points.shape[1]
    if not 3 <= n <= HELD_KARP_MAX_N:
        raise ValueError(f"Held–Karp needs 3 <= n <= {HELD_KARP_MAX_N}, got n={n}")
    if len(points) > chunk:
        parts = [
            held_karp(points[s : s + chunk], chunk=chunk) for s in range(0, len(points), chunk)
        ]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    return _held_karp_chunk(distance_matrix(points))


def _held_karp_chunk(dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dist (B, n, n) -> (lengths (B,), tours (B, n)) for one memory-sized batch."""
    batch, n = dist.shape[0], dist.shape[1]
    m = n - 1
    bits = 1 << np.arange(m)
    d_ij = dist[:, 1:, 1:].transpose(2, 1, 0)  # [j, i, b] = d(i+1, j+1)
    cost = np.full((1 << m, m, batch), np.inf)
    parent = np.zeros((1 << m, m, batch), dtype=np.int8)
    cost[bits, np.arange(m)] = dist[:, 0, 1:].T
    for masks in _subsets_by_size(m)[2:]:
        prev = masks[:, None] ^ bits[None, :]  # (c, j): S∖{j} when j ∈ S
        candidates = cost[prev] + d_ij[None]  # (c, j, i, B); i ∉ S∖{j} is already inf
        has_j = (masks[:, None] & bits[None, :]) != 0
        best = np.where(has_j[..., None], candidates.min(axis=2), np.inf)
        cost[masks] = best
        parent[masks] = candidates.argmin(axis=2)
    full = (1 << m) - 1
    closing = cost[full] + dist[:, 1:, 0].T  # (j, B)
    last = closing.argmin(axis=0)
    lengths = closing[last, np.arange(batch)]
    tours = np.zeros((batch, n), dtype=np.int64)
    mask = np.full(batch, full)
    j = last
    cols = np.arange(batch)
    for pos in range(n - 1, 0, -1):  # walk the parents back from the last city
        tours[:, pos] = j + 1
        i = parent[mask, j, cols].astype(np.int64)
        mask = mask ^ (1 << j)
        j = i
    return lengths, tours


def brute_force_tsp(points: np.ndarray) -> tuple[float, list[int]]:
    """Optimal tour of one instance (n, 2) by enumerating (n-1)! tours from city 0; n <= 9."""
    n = len(points)
    if n > 9:
        raise ValueError(f"brute force is for n <= 9, got n={n}")
    dist = distance_matrix(np.asarray(points, dtype=np.float64))
    best, best_tour = np.inf, list(range(n))
    for rest in itertools.permutations(range(1, n)):
        tour = (0, *rest)
        length = dist[tour, (*tour[1:], 0)].sum()
        if length < best:
            best, best_tour = length, list(tour)
    return float(best), best_tour


def nearest_neighbour_tour(points: np.ndarray) -> list[int]:
    """Greedy tour from city 0: always go to the closest unvisited city. points: (n, 2)."""
    dist = distance_matrix(np.asarray(points, dtype=np.float64))
    n = len(points)
    tour, visited = [0], np.zeros(n, dtype=bool)
    visited[0] = True
    for _ in range(n - 1):
        d = np.where(visited, np.inf, dist[tour[-1]])
        nxt = int(d.argmin())
        tour.append(nxt)
        visited[nxt] = True
    return tour


def two_opt(points: np.ndarray, tour: list[int]) -> list[int]:
    """Improve a tour by 2-opt moves (reverse a segment) until no move shortens it.

    Each pass evaluates every move at once and applies the best one. points: (n, 2).
    """
    dist = distance_matrix(np.asarray(points, dtype=np.float64))
    t = np.array(tour)
    n = len(t)
    i, j = np.triu_indices(n, k=2)
    keep = ~((i == 0) & (j == n - 1))  # reversing everything but one edge changes nothing
    i, j = i[keep], j[keep]
    while len(i):
        a, b, c, d = t[i], t[i + 1], t[j], t[(j + 1) % n]
        gain = dist[a, b] + dist[c, d] - dist[a, c] - dist[b, d]
        k = int(gain.argmax())
        if gain[k] <= 1e-12:
            break
        t[i[k] + 1 : j[k] + 1] = t[i[k] + 1 : j[k] + 1][::-1].copy()
    return t.tolist()
