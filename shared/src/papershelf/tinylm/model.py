"""TinyGPT: a small pre-LN decoder-only transformer with a KV cache and named hooks.

    x₀ = E[ids] + P[pos]                                    hook_embed, hook_pos_embed
    for each block l:                                       blocks.{l}.hook_resid_pre
        a = Attn(LN₁(x));  x = x + a                        blocks.{l}.hook_attn_out
        m = FFN(LN₂(x));   x = x + m                        blocks.{l}.hook_mlp_out
    logits = LN_f(x) Wᵀ                                     hook_resid_final (before LN_f)

Attention of head h: z_h = softmax(q_h k_hᵀ / √d_h + mask) v_h, and the block's attention
output is Σ_h z_h W_O^h + b_O (`W_O_head(l, h)`). The defaults are the reference config
(d = 96, 3 layers, 4 heads, d_ff = 384: 0.35M parameters at a 20-symbol vocabulary); the
options later papers need (`norm`, `mlp`, `pos`, `n_kv_heads`, `bias`, `inputs_embeds=`)
are built in so that nobody forks the model.

Padding and positions follow the Hugging Face convention: `attn_mask` [B, S] marks real tokens
(1) and padding (0) over the whole sequence, cached prefix included, and a token's position is
the number of real tokens before it. So left-padded prompts in a batch get the same positions,
and the same logits, as each prompt alone.

Hooks (TransformerLens names, shapes for a forward of T new tokens over S = past + T keys):

    hook_embed, hook_pos_embed                  [B, T, d]   (hook_pos_embed only for pos="learned")
    blocks.{l}.hook_resid_pre / _mid / _post    [B, T, d]
    blocks.{l}.attn.hook_q                      [B, T, H, d_h]    before the rotary embedding
    blocks.{l}.attn.hook_k, hook_v              [B, T, H_kv, d_h]
    blocks.{l}.attn.hook_pattern                [B, H, T, S]      softmax weights
    blocks.{l}.attn.hook_z                      [B, T, H, d_h]
    blocks.{l}.hook_attn_out, hook_mlp_out      [B, T, d]
    hook_resid_final                            [B, T, d]

A hook is a function `fn(tensor) -> tensor` whose result replaces the value (return it
unchanged to read only). `run_with_cache` and `run_with_hooks` run one forward with hooks;
`with model.hooks({...}):` keeps them on for any number of calls (e.g. `generate`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

HookFn = Callable[[Tensor], Tensor]
FFNFactory = Callable[[int, "TinyGPTConfig"], nn.Module]


KVCache = tuple[tuple[Tensor, Tensor], ...]
"""Per layer (k, v), each [B, H_kv, S, d_h]. Never changed in place: `forward(past_kv=...)`
and `extend` return new tensors, so one cached prefix can be continued along many branches.
(A preallocated cache written in place measured no faster on CPU: matmuls over its strided
views copy them anyway.)"""


@dataclass(frozen=True)
class TinyGPTConfig:
    """Shape of a TinyGPT. The defaults are the reference 0.35M-parameter config.

    vocab_size      ids, specials included (the tokenizer's `vocab_size`)
    d_model         residual width d; d_model % n_heads == 0
    n_layers        blocks
    n_heads         query heads H; head width d_h = d_model / n_heads
    d_ff            hidden width of the FFN
    max_len         longest sequence (positions 0 … max_len-1), padding included
    dropout         on embeddings, attention weights and both residual branches
    tie_embeddings  the unembedding is the token embedding's transpose
    norm            "layernorm" | "rmsnorm"
    mlp             "gelu" (W₂ GELU(W₁x)) | "swiglu" (W₂ (SiLU(W_g x) ⊙ W₁x))
    pos             "learned" (absolute table P) | "rope" (rotary, base `rope_base`)
    n_kv_heads      key/value heads H_kv for grouped-query attention; None means H
    bias            biases in every linear layer and norm
    """

    vocab_size: int
    d_model: int = 96
    n_layers: int = 3
    n_heads: int = 4
    d_ff: int = 384
    max_len: int = 128
    dropout: float = 0.0
    tie_embeddings: bool = True
    norm: Literal["layernorm", "rmsnorm"] = "layernorm"
    mlp: Literal["gelu", "swiglu"] = "gelu"
    pos: Literal["learned", "rope"] = "learned"
    n_kv_heads: int | None = None
    bias: bool = True
    rope_base: float = 10000.0

    def __post_init__(self) -> None:
        for name in ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff", "max_len"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.d_model % self.n_heads:
            raise ValueError(
                f"d_model % n_heads must be 0, got d_model={self.d_model}, n_heads={self.n_heads}"
            )
        kv = self.kv_heads
        if isinstance(kv, bool) or not isinstance(kv, int) or kv < 1 or self.n_heads % kv:
            raise ValueError(
                f"n_kv_heads must be a positive divisor of n_heads={self.n_heads}, "
                f"got {self.n_kv_heads!r}"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        for name, allowed in (
            ("norm", ("layernorm", "rmsnorm")),
            ("mlp", ("gelu", "swiglu")),
            ("pos", ("learned", "rope")),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if self.pos == "rope" and self.d_head % 2:
            raise ValueError(f"pos='rope' needs an even head width, got d_head={self.d_head}")

    @property
    def d_head(self) -> int:
        """Head width d_h = d_model / n_heads."""
        return self.d_model // self.n_heads

    @property
    def kv_heads(self) -> int:
        """Key/value heads H_kv (n_kv_heads, or n_heads when None)."""
        return self.n_heads if self.n_kv_heads is None else self.n_kv_heads

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (`TinyGPTConfig(**d)` rebuilds it)."""
        return asdict(self)


class _HookTable:
    """The hook functions in force, by name, applied in the order they were put on; shared by
    every module of one model."""

    def __init__(self) -> None:
        self.fns: dict[str, list[HookFn]] = {}

    def __call__(self, name: str, x: Tensor) -> Tensor:
        for fn in self.fns.get(name, ()):
            x = fn(x)
        return x


def _norm(cfg: TinyGPTConfig) -> nn.Module:
    if cfg.norm == "rmsnorm":
        return nn.RMSNorm(cfg.d_model, eps=1e-5)
    return nn.LayerNorm(cfg.d_model, bias=cfg.bias)


class MLP(nn.Module):
    """The default FFN: W₂ GELU(W₁x), or W₂ (SiLU(W_g x) ⊙ W₁x) for mlp="swiglu"."""

    def __init__(self, cfg: TinyGPTConfig) -> None:
        super().__init__()
        self.swiglu = cfg.mlp == "swiglu"
        self.up = nn.Linear(cfg.d_model, cfg.d_ff, bias=cfg.bias)
        self.gate = nn.Linear(cfg.d_model, cfg.d_ff, bias=cfg.bias) if self.swiglu else None
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=cfg.bias)

    def forward(self, x: Tensor) -> Tensor:
        """x [B, T, d] -> [B, T, d]."""
        h = F.silu(self.gate(x)) * self.up(x) if self.swiglu else F.gelu(self.up(x))
        return self.down(h)


