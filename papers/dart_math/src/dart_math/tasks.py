"""The arithmetic task: the stand-in for MATH's difficulty levels, and its exact-answer checker.

A level-d query has d operators from {+, -, *} over operands in [lo, hi] (0–50 in domain, 51–99
out of domain); every `*` has one factor ≤ 9, and no intermediate value is negative. The gold
solution evaluates in precedence order, one step per operator, and ends with the answer:

    Q:37+8*5-12=   →   8*5=40;37+40=77;77-12=65;A:65

Level plays the role of MATH's level 1–5: more steps, more chances to slip, and (like real
corpora) the hard levels are the ones a sampler rarely solves.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

OPS = "+-*"
SMALL_FACTOR = 9  # one factor of every `*` is ≤ 9
_ANSWER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Query:
    """One problem: `id`, prompt `text`, integer `gold` answer, `level` (0 when unknown) and an
    optional gold step `solution` (the pool's gold solutions feed only the gold-SFT reference)."""

    id: str
    text: str
    gold: int
    level: int = 0
    solution: str | None = None


@dataclass(frozen=True)
class Problem:
    """An expression: operands [d+1] and operators [d]."""

    operands: tuple[int, ...]
    ops: tuple[str, ...]

    @property
    def level(self) -> int:
        return len(self.ops)

    @property
    def expression(self) -> str:
        parts = [str(self.operands[0])]
        for op, x in zip(self.ops, self.operands[1:], strict=True):
            parts += [op, str(x)]
        return "".join(parts)

    @property
    def prompt(self) -> str:
        return f"Q:{self.expression}="


def solve(problem: Problem) -> tuple[list[str], list[int]]:
    """Gold steps in precedence order and every intermediate value: products first, left to
    right, then + and - left to right. Returns (steps like "8*5=40", values)."""
    steps, values = [], []
    terms, signs = [problem.operands[0]], []
    for op, x in zip(problem.ops, problem.operands[1:], strict=True):
        if op == "*":
            product = terms[-1] * x
            steps.append(f"{terms[-1]}*{x}={product}")
            values.append(product)
            terms[-1] = product
        else:
            terms.append(x)
            signs.append(op)
    acc = terms[0]
    for op, x in zip(signs, terms[1:], strict=True):
        new = acc + x if op == "+" else acc - x
        steps.append(f"{acc}{op}{x}={new}")
        values.append(new)
        acc = new
    return steps, values


def answer(problem: Problem) -> int:
    """The expression's value (the last step's result)."""
    return solve(problem)[1][-1]


def solution(problem: Problem) -> str:
    """The gold completion: steps joined by ';', then ';A:<answer>'."""
    steps, values = solve(problem)
    return ";".join([*steps, f"A:{values[-1]}"])


def make_problem(rng: random.Random, level: int, lo: int = 0, hi: int = 50) -> Problem:
    """A uniformly drawn valid level-`level` problem (rejection sampling).

    Operators are drawn from {+, -, *} with no two `*` adjacent (so every factor is a written
    operand, and "one factor ≤ 9" is checkable); each `*` gets one factor in [0, 9] (which side is
    random) and every other operand is uniform in [lo, hi]. Draws with a negative intermediate
    value are rejected."""
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        raise ValueError(f"level must be an int >= 1, got {level!r}")
    if not 0 <= lo <= hi:
        raise ValueError(f"operand range must satisfy 0 <= lo <= hi, got lo={lo}, hi={hi}")
    while True:
        ops = tuple(rng.choice(OPS) for _ in range(level))
        if any(a == b == "*" for a, b in itertools.pairwise(ops)):
            continue
        operands = [rng.randint(lo, hi) for _ in range(level + 1)]
        for i, op in enumerate(ops):
            if op == "*":
                operands[i + rng.randint(0, 1)] = rng.randint(0, SMALL_FACTOR)
        problem = Problem(tuple(operands), ops)
        if min(solve(problem)[1]) >= 0:
            return problem


def to_query(problem: Problem, qid: str) -> Query:
    return Query(
        id=qid,
        text=problem.prompt,
        gold=answer(problem),
        level=problem.level,
        solution=solution(problem),
    )


def check(output: str, gold: int) -> bool:
    """Exact-answer check: the text after the last 'A:' must be exactly an integer equal to
    `gold`. A missing 'A:', a malformed number ('A:6 5') or trailing text is incorrect, never
    an error."""
    at = output.rfind("A:")
    if at < 0:
        return False
    rest = output[at + 2 :]
    return _ANSWER.fullmatch(rest) is not None and int(rest) == gold
