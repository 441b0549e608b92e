"""Decoding: task validity masks, greedy decoding and beam search (§2.3, §4).

The paper restricts its beam search to outputs that satisfy the task's constraints (§4). A
task's rules, as a mask over output positions (0 = end, j = input point j-1) that depends on
what was emitted so far:

- hull: no repeated point; the end token only after >= 3 points (or after all n);
- tsp: no repeated point; the end token only once all n cities are in the tour;
- delaunay: indices come in triples: no repeat inside a triple, the end token only between
  triples (after >= 1), and at most 2n - 5 triangles (the most n points can have);
- None: padding only (every real position and the end token are always allowed).

Once the end token is emitted a sequence is finished: only the end token stays allowed, with
probability 1, so finished sequences keep their score. Training applies the same masks to the
teacher-forced loss (`validity_masks`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from pointer_networks.geometry import TASKS
from pointer_networks.model import EncoderDecoder, padding_mask


@dataclass
class MaskState:
    """What the rules need to know about each sequence's prefix; B rows.

    visited (B, W): positions emitted (for delaunay: inside the current triple).
    count (B,): points emitted. finished (B,): the end token was emitted. lengths (B,): n.
    """

    visited: Tensor
    count: Tensor
    finished: Tensor
    lengths: Tensor

    def select(self, rows: Tensor) -> MaskState:
        return MaskState(
            self.visited[rows], self.count[rows], self.finished[rows], self.lengths[rows]
        )


def _check_task(task: str | None) -> None:
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None, got {task!r}")


def max_triangles(lengths: Tensor) -> Tensor:
    """The most triangles a triangulation of n points can have: 2n - 5 (1 for n = 3)."""
    return (2 * lengths - 5).clamp(min=1)


def max_steps(task: str | None, n: int) -> int:
    """Decoding steps needed for the longest valid output of n points, end token included."""
    _check_task(task)
    return 3 * max(2 * n - 5, 1) + 1 if task == "delaunay" else n + 1


def start(lengths: Tensor, width: int) -> MaskState:
    """The empty prefix for a batch with `lengths` (B,) and W = `width` output positions."""
    batch = len(lengths)
    return MaskState(
        visited=torch.zeros(batch, width, dtype=torch.bool, device=lengths.device),
        count=torch.zeros(batch, dtype=torch.long, device=lengths.device),
        finished=torch.zeros(batch, dtype=torch.bool, device=lengths.device),
        lengths=lengths,
    )


def allowed(task: str | None, state: MaskState) -> Tensor:
    """(B, W) bool: the positions each sequence may emit next."""
    _check_task(task)
    mask = padding_mask(state.lengths, state.visited.shape[1]).clone()
    count, n = state.count, state.lengths
    if task is not None:
        mask &= ~state.visited
    if task == "hull":
        mask[:, 0] = (count >= 3) | (count >= n)
    elif task == "tsp":
        mask[:, 0] = count >= n
    elif task == "delaunay":
        boundary = count % 3 == 0
        mask[:, 1:] &= ~(boundary & (count >= 3 * max_triangles(n)))[:, None]
        mask[:, 0] = boundary & (count >= 3)
    end_only = torch.zeros_like(mask)
    end_only[:, 0] = True
    return torch.where(state.finished[:, None], end_only, mask)


def advance(task: str | None, state: MaskState, choice: Tensor) -> MaskState:
    """The prefix after emitting `choice` (B,) output positions."""
    point = ~state.finished & (choice != 0)
    visited = state.visited.clone()
    visited[torch.arange(len(choice)), choice] |= point
    count = state.count + point.long()
    if task == "delaunay":  # a finished triple frees its points for the next one
        visited &= ~(point & (count % 3 == 0))[:, None]
    return replace(state, visited=visited, count=count, finished=state.finished | (choice == 0))


def validity_masks(task: str | None, targets: Tensor, lengths: Tensor, width: int) -> Tensor:
    """The mask at every step of teacher forcing: targets (B, T) -> (B, T, W) bool."""
    state, masks = start(lengths, width), []
    for t in range(targets.shape[1]):
        masks.append(allowed(task, state))
        state = advance(task, state, targets[:, t])
    return torch.stack(masks, dim=1)


@torch.no_grad()
def greedy_decode(
    model: EncoderDecoder, points: Tensor, lengths: Tensor, task: str | None
) -> Tensor:
    """The most likely position at each step. points (B, n, 2), lengths (B,) -> (B, T)
    output positions, 0-padded after each end token."""
    enc = model.encode(points, lengths)
    state = start(lengths, model.output_width(points.shape[1]))
    prev, rnn_state, out = None, enc.state, []
    for _ in range(max_steps(task, points.shape[1])):
        logp, rnn_state = model.step(enc, prev, rnn_state, allowed(task, state))
        prev = logp.argmax(dim=-1)
        out.append(prev)
        state = advance(task, state, prev)
        if bool(state.finished.all()):
            break
    return torch.stack(out, dim=1)


@torch.no_grad()
def beam_search(
    model: EncoderDecoder, points: Tensor, lengths: Tensor, task: str | None, width: int
) -> tuple[Tensor, Tensor]:
    """Beam search over valid outputs. points (B, n, 2), lengths (B,) ->
    (sequences (B, K, T) 0-padded after the end token, scores (B, K) = log p(C^P | P)),
    K = `width`, best first. Beams with score -inf are filler: fewer than K valid outputs.
    """
    if width < 1:
        raise ValueError(f"beam width must be >= 1, got {width}")
    batch = len(points)
    rows = torch.arange(batch).repeat_interleave(width)
    enc = model.encode(points, lengths).select(rows)  # the beams of an input share it
    W = model.output_width(points.shape[1])
    state = start(enc.lengths, W)
    scores = torch.full((batch, width), float("-inf"))
    scores[:, 0] = 0.0  # one live beam to start, so no output is proposed twice
    seqs = torch.zeros(batch * width, 0, dtype=torch.long)
    prev, rnn_state = None, enc.state
    for _ in range(max_steps(task, points.shape[1])):
        logp, rnn_state = model.step(enc, prev, rnn_state, allowed(task, state))
        candidates = (scores.reshape(-1, 1) + logp).reshape(batch, width * W)
        scores, flat = candidates.topk(width, dim=-1)  # sorted, best first
        parent = (torch.arange(batch)[:, None] * width + flat // W).reshape(-1)
        prev = (flat % W).reshape(-1)
        seqs = torch.cat([seqs[parent], prev[:, None]], dim=1)
        rnn_state = (rnn_state[0][:, parent], rnn_state[1][:, parent])
        state = advance(task, state.select(parent), prev)
        if bool(state.finished.all()):
            break
    return seqs.reshape(batch, width, -1), scores


def to_outputs(sequences: Tensor) -> list[list[int]]:
    """(B, T) output positions -> per row the 0-based point indices before the end token."""
    outputs = []
    for row in sequences.tolist():
        row = row[: row.index(0)] if 0 in row else row
        outputs.append([p - 1 for p in row])
    return outputs


def is_valid_output(task: str, sequence: list[int], n: int) -> bool:
    """Whether an output (output positions, end token included) obeys `task`'s rules."""
    state = start(torch.tensor([n]), n + 1)
    for p in sequence:
        if not 0 <= p <= n or not bool(allowed(task, state)[0, p]):
            return False
        state = advance(task, state, torch.tensor([p]))
    return bool(state.finished[0])
