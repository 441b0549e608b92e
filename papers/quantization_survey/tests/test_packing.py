import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from qsurvey.packing import PackedTensor, fp32_bytes, model_bytes, pack, unpack


@settings(max_examples=50, deadline=None)
@given(bits=st.sampled_from([2, 4, 8]), n=st.integers(0, 300), seed=st.integers(0, 10_000))
def test_pack_unpack_are_exact_inverses(bits, n, seed):
    g = torch.Generator().manual_seed(seed)
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    q = torch.randint(lo, hi + 1, (n,), generator=g).to(torch.int8)
    packed = pack(q, bits)
    assert packed.dtype == torch.uint8 and packed.numel() == -(-n * bits // 8)
    assert torch.equal(unpack(packed, bits, n), q)


def test_int4_nibble_layout():
    assert pack(torch.tensor([1, -1], dtype=torch.int8), 4).tolist() == [0xF1]
    assert pack(torch.tensor([1, -2, 0, -1], dtype=torch.int8), 2).tolist() == [0b11001001]


def test_pack_width_mismatching_dtype_or_range_raises():
    with pytest.raises(ValueError, match="needs int8 codes"):
        pack(torch.tensor([1, 2], dtype=torch.int32), 4)
    with pytest.raises(ValueError, match=r"holds codes in \[-8, 7\]"):
        pack(torch.tensor([9], dtype=torch.int8), 4)
    with pytest.raises(ValueError, match="pack width must be one of"):
        pack(torch.tensor([1], dtype=torch.int8), 3)
    with pytest.raises(ValueError, match="expects uint8"):
        unpack(torch.tensor([1], dtype=torch.int8), 4, 2)


def test_model_bytes_is_exact():
    q = torch.zeros(10, 9, dtype=torch.int8)
    w4 = PackedTensor.from_codes(q, 4, torch.ones(10))
    w8 = PackedTensor.from_codes(q, 8, torch.ones(10), torch.zeros(10, dtype=torch.int32))
    assert w4.nbytes() == 45 + 40
    assert w8.nbytes() == 90 + 40 + 40
    assert model_bytes([w4, w8], [torch.zeros(10)]) == 85 + 170 + 40
    assert fp32_bytes(torch.nn.Linear(9, 10)) == 400
    assert torch.equal(w4.codes(), q)
