"""Thread pinning: every preset states how many threads it uses, and the results record it."""

from __future__ import annotations

import importlib.util
import os

from threadpoolctl import threadpool_limits

_blas_limiter = None


def set_threads(n: int) -> int:
    """Pin torch's intra-op pool (when torch is installed) and the BLAS pools to `n` threads.

    Small models run faster on 1 thread than on 2 on the reference 2-core machine; measure, then
    pin. Returns `n`.
    """
    global _blas_limiter
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"threads must be a positive int, got {n!r}")
    # threadpoolctl reaches only the BLAS/OpenMP libraries already loaded; the variables cover
    # those loaded later (and worker processes).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(n)
    _blas_limiter = threadpool_limits(limits=n)  # kept alive: the limit lasts the whole run
    return n


def thread_info() -> dict[str, int]:
    """The thread counts in force: torch's intra-op pool and each BLAS library's."""
    from threadpoolctl import threadpool_info

    info: dict[str, int] = {}
    if importlib.util.find_spec("torch") is not None:
        import torch

        info["torch"] = torch.get_num_threads()
    for pool in threadpool_info():  # numpy and scipy may each bundle their own OpenBLAS
        key, i = pool["internal_api"], 2
        while key in info:
            key, i = f"{pool['internal_api']}_{i}", i + 1
        info[key] = int(pool["num_threads"])
    return info
