"""Continual scaled dot-product attention and continual Transformer encoder layers.

Hedegaard, Bakhtiarnia & Iosifidis, "Continual Transformers: Redundancy-Free Attention for
Online Inference" (arXiv 2201.06268), Sec. 3. Tokens are (B, T, d) (batch first); the attention
window holds the last n tokens. With Q, K, V the window's projections and s = 1/√d_h:

- Single-output attention (Sec. 3.2, Eq. 13-15): only the newest query's row is needed,
  o_t = softmax(q_t Kᵀ s) V, with K and V kept in ring buffers (one new key/value per step):
  O(n d) per step instead of O(n² d).
- Retroactive attention (Sec. 3.1, Eq. 6-12): all n output rows are updated per step. For every
  query i the numerator AV_i = Σ_j exp(q_i·k_j s) v_j and denominator d_i = Σ_j exp(q_i·k_j s) are
  kept; a step adds the entering key/value, subtracts the leaving one and computes the new query's
  row from scratch: O(n d) per step. The sums are kept without the max-subtraction of a regular
  softmax (they cannot be rescaled cheaply), which is exact in exact arithmetic; in float32 the
  running sums drift slowly with sharp attention (see README).
- Recycling positional encoding (Sec. 3.4): token τ gets the learned code PE[τ mod n], and
  offline training draws a random circular offset per window so that any phase is seen.

Encoder layers are post-norm with a ReLU FFN (nn.TransformerEncoderLayer, norm_first=False),
weights copied from a torch layer.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from continual_inference.core import CoModule


def _split_heads(x: Tensor, heads: int) -> Tensor:
    """(B, T, d) -> (B, H, T, d_h)."""
    b, t, d = x.shape
    return x.view(b, t, heads, d // heads).transpose(1, 2)


def _merge_heads(x: Tensor) -> Tensor:
    """(B, H, T, d_h) -> (B, T, d)."""
    b, h, t, dh = x.shape
    return x.transpose(1, 2).reshape(b, t, h * dh)


def explicit_attention(mha: nn.MultiheadAttention, x: Tensor) -> Tensor:
    """Regular (offline) self-attention of x (B, n, d), all n rows, with explicit matmuls.

    Same weights and result as `mha(x, x, x)` (batch_first); written out so that FlopCounterMode
    sees every product (the fused CPU kernel is not counted).
    """
    h = mha.num_heads
    q, k, v = F.linear(x, mha.in_proj_weight, mha.in_proj_bias).chunk(3, dim=-1)
    q, k, v = _split_heads(q, h), _split_heads(k, h), _split_heads(v, h)
    scores = (q * q.shape[-1] ** -0.5) @ k.transpose(-1, -2)
    out = _merge_heads(scores.softmax(-1) @ v)
    return mha.out_proj(out)


def explicit_encoder_layer(layer: nn.TransformerEncoderLayer, x: Tensor) -> Tensor:
    """Post-norm encoder layer on x (B, n, d) with explicit matmuls; equals `layer(x)` (eval)."""
    h = layer.norm1(x + explicit_attention(layer.self_attn, x))
    return layer.norm2(h + layer.linear2(F.relu(layer.linear1(h))))


def _check_layer(layer: nn.TransformerEncoderLayer) -> None:
    if layer.norm_first or not layer.self_attn.batch_first:
        raise ValueError("encoder layer must be post-norm (norm_first=False) and batch_first")
    if layer.activation_relu_or_gelu != 1:
        raise ValueError("encoder layer must use the ReLU activation")


class _AttentionBase(CoModule):
    """Projections copied from an nn.MultiheadAttention; ring buffers of the last n tokens."""

    def __init__(self, mha: nn.MultiheadAttention, window: int) -> None:
        super().__init__()
        if not mha.batch_first or mha._qkv_same_embed_dim is False:
            raise ValueError("mha must be batch_first with equal q/k/v embedding dims")
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self.heads, self.d = mha.num_heads, mha.embed_dim
        like = {"dtype": mha.in_proj_weight.dtype, "device": mha.in_proj_weight.device}
        self.in_proj = nn.Linear(self.d, 3 * self.d, **like)
        self.out_proj = nn.Linear(self.d, self.d, **like)
        with torch.no_grad():
            self.in_proj.weight.copy_(mha.in_proj_weight)
            self.in_proj.bias.copy_(mha.in_proj_bias)
            self.out_proj.weight.copy_(mha.out_proj.weight)
            self.out_proj.bias.copy_(mha.out_proj.bias)
        self.n = window
        self.receptive_field = window
        self.clean_state()

    def clean_state(self) -> None:
        self._k = self._v = self._q = self._num = self._den = None
        self._t = 0
        self._batch = None

    def _qkv(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """One token (B, d) -> scaled q, k, v each (B, H, d_h)."""
        if x.dim() != 2 or x.shape[1] != self.d:
            raise ValueError(
                f"{type(self).__name__}.forward_step expects one token (B, {self.d}), "
                f"got {tuple(x.shape)}"
            )
        self._check_batch(x)
        b = x.shape[0]
        q, k, v = self.in_proj(x).view(b, 3, self.heads, self.d // self.heads).unbind(1)
        return q * (self.d // self.heads) ** -0.5, k, v

    def _store(self, name: str, value: Tensor, slot: int) -> None:
        buf = getattr(self, name)
        if buf is None:
            buf = value.new_zeros((*value.shape[:2], self.n, *value.shape[2:]))
            setattr(self, name, buf)
        buf[:, :, slot] = value

    def forward_steps(self, x: Tensor) -> Tensor | None:
        """Tokens (B, T, d) fed one by one; the produced outputs stacked on dim 1, or None."""
        outs = [y for t in range(x.shape[1]) if (y := self.forward_step(x[:, t])) is not None]
        return torch.stack(outs, dim=1) if outs else None


class SingleOutputAttention(_AttentionBase):
    """Continual single-output attention: per step the newest query's row, O(n d) (Eq. 13-15).

    `forward_step(x)`: x (B, d) -> (B, d), or None for the first n - 1 steps (window not full).
    `forward_window(x)`: a whole window (B, n, d) -> its last row (B, d), no state (used after a
    retroactive layer, whose n outputs all change each step).
    """

    def forward(self, x: Tensor) -> Tensor:
        """Offline: the last row of regular attention over x (B, n, d)."""
        return self.forward_window(x)

    def forward_window(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or x.shape[2] != self.d:
            raise ValueError(f"forward_window expects (B, n, {self.d}), got {tuple(x.shape)}")
        h, dh = self.heads, self.d // self.heads
        q = F.linear(x[:, -1], self.in_proj.weight[: self.d], self.in_proj.bias[: self.d])
        kv = F.linear(x, self.in_proj.weight[self.d :], self.in_proj.bias[self.d :])
        k, v = (_split_heads(t, h) for t in kv.chunk(2, dim=-1))
        q = q.view(-1, h, 1, dh) * dh**-0.5
        out = (q @ k.transpose(-1, -2)).softmax(-1) @ v  # (B, H, 1, d_h)
        return self.out_proj(out.reshape(x.shape[0], self.d))

    def forward_step(self, x: Tensor) -> Tensor | None:
        q, k, v = self._qkv(x)
        slot = self._t % self.n
        self._store("_k", k, slot)
        self._store("_v", v, slot)
        self._t += 1
        if self._t < self.n:
            return None
        # softmax(q Kᵀ s) V is invariant to the order of the ring's slots
        scores = q.unsqueeze(2) @ self._k.transpose(-1, -2)  # (B, H, 1, n)
        out = scores.softmax(-1) @ self._v
        return self.out_proj(out.reshape(x.shape[0], self.d))


class RetroactiveAttention(_AttentionBase):
    """Continual retroactive attention: all n rows updated per step in O(n d) (Eq. 6-12).

    `forward_step(x)`: x (B, d) -> (B, n, d), rows oldest first, or None before the window fills.
    """

    def forward(self, x: Tensor) -> Tensor:
        """Offline: all rows of regular attention over x (B, n, d)."""
        h = self.heads
        q, k, v = (_split_heads(t, h) for t in self.in_proj(x).chunk(3, dim=-1))
        scores = (q * (self.d // h) ** -0.5) @ k.transpose(-1, -2)
        return self.out_proj(_merge_heads(scores.softmax(-1) @ v))

    def forward_step(self, x: Tensor) -> Tensor | None:
        q, k, v = self._qkv(x)
        slot = self._t % self.n
        self._t += 1
        if self._t <= self.n:
            for name, val in (("_q", q), ("_k", k), ("_v", v)):
                self._store(name, val, slot)
            if self._t < self.n:
                return None
            e = (self._q @ self._k.transpose(-1, -2)).exp()  # (B, H, n, n), first full window
            self._num, self._den = e @ self._v, e.sum(-1)
        else:
            # the leaving token sits in `slot`: add the entering key/value, subtract the leaving
            kk = torch.stack([k, self._k[:, :, slot]], dim=-1)  # (B, H, d_h, 2)
            vv = torch.stack([v, self._v[:, :, slot]], dim=-2)  # (B, H, 2, d_h)
            e = (self._q @ kk).exp() * kk.new_tensor([1.0, -1.0])  # (B, H, n, 2): +new, -old
            self._num += e @ vv
            self._den += e.sum(-1)
            for name, val in (("_q", q), ("_k", k), ("_v", v)):
                self._store(name, val, slot)
            row = (q.unsqueeze(2) @ self._k.transpose(-1, -2)).exp()  # the new query's row
            self._num[:, :, slot] = (row @ self._v).squeeze(2)
            self._den[:, :, slot] = row.sum(-1).squeeze(2)
        out = self._num / self._den.unsqueeze(-1)  # (B, H, n, d_h), ring order
        out = out.roll(-((slot + 1) % self.n), dims=2)  # oldest first
        return self.out_proj(_merge_heads(out))


class CoEncoderLayer(CoModule):
    """A continual post-norm encoder layer (weights copied from nn.TransformerEncoderLayer).

    mode='single': x (B, d) -> (B, d) [streaming K/V], or a window (B, n, d) -> (B, d).
    mode='retroactive': x (B, d) -> (B, n, d), all n outputs of the current window.
    Both return None until n tokens have been seen.
    """

    def __init__(self, layer: nn.TransformerEncoderLayer, window: int, mode: str) -> None:
        super().__init__()
        _check_layer(layer)
        if mode not in ("single", "retroactive"):
            raise ValueError(f"mode must be 'single' or 'retroactive', got {mode!r}")
        self.mode = mode
        attn_cls = SingleOutputAttention if mode == "single" else RetroactiveAttention
        self.attn = attn_cls(layer.self_attn, window)
        self.linear1, self.linear2 = copy.deepcopy(layer.linear1), copy.deepcopy(layer.linear2)
        self.norm1, self.norm2 = copy.deepcopy(layer.norm1), copy.deepcopy(layer.norm2)
        self.receptive_field = window
        self.clean_state()

    def clean_state(self) -> None:
        super().clean_state()
        self._x: Tensor | None = None  # retroactive: the window's inputs (B, n, d), ring order
        self._t = 0

    def _ffn(self, h: Tensor) -> Tensor:
        return self.norm2(h + self.linear2(F.relu(self.linear1(h))))

    def forward(self, x: Tensor) -> Tensor:
        """Offline on a window (B, n, d): last row (single) or all rows (retroactive)."""
        a = self.attn(x)
        return self._ffn(self.norm1((x[:, -1] if self.mode == "single" else x) + a))

    def forward_step(self, x: Tensor) -> Tensor | None:
        if self.mode == "single":
            a = self.attn.forward_window(x) if x.dim() == 3 else self.attn.forward_step(x)
            if a is None:
                return None
            return self._ffn(self.norm1((x[:, -1] if x.dim() == 3 else x) + a))
        a = self.attn.forward_step(x)
        n = self.attn.n
        if self._x is None:
            self._x = x.new_zeros((x.shape[0], n, x.shape[1]))
        slot = self._t % n
        self._x[:, slot] = x
        self._t += 1
        if a is None:
            return None
        xs = self._x.roll(-((slot + 1) % n), dims=1)  # oldest first, as a's rows
        return self._ffn(self.norm1(xs + a))

    def forward_steps(self, x: Tensor) -> Tensor | None:
        outs = [y for t in range(x.shape[1]) if (y := self.forward_step(x[:, t])) is not None]
        return torch.stack(outs, dim=1) if outs else None


class RecyclingPositionalEncoding(nn.Module):
    """Learned codes PE (n, d); token at absolute position τ gets PE[τ mod n] (Sec. 3.4).

    `forward(x, offset)`: x (B, T, d), positions offset + 0..T-1 (offset: int or (B,) tensor).
    """

    def __init__(self, d: int, window: int) -> None:
        super().__init__()
        self.window = window
        self.pe = nn.Parameter(0.02 * torch.randn(window, d))

    def forward(self, x: Tensor, offset: int | Tensor = 0) -> Tensor:
        pos = torch.arange(x.shape[1], device=x.device)
        if isinstance(offset, Tensor):
            pos = (offset.view(-1, 1) + pos.view(1, -1)) % self.window  # (B, T)
            return x + self.pe[pos]
        return x + self.pe[(pos + offset) % self.window]
