"""TokenRing (Wang et al. 2024, §3): keep K/V still, move the queries, send partial outputs home.

Rank r keeps K_r, V_r. At step i it holds the query block Q_o, o = (r - i) mod N (its own Q_r at
step 0), and computes the partial (block_out, block_lse) of Q_o against its local K_r, V_r. In
the same step it forwards Q_o to r+1 (tag QTAG) and sends the partial it computed at step i-1
to that query's owner (a distinct tag per partial), both overlapped with the compute. The owner
merges partials as they arrive with the exact log-sum-exp merge; the last partial leaves after
step N-1 (the tail, step N). Queries flow r -> r+1 while partials flow back towards the owners,
so both directions of every link carry data: for MHA each busiest link direction carries
|Q| + |out| + |lse| ~ |Q| per step, against Ring's |K| + |V| = 2|Q|.

Topology ("mesh"): every partial goes straight to its owner (a fully connected mesh, as in the
paper). Topology ("ring"): partials travel backwards hop by hop r -> r-1 -> ... -> owner, so
only neighbour links are used and the partial of step j arrives after j hops (step 2j).
Fully masked (Q, KV) pairs under causal masking skip both the compute and the message; the
static rule in `partition.visibility` lets sender and receiver agree without talking.
"""

from __future__ import annotations

import time

import torch
import torch.distributed as dist

from tokenring.attention import attend_visible, empty_partial, merge_rows
from tokenring.comm import QTAG, Ledger, agree, check_inputs, partial_tag, post, timed_wait
from tokenring.partition import check_divisible, visibility

TOPOLOGIES = ("mesh", "ring")


def partial_route(owner: int, step: int, n: int, topology: str) -> list[tuple[int, int, int]]:
    """The hops (send step, src, dst) of the partial of Q_owner computed at `step` (>= 1)."""
    computer = (owner + step) % n
    if topology == "mesh":
        return [(step + 1, computer, owner)]
    return [(step + 1 + h, (computer - h) % n, (computer - h - 1) % n) for h in range(step)]


def n_steps(n: int, topology: str) -> int:
    """Steps including the tail: N + 1 for the mesh, 2N - 1 for the ring (at least N + 1)."""
    return n + 1 if topology == "mesh" else max(n + 1, 2 * n - 1)


def token_ring_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    causal: bool = False,
    layout: str = "contiguous",
    topology: str = "mesh",
    gqa: bool = False,
    ledger: Ledger | None = None,
    timeout_s: float = 30.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """This rank's share of TokenRing (call on every rank of the default process group).

    q: (B, H, S/N, D), k, v: (B, Hkv, S/N, D) this rank's shards in `layout`.
    Returns out (B, H, S/N, D) and lse (B, H, S/N) for this rank's own queries Q_r.
    """
    rank, n = dist.get_rank(), dist.get_world_size()
    error = ""
    try:
        check_inputs(q, k, v, gqa=gqa)
        check_divisible(q.shape[2] * n, n, layout)
        if topology not in TOPOLOGIES:
            raise ValueError(f"topology must be one of {TOPOLOGIES}, got {topology!r}")
    except ValueError as e:
        error = str(e)
    agree(not error, error, rank, timeout_s)
    s, (b, h, _, d) = q.shape[2] * n, q.shape
    ledger = ledger if ledger is not None else Ledger()

    # Every hop of every visible partial, known statically on every rank: step -> hops.
    hops: dict[int, list[tuple[int, int, int, int]]] = {}
    for owner in range(n):
        for j in range(1, n):
            if visibility(s, n, owner, (owner + j) % n, layout, causal).empty:
                continue
            for t, src, dst in partial_route(owner, j, n, topology):
                hops.setdefault(t, []).append((owner, j, src, dst))

    out, lse = empty_partial(q)
    q_cur, held = q, {}  # held: (owner, step) -> packed partial waiting to be sent on
    for i in range(n_steps(n, topology)):
        works, recvs = [], []
        if i < n - 1:
            q_next = torch.empty_like(q)
            works.append(post(dist.isend, q_cur, (rank + 1) % n, QTAG, rank=rank, step=i))
            ledger.record(rank, (rank + 1) % n, QTAG, i, q_cur)
            works.append(post(dist.irecv, q_next, (rank - 1) % n, QTAG, rank=rank, step=i))
            ledger.record((rank - 1) % n, rank, QTAG, i, q_next, recv=True)
        for owner, j, src, dst in hops.get(i, []):
            tag = partial_tag(owner, j, n)
            if src == rank:
                msg = held.pop((owner, j))
                works.append(post(dist.isend, msg, dst, tag, rank=rank, step=i))
                ledger.record(rank, dst, tag, i, msg)
            elif dst == rank:
                rows = visibility(s, n, owner, (owner + j) % n, layout, causal).n_rows
                buf = q.new_empty(b, h, rows, d + 1)
                works.append(post(dist.irecv, buf, src, tag, rank=rank, step=i))
                ledger.record(src, rank, tag, i, buf, recv=True)
                recvs.append((owner, j, buf))
        t0 = time.perf_counter()
        if i < n:
            o = (rank - i) % n
            vis = visibility(s, n, o, rank, layout, causal)
            if not vis.empty:
                o_b, l_b = attend_visible(q_cur, k, v, vis.rows, vis.cols, vis.mask)
                if o == rank:
                    out, lse = merge_rows(out, lse, vis.rows, o_b, l_b)
                else:
                    held[(o, i)] = torch.cat([o_b, l_b.unsqueeze(-1)], dim=-1)
        t1 = time.perf_counter()
        ledger.add_time("compute", i, t1 - t0)
        for w in works:
            timed_wait(w, rank=rank, step=i, what="Q/partial exchange", timeout_s=timeout_s)
        for owner, j, buf in recvs:
            if owner == rank:  # arrived home: merge (order-independent)
                rows = visibility(s, n, owner, (owner + j) % n, layout, causal).rows
                out, lse = merge_rows(out, lse, rows, buf[..., :d], buf[..., d])
            else:  # ring topology: pass it on next step
                held[(owner, j)] = buf
        ledger.add_time("wait", i, time.perf_counter() - t1)
        if i < n - 1:
            q_cur = q_next
    return out, lse
