import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modular_bayes_inference import controls, models, suite
from modular_bayes_inference.baselines import bootstrap_filter
from modular_bayes_inference.distributions import Bernoulli, Categorical, Normal, ReplayUniforms
from modular_bayes_inference.inference import compose_copies, smc
from modular_bayes_inference.program import Pure, Sample, bind, factor, pure, sample, then
from modular_bayes_inference.repr import (
    DegeneratePopulationError,
    Population,
    ProgramModel,
    Trace,
    Traced,
    advance,
    as_sequential,
    as_sequential_traced,
    enumerate_program,
    finish,
    mh_step,
    resample_multinomial,
    resample_systematic,
    sampler,
    spawn,
)
from modular_bayes_inference.repr.traced import log_acceptance, propose
from modular_bayes_inference.repr.weighted import run_to_end
from modular_bayes_inference.validate import chi2_test, trace_from_draws

HMM = models.m1_hmm()
OBS = (3, 3, 0, 1, 0, 1, 2, 1, 0, 0, 1, 3, 3, 2, 3, 1)


def test_enumerator_equals_brute_force_on_m4():
    measure = enumerate_program(models.discrete_higher_order()).measure()
    brute = models.m4_brute_force()
    assert measure.keys() == brute.keys()
    for k, w in brute.items():
        assert math.exp(measure[k]) == pytest.approx(w, rel=1e-12)


@pytest.mark.parametrize("length", [1, 5, 8])
def test_enumerator_reproduces_the_forward_algorithm(length):
    enum = enumerate_program(models.hmm_program(HMM, OBS[:length]))
    log_z, filt = models.hmm_forward(HMM, OBS[:length])
    assert enum.log_evidence == pytest.approx(log_z, rel=1e-12)
    for j in range(3):
        p = enum.expectation(lambda s, j=j: float(s[-1] == j), normalized=True)
        assert p == pytest.approx(filt[-1, j], rel=1e-10)


def test_enumerator_at_a_continuous_site_names_the_distribution():
    with pytest.raises(TypeError, match="continuous normal distribution"):
        enumerate_program(bind(sample(Bernoulli(0.5)), lambda b: sample(Normal(0, 1), site="z")))


def test_sampler_refuses_scores():
    with pytest.raises(TypeError, match="Sampler cannot interpret Score at site 'obs'"):
        sampler(then(sample(Bernoulli(0.5)), factor(-1.0, site="obs")), np.random.default_rng(0))


