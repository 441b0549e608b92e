"""PDE families -> sequences of linear systems (A_i, b_i, parameters_i), and the official formats.

Families (all on the s × s grid of `operators`, (s − 2)² unknowns):

    darcy            −∇·(a∇u) = 1, a = exp(g), g a GRF (paper's Darcy flow; FNO recipe)
    helmholtz        −∇·(a∇u) − κ² u = 1, same a, κ ~ U(5, 15) (indefinite); the official
                     generator draws κ ~ U(0, 1), available as kappa=(0, 1)
    poisson_lowdim   −∇·(a∇u) = 1, a = exp(2 Σ_{l≤4} θ_l φ_l), θ ~ U(−1, 1)⁴, φ_l fixed and
                     smooth (a family with few parameters)
    poisson_official −Δu = f with u = g_e on the four edges, f and g_e degree-5 Chebyshev series
                     in x with coefficients ~ U(−1, 1) (the official MATLAB generator; there the
                     matrix is the same for every system and only b changes)

Formats read from a local path (and written): the official Python side (`A.npy`, an object array
of sparse matrices, only with allow_pickle=True; `b.npy`, `w.npy`, `k.npy`) and the PETSc binary
files the official C solver loads (`A_i.dat`, `rhs_i.dat`, see `petsc_io`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from krylov_recycling.grf import gaussian_random_field
from krylov_recycling.operators import VARIANTS, darcy_fv, darcy_official, laplacian_5pt


@dataclass(frozen=True)
class LinearSystem:
    """A (n, n) CSR, b (n,), and the parameters that generated them: the coefficient field
    a (s, s) and the scalar parameters (κ for Helmholtz, θ for the Poisson families)."""

    A: sp.csr_matrix
    b: np.ndarray
    field: np.ndarray
    scalars: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _check(s: int, count: int) -> None:
    if isinstance(s, bool) or not isinstance(s, int) or s < 4:
        raise ValueError(f"s (grid side, (s - 2)^2 unknowns) must be an int >= 4, got {s!r}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count (systems) must be an int >= 1, got {count!r}")


def _variable_coefficient(a: np.ndarray, variant: str, shift: float = 0.0):
    """(A, b) for −∇·(a∇u) − shift·u = 1 in the chosen discretization."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    n = (a.shape[0] - 2) ** 2
    if variant == "fv":
        A = darcy_fv(a)
        if shift:
            A = (A - shift * sp.identity(n, format="csr")).tocsr()
        return A, np.ones(n)
    A, h2 = darcy_official(a)
    if shift:
        A = (A - h2 * shift * sp.identity(n, format="csr")).tocsr()
    return A, h2 * np.ones(n)


def darcy(
    rng: np.random.Generator,
    s: int,
    count: int,
    *,
    variant: str = "fv",
    alpha: float = 2.5,
    tau: float = 7.0,
) -> list[LinearSystem]:
    """`count` Darcy systems, a = exp(GRF(α, τ)) on the s × s grid."""
    _check(s, count)
    fields = np.exp(gaussian_random_field(rng, s, count, alpha, tau))
    out = []
    for a in fields:
        A, b = _variable_coefficient(a, variant)
        out.append(LinearSystem(A=A, b=b, field=a))
    return out


def helmholtz(
    rng: np.random.Generator,
    s: int,
    count: int,
    *,
    kappa: tuple[float, float] = (5.0, 15.0),
    variant: str = "fv",
    alpha: float = 2.5,
    tau: float = 7.0,
) -> list[LinearSystem]:
    """`count` systems −∇·(a∇u) − κ² u = 1, a as in `darcy`, κ ~ U(kappa)."""
    _check(s, count)
    lo, hi = kappa
    if not 0 <= lo <= hi:
        raise ValueError(f"kappa must be a range (lo, hi) with 0 <= lo <= hi, got {kappa}")
    fields = np.exp(gaussian_random_field(rng, s, count, alpha, tau))
    kappas = rng.uniform(lo, hi, size=count)
    out = []
    for a, kap in zip(fields, kappas, strict=True):
        A, b = _variable_coefficient(a, variant, shift=kap**2)
        out.append(LinearSystem(A=A, b=b, field=a, scalars=np.array([kap])))
    return out


def lowdim_basis(s: int) -> np.ndarray:
    """The fixed smooth functions φ_l (4, s, s) of `poisson_lowdim`, each with max |φ_l| = 1/4:
    cos πx, cos πy, cos πx cos πy, sin 2πx sin 2πy (so |2 Σ θ_l φ_l| ≤ 2)."""
    x = np.linspace(0.0, 1.0, s)
    X, Y = np.meshgrid(x, x, indexing="xy")
    phis = [
        np.cos(np.pi * X),
        np.cos(np.pi * Y),
        np.cos(np.pi * X) * np.cos(np.pi * Y),
        np.sin(2 * np.pi * X) * np.sin(2 * np.pi * Y),
    ]
    return 0.25 * np.stack(phis)


