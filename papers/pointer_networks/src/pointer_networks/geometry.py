"""The three geometric tasks of §3: canonical targets and the metrics of §4.

Outputs are lists of 0-based point indices: a hull is its vertex cycle, a tour its city cycle
(the return to the start is implicit), a triangulation a flat list of index triples.

Canonical targets make every output sequence unique (§3: the paper also fixes a start and a
direction; ambiguous targets would cap accuracy):

- hull: counter-clockwise, starting from the smallest hull index;
- TSP: starting at index 0, in the direction where the 2nd city < the last city;
- Delaunay: each triangle counter-clockwise from its smallest index, triangles sorted
  lexicographically. (The paper orders triangles by their incentre coordinates; ours is a
  different but equally unambiguous order.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pointer_networks.solvers import convex_hull, delaunay_triangles, distance_matrix, held_karp

TASKS = ("hull", "tsp", "delaunay")


def check_points(points, *, task: str = "hull", name: str = "points") -> np.ndarray:
    """Validate one instance: a finite float array of shape (n, 2) with n >= 3."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite; found NaN or inf")
    if len(arr) < 3:
        raise ValueError(f"{task} needs n >= 3 points in {name}, got n={len(arr)}")
    return arr


# --- canonical forms -------------------------------------------------------------------------


def canonical_cycle(cycle: Sequence[int]) -> list[int]:
    """Rotate a cycle so that it starts at its smallest index (direction kept)."""
    cycle = [int(c) for c in cycle]
    if not cycle:
        return []
    k = cycle.index(min(cycle))
    return cycle[k:] + cycle[:k]


def hull_target(points) -> list[int]:
    """The canonical convex hull: CCW from the smallest hull index. points: (n, 2).

    Duplicate points follow the tie rule of `solvers.convex_hull` (smallest index wins).
    """
    return canonical_cycle(convex_hull(check_points(points, task="hull")))


def canonical_tour(tour: Sequence[int]) -> list[int]:
    """Start at city 0 and go the way in which the 2nd city is smaller than the last."""
    t = canonical_cycle(tour)
    if len(t) > 2 and t[1] > t[-1]:
        t = [t[0], *reversed(t[1:])]
    return t


def tsp_target(points) -> list[int]:
    """The canonical optimal tour (Held–Karp, so n <= 12). points: (n, 2)."""
    points = check_points(points, task="tsp")
    return canonical_tour(held_karp(points[None])[1][0])


def canonical_triangles(points: np.ndarray, triangles: np.ndarray) -> list[int]:
    """Triangles (T, 3) -> flat canonical list: each CCW from its smallest index, sorted."""
    out = []
    for tri in np.asarray(triangles):
        a, b, c = (int(v) for v in tri)
        if _cross(points[a], points[b], points[c]) < 0:
            b, c = c, b
        out.append(tuple(canonical_cycle([a, b, c])))
    return [i for tri in sorted(out) for i in tri]


def delaunay_target(points) -> list[int]:
    """The canonical Delaunay triangulation as a flat list of triples. points: (n, 2)."""
    points = check_points(points, task="delaunay")
    return canonical_triangles(points, delaunay_triangles(points))


def _cross(a, b, c) -> float:
    """Twice the signed area of triangle abc: > 0 when a -> b -> c turns counter-clockwise."""
    return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))


# --- hull metrics ----------------------------------------------------------------------------


def polygon_area(points: np.ndarray, cycle: Sequence[int]) -> float:
    """Unsigned shoelace area of the polygon visiting `cycle`. points: (n, 2)."""
    p = np.asarray(points, dtype=np.float64)[list(cycle)]
    x, y = p[:, 0], p[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def _orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Sign of the turn p -> q -> r for stacked points (..., 2): +1 CCW, -1 CW, 0 collinear."""
    return np.sign(
        (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1])
        - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0])
    )


def _in_box(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """r inside the bounding box of segment pq (so: on pq, when the three are collinear)."""
    lo, hi = np.minimum(p, q), np.maximum(p, q)
    return ((lo <= r) & (r <= hi)).all(axis=-1)


def is_simple_polygon(points: np.ndarray, cycle: Sequence[int]) -> bool:
    """Whether the closed polygon visiting `cycle` has >= 3 distinct vertices and no edge
    touches or crosses another, except neighbouring edges at their shared vertex."""
    cycle = list(cycle)
    k = len(cycle)
    if k < 3 or len(set(cycle)) != k:
        return False
    p = np.asarray(points, dtype=np.float64)[cycle]
    i, j = np.triu_indices(k, k=1)  # every pair of edges e = (p[e], p[e+1])
    p1, q1 = p[i], np.roll(p, -1, axis=0)[i]
    p2, q2 = p[j], np.roll(p, -1, axis=0)[j]
    o1, o2 = _orient(p1, q1, p2), _orient(p1, q1, q2)
    o3, o4 = _orient(p2, q2, p1), _orient(p2, q2, q1)
    crosses = (o1 * o2 < 0) & (o3 * o4 < 0)
    touches = (
        ((o1 == 0) & _in_box(p1, q1, p2))
        | ((o2 == 0) & _in_box(p1, q1, q2))
        | ((o3 == 0) & _in_box(p2, q2, p1))
        | ((o4 == 0) & _in_box(p2, q2, q1))
    )
    # Neighbouring edges always share a vertex; they only fail by folding back onto each other.
    adjacent = (j == i + 1) | ((i == 0) & (j == k - 1))
    folds = (o1 == 0) & (o2 == 0) & (((q1 - p1) * (q2 - p2)).sum(-1) < 0)
    return not bool(np.where(adjacent, folds, crosses | touches).any())


def area_coverage(points, predicted: Sequence[int], true_hull: Sequence[int]) -> float | None:
    """area(predicted polygon) / area(true hull), or None (FAIL) when the polygon is not simple.

    points: (n, 2). The paper reports FAIL for outputs that are not simple polygons (§4.2).
    """
    if not is_simple_polygon(points, predicted):
        return None
    return polygon_area(points, predicted) / polygon_area(points, true_hull)


# --- Delaunay metrics ------------------------------------------------------------------------


def triangle_set(flat: Sequence[int]) -> set[frozenset[int]]:
    """A flat list of triples -> the set of triangles, ignoring order and orientation."""
    flat = list(flat)
    return {frozenset(flat[k : k + 3]) for k in range(0, len(flat) - len(flat) % 3, 3)}


def triangle_coverage(predicted: Sequence[int], target: Sequence[int]) -> float:
    """Fraction of the true triangles that appear among the predicted ones (§4.3)."""
    truth = triangle_set(target)
    return len(triangle_set(predicted) & truth) / len(truth)


def triangulation_exact(predicted: Sequence[int], target: Sequence[int]) -> bool:
    """Exact match of the triangle sets, with no repeated or malformed triangle."""
    pred = list(predicted)
    triangles = triangle_set(pred)
    well_formed = len(pred) % 3 == 0 and len(triangles) == len(pred) // 3
    return well_formed and triangles == triangle_set(target)


# --- TSP metrics -----------------------------------------------------------------------------


def tour_is_valid(tour: Sequence[int], n: int) -> bool:
    """A valid tour visits each of the n cities exactly once."""
    return len(tour) == n and sorted(int(t) for t in tour) == list(range(n))


def tour_length(points, tour: Sequence[int]) -> float:
    """Length of the closed tour. points: (n, 2)."""
    t = list(tour)
    d = distance_matrix(np.asarray(points, dtype=np.float64))
    return float(d[t, t[1:] + t[:1]].sum())
