import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lagrangian_pinns import (
    LPINN_POLAR,
    PINN_POLAR,
    burgers,
    collocation_grid,
    convection,
    convection_diffusion_fft,
    gaussian_ic,
    lagrangian_loss,
    lpinn_loss,
    lpinn_prediction,
    modes_for_energy,
    pinn_loss,
    snapshot_singular_values,
    space_grid,
    time_grid,
)


def _grid(n=16, m=8):
    xi, t = (jnp.asarray(a) for a in collocation_grid(n, m))
    return xi, t, jnp.asarray(space_grid(n))


@pytest.mark.parametrize("c", [50.0, -50.0, 0.0])
def test_exact_lagrangian_solution_has_zero_loss(c):
    problem = convection(c)
    xi, t, xi0 = _grid()
    loss = lagrangian_loss(
        lambda a, b: problem.u0(a) + 0 * b, lambda a, b: a + c * b, problem, xi, t, xi0
    )
    assert float(loss) == pytest.approx(0.0, abs=1e-9)


def test_exact_inviscid_burgers_characteristics_have_zero_loss():
    problem = burgers(nu=0.0, c0=10.0)
    xi, t, xi0 = _grid()
    loss = lagrangian_loss(
        lambda a, b: problem.u0(a) + 0 * b,
        lambda a, b: a + problem.u0(a) * b,
        problem,
        xi,
        t,
        xi0,
    )
    assert float(loss) == pytest.approx(0.0, abs=1e-9)


def test_a_wrong_characteristic_is_penalised():
    problem = convection(50.0)
    xi, t, xi0 = _grid()
    loss = lagrangian_loss(
        lambda a, b: problem.u0(a) + 0 * b, lambda a, b: a + 49.0 * b, problem, xi, t, xi0
    )
    assert float(loss) > 1.0


def test_displacement_scale_is_speed_times_t_max():
    assert LPINN_POLAR.for_problem(convection(-50.0)).scale == pytest.approx(50.0)
    assert LPINN_POLAR.for_problem(burgers(c0=10.0)).scale == pytest.approx(11.0, rel=1e-6)


@pytest.mark.parametrize("share", [False, True])
def test_losses_are_finite_for_both_models(share):
    xi, t, xi0 = _grid()
    problem = burgers()
    lp = LPINN_POLAR.for_problem(problem, share_layers=share)
    assert np.isfinite(float(lpinn_loss(lp.init(jax.random.key(1)), lp, problem, xi, t, xi0)))
    if not share:
        pinn = PINN_POLAR()
        params = pinn.init(jax.random.key(1))
        assert np.isfinite(float(pinn_loss(params, pinn, problem, xi, t, xi0)))


def test_nwidth_of_a_convected_bump():
    problem = convection(50.0, u0=gaussian_ic(0.2))
    x, t = space_grid(256), time_grid(100)
    eulerian = snapshot_singular_values(convection_diffusion_fft(problem, x, t))
    lagrangian = snapshot_singular_values(convection_diffusion_fft(problem, x, t, lagrangian=True))
    assert modes_for_energy(eulerian, 0.999) >= 10
    assert modes_for_energy(lagrangian, 0.999) == 1


def test_crossing_characteristics_warn_but_still_predict():
    model = LPINN_POLAR(scale=200.0)
    params = model.init(jax.random.key(3))
    x, t = space_grid(32), time_grid(5)
    with pytest.warns(RuntimeWarning, match="crossing characteristics"):
        u = lpinn_prediction(model, params, x, t)
    assert u.shape == (32, 5) and np.all(np.isfinite(u))
