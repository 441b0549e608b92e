"""Training by teacher forcing (§2.1, §4.1) and evaluation with the metrics of §4.

The loss is the negative log-likelihood of the canonical target, -log p(C^P | P), averaged per
output token, with the task's validity mask applied inside the softmax (the same mask the
decoder uses), gradient-norm clipping at 2.0 and Adam (or the paper's SGD, lr 1.0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
import torch
from torch import Tensor

from pointer_networks.data import Batch, EvalSet
from pointer_networks.decoding import beam_search, greedy_decode, to_outputs, validity_masks
from pointer_networks.geometry import (
    area_coverage,
    tour_is_valid,
    tour_length,
    triangle_coverage,
    triangle_set,
    triangulation_exact,
)
from pointer_networks.model import EncoderDecoder


def make_optimizer(model: EncoderDecoder, name: str, lr: float) -> torch.optim.Optimizer:
    """ "adam" (our default) or "sgd" (the paper's: plain SGD, lr 1.0)."""
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr)
    raise ValueError(f"optimizer must be 'adam' or 'sgd', got {name!r}")


def nll_loss(model: EncoderDecoder, batch: Batch, task: str | None) -> Tensor:
    """Mean per-token -log p(C_i | C_<i, P) of a batch, under the task's validity mask."""
    width = model.output_width(batch.points.shape[1])
    valid = validity_masks(task, batch.targets, batch.lengths, width)
    ll = model.log_likelihood(
        batch.points, batch.lengths, batch.targets, batch.target_lengths, valid
    )
    return -ll.sum() / batch.target_lengths.sum()


def train(
    model: EncoderDecoder,
    batches: Iterator[Batch],
    *,
    task: str,
    steps: int,
    optimizer: torch.optim.Optimizer,
    clip: float = 2.0,
    progress: Callable[..., Iterable] | None = None,
    curve_points: int = 40,
) -> list[float]:
    """Train for `steps` batches; returns the loss curve (mean loss over `curve_points` windows)."""
    model.train()
    steps_iter = progress(range(steps), total=steps) if progress else range(steps)
    losses = []
    for _ in steps_iter:
        loss = nll_loss(model, next(batches), task)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    windows = np.array_split(np.array(losses), min(curve_points, len(losses)))
    return [float(w.mean()) for w in windows]


def decode(
    model: EncoderDecoder,
    points: np.ndarray,
    task: str | None,
    *,
    beam: int = 1,
    batch_size: int = 500,
) -> list[list[int]]:
    """Decode instances of one size: points (N, n, 2) -> N outputs (0-based indices).

    beam = 1 is greedy decoding; otherwise the best beam of a width-`beam` search.
    """
    model.eval()
    outputs = []
    for s in range(0, len(points), batch_size):
        chunk = torch.as_tensor(points[s : s + batch_size], dtype=torch.float32)
        lengths = torch.full((len(chunk),), chunk.shape[1], dtype=torch.long)
        if beam == 1:
            seqs = greedy_decode(model, chunk, lengths, task)
        else:
            seqs = beam_search(model, chunk, lengths, task, beam)[0][:, 0]
        outputs += to_outputs(seqs)
    return outputs


def hull_metrics(evalset: EvalSet, outputs: list[list[int]]) -> dict[str, float]:
    """Accuracy (exact canonical match), mean area coverage over the simple polygons, and the
    FAIL rate (outputs that are not simple polygons)."""
    exact, coverage = [], []
    for points, target, out in zip(evalset.points, evalset.targets, outputs, strict=True):
        exact.append(out == target)
        coverage.append(area_coverage(points, out, target))
    simple = [c for c in coverage if c is not None]
    return {
        "accuracy": float(np.mean(exact)),
        "area_coverage": float(np.mean(simple)) if simple else 0.0,
        "fail_rate": 1.0 - len(simple) / len(coverage),
    }


def delaunay_metrics(evalset: EvalSet, outputs: list[list[int]]) -> dict[str, float]:
    """Accuracy (exact triangle set), triangle coverage (share of true triangles found) and
    triangle precision (share of predicted triangles that are true)."""
    exact, coverage, precision = [], [], []
    for target, out in zip(evalset.targets, outputs, strict=True):
        exact.append(triangulation_exact(out, target))
        coverage.append(triangle_coverage(out, target))
        predicted = triangle_set(out)
        precision.append(len(predicted & triangle_set(target)) / max(len(predicted), 1))
    return {
        "accuracy": float(np.mean(exact)),
        "triangle_coverage": float(np.mean(coverage)),
        "triangle_precision": float(np.mean(precision)),
    }


def tour_metrics(points: np.ndarray, tours: list[list[int]], optimal: np.ndarray) -> dict:
    """Mean tour length, mean optimality gap in % (valid tours only) and % invalid tours.

    points (N, n, 2); optimal (N,) the optimal tour lengths.
    """
    n = points.shape[1]
    valid = np.array([tour_is_valid(t, n) for t in tours])
    lengths = np.array(
        [tour_length(p, t) for p, t, v in zip(points, tours, valid, strict=True) if v]
    )
    gaps = 100 * (lengths / optimal[valid] - 1)
    return {
        "mean_length": float(lengths.mean()) if valid.any() else 0.0,
        "gap_pct": float(gaps.mean()) if valid.any() else 0.0,
        "invalid_pct": 100 * float(1 - valid.mean()),
    }
