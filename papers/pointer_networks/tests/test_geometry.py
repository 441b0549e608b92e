"""Canonical targets and metrics: hull, TSP tours, Delaunay; bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import ConvexHull, Delaunay

from pointer_networks.geometry import (
    area_coverage,
    canonical_cycle,
    canonical_tour,
    canonical_triangles,
    check_points,
    delaunay_target,
    hull_target,
    is_simple_polygon,
    polygon_area,
    tour_length,
    triangle_coverage,
    triangulation_exact,
    tsp_target,
)
from pointer_networks.solvers import brute_force_tsp

points_strategy = st.integers(min_value=3, max_value=30).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(0, 2**31 - 1))
)


def signed_area(points, cycle):
    p = points[cycle]
    return 0.5 * float(
        np.dot(p[:, 0], np.roll(p[:, 1], -1)) - np.dot(p[:, 1], np.roll(p[:, 0], -1))
    )


def test_hull_canonicalisation_agrees_with_scipy(rng):
    for n in (3, 5, 10, 20, 50):
        for _ in range(20):
            points = rng.random((n, 2))
            target = hull_target(points)
            assert set(target) == set(ConvexHull(points).vertices.tolist())
            assert target[0] == min(target)  # starts at the smallest hull index
            assert signed_area(points, target) > 0  # counter-clockwise
            assert target == canonical_cycle(ConvexHull(points).vertices)


@settings(max_examples=40, deadline=None)
@given(points_strategy, st.randoms(use_true_random=False))
def test_hull_canonicalisation_is_invariant_to_input_order(n_seed, random):
    n, seed = n_seed
    points = np.random.default_rng(seed).random((n, 2))
    perm = list(range(n))
    random.shuffle(perm)  # new position a holds old point perm[a]
    relabelled = [perm[a] for a in hull_target(points[perm])]
    assert canonical_cycle(relabelled) == hull_target(points)


def test_hull_with_duplicate_points_uses_the_smallest_index():
    square = [[0, 0], [1, 0], [1, 1], [0, 1]]
    points = np.array([[1, 1], *square, [1, 0], [0.5, 0.5], [0, 0]], dtype=float)
    assert hull_target(points) == [0, 4, 1, 2]  # (1,1) is 0, (0,0) is 1, (1,0) is 2
    assert hull_target(np.zeros((4, 2))) == [0]
    assert hull_target([[0, 0], [1, 1], [2, 2], [1, 1]]) == [0, 2]  # collinear: the two ends


def test_area_coverage_is_one_for_the_truth_and_fail_for_a_bow_tie(rng):
    points = rng.random((15, 2))
    truth = hull_target(points)
    assert area_coverage(points, truth, truth) == pytest.approx(1.0)
    square = np.array([[0, 0], [1, 1], [1, 0], [0, 1]], dtype=float)
    assert not is_simple_polygon(square, [0, 1, 2, 3])  # bow tie: edges cross
    assert area_coverage(square, [0, 1, 2, 3], hull_target(square)) is None
    assert area_coverage(square, [0, 2, 1], hull_target(square)) == pytest.approx(0.5)


def test_simple_polygon_edge_cases():
    line = np.array([[0, 0], [1, 0], [2, 0], [1, 1]], dtype=float)
    assert is_simple_polygon(line, [0, 1, 2, 3])  # a straight vertex is still simple
    assert not is_simple_polygon(line, [0, 1, 2])  # degenerate: folds back on itself
    assert not is_simple_polygon(line, [0, 1])  # fewer than 3 vertices
    assert not is_simple_polygon(line, [0, 1, 3, 1])  # repeated vertex
    touching = np.array([[0, 0], [2, 0], [2, 2], [1, 0], [0, 2]], dtype=float)
    assert not is_simple_polygon(touching, [0, 1, 2, 3, 4])  # vertex 3 touches edge 0-1
    assert polygon_area(line, [0, 2, 3]) == pytest.approx(1.0)


def test_delaunay_canonicalisation(rng):
    for n in (3, 5, 10):
        points = rng.random((n, 2))
        flat = delaunay_target(points)
        triangles = [flat[k : k + 3] for k in range(0, len(flat), 3)]
        assert triangles == sorted(triangles)
        for tri in triangles:
            assert tri[0] == min(tri) and signed_area(points, tri) > 0
        expected = {frozenset(s) for s in Delaunay(points).simplices.tolist()}
        assert {frozenset(t) for t in triangles} == expected
        assert triangle_coverage(flat, flat) == 1.0
        assert triangulation_exact(flat, flat)
        reversed_order = np.array(triangles[::-1])[:, ::-1]
        assert canonical_triangles(points, reversed_order) == flat


def test_triangle_coverage_counts_true_triangles_found():
    target = [0, 1, 2, 0, 2, 3]
    assert triangle_coverage([2, 1, 0], target) == 0.5  # order and orientation do not matter
    assert triangle_coverage([0, 1, 3], target) == 0.0
    assert not triangulation_exact([0, 1, 2, 2, 1, 0], target)  # a repeated triangle


@pytest.mark.parametrize("task", ["hull", "tsp", "delaunay"])
def test_bad_points_raise(task):
    with pytest.raises(ValueError, match=r"points must have shape \(n, 2\)"):
        check_points(np.zeros((5, 3)), task=task)
    with pytest.raises(ValueError, match=r"points must have shape \(n, 2\)"):
        check_points(np.zeros(10), task=task)
    with pytest.raises(ValueError, match="finite"):
        check_points([[0, 0], [1, np.nan], [1, 1]], task=task)
    with pytest.raises(ValueError, match="n >= 3"):
        check_points([[0, 0], [1, 1]], task=task)


def test_tsp_target_is_the_canonical_optimal_tour(rng):
    points = rng.random((7, 2))
    tour = tsp_target(points)
    assert tour == canonical_tour(tour) and sorted(tour) == list(range(7))
    assert tour_length(points, tour) == pytest.approx(brute_force_tsp(points)[0])


@pytest.mark.parametrize("target", [hull_target, tsp_target, delaunay_target])
def test_targets_reject_bad_points(target):
    with pytest.raises(ValueError, match=r"points must have shape \(n, 2\)"):
        target(np.zeros((6, 3)))
    with pytest.raises(ValueError, match="points must be finite"):
        target([[0, 0], [1, np.nan], [1, 1]])
    with pytest.raises(ValueError, match="needs n >= 3"):
        target([[0, 0], [1, 1]])


def test_hull_target_rejects_bad_input():
    with pytest.raises(ValueError, match="hull needs n >= 3"):
        hull_target([[0, 0], [1, 1]])
    with pytest.raises(ValueError, match="finite"):
        hull_target([[0, 0], [1, np.inf], [1, 0]])
    with pytest.raises(ValueError, match="task must be one of"):
        check_points(np.zeros((3, 2)), task="sorting")
