"""Training on (prompt, completion) pairs: AdamW, warmup + cosine, gradient clipping, masks.

Each example becomes `<bos>` + prompt + completion + `<eos>`; the model reads all but the last
token and predicts the next one. The loss is the mean cross-entropy over the target tokens the
loss mask selects: by default the completion and its `<eos>` (the prompt is given, not
learned), or every token with `loss_mask="all"`.

`grad_masks` {parameter name: mask of its shape} freeze single entries (mask 0) while the rest
train (mask 1), as arithmetic_heads' Precise SFT needs: the gradient of a frozen entry is zeroed
before clipping, and weight decay, which AdamW applies to whole tensors, skips it — so frozen
entries stay bitwise unchanged.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from papershelf.seeding import seed_everything
from papershelf.threads import set_threads
from papershelf.tinylm.model import TinyGPT
from papershelf.tinylm.tokenizers import Tokenizer

IGNORE = -1  # target id that contributes no loss


def encode_examples(
    tok: Tokenizer, examples: Sequence[tuple[str, str]], max_len: int, loss_mask: str
) -> tuple[Tensor, Tensor]:
    """Examples -> (inputs [N, L], targets [N, L]), right-padded with `<pad>` / IGNORE, where
    L is the longest example; targets outside the loss mask are IGNORE."""
    if loss_mask not in ("completion", "all"):
        raise ValueError(f"loss_mask must be 'completion' or 'all', got {loss_mask!r}")
    if isinstance(examples, str) or not isinstance(examples, Sequence) or len(examples) == 0:
        raise ValueError("examples must be a non-empty list of (prompt, completion) pairs")
    rows = []
    for i, ex in enumerate(examples):
        if not (
            isinstance(ex, tuple | list) and len(ex) == 2 and all(isinstance(s, str) for s in ex)
        ):
            raise TypeError(f"examples[{i}] must be a (prompt, completion) pair of str, got {ex!r}")
        prompt = tok.encode(ex[0], bos=True)
        seq = prompt + tok.encode(ex[1], eos=True)
        if len(seq) - 1 > max_len:
            raise ValueError(
                f"examples[{i}] has {len(seq)} tokens with <bos> and <eos>; the model reads "
                f"at most max_len + 1 = {max_len + 1}"
            )
        first = len(prompt) - 1 if loss_mask == "completion" else 0
        rows.append((seq[:-1], [IGNORE] * first + seq[1 + first :]))
    L = max(len(x) for x, _ in rows)
    inputs = torch.tensor([x + [tok.pad_id] * (L - len(x)) for x, _ in rows])
    targets = torch.tensor([y + [IGNORE] * (L - len(y)) for _, y in rows])
    return inputs, targets


def lr_at(step: int, *, lr: float, warmup: int, steps: int, schedule: str) -> float:
    """Learning rate of step 0 … steps-1: linear warmup to `lr` over `warmup` steps, then
    "cosine" (half a cosine to 0 at `steps`, as transformers' cosine schedule), "linear"
    (to 0 at `steps`) or "constant"."""
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    if schedule == "cosine":
        return lr * 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "linear":
        return lr * (1.0 - progress)
    return lr


def _check_masks(
    grad_masks: Mapping[str, Tensor], params: Mapping[str, nn.Parameter]
) -> dict[str, Tensor]:
    masks = {}
    for name, mask in grad_masks.items():
        if name not in params:
            raise ValueError(f"grad_masks names {name!r}, which is not a trained parameter")
        mask = torch.as_tensor(mask, device=params[name].device)
        if mask.shape != params[name].shape:
            raise ValueError(
                f"grad_masks[{name!r}] has shape {tuple(mask.shape)}, the parameter "
                f"{tuple(params[name].shape)}"
            )
        if not bool(((mask == 0) | (mask == 1)).all()):
            raise ValueError(f"grad_masks[{name!r}] must hold only 0/1 (or bool)")
        masks[name] = mask.bool()
    return masks


def train_lm(
    model: TinyGPT,
    tok: Tokenizer,
    examples: Sequence[tuple[str, str]],
    *,
    steps: int,
    batch_size: int,
    lr: float,
    warmup: int,
    weight_decay: float,
    seed: int,
    schedule: str = "cosine",
    grad_clip: float | None = 1.0,
    loss_mask: str = "completion",
    param_filter: Callable[[str, nn.Parameter], bool] | None = None,
    grad_masks: Mapping[str, Tensor] | None = None,
    betas: tuple[float, float] = (0.9, 0.95),
    threads: int = 1,
    callback: Callable[[int, dict[str, float]], None] | None = None,
) -> dict[str, Any]:
    """Train `model` in place on (prompt, completion) string pairs; returns the history.

    Batches of `batch_size` examples are drawn without replacement, epoch after epoch, in an
    order fixed by `seed`. Weight decay applies to matrices and embeddings, not to biases and
    norm gains. `param_filter(name, param) -> bool` picks the parameters to train (default all
    that require grad); `grad_masks` freezes entries inside them (module docstring).
    `threads` pins torch's thread count for the run (1 is fastest for the reference config on
    2 cores, see docs/tinylm.md) and is restored after. `callback(step, record)` sees each
    step's record.

    History: "loss", "lr", "grad_norm" (one per step, grad norm before clipping), "tokens"
    (real input tokens read), "wall_s", "tokens_per_s", "threads".
    """
    for name, value, low in (
        ("steps", steps, 1),
        ("batch_size", batch_size, 1),
        ("warmup", warmup, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
    if grad_clip is not None and not grad_clip > 0:
        raise ValueError(f"grad_clip must be > 0 or None, got {grad_clip!r}")
    if schedule not in ("cosine", "linear", "constant"):
        raise ValueError(f"schedule must be 'cosine', 'linear' or 'constant', got {schedule!r}")
    inputs, targets = encode_examples(tok, examples, model.cfg.max_len, loss_mask)

    trained = {
        n: p
        for n, p in model.named_parameters()
        if p.requires_grad and (param_filter is None or param_filter(n, p))
    }
    if not trained:
        raise ValueError("param_filter selects no parameter that requires grad")
    masks = _check_masks(grad_masks or {}, trained)
    groups = [
        {"params": [p for n, p in trained.items() if p.dim() >= 2 and n not in masks]},
        {
            "params": [p for n, p in trained.items() if p.dim() < 2 or n in masks],
            "weight_decay": 0.0,
        },
    ]
    opt = torch.optim.AdamW(groups, lr=lr, betas=betas, weight_decay=weight_decay)
    decayed_masks = [(trained[n], m) for n, m in masks.items() if trained[n].dim() >= 2]

    requires_grad = {n: p.requires_grad for n, p in model.named_parameters()}
    prev_threads, was_training = torch.get_num_threads(), model.training
    set_threads(threads)
    rng = seed_everything(seed)
    device = model.tok_emb.weight.device
    order: list[int] = []
    history: dict[str, Any] = {"loss": [], "lr": [], "grad_norm": []}
    tokens = 0
    try:
        for n, p in model.named_parameters():
            p.requires_grad_(n in trained)
        model.train()
        t0 = time.perf_counter()
        for step in range(steps):
            while len(order) < batch_size:
                order += rng.permutation(len(inputs)).tolist()
            idx, order = order[:batch_size], order[batch_size:]
            x, y = inputs[idx], targets[idx]
            width = int((x != tok.pad_id).sum(1).max())  # trim the batch to its longest row
            x, y = x[:, :width].to(device), y[:, :width].to(device)
            tokens += int((x != tok.pad_id).sum())
            lr_now = lr_at(step, lr=lr, warmup=warmup, steps=steps, schedule=schedule)
            for group in opt.param_groups:
                group["lr"] = lr_now

            logits, _ = model(x)
            loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=IGNORE)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            for name, mask in masks.items():
                if trained[name].grad is not None:
                    trained[name].grad.masked_fill_(~mask, 0.0)
            norm = torch.nn.utils.clip_grad_norm_(
                list(trained.values()), grad_clip if grad_clip is not None else math.inf
            )
            with torch.no_grad():  # AdamW's decoupled decay, θ ← θ(1 - η λ), trainable entries only
                for p, mask in decayed_masks:
                    p.mul_(torch.where(mask, 1.0 - lr_now * weight_decay, 1.0))
            opt.step()
            record = {"loss": loss.item(), "lr": lr_now, "grad_norm": float(norm)}
            for key, value in record.items():
                history[key].append(value)
            if callback is not None:
                callback(step, record)
        wall = time.perf_counter() - t0
    finally:
        for n, p in model.named_parameters():
            p.requires_grad_(requires_grad[n])
        model.train(was_training)
        set_threads(prev_threads)
    history.update(tokens=tokens, wall_s=wall, tokens_per_s=tokens / wall, threads=threads)
    return history
