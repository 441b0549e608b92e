import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from succinct_paging import FIFO, LRU, FtP, Mark0, MarkAndPredict, Marker, belady, cyclic


def test_lru_and_fifo_hand_example():
    seq = [1, 2, 1, 3, 1, 2]  # k = 2
    # LRU: 1 2 (hit 1) 3 evicts 2, (hit 1), 2 evicts 3 -> 4 faults
    assert LRU(2).run(seq) == 4
    # FIFO: 1 2 (hit 1) 3 evicts 1, 1 evicts 2, 2 evicts 3 -> 5 faults
    assert FIFO(2).run(seq) == 5


def test_cyclic_k_plus_1_defeats_lru_fifo_and_deterministic_marking():
    k, n = 4, 100
    seq = cyclic(k + 1, n)
    assert LRU(k).run(seq) == FIFO(k).run(seq) == Marker(k, "det").run(seq) == n
    assert belady(seq, k)[0] == k + -(-(n - k) // k)  # one fault per k requests after warm-up
    assert np.mean([Marker(k, "rand", seed=s).run(seq) for s in range(5)]) < n


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 8), max_size=80), st.integers(1, 5), st.data())
def test_nobody_beats_opt(seq, k, data):
    bits = data.draw(st.lists(st.integers(0, 1), min_size=len(seq), max_size=len(seq)))
    opt = belady(seq, k)[0]
    assert opt <= LRU(k).run(seq)
    assert opt <= FIFO(k).run(seq)
    assert opt <= Marker(k, "rand", seed=0).run(seq)
    assert opt <= FtP(k).run(seq, bits)
    assert opt <= Mark0(k, "rand", seed=0).run(seq, bits)
    assert opt <= MarkAndPredict(k, "det").run(seq, bits)


def test_all_zero_bits_make_mark0_lru_and_ftp_lru():
    seq = np.random.default_rng(10).integers(0, 25, size=1500)
    zeros = np.zeros(len(seq), dtype=np.int8)
    assert Mark0(6).run(seq, zeros) == FtP(6).run(seq, zeros) == LRU(6).run(seq)
