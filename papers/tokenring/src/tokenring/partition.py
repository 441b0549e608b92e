"""How the sequence is split over N ranks, and which (Q block, KV block) pairs are visible.

`contiguous`: rank r holds tokens [r S/N, (r+1) S/N). `zigzag` (ring-flash-attention's layout
for causal load balance): the sequence is cut into 2N chunks and rank r holds chunks r and
2N-1-r, so every rank owns one early and one late chunk.

Under causal masking a query block may see all, part or none of a key block. The rule that
decides it is static (it depends only on N, S, the layout and the two ranks), so a sender and
its receiver agree on every skipped computation and skipped message without communicating.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

LAYOUTS = ("contiguous", "zigzag")


def check_divisible(s: int, n: int, layout: str) -> None:
    """ValueError unless a sequence of length S splits evenly over N ranks in `layout`."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if n < 1:
        raise ValueError(f"world size N must be >= 1, got {n}")
    parts = 2 * n if layout == "zigzag" else n
    if s % parts != 0:
        raise ValueError(
            f"sequence length S={s} must be divisible by {'2N' if layout == 'zigzag' else 'N'}"
            f"={parts} for the {layout} layout"
        )


def positions(s: int, n: int, rank: int, layout: str) -> torch.Tensor:
    """Global token positions (S/N,) held by `rank`."""
    check_divisible(s, n, layout)
    if layout == "contiguous":
        return torch.arange(rank * (s // n), (rank + 1) * (s // n))
    c = s // (2 * n)
    return torch.cat(
        [
            torch.arange(rank * c, (rank + 1) * c),
            torch.arange((2 * n - 1 - rank) * c, (2 * n - rank) * c),
        ]
    )


def shard(x: torch.Tensor, n: int, rank: int, layout: str) -> torch.Tensor:
    """Rank's slice of x (B, H, S, D) along the sequence: (B, H, S/N, D), contiguous."""
    return x[:, :, positions(x.shape[2], n, rank, layout)].contiguous()


def unshard(parts: list[torch.Tensor], layout: str) -> torch.Tensor:
    """Inverse of `shard`: N tensors (B, H, S/N, ...) -> (B, H, S, ...)."""
    n = len(parts)
    s = parts[0].shape[2] * n
    out = parts[0].new_empty((*parts[0].shape[:2], s, *parts[0].shape[3:]))
    for r, p in enumerate(parts):
        out[:, :, positions(s, n, r, layout)] = p
    return out


@dataclass(frozen=True)
class Visibility:
    """What Q block `q_rank` sees of KV block `kv_rank`.

    rows: (Sq,) bool, queries that see at least one key (only these are computed and sent);
    cols: (Sk,) bool, keys seen by at least one query; mask: (rows.sum(), cols.sum()) bool or None
    when every kept query sees every kept key; pairs: number of (query, key) pairs computed.
    """

    rows: torch.Tensor
    cols: torch.Tensor
    mask: torch.Tensor | None
    pairs: int

    @property
    def empty(self) -> bool:
        return self.pairs == 0

    @property
    def n_rows(self) -> int:
        return int(self.rows.sum())


@lru_cache(maxsize=4096)  # static per (S, N, ranks, layout): computed once, then reused
def visibility(s: int, n: int, q_rank: int, kv_rank: int, layout: str, causal: bool) -> Visibility:
    """The static skip rule for one (Q block, KV block) pair."""
    qp, kp = positions(s, n, q_rank, layout), positions(s, n, kv_rank, layout)
    if not causal:
        full = torch.ones(len(qp), dtype=torch.bool)
        return Visibility(full, full, None, len(qp) * len(kp))
    m = qp[:, None] >= kp[None, :]
    rows, cols = m.any(1), m.any(0)
    sub = m[rows][:, cols]
    return Visibility(rows, cols, None if bool(sub.all()) else sub, int(m.sum()))


def causal_pairs_per_rank(s: int, n: int, layout: str, stationary: str) -> list[int]:
    """Visible (query, key) pairs each rank computes over all N steps (its causal FLOP share).

    stationary = "q" for Ring Attention (rank r keeps Q_r, sees every KV block), "kv" for
    TokenRing (rank r keeps K_r, V_r, sees every Q block).
    """
    if stationary not in ("q", "kv"):
        raise ValueError(f"stationary must be 'q' or 'kv', got {stationary!r}")
    pairs = [
        [visibility(s, n, q, kv, layout, causal=True).pairs for kv in range(n)] for q in range(n)
    ]
    if stationary == "q":
        return [sum(row) for row in pairs]
    return [sum(pairs[q][kv] for q in range(n)) for kv in range(n)]
