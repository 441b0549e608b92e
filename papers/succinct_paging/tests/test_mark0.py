import numpy as np
import pytest
from helpers import naive_fitf
from hypothesis import given, settings
from hypothesis import strategies as st

from succinct_paging import (
    FtP,
    Mark0,
    belady,
    cyclic,
    errors,
    inverted,
    noisy,
    phase_partition,
    ping_pong,
)

MODES = ("det", "rand")


def random_traces(count: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        k = int(rng.integers(1, 7))
        yield rng.integers(0, int(rng.integers(k, 3 * k + 2)), size=int(rng.integers(0, 300))), k


@pytest.mark.parametrize("mode", MODES)
def test_consistency_perfect_discard_bits_give_exactly_opt(mode):
    for i, (seq, k) in enumerate(random_traces(50, seed=3)):
        opt, bits = belady(seq, k)
        assert Mark0(k, mode, seed=i).run(seq, bits) == opt


def test_ftp_is_consistent_too():
    for seq, k in random_traces(50, seed=4):
        opt, bits = belady(seq, k)
        assert FtP(k).run(seq, bits) == opt


def test_ping_pong_ftp_faults_on_every_request_mark0_does_not():
    n = 200
    seq = ping_pong(n)
    bits = np.ones(n, dtype=np.int8)
    bits[0] = 0  # a: keep; b, c: "safe to evict", always wrong after the first phase
    assert belady(seq, 2)[0] == 3
    assert FtP(2).run(seq, bits) == n
    for mode in MODES:
        assert Mark0(2, mode).run(seq, bits) <= 4


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_cyclic_with_adversarial_bits_mark0_within_2k_opt(k):
    seq = cyclic(k + 1, 40 * (k + 1))
    opt, truth = belady(seq, k)
    adversarial = {
        "inverted": inverted(truth),
        "all1": np.ones(len(seq), dtype=np.int8),
        "all0": np.zeros(len(seq), dtype=np.int8),
        "noisy": noisy(truth, 0.5, seed=k),
    }
    for bits in adversarial.values():
        assert Mark0(k, "det").run(seq, bits) <= 2 * k * (opt + 1)


@pytest.mark.parametrize("mode", MODES)
def test_after_distrust_mark0_never_evicts_a_marked_page(mode):
    switched = 0
    for i, (seq, k) in enumerate(random_traces(40, seed=5)):
        _, truth = belady(seq, k)
        algo = Mark0(k, mode, seed=i, record=True)
        algo.run(seq, noisy(truth, 0.3, seed=i))
        for ev in algo.evictions:
            assert not (ev.distrust and ev.marked), ev
        switched += any(ev.distrust for ev in algo.evictions)
    assert switched > 0  # the property was exercised


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 8), max_size=80), st.integers(1, 5), st.data())
def test_smoothness_bound_alg_le_opt_plus_k_eta(seq, k, data):
    opt, truth = belady(seq, k)
    bits = data.draw(st.lists(st.integers(0, 1), min_size=len(seq), max_size=len(seq)))
    eta0, eta1 = errors(bits, truth)
    assert Mark0(k, "det").run(seq, bits) <= opt + k * (eta0 + eta1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 8), max_size=80), st.integers(1, 5), st.data())
def test_robustness_at_most_2k_faults_per_phase_whatever_the_bits(seq, k, data):
    bits = data.draw(st.lists(st.integers(0, 1), min_size=len(seq), max_size=len(seq)))
    phases = int(phase_partition(seq, k)[-1]) + 1 if seq else 0
    opt = belady(seq, k)[0]
    for mode in MODES:
        cost = Mark0(k, mode, seed=1).run(seq, bits)
        assert cost <= 2 * k * phases
        assert cost <= 2 * k * (opt + 1)


def test_mark0_cache_bit0_pages_are_in_fitf_cache_step_by_step():
    for seq, k in random_traces(30, seed=6):
        seq = seq.tolist()
        _, bits, fitf_states = naive_fitf(seq, k)
        algo = Mark0(k, "det", record=True)
        algo.run(seq, bits)
        evicted_at = {ev.t: ev.page for ev in algo.evictions}
        ids = sorted(set(seq))  # Eviction.page is a page id: index into the sorted pages
        cache: set[int] = set()
        latest: dict[int, int] = {}
        for t, p in enumerate(seq):
            if t in evicted_at:
                cache.discard(ids[evicted_at[t]])
            cache.add(p)
            latest[p] = bits[t]
            assert {q for q in cache if latest[q] == 0} <= fitf_states[t]


def test_rand_mode_repeats_exactly_with_a_seed():
    seq = np.random.default_rng(7).integers(0, 30, size=2000)
    _, truth = belady(seq, 8)
    bits = noisy(truth, 0.2, seed=0)
    runs = [Mark0(8, "rand", seed=11).run(seq, bits) for _ in range(2)]
    assert runs[0] == runs[1]
    algo = Mark0(8, "rand", seed=11)
    assert algo.run(seq, bits) == algo.run(seq, bits)
