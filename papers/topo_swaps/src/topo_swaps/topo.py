"""TOPO: the bi-level search over topological orders by swaps (Algorithm "TOPO" of the paper).

Outer level: a topological order π. Inner level: W*(π) (see `inner.py`). One iteration:

1. Z = create_Z(π): Z[i, j] is True when the edge i → j is forbidden by π (pos(i) ≥ pos(j)).
2. ∇h = ∇h_logdet(W*(π)) = (I − |W*(π)|)^{−T}. For a forbidden pair (Z[i, j]), (∇h)_ij weighs the
   directed paths j ⇝ i; a small value means that letting i → j in (by swapping i and j) breaks
   little of the current structure. The candidate set Y_small holds the forbidden pairs
   (diagonal excluded) whose (∇h)_ij is among the s_small smallest, Y_large the s_large smallest
   (ties at the cut-off are kept, as in the official `find_idx_set_updated`).
3. Every (i, j) ∈ Y_small is evaluated: π' = π with i and j exchanged (i sits at q = pos(i), j at
   p = pos(j) < q) and Q(W*(π')) computed by refitting positions p … q only.
4. If some candidate improves Q, the improving swaps are applied greedily in increasing order of
   their score, skipping any whose position interval [p, q] overlaps one already taken (official
   `create_new_topo_greedy`/`assign_negative`). Disjoint swaps change disjoint sets of nodes'
   predecessor sets, so their score changes add up: Q strictly decreases.
5. Otherwise Y_large \\ Y_small is tried, at most `no_large_search` times in a whole run; when
   neither set improves, π is returned (a local optimum w.r.t. the evaluated swaps).

The final graph is W*(π) thresholded at 0.3.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed

from topo_swaps.acyclicity import h_logdet
from topo_swaps.inner import InnerSolver, OrderFit, check_order, swap_positions
from topo_swaps.metrics import threshold

W_THRESHOLD = 0.3


def create_Z(order: Sequence[int]) -> np.ndarray:
    """Edge-absence constraints of π: Z[i, j] = True ⇔ pos(i) ≥ pos(j). Bool (d, d).

    create_Z([0, 1, 2, 3]) is the lower triangle with the diagonal (official docstring).
    """
    d = len(order)
    order = check_order(order, d)
    pos = np.empty(d, dtype=int)
    pos[list(order)] = np.arange(d)
    return pos[:, None] >= pos[None, :]


def default_sizes(d: int) -> tuple[int, int, int]:
    """Official `set_sizes_linear`: (s_small, s_large, no_large_search) for d nodes.

    s_small = min(⌊1.5d⌋, ⌊√d (d−1) log₁₀ d⌋, d(d−1)/2), s_large = max(⌊1.5d⌋,
    min(⌊√d (d−1) log₁₀ d⌋, d(d−1)/2)), no_large_search = min(⌊d/10⌋, 1). s_small is at least 1.
    """
    pairs = d * (d - 1) // 2
    growth = int(math.sqrt(d) * (d - 1) * math.log10(d))
    small = max(1, min(int(1.5 * d), growth, pairs))
    large = max(int(1.5 * d), min(growth, pairs))
    return small, large, min(d // 10, 1)


def resolve_sizes(
    d: int, size_small: int | None, size_large: int | None, no_large_search: int | None
) -> tuple[int, int, int]:
    """Fill unset sizes with `default_sizes`; sizes above d(d−1)/2 are clamped with a warning."""
    small0, large0, nls0 = default_sizes(d)
    small = small0 if size_small is None else int(size_small)
    large = large0 if size_large is None else int(size_large)
    nls = nls0 if no_large_search is None else int(no_large_search)
    if small < 1:
        raise ValueError(f"size_small must be >= 1, got {small}")
    if nls < 0:
        raise ValueError(f"no_large_search must be >= 0, got {nls}")
    pairs = d * (d - 1) // 2
    if small > pairs or large > pairs:
        warnings.warn(
            f"candidate-set sizes (size_small={small}, size_large={large}) exceed the "
            f"d(d−1)/2 = {pairs} swappable pairs; clamped to {pairs}",
            RuntimeWarning,
            stacklevel=3,
        )
    return min(small, pairs), min(max(large, 1), pairs), nls


def candidate_sets(
    grad_h: np.ndarray, Z: np.ndarray, size_small: int, size_large: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Y_small, Y_large: forbidden pairs (i, j) (Z[i, j], i ≠ j) with the smallest (∇h)_ij.

    A pair is kept when (∇h)_ij ≤ the size-th smallest such value (ties kept). Pairs are listed
    in row-major order of (i, j).
    """
    Zc = np.array(Z, dtype=bool)
    np.fill_diagonal(Zc, False)
    values = np.sort(grad_h[Zc])
    if not 1 <= size_small <= len(values) or not 1 <= size_large <= len(values):
        raise ValueError(f"sizes must be in [1, {len(values)}], got {size_small}, {size_large}")

    def below(cut: float) -> list[tuple[int, int]]:
        rows, cols = np.nonzero(Zc & (grad_h <= cut))
        return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True)]

    return below(values[size_small - 1]), below(values[size_large - 1])


