"""The student: a base LM fine-tuned on each synthesised set (the paper's SFT of Llama3-8B,
Mistral-7B, … on DART-Math data, §4.1), and its evaluation.

The base stand-in is pretrained only on single-operation equations (`37+8=45`, `6*41=246`):
it has the arithmetic skill but has never seen the `Q:…=` format or multi-step solutions,
as a base LLM knows arithmetic but not the instruction format. Every arm's SFT uses the same
base, steps, batch, LR schedule and data-order seed, with the loss on response tokens only.
Evaluation is greedy decoding with an exact final-answer check (the paper is greedy).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from dart_math.synth import ModelShape, by_level, fit, greedy_correct, steps_for
from dart_math.tasks import SMALL_FACTOR, Query
from papershelf.tinylm import CharTokenizer, TinyGPT
from papershelf.tinylm.train import IGNORE, encode_examples


def base_equations(rng: random.Random, n: int, per_line: int = 4) -> list[tuple[str, str]]:
    """n lines of `per_line` unrelated single-operation equations, as ("", "a op b=c;…"), over
    the value ranges the multi-step solutions reach: +/- on 0–999 (no negative result), * of a
    0–99 number by a factor ≤ 9. No line chains one result into the next equation."""
    return [("", ";".join(_equation(rng) for _ in range(per_line))) for _ in range(n)]


def _equation(rng: random.Random) -> str:
    while True:
        op = rng.choice("+-*")
        if op == "*":
            a, b = rng.randint(0, 99), rng.randint(0, SMALL_FACTOR)
            if rng.random() < 0.5:
                a, b = b, a
            return f"{a}*{b}={a * b}"
        a = rng.randint(0, 10 ** rng.randint(1, 3) - 1)
        b = rng.randint(0, 10 ** rng.randint(1, 3) - 1)
        if op == "+":
            return f"{a}+{b}={a + b}"
        if a >= b:
            return f"{a}-{b}={a - b}"


def pretrain_base(
    tok: CharTokenizer,
    shape: ModelShape,
    *,
    n_equations: int,
    tokens: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> tuple[TinyGPT, dict]:
    """The base model: next-token loss on every token of single-operation equations."""
    examples = base_equations(random.Random(seed), n_equations)
    model = shape.build(tok, seed)
    steps = steps_for(tokens, examples, batch_size)
    history = fit(
        model, tok, examples, steps=steps, batch_size=batch_size, lr=lr, seed=seed, loss_mask="all"
    )
    return model, history


def sft(
    base: TinyGPT,
    tok: CharTokenizer,
    data: Sequence[tuple[str, str]],
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> tuple[TinyGPT, dict]:
    """Fine-tune a copy of `base` on (query, response) pairs: response-only loss, cosine LR with
    5 % warmup, data order fixed by `seed`. The same arguments for every arm make the arms differ
    only in their data."""
    model = copy.deepcopy(base)
    return model, fit(model, tok, data, steps=steps, batch_size=batch_size, lr=lr, seed=seed)


def response_loss(
    model: TinyGPT, tok: CharTokenizer, data: Sequence[tuple[str, str]], labels: torch.Tensor
) -> torch.Tensor:
    """The SFT objective on next-token `labels` [N, L] (any ids at prompt positions): mean
    cross-entropy over response tokens only, the positions `train_lm(loss_mask="completion")`
    keeps. Used to show that the prompt's labels do not enter the loss."""
    inputs, targets = encode_examples(tok, list(data), model.cfg.max_len, "completion")
    keep = targets != IGNORE
    with torch.no_grad():
        logits, _ = model(inputs)
    return F.cross_entropy(logits[keep], labels[keep])


def evaluate(
    model: TinyGPT, tok: CharTokenizer, test: Sequence[Query], ood: Sequence[Query], max_new: int
) -> dict[str, float]:
    """Greedy exact-answer accuracy: per level ("l1" …), "macro" (mean over levels), "l45"
    (levels 4 and 5 pooled) and "ood" (the OOD set pooled)."""
    flags = greedy_correct(model, tok, test, max_new)
    acc = by_level(test, flags)
    hard = [ok for q, ok in zip(test, flags, strict=True) if q.level in (4, 5)]
    acc["l45"] = float(np.mean(hard)) if hard else float("nan")
    acc["ood"] = float(np.mean(greedy_correct(model, tok, ood, max_new)))
    return acc
