"""Sampling: batched, left-padded, KV-cached generation with Hugging Face warping semantics.

Each step turns the next-token logits ℓ [B, V] into a distribution in the Hugging Face order:

    temperature   ℓ / τ                 (τ = 0 means greedy: the arg max, ties to the lowest id)
    top-k         keep the k largest    (k = 0: all)
    top-p         keep the smallest set whose probability sums to ≥ p, the most probable first;
                  like `transformers.TopPLogitsWarper`, a token is dropped when the mass of the
                  tokens less probable than or as probable as it, itself included, is ≤ 1 - p

and draws from it by inverse CDF with one uniform per step. Sample j of a prompt takes its
uniforms from `np.random.default_rng([seed, j, hash(prompt ids)])`, so a sample depends only on
(prompt, j, seed): not on the batch it lands in, its padding, or the other prompts.

`generate` drives a TinyGPT; `HFBackend` (hf.py) drives a Hugging Face model through the same
loop (`sample_loop`), so the two share every warping and stopping rule.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor, nn

from papershelf.tinylm.model import TinyGPT
from papershelf.tinylm.tokenizers import Tokenizer

StepFn = Callable[[Tensor, Tensor, Any], tuple[Tensor, Any]]
"""(new ids [B, T], attention mask [B, S] over prefix + new, cache or None) ->
(logits of the next token [B, V], cache)."""


@dataclass(frozen=True, eq=False)  # eq would compare arrays; compare token_ids instead
class Sample:
    """One completion.

    text              the decoded completion, cut before the first stop string; no `<eos>`
    token_ids         the generated tokens wholly before the stop (or `<eos>`), [N]
    logprobs          log p(token) under the raw model (log-softmax at τ = 1), [N] float32
    sampled_logprobs  log p(token) under the warped distribution it was drawn from, [N]
                      (0 under greedy decoding)
    finish_reason     "stop" (`<eos>` or a stop string) or "length" (max_new_tokens reached)

    `text == decode(token_ids)` unless a stop string begins inside a token; then `text` also
    holds that token's part before the stop.
    """

    text: str
    token_ids: list[int]
    logprobs: np.ndarray
    sampled_logprobs: np.ndarray
    finish_reason: Literal["stop", "length"]


def check_sampling_args(
    n: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    top_k: int,
    seed: int,
    batch_size: int,
) -> None:
    """Raise ValueError / TypeError naming the first bad argument."""
    for name, value, low in (
        ("n", n, 1),
        ("max_new_tokens", max_new_tokens, 1),
        ("top_k", top_k, 0),
        ("seed", seed, 0),
        ("batch_size", batch_size, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{name} must be an int, got {value!r}")
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
    if not (isinstance(temperature, int | float) and math.isfinite(temperature)):
        raise TypeError(f"temperature must be a finite number, got {temperature!r}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
    if not (isinstance(top_p, int | float) and 0 < top_p <= 1):
        raise ValueError(f"top_p must be in (0, 1], got {top_p!r}")


def check_prompts(prompts: Sequence[str], name: str = "prompts") -> list[str]:
    """A non-empty list of strings (a bare string is refused: it would be read as characters)."""
    if isinstance(prompts, str) or not isinstance(prompts, Sequence):
        raise TypeError(f"{name} must be a list of str, got {type(prompts).__name__}")
    if len(prompts) == 0:
        raise ValueError(f"{name} is empty")
    bad = [i for i, p in enumerate(prompts) if not isinstance(p, str)]
    if bad:
        raise TypeError(f"{name}[{bad[0]}] must be a str, got {type(prompts[bad[0]]).__name__}")
    return list(prompts)


def check_stop(stop: Sequence[str]) -> tuple[str, ...]:
    """Stop strings as a tuple of non-empty strings."""
    if isinstance(stop, str):
        raise TypeError(f"stop must be a sequence of strings, e.g. ({stop!r},), got a str")
    stop = tuple(stop)
    if any(not isinstance(s, str) or not s for s in stop):
        raise ValueError(f"stop strings must be non-empty str, got {stop!r}")
    return stop


def warp(logits: Tensor, temperature: float, top_k: int = 0, top_p: float = 1.0) -> Tensor:
    """logits [B, V] -> warped logits [B, V] (float32; dropped tokens -inf), temperature > 0.

    Order and conventions of Hugging Face: ℓ/τ, then top-k, then top-p (module docstring)."""
    x = logits.float() / temperature
    if 0 < top_k < x.shape[-1]:
        kth = torch.topk(x, top_k, dim=-1).values[:, -1:]
        x = x.masked_fill(x < kth, -math.inf)
    if top_p < 1.0:
        ascending, order = torch.sort(x, dim=-1)
        mass_up_to = ascending.softmax(-1).cumsum(-1)
        drop = mass_up_to <= 1 - top_p
        drop[:, -1] = False  # the most probable token always stays
        x = x.masked_fill(drop.scatter(-1, order, drop), -math.inf)
    return x


def draw(warped: Tensor, u: Tensor) -> Tensor:
    """Inverse-CDF draw: warped logits [B, V], uniforms u [B] in [0, 1) -> ids [B].

    Returns the first id whose cumulative probability exceeds u, never one of probability 0."""
    probs = warped.double().softmax(-1)
    cdf = probs.cumsum(-1)
    ids = torch.searchsorted(cdf, (u.double() * cdf[:, -1])[:, None], right=True)[:, 0]
    # Rounding can carry u·total past the last token with mass; fall back to that token.
    last = probs.shape[-1] - 1 - (probs > 0).flip(-1).int().argmax(-1)
    return torch.minimum(ids, last)


def choose(
    logits: Tensor, u: Tensor, temperature: float, top_k: int, top_p: float
) -> tuple[Tensor, Tensor, Tensor]:
    """One step: logits [B, V], uniforms [B] -> (ids, raw log-probs, warped log-probs), each [B]."""
    raw = logits.float().log_softmax(-1)
    if temperature == 0:
        ids = raw.argmax(-1)
        return ids, raw.gather(-1, ids[:, None])[:, 0], torch.zeros_like(ids, dtype=raw.dtype)
    warped = warp(logits, temperature, top_k, top_p).log_softmax(-1)
    ids = draw(warped, u)
    return ids, raw.gather(-1, ids[:, None])[:, 0], warped.gather(-1, ids[:, None])[:, 0]


def sample_uniforms(prompt_ids: Sequence[int], j: int, seed: int, steps: int) -> np.ndarray:
    """The uniforms [steps] of sample j of a prompt: a function of (prompt ids, j, seed) only."""
    digest = hashlib.blake2b(np.asarray(prompt_ids, dtype=np.int64).tobytes(), digest_size=8)
    key = int.from_bytes(digest.digest(), "little")
    return np.random.default_rng([seed, j, key]).random(steps)


def sample_loop(
    step: StepFn,
    prompt_ids: Sequence[Sequence[int]],
    *,
    n: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    top_k: int,
    stop: tuple[str, ...],
    seed: int,
    batch_size: int,
    eos_ids: frozenset[int],
    pad_id: int,
    decode: Callable[[list[int]], str],
    device: torch.device,
) -> list[list[Sample]]:
    """The generation loop behind every backend: rows (prompt i, sample j) in batches of
    `batch_size`, each batch left-padded, prefilled once, then decoded one token per step on
    `device`."""
    rows = [(i, j) for i in range(len(prompt_ids)) for j in range(n)]
    out: list[list[Sample | None]] = [[None] * n for _ in prompt_ids]
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        prompts = [list(prompt_ids[i]) for i, _ in chunk]
        uniforms = np.stack(
            [sample_uniforms(prompt_ids[i], j, seed, max_new_tokens) for i, j in chunk]
        )
        samples = _decode_batch(
            step,
            prompts,
            torch.from_numpy(uniforms).to(device),
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            stop=stop,
            eos_ids=eos_ids,
            pad_id=pad_id,
            decode=decode,
        )
        for (i, j), sample in zip(chunk, samples, strict=True):
            out[i][j] = sample
    return out  # type: ignore[return-value]


def _decode_batch(
    step: StepFn,
    prompts: list[list[int]],
    uniforms: Tensor,
    *,
    temperature: float,
    top_p: float,
    top_k: int,
    stop: tuple[str, ...],
    eos_ids: frozenset[int],
    pad_id: int,
    decode: Callable[[list[int]], str],
) -> list[Sample]:
    """Generate for one batch of prompts (lists of ids); uniforms [B, max_new_tokens]."""
    (B, max_new_tokens), L = uniforms.shape, max(len(p) for p in prompts)
    device = uniforms.device
    ids = torch.tensor([[pad_id] * (L - len(p)) + p for p in prompts], device=device)
    mask = torch.tensor([[0] * (L - len(p)) + [1] * len(p) for p in prompts], device=device)
    # Book-keeping stays on tensors: a row is alive until `<eos>` or a stop string; the tokens it
    # keeps are a prefix of the drawn ones, so a count per row is enough (no per-row Python work
    # per step unless stop strings need the decoded text).
    drawn, raw_steps, warped_steps = [], [], []
    alive = torch.ones(B, dtype=torch.bool, device=device)
    stopped = torch.zeros(B, dtype=torch.bool, device=device)
    kept = torch.zeros(B, dtype=torch.long, device=device)
    tokens: list[list[int]] = [[] for _ in range(B)]  # only filled when stop strings are given
    cut_at: list[int | None] = [None] * B  # text position of the first stop string
    eos = torch.tensor(sorted(eos_ids), dtype=torch.long, device=device)
    cache = None
    for t in range(max_new_tokens):
        logits, cache = step(ids, mask, cache)
        new, lp, slp = choose(logits, uniforms[:, t], temperature, top_k, top_p)
        is_eos = torch.isin(new, eos)
        stopped |= alive & is_eos
        alive &= ~is_eos
        kept += alive
        drawn.append(new)
        raw_steps.append(lp)
        warped_steps.append(slp)
        if stop:
            new_ids = new.tolist()
            for b in alive.nonzero()[:, 0].tolist():
                tokens[b].append(new_ids[b])
                text = decode(tokens[b])
                hits = [k for k in (text.find(word) for word in stop) if k >= 0]
                if hits:
                    cut_at[b] = min(hits)
                    alive[b], stopped[b] = False, True
        if not bool(alive.any()):
            break
        ids = new[:, None]
        mask = torch.cat((mask, mask.new_ones(B, 1)), dim=1)
    counts, finished = kept.tolist(), stopped.tolist()
    drawn_ids = torch.stack(drawn, 1).tolist()
    raw_lp = torch.stack(raw_steps, 1).float().cpu().numpy()
    warped_lp = torch.stack(warped_steps, 1).float().cpu().numpy()
    tokens = [row[:c] for row, c in zip(drawn_ids, counts, strict=True)]
    finish = ["stop" if f else None for f in finished]
    samples = []
    for b in range(B):
        keep, text = len(tokens[b]), decode(tokens[b])
        if cut_at[b] is not None:
            text = text[: cut_at[b]]
            while keep > 0 and len(decode(tokens[b][:keep])) > cut_at[b]:
                keep -= 1
        samples.append(
            Sample(
                text=text,
                token_ids=tokens[b][:keep],
                logprobs=np.asarray(raw_lp[b][:keep], dtype=np.float32),
                sampled_logprobs=np.asarray(warped_lp[b][:keep], dtype=np.float32),
                finish_reason=finish[b] or "length",  # type: ignore[arg-type]
            )
        )
    return samples


@contextmanager
def inference(model: nn.Module) -> Iterator[None]:
    """Eval mode and no autograd for the `with` block; the model's mode is restored after."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            yield
    finally:
        model.train(was_training)


