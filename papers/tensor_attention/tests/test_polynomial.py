from itertools import pairwise

import numpy as np
import pytest
from numpy.polynomial import polynomial as npoly

from tensor_attention import (
    DEGREE_CAP,
    FastMethodUnavailable,
    certified_degree,
    chebyshev_bound,
    chebyshev_exp,
    choose_degree,
    poly_exp,
)


@pytest.mark.parametrize("R", [0.25, 0.5, 1.0, 2.0, 4.0, 8.0])
def test_error_decreases_monotonically_in_degree(R):
    """δ(R, g) falls with g until it reaches float64 rounding (here: above 1e-11)."""
    deltas = [poly_exp(R, g).delta for g in range(1, DEGREE_CAP + 1)]
    above_floor = [d for d in deltas if d > 1e-11]
    assert len(above_floor) >= 4
    assert all(b < a for a, b in pairwise(above_floor))


def test_delta_is_the_relative_error_of_the_monomial_form():
    poly = poly_exp(2.0, 9)
    x = np.linspace(-2.0, 2.0, 2001)
    rel = np.abs(npoly.polyval(x, poly.coef) - np.exp(x - 2.0)) / np.exp(x - 2.0)
    assert poly.delta == pytest.approx(rel.max(), rel=1e-12)
    assert poly.coef.shape == (10,)
    assert not poly.coef.flags.writeable


def test_relative_fit_beats_absolute_fit_at_the_small_end():
    """An absolute-error fit of e^{x−R} leaves a large *relative* error where e^{x−R} is small."""
    R, g = 4.0, 8
    x = np.linspace(-R, R, 2001)
    f = np.exp(x - R)
    absolute = npoly.polyfit(x, f, g)
    rel_absolute = np.max(np.abs(npoly.polyval(x, absolute) - f) / f)
    assert poly_exp(R, g).delta < rel_absolute / 10


def test_choose_degree_is_the_smallest_degree_meeting_eps_over_3():
    poly = choose_degree(1.0, 1e-6)
    assert poly.delta <= 1e-6 / 3
    assert poly_exp(1.0, poly.degree - 1).delta > 1e-6 / 3
    assert choose_degree(8.0, 1e-6).degree > 2 * poly.degree


def test_choose_degree_refuses_past_the_cap_and_recommends_exact():
    with pytest.raises(FastMethodUnavailable, match=r"degree > 24.*use tensor_attention_exact"):
        choose_degree(27.0, 1e-6)
    with pytest.raises(FastMethodUnavailable, match="degree > 5"):
        choose_degree(1.0, 1e-6, cap=5)


@pytest.mark.parametrize("eps", [0.0, 1.0, -0.1, 2.0, float("nan")])
def test_eps_outside_zero_one_is_rejected(eps):
    with pytest.raises(ValueError, match=r"eps must lie in \(0, 1\)"):
        choose_degree(1.0, eps)


def test_radius_must_be_positive():
    with pytest.raises(ValueError, match="R must be a positive finite number"):
        poly_exp(0.0, 3)
    with pytest.raises(ValueError, match="degree g must be a non-negative int"):
        poly_exp(1.0, -1)


@pytest.mark.parametrize(("R", "g"), [(0.5, 4), (1.0, 6), (2.0, 10), (4.0, 14)])
def test_chebyshev_bound_certifies_the_truncated_series(R, g):
    x = np.linspace(-R, R, 2001)
    f = np.exp(x - R)
    rel = np.max(np.abs(npoly.polyval(x, chebyshev_exp(R, g)) - f) / f)
    assert rel <= chebyshev_bound(R, g) * (1 + 1e-6) + 1e-13
    assert chebyshev_bound(R, g) < 3 * rel + 1e-13  # and it is not loose by much


def test_certified_degree_grows_with_the_radius():
    degrees = [certified_degree(B**3, 1e-6) for B in (0.5, 1.0, 2.0, 3.0)]
    assert degrees == sorted(degrees)
    assert degrees[-1] > 3 * degrees[1]
    assert chebyshev_bound(1.0, certified_degree(1.0, 1e-6)) <= 1e-6 / 3
