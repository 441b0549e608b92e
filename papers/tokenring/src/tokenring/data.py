"""Inputs: random heads-first Q, K, V with fixed seeds, and attention shapes read from a
Hugging Face LLaMA-style `config.json` (for the cost model at the paper's model size)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch


def random_qkv(
    b: int,
    h: int,
    s: int,
    d: int,
    *,
    hkv: int | None = None,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """q (B, H, S, D) and k, v (B, Hkv, S, D), standard normal, from a fixed seed."""
    if min(b, h, s, d) < 1:
        raise ValueError(f"B, H, S, D must be >= 1, got {(b, h, s, d)}")
    g = torch.Generator().manual_seed(seed)
    hkv = h if hkv is None else hkv
    q = torch.randn(b, h, s, d, generator=g, dtype=dtype)
    k = torch.randn(b, hkv, s, d, generator=g, dtype=dtype)
    v = torch.randn(b, hkv, s, d, generator=g, dtype=dtype)
    return q, k, v


@dataclass(frozen=True)
class AttentionShape:
    """Per-layer attention shape: H query heads, Hkv key/value heads, head dim D."""

    heads: int
    kv_heads: int
    head_dim: int


def load_llama_config(path: str | Path) -> AttentionShape:
    """Read hidden_size, num_attention_heads, num_key_value_heads from an HF config.json."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config.json not found at {path}")
    cfg = json.loads(path.read_text())
    for key in ("hidden_size", "num_attention_heads"):
        if not isinstance(cfg.get(key), int) or cfg[key] < 1:
            raise ValueError(f"{path}: '{key}' must be a positive integer, got {cfg.get(key)!r}")
    h = cfg["num_attention_heads"]
    hkv = cfg.get("num_key_value_heads", h)
    if cfg["hidden_size"] % h != 0:
        raise ValueError(f"{path}: hidden_size {cfg['hidden_size']} not divisible by heads {h}")
    if not isinstance(hkv, int) or hkv < 1 or h % hkv != 0:
        raise ValueError(f"{path}: num_key_value_heads must divide num_attention_heads, got {hkv}")
    return AttentionShape(heads=h, kv_heads=hkv, head_dim=cfg["hidden_size"] // h)
