"""Accelerating Data Generation for Neural Operators via Krylov Subspace Recycling
(Wang, Hao, Wang, Geng, Wang, Li & Wu, ICLR 2024): SKR at laptop scale.

- `gcrodr`, `harmonic_ritz`, `harmonic_ritz_generalized`, `real_basis`   GCRO-DR(m, k) (gcrodr.py)
- `gmres`, `scipy_gmres`, `scipy_gcrotmk`                    the baseline and peers (baselines.py)
- `arnoldi_cycle`, `orthogonalize`, `HessenbergLSQ`          the shared Arnoldi kernel (arnoldi.py)
- `greedy_order`, `sort_features`, `fft_features`, `path_length`   sorting (sorting.py)
- `skr`, `skr_order`, `skr_chunked`, `solve_sequence`        SKR over a sequence (skr.py)
- `make_preconditioner`                                      none / Jacobi / ILU / AMG
- `darcy`, `helmholtz`, `poisson_lowdim`, `poisson_official`, `load_official_npy`,
  `save_official_npy`                                        data (data.py)
- `gaussian_random_field`                                    the GRF coefficients (grf.py)
- `darcy_fv`, `darcy_official`, `laplacian_5pt`              discretizations (operators.py)
- `read_petsc_mat`, `read_petsc_vec`, `write_petsc_mat`, `write_petsc_vec`, …  (petsc_io.py)
"""

from krylov_recycling.arnoldi import HessenbergLSQ, arnoldi_cycle, orthogonalize
from krylov_recycling.baselines import gmres, scipy_gcrotmk, scipy_gmres
from krylov_recycling.data import (
    FAMILIES,
    LinearSystem,
    darcy,
    helmholtz,
    load_official_npy,
    poisson_lowdim,
    poisson_official,
    save_official_npy,
)
from krylov_recycling.gcrodr import (
    CycleState,
    gcrodr,
    harmonic_ritz,
    harmonic_ritz_generalized,
    real_basis,
)
from krylov_recycling.grf import gaussian_random_field
from krylov_recycling.operators import darcy_fv, darcy_official, laplacian_5pt
from krylov_recycling.petsc_io import (
    read_petsc_mat,
    read_petsc_sequence,
    read_petsc_vec,
    write_petsc_mat,
    write_petsc_sequence,
    write_petsc_vec,
)
from krylov_recycling.preconditioners import make_preconditioner
from krylov_recycling.skr import SequenceResult, skr, skr_chunked, skr_order, solve_sequence
from krylov_recycling.sorting import fft_features, greedy_order, path_length, sort_features
from krylov_recycling.system import SolveResult

__all__ = [
    "FAMILIES",
    "CycleState",
    "HessenbergLSQ",
    "LinearSystem",
    "SequenceResult",
    "SolveResult",
    "arnoldi_cycle",
    "darcy",
    "darcy_fv",
    "darcy_official",
    "fft_features",
    "gaussian_random_field",
    "gcrodr",
    "gmres",
    "greedy_order",
    "harmonic_ritz",
    "harmonic_ritz_generalized",
    "helmholtz",
    "laplacian_5pt",
    "load_official_npy",
    "make_preconditioner",
    "orthogonalize",
    "path_length",
    "poisson_lowdim",
    "poisson_official",
    "read_petsc_mat",
    "read_petsc_sequence",
    "read_petsc_vec",
    "real_basis",
    "save_official_npy",
    "scipy_gcrotmk",
    "scipy_gmres",
    "skr",
    "skr_chunked",
    "skr_order",
    "solve_sequence",
    "sort_features",
    "write_petsc_mat",
    "write_petsc_sequence",
    "write_petsc_vec",
]