def _rotate(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotary embedding of x [B, H, T, d_h] by angles given as cos, sin [B, 1, T, d_h/2]: the
    pairs (x_i, x_{i + d_h/2}) are rotated by θ_i · pos."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)


class Attention(nn.Module):
    """Causal multi-head self-attention with grouped-query heads and a KV cache."""

    def __init__(self, cfg: TinyGPTConfig, layer: int, hooks: _HookTable) -> None:
        super().__init__()
        self.n_heads, self.kv_heads, self.d_head = cfg.n_heads, cfg.kv_heads, cfg.d_head
        self.qkv = nn.Linear(cfg.d_model, (cfg.n_heads + 2 * cfg.kv_heads) * cfg.d_head, cfg.bias)
        self.out = nn.Linear(cfg.d_model, cfg.d_model, bias=cfg.bias)
        self.dropout = cfg.dropout
        self.hooks = hooks
        prefix = f"blocks.{layer}.attn."
        self.names = {k: prefix + k for k in ("hook_q", "hook_k", "hook_v", "hook_pattern")}
        self.name_z = prefix + "hook_z"

    def forward(
        self,
        x: Tensor,
        mask: Tensor | None,
        rope: tuple[Tensor, Tensor] | None,
        past: tuple[Tensor, Tensor] | None,
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x [B, T, d]; mask [B, 1, T, S] bool (True = may attend) or None for plain causal
        attention without a prefix; rope (cos, sin) [B, 1, T, d_h/2] or None; past (k, v)
        [B, H_kv, S - T, d_h] or None -> (attention output [B, T, d], (k, v) [B, H_kv, S, d_h])."""
        B, T, _ = x.shape
        H, Hkv, dh = self.n_heads, self.kv_heads, self.d_head
        q, k, v = self.qkv(x).split((H * dh, Hkv * dh, Hkv * dh), dim=-1)
        hook = self.hooks
        q = hook(self.names["hook_q"], q.view(B, T, H, dh)).transpose(1, 2)
        k = hook(self.names["hook_k"], k.view(B, T, Hkv, dh)).transpose(1, 2)
        v = hook(self.names["hook_v"], v.view(B, T, Hkv, dh)).transpose(1, 2)
        if rope is not None:
            q, k = _rotate(q, *rope), _rotate(k, *rope)
        if past is not None:
            k, v = torch.cat((past[0], k), dim=2), torch.cat((past[1], v), dim=2)
        p_drop = self.dropout if self.training else 0.0
        # SDPA is ~2x faster than an explicit softmax for training-sized T on CPU, but ~2x slower
        # for one query (decoding); the explicit path also materialises hook_pattern.
        if T > 1 and self.names["hook_pattern"] not in hook.fns:
            z = F.scaled_dot_product_attention(
                q, k, v, attn_mask=mask, dropout_p=p_drop, is_causal=mask is None, enable_gqa=True
            )
        else:
            # Query head h reads key/value head h // (H / H_kv): group the query heads instead
            # of copying k and v.
            S, rep = k.shape[2], H // Hkv
            scores = q.view(B, Hkv, rep, T, dh) @ k[:, :, None].transpose(-1, -2) / math.sqrt(dh)
            if mask is None:
                mask = torch.ones(T, S, dtype=torch.bool, device=x.device).tril()
            scores = scores.view(B, H, T, S).masked_fill(~mask, -math.inf)
            pattern = hook(self.names["hook_pattern"], scores.softmax(-1))
            if p_drop:
                pattern = F.dropout(pattern, p_drop)
            z = (pattern.view(B, Hkv, rep, T, S) @ v[:, :, None]).view(B, H, T, dh)
        z = hook(self.name_z, z.transpose(1, 2))
        return self.out(z.reshape(B, T, H * dh)), (k, v)


class Block(nn.Module):
    """Pre-LN block: x + Attn(LN₁ x), then + FFN(LN₂ x)."""

    def __init__(
        self, cfg: TinyGPTConfig, layer: int, hooks: _HookTable, ffn: nn.Module | None
    ) -> None:
        super().__init__()
        self.ln1, self.ln2 = _norm(cfg), _norm(cfg)
        self.attn = Attention(cfg, layer, hooks)
        self.ffn = MLP(cfg) if ffn is None else ffn
        self.drop = nn.Dropout(cfg.dropout)
        self.hooks = hooks
        self.names = {
            k: f"blocks.{layer}.{k}"
            for k in (
                "hook_resid_pre",
                "hook_attn_out",
                "hook_resid_mid",
                "hook_mlp_out",
                "hook_resid_post",
            )
        }

    def forward(
        self,
        x: Tensor,
        mask: Tensor | None,
        rope: tuple[Tensor, Tensor] | None,
        past: tuple[Tensor, Tensor] | None,
        ffn_kwargs: Mapping[str, Any],
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x [B, T, d] -> (x [B, T, d], this layer's (k, v)); see `Attention.forward`."""
        hook, n = self.hooks, self.names
        x = hook(n["hook_resid_pre"], x)
        a, kv = self.attn(self.ln1(x), mask, rope, past)
        x = hook(n["hook_resid_mid"], x + self.drop(hook(n["hook_attn_out"], a)))
        m = hook(n["hook_mlp_out"], self.ffn(self.ln2(x), **ffn_kwargs))
        return hook(n["hook_resid_post"], x + self.drop(m)), kv


class TinyGPT(nn.Module):
    """The model. `ffn_factory(layer_idx, cfg) -> nn.Module` replaces the FFN of each block
    (its forward gets `x [B, T, d]` and any extra keyword arguments given to `forward`)."""

    def __init__(self, cfg: TinyGPTConfig, ffn_factory: FFNFactory | None = None) -> None:
        super().__init__()
        if not isinstance(cfg, TinyGPTConfig):
            raise TypeError(f"cfg must be a TinyGPTConfig, got {type(cfg).__name__}")
        self.cfg = cfg
        self._hooks = _HookTable()
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos_emb = nn.Embedding(cfg.max_len, cfg.d_model) if cfg.pos == "learned" else None
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(
            Block(cfg, i, self._hooks, None if ffn_factory is None else ffn_factory(i, cfg))
            for i in range(cfg.n_layers)
        )
        self.ln_f = _norm(cfg)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.lm_head.weight = self.tok_emb.weight
        if cfg.pos == "rope":
            inv_freq = cfg.rope_base ** (-torch.arange(0, cfg.d_head, 2) / cfg.d_head)
            self.register_buffer("inv_freq", inv_freq.float(), persistent=False)
        self.hook_names: tuple[str, ...] = self._list_hook_names()
        self._init_weights(ffn_factory is None)

    def _init_weights(self, default_ffn: bool) -> None:
        """GPT-2 init: N(0, 0.02), zero biases, residual projections scaled by 1/√(2L). A custom
        FFN keeps its own init."""
        resid_std = 0.02 / math.sqrt(2 * self.cfg.n_layers)
        for name, module in self.named_modules():
            if not default_ffn and ".ffn" in name:
                continue
            if isinstance(module, nn.Linear | nn.Embedding):
                std = resid_std if name.endswith(("attn.out", "ffn.down")) else 0.02
                nn.init.normal_(module.weight, 0.0, std)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)

    def _list_hook_names(self) -> tuple[str, ...]:
        names = ["hook_embed"] + (["hook_pos_embed"] if self.pos_emb is not None else [])
        for block in self.blocks:
            names += [block.names["hook_resid_pre"], *block.attn.names.values()]
            names += [block.attn.name_z, *list(block.names.values())[1:]]
        return (*names, "hook_resid_final")

    def num_params(self) -> int:
        """Number of parameters, a tied embedding counted once."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        ids: Tensor | None = None,
        attn_mask: Tensor | None = None,
        past_kv: KVCache | None = None,
        use_cache: bool = False,
        *,
        inputs_embeds: Tensor | None = None,
        **ffn_kwargs: Any,
    ) -> tuple[Tensor, KVCache | None]:
        """ids [B, T] (or `inputs_embeds` [B, T, d], e.g. a soft prompt, used in place of the
        token embedding) -> (logits [B, T, V], the cache over all S = past + T positions when
        `use_cache`, else None).

        attn_mask [B, S]: 1 for real tokens, 0 for padding, over the cached prefix and the new
        tokens; None means no padding. Extra keyword arguments go to every block's FFN.
        """
        if (ids is None) == (inputs_embeds is None):
            raise ValueError("give exactly one of ids and inputs_embeds")
        x = self.tok_emb(ids) if inputs_embeds is None else inputs_embeds
        if x.dim() != 3 or x.shape[-1] != self.cfg.d_model:
            raise ValueError(
                f"expected ids [B, T] or inputs_embeds [B, T, {self.cfg.d_model}], got "
                f"{tuple((ids if ids is not None else inputs_embeds).shape)}"
            )
        B, T, _ = x.shape
        past_len = 0 if past_kv is None else past_kv[0][0].shape[2]
        S = past_len + T
        if S > self.cfg.max_len:
            raise ValueError(f"sequence length {S} exceeds max_len={self.cfg.max_len}")
        pos, mask = self._positions_and_mask(B, T, past_len, attn_mask, x.device)
        x = self._hooks("hook_embed", x)
        if self.pos_emb is not None:
            x = x + self._hooks("hook_pos_embed", self.pos_emb(pos))
        rope = None
        if self.cfg.pos == "rope":
            angles = pos[..., None].to(self.inv_freq.dtype) * self.inv_freq  # [B|1, T, d_h/2]
            rope = (angles.cos()[:, None].to(x.dtype), angles.sin()[:, None].to(x.dtype))
        x = self.drop(x)
        new_kv = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, mask, rope, None if past_kv is None else past_kv[i], ffn_kwargs)
            new_kv.append(kv)
        x = self._hooks("hook_resid_final", x)
        logits = self.lm_head(self.ln_f(x))
        return logits, (tuple(new_kv) if use_cache else None)

    @staticmethod
    def _positions_and_mask(
        B: int, T: int, past_len: int, attn_mask: Tensor | None, device: torch.device
    ) -> tuple[Tensor, Tensor | None]:
        """Positions [B|1, T] of the new tokens and the attention mask [B|1, 1, T, S] (None for
        plain causal attention with no prefix and no padding)."""
        S = past_len + T
        if attn_mask is None:
            pos = torch.arange(past_len, S, device=device)[None]
            if past_len == 0:
                return pos, None
            keys_ok = torch.ones(1, S, dtype=torch.bool, device=device)
        else:
            if attn_mask.shape != (B, S):
                raise ValueError(
                    f"attn_mask must be [B, S] = [{B}, {S}], got {tuple(attn_mask.shape)}"
                )
            keys_ok = attn_mask.bool()
            pos = (keys_ok.long().cumsum(-1) - 1).clamp(min=0)[:, past_len:]
        q_idx = torch.arange(past_len, S, device=device)[:, None]
        k_idx = torch.arange(S, device=device)[None, :]
        # A padding query may attend to itself only: a row with no allowed key would be NaN,
        # and NaN values of padding would leak into real tokens through 0 · NaN.
        mask = (k_idx <= q_idx) & keys_ok[:, None, :] | (k_idx == q_idx)
        return pos, mask[:, None]

    # Hooks --------------------------------------------------------------------------------

    @contextmanager
    def hooks(self, fwd_hooks: Mapping[str, HookFn]) -> Iterator[TinyGPT]:
        """Keep `fwd_hooks` {name: fn} on for the duration of the `with` block. Blocks nest: a
        point with several hooks runs them outermost first (e.g. an ablation, then
        `run_with_cache`'s recorder, which thus sees the ablated value)."""
        unknown = sorted(set(fwd_hooks) - set(self.hook_names))
        if unknown:
            raise ValueError(f"unknown hook names {unknown}; see model.hook_names")
        for name, fn in fwd_hooks.items():
            self._hooks.fns.setdefault(name, []).append(fn)
        try:
            yield self
        finally:
            for name, fn in fwd_hooks.items():
                fns = self._hooks.fns[name]
                del fns[len(fns) - 1 - fns[::-1].index(fn)]
                if not fns:
                    del self._hooks.fns[name]

    def run_with_hooks(
        self, ids: Tensor, fwd_hooks: Mapping[str, HookFn], **forward_kwargs: Any
    ) -> Tensor:
        """One forward with `fwd_hooks` {name: fn(tensor) -> tensor} on; returns the logits."""
        with self.hooks(fwd_hooks):
            return self(ids, **forward_kwargs)[0]

    def run_with_cache(
        self, ids: Tensor, names: Iterable[str] | None = None, **forward_kwargs: Any
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """One forward recording the activations `names` (all hooks when None), detached.
        Returns (logits, {name: tensor})."""
        cache: dict[str, Tensor] = {}

        def record(name: str) -> HookFn:
            def fn(x: Tensor) -> Tensor:
                cache[name] = x.detach()
                return x

            return fn

        names = self.hook_names if names is None else list(names)
        logits = self.run_with_hooks(ids, {n: record(n) for n in names}, **forward_kwargs)
        return logits, cache

    def W_O_head(self, layer: int, head: int) -> Tensor:
        """W_O^h [d_h, d] of one head: its z_h [.., d_h] contributes z_h @ W_O^h to the
        attention output (a view of the weight; the bias b_O is `b_O(layer)`)."""
        self._check_head(layer, head)
        dh = self.cfg.d_head
        return self.blocks[layer].attn.out.weight[:, head * dh : (head + 1) * dh].T

    def b_O(self, layer: int) -> Tensor:
        """b_O [d] of a layer's attention output (zeros when bias=False)."""
        self._check_head(layer, 0)
        bias = self.blocks[layer].attn.out.bias
        return torch.zeros_like(self.blocks[layer].attn.out.weight[:, 0]) if bias is None else bias

    def _check_head(self, layer: int, head: int) -> None:
        if not 0 <= layer < self.cfg.n_layers:
            raise ValueError(f"layer must be in [0, {self.cfg.n_layers}), got {layer}")
        if not 0 <= head < self.cfg.n_heads:
            raise ValueError(f"head must be in [0, {self.cfg.n_heads}), got {head}")
