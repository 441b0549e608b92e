"""Held–Karp against brute force, canonical tours, heuristics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointer_networks.geometry import canonical_tour, tour_is_valid, tour_length
from pointer_networks.solvers import (
    brute_force_tsp,
    held_karp,
    nearest_neighbour_tour,
    two_opt,
)


def test_held_karp_equals_brute_force_on_100_instances(rng):
    checked = 0
    for n in range(3, 9):
        points = rng.random((17, n, 2))
        lengths, tours = held_karp(points, chunk=5)  # chunking must not change anything
        for p, length, tour in zip(points, lengths, tours, strict=True):
            best, _ = brute_force_tsp(p)
            assert length == pytest.approx(best, abs=1e-9)
            assert tour_is_valid(tour, n) and tour[0] == 0
            assert tour_length(p, tour) == pytest.approx(best, abs=1e-9)
            checked += 1
    assert checked >= 100


def test_held_karp_handles_n_12_and_rejects_larger(rng):
    _, tours = held_karp(rng.random((2, 12, 2)))
    assert all(tour_is_valid(t, 12) for t in tours)
    with pytest.raises(ValueError, match="3 <= n <= 12"):
        held_karp(rng.random((1, 13, 2)))
    with pytest.raises(ValueError, match=r"shape \(B, n, 2\)"):
        held_karp(rng.random((12, 2)))
    with pytest.raises(ValueError, match="finite"):
        held_karp(np.full((1, 5, 2), np.nan))


@settings(max_examples=50, deadline=None)
@given(st.permutations(list(range(9))), st.integers(0, 8), st.booleans())
def test_canonical_tour_form_is_unique(tour, shift, reverse):
    """Every rotation and direction of a tour has the same canonical form."""
    variant = tour[shift:] + tour[:shift]
    if reverse:
        variant = variant[::-1]
    canonical = canonical_tour(tour)
    assert canonical_tour(variant) == canonical
    assert canonical[0] == 0 and canonical[1] < canonical[-1]
    assert sorted(canonical) == sorted(tour)


def test_heuristics_give_valid_tours_no_shorter_than_optimal(rng):
    points = rng.random((30, 9, 2))
    optimal, _ = held_karp(points)
    for p, best in zip(points, optimal, strict=True):
        nn = nearest_neighbour_tour(p)
        improved = two_opt(p, nn)
        assert tour_is_valid(nn, 9) and tour_is_valid(improved, 9)
        assert best - 1e-9 <= tour_length(p, improved) <= tour_length(p, nn) + 1e-9
