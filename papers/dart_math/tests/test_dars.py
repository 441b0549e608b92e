from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dart_math.dars import (
    SampleStream,
    per_level,
    prop2diff,
    prop2diff_targets,
    round_half_up,
    size_match,
    uniform,
    vrt,
)
from dart_math.tasks import Query


def pool_of(n: int) -> list[Query]:
    return [Query(id=str(i), text=f"Q:{i}+0=", gold=i, level=1 + i % 5) for i in range(n)]


class Bernoulli:
    """Stub synthesizer: sample k of query q is correct with probability p[q], drawn from a
    generator keyed by (seed, q, k); wrong samples carry no 'A:' at all."""

    def __init__(self, p: Sequence[float], seed: int = 0) -> None:
        self.p, self.seed, self.calls = list(p), seed, 0
        self.u: dict[int, np.ndarray] = {}

    def uniforms(self, i: int, stop: int) -> np.ndarray:
        if len(self.u.get(i, ())) < stop:  # regrown from the start: u[k] depends on (q, k) only
            self.u[i] = np.random.default_rng([self.seed, i]).random(
                max(stop, 2 * len(self.u.get(i, ())), 64)
            )
        return self.u[i]

    def __call__(self, queries, k0, r):
        self.calls += 1
        out = []
        for q in queries:
            i = int(q.id)
            u = self.uniforms(i, k0 + r)[k0 : k0 + r]
            out.append(
                [f"s{k0 + j};A:{q.gold}" if x < self.p[i] else "junk" for j, x in enumerate(u)]
            )
        return out


class ByIndex:
    """Deterministic stub: sample k of query q is correct iff (q + k) % period[q] == 0."""

    def __init__(self, period: Sequence[int]) -> None:
        self.period = list(period)

    def __call__(self, queries, k0, r):
        return [
            [
                f"k{k}:A:{q.gold}"
                if (int(q.id) + k) % self.period[int(q.id)] == 0
                else f"A:{q.gold + 1}"
                for k in range(k0, k0 + r)
            ]
            for q in queries
        ]


def test_uniform_keeps_exactly_k_u_and_zero_queries_use_n_max():
    p = [0.0, 0.05, 0.3, 0.9, 1.0] * 20
    pool = pool_of(len(p))
    arm = uniform(SampleStream(pool, Bernoulli(p), 8), k_u=5, n_max=5_000)
    for q, pq in enumerate(p):
        if pq > 0:
            assert arm.report.n_correct[q] == 5
            assert arm.report.n_trials[q] >= 5
        else:
            assert arm.report.n_correct[q] == 0 and arm.report.n_trials[q] == 5_000
    assert arm.size == 5 * sum(pq > 0 for pq in p)
    assert len(arm.report.n_trials) == len(pool)  # every query is reported, zeros included
    assert arm.report.target == [5] * len(pool)
    assert all(q.gold == int(q.id) for q in pool)


def test_uniform_trials_follow_the_negative_binomial():
    k_u, n = 4, 2000
    for pq in (0.1, 0.5):
        arm = uniform(SampleStream(pool_of(n), Bernoulli([pq] * n, seed=3), 8), k_u, 10_000)
        assert abs(np.mean(arm.report.n_trials) / (k_u / pq) - 1) < 0.10
        assert arm.report.n_correct == [k_u] * n  # surplus of the last round not kept


def test_vrt_kept_mean_is_M_p_within_3_sigma():
    M, n, pq = 16, 2000, 0.2
    arm = vrt(SampleStream(pool_of(n), Bernoulli([pq] * n, seed=5), 8), M)
    sigma = np.sqrt(M * pq * (1 - pq) / n)
    assert abs(np.mean(arm.report.n_correct) - M * pq) < 3 * sigma
    assert arm.report.n_trials == [M] * n and arm.report.target == [0] * n


def test_prop2diff_targets_follow_the_formula_on_the_first_n_d_draws():
    rng = np.random.default_rng(0)
    p = [*list(rng.uniform(0, 1, 300)), 0.0, 1.0]
    pool = pool_of(len(p))
    k_p, n_d = 8, 16
    stream = SampleStream(pool, Bernoulli(p, seed=1), 4)
    arm = prop2diff(stream, k_p, n_d, 64)
    c = [sum(t.correct for t in stream.trials[q][:n_d]) for q in range(len(pool))]
    f = [1 - cq / n_d for cq in c]
    expected = [max(1, round_half_up(k_p * fq / max(f))) for fq in f]
    assert arm.report.target == expected
    assert min(expected) == 1 and max(expected) == k_p  # the floor and the hardest query's k_p
    for q in range(len(pool)):
        n_trials, n_correct, k = arm.report.n_trials[q], arm.report.n_correct[q], expected[q]
        assert n_correct == min(k, sum(t.correct for t in stream.trials[q][:n_trials]))
        assert n_correct == k or n_trials == 64
        assert arm.report.drawn[q] == max(n_trials, n_d)


def test_prop2diff_targets_when_nothing_fails():
    assert prop2diff_targets([4, 4], k_p=8, n_d=4) == [1, 1]
    assert prop2diff_targets([0, 2, 4], k_p=8, n_d=4) == [8, 4, 1]


