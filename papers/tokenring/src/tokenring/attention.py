"""Blockwise attention with log-sum-exp statistics, and the exact merge of partial results.

Sequence parallelism splits softmax attention over key/value blocks. A block returns
`out = softmax(q kᵀ / √D) v` over its keys only, and `lse = log Σ_j exp(q k_jᵀ / √D)`. Two
partials over disjoint key sets combine exactly (the online-softmax identity used by Ring
Attention and, for partials travelling back to their owner, by TokenRing, §3):

    out <- out - σ(lse_b - lse) · (out - out_b)
    lse <- lse - log σ(lse - lse_b)

which is `(e^lse out + e^lse_b out_b) / (e^lse + e^lse_b)` and `log(e^lse + e^lse_b)` written so
that nothing overflows. A fully masked partial has lse = -inf and merges as a no-op.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def blockwise_attn(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal_mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention of q over one key/value block.

    q: (B, H, Sq, D); k, v: (B, Hkv, Sk, D) with H a multiple of Hkv (GQA repeats KV heads);
    causal_mask: (Sq, Sk) bool, True where query i may attend key j, or None for all.
    Returns out (B, H, Sq, D) and lse (B, H, Sq) in q's dtype; rows that see no key get
    out = 0 and lse = -inf. NaN in any input propagates to the output.
    """
    h, hkv = q.shape[1], k.shape[1]
    if h != hkv:
        k = k.repeat_interleave(h // hkv, dim=1)
        v = v.repeat_interleave(h // hkv, dim=1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if causal_mask is not None:
        scores = scores.masked_fill(~causal_mask, float("-inf"))
    lse = torch.logsumexp(scores, dim=-1)
    finite = torch.isfinite(lse) | torch.isnan(lse)
    p = torch.exp(scores - torch.where(finite, lse, 0.0).unsqueeze(-1))
    out = torch.where(finite.unsqueeze(-1), p @ v, 0.0)
    return out, lse


def empty_partial(q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The merge identity for queries q (B, H, Sq, D): out = 0, lse = -inf."""
    return torch.zeros_like(q), torch.full(q.shape[:-1], float("-inf"), dtype=q.dtype)


def merge(
    out: torch.Tensor, lse: torch.Tensor, out_b: torch.Tensor, lse_b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Merge partial (out_b, lse_b) into (out, lse); shapes (..., Sq, D) and (..., Sq).

    Order-independent up to rounding: merging is associative and commutative. lse must be
    fp32 or fp64 (a low-precision lse drifts as partials accumulate).
    """
    if lse.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"lse must be float32 or float64, got {lse.dtype}")
    a_empty, b_empty = torch.isneginf(lse), torch.isneginf(lse_b)
    # lse_b - lse is NaN when both are -inf; an empty side must leave the other untouched.
    diff = torch.where(a_empty & b_empty, 0.0, lse_b - lse)
    new_out = out - torch.sigmoid(diff).unsqueeze(-1) * (out - out_b)
    new_lse = lse - F.logsigmoid(lse - lse_b)
    new_lse = torch.where(a_empty, lse_b, torch.where(b_empty, lse, new_lse))
    return new_out, new_lse


def attend_visible(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    rows: torch.Tensor,
    cols: torch.Tensor,
    mask: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """blockwise_attn restricted to the visible query rows and key columns of a block.

    rows: (Sq,) bool, cols: (Sk,) bool, mask: (rows.sum(), cols.sum()) bool or None.
    Returns out (B, H, rows.sum(), D), lse (B, H, rows.sum()).
    """
    if not bool(rows.all()):
        q = q[:, :, rows]
    if not bool(cols.all()):
        k, v = k[:, :, cols], v[:, :, cols]
    return blockwise_attn(q, k, v, mask)


def merge_rows(
    out: torch.Tensor,
    lse: torch.Tensor,
    rows: torch.Tensor,
    out_b: torch.Tensor,
    lse_b: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Merge a partial covering only query `rows` (Sq,) bool into the full accumulator."""
    if bool(rows.all()):
        return merge(out, lse, out_b, lse_b)
    out, lse = out.clone(), lse.clone()
    out[:, :, rows], lse[:, :, rows] = merge(out[:, :, rows], lse[:, :, rows], out_b, lse_b)
    return out, lse


def reference_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Full softmax attention on one device: out (B, H, S, D) and lse (B, H, S)."""
    s = q.shape[2]
    mask = torch.ones(s, s, dtype=torch.bool).tril() if causal else None
    return blockwise_attn(q, k, v, mask)
