import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from succinct_paging import (
    MarkAndPredict,
    Marker,
    belady,
    clean_pages,
    inverted,
    phase_bits,
    phase_partition,
)

MODES = ("det", "rand")


@pytest.mark.parametrize("mode", MODES)
def test_consistency_perfect_phase_bits_cost_exactly_clean_pages(mode):
    rng = np.random.default_rng(8)
    for i in range(50):
        k = int(rng.integers(1, 7))
        seq = rng.integers(0, int(rng.integers(k, 3 * k + 2)), size=int(rng.integers(0, 300)))
        cost = MarkAndPredict(k, mode, seed=i).run(seq, phase_bits(seq, k))
        assert cost == clean_pages(seq, k)
        assert cost <= 2 * belady(seq, k)[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 8), max_size=80), st.integers(1, 5), st.data())
def test_marking_algorithm_at_most_k_faults_per_phase_whatever_the_bits(seq, k, data):
    bits = data.draw(st.lists(st.integers(0, 1), min_size=len(seq), max_size=len(seq)))
    phases = int(phase_partition(seq, k)[-1]) + 1 if seq else 0
    for mode in MODES:
        cost = MarkAndPredict(k, mode, seed=2).run(seq, bits)
        assert clean_pages(seq, k) <= cost <= k * phases


def test_rand_mode_ignores_bits_after_a_stale_fault():
    # inverted phase bits send det Mark&Predict after exactly the pages needed in the phase;
    # the rand stale rule falls back to Marker's uniform choice and stays within Marker's range
    seq = np.random.default_rng(9).integers(0, 30, size=3000)
    bad = inverted(phase_bits(seq, 10))
    det = MarkAndPredict(10, "det").run(seq, bad)
    rand = np.mean([MarkAndPredict(10, "rand", seed=s).run(seq, bad) for s in range(5)])
    marker = np.mean([Marker(10, "rand", seed=s).run(seq) for s in range(5)])
    assert rand < det
    assert rand <= 1.35 * marker
