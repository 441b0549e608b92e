import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from qsurvey.data import digits, load_checkpoint, load_cifar10, synth_patterns, synthetic_tensor
from qsurvey.models import CNN


def test_digits_split_and_synth_shapes():
    x_tr, _, x_te, _ = digits()
    assert x_tr.shape == (1437, 1, 8, 8) and x_te.shape == (360, 1, 8, 8)
    assert abs(float(x_tr.mean())) < 1e-5
    s_tr, s_y, s_te, _ = synth_patterns(6, 2)
    assert s_tr.shape == (60, 3, 16, 16) and s_te.shape == (20, 3, 16, 16)
    assert torch.bincount(s_y).tolist() == [6] * 10


def test_synthetic_tensors():
    lap = synthetic_tensor("laplace", 200_000, scale=2.0)
    assert float((lap - lap.median()).abs().mean()) == pytest.approx(2.0, rel=0.02)
    out = synthetic_tensor("outlier", 100_000)
    assert float(out.abs().max()) > 20
    with pytest.raises(ValueError, match="kind must be"):
        synthetic_tensor("cauchy", 10)


def test_cifar10_pickle_loader(tmp_path):
    rng = np.random.default_rng(0)
    for name, n in (("data_batch_1", 4), ("data_batch_2", 3), ("test_batch", 2)):
        batch = {
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": list(range(n)),
        }
        with (tmp_path / name).open("wb") as f:
            pickle.dump(batch, f)
    x_tr, y_tr, x_te, _ = load_cifar10(tmp_path)
    assert x_tr.shape == (7, 3, 32, 32) and x_te.shape == (2, 3, 32, 32)
    assert y_tr.tolist() == [0, 1, 2, 3, 0, 1, 2]
    assert 0.0 <= float(x_tr.min()) and float(x_tr.max()) <= 1.0
    with pytest.raises(FileNotFoundError, match="no data_batch"):
        load_cifar10(tmp_path / "missing")


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_checkpoint_loader_round_trip(tmp_path, suffix):
    torch.manual_seed(0)
    src = CNN(1)
    path = tmp_path / f"ckpt{suffix}"
    state = {k: v.contiguous() for k, v in src.state_dict().items()}
    if suffix == ".pt":
        torch.save(state, path)
    else:
        save_file(state, str(path))
    dst = load_checkpoint(CNN(1), path)
    for k, v in src.state_dict().items():
        assert torch.equal(dst.state_dict()[k], v)


def test_checkpoint_with_missing_keys_names_them(tmp_path):
    state = CNN(1).state_dict()
    del state["fc.weight"], state["features.1.running_var"]
    path = tmp_path / "bad.pt"
    torch.save(state, path)
    with pytest.raises(KeyError, match=r"missing keys \['fc.weight', 'features.1.running_var'\]"):
        load_checkpoint(CNN(1), path)
