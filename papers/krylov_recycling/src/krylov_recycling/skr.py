"""SKR = Sorting + Krylov Recycling (paper §4): sort the systems, then solve them in that order
with GCRO-DR, handing the recycle space U from each system to the next.

`solve_sequence` runs any of the solvers over a sequence in a given order and times the whole
job (sorting and every preconditioner setup included), so that

    skr(systems)                                       sort + GCRO-DR carrying U
    solve_sequence(systems, "gcrodr", order=random)    ablation: no sorting
    solve_sequence(systems, "gcrodr", recycle=False)   ablation: recycling only inside a system
    solve_sequence(systems, "gmres")                   the baseline, every system on its own

are measured the same way. `skr_chunked` is the scale-out path: the sorted sequence is cut into
P contiguous chunks, each solved by its own worker process with its own recycle space (the
official code instead runs one PETSc/HPDDM solve over 72 MPI ranks).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from krylov_recycling.baselines import gmres, scipy_gcrotmk, scipy_gmres
from krylov_recycling.data import LinearSystem
from krylov_recycling.gcrodr import gcrodr
from krylov_recycling.preconditioners import make_preconditioner
from krylov_recycling.sorting import greedy_order, sort_features

SOLVERS = ("gmres", "gcrodr", "scipy_gmres", "scipy_gcrotmk")


@dataclass
class SequenceResult:
    """A sequence of N systems solved in `order`; per-system arrays are in the original order.

    seconds: wall time of the whole job (sorting and preconditioner setups included);
    sort_seconds: the sorting part alone.
    """

    solver: str
    order: np.ndarray
    matvecs: np.ndarray
    converged: np.ndarray
    residuals: np.ndarray
    seconds: float
    sort_seconds: float = 0.0
    solutions: list[np.ndarray] = field(default_factory=list, repr=False)

    @property
    def matvecs_mean(self) -> float:
        return float(self.matvecs.mean())

    @property
    def unconverged(self) -> int:
        return int((~self.converged).sum())

    def summary(self) -> dict[str, float]:
        """The numbers the reproduction records for one run."""
        return {
            "matvecs_mean": self.matvecs_mean,
            "matvecs_total": int(self.matvecs.sum()),
            "unconverged": self.unconverged,
            "max_residual": float(self.residuals.max()),
            "seconds": self.seconds,
        }


def _check_order(order, N: int) -> np.ndarray:
    order = np.arange(N) if order is None else np.asarray(order)
    if order.shape != (N,) or not np.array_equal(np.sort(order), np.arange(N)):
        raise ValueError(f"order must be a permutation of range({N}), got {order!r}")
    return order


def solve_sequence(
    systems: Sequence[LinearSystem],
    solver: str = "gcrodr",
    *,
    order: Sequence[int] | None = None,
    recycle: bool = True,
    precond: str = "none",
    m: int = 40,
    k: int = 20,
    rtol: float = 1e-8,
    maxit: int = 10_000,
    orthogonalization: str = "cgs2",
    keep_solutions: bool = False,
) -> SequenceResult:
    """Solve `systems` one after the other in `order` (default: as given).

    gcrodr with recycle=True hands U from each system to the next; scipy_gcrotmk hands its CU
    list on the same way. A system that hits maxit is flagged unconverged, and the sequence goes
    on (its matvecs are counted in full). The preconditioner is built for each system inside the
    timed region.
    """
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if not systems:
        raise ValueError("systems must not be empty")
    N = len(systems)
    order = _check_order(order, N)
    matvecs = np.zeros(N, dtype=int)
    converged = np.zeros(N, dtype=bool)
    residuals = np.zeros(N)
    solutions: list = [None] * N
    U, CU = None, None
    t0 = time.perf_counter()
    for i in order:
        A, b = systems[i].A, systems[i].b
        M = None if precond == "none" else make_preconditioner(precond, A)
        if solver == "gmres":
            res = gmres(A, b, m=m, rtol=rtol, maxit=maxit, M=M, orthogonalization=orthogonalization)
        elif solver == "gcrodr":
            res = gcrodr(
                A, b, m=m, k=k, rtol=rtol, maxit=maxit, U=U if recycle else None, M=M,
                orthogonalization=orthogonalization,
            )  # fmt: skip
            U = res.U
        elif solver == "scipy_gmres":
            res = scipy_gmres(A, b, m=m, rtol=rtol, maxit=maxit, M=M)
        else:
            res, cu = scipy_gcrotmk(A, b, m=m - k, k=k, rtol=rtol, maxit=maxit, CU=CU)
            CU = cu if recycle else None
        matvecs[i], converged[i], residuals[i] = res.matvecs, res.converged, res.residual
        if keep_solutions:
            solutions[i] = res.x
    seconds = time.perf_counter() - t0
    return SequenceResult(
        solver=solver,
        order=order,
        matvecs=matvecs,
        converged=converged,
        residuals=residuals,
        seconds=seconds,
        solutions=solutions if keep_solutions else [],
    )


def skr_order(
    systems: Sequence[LinearSystem],
    *,
    features: str = "field",
    scalar_scale: float = 1.0,
    start: int = 0,
) -> np.ndarray:
    """The SKR solve order: greedy nearest neighbour on the systems' parameter features."""
    fields = np.stack([s.field for s in systems])
    scalars = np.stack([s.scalars for s in systems]) if systems[0].scalars.size else None
    X = sort_features(fields, scalars, kind=features, scalar_scale=scalar_scale)
    return greedy_order(X, start=start)


