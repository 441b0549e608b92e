import jax
import jax.numpy as jnp
import numpy as np

from lagrangian_pinns import PINN_POLAR, d_dt, d_dx, eulerian_derivatives


def _pinn():
    model = PINN_POLAR(depth=3, width=16)
    params = model.init(jax.random.key(0))
    return lambda x, t: model.u(params, x, t)


def test_polar_embedding_makes_the_network_exactly_periodic():
    u = _pinn()
    t = jnp.linspace(0.0, 1.0, 7)
    np.testing.assert_allclose(u(jnp.zeros(7), t), u(jnp.full(7, 2 * jnp.pi), t), atol=1e-6)


def test_jvp_derivatives_agree_with_finite_differences():
    u = _pinn()
    rng = np.random.default_rng(0)
    x, t, h = jnp.asarray(rng.uniform(0, 6.2, 9)), jnp.asarray(rng.uniform(0, 1, 9)), 1e-4
    fd_x = (u(x + h, t) - u(x - h, t)) / (2 * h)
    fd_t = (u(x, t + h) - u(x, t - h)) / (2 * h)
    fd_xx = (u(x + h, t) - 2 * u(x, t) + u(x - h, t)) / h**2
    np.testing.assert_allclose(d_dx(u)(x, t), fd_x, atol=1e-4)
    np.testing.assert_allclose(d_dt(u)(x, t), fd_t, atol=1e-4)
    np.testing.assert_allclose(d_dx(d_dx(u))(x, t), fd_xx, atol=1e-4)


def test_chain_rule_recovers_eulerian_derivatives():
    def x_of(xi, t):
        return xi + 0.3 * jnp.sin(xi) + 0 * t

    def u_of(xi, t):
        return jnp.sin(x_of(xi, t))

    xi = jnp.linspace(0.0, 2 * jnp.pi, 33)
    t = jnp.zeros_like(xi)
    u_x, u_xx = eulerian_derivatives(u_of, x_of, xi, t)
    x = x_of(xi, t)
    np.testing.assert_allclose(u_x, jnp.cos(x), atol=1e-6)
    np.testing.assert_allclose(u_xx, -jnp.sin(x), atol=1e-6)
