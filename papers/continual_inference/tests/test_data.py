"""Generators and the loaders of the real formats (tiny files written here)."""

import numpy as np
import pytest

from continual_inference.data import (
    digits_transfer,
    load_features,
    moving_shapes,
    read_skeleton,
    skeleton_stream,
    token_process,
    token_stream,
    write_skeleton,
)


def test_generators_shapes_labels_and_determinism():
    v, lab = moving_shapes(np.random.default_rng(0), 70)
    assert v.shape == (70, 64, 64) and lab.shape == (70,) and set(lab) <= set(range(5))
    v2, _ = moving_shapes(np.random.default_rng(0), 70)
    np.testing.assert_array_equal(v, v2)
    runs = np.flatnonzero(np.diff(lab)) + 1
    assert np.all(np.diff(np.r_[0, runs]) >= 20)  # segments last 20-40 frames
    j, sl = skeleton_stream(np.random.default_rng(1), 50)
    assert j.shape == (3, 50, 25) and set(sl) <= set(range(6))
    proc = token_process(np.random.default_rng(2))
    x, tl = token_stream(np.random.default_rng(3), proc, 40)
    assert x.shape == (40, 64) and tl.shape == (40,)
    d = digits_transfer(np.random.default_rng(0))
    assert d["source_train_x"].shape[1:] == (1, 8, 8)
    assert set(d["target_test_y"]) == set(range(5))


def test_skeleton_round_trip_with_multi_body_frames(tmp_path):
    rng = np.random.default_rng(0)
    joints = rng.normal(size=(4, 2, 25, 3)).astype(np.float32)
    joints[1, 1] = 0  # frame 1 has one body only
    path = tmp_path / "S001C001P001R001A001.skeleton"
    write_skeleton(path, joints)
    back = read_skeleton(path)
    np.testing.assert_array_equal(back, joints)
    assert read_skeleton(path, max_bodies=1).shape == (4, 1, 25, 3)


def test_malformed_skeleton_names_the_line(tmp_path):
    path = tmp_path / "bad.skeleton"
    write_skeleton(path, np.ones((2, 1, 25, 3), dtype=np.float32))
    lines = path.read_text().split("\n")
    lines[3] = "24"  # frame 0's joint count
    path.write_text("\n".join(lines))
    with pytest.raises(ValueError, match="line 4: joint count must be 25, got 24"):
        read_skeleton(path)
    path.write_text("2\n1\n1 2 3\n")
    with pytest.raises(ValueError, match="line 3: body info needs 10 values"):
        read_skeleton(path)


def test_feature_loader(tmp_path):
    np.save(tmp_path / "video.npy", np.arange(12, dtype=np.float64).reshape(3, 4))
    x = load_features(tmp_path / "video.npy")
    assert x.dtype == np.float32 and x.shape == (3, 4)
    np.save(tmp_path / "bad.npy", np.zeros(5))
    with pytest.raises(ValueError, match=r"features must be \(T, D\)"):
        load_features(tmp_path / "bad.npy")
