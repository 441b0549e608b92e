import os
import random

import numpy as np
import pytest

from papershelf import seed_everything, set_threads, thread_info


def test_same_seed_same_streams():
    def draw():
        rng = seed_everything(123)
        return random.random(), np.random.rand(), rng.random()  # noqa: NPY002

    assert draw() == draw()
    first = draw()
    seed_everything(124)
    assert random.random() != first[0]


def test_seed_seeds_torch_when_installed():
    torch = pytest.importorskip("torch")
    seed_everything(7)
    a = torch.rand(3)
    seed_everything(7)
    assert torch.equal(a, torch.rand(3))


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "3", True])
def test_bad_seed_is_rejected(bad):
    with pytest.raises((ValueError, TypeError), match="seed must be"):
        seed_everything(bad)


def test_set_threads_pins_blas_and_is_recorded():
    assert set_threads(1) == 1
    info = thread_info()
    assert info and all(n == 1 for n in info.values())
    assert os.environ["OPENBLAS_NUM_THREADS"] == os.environ["OMP_NUM_THREADS"] == "1"


@pytest.mark.parametrize("bad", [0, -2, 1.0, True])
def test_set_threads_rejects_non_positive(bad):
    with pytest.raises(ValueError, match="threads must be a positive int"):
        set_threads(bad)
