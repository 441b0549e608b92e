"""Hugging Face models from a local directory, behind the same `LMBackend` interface.

Nothing here touches the network: `from_local` sets HF_HUB_OFFLINE=1 and loads with
`local_files_only=True`. Generation is not `model.generate`: it is tinylm's own loop
(`sampling.sample_loop`) stepping the model over its KV cache, so temperature, top-k, top-p,
seeding, stop strings and `Sample` fields mean exactly what they mean for a TinyGPT.

Text conventions are the tokenizer's: a prompt is encoded with its special tokens (e.g. BOS), a
completion without; generation stops at the generation config's EOS ids.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from papershelf.tinylm.model import HookFn
from papershelf.tinylm.sampling import (
    Sample,
    check_prompts,
    check_sampling_args,
    check_stop,
    inference,
    sample_loop,
)
from papershelf.tinylm.scoring import Completion, completion_ids, score_loop


class HFBackend:
    """`LMBackend` over a Hugging Face causal LM (`model`) and its tokenizer (`tokenizer`)."""

    def __init__(self, model: nn.Module, tokenizer: Any) -> None:
        self.model, self._tok = model, tokenizer
        eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
        if eos is None:
            eos = tokenizer.eos_token_id
        self.eos_ids = frozenset([] if eos is None else [eos] if isinstance(eos, int) else eos)
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else min(self.eos_ids, default=0)

    @classmethod
    def from_local(
        cls,
        path: str | os.PathLike,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ) -> HFBackend:
        """Load `AutoModelForCausalLM` and `AutoTokenizer` from the local directory `path`
        (offline: HF_HUB_OFFLINE=1, local_files_only=True); FileNotFoundError if it is not one."""
        path = Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"no model directory at {path}")
        os.environ["HF_HUB_OFFLINE"] = "1"
        import huggingface_hub.constants

        # The hub reads the variable once, at import: a process that imported it earlier would
        # not see it.
        huggingface_hub.constants.HF_HUB_OFFLINE = True
        from transformers import AutoModelForCausalLM, AutoTokenizer

        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=dtype)
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        return cls(model.to(device).eval(), tokenizer)

    @property
    def tokenizer(self) -> Any:
        """The Hugging Face tokenizer."""
        return self._tok

    @property
    def max_len(self) -> int:
        """The model's `max_position_embeddings`."""
        return int(self.model.config.max_position_embeddings)

    @property
    def _device(self) -> torch.device:
        return next(self.model.parameters()).device

    def _forward(self, ids: Tensor, mask: Tensor, cache: Any = None) -> Any:
        """ids [B, T] new tokens, mask [B, S] over prefix + new -> the model's output; positions
        count real tokens, so left padding changes nothing (as in `model.generate`)."""
        pos = (mask.long().cumsum(-1) - 1).clamp(min=0)[:, -ids.shape[1] :]
        return self.model(
            input_ids=ids, attention_mask=mask, position_ids=pos, cache=cache, use_cache=True
        )

    def generate(
        self,
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
        n: int = 1,
        temperature: float = 1.0,
        top_p: float = 1.0,
        top_k: int = 0,
        stop: Sequence[str] = (),
        seed: int = 0,
        batch_size: int = 256,
    ) -> list[list[Sample]]:
        """n samples per prompt, with the semantics of `sampling.generate`."""
        check_sampling_args(n, max_new_tokens, temperature, top_p, top_k, seed, batch_size)
        stop = check_stop(stop)
        prompt_ids = []
        for i, prompt in enumerate(check_prompts(prompts)):
            ids = self._tok(prompt, add_special_tokens=True)["input_ids"]
            if not ids:
                raise ValueError(f"prompt {i} encodes to no tokens; the model needs a context")
            if len(ids) + max_new_tokens > self.max_len:
                raise ValueError(
                    f"prompt {i} has {len(ids)} tokens; plus max_new_tokens={max_new_tokens} "
                    f"that exceeds max_len={self.max_len}"
                )
            prompt_ids.append(ids)

        def step(ids: Tensor, mask: Tensor, cache: Any) -> tuple[Tensor, Any]:
            out = self._forward(ids, mask, cache)
            return out.logits[:, -1], out.cache

        with inference(self.model):
            return sample_loop(
                step,
                prompt_ids,
                n=n,
                max_new_tokens=max_new_tokens,
                temperature=temperature,
                top_p=top_p,
                top_k=top_k,
                stop=stop,
                seed=seed,
                batch_size=batch_size,
                eos_ids=self.eos_ids,
                pad_id=self.pad_id,
                decode=lambda ids: self._tok.decode(ids, skip_special_tokens=True),
                device=self._device,
            )

    def score(
        self, prompts: Sequence[str], completions: Sequence[Completion], batch_size: int = 256
    ) -> list[np.ndarray]:
        """Per-token log-probs of each completion given its prompt (teacher forcing)."""
        prompt_ids = [
            self._tok(p, add_special_tokens=True)["input_ids"] for p in check_prompts(prompts)
        ]
        comp_ids = completion_ids(
            completions,
            len(prompt_ids),
            int(self.model.config.vocab_size),
            lambda c: self._tok(c, add_special_tokens=False)["input_ids"],
        )
        pairs = list(zip(prompt_ids, comp_ids, strict=True))
        for i, (p, c) in enumerate(pairs):
            if len(p) + len(c) > self.max_len:
                raise ValueError(
                    f"pair {i} has {len(p)} + {len(c)} tokens > max_len={self.max_len}"
                )
        with inference(self.model):
            return score_loop(
                lambda ids, mask: self._forward(ids, mask).logits,
                pairs,
                batch_size,
                self.pad_id,
                self._device,
            )


