"""Point-to-point plumbing shared by Ring Attention and TokenRing: tags, the communication
ledger, input checks that run before any message, timed waits, and a gloo process launcher.

Two message streams between the same pair of ranks must carry distinct tags, or gloo may
match a receive with the wrong send: Ring uses KTAG/VTAG, TokenRing QTAG for queries and a
distinct tag per partial result (OTAG + owner * N + step), so partials that overtake each
other can never be confused.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

KTAG, VTAG, QTAG, OTAG = 1, 2, 3, 1000


def partial_tag(owner: int, step: int, n: int) -> int:
    """The tag of the partial (out, lse) of Q_owner computed at `step`: unique per message."""
    return OTAG + owner * n + step


class PeerTimeout(RuntimeError):
    """A peer did not complete a send or receive in time (or went away), at a given step."""


@dataclass
class Ledger:
    """Every message a rank sent, and the wall time of each step's compute and waits.

    sends / recvs: (src, dst, tag, step, bytes) tuples of posted isends / irecvs;
    compute_s / wait_s: step -> seconds.
    """

    sends: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    recvs: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    compute_s: dict[int, float] = field(default_factory=dict)
    wait_s: dict[int, float] = field(default_factory=dict)

    def record(
        self, src: int, dst: int, tag: int, step: int, tensor: torch.Tensor, *, recv: bool = False
    ) -> None:
        entry = (src, dst, tag, step, tensor.numel() * tensor.element_size())
        (self.recvs if recv else self.sends).append(entry)

    def add_time(self, kind: str, step: int, seconds: float) -> None:
        table = self.compute_s if kind == "compute" else self.wait_s
        table[step] = table.get(step, 0.0) + seconds


def link_bytes(ledgers: list[Ledger]) -> dict[tuple[int, int, int], int]:
    """Bytes per (step, src, dst) directed link, summed over all ranks' ledgers."""
    out: dict[tuple[int, int, int], int] = {}
    for led in ledgers:
        for src, dst, _tag, step, nbytes in led.sends:
            out[(step, src, dst)] = out.get((step, src, dst), 0) + nbytes
    return out


def check_inputs(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, gqa: bool) -> None:
    """ValueError naming the argument unless q (B,H,s,D), k, v (B,Hkv,s,D) are valid shards."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor) or t.dim() != 4:
            raise ValueError(f"{name} must be a 4-d tensor (B, H, S/N, D)")
        if t.device.type != "cpu":
            raise ValueError(f"{name} must be on the CPU for the gloo backend, got {t.device}")
        if not t.is_contiguous():
            raise ValueError(f"{name} must be contiguous (gloo sends contiguous buffers only)")
        if t.dtype not in (torch.float32, torch.float64):
            raise ValueError(f"{name} must be float32 or float64, got {t.dtype}")
    if k.shape != v.shape or q.dtype != k.dtype or k.dtype != v.dtype:
        raise ValueError(f"k and v must match q's dtype and each other, got {k.shape}, {v.shape}")
    b, h, s, d = q.shape
    if (k.shape[0], k.shape[2], k.shape[3]) != (b, s, d):
        raise ValueError(f"k must be (B={b}, Hkv, S/N={s}, D={d}), got {tuple(k.shape)}")
    hkv = k.shape[1]
    if h != hkv and not gqa:
        raise ValueError(f"q has {h} heads but k/v have {hkv}: a head mismatch needs gqa=True")
    if h % hkv != 0:
        raise ValueError(f"GQA needs H divisible by Hkv, got H={h}, Hkv={hkv}")


def agree(ok: bool, error: str, rank: int, timeout_s: float) -> None:
    """All ranks learn whether every rank's inputs are valid, so a bad input raises everywhere.

    One all-reduce of a flag, before any point-to-point message: a rank with bad inputs raises
    its own error, every other rank a ValueError naming the failing rank, and none hangs (a
    missing peer is a PeerTimeout at step 0).
    """
    flag = torch.tensor([rank if not ok else -1], dtype=torch.int64)
    work = dist.all_reduce(flag, op=dist.ReduceOp.MAX, async_op=True)
    timed_wait(work, rank=rank, step=0, what="input agreement", timeout_s=timeout_s)
    if not ok:
        raise ValueError(error)
    if int(flag) >= 0:
        raise ValueError(f"rank {int(flag)} rejected its inputs; no message was sent")


def timed_wait(work: Any, *, rank: int, step: int, what: str, timeout_s: float) -> None:
    """Wait for an isend/irecv; PeerTimeout naming the rank and step when a peer is missing."""
    try:
        work.wait(timeout=dt.timedelta(seconds=timeout_s))
    except RuntimeError as e:
        raise PeerTimeout(f"rank {rank} step {step}: {what} failed: {e}") from e


def post(op: Callable, tensor: torch.Tensor, peer: int, tag: int, *, rank: int, step: int) -> Any:
    """isend/irecv that reports a vanished peer as PeerTimeout with the step number."""
    try:
        return op(tensor, peer, tag=tag)
    except RuntimeError as e:
        raise PeerTimeout(f"rank {rank} step {step}: peer {peer} unreachable: {e}") from e


def _worker(rank: int, world: int, store: str, out_dir: str, fn: Callable, args: tuple) -> None:
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"file://{store}",
        rank=rank,
        world_size=world,
        timeout=dt.timedelta(seconds=60),
    )
    try:
        result: Any = fn(rank, world, *args)
    except Exception as e:  # every rank reports its own failure to the parent
        result = e
    with open(Path(out_dir) / f"rank{rank}.pkl", "wb") as f:
        pickle.dump(result, f)
    try:
        dist.destroy_process_group()
    except RuntimeError:
        pass


def launch(fn: Callable[..., Any], world: int, *args: Any) -> list[Any]:
    """Run fn(rank, world, *args) in `world` gloo processes; returns each rank's result.

    A rank that raised returns its exception object (the launcher never hides which ranks
    failed); fn must be a module-level function. Uses fork where available (fast start).
    """
    if world < 1:
        raise ValueError(f"world size must be >= 1, got {world}")
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store")
        mp.start_processes(
            _worker, args=(world, store, tmp, fn, args), nprocs=world, start_method=method
        )
        results = []
        for r in range(world):
            with open(Path(tmp) / f"rank{r}.pkl", "rb") as f:
                results.append(pickle.load(f))
    return results


def raise_first(results: list[Any]) -> list[Any]:
    """Re-raise the first rank's exception, if any; else return the results."""
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def gloo_capability_check(rank: int, world: int) -> dict[str, bool]:
    """Checks this gloo build does what both methods rely on (run under `launch`, world >= 2).

    tags_match: tagged isend/irecv posted in opposite orders, in both directions of a pair at
    once, match by tag. rejects_noncontiguous: gloo refuses a non-contiguous CPU tensor (which
    is why `check_inputs` rejects one before any message).
    """
    peer, prev = (rank + 1) % world, (rank - 1) % world
    s1 = dist.isend(torch.full((4,), float(rank)), peer, tag=11)
    s2 = dist.isend(torch.full((4,), rank + 0.5), prev, tag=12)
    ra, rb = torch.empty(4), torch.empty(4)
    w_b = dist.irecv(rb, peer, tag=12)
    w_a = dist.irecv(ra, prev, tag=11)
    for w in (w_b, w_a, s1, s2):
        w.wait()
    try:
        dist.isend(torch.ones(4, 4).t(), peer, tag=13)
        rejects = False
    except (RuntimeError, ValueError):
        rejects = True
    return {
        "tags_match": bool((ra == prev).all() and (rb == peer + 0.5).all()),
        "rejects_noncontiguous": rejects,
    }