log_weights = st.lists(st.floats(-30.0, 5.0), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(log_weights, st.integers(0, 2**31))
def test_resampling_preserves_total_weight(lw, seed):
    pop = Population(list(range(len(lw))), lw)
    rng = np.random.default_rng(seed)
    for resample in (resample_multinomial, resample_systematic, controls.systematic_off_by_one):
        out = resample(pop, rng)
        assert len(out) == len(pop)
        assert out.evidence == pytest.approx(pop.evidence, rel=1e-12, abs=1e-12)
        assert np.ptp(out.logw) == 0.0


def _offspring(resample, pop, draws, rng):
    counts = np.zeros((draws, len(pop)))
    for r in range(draws):
        counts[r] = np.bincount(resample(pop, rng).values, minlength=len(pop))
    return counts


def test_ancestor_counts_have_mean_n_w_over_w():
    rng = np.random.default_rng(1)
    pop = Population(list(range(8)), rng.normal(0, 1, 8))
    w = np.exp(pop.logw - pop.evidence)
    for resample in (resample_multinomial, resample_systematic):
        total = _offspring(resample, pop, 2000, rng).sum(axis=0)
        assert stats.chisquare(total, total.sum() * w).pvalue > 1e-3
    total = _offspring(controls.systematic_off_by_one, pop, 2000, rng).sum(axis=0)
    assert stats.chisquare(total, total.sum() * w).pvalue < 1e-6


def test_systematic_has_lower_offspring_variance_than_multinomial():
    rng = np.random.default_rng(2)
    pop = Population(list(range(10)), rng.normal(0, 1, 10))
    var_m = _offspring(resample_multinomial, pop, 1000, rng).var(axis=0).sum()
    var_s = _offspring(resample_systematic, pop, 1000, rng).var(axis=0).sum()
    assert var_s < 0.5 * var_m


def test_degenerate_population():
    pop = Population([1, 2, 3], [-np.inf] * 3)
    assert pop.evidence == -np.inf
    with pytest.raises(DegeneratePopulationError, match="all 3 particles have weight 0"):
        resample_multinomial(pop, np.random.default_rng(0))
    with pytest.raises(DegeneratePopulationError):
        resample_systematic(pop, np.random.default_rng(0))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_population_rejects_nan_or_infinite_log_weights(bad):
    with pytest.raises(ValueError, match="log-weight of particle 1"):
        Population([0, 1], [0.0, bad])


@pytest.mark.parametrize("n", [0, -3])
def test_non_positive_particle_counts_raise(n):
    with pytest.raises(ValueError, match="must be a positive integer"):
        spawn(n)
    with pytest.raises(ValueError, match="must be a positive integer"):
        smc(3, n, resample_systematic)


def _two_stage():
    return bind(
        sample(Bernoulli(0.3), site="a"),
        lambda a: then(
            factor(-1.0 - a, site="first"),
            bind(
                sample(Categorical([0.5, 0.5]), site="b"),
                lambda b: then(factor(-0.5 * b, site="second"), pure((a, b))),
            ),
        ),
    )


def test_advance_stops_exactly_after_the_next_score():
    rng = np.random.default_rng(0)
    seq = advance(as_sequential(_two_stage(), rng), rng)
    (prog,), (lw,) = seq.inner.values, seq.inner.logw
    assert type(prog) is Sample and prog.site == "b"  # the next draw has not happened
    assert lw in (-1.0, -2.0)
    traced = advance(as_sequential_traced(_two_stage(), rng), rng).inner
    assert len(traced.traces.values[0].uniforms) == 1


def test_finish_equals_weighted_on_the_same_randomness():
    rng = np.random.default_rng(3)
    prog = models.discrete_higher_order()
    for k in range(0, 8, 3):
        out = finish(compose_copies(k, advance)(as_sequential_traced(prog, rng), rng), rng)
        trace, pop_lw = out.traces.values[0], out.traces.logw[0]
        x, lw = run_to_end(prog, ReplayUniforms(trace.uniforms, rng), rng)
        assert x == trace.output and lw == pytest.approx(trace.logdensity) == pytest.approx(pop_lw)


def test_mh_step_is_exactly_stationary_on_a_two_site_program():
    """Build the value kernel P of mh_trans exactly (site choice x preimage interval of u')."""
    d1, d2 = Categorical([0.2, 0.5, 0.3]), Categorical([0.6, 0.4])
    lik = np.array([[0.1, 2.0], [1.0, 0.3], [0.5, 0.7]])
    prog = bind(
        sample(d1),
        lambda x: bind(sample(d2), lambda y: then(factor(math.log(lik[x, y])), pure((x, y)))),
    )
    model = ProgramModel(prog)
    rng = np.random.default_rng(0)
    states = [(x, y) for x in range(3) for y in range(2)]
    pi = np.array([d1.probs[x] * d2.probs[y] * lik[x, y] for x, y in states])
    pi /= pi.sum()
    kernel = np.zeros((6, 6))
    for s, (x, y) in enumerate(states):
        trace = model([d1.uniform_of(x, rng), d2.uniform_of(y, rng)], rng)
        for i, dist in enumerate((d1, d2)):
            for v in dist.support():
                lo, hi = dist.cdf(v - 1), dist.cdf(v)
                new = propose(model, trace, i, (lo + hi) / 2, rng)
                a = math.exp(log_acceptance(trace, new))
                mass = 0.5 * (hi - lo)
                kernel[s, states.index(new.output)] += mass * a
                kernel[s, s] += mass * (1 - a)
    np.testing.assert_allclose(kernel.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(pi @ kernel, pi, atol=1e-12)


def test_mh_step_on_a_trace_without_draws_is_a_no_op():
    model = ProgramModel(then(factor(-1.0), pure(7)))
    traced = Traced(model, Population([model((), np.random.default_rng(0))], [0.0]))
    out = mh_step(traced, np.random.default_rng(0))
    assert out.traces.values[0] == Trace((), 7, -1.0)


def test_trans_dimensional_mh_preserves_p_d_on_m3():
    from modular_bayes_inference.reproduce import PRESETS, problems

    m3 = problems(PRESETS["smoke"])["m3"]
    post = suite.regression_posterior(m3)
    sites = suite.chains_after_mh(suite.ChainCase(m3, "mh", 800, 10), np.random.SeedSequence(5))
    assert chi2_test("d", [d for d, _ in sites], dict(enumerate(post.p_degree))).p > 1e-3


def test_trace_from_draws_rejects_mismatched_draws():
    model = ProgramModel(sample(Bernoulli(0.5)))
    two = [(Bernoulli(0.5), 1), (Bernoulli(0.5), 0)]
    with pytest.raises(ValueError, match="used 1 uniforms, 2 were given"):
        trace_from_draws(model, two, np.random.default_rng(0))


def test_composed_smc_equals_the_hand_written_filter_in_distribution():
    rng = np.random.default_rng(7)
    prog = models.hmm_program(HMM, OBS)
    composed = [smc(16, 50, resample_multinomial)(prog, rng).evidence for _ in range(120)]
    hand = [bootstrap_filter(HMM, OBS, 50, rng)[0] for _ in range(400)]
    assert stats.ks_2samp(composed, hand).pvalue > 1e-3


def test_bootstrap_filter_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n \\(particles\\) must be > 0"):
        bootstrap_filter(HMM, OBS, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="resampling must be"):
        bootstrap_filter(HMM, OBS, 5, np.random.default_rng(0), resampling="residual")


def test_pure_program_runs_to_its_value():
    assert run_to_end(Pure(3), ReplayUniforms([], np.random.default_rng(0)), None) == (3, 0.0)
