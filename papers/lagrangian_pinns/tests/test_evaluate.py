import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagrangian_pinns import periodic_interp, relative_l2


def f(x):
    return np.sin(x) + 0.5 * np.cos(2 * x)


def _error(n, rng, shift):
    points = np.linspace(0, 2 * np.pi, n, endpoint=False) + shift
    points = points + 2 * np.pi * rng.integers(-3, 4, n)  # unwrapped, as characteristics are
    order = rng.permutation(n)
    query = np.linspace(0, 2 * np.pi, 301)
    return np.max(np.abs(periodic_interp(points[order], f(points[order]), query) - f(query)))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), shift=st.floats(-10.0, 10.0))
def test_periodic_interpolation_is_second_order(seed, shift):
    rng = np.random.default_rng(seed)
    coarse, fine = _error(64, rng, shift), _error(128, rng, shift)
    h = 2 * np.pi / 64
    assert coarse <= 1.2 * h**2  # |f''| <= 3, linear interpolation error <= h²|f''|/8
    assert coarse / fine > 3.0


def test_relative_l2_uses_the_offset():
    ref = 10 + np.sin(np.linspace(0, 6, 50))
    assert relative_l2(ref + 0.01, ref, offset=10.0) > 10 * relative_l2(ref + 0.01, ref)
    with pytest.raises(ValueError, match="one shape"):
        relative_l2(np.zeros(3), np.zeros(4))
