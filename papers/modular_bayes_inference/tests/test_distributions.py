import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modular_bayes_inference.distributions import (
    Bernoulli,
    Beta,
    Categorical,
    Gamma,
    Normal,
    Poisson,
)

U = np.random.default_rng(0).random(4000)


@pytest.mark.parametrize(
    ("dist", "ref"),
    [
        (Normal(0.5, 2.0), stats.norm(0.5, 2.0)),
        (Gamma(2.5, 1.5), stats.gamma(2.5, scale=1 / 1.5)),
        (Beta(2.0, 5.0), stats.beta(2.0, 5.0)),
    ],
)
def test_continuous_quantile_maps_match_scipy(dist, ref):
    xs = [dist.quantile(u) for u in U]
    assert stats.kstest(xs, ref.cdf).pvalue > 1e-3
    x = float(np.median(xs))
    assert dist.log_prob(x) == pytest.approx(ref.logpdf(x), rel=1e-9)


@pytest.mark.parametrize(
    ("dist", "ref"),
    [
        (Bernoulli(0.3), stats.bernoulli(0.3)),
        (Categorical([0.2, 0.5, 0.3]), stats.rv_discrete(values=([0, 1, 2], [0.2, 0.5, 0.3]))),
        (Poisson(3.0), stats.poisson(3.0)),
    ],
)
def test_discrete_quantile_maps_match_scipy(dist, ref):
    xs = np.array([dist.quantile(u) for u in U])
    ks = np.arange(0, xs.max() + 1)
    observed = np.array([(xs == k).sum() for k in ks])
    expected = ref.pmf(ks) * len(xs)
    expected[-1] += len(xs) - expected.sum()
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    for k in ks[:4]:
        assert dist.log_prob(int(k)) == pytest.approx(ref.logpmf(k), rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.01, 0.99), st.integers(0, 2**31))
def test_uniform_of_inverts_the_quantile_map(u, seed):
    rng = np.random.default_rng(seed)
    for dist in (Bernoulli(0.3), Categorical([0.2, 0.5, 0.3]), Poisson(2.0), Normal(1.0, 0.5)):
        x = dist.quantile(u)
        assert dist.quantile(dist.uniform_of(x, rng)) == pytest.approx(x)


def test_support_is_finite_only_for_finite_distributions():
    assert Bernoulli(0.5).support() == (0, 1)
    assert Categorical([0.5, 0.5]).support() == (0, 1)
    assert Normal(0, 1).support() is None and Poisson(1.0).support() is None


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Normal(0.0, 0.0), "sigma must be a finite number > 0"),
        (lambda: Normal(0.0, -1.0), "sigma must be a finite number > 0"),
        (lambda: Bernoulli(1.5), r"p must be a probability in \[0, 1\]"),
        (lambda: Bernoulli(-0.1), r"p must be a probability in \[0, 1\]"),
        (lambda: Categorical([0.5, 0.6]), "probs must sum to 1"),
        (lambda: Categorical([-0.5, 1.5]), "p_k >= 0"),
        (lambda: Gamma(0.0, 1.0), "shape must be"),
        (lambda: Beta(1.0, -2.0), "b must be"),
        (lambda: Poisson(-1.0), "rate must be"),
    ],
)
def test_invalid_parameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()
