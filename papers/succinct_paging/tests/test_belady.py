import numpy as np
from helpers import brute_force_opt, naive_fitf
from hypothesis import given, settings
from hypothesis import strategies as st

from succinct_paging import belady, next_use

traces = st.lists(st.integers(0, 6), max_size=40)


def test_fitf_equals_brute_force_opt_on_200_random_traces():
    rng = np.random.default_rng(0)
    for _ in range(200):
        k = int(rng.integers(2, 4))
        seq = rng.integers(0, int(rng.integers(1, 6)), size=int(rng.integers(0, 13))).tolist()
        assert belady(seq, k)[0] == brute_force_opt(seq, k), (seq, k)


@settings(max_examples=150, deadline=None)
@given(traces, st.integers(1, 5))
def test_heap_fitf_matches_quadratic_fitf_bit_for_bit(seq, k):
    cost, bits = belady(seq, k)
    ref_cost, ref_bits, _ = naive_fitf(seq, k)
    assert cost == ref_cost
    assert bits.tolist() == ref_bits


def test_tie_break_evicts_the_largest_page_id_among_never_requested_pages():
    # at request 2 pages 0 and 1 are both never requested again: FitF evicts page 1
    assert belady([0, 1, 2], 2)[1].tolist() == [0, 1, 0]
    assert belady([5, 3, 9], 2)[1].tolist() == [1, 0, 0]
    # strings: the largest in sorted order
    assert belady(["a", "b", "c"], 2)[1].tolist() == [0, 1, 0]


@settings(max_examples=100, deadline=None)
@given(traces, st.integers(1, 5))
def test_pages_whose_latest_bit_is_0_are_always_in_fitf_cache(seq, k):
    _, bits, states = naive_fitf(seq, k)
    assert bits == belady(seq, k)[1].tolist()
    latest: dict[int, int] = {}
    for t, p in enumerate(seq):
        latest[p] = bits[t]
        assert {q for q, b in latest.items() if b == 0} <= states[t]


def test_next_use_hand_example():
    assert next_use(np.array([3, 1, 3, 3, 2, 1])).tolist() == [2, 5, 3, 6, 6, 6]


def test_empty_trace_costs_nothing():
    cost, bits = belady([], 3)
    assert cost == 0 and bits.shape == (0,)
