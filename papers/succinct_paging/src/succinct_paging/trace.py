"""The request sequence σ = (σ_1, ..., σ_n) and its one-bit predictions, validated once.

Every public function of this package accepts a trace as any sequence of hashable pages (ints,
strings such as the check-in location ids, ...) and works on dense integer page ids internally.
The id order matters only where FitF breaks ties (the build spec fixes "largest page id"): ids
follow the sorted order of the pages, so for integer traces the id order is the pages' own order;
pages that cannot be sorted together (a mix of types) get ids in order of first request.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np


def check_k(k: int) -> int:
    """The cache size k: an int >= 1."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be an int >= 1 (the cache size), got {k!r}")
    return int(k)


def check_p(p: float, name: str = "p") -> float:
    """A probability in [0, 1]."""
    if isinstance(p, bool) or not isinstance(p, int | float | np.floating | np.integer):
        raise ValueError(f"{name} must be a number in [0, 1], got {p!r}")
    if not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {p!r}")
    return float(p)


def encode(seq: Sequence[Hashable] | np.ndarray) -> np.ndarray:
    """Pages of σ -> dense ids, int64 array of shape (n,), equal pages <-> equal ids."""
    if isinstance(seq, np.ndarray):
        if seq.ndim != 1:
            raise ValueError(f"seq must be one-dimensional, got an array of shape {seq.shape}")
        if seq.dtype.kind in "iub":
            return np.unique(seq, return_inverse=True)[1].astype(np.int64).reshape(-1)
        seq = seq.tolist()
    if isinstance(seq, str | bytes):
        raise ValueError("seq must be a sequence of pages, got a single string")
    pages = list(seq)
    for t, page in enumerate(pages):
        if not isinstance(page, Hashable):
            raise ValueError(
                f"seq[{t}] = {page!r} is unhashable ({type(page).__name__}); pages must be hashable"
            )
    try:
        distinct = sorted(set(pages))
    except TypeError:  # pages of mixed, mutually unorderable types
        distinct = list(dict.fromkeys(pages))
    ids = {page: i for i, page in enumerate(distinct)}
    return np.fromiter((ids[page] for page in pages), dtype=np.int64, count=len(pages))


def check_bits(bits: Sequence[int] | np.ndarray, n: int, name: str = "bits") -> np.ndarray:
    """One predicted bit per request: int8 array of shape (n,) with values in {0, 1}."""
    try:
        arr = np.asarray(bits)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be a sequence of 0/1 values, got {bits!r}") from e
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must have one bit per request: length {n}, got shape {arr.shape}")
    if n and (arr.dtype.kind not in "biuf" or not np.isin(arr, (0, 1)).all()):
        raise ValueError(f"{name} must contain only 0 and 1")
    return arr.astype(np.int8)