def skr(
    systems: Sequence[LinearSystem],
    *,
    features: str = "field",
    scalar_scale: float = 1.0,
    **solver_kwargs,
) -> SequenceResult:
    """Sort the systems (timed), then solve them in order with GCRO-DR carrying U."""
    t0 = time.perf_counter()
    order = skr_order(systems, features=features, scalar_scale=scalar_scale)
    sort_seconds = time.perf_counter() - t0
    result = solve_sequence(systems, "gcrodr", order=order, recycle=True, **solver_kwargs)
    result.sort_seconds = sort_seconds
    result.seconds += sort_seconds
    return result


def _solve_chunk(args) -> SequenceResult:
    systems, order, kwargs = args
    threadpool_limits(1)  # one BLAS thread per worker
    return solve_sequence(systems, "gcrodr", order=order, recycle=True, **kwargs)


def skr_chunked(
    systems: Sequence[LinearSystem],
    workers: int,
    *,
    features: str = "field",
    scalar_scale: float = 1.0,
    processes: bool = True,
    **solver_kwargs,
) -> SequenceResult:
    """SKR with the sorted sequence split into `workers` contiguous chunks, one recycle space
    per chunk, solved in parallel processes (processes=False: the same chunks one by one).

    Chunk c solves exactly what `solve_sequence(..., order=chunk_c)` would, so the result does
    not depend on how the chunks are scheduled.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an int >= 1, got {workers!r}")
    t0 = time.perf_counter()
    order = skr_order(systems, features=features, scalar_scale=scalar_scale)
    sort_seconds = time.perf_counter() - t0
    chunks = [c for c in np.array_split(order, workers) if c.size]
    jobs = [([systems[i] for i in c], np.arange(c.size), solver_kwargs) for c in chunks]
    if processes and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=len(jobs)) as pool:
            parts = list(pool.map(_solve_chunk, jobs))
    else:
        parts = [_solve_chunk(job) for job in jobs]
    N = len(systems)
    matvecs = np.zeros(N, dtype=int)
    converged = np.zeros(N, dtype=bool)
    residuals = np.zeros(N)
    solutions: list = [None] * N
    keep = solver_kwargs.get("keep_solutions", False)
    for c, part in zip(chunks, parts, strict=True):
        matvecs[c], converged[c], residuals[c] = part.matvecs, part.converged, part.residuals
        if keep:
            for i, x in zip(c, part.solutions, strict=True):
                solutions[i] = x
    return SequenceResult(
        solver="gcrodr",
        order=order,
        matvecs=matvecs,
        converged=converged,
        residuals=residuals,
        seconds=time.perf_counter() - t0,
        sort_seconds=sort_seconds,
        solutions=solutions if keep else [],
    )
