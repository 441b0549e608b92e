"""Data (§3): uniform points in [0, 1]², their canonical targets, batches, fixed test sets,
the Held–Karp-labelled TSP pool with its augmentations, and the authors' text format.

The authors' files hold one example per line,

    x1 y1 x2 y2 … xn yn output i1 i2 … ik

with 1-based indices; hull and TSP outputs close with their first index again, Delaunay
outputs are consecutive triples. In memory an example's target is a list of 0-based indices
in the convention of `geometry.py` (no closing index).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, IterableDataset

from pointer_networks.geometry import TASKS, canonical_tour, delaunay_target, hull_target
from pointer_networks.solvers import held_karp

TEST_SEED = 150603134  # arXiv 1506.03134; test sets are fixed, whatever a run's seed
TARGETS = {"hull": hull_target, "delaunay": delaunay_target}


@dataclass
class Batch:
    """A padded batch of examples.

    points (B, n, 2) float32, zero past each length; lengths (B,) long;
    targets (B, T) long output positions (j + 1 for point j, then the end token 0, 0-padded);
    target_lengths (B,) long: the output length including the end token.
    """

    points: Tensor
    lengths: Tensor
    targets: Tensor
    target_lengths: Tensor


def collate(points: Sequence[np.ndarray], targets: Sequence[Sequence[int]]) -> Batch:
    """Examples of mixed n -> one padded `Batch`. points: each (n_b, 2); targets: 0-based."""
    n, t = max(len(p) for p in points), max(len(y) for y in targets) + 1
    batch = len(points)
    pts = np.zeros((batch, n, 2), dtype=np.float32)
    tgt = np.zeros((batch, t), dtype=np.int64)
    for b, (p, y) in enumerate(zip(points, targets, strict=True)):
        pts[b, : len(p)] = p
        tgt[b, : len(y)] = np.asarray(y, dtype=np.int64) + 1
    return Batch(
        torch.from_numpy(pts),
        torch.tensor([len(p) for p in points]),
        torch.from_numpy(tgt),
        torch.tensor([len(y) + 1 for y in targets]),
    )


def uniform_points(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    """(size, n, 2) points uniform in the unit square."""
    return rng.random((size, n, 2))


def task_batches(
    rng: np.random.Generator, task: str, batch_size: int, n_range: tuple[int, int]
) -> Iterator[Batch]:
    """Endless hull or Delaunay batches generated on the fly.

    Each batch draws one n uniformly from n_range (inclusive): same-n batches waste no time
    on padding, and over many batches every n in the range is seen equally often.
    """
    target = TARGETS[task]
    while True:
        points = uniform_points(rng, batch_size, int(rng.integers(n_range[0], n_range[1] + 1)))
        yield collate(points, [target(p) for p in points])


class BatchStream(IterableDataset):
    """The endless batches `make(rng)` yields, from a generator seeded with `seed`."""

    def __init__(self, make: Callable[[np.random.Generator], Iterator[Batch]], seed: int):
        super().__init__()
        self.make, self.seed = make, seed

    def __iter__(self) -> Iterator[Batch]:
        return self.make(np.random.default_rng(self.seed))


def stream(
    make: Callable[[np.random.Generator], Iterator[Batch]], seed: int, workers: int = 0
) -> Iterator[Batch]:
    """Batches from `make`, generated in this process (workers=0) or ahead of time in one
    worker process (workers=1) so that labelling with Qhull overlaps training on the second
    core. Either way the batches, and so the run, are the same for the same seed.
    """
    if workers not in (0, 1):
        raise ValueError(f"workers must be 0 or 1 (one seeded stream), got {workers}")
    if workers == 0:
        return iter(BatchStream(make, seed))
    loader = DataLoader(BatchStream(make, seed), batch_size=None, num_workers=1, prefetch_factor=16)
    return iter(loader)


@dataclass
class EvalSet:
    """A fixed set of instances of one size n: points (size, n, 2), targets (0-based)."""

    task: str
    points: np.ndarray
    targets: list[list[int]]


def eval_set(task: str, n: int, size: int = 1000) -> EvalSet:
    """The fixed, seeded test set for (task, n): the same for every run and every seed.

    TSP targets are Held–Karp optimal tours (canonical form), so n <= 12.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    rng = np.random.default_rng([TEST_SEED, TASKS.index(task), n])
    points = uniform_points(rng, size, n)
    if task == "tsp":
        targets = [canonical_tour(t) for t in held_karp(points)[1]]
    else:
        targets = [TARGETS[task](p) for p in points]
    return EvalSet(task, points, targets)


# --- TSP training pool -----------------------------------------------------------------------


