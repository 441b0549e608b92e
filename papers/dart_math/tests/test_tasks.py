import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dart_math.tasks import SMALL_FACTOR, Problem, check, make_problem, solution, solve


def test_known_solution():
    problem = Problem((37, 8, 5, 12), ("+", "*", "-"))
    assert problem.prompt == "Q:37+8*5-12="
    assert solution(problem) == "8*5=40;37+40=77;77-12=65;A:65"


@pytest.mark.parametrize("lo,hi", [(0, 50), (51, 99)])
def test_generator_2000_queries_replay_to_eval(lo, hi):
    rng = random.Random(0)
    for _ in range(2000):
        level = rng.randint(1, 5)
        problem = make_problem(rng, level, lo, hi)
        assert problem.level == level == len(problem.ops)
        assert set(problem.ops) <= set("+-*")
        steps, values = solve(problem)
        assert len(steps) == level
        assert values[-1] == eval(problem.expression)  # precedence as Python's
        assert min(values) >= 0 and min(problem.operands) >= 0
        for i, op in enumerate(problem.ops):
            a, b = problem.operands[i], problem.operands[i + 1]
            if op == "*":
                assert min(a, b) <= SMALL_FACTOR
        big = [
            x
            for i, x in enumerate(problem.operands)
            if not any(problem.ops[j] == "*" for j in (i - 1, i) if 0 <= j < level)
        ]
        assert all(lo <= x <= hi for x in big)
        # every step replays: "a op b=c" evaluates to c
        for step in steps:
            lhs, rhs = step.split("=")
            assert eval(lhs) == int(rhs)
        text = solution(problem)
        assert text.endswith(f";A:{values[-1]}") and check(text, values[-1])


def test_checker():
    assert check("8*5=40;37+40=77;77-12=65;A:65", 65)
    assert check("A:65", 65)
    assert not check("A:64", 65)
    assert not check("8*5=40;37+40=77;77-12=65", 65)  # no A:
    assert not check("A:6 5", 65)
    assert not check("A:65;", 65)  # text after the answer
    assert not check("A:65 because", 65)
    assert not check("", 65)
    assert check("A:12;A:65", 65)  # the last A: counts


@given(
    st.text(alphabet="0123456789+-*=;:AQ ", max_size=40),
    st.integers(0, 10_000),
    st.text(alphabet="+-*=;: Q", min_size=1, max_size=5),
)
def test_checker_reads_only_an_exact_final_answer(prefix, gold, suffix):
    assert check(f"{prefix}A:{gold}", gold)
    assert not check(f"{prefix}A:{gold}{suffix}", gold)
    assert not check(f"{prefix}A:{gold + 1}", gold)
    check(prefix, gold)  # any text is a verdict, never an error


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_level(bad):
    with pytest.raises(ValueError, match="level"):
        make_problem(random.Random(0), bad)
