"""Ring Attention (Liu et al. 2023, as implemented in zhuzilin/ring-flash-attention): the baseline.

Rank r keeps its query block Q_r. At step i = 0..N-1 it computes Q_r against the key/value
block (K, V)_{(r-i) mod N} it currently holds, while it `isend`s that block to r+1 and
`irecv`s the next one from r-1, so K and V travel one way round the ring. Per step each rank
sends 2|KV block| bytes over one link direction; the opposite direction stays idle. Under causal
masking fully masked blocks skip their compute (never their forwarding: a later rank needs them).
"""

from __future__ import annotations

import time

import torch
import torch.distributed as dist

from tokenring.attention import attend_visible, empty_partial, merge_rows
from tokenring.comm import KTAG, VTAG, Ledger, agree, check_inputs, post, timed_wait
from tokenring.partition import check_divisible, visibility


def ring_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    causal: bool = False,
    layout: str = "contiguous",
    gqa: bool = False,
    ledger: Ledger | None = None,
    timeout_s: float = 30.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """This rank's share of Ring Attention (call on every rank of the default process group).

    q: (B, H, S/N, D), k, v: (B, Hkv, S/N, D) this rank's shards in `layout`.
    Returns out (B, H, S/N, D) and lse (B, H, S/N) for this rank's queries.
    """
    rank, n = dist.get_rank(), dist.get_world_size()
    error = ""
    try:
        check_inputs(q, k, v, gqa=gqa)
        check_divisible(q.shape[2] * n, n, layout)
    except ValueError as e:
        error = str(e)
    agree(not error, error, rank, timeout_s)
    s = q.shape[2] * n
    ledger = ledger if ledger is not None else Ledger()
    out, lse = empty_partial(q)
    for i in range(n):
        works = []
        if i < n - 1:
            k_next, v_next = torch.empty_like(k), torch.empty_like(v)
            for t, tag in ((k, KTAG), (v, VTAG)):
                works.append(post(dist.isend, t, (rank + 1) % n, tag, rank=rank, step=i))
                ledger.record(rank, (rank + 1) % n, tag, i, t)
            for t, tag in ((k_next, KTAG), (v_next, VTAG)):
                works.append(post(dist.irecv, t, (rank - 1) % n, tag, rank=rank, step=i))
                ledger.record((rank - 1) % n, rank, tag, i, t, recv=True)
        t0 = time.perf_counter()
        vis = visibility(s, n, rank, (rank - i) % n, layout, causal)
        if not vis.empty:
            o_b, l_b = attend_visible(q, k, v, vis.rows, vis.cols, vis.mask)
            out, lse = merge_rows(out, lse, vis.rows, o_b, l_b)
        t1 = time.perf_counter()
        ledger.add_time("compute", i, t1 - t0)
        for w in works:
            timed_wait(w, rank=rank, step=i, what="K/V exchange", timeout_s=timeout_s)
        ledger.add_time("wait", i, time.perf_counter() - t1)
        if i < n - 1:
            k, v = k_next, v_next
    return out, lse
