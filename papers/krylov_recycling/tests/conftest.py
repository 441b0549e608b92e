import os

os.environ["PAPERSHELF_PROGRESS"] = "0"

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from krylov_recycling import darcy

_limits = threadpool_limits(1)  # the suite's tiny dense ops are slowest with 2 BLAS threads


@pytest.fixture(scope="session")
def darcy18():
    """Six Darcy systems on the 18 × 18 grid (256 unknowns)."""
    return darcy(np.random.default_rng(0), 18, 6)


def nonsymmetric(rng: np.random.Generator, n: int, shift: float = 3.0) -> np.ndarray:
    """A well-conditioned nonsymmetric (n, n) matrix: shift·I + a random perturbation."""
    return shift * np.eye(n) + rng.standard_normal((n, n)) / np.sqrt(n)