def encode_prompts(
    tok: Tokenizer, prompts: Sequence[str], max_len: int, room: int = 0
) -> list[list[int]]:
    """`<bos>` + encode(prompt) for each prompt; a prompt that leaves fewer than `room`
    positions free within `max_len` is an error (nothing is truncated)."""
    out = []
    for i, prompt in enumerate(check_prompts(prompts)):
        ids = tok.encode(prompt, bos=True)
        if len(ids) + room > max_len:
            raise ValueError(
                f"prompt {i} has {len(ids)} tokens (with <bos>); plus {room} new tokens that "
                f"exceeds max_len={max_len}"
            )
        out.append(ids)
    return out


def generate(
    model: TinyGPT,
    tok: Tokenizer,
    prompts: Sequence[str],
    *,
    max_new_tokens: int,
    n: int = 1,
    temperature: float = 1.0,
    top_p: float = 1.0,
    top_k: int = 0,
    stop: Sequence[str] = (),
    seed: int = 0,
    batch_size: int = 256,
) -> list[list[Sample]]:
    """n samples for each prompt: a list (one per prompt) of lists of n `Sample`s.

    Each prompt is `<bos>` + encode(prompt); generation ends at `<eos>`, at a stop string (cut
    and excluded from the sample), or after `max_new_tokens`. `temperature=0` is greedy. Raises
    ValueError when a prompt plus `max_new_tokens` exceeds the model's `max_len`.
    """
    check_sampling_args(n, max_new_tokens, temperature, top_p, top_k, seed, batch_size)
    stop = check_stop(stop)
    prompt_ids = encode_prompts(tok, prompts, model.cfg.max_len, room=max_new_tokens)

    def step(ids: Tensor, mask: Tensor, cache: Any) -> tuple[Tensor, Any]:
        logits, kv = model(ids, attn_mask=mask, past_kv=cache, use_cache=True)
        return logits[:, -1], kv

    with inference(model):
        return sample_loop(
            step,
            prompt_ids,
            n=n,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            stop=stop,
            seed=seed,
            batch_size=batch_size,
            eos_ids=frozenset({tok.eos_id}),
            pad_id=tok.pad_id,
            decode=tok.decode,
            device=model.tok_emb.weight.device,
        )
