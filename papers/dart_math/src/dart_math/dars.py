"""Difficulty-Aware Rejection Sampling (DARS, §3 of the paper) and vanilla rejection sampling.

Every arm reads one seeded per-query *sample stream*: sample k of query q is a fixed draw of the
synthesis agent, drawn in rounds of r samples (one batched `generate` call per round over every
query that still needs samples) and cached. An arm is a stop rule applied to that stream:

    VRT (baseline)   the first M samples of every query; keep the correct ones
                     (official `--max_n_trials M --min_n_corrects 0`)
    DARS-Uniform     sample until n_correct ≥ k_u or n_trials ≥ n_max          (k_q = k_u)
    DARS-Prop2Diff   fail rate over the first n_d samples, f_q = 1 − c_q / n_d, sets
                     k_q = max(1, round(k_p · f_q / max_q' f_q')); then sample until
                     n_correct ≥ k_q or n_trials ≥ n_max

A query stops at the sample that meets its rule: the rest of that round is surplus and is
truncated in sampling order (not counted, not kept). Because the arms share the stream they are
paired (the same draws decide every arm), and an arm run on a stream another arm already filled
returns exactly what it returns on a fresh one. Coverage and allocation come from the per-query
report, which lists every query, including those that end with zero correct responses.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from dart_math.tasks import Query, check

Sampler = Callable[[Sequence[Query], int, int], list[list[str]]]
"""(queries, k0, r) -> for each query its samples k0 … k0+r-1 (responses as text). Sample k of a
query must depend only on (query, k) for the stream's round size r."""


@dataclass(frozen=True)
class Trial:
    response: str
    correct: bool


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


class SampleStream:
    """The per-query stream of trials, drawn lazily in rounds of `round_size` and cached.

    `samples_drawn` counts every sample ever generated (the synthesis cost of all arms that read
    the stream) and `calls` the batched sampler calls."""

    def __init__(self, queries: Sequence[Query], sampler: Sampler, round_size: int) -> None:
        if len(queries) == 0:
            raise ValueError("pool is empty: DARS needs at least one query")
        self.queries = list(queries)
        self.sampler = sampler
        self.round_size = _positive_int("round_size", round_size)
        self.trials: list[list[Trial]] = [[] for _ in self.queries]
        self.samples_drawn = 0
        self.calls = 0

    def __len__(self) -> int:
        return len(self.queries)

    def fill(self, indices: Sequence[int], block: int) -> None:
        """Make sure queries `indices` hold samples of round `block` (k = block·r … block·r+r-1):
        those that lack it are drawn in ONE sampler call."""
        r = self.round_size
        need = [q for q in indices if len(self.trials[q]) < (block + 1) * r]
        if not need:
            return
        for q in need:
            if len(self.trials[q]) != block * r:
                raise RuntimeError(f"stream of query {q} is not at round {block}")
        responses = self.sampler([self.queries[q] for q in need], block * r, r)
        if len(responses) != len(need) or any(len(row) != r for row in responses):
            raise RuntimeError(f"sampler returned the wrong shape for {len(need)} x {r} samples")
        for q, row in zip(need, responses, strict=True):
            gold = self.queries[q].gold
            self.trials[q].extend(Trial(text, check(text, gold)) for text in row)
        self.samples_drawn += len(need) * r
        self.calls += 1


@dataclass
class Report:
    """Per-query outcome of one arm, over EVERY pool query (zeros included).

    n_trials[q]   samples the stop rule consumed (sampling order, surplus excluded)
    n_correct[q]  correct ones among them (= responses kept)
    target[q]     k_q (0 for VRT: no correct-count target)
    drawn[q]      samples the arm needed drawn for q: max(n_trials, probe) (Prop2Diff probes n_d)
    """

    n_trials: list[int]
    n_correct: list[int]
    target: list[int]
    drawn: list[int]


@dataclass
class Arm:
    """A synthesised dataset: kept (query index, response) pairs in sampling order, the report,
    and the wall time spent drawing samples for this arm."""

    name: str
    kept: list[tuple[int, str]]
    report: Report
    wall_s: float = 0.0
    params: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.kept)

    @property
    def samples_drawn(self) -> int:
        return sum(self.report.drawn)


def run_stop_rule(
    stream: SampleStream, targets: Sequence[int | None], n_max: int
) -> tuple[list[tuple[int, str]], list[int], list[int]]:
    """Apply "stop when n_correct ≥ target or n_trials ≥ n_max" to every query of the stream.

    Rounds advance all still-active queries together (one sampler call per round; cached
    rounds cost nothing). Within a round, a query's trials are read in sampling order and the
    rest after its stop is surplus. targets[q] None means no correct-count stop (VRT).
    Returns (kept pairs, n_trials, n_correct)."""
    r = stream.round_size
    n_trials = [0] * len(stream)
    n_correct = [0] * len(stream)
    kept_by_query: list[list[str]] = [[] for _ in range(len(stream))]
    active = [q for q in range(len(stream)) if targets[q] is None or targets[q] > 0]
    block = 0
    while active:
        stream.fill(active, block)
        still = []
        for q in active:
            target = targets[q]
            for trial in stream.trials[q][block * r : (block + 1) * r]:
                n_trials[q] += 1
                if trial.correct:
                    n_correct[q] += 1
                    kept_by_query[q].append(trial.response)
                if (target is not None and n_correct[q] >= target) or n_trials[q] >= n_max:
                    break
            else:
                still.append(q)
        active, block = still, block + 1
    kept = [(q, text) for q, texts in enumerate(kept_by_query) for text in texts]
    return kept, n_trials, n_correct


