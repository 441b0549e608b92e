"""Test helpers: a random tiny Llama built locally, so tests of the HF path never download."""

from __future__ import annotations

import os
from pathlib import Path

from papershelf.tinylm.tokenizers import SPECIALS

TINY_LLAMA_WORDS = (
    *SPECIALS,
    *"0123456789",
    "+",
    "=",
    "the",
    "a",
    "cat",
    "dog",
    "sat",
    "on",
    "mat",
)


def make_tiny_llama(directory: str | os.PathLike, *, seed: int = 0) -> Path:
    """Save a random `LlamaForCausalLM` (hidden 32, 2 layers, 4 heads, 2 KV heads, 64 positions)
    and a `tokenizers` WordLevel tokenizer over `TINY_LLAMA_WORDS` (whitespace-split words,
    `<bos>` prepended) to `directory`; returns it. Loadable with `HFBackend.from_local`."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(TINY_LLAMA_WORDS)}
    pad, bos, eos = (vocab[s] for s in SPECIALS[:3])
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(
        single="<bos> $A", special_tokens=[("<bos>", bos)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<pad>",
        bos_token="<bos>",
        eos_token="<eos>",
        unk_token="<unk>",
    )
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        pad_token_id=pad,
        bos_token_id=bos,
        eos_token_id=eos,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    directory = Path(directory)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
