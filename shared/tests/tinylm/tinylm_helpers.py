"""Helpers shared by the tinylm tests (fixtures live in conftest.py)."""

import random

import torch
from torch import nn

from papershelf.tinylm import TinyGPT, TinyGPTConfig

DIGITS = "0123456789"


def tiny(vocab_size: int, seed: int = 0, ffn_factory=None, **options) -> TinyGPT:
    """A random 2-layer model (d = 32, 4 heads) in eval mode; `options` override the config."""
    torch.manual_seed(seed)
    cfg = {"d_model": 32, "n_layers": 2, "n_heads": 4, "d_ff": 64, "max_len": 48} | options
    return TinyGPT(TinyGPTConfig(vocab_size=vocab_size, **cfg), ffn_factory=ffn_factory).eval()


def reverse_task(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """Prompt 'abc=' -> completion 'cba' over digits, 2 to 4 of them."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        s = "".join(rng.choice(DIGITS) for _ in range(rng.randint(2, 4)))
        out.append((s + "=", s[::-1]))
    return out


def assert_close(actual: torch.Tensor, expected: torch.Tensor, atol: float = 1e-5) -> None:
    """|actual - expected| <= atol everywhere, shapes equal. (torch.testing.assert_close would
    import torch.distributed on first use: seconds, on this machine.)"""
    assert actual.shape == expected.shape, f"shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    diff = (actual - expected).abs().max().item() if actual.numel() else 0.0
    assert diff <= atol, f"max |actual - expected| = {diff:.3g} > atol = {atol}"


class RoutedFFN(nn.Module):
    """An FFN with a route argument, as duo_llm's: it records what it was given."""

    def __init__(self, layer: int, cfg: TinyGPTConfig):
        super().__init__()
        self.layer, self.proj, self.seen = layer, nn.Linear(cfg.d_model, cfg.d_model), []

    def forward(self, x, route=None):
        self.seen.append(route)
        return self.proj(x) * (0.0 if route == "skip" else 1.0)
