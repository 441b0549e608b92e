import os

os.environ["PAPERSHELF_PROGRESS"] = "0"

import numpy as np
import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def mixed_batch(rng: np.random.Generator, ns=(5, 8, 3, 6)) -> tuple[torch.Tensor, torch.Tensor]:
    """Points (B, max n, 2) zero-padded, and their lengths."""
    points = torch.zeros(len(ns), max(ns), 2)
    for b, n in enumerate(ns):
        points[b, :n] = torch.as_tensor(rng.random((n, 2)), dtype=torch.float32)
    return points, torch.tensor(ns)


def assert_close(actual: torch.Tensor, expected: torch.Tensor, atol=1e-6, rtol=1e-5) -> None:
    """torch.allclose with the largest difference in the message (`torch.testing` takes
    seconds to import)."""
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    diff = (actual - expected).abs().max().item() if actual.numel() else 0.0
    assert torch.allclose(actual, expected, atol=atol, rtol=rtol), f"max |difference| = {diff}"
