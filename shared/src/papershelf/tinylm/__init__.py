"""papershelf.tinylm: the small decoder-only language model every reasoning paper builds on.

Install with the extra `papershelf[lm]` (torch); `papershelf[hf]` adds transformers, tokenizers
and safetensors for `HFBackend`. Guide: docs/tinylm.md.

- `CharTokenizer`, `WordTokenizer`, `Tokenizer.load`             (tokenizers)
- `TinyGPTConfig`, `TinyGPT` (+ hooks: `run_with_cache`, `run_with_hooks`, `hooks`, `W_O_head`)
- `train_lm`                                                    (training)
- `generate`, `Sample`                                          (sampling)
- `score`, `extend`                                             (scoring, tree search)
- `save`, `load`                                                (checkpoints)
- `LMBackend`, `TinyLMBackend`, `HFBackend`, `hf_head_hooks`    (backends)
- `make_tiny_llama`                                             (test helper)
"""

from papershelf.tinylm.backends import LMBackend, TinyLMBackend
from papershelf.tinylm.checkpoint import load, save
from papershelf.tinylm.hf import HFBackend, hf_head_hooks
from papershelf.tinylm.model import KVCache, TinyGPT, TinyGPTConfig
from papershelf.tinylm.sampling import Sample, generate
from papershelf.tinylm.scoring import extend, score
from papershelf.tinylm.testing import make_tiny_llama
from papershelf.tinylm.tokenizers import CharTokenizer, Tokenizer, WordTokenizer
from papershelf.tinylm.train import train_lm

__all__ = [
    "CharTokenizer",
    "HFBackend",
    "KVCache",
    "LMBackend",
    "Sample",
    "TinyGPT",
    "TinyGPTConfig",
    "TinyLMBackend",
    "Tokenizer",
    "WordTokenizer",
    "extend",
    "generate",
    "hf_head_hooks",
    "load",
    "make_tiny_llama",
    "save",
    "score",
    "train_lm",
]