def greedy_swaps(
    order: Sequence[int], pairs: Sequence[tuple[int, int]], losses: np.ndarray, loss: float
) -> tuple[tuple[int, ...], list[tuple[int, int]]]:
    """Apply the improving swaps (losses < loss) best first, with non-overlapping intervals.

    Returns (the new order, the swaps applied). A swap (i, j) occupies positions pos(j) … pos(i)
    of `order`; it is skipped when any of them is taken by a better swap.
    """
    pos = {v: k for k, v in enumerate(order)}
    taken = np.zeros(len(order), dtype=bool)
    new, applied = tuple(order), []
    for c in np.argsort(losses, kind="stable"):
        if not losses[c] < loss:
            break
        i, j = pairs[c]
        p, q = pos[j], pos[i]
        if taken[p : q + 1].any():
            continue
        taken[p : q + 1] = True
        new = swap_positions(new, p, q)
        applied.append((i, j))
    return new, applied


@dataclass
class TopoResult:
    """What `topo` returns.

    W: W*(π) of the final order, (d, d), not thresholded; W_est: W thresholded at `w_threshold`;
    order: the final π; loss: Q(W*(π)); history: (loss, order) after every outer iteration (the
    first entry is the initial order); large_searches: times Y_large \\ Y_small was used;
    evaluated: number of swaps evaluated; final_pairs / final_losses: the candidates evaluated in
    the last iteration (none of which improves the loss) and their scores.
    """

    W: np.ndarray
    W_est: np.ndarray
    order: tuple[int, ...]
    loss: float
    history: list[tuple[float, tuple[int, ...]]] = field(default_factory=list)
    large_searches: int = 0
    evaluated: int = 0
    final_pairs: list[tuple[int, int]] = field(default_factory=list)
    final_losses: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def iterations(self) -> int:
        return len(self.history) - 1


def _evaluate(
    solver: InnerSolver, fit: OrderFit, pairs: list[tuple[int, int]], n_jobs: int
) -> np.ndarray:
    pos = {v: k for k, v in enumerate(fit.order)}
    spans = [(pos[j], pos[i]) for i, j in pairs]
    if n_jobs == 1:
        return np.array([solver.swap_loss(fit, p, q) for p, q in spans])
    # Candidates are independent: the scale-out path (threads share Σ / X without copies).
    run = Parallel(n_jobs=n_jobs, prefer="threads")
    return np.array(run(delayed(solver.swap_loss)(fit, p, q) for p, q in spans))


def topo(
    solver: InnerSolver,
    init_order: Sequence[int],
    *,
    size_small: int | None = None,
    size_large: int | None = None,
    no_large_search: int | None = None,
    rtol: float = 1e-12,
    w_threshold: float = W_THRESHOLD,
    n_jobs: int = 1,
) -> TopoResult:
    """Run TOPO from `init_order` (a permutation of range(d)) with the inner `solver`.

    A swap counts as improving when its score is below Q − rtol·max(1, |Q|) (the official code
    uses a strict `<`; the tolerance stops the search from chasing rounding noise between
    score-equivalent orders). Sizes default to the official `set_sizes_linear`.
    """
    d = solver.d
    order = check_order(init_order, d, name="init_order")
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
    s_small, s_large, nls = resolve_sizes(d, size_small, size_large, no_large_search)
    fit = solver.fit(order)
    history = [(fit.loss, fit.order)]
    large_used = evaluated = 0
    while True:
        cut = fit.loss - rtol * max(1.0, abs(fit.loss))
        _, grad_h = h_logdet(fit.W, order=fit.order)
        small, large = candidate_sets(grad_h, create_Z(fit.order), s_small, s_large)
        pairs, losses = small, _evaluate(solver, fit, small, n_jobs)
        evaluated += len(pairs)
        if not (losses < cut).any():
            if large_used >= nls:
                break
            in_small = set(small)
            rest = [pair for pair in large if pair not in in_small]
            rest_losses = _evaluate(solver, fit, rest, n_jobs)
            evaluated += len(rest)
            pairs, losses = pairs + rest, np.concatenate([losses, rest_losses])
            if not (rest_losses < cut).any():
                break
            large_used += 1
        new_order, _ = greedy_swaps(fit.order, pairs, losses, cut)
        fit = solver.fit(new_order)
        history.append((fit.loss, fit.order))
    return TopoResult(
        W=fit.W,
        W_est=threshold(fit.W, w_threshold),
        order=fit.order,
        loss=fit.loss,
        history=history,
        large_searches=large_used,
        evaluated=evaluated,
        final_pairs=pairs,
        final_losses=losses,
    )
