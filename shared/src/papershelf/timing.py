"""Side-by-side timing for benchmarks: interleaved, repeated, medians and spreads.

Run two or more callables in the same process, alternating them round by round (and rotating who
goes first) so that a background load or a thermal drift hits every contestant alike. For
benchmarks and reports only: tests never assert wall-clock times.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any


def compare(
    contestants: Mapping[str, Callable[[], Any]],
    *,
    repeats: int = 7,
    warmup: int = 1,
    baseline: str | None = None,
) -> dict[str, dict[str, float]]:
    """Time every callable `repeats` times, interleaved, after `warmup` untimed rounds.

    Returns, per name: median_s, min_s, max_s, iqr_s (inter-quartile range), repeats, and, when
    `baseline` names one of them, `speedup_vs_<baseline>` = median(baseline) / median(name).
    """
    if len(contestants) < 1:
        raise ValueError("contestants must name at least one callable")
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats must be >= 1 and warmup >= 0, got {repeats}, {warmup}")
    if baseline is not None and baseline not in contestants:
        raise ValueError(f"baseline {baseline!r} is not one of {list(contestants)}")
    names = list(contestants)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(warmup + repeats):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            t0 = time.perf_counter()
            contestants[name]()
            dt = time.perf_counter() - t0
            if r >= warmup:
                times[name].append(dt)
    out: dict[str, dict[str, float]] = {}
    for name, ts in times.items():
        q = statistics.quantiles(ts, n=4) if len(ts) > 1 else [ts[0]] * 3
        out[name] = {
            "median_s": statistics.median(ts),
            "min_s": min(ts),
            "max_s": max(ts),
            "iqr_s": q[2] - q[0],
            "repeats": len(ts),
        }
    if baseline is not None:
        base = out[baseline]["median_s"]
        for name in names:
            out[name][f"speedup_vs_{baseline}"] = base / out[name]["median_s"]
    return out
