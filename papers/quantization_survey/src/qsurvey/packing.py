"""Packing and storage (survey Sec. I and III): int8 bytes, int4 nibbles, 2-bit crumbs.

A b-bit signed code (b in {2, 4, 8}) is stored as its low b bits (two's complement), 8 / b codes
per byte, the first code in the lowest bits. A `PackedTensor` holds the packed bytes plus its
float32 scales and, for asymmetric codes, int32 zero points; `model_bytes` is the exact size of a
quantized model: packed weights + scales + zero points + int32 biases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

PACK_BITS = (2, 4, 8)


def _check_pack_bits(bits: int) -> int:
    if bits not in PACK_BITS:
        raise ValueError(f"pack width must be one of {PACK_BITS}, got {bits}")
    return bits


def pack(q: torch.Tensor, bits: int) -> torch.Tensor:
    """Pack signed b-bit codes (int8 values in [-2^(b-1), 2^(b-1) - 1]) into uint8 bytes."""
    _check_pack_bits(bits)
    if q.dtype != torch.int8:
        raise ValueError(f"pack width {bits} needs int8 codes, got a {q.dtype} tensor")
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if q.numel() and (int(q.min()) < lo or int(q.max()) > hi):
        raise ValueError(
            f"pack width {bits} holds codes in [{lo}, {hi}], got [{int(q.min())}, {int(q.max())}]"
        )
    per = 8 // bits
    flat = (q.reshape(-1).to(torch.int16) & (2**bits - 1)).to(torch.uint8)
    pad = (-flat.numel()) % per
    flat = torch.cat([flat, torch.zeros(pad, dtype=torch.uint8)]).reshape(-1, per)
    out = torch.zeros(flat.shape[0], dtype=torch.uint8)
    for j in range(per):
        out |= flat[:, j] << (j * bits)
    return out


def unpack(packed: torch.Tensor, bits: int, numel: int) -> torch.Tensor:
    """Inverse of `pack`: the first `numel` signed b-bit codes as int8."""
    _check_pack_bits(bits)
    if packed.dtype != torch.uint8:
        raise ValueError(f"unpack expects uint8 bytes, got {packed.dtype}")
    per = 8 // bits
    if numel > packed.numel() * per:
        raise ValueError(
            f"{packed.numel()} bytes hold at most {packed.numel() * per} codes, asked for {numel}"
        )
    mask = 2**bits - 1
    parts = [((packed >> (j * bits)) & mask).to(torch.int16) for j in range(per)]
    v = torch.stack(parts, dim=1).reshape(-1)[:numel]
    v = torch.where(v >= 2 ** (bits - 1), v - 2**bits, v)
    return v.to(torch.int8)


@dataclass(frozen=True)
class PackedTensor:
    """Packed codes plus their scales (float32) and zero points (int32, None when symmetric)."""

    data: torch.Tensor
    bits: int
    shape: tuple[int, ...]
    scale: torch.Tensor
    zero_point: torch.Tensor | None = None

    @classmethod
    def from_codes(
        cls, q: torch.Tensor, bits: int, scale: torch.Tensor, zero_point: torch.Tensor | None = None
    ):
        return cls(pack(q.to(torch.int8), bits), bits, tuple(q.shape), scale.float(), zero_point)

    def codes(self) -> torch.Tensor:
        n = 1
        for s in self.shape:
            n *= s
        return unpack(self.data, self.bits, n).reshape(self.shape)

    def nbytes(self) -> int:
        n = self.data.numel() + self.scale.numel() * 4
        return n + (self.zero_point.numel() * 4 if self.zero_point is not None else 0)


def model_bytes(weights: Iterable[PackedTensor], biases: Iterable[torch.Tensor] = ()) -> int:
    """Exact bytes of a quantized model: packed weights, their scales/zero points, int32 biases."""
    return sum(w.nbytes() for w in weights) + sum(b.numel() * 4 for b in biases)


def fp32_bytes(net: nn.Module) -> int:
    """Bytes of the FP32 parameters of a network."""
    return sum(p.numel() * 4 for p in net.parameters())
