"""Lagrangian PINNs (Mojgani, Balajewicz & Hassanzadeh): a Papershelf reproduction in JAX/Flax."""

from lagrangian_pinns.baselines import PINN_POLAR, PINNWeights, pinn_loss, pinn_residual
from lagrangian_pinns.data import (
    burgers_spectral,
    collocation_grid,
    convection_diffusion_fft,
    load_mat_reference,
    reference_solution,
    space_grid,
    time_grid,
)
from lagrangian_pinns.derivatives import d_dt, d_dx, eulerian_derivatives
from lagrangian_pinns.diagnostics import (
    modes_for_energy,
    snapshot_singular_values,
    top_hessian_eigenvalue,
)
from lagrangian_pinns.evaluate import (
    lpinn_prediction,
    periodic_interp,
    pinn_prediction,
    relative_l2,
)
from lagrangian_pinns.lpinn import (
    LPINN_POLAR,
    LPINNWeights,
    lagrangian_loss,
    lpinn_loss,
    lpinn_residuals,
)
from lagrangian_pinns.pde import Problem, burgers, convection, gaussian_ic, sin_ic
from lagrangian_pinns.train import TrainConfig, TrainingDiverged, TrainResult, train

__all__ = [
    "LPINN_POLAR",
    "PINN_POLAR",
    "LPINNWeights",
    "PINNWeights",
    "Problem",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "burgers",
    "burgers_spectral",
    "collocation_grid",
    "convection",
    "convection_diffusion_fft",
    "d_dt",
    "d_dx",
    "eulerian_derivatives",
    "gaussian_ic",
    "lagrangian_loss",
    "load_mat_reference",
    "lpinn_loss",
    "lpinn_prediction",
    "lpinn_residuals",
    "modes_for_energy",
    "periodic_interp",
    "pinn_loss",
    "pinn_prediction",
    "pinn_residual",
    "reference_solution",
    "relative_l2",
    "sin_ic",
    "snapshot_singular_values",
    "space_grid",
    "time_grid",
    "top_hessian_eigenvalue",
    "train",
]
