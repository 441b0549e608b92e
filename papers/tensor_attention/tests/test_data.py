import numpy as np
import pytest

from tensor_attention import Instance, load_instance, random_instance, save_instance


def test_random_instance_respects_the_bounds():
    inst = random_instance(np.random.default_rng(0), 50, 3, 0.7)
    assert inst.Q.shape == (50, 3) and len(inst.Ks) == 2
    assert max(np.abs(m).max() for m in (inst.Q, *inst.Ks)) <= 0.7
    assert max(np.abs(v).max() for v in inst.Vs) <= 1.0
    assert random_instance(np.random.default_rng(0), 5, 2, 1.0, order=3).order == 3


@pytest.mark.parametrize("order", [2, 3])
def test_npz_round_trip(tmp_path, order):
    inst = random_instance(np.random.default_rng(order), 4, 3, 1.0, order=order)
    path = save_instance(tmp_path / "tiny.npz", inst)
    back = load_instance(path)
    assert back.order == order
    assert back.meta == {"n": 4, "d": 3, "B": 1.0, "order": order}
    for a, b in zip((inst.Q, *inst.Ks, *inst.Vs), (back.Q, *back.Ks, *back.Vs), strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_never_overwrites_silently(tmp_path):
    inst = random_instance(np.random.default_rng(0), 3, 2, 1.0)
    save_instance(tmp_path / "a.npz", inst)
    with pytest.raises(FileExistsError, match="exists"):
        save_instance(tmp_path / "a.npz", inst)
    save_instance(tmp_path / "a.npz", inst, overwrite=True)
    with pytest.raises(ValueError, match=r"must end in \.npz"):
        save_instance(tmp_path / "a.bin", inst)


def test_load_validates_keys_and_shapes(tmp_path):
    ones = np.ones((4, 3))
    np.savez(tmp_path / "missing.npz", Q=ones, K1=ones, K2=ones, V1=ones, meta=np.array("{}"))
    with pytest.raises(ValueError, match=r"missing array\(s\) \['V2'\]"):
        load_instance(tmp_path / "missing.npz")
    np.savez(
        tmp_path / "shape.npz",
        Q=ones,
        K1=ones,
        K2=np.ones((4, 2)),
        V1=ones,
        V2=ones,
        meta=np.array("{}"),
    )
    with pytest.raises(ValueError, match=r"shape\.npz: K2 must have d = 3 columns"):
        load_instance(tmp_path / "shape.npz")
    np.savez(
        tmp_path / "half3.npz",
        Q=ones,
        K1=ones,
        K2=ones,
        V1=ones,
        V2=ones,
        K3=ones,
        meta=np.array("{}"),
    )
    with pytest.raises(ValueError, match="order 3 needs both K3 and V3"):
        load_instance(tmp_path / "half3.npz")
    np.savez(
        tmp_path / "meta.npz", Q=ones, K1=ones, K2=ones, V1=ones, V2=ones, meta=np.array("[1]")
    )
    with pytest.raises(ValueError, match="meta must be a JSON object"):
        load_instance(tmp_path / "meta.npz")


def test_instance_arrays_are_the_attention_arguments():
    inst = Instance(np.ones((2, 1)), (np.ones((2, 1)),) * 3, (np.ones((2, 1)),) * 3)
    assert sorted(inst.arrays()) == ["K1", "K2", "K3", "Q", "V1", "V2", "V3"]
