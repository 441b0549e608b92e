"""One interface over a TinyGPT and a Hugging Face model, so that a paper's method (best-of-n,
self-consistency, verification, tree search over samples) runs unchanged on either."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from papershelf.tinylm.model import TinyGPT
from papershelf.tinylm.sampling import Sample, generate
from papershelf.tinylm.scoring import Completion, score
from papershelf.tinylm.tokenizers import Tokenizer


@runtime_checkable
class LMBackend(Protocol):
    """A language model that samples and scores text.

    generate(prompts, *, max_new_tokens, n, temperature, top_p, top_k, stop, seed, batch_size)
        -> one list of n `Sample`s per prompt, with the semantics of `sampling.generate`
    score(prompts, completions, batch_size) -> per-token completion log-probs, one array each
    tokenizer   the backend's tokenizer
    max_len     longest sequence (prompt + new tokens) the model takes
    """

    @property
    def tokenizer(self) -> Any: ...

    @property
    def max_len(self) -> int: ...

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
    ) -> list[list[Sample]]: ...

    def score(
        self, prompts: Sequence[str], completions: Sequence[Completion], batch_size: int = 256
    ) -> list[np.ndarray]: ...


class TinyLMBackend:
    """`LMBackend` over a TinyGPT and its tokenizer."""

    def __init__(self, model: TinyGPT, tok: Tokenizer) -> None:
        if tok.vocab_size != model.cfg.vocab_size:
            raise ValueError(
                f"the tokenizer has {tok.vocab_size} ids but the model {model.cfg.vocab_size}"
            )
        self.model, self._tok = model, tok

    @property
    def tokenizer(self) -> Tokenizer:
        """The TinyGPT's tokenizer."""
        return self._tok

    @property
    def max_len(self) -> int:
        """The model's `max_len`."""
        return self.model.cfg.max_len

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
        """`sampling.generate` on this model."""
        return generate(
            self.model,
            self._tok,
            prompts,
            max_new_tokens=max_new_tokens,
            n=n,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            stop=stop,
            seed=seed,
            batch_size=batch_size,
        )

    def score(
        self, prompts: Sequence[str], completions: Sequence[Completion], batch_size: int = 256
    ) -> list[np.ndarray]:
        """`scoring.score` on this model."""
        return score(self.model, self._tok, prompts, completions, batch_size)