def _attention_modules(model: nn.Module) -> list[nn.Module]:
    """The `self_attn` module of every decoder layer of a Llama-style model."""
    base = getattr(model, "model", model)
    layers = getattr(base, "layers", None)
    if layers is None or not all(hasattr(getattr(x, "self_attn", None), "o_proj") for x in layers):
        raise TypeError(
            f"{type(model).__name__} is not Llama-style: expected model.layers[i].self_attn.o_proj"
        )
    return [layer.self_attn for layer in layers]


@contextmanager
def hf_head_hooks(
    model: nn.Module, fwd_hooks: Mapping[str, HookFn] | None = None
) -> Iterator[dict[str, Tensor]]:
    """Per-head attention outputs z [B, T, H, d_h] of a Llama-style HF model, read at the input
    of each layer's `self_attn.o_proj` (whose output is Σ_h z_h W_O^h).

    Yields a dict filled on every forward inside the `with` block: "blocks.{l}.attn.hook_z" ->
    z (detached). `fwd_hooks` {that name: fn(z) -> z} replace z before `o_proj`, as
    `TinyGPT.run_with_hooks` does (patching, ablation).
    """
    attns = _attention_modules(model)
    names = [f"blocks.{i}.attn.hook_z" for i in range(len(attns))]
    fwd_hooks = dict(fwd_hooks or {})
    unknown = sorted(set(fwd_hooks) - set(names))
    if unknown:
        raise ValueError(f"unknown hook names {unknown}; expected blocks.{{l}}.attn.hook_z")
    cfg = model.config
    H = cfg.num_attention_heads
    dh = getattr(cfg, "head_dim", None) or cfg.hidden_size // H
    cache: dict[str, Tensor] = {}

    def pre_hook(name: str) -> Callable[[nn.Module, tuple], tuple | None]:
        def fn(module: nn.Module, args: tuple) -> tuple | None:
            x = args[0]
            z = x.view(*x.shape[:-1], H, dh)
            cache[name] = z.detach()
            if name in fwd_hooks:
                z = fwd_hooks[name](z)
                return (z.reshape(x.shape), *args[1:])
            return None

        return fn

    handles = [
        attn.o_proj.register_forward_pre_hook(pre_hook(name))
        for attn, name in zip(attns, names, strict=True)
    ]
    try:
        yield cache
    finally:
        for handle in handles:
            handle.remove()
