import os

os.environ["PAPERSHELF_PROGRESS"] = "0"

import pytest
import torch

torch.set_num_threads(1)  # tiny tensors: one thread is faster than two on a shared 2-core box


@pytest.fixture
def fp64():
    """Run a test with float64 as torch's default dtype (exactness checks), then restore it."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)
