import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from succinct_paging import (
    LogisticPredictor,
    belady,
    constant,
    errors,
    inverted,
    noisy,
    oracle,
    phase_bits,
    reuse_features,
    zipf_drift,
)


def test_error_counts_hand_example():
    truth = [1, 1, 0, 0, 1]
    pred = [0, 1, 1, 0, 0]
    assert errors(pred, truth) == (2, 1)  # η_0: predicted 0, truth 1; η_1: the reverse


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 1), max_size=200), st.integers(0, 2**31))
def test_noisy_is_nested_in_p_and_exact_at_the_ends(bits, seed):
    assert noisy(bits, 0.0, seed).tolist() == oracle(bits).tolist() == list(bits)
    assert noisy(bits, 1.0, seed).tolist() == inverted(bits).tolist()
    small, large = noisy(bits, 0.1, seed), noisy(bits, 0.4, seed)
    flipped_small = small != np.asarray(bits, dtype=np.int8)
    flipped_large = large != np.asarray(bits, dtype=np.int8)
    assert not (flipped_small & ~flipped_large).any()


def test_noisy_flip_rate_is_p():
    bits = np.zeros(20000, dtype=np.int8)
    assert abs(noisy(bits, 0.2, seed=1).mean() - 0.2) < 0.01


def test_constant_and_inverted_error_counts():
    truth = np.array([1, 0, 0, 1, 1], dtype=np.int8)
    assert errors(constant(5, 0), truth) == (3, 0)
    assert errors(constant(5, 1), truth) == (0, 2)
    assert sum(errors(inverted(truth), truth)) == 5


def test_reuse_features_hand_example():
    x = np.expm1(reuse_features([7, 8, 7, 7]))
    n = 4
    np.testing.assert_allclose(x[:, 0], [n, n, 2, 1])  # gap since the latest use
    np.testing.assert_allclose(x[:, 1], [n, n, n, 2])  # gap between the two uses before
    np.testing.assert_allclose(x[:, 2], [0, 0, 1, 2])  # frequency so far


def test_learned_predictor_beats_majority_class_on_held_out_trace():
    k, n, N = 10, 5000, 60
    train, test = zipf_drift(n, N, seed=100), zipf_drift(n, N, seed=200)
    for truth_of in (lambda s: belady(s, k)[1], lambda s: phase_bits(s, k)):
        model = LogisticPredictor().fit(train, truth_of(train))
        truth = truth_of(test)
        accuracy = (model.predict(test) == truth).mean()
        assert accuracy > max(truth.mean(), 1 - truth.mean())
