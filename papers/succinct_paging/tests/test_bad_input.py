import pytest

from succinct_paging import (
    FIFO,
    LRU,
    FtP,
    LogisticPredictor,
    Mark0,
    MarkAndPredict,
    Marker,
    belady,
    clean_pages,
    errors,
    noisy,
    phase_bits,
    phase_partition,
    zipf_drift,
)

ALGORITHMS = [LRU, FIFO, Marker, FtP, Mark0, MarkAndPredict]
SEQ = [1, 2, 3, 1]


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_k_must_be_a_positive_int(k):
    for fn in (belady, phase_partition, phase_bits, clean_pages):
        with pytest.raises(ValueError, match="k must be an int >= 1"):
            fn(SEQ, k)
    for cls in ALGORITHMS:
        with pytest.raises(ValueError, match="k must be an int >= 1"):
            cls(k)


@pytest.mark.parametrize("cls", [FtP, Mark0, MarkAndPredict])
def test_bits_of_wrong_length_or_values_are_refused(cls):
    with pytest.raises(ValueError, match="bits must have one bit per request: length 4"):
        cls(2).run(SEQ, [0, 1, 0])
    with pytest.raises(ValueError, match="bits must contain only 0 and 1"):
        cls(2).run(SEQ, [0, 1, 2, 0])
    with pytest.raises(ValueError, match="bits must contain only 0 and 1"):
        cls(2).run(SEQ, ["0", "1", "0", "1"])
    with pytest.raises(ValueError, match="bits are required"):
        cls(2).run(SEQ)


def test_error_counts_refuse_mismatched_bits():
    with pytest.raises(ValueError, match="pred must have one bit per request"):
        errors([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="truth must contain only 0 and 1"):
        errors([0, 1], [0, 3])


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), "0.1", None])
def test_p_outside_unit_interval_is_refused(p):
    with pytest.raises(ValueError, match="p must be"):
        noisy([0, 1, 1], p, seed=0)


def test_unhashable_page_is_refused_naming_its_position():
    calls = (lambda s: belady(s, 2), lambda s: Mark0(2).run(s, [0, 0, 0]), lambda s: LRU(2).run(s))
    for fn in calls:
        with pytest.raises(ValueError, match=r"seq\[1\] = \[2\] is unhashable"):
            fn([1, [2], 3])


def test_bad_mode_seed_and_generator_arguments():
    with pytest.raises(ValueError, match="mode must be one of"):
        Mark0(2, mode="random")
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        Mark0(2, "rand", seed=-1)
    with pytest.raises(ValueError, match="N must be an int >= 1"):
        zipf_drift(10, 0)
    with pytest.raises(ValueError, match="reshuffle must be an int >= 1"):
        zipf_drift(10, 5, reshuffle=0)
    with pytest.raises(ValueError, match="seq must be a non-empty training trace"):
        LogisticPredictor().fit([], [])


@pytest.mark.parametrize("cls", ALGORITHMS)
def test_empty_trace_costs_zero(cls):
    bits = [] if cls in (FtP, Mark0, MarkAndPredict) else None
    assert cls(3).run([], bits) == 0
    assert belady([], 3)[0] == 0 and clean_pages([], 3) == 0