@pytest.mark.parametrize("arm_fn", ["vrt", "uniform", "prop2diff"])
def test_round_size_does_not_change_the_dataset(arm_fn):
    period = [1 + (q * 7) % 23 for q in range(40)]
    pool = pool_of(40)

    def run(r):
        stream = SampleStream(pool, ByIndex(period), r)
        if arm_fn == "vrt":
            return vrt(stream, 20)
        if arm_fn == "uniform":
            return uniform(stream, 3, 30)
        return prop2diff(stream, 6, 8, 30)

    one, eight = run(1), run(8)
    assert one.kept == eight.kept
    assert one.report == eight.report
    assert run(8).kept == eight.kept


def test_same_seed_same_data_other_seed_other_data():
    p = [0.3] * 50
    a = uniform(SampleStream(pool_of(50), Bernoulli(p, seed=7), 8), 3, 40)
    b = uniform(SampleStream(pool_of(50), Bernoulli(p, seed=7), 8), 3, 40)
    c = uniform(SampleStream(pool_of(50), Bernoulli(p, seed=8), 8), 3, 40)
    assert a.kept == b.kept and a.report == b.report
    assert a.kept != c.kept


def test_arms_on_a_shared_stream_equal_independent_runs():
    p = list(np.linspace(0, 0.9, 60))
    pool = pool_of(60)
    shared = SampleStream(pool, Bernoulli(p, seed=2), 8)
    runs = {
        "prop2diff": lambda s: prop2diff(s, 8, 16, 64),
        "uniform": lambda s: uniform(s, 4, 64),
        "vrt": lambda s: vrt(s, 32),
    }
    on_shared = {name: fn(shared) for name, fn in runs.items()}
    drawn = shared.samples_drawn
    for name, fn in runs.items():
        alone = fn(SampleStream(pool, Bernoulli(p, seed=2), 8))
        assert on_shared[name].kept == alone.kept and on_shared[name].report == alone.report
    # the stream costs the largest arm's samples, not the sum
    assert drawn <= 64 * 60 and drawn < sum(a.samples_drawn for a in on_shared.values())


def test_one_sampler_call_per_round():
    sampler = Bernoulli([0.0] * 30)
    uniform(SampleStream(pool_of(30), sampler, 4), k_u=1, n_max=16)
    assert sampler.calls == 4  # 16 trials / 4 per round, every query in each call


def test_outputs_without_answer_are_incorrect_trials():
    arm = vrt(SampleStream(pool_of(5), lambda qs, k0, r: [["no answer"] * r for _ in qs], 2), 4)
    assert arm.size == 0 and arm.report.n_trials == [4] * 5 and arm.report.n_correct == [0] * 5


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=5), st.data())
def test_size_match_is_an_exact_subset_without_duplicates(sizes, data):
    sets = {f"arm{i}": [(i, j) for j in range(n)] for i, n in enumerate(sizes)}
    if min(sizes) == 0:
        with pytest.raises(ValueError, match="D="):
            size_match(sets, 1, 0)
        return
    D = data.draw(st.integers(1, min(sizes)))
    out = size_match(sets, D, seed=0)
    for name, items in out.items():
        assert len(items) == D and len(set(items)) == D and set(items) <= set(sets[name])
        assert items == sorted(items)  # sampling order is kept


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda s: uniform(s, 0, 10), "k_u"),
        (lambda s: uniform(s, 2, 0), "n_max"),
        (lambda s: prop2diff(s, 0, 4, 10), "k_p"),
        (lambda s: prop2diff(s, 4, 0, 10), "n_d"),
        (lambda s: prop2diff(s, 4, 8, 4), "n_max must be >= n_d"),
        (lambda s: prop2diff(s, 4, 8, 0), "n_max"),
        (lambda s: vrt(s, 0), "M"),
    ],
)
def test_bad_parameters_name_themselves(call, match):
    with pytest.raises(ValueError, match=match):
        call(SampleStream(pool_of(3), Bernoulli([0.5] * 3), 2))


def test_bad_pool_round_size_and_D():
    with pytest.raises(ValueError, match="pool is empty"):
        SampleStream([], Bernoulli([]), 4)
    with pytest.raises(ValueError, match="round_size"):
        SampleStream(pool_of(2), Bernoulli([0.5] * 2), 0)
    with pytest.raises(ValueError, match=r"D=5 is above the smallest arm \('b' has 3"):
        size_match({"a": list(range(10)), "b": list(range(3))}, 5, 0)
    with pytest.raises(ValueError, match="D must be"):
        size_match({"a": [1]}, 0, 0)


def test_coverage_and_allocation_come_from_the_report():
    p = [0.0, 0.0, 0.5, 0.9, 0.0] * 4  # levels 1..5 by index
    pool = pool_of(len(p))
    arm = uniform(SampleStream(pool, Bernoulli(p, seed=4), 4), 2, 32)
    levels = per_level(arm, [q.level for q in pool])
    assert levels["queries"] == {f"l{lv}": 4 for lv in range(1, 6)}  # zeros included
    assert levels["coverage"] == {"l1": 0.0, "l2": 0.0, "l3": 1.0, "l4": 1.0, "l5": 0.0}
    assert levels["kept"] == {"l1": 0, "l2": 0, "l3": 8, "l4": 8, "l5": 0}
