"""Seeding: one call makes a run repeatable on CPU.

`seed_everything` seeds Python's `random`, NumPy's legacy global generator and, when they are
installed, torch (CPU and CUDA) with deterministic algorithms switched on. JAX has no global state:
`jax_key` returns the `jax.random` key a run should split from.
"""

from __future__ import annotations

import importlib.util
import os
import random

import numpy as np


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return int(seed)


def seed_everything(seed: int, *, deterministic: bool = True) -> np.random.Generator:
    """Seed every generator a paper may touch and return a fresh `np.random.Generator(seed)`.

    With `deterministic=True`, torch is told to use deterministic algorithms (warn-only, so an
    op without a deterministic kernel still runs) and cuDNN benchmarking is switched off.
    """
    seed = _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - legacy global state, seeded for third-party code
    os.environ["PYTHONHASHSEED"] = str(seed)  # inherited by worker processes
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.manual_seed(seed)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.benchmark = False
    return np.random.default_rng(seed)


def jax_key(seed: int):
    """The root `jax.random` key for `seed` (split it; never reuse it)."""
    import jax

    return jax.random.key(_check_seed(seed))
