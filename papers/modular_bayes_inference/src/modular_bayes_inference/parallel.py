"""Scale-out: independent replicates and chains in worker processes, reproducibly.

Every task gets its own child of one `numpy.random.SeedSequence` (`SeedSequence.spawn`), in task
order, so the results are identical whatever the number of workers (tested).
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np


def seed_sequence(seed: int, stream: str) -> np.random.SeedSequence:
    """An independent stream per named section of an experiment."""
    return np.random.SeedSequence([seed, *stream.encode()])


def map_seeded(
    fn: Callable[[Any, np.random.SeedSequence], Any],
    tasks: Sequence[Any],
    seed: np.random.SeedSequence,
    workers: int = 1,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> list[Any]:
    """[fn(task_i, seed_i)] with seed_i the i-th child of `seed`, on `workers` processes.

    `fn` and the tasks must be picklable when workers > 1 (fn a module-level function).
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    # The children seed.spawn(n) would give on a fresh sequence, without mutating `seed`.
    children = [
        np.random.SeedSequence(
            seed.entropy, spawn_key=(*seed.spawn_key, i), pool_size=seed.pool_size
        )
        for i in range(len(tasks))
    ]
    args = list(zip(tasks, children, strict=True))
    wrap = progress or (lambda it: it)
    if workers == 1 or len(args) <= 1:
        return [fn(t, s) for t, s in wrap(args)]
    chunk = max(1, len(args) // (8 * workers))
    with mp.get_context("fork").Pool(workers) as pool:
        return list(wrap(pool.imap(_star, [(fn, t, s) for t, s in args], chunksize=chunk)))


def _star(job: tuple) -> Any:
    fn, task, seed = job
    return fn(task, seed)