def vrt(pool: SampleStream, M: int) -> Arm:
    """Vanilla rejection tuning: the first M samples of every query, correct ones kept."""
    M = _positive_int("M", M)
    t0 = time.perf_counter()
    kept, n_trials, n_correct = run_stop_rule(pool, [None] * len(pool), M)
    report = Report(n_trials, n_correct, [0] * len(pool), list(n_trials))
    return Arm("vrt", kept, report, time.perf_counter() - t0, {"M": M})


def uniform(pool: SampleStream, k_u: int, n_max: int) -> Arm:
    """DARS-Uniform: k_u correct responses for every query (or n_max trials)."""
    k_u, n_max = _positive_int("k_u", k_u), _positive_int("n_max", n_max)
    t0 = time.perf_counter()
    targets = [k_u] * len(pool)
    kept, n_trials, n_correct = run_stop_rule(pool, targets, n_max)
    report = Report(n_trials, n_correct, targets, list(n_trials))
    return Arm("uniform", kept, report, time.perf_counter() - t0, {"k_u": k_u, "n_max": n_max})


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def prop2diff_targets(n_correct_probe: Sequence[int], k_p: int, n_d: int) -> list[int]:
    """k_q = max(1, round(k_p · f_q / max f)) with f_q = 1 − c_q / n_d (halves round up).

    The floor of 1 keeps easy queries in the set; when no query ever fails (max f = 0) every
    target is that floor."""
    fail = [1.0 - c / n_d for c in n_correct_probe]
    top = max(fail)
    if top == 0:
        return [1] * len(fail)
    return [max(1, round_half_up(k_p * f / top)) for f in fail]


def prop2diff(pool: SampleStream, k_p: int, n_d: int, n_max: int) -> Arm:
    """DARS-Prop2Diff: targets proportional to the fail rate over the first n_d samples (which
    are reused as the first trials), the hardest queries getting k_p."""
    k_p, n_d = _positive_int("k_p", k_p), _positive_int("n_d", n_d)
    n_max = _positive_int("n_max", n_max)
    if n_max < n_d:
        raise ValueError(
            f"n_max must be >= n_d (the probe is part of the trials), got {n_max} < {n_d}"
        )
    t0 = time.perf_counter()
    _, _, probe_correct = run_stop_rule(pool, [None] * len(pool), n_d)
    targets = prop2diff_targets(probe_correct, k_p, n_d)
    kept, n_trials, n_correct = run_stop_rule(pool, targets, n_max)
    report = Report(n_trials, n_correct, targets, [max(t, n_d) for t in n_trials])
    params = {"k_p": k_p, "n_d": n_d, "n_max": n_max}
    return Arm("prop2diff", kept, report, time.perf_counter() - t0, params)


T = TypeVar("T")


def size_match(sets: Mapping[str, Sequence[T]], D: int, seed: int) -> dict[str, list[T]]:
    """Subsample every arm without replacement to exactly D examples (sampling order kept), so
    that no arm wins by being bigger."""
    D = _positive_int("D", D)
    if not sets:
        raise ValueError("sets is empty")
    smallest = min(sets, key=lambda name: len(sets[name]))
    if D > len(sets[smallest]):
        raise ValueError(
            f"D={D} is above the smallest arm ('{smallest}' has {len(sets[smallest])} examples)"
        )
    out = {}
    for i, (name, items) in enumerate(sets.items()):
        rng = np.random.default_rng([seed, i])
        chosen = np.sort(rng.choice(len(items), size=D, replace=False))
        out[name] = [items[j] for j in chosen]
    return out


def per_level(arm: Arm, levels: Sequence[int]) -> dict[str, dict[str, float]]:
    """Coverage (share of a level's queries with >= 1 kept response, from the report) and kept
    counts per level."""
    out: dict[str, dict[str, float]] = {"coverage": {}, "kept": {}, "queries": {}}
    for level in sorted(set(levels)):
        qs = [q for q, lv in enumerate(levels) if lv == level]
        covered = sum(arm.report.n_correct[q] > 0 for q in qs)
        out["coverage"][f"l{level}"] = covered / len(qs)
        out["kept"][f"l{level}"] = sum(arm.report.n_correct[q] for q in qs)
        out["queries"][f"l{level}"] = len(qs)
    return out
