"""Run Ring Attention or TokenRing for real over N gloo processes on one machine.

The parent validates shapes (so a bad S fails before any process starts), each rank takes its
shard, runs the method, and returns its output shard, its ledger and its timings; the parent
re-assembles the full (B, H, S, D) output.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import torch

from tokenring.baselines import ring_attention
from tokenring.comm import Ledger, check_inputs, launch, raise_first
from tokenring.partition import check_divisible, shard, unshard
from tokenring.tokenring import TOPOLOGIES, token_ring_attention

METHODS = ("ring", "tokenring")


@dataclass
class RankResult:
    """One rank's output shard (B, H, S/N, D), lse shard (B, H, S/N), ledger and timings."""

    out: torch.Tensor
    lse: torch.Tensor
    ledger: Ledger
    times_s: list[float]


def _call(method: str, q, k, v, opts: dict[str, Any], ledger: Ledger):
    if method == "ring":
        return ring_attention(q, k, v, ledger=ledger, **opts)
    return token_ring_attention(q, k, v, ledger=ledger, **opts)


def _rank_job(
    rank: int,
    world: int,
    method: str,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    opts: dict[str, Any],
    jitter_s: float,
    seed: int,
) -> RankResult:
    layout = opts.get("layout", "contiguous")
    qs, ks, vs = (shard(x, world, rank, layout) for x in (q, k, v))
    if jitter_s > 0:  # a random per-rank delay, to test that no schedule depends on timing
        time.sleep(random.Random(seed * 1000 + rank).uniform(0, jitter_s))
    ledger = Ledger()
    t0 = time.perf_counter()
    out, lse = _call(method, qs, ks, vs, opts, ledger)
    return RankResult(out, lse, ledger, [time.perf_counter() - t0])


def sequence_parallel_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    n: int,
    method: str,
    *,
    causal: bool = False,
    layout: str = "contiguous",
    topology: str = "mesh",
    gqa: bool = False,
    jitter_s: float = 0.0,
    timeout_s: float = 30.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, list[RankResult]]:
    """`method` over `n` gloo processes on full q (B, H, S, D), k, v (B, Hkv, S, D).

    Returns out (B, H, S, D), lse (B, H, S) and each rank's RankResult.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if topology not in TOPOLOGIES:
        raise ValueError(f"topology must be one of {TOPOLOGIES}, got {topology!r}")
    check_inputs(q, k, v, gqa=gqa)
    check_divisible(q.shape[2], n, layout)
    opts: dict[str, Any] = dict(causal=causal, layout=layout, gqa=gqa, timeout_s=timeout_s)
    if method == "tokenring":
        opts["topology"] = topology
    results = raise_first(launch(_rank_job, n, method, q, k, v, opts, jitter_s, seed))
    out = unshard([r.out for r in results], layout)
    lse = unshard([r.lse.unsqueeze(-1) for r in results], layout).squeeze(-1)
    return out, lse, results
