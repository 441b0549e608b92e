import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modular_bayes_inference import models
from modular_bayes_inference.distributions import Bernoulli, Categorical
from modular_bayes_inference.program import (
    bind,
    condition,
    factor,
    fmap,
    map_m,
    model,
    pure,
    replicate_m,
    sample,
)
from modular_bayes_inference.repr import enumerate_program


def assert_same_measure(p, q):
    a, b = enumerate_program(p).measure(), enumerate_program(q).measure()
    assert a.keys() == b.keys()
    for k in a:
        assert math.isclose(a[k], b[k], rel_tol=1e-12, abs_tol=1e-12)


probs = st.lists(st.floats(0.05, 1.0), min_size=2, max_size=4).map(
    lambda w: [x / sum(w) for x in w]
)
scores = st.lists(st.floats(-3.0, 1.0), min_size=4, max_size=4)


def random_program(p, w):
    """x ~ Cat(p), factor w[x], y ~ Bernoulli(0.3 + 0.1 x), returns x + 2y: a discrete program."""
    return bind(
        sample(Categorical(p)),
        lambda x: bind(
            factor(w[x]), lambda _: fmap(lambda y: x + 2 * y, sample(Bernoulli(0.3 + 0.1 * x)))
        ),
    )


def kleisli(w):
    return lambda v: bind(
        factor(w[v % 4] / 2), lambda _: fmap(lambda b: (v, b), sample(Bernoulli(0.6)))
    )


@settings(max_examples=25, deadline=None)
@given(probs, scores, st.integers(0, 3))
def test_monad_laws_hold_under_the_enumerator(p, w, a):
    m, f, g = random_program(p, w), kleisli(w), kleisli(list(reversed(w)))
    assert_same_measure(bind(pure(a), f), f(a))  # left identity
    assert_same_measure(bind(m, pure), m)  # right identity
    assert_same_measure(
        bind(bind(m, f), lambda v: g(v[0])), bind(m, lambda x: bind(f(x), lambda v: g(v[0])))
    )  # associativity


def test_model_sugar_compiles_to_the_same_program_as_combinators():
    hmm = models.m1_hmm()
    obs = [0, 3, 1, 1, 2]

    @model
    def hmm_gen(ys):
        states = []
        for t, y in enumerate(ys):
            s = yield Categorical(hmm.pi0 if t == 0 else hmm.a[states[-1]])
            yield factor(math.log(hmm.b[s, y]))
            states.append(s)
        return tuple(states)

    assert_same_measure(hmm_gen(obs), models.hmm_program(hmm, obs))


def test_map_m_and_replicate_m_take_program_valued_arguments():
    prog = replicate_m(3, sample(Bernoulli(0.5)))
    post = enumerate_program(prog).posterior()
    assert len(post) == 8 and all(math.isclose(v, 1 / 8) for v in post.values())
    prog = map_m(lambda i: fmap(lambda b: b + i, sample(Bernoulli(0.5))), range(2))
    assert set(enumerate_program(prog).posterior()) == {(0, 1), (0, 2), (1, 1), (1, 2)}


def test_program_returning_a_random_closure():
    fs = (lambda x: x, lambda x: -x)
    prog = bind(fmap(lambda i: fs[i], sample(Categorical([0.25, 0.75]))), lambda f: pure(f(2)))
    post = enumerate_program(prog).posterior()
    assert post == pytest.approx({2: 0.25, -2: 0.75})


def test_condition_zeroes_paths():
    prog = bind(sample(Bernoulli(0.5)), lambda b: bind(condition(b == 1), lambda _: pure(b)))
    assert enumerate_program(prog).posterior() == {1: 1.0}


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nan_or_positive_infinite_log_weight_names_the_site(bad):
    with pytest.raises(ValueError, match=r"site 'obs\[3\]'"):
        factor(bad, site="obs[3]")


def test_model_rejects_yields_that_are_not_effects():
    @model
    def bad():
        yield 3

    with pytest.raises(TypeError, match="yield a Distribution or a Program"):
        bad()


def test_replicate_m_rejects_negative_counts():
    with pytest.raises(ValueError, match="n must be >= 0"):
        replicate_m(-1, pure(0))


def test_sample_rejects_non_distributions():
    with pytest.raises(TypeError, match="expects a Distribution"):
        sample(np.float64(1.0))
