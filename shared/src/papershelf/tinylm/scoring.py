"""Scoring by teacher forcing, and continuing a cached prefix (for tree search).

`score` gives, for each (prompt, completion), the log-probability of every completion token
c_t given `<bos>` + prompt + c_<t under the raw model (τ = 1): the same numbers `Sample.logprobs`
reports for a sampled completion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from papershelf.tinylm.model import KVCache, TinyGPT
from papershelf.tinylm.sampling import check_prompts, inference
from papershelf.tinylm.tokenizers import Tokenizer

Completion = str | Sequence[int]
"""A completion as text (encoded by the tokenizer) or as token ids (e.g. `Sample.token_ids`)."""

ForwardFn = Callable[[Tensor, Tensor], Tensor]
"""(ids [B, L], attention mask [B, L]) -> logits [B, L, V]."""


def completion_ids(
    completions: Sequence[Completion], n_prompts: int, vocab_size: int, encode: Callable
) -> list[list[int]]:
    """Token ids of each completion; their count must match the prompts'."""
    if isinstance(completions, str) or not isinstance(completions, Sequence):
        raise TypeError(f"completions must be a list, got {type(completions).__name__}")
    if len(completions) != n_prompts:
        raise ValueError(
            f"got {n_prompts} prompts but {len(completions)} completions; they must pair up"
        )
    out = []
    for i, c in enumerate(completions):
        ids = encode(c) if isinstance(c, str) else [int(t) for t in c]
        bad = [t for t in ids if not 0 <= t < vocab_size]
        if bad:
            raise ValueError(f"completion {i} has token ids {bad[:5]} outside [0, {vocab_size})")
        out.append(ids)
    return out


def score_loop(
    forward: ForwardFn,
    pairs: Sequence[tuple[list[int], list[int]]],
    batch_size: int,
    pad_id: int,
    device: torch.device,
) -> list[np.ndarray]:
    """Log-probs of each completion [N_i] given its prompt, from right-padded batches of
    (prompt ids, completion ids) pairs."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    out = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        seqs = [p + c for p, c in chunk]
        L = max(len(s) for s in seqs)
        ids = torch.tensor([s + [pad_id] * (L - len(s)) for s in seqs], device=device)
        mask = torch.tensor([[1] * len(s) + [0] * (L - len(s)) for s in seqs], device=device)
        logits = forward(ids, mask).float()
        # log p(x_{t+1} | x_≤t) = ℓ_t[x_{t+1}] - logsumexp(ℓ_t)
        nxt = ids[:, 1:, None]
        lp = (logits[:, :-1].gather(-1, nxt)[..., 0] - logits[:, :-1].logsumexp(-1)).cpu()
        for b, (p, c) in enumerate(chunk):
            out.append(lp[b, len(p) - 1 : len(p) - 1 + len(c)].numpy().astype(np.float32))
    return out


def score(
    model: TinyGPT,
    tok: Tokenizer,
    prompts: Sequence[str],
    completions: Sequence[Completion],
    batch_size: int = 256,
) -> list[np.ndarray]:
    """Per-token log-probs of each completion given `<bos>` + prompt: a float32 array [N_i]
    per pair, N_i the completion's token count (no `<eos>` is appended)."""
    prompt_ids = [tok.encode(p, bos=True) for p in check_prompts(prompts)]
    comp_ids = completion_ids(completions, len(prompt_ids), model.cfg.vocab_size, tok.encode)
    pairs = list(zip(prompt_ids, comp_ids, strict=True))
    for i, (p, c) in enumerate(pairs):
        if len(p) + len(c) > model.cfg.max_len:
            raise ValueError(
                f"pair {i} has {len(p)} + {len(c)} tokens, more than max_len={model.cfg.max_len}"
            )
    with inference(model):
        return score_loop(
            lambda ids, mask: model(ids, attn_mask=mask)[0],
            pairs,
            batch_size,
            tok.pad_id,
            model.tok_emb.weight.device,
        )


def extend(
    model: TinyGPT, kv: KVCache | None, ids: Tensor | Sequence[int]
) -> tuple[Tensor, KVCache]:
    """Continue a cached prefix by new tokens `ids` [B, T] (or a list of T ids: one row).

    Returns (log-probs of the token after each new position [B, T, V], the cache over
    prefix + ids). `kv=None` starts from an empty prefix; a prefix cached for one row is shared
    by all B rows, so a tree search can branch one node into B children in one call. `kv` itself
    is left as it was. Rows have no padding here; batches of prefixes of different lengths go
    through `model(ids, attn_mask=..., past_kv=..., use_cache=True)`.
    """
    device = model.tok_emb.weight.device
    ids = torch.as_tensor(ids, dtype=torch.long, device=device)
    if ids.dim() == 1:
        ids = ids[None]
    if ids.dim() != 2 or ids.shape[1] == 0:
        raise ValueError(f"ids must be [B, T] with T >= 1, got shape {tuple(ids.shape)}")
    B = ids.shape[0]
    if kv is not None and kv[0][0].shape[0] != B:
        if kv[0][0].shape[0] != 1:
            raise ValueError(
                f"the prefix has batch {kv[0][0].shape[0]} but ids have {B} rows; give one row "
                "per prefix row, or a prefix of batch 1 to share"
            )
        kv = tuple((k.expand(B, -1, -1, -1), v.expand(B, -1, -1, -1)) for k, v in kv)
    with inference(model):
        logits, new_kv = model(ids, past_kv=kv, use_cache=True)
    return logits.float().log_softmax(-1), new_kv
