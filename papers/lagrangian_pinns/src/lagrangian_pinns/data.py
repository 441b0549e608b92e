"""Collocation grids, reference solutions, and the loader of the classic `.mat` reference format.

Reference solutions (as in the official `utils/systems_pbc.py` and
`utils/myburgers.py`):

- convection–diffusion by FFT: û_k(t) = û_k(0)·exp(−(i·c·k + ν·k²)·t), exact up to round-off;
- viscous Burgers by a pseudo-spectral solver: 2/3-rule dealiasing, classical RK4, N = 1024 modes.

Arrays of solutions are laid out space × time: u[i, j] = u(x_i, t_j), shape (n_x, n_t).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.io

from lagrangian_pinns.pde import TWO_PI, Problem


def _check_size(name: str, n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 4:
        raise ValueError(f"{name} must be an int >= 4, got {n!r}")


def space_grid(n: int) -> np.ndarray:
    """n uniform points x_i = 2πi/n in [0, 2π) (the periodic end is not repeated); shape (n,)."""
    _check_size("n (space grid size)", n)
    return np.linspace(0.0, TWO_PI, n, endpoint=False)


def time_grid(m: int, t_max: float = 1.0) -> np.ndarray:
    """m uniform times in [0, t_max], both ends included; shape (m,)."""
    _check_size("m (time grid size)", m)
    return np.linspace(0.0, t_max, m)


def collocation_grid(n: int, m: int, t_max: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The uniform n × m ξ×t (or x×t) collocation grid, flattened: (ξ, t), each of shape (n·m,)."""
    xi, t = np.meshgrid(space_grid(n), time_grid(m, t_max), indexing="ij")
    return xi.ravel(), t.ravel()


def _wavenumbers(n: int) -> np.ndarray:
    return np.fft.fftfreq(n, d=1.0 / n)


def convection_diffusion_fft(
    problem: Problem, x: np.ndarray, t: np.ndarray, *, lagrangian: bool = False
) -> np.ndarray:
    """Exact solution of u_t + c·u_x = ν·u_xx on the uniform grid x (n,) at times t (m,).

    û_k(t) = û_k(0)·e^{−(ick+νk²)t}; with `lagrangian=True` it is sampled along the straight
    characteristics x = ξ + c·t instead, i.e. û_k(0)·e^{−νk²t}. Returns shape (n, m).
    """
    if problem.kind != "convection":
        raise ValueError(f"problem.kind must be 'convection', got {problem.kind!r}")
    x, t = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
    k = _wavenumbers(x.size)
    u0_hat = np.fft.fft(np.asarray(problem.u0(x), dtype=float))
    c = 0.0 if lagrangian else problem.c
    phase = np.exp(-(1j * c * k[:, None] + problem.nu * k[:, None] ** 2) * t[None, :])
    return np.real(np.fft.ifft(u0_hat[:, None] * phase, axis=0))


def _trig_interpolate(u_hat: np.ndarray, n: int, x: np.ndarray) -> np.ndarray:
    """Evaluate the trigonometric interpolant with rfft coefficients u_hat (n//2+1,) at x."""
    k = np.arange(u_hat.size)
    weights = np.full(u_hat.size, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    return (np.exp(1j * np.outer(x, k)) @ (weights * u_hat)).real / n


def burgers_spectral(
    problem: Problem, x: np.ndarray, t: np.ndarray, *, n: int = 1024, cfl: float = 0.2
) -> np.ndarray:
    """Viscous Burgers u_t + (u²/2)_x = ν·u_xx by a dealiased pseudo-spectral RK4 solver.

    n Fourier modes, the 2/3 rule (modes |k| > n/3 zeroed in the product), a fixed step
    dt <= cfl·min(1/(max|u|·k_max), 1/(ν·k_max²)) adjusted to land on every output time.
    Returns u at the points x (any, by exact trigonometric interpolation) and times t: (len x, m).
    """
    if problem.kind != "burgers":
        raise ValueError(f"problem.kind must be 'burgers', got {problem.kind!r}")
    _check_size("n (spectral modes)", n)
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t[0] < 0 or np.any(np.diff(t) < 0):
        raise ValueError("t must be a non-decreasing 1-d array of times >= 0")
    grid = space_grid(n)
    k = np.fft.rfftfreq(n, d=1.0 / n)
    dealias = k <= n / 3.0
    ik, nu_k2 = 1j * k, problem.nu * k**2

    def rhs(v_hat):
        u = np.fft.irfft(v_hat, n=n)
        return -0.5 * ik * np.fft.rfft(u * u) * dealias - nu_k2 * v_hat

    k_max = n / 3.0
    dt_max = cfl / max(problem.u0_max * k_max, problem.nu * k_max**2, 1e-12)
    v_hat = np.fft.rfft(np.asarray(problem.u0(grid), dtype=float))
    out, now = np.empty((np.size(x), t.size)), 0.0
    for j, t_out in enumerate(t):
        steps = int(np.ceil((t_out - now) / dt_max - 1e-12))
        if steps > 0:
            dt = (t_out - now) / steps
            for _ in range(steps):
                k1 = rhs(v_hat)
                k2 = rhs(v_hat + 0.5 * dt * k1)
                k3 = rhs(v_hat + 0.5 * dt * k2)
                k4 = rhs(v_hat + dt * k3)
                v_hat = v_hat + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
            now = t_out
        out[:, j] = _trig_interpolate(v_hat, n, np.asarray(x, dtype=float))
    return out


def reference_solution(problem: Problem, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The reference u(x_i, t_j) for either PDE; shape (n, m)."""
    if problem.kind == "convection":
        return convection_diffusion_fft(problem, x, t)
    return burgers_spectral(problem, x, t)


def load_mat_reference(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a reference in the classic `burgers_shock.mat` format from a local path.

    The file holds `x` (n, 1), `t` (m, 1) and `usol` (n, m). Returns (x (n,), t (m,), usol (n, m)).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path must be an existing .mat file, got {path}")
    data = scipy.io.loadmat(path)
    missing = [key for key in ("x", "t", "usol") if key not in data]
    if missing:
        raise ValueError(f"{path}: expected keys x, t, usol in the .mat file, missing {missing}")
    x, t = np.asarray(data["x"], float).ravel(), np.asarray(data["t"], float).ravel()
    usol = np.real(np.asarray(data["usol"]))
    if usol.shape != (x.size, t.size):
        raise ValueError(
            f"{path}: usol must have shape (len x, len t) = {(x.size, t.size)}, got {usol.shape}"
        )
    return x, t, usol