def poisson_lowdim(rng: np.random.Generator, s: int, count: int) -> list[LinearSystem]:
    """`count` systems −∇·(a∇u) = 1 with a = exp(2 Σ_l θ_l φ_l), θ ~ U(−1, 1)⁴."""
    _check(s, count)
    phi = lowdim_basis(s)
    out = []
    for theta in rng.uniform(-1.0, 1.0, size=(count, 4)):
        a = np.exp(2.0 * np.tensordot(theta, phi, axes=1))
        A, b = _variable_coefficient(a, "fv")
        out.append(LinearSystem(A=A, b=b, field=a, scalars=theta))
    return out


def chebyshev_series(coefficients: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σ_k c_k T_k(x) for coefficients (degree + 1,), x any shape."""
    return np.polynomial.chebyshev.chebval(x, coefficients)


def poisson_official(
    rng: np.random.Generator, s: int, count: int, *, degree: int = 5
) -> list[LinearSystem]:
    """`count` systems −Δu = f(x), u = g_e(x) on edge e, f and g_1..g_4 Chebyshev series of
    `degree` with coefficients ~ U(−1, 1) (θ = the 5 (degree + 1) coefficients).

    As in the official generator the data depend on x only (also on the vertical edges), and the
    matrix (5-point Laplacian / h² here, P1 finite elements there) is the same for every system.
    """
    _check(s, count)
    A = laplacian_5pt(s)
    h = 1.0 / (s - 1)
    x = np.linspace(0.0, 1.0, s)
    ni = s - 2
    out = []
    for theta in rng.uniform(-1.0, 1.0, size=(count, 5, degree + 1)):
        f, g_y0, g_y1, g_x0, g_x1 = (chebyshev_series(c, x) for c in theta)
        rhs = np.tile(f[1:-1], (ni, 1))  # f(x) at the interior nodes; rows are y, columns x
        rhs[0, :] += g_y0[1:-1] / h**2  # the neighbours on the edge y = 0
        rhs[-1, :] += g_y1[1:-1] / h**2
        rhs[:, 0] += g_x0[0] / h**2  # the edge x = 0 sees g(x = 0) all along
        rhs[:, -1] += g_x1[-1] / h**2
        out.append(LinearSystem(A=A, b=rhs.ravel(), field=np.ones((s, s)), scalars=theta.ravel()))
    return out


FAMILIES = {
    "darcy": darcy,
    "helmholtz": helmholtz,
    "poisson_lowdim": poisson_lowdim,
    "poisson_official": poisson_official,
}


def save_official_npy(folder: str | Path, systems: list[LinearSystem]) -> Path:
    """Write systems as the official Python generator does: `A.npy` (object array of sparse
    matrices, pickled), `b.npy` (N, n), `w.npy` (N, s, s), and `k.npy` (N,) when the systems
    carry one scalar each (Helmholtz κ)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    mats = np.empty(len(systems), dtype=object)
    mats[:] = [s.A for s in systems]
    np.save(folder / "A.npy", mats, allow_pickle=True)
    np.save(folder / "b.npy", np.stack([s.b for s in systems]))
    np.save(folder / "w.npy", np.stack([s.field for s in systems]))
    if systems[0].scalars.size == 1:
        np.save(folder / "k.npy", np.array([s.scalars[0] for s in systems]))
    return folder


def load_official_npy(folder: str | Path, *, allow_pickle: bool = False) -> list[LinearSystem]:
    """Systems saved by the official Python generator: `A.npy`, `b.npy`, `w.npy` (and `k.npy`
    for Helmholtz) in `folder`.

    `A.npy` is an object array of scipy sparse matrices, which NumPy can only read by unpickling;
    unpickling runs code from the file, so it needs an explicit allow_pickle=True.
    """
    folder = Path(folder)
    for name in ("A.npy", "b.npy", "w.npy"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} not found (expected A.npy, b.npy, w.npy)")
    if not allow_pickle:
        raise ValueError(
            f"{folder / 'A.npy'} is a pickled object array; pass allow_pickle=True only for "
            "files you trust"
        )
    mats = np.load(folder / "A.npy", allow_pickle=True)
    b = np.load(folder / "b.npy")
    w = np.load(folder / "w.npy")
    k = np.load(folder / "k.npy") if (folder / "k.npy").is_file() else None
    if not (len(mats) == len(b) == len(w)) or (k is not None and len(k) != len(b)):
        raise ValueError(
            f"{folder}: A, b, w (and k) must hold the same number of systems, got "
            f"{len(mats)}, {len(b)}, {len(w)}" + ("" if k is None else f", {len(k)}")
        )
    out = []
    for i, (A, bi, wi) in enumerate(zip(mats, b, w, strict=True)):
        if not sp.issparse(A) or A.shape != (bi.size, bi.size):
            raise ValueError(
                f"{folder / 'A.npy'}[{i}] is not a sparse ({bi.size}, {bi.size}) matrix"
            )
        scalars = np.zeros(0) if k is None else np.atleast_1d(np.asarray(k[i], dtype=float))
        out.append(
            LinearSystem(A=sp.csr_matrix(A), b=np.asarray(bi, float), field=wi, scalars=scalars)
        )
    return out
