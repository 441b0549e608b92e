import numpy as np
from helpers import brute_force_opt
from hypothesis import given, settings
from hypothesis import strategies as st

from succinct_paging import belady, clean_pages, phase_bits, phase_partition

A, B, C, D = "a", "b", "c", "d"


def test_phase_partition_hand_example():
    seq = [A, B, A, C, C, B, A, D]  # k = 2: [a b a] [c c b] [a d]
    assert phase_partition(seq, 2).tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    # 0 iff requested in the next phase: only the first b (b is in phase 1)
    assert phase_bits(seq, 2).tolist() == [1, 0, 1, 1, 1, 1, 1, 1]
    assert clean_pages(seq, 2) == 2 + 1 + 2  # {a, b}, then c, then {a, d}


def test_phases_are_maximal_blocks_of_at_most_k_distinct_pages():
    rng = np.random.default_rng(1)
    for _ in range(50):
        k = int(rng.integers(1, 5))
        seq = rng.integers(0, 8, size=60)
        phase = phase_partition(seq, k)
        for i in range(int(phase[-1]) + 1):
            assert len(set(seq[phase == i].tolist())) <= k
            if i > 0:  # adding the next phase's first request would exceed k
                first = seq[phase == i][0]
                assert len(set(seq[phase == i - 1].tolist()) | {first}) == k + 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=60), st.integers(1, 6))
def test_clean_pages_at_most_twice_opt(seq, k):
    assert clean_pages(seq, k) <= 2 * belady(seq, k)[0]


def test_clean_pages_at_most_twice_brute_force_opt():
    rng = np.random.default_rng(2)
    for _ in range(50):
        seq = rng.integers(0, 5, size=12).tolist()
        assert clean_pages(seq, 2) <= 2 * brute_force_opt(seq, 2)
