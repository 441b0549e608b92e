"""Probabilistic programs as a free monad of effects (paper §3-§4).

A program is a tree whose nodes are

    Pure(x)                 return x
    Sample(dist, k)         draw x ~ dist, continue with the program k(x)
    Score(logw, k)          multiply the weight by exp(logw), continue with the program k()
    Lift(run, k)            run an inner-monad computation run(rng) *untraced*, continue with k(.)

Every continuation k is an immutable closure, so a suspended program can be copied between
particles for free: resampling a population of programs duplicates references, never state.
`Lift` is monad-bayes' `lift` into the inner monad; PMMH uses it to run SMC as the likelihood of
a traced parameter program.

Programs are built with `bind`/`fmap` (Kleisli composition), `sample`, `factor`, `condition`,
the higher-order helpers `map_m`, `fold_m`, `replicate_m`, or the `@model` generator sugar below.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from modular_bayes_inference.distributions import Distribution


class Pure(NamedTuple):
    value: Any


class Sample(NamedTuple):
    dist: Distribution
    k: Callable[[Any], Program]
    site: str = "sample"


class _ScoreNode(NamedTuple):
    logw: float
    k: Callable[[], Program]
    site: str = "factor"


class Score(_ScoreNode):
    """A factor exp(logw); logw is a float in [-inf, inf), never NaN or +inf."""

    __slots__ = ()

    def __new__(cls, logw: float, k: Callable[[], Program], site: str = "factor"):
        logw = float(logw)
        if math.isnan(logw) or logw == math.inf:
            raise ValueError(f"log-weight at site '{site}' must be finite or -inf, got {logw}")
        return super().__new__(cls, logw, k, site)


class Lift(NamedTuple):
    run: Callable[[np.random.Generator], Any]
    k: Callable[[Any], Program]
    site: str = "lift"


Program = Pure | Sample | Score | Lift


def pure(x: Any) -> Program:
    return Pure(x)


def sample(dist: Distribution, site: str = "sample") -> Program:
    """The program that draws one x ~ dist and returns it."""
    if not isinstance(dist, Distribution):
        raise TypeError(f"sample expects a Distribution, got {type(dist).__name__}")
    return Sample(dist, Pure, site)


def factor(logw: float, site: str = "factor") -> Program:
    """monad-bayes `score`: weight the current execution by exp(logw)."""
    return Score(logw, _unit, site)


def condition(b: bool, site: str = "condition") -> Program:
    """Hard conditioning: factor 0 when `b` holds, -inf otherwise."""
    return Score(0.0 if b else -math.inf, _unit, site)


def lift(run: Callable[[np.random.Generator], Any], site: str = "lift") -> Program:
    """Run `run(rng)` in the inner monad: its randomness is not traced (monad-bayes `lift`)."""
    return Lift(run, Pure, site)


def _unit() -> Program:
    return Pure(None)


def bind(m: Program, f: Callable[[Any], Program]) -> Program:
    """m >>= f: run m, feed its result to f. Lazy: only the first node of m is rebuilt."""
    t = type(m)
    if t is Pure:
        return f(m.value)
    if t is Sample:
        k = m.k
        return Sample(m.dist, lambda x: bind(k(x), f), m.site)
    if t is Score:
        k = m.k
        # m.logw was validated when m was built: skip Score.__new__ on the hot path.
        return tuple.__new__(Score, (m.logw, lambda: bind(k(), f), m.site))
    if t is Lift:
        k = m.k
        return Lift(m.run, lambda x: bind(k(x), f), m.site)
    raise TypeError(f"bind expects a Program node, got {type(m).__name__}")


def fmap(f: Callable[[Any], Any], m: Program) -> Program:
    """Apply a pure function to a program's result."""
    return bind(m, lambda x: Pure(f(x)))


def then(m: Program, n: Program) -> Program:
    """m >> n."""
    return bind(m, lambda _: n)


def fold_m(f: Callable[[Any, Any], Program], init: Any, xs: Sequence) -> Program:
    """foldM f init xs: thread an accumulator through the programs f(acc, x) left to right."""
    xs = tuple(xs)

    def go(acc: Any, i: int) -> Program:
        if i == len(xs):
            return Pure(acc)
        return bind(f(acc, xs[i]), lambda a: go(a, i + 1))

    return go(init, 0)


def map_m(f: Callable[[Any], Program], xs: Iterable) -> Program:
    """mapM f xs: run f(x) for each x in order; returns the tuple of results."""
    return fold_m(lambda acc, x: fmap(lambda y: (*acc, y), f(x)), (), xs)


def replicate_m(n: int, m: Program) -> Program:
    """replicateM n m: n independent runs of the program-valued argument m."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return map_m(lambda _: m, range(n))


def model(gen_fn: Callable[..., Any]) -> Callable[..., Program]:
    """Generator sugar, compiled to the free monad by replay.

    Inside `gen_fn`, `x = yield dist` samples (site `<name>#<i>`) and `x = yield program` binds a
    sub-program (e.g. `yield factor(w)`); `return v` ends it. A live generator cannot be copied, so
    a particle never holds one: each continuation closes over the *recorded prefix* of results and
    re-runs a fresh generator up to that point. That costs O(n²) in the number of effects, the
    price of forking for free.
    """

    @functools.wraps(gen_fn)
    def build(*args: Any, **kwargs: Any) -> Program:
        return _replay(gen_fn, args, kwargs, ())

    return build


def _replay(gen_fn: Callable[..., Any], args: tuple, kwargs: dict, prefix: tuple) -> Program:
    gen = gen_fn(*args, **kwargs)
    try:
        effect = next(gen)
        for value in prefix:
            effect = gen.send(value)
    except StopIteration as stop:
        return Pure(stop.value)
    finally:
        gen.close()

    def resume(x: Any) -> Program:
        return _replay(gen_fn, args, kwargs, (*prefix, x))

    if isinstance(effect, Distribution):
        return Sample(effect, resume, f"{gen_fn.__name__}#{len(prefix)}")
    if type(effect) in (Pure, Sample, Score, Lift):
        return bind(effect, resume)
    raise TypeError(
        f"@model {gen_fn.__name__} yielded {type(effect).__name__} at effect {len(prefix)}; "
        "yield a Distribution or a Program"
    )
