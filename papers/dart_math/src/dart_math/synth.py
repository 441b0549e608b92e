"""The synthesis agent: the stand-in for DeepSeekMath-7B-RL, a char-level TinyGPT (the pretrained
base of `student.py`) fine-tuned on the gold step solutions of a separate seed set, then sampled
(T = 1.0, top-p 0.95) by DARS.

`LMSampler` is the `Sampler` a `SampleStream` calls: round k0 / r of a batch of queries is ONE
KV-cached `generate` call over every query in it, r samples each. tinylm draws sample j of a
prompt from a generator keyed by (seed, j, prompt), so seeding the call with (seed, k0) makes
sample k = k0 + j of a query a function of (query, k) alone: the stream does not depend on
which other queries share the round.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dart_math.tasks import Query, check
from papershelf.seeding import seed_everything
from papershelf.tinylm import CharTokenizer, TinyGPT, TinyGPTConfig, generate, train_lm

ALPHABET = "0123456789+-*=;:AQ"
MAX_LEN = 128


def tokenizer() -> CharTokenizer:
    return CharTokenizer(ALPHABET)


@dataclass(frozen=True)
class ModelShape:
    d_model: int
    n_layers: int
    n_heads: int

    def build(self, tok: CharTokenizer, seed: int) -> TinyGPT:
        seed_everything(seed)
        return TinyGPT(
            TinyGPTConfig(
                vocab_size=tok.vocab_size,
                d_model=self.d_model,
                n_layers=self.n_layers,
                n_heads=self.n_heads,
                d_ff=4 * self.d_model,
                max_len=MAX_LEN,
            )
        )


def steps_for(tokens: int, examples: Sequence[tuple[str, str]], batch_size: int) -> int:
    """Optimizer steps that read about `tokens` training tokens at this batch size."""
    mean_len = np.mean([len(p) + len(c) + 2 for p, c in examples])
    return max(1, round(tokens / (batch_size * mean_len)))


def fit(
    model: TinyGPT,
    tok: CharTokenizer,
    examples: Sequence[tuple[str, str]],
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int,
    loss_mask: str = "completion",
) -> dict:
    """The one training recipe of this folder (base, synthesis agent and every student): AdamW
    with weight decay 0.1, cosine LR with 5 % warmup, data order fixed by `seed`; trains `model`
    in place and returns train_lm's history."""
    return train_lm(
        model,
        tok,
        list(examples),
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        warmup=max(1, steps // 20),
        weight_decay=0.1,
        seed=seed,
        loss_mask=loss_mask,
    )


def train_synthesizer(
    seed_set: Sequence[Query],
    tok: CharTokenizer,
    base: TinyGPT,
    *,
    tokens: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> tuple[TinyGPT, dict]:
    """Fine-tune a copy of the pretrained `base` on (query, gold solution) pairs of the seed set,
    loss on the solution only. (DeepSeekMath-7B-RL and the DeepSeekMath-7B student share their
    pretrained base in the paper too.)"""
    examples = [(q.text, q.solution) for q in seed_set if q.solution is not None]
    if not examples:
        raise ValueError("seed_set holds no gold solutions")
    model = copy.deepcopy(base)
    steps = steps_for(tokens, examples, batch_size)
    return model, fit(model, tok, examples, steps=steps, batch_size=batch_size, lr=lr, seed=seed)


class LMSampler:
    """Sampler over a TinyGPT: `(queries, k0, r) -> r responses per query` in one generate call."""

    def __init__(
        self,
        model: TinyGPT,
        tok: CharTokenizer,
        *,
        temperature: float,
        top_p: float,
        max_new_tokens: int,
        seed: int,
        batch_size: int = 256,
    ) -> None:
        self.model, self.tok = model, tok
        self.temperature, self.top_p = temperature, top_p
        self.max_new_tokens, self.seed, self.batch_size = max_new_tokens, seed, batch_size

    def __call__(self, queries: Sequence[Query], k0: int, r: int) -> list[list[str]]:
        out = generate(
            self.model,
            self.tok,
            [q.text for q in queries],
            n=r,
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            top_p=self.top_p,
            seed=self.seed * 1_000_003 + k0,
            batch_size=self.batch_size,
        )
        return [[s.text for s in row] for row in out]


def greedy_correct(
    model: TinyGPT, tok: CharTokenizer, queries: Sequence[Query], max_new_tokens: int
) -> list[bool]:
    """Greedy decoding, exact final answer: one flag per query."""
    out = generate(
        model, tok, [q.text for q in queries], max_new_tokens=max_new_tokens, temperature=0
    )
    return [check(row[0].text, q.gold) for q, row in zip(queries, out, strict=True)]


def by_level(queries: Sequence[Query], flags: Sequence[bool]) -> dict[str, float]:
    """Mean of `flags` per level ("l1" …) and "macro" (the mean over levels)."""
    right: dict[int, list[bool]] = {}
    for q, ok in zip(queries, flags, strict=True):
        right.setdefault(q.level, []).append(ok)
    acc = {f"l{lv}": float(np.mean(right[lv])) for lv in sorted(right)}
    acc["macro"] = float(np.mean(list(acc.values())))
    return acc


def accuracy_by_level(
    model: TinyGPT, tok: CharTokenizer, queries: Sequence[Query], max_new_tokens: int
) -> dict[str, float]:
    """Greedy exact-answer accuracy per level and its macro-average."""
    return by_level(queries, greedy_correct(model, tok, queries, max_new_tokens))


def calibration(
    model: TinyGPT,
    tok: CharTokenizer,
    test: Sequence[Query],
    sampler: LMSampler,
    n_samples: int,
    max_new_tokens: int,
) -> dict:
    """The calibration gate (reported, never a bar): greedy accuracy per level falls with level,
    level 1 >= 60 %, and sampled per-sample success at level 5 is > 0."""
    greedy = accuracy_by_level(model, tok, test, max_new_tokens)
    responses = sampler(test, 0, n_samples)
    success: dict[int, list[float]] = {}
    for q, row in zip(test, responses, strict=True):
        success.setdefault(q.level, []).append(np.mean([check(t, q.gold) for t in row]))
    sampled = {f"l{lv}": float(np.mean(v)) for lv, v in sorted(success.items())}
    levels = [f"l{lv}" for lv in sorted(success)]
    falls = all(greedy[a] >= greedy[b] for a, b in itertools.pairwise(levels))
    gate = falls and greedy["l1"] >= 0.6 and sampled[levels[-1]] > 0
    return {
        "greedy_acc": greedy,
        "sample_success": sampled,
        "greedy_falls_with_level": float(falls),
        "gate_pass": float(gate),
    }