def tsp_pool(
    rng: np.random.Generator, size: int, n_range: tuple[int, int]
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """`size` instances, split evenly over n in n_range, labelled with optimal tours.

    Returns {n: (points (m, n, 2), tours (m, n))}.
    """
    ns = range(n_range[0], n_range[1] + 1)
    pool = {}
    for n in ns:
        points = uniform_points(rng, size // len(ns), n)
        pool[n] = (points, held_karp(points)[1])
    return pool


def dihedral(points: np.ndarray, k: int) -> np.ndarray:
    """The k-th of the 8 symmetries of the unit square (k in 0..7), applied to (..., 2).

    Rotations by k·90° about the centre, then a mirror for k >= 4. Isometries: tour lengths,
    hulls and Delaunay triangulations are preserved.
    """
    c = points - 0.5
    for _ in range(k % 4):
        c = np.stack([-c[..., 1], c[..., 0]], axis=-1)
    if k >= 4:
        c = c * np.array([-1.0, 1.0])
    return c + 0.5


def augment_tour(
    rng: np.random.Generator, points: np.ndarray, tour: Sequence[int]
) -> tuple[np.ndarray, list[int]]:
    """One random relabelling and square symmetry of a labelled instance.

    The input order is permuted (the tour's indices relabelled to match) and one of the 8
    dihedral symmetries is applied; the tour is put back into canonical form.
    """
    perm = rng.permutation(len(points))  # new position a holds old point perm[a]
    new_index = np.argsort(perm)
    points = dihedral(points[perm], int(rng.integers(8)))
    return points, canonical_tour(new_index[np.asarray(tour)])


def tsp_batches(
    rng: np.random.Generator, pool: dict[int, tuple[np.ndarray, np.ndarray]], batch_size: int
) -> Iterator[Batch]:
    """Endless augmented batches from a TSP pool; one n per batch, uniform over the pool's."""
    ns = sorted(pool)
    while True:
        pts, trs = pool[ns[int(rng.integers(len(ns)))]]
        points, tours = [], []
        for k in rng.integers(len(pts), size=batch_size):
            p, t = augment_tour(rng, pts[k], trs[k])
            points.append(p)
            tours.append(t)
        yield collate(points, tours)


# --- the authors' text format ----------------------------------------------------------------


@dataclass
class Example:
    """One instance: points (n, 2) and its target (0-based indices, no closing index)."""

    points: np.ndarray
    target: list[int]


def parse_line(line: str, task: str) -> Example:
    """Parse one line of the authors' format (see the module docstring)."""
    tokens = line.split()
    if "output" not in tokens:
        raise ValueError("missing the 'output' token")
    k = tokens.index("output")
    coords, indices = tokens[:k], tokens[k + 1 :]
    if len(coords) % 2:
        raise ValueError(f"odd number of coordinates ({len(coords)}); expected x y pairs")
    try:
        points = np.array(coords, dtype=np.float64).reshape(-1, 2)
        one_based = [int(i) for i in indices]
    except ValueError as e:
        raise ValueError(f"not a number: {e}") from None
    n = len(points)
    bad = [i for i in one_based if not 1 <= i <= n]
    if bad:
        raise ValueError(f"output index {bad[0]} out of range 1..{n} (n={n} points)")
    target = [i - 1 for i in one_based]
    if task in ("hull", "tsp"):
        if len(target) < 2 or target[-1] != target[0]:
            raise ValueError(f"a {task} output must close with its first index")
        target = target[:-1]
    elif len(target) % 3:
        raise ValueError(f"a delaunay output must be triples, got {len(target)} indices")
    return Example(points, target)


def format_line(example: Example, task: str) -> str:
    """One line of the authors' format; hull and TSP outputs close with their first index."""
    coords = " ".join(repr(float(x)) for x in np.asarray(example.points).reshape(-1))
    target = list(example.target) + (example.target[:1] if task in ("hull", "tsp") else [])
    return f"{coords} output {' '.join(str(i + 1) for i in target)}"


def read_examples(path: str | Path, task: str, *, strict: bool = True) -> list[Example]:
    """Read a file in the authors' format. A malformed line raises `ValueError` naming its
    line number; with strict=False it is skipped with a warning and the others are kept."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    examples = []
    for lineno, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            examples.append(parse_line(line, task))
        except ValueError as e:
            message = f"{path}, line {lineno}: {e}"
            if strict:
                raise ValueError(message) from None
            warnings.warn(f"{message}; line skipped", stacklevel=2)
    return examples


def write_examples(path: str | Path, examples: Sequence[Example], task: str) -> Path:
    """Write examples in the authors' format, one per line."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    path = Path(path)
    path.write_text("".join(format_line(e, task) + "\n" for e in examples))
    return path
