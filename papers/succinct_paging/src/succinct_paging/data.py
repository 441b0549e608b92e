"""Request sequences: a drifting Zipf workload, adversarial traces, and real check-in traces.

- `zipf_drift`: the laptop-scale stand-in for a real trace. Requests follow Zipf(α) over N pages
  (P(rank r) ∝ r^-α), and the page-to-rank map is redrawn every `reshuffle` requests, so the
  popular set drifts and recency, frequency and the predictions all matter.
- `cyclic(m, n)`: 0, 1, ..., m-1, 0, 1, ... ; with m = k + 1 every deterministic online algorithm
  without good advice can be made to fault on every request.
- `ping_pong(n)`: a, b, c, b, c, ... (pages 0, 1, 2); with k = 2 and bits (0, 1, 1, ...) FtP
  faults on every request.
- `load_checkins`: the SNAP BrightKite / Gowalla check-in files (the location ids of one user,
  in time order, are a request sequence), read from a local path.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np


def _check_count(value: int, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def zipf_drift(
    n: int, N: int, alpha: float = 1.0, reshuffle: int = 200, seed: int = 0
) -> np.ndarray:
    """n requests, Zipf(α) over N pages, ranks re-mapped every `reshuffle` requests; int64 (n,)."""
    n, N = _check_count(n, "n", 0), _check_count(N, "N", 1)
    reshuffle = _check_count(reshuffle, "reshuffle", 1)
    if not (isinstance(alpha, int | float) and alpha >= 0):
        raise ValueError(f"alpha must be a number >= 0, got {alpha!r}")
    rng = np.random.default_rng(seed)
    weights = np.arange(1, N + 1, dtype=float) ** -float(alpha)
    ranks = rng.choice(N, size=n, p=weights / weights.sum())
    blocks = -(-n // reshuffle)
    rank_to_page = rng.random((blocks, N)).argsort(axis=1)  # one random permutation per block
    return rank_to_page[np.arange(n) // reshuffle, ranks].astype(np.int64)


def cyclic(m: int, n: int) -> np.ndarray:
    """0, 1, ..., m-1 repeated, n requests; int64 (n,)."""
    m, n = _check_count(m, "m", 1), _check_count(n, "n", 0)
    return np.arange(n, dtype=np.int64) % m


def ping_pong(n: int) -> np.ndarray:
    """a, b, c, b, c, ... as pages 0, 1, 2, 1, 2, ...; int64 (n,)."""
    n = _check_count(n, "n", 0)
    out = 1 + (np.arange(n, dtype=np.int64) + 1) % 2
    out[:1] = 0
    return out


def load_checkins(path: str | Path, user: str | None = None) -> dict[str, list[str]] | list[str]:
    """Check-in traces from a SNAP BrightKite / Gowalla file (`loc-*_totalCheckins.txt`).

    Each line is `user <TAB> ISO-8601 time <TAB> latitude <TAB> longitude <TAB> location id`; a
    user's lines are consecutive and newest first. Blank lines are skipped; any other malformed row
    raises ValueError naming its line number. Returns {user: location ids in time order}, or, with
    `user`, that user's list.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file")
    traces: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 5:
                raise ValueError(
                    f"{path}:{lineno}: expected 5 tab-separated fields "
                    f"(user, time, lat, lon, location id), got {len(fields)}"
                )
            uid, time, lat, lon, loc = (x.strip() for x in fields)
            try:
                dt.datetime.fromisoformat(time.replace("Z", "+00:00"))
                float(lat), float(lon)
            except ValueError as e:
                raise ValueError(f"{path}:{lineno}: bad time or coordinates ({e})") from None
            if not uid or not loc:
                raise ValueError(f"{path}:{lineno}: empty user or location id")
            traces.setdefault(uid, []).append(loc)
    for trace in traces.values():
        trace.reverse()  # newest first in the file -> time order
    if user is None:
        return traces
    if str(user) not in traces:
        raise ValueError(f"user {user!r} is not in {path}")
    return traces[str(user)]
