"""The comparison: one trained standard (matrix) attention layer on Match3 (torch).

Sanford, Hsu & Telgarsky (2023) prove that one standard self-attention layer needs an embedding
dimension that grows with n to represent Match3, whereas one tensor attention unit does it with
d = 4 (`match3.py`). The baseline here is the practical face of that: a token embedding of Z_M in
d_model = 16, one multi-head softmax self-attention layer (2 heads) with a residual connection, and
a per-token MLP readout (hidden 64) giving the logit of y_i. It is trained with Adam on fresh
uniform sequences (binary cross-entropy) and judged by balanced accuracy.

The exact matrix attention in numpy (`exact.matrix_attention_exact`) is the reference for the
reduction K₂ = 1, V₂ = 1 (tensor attention collapses to it); this module is the learned baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tensor_attention.data import match3_sequences
from tensor_attention.match3 import check_sequences, match3_labels


class StandardAttentionClassifier(nn.Module):
    """Embedding(M, d_model) -> x + MultiheadAttention(x) -> MLP(d_model, hidden, 1) per token."""

    def __init__(self, M: int, d_model: int = 16, heads: int = 2, hidden: int = 64):
        super().__init__()
        self.embed = nn.Embedding(M, d_model)
        self.attn = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.readout = nn.Sequential(nn.Linear(d_model, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (batch, n) int64 -> logits (batch, n)."""
        h = self.embed(x)
        h = h + self.attn(h, h, h, need_weights=False)[0]
        return self.readout(h).squeeze(-1)


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 3000
    batch: int = 256
    lr: float = 1e-3
    d_model: int = 16
    heads: int = 2
    hidden: int = 64


def train_standard_attention(
    n: int,
    M: int,
    config: TrainConfig,
    seed: int,
    progress: Callable = lambda it, **_: it,
) -> tuple[StandardAttentionClassifier, list[float]]:
    """Train on fresh Match3 batches (n tokens, modulus M); returns the model and a loss curve.

    The curve holds the mean training loss over each tenth of the run. Seeded: the same seed gives
    the same model on CPU.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = StandardAttentionClassifier(M, config.d_model, config.heads, config.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    loss_fn = nn.BCEWithLogitsLoss()
    curve, window = [], []
    every = max(1, config.steps // 10)
    for step in progress(range(config.steps), desc=f"match3 standard n={n}"):
        x = match3_sequences(rng, config.batch, n, M)
        y = torch.from_numpy(match3_labels(x, M).astype(np.float32))
        loss = loss_fn(model(torch.from_numpy(x)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        window.append(loss.item())
        if (step + 1) % every == 0 or step + 1 == config.steps:
            curve.append(float(np.mean(window)))
            window = []
    return model, curve


@torch.no_grad()
def predict_standard_attention(model: StandardAttentionClassifier, x: object, M: int) -> np.ndarray:
    """ŷ (count, n) bool: logit > 0 for every token of the sequences x (count, n)."""
    x = check_sequences(x, M)
    model.eval()
    return (model(torch.from_numpy(x)) > 0).numpy()
