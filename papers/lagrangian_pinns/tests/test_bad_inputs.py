import numpy as np
import pytest

from lagrangian_pinns import Problem, collocation_grid, convection, space_grid, time_grid


def test_negative_viscosity_raises():
    with pytest.raises(ValueError, match=r"nu .* >= 0"):
        convection(1.0, nu=-0.1)


def test_non_periodic_initial_condition_raises():
    with pytest.raises(ValueError, match="u0 must be periodic"):
        convection(1.0, u0=lambda x: x)


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match="kind must be one of"):
        Problem("heat")


@pytest.mark.parametrize(
    "make", [lambda: space_grid(3), lambda: time_grid(2), lambda: collocation_grid(4, 3)]
)
def test_grids_smaller_than_four_raise(make):
    with pytest.raises(ValueError, match=">= 4"):
        make()


def test_negative_speed_is_accepted():
    problem = convection(-50.0)
    assert problem.displacement_scale == 50.0 and np.isfinite(problem.u0_max)
