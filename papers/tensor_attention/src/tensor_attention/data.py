"""Random bounded instances, Match3 sequences, and the `.npz` instance format.

The paper has no dataset. Instances are drawn as in the build spec: Q, K_i ~ U[−B, B] (so
‖·‖∞ ≤ B holds by construction) and V_i ~ U[−1, 1]. `save_instance` / `load_instance` read and
write one instance as an `.npz` file with arrays Q, K1, K2, V1, V2 (and K3, V3 for order 3) and
`meta`, a JSON object (stored as a string array, so no pickle is needed to read it back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from papershelf import atomic_write
from tensor_attention.validation import check_attention_inputs


@dataclass(frozen=True)
class Instance:
    """Q (n, d); keys (K₁, K₂[, K₃]) and values (V₁, V₂[, V₃]), each (n, d); free-form meta."""

    Q: np.ndarray
    Ks: tuple[np.ndarray, ...]
    Vs: tuple[np.ndarray, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def order(self) -> int:
        return len(self.Ks)

    def arrays(self) -> dict[str, np.ndarray]:
        """The keyword arguments of `tensor_attention_exact` / `_fast` (K3, V3 for order 3)."""
        named = {"Q": self.Q}
        for i, (k, v) in enumerate(zip(self.Ks, self.Vs, strict=True), start=1):
            named[f"K{i}"], named[f"V{i}"] = k, v
        return named


def random_instance(rng: np.random.Generator, n: int, d: int, B: float, order: int = 2) -> Instance:
    """Q, K_i ~ U[−B, B]^{n×d}, V_i ~ U[−1, 1]^{n×d} for i = 1 … order."""
    if order not in (2, 3):
        raise ValueError(f"order must be 2 or 3, got {order!r}")
    if n < 1 or d < 1 or not B > 0:
        raise ValueError(f"need n >= 1, d >= 1 and B > 0, got n={n}, d={d}, B={B}")
    Q = rng.uniform(-B, B, (n, d))
    Ks = tuple(rng.uniform(-B, B, (n, d)) for _ in range(order))
    Vs = tuple(rng.uniform(-1.0, 1.0, (n, d)) for _ in range(order))
    return Instance(Q, Ks, Vs, {"n": n, "d": d, "B": float(B), "order": order})


def match3_sequences(rng: np.random.Generator, count: int, n: int, M: int) -> np.ndarray:
    """`count` uniform sequences x ∈ Z_M^n, shape (count, n), int64."""
    return rng.integers(0, M, size=(count, n), dtype=np.int64)


def save_instance(path: str | Path, instance: Instance, *, overwrite: bool = False) -> Path:
    """Write `instance` to `path` (must end in .npz) atomically; never replaces a file silently."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"path must end in .npz, got {path}")
    check_attention_inputs(instance.Q, instance.Ks, instance.Vs)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in instance.arrays().items()}
    arrays["meta"] = np.array(json.dumps(instance.meta))
    return atomic_write(path, lambda tmp: np.savez(tmp, **arrays), overwrite=overwrite)


def load_instance(path: str | Path) -> Instance:
    """Read an instance written by `save_instance`, validating keys, shapes and values."""
    path = Path(path)
    with np.load(path, allow_pickle=False) as f:
        names = set(f.files)
        required = {"Q", "K1", "K2", "V1", "V2", "meta"}
        missing = required - names
        if missing:
            raise ValueError(f"{path}: missing array(s) {sorted(missing)}; need {sorted(required)}")
        order = 3 if {"K3", "V3"} <= names else 2
        if order == 2 and names & {"K3", "V3"}:
            raise ValueError(f"{path}: order 3 needs both K3 and V3")
        Ks = [f[f"K{i}"] for i in range(1, order + 1)]
        Vs = [f[f"V{i}"] for i in range(1, order + 1)]
        try:
            Q, Ks, Vs = check_attention_inputs(f["Q"], Ks, Vs)
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None
        try:
            meta = json.loads(str(f["meta"]))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: meta is not a JSON object ({e})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: meta must be a JSON object, got {type(meta).__name__}")
    return Instance(Q, Ks, Vs, meta)
