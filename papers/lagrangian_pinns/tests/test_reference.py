import numpy as np
import pytest
import scipy.io

from lagrangian_pinns import (
    burgers,
    burgers_spectral,
    convection,
    convection_diffusion_fft,
    load_mat_reference,
    space_grid,
    time_grid,
)


@pytest.mark.parametrize("c", [1.0, 50.0, -30.0])
def test_fft_convection_is_the_shifted_initial_condition(c):
    x, t = space_grid(128), time_grid(11)
    u = convection_diffusion_fft(convection(c), x, t)
    np.testing.assert_allclose(u, np.sin(x[:, None] - c * t[None, :]), atol=1e-10)


def test_fft_modes_decay_at_exactly_exp_minus_nu_k2_t():
    nu, x, t = 0.05, space_grid(64), time_grid(5)
    u0 = lambda x: np.sin(3 * x) + 0.5 * np.cos(7 * x)  # noqa: E731
    problem = convection(4.0, nu, u0=u0)
    u_hat = np.fft.fft(convection_diffusion_fft(problem, x, t), axis=0)
    k = np.fft.fftfreq(64, 1 / 64)
    for mode in (3, 7):
        ratio = np.abs(u_hat[k == mode, :] / u_hat[k == mode, :1])[0]
        np.testing.assert_allclose(ratio, np.exp(-nu * mode**2 * t), rtol=1e-10)


def test_burgers_solver_self_converges():
    problem = burgers(nu=0.01, c0=1.0)
    x, t = space_grid(64), np.linspace(0.0, 0.75, 4)
    coarse = burgers_spectral(problem, x, t, n=512)
    fine = burgers_spectral(problem, x, t, n=1024)
    assert np.max(np.abs(coarse - fine)) <= 1e-4
    np.testing.assert_allclose(fine[:, 0], np.sin(x) + 1.0, atol=1e-12)


def test_mat_loader_reads_the_classic_format(tmp_path):
    x, t = np.linspace(-1, 1, 6)[:, None], np.linspace(0, 1, 4)[:, None]
    usol = np.arange(24.0).reshape(6, 4)
    scipy.io.savemat(tmp_path / "burgers_shock.mat", {"x": x, "t": t, "usol": usol})
    xs, ts, u = load_mat_reference(tmp_path / "burgers_shock.mat")
    assert xs.shape == (6,) and ts.shape == (4,)
    np.testing.assert_array_equal(u, usol)


def test_mat_loader_rejects_bad_files(tmp_path):
    scipy.io.savemat(tmp_path / "a.mat", {"x": np.zeros(3), "t": np.zeros(2)})
    with pytest.raises(ValueError, match="missing"):
        load_mat_reference(tmp_path / "a.mat")
    scipy.io.savemat(tmp_path / "b.mat", {"x": np.zeros(3), "t": np.zeros(2), "usol": np.zeros(3)})
    with pytest.raises(ValueError, match="usol must have shape"):
        load_mat_reference(tmp_path / "b.mat")
    with pytest.raises(FileNotFoundError, match=r"existing \.mat"):
        load_mat_reference(tmp_path / "none.mat")
