"""The paper's baselines (§2.1, §2.2, §4.2): sequence-to-sequence models whose output is a
softmax over a fixed dictionary of index classes 0..n_max (0 = end, j = input point j-1).

Both share the Ptr-Net's encoder, decoder, inputs and training; only the output head differs.
Because the dictionary is fixed when the model is built, they cannot answer for n > n_max
inputs: asking raises a `ValueError` instead of silently truncating.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from pointer_networks.model import EncoderDecoder, additive_scores


class FixedVocabulary(EncoderDecoder):
    """An encoder–decoder whose output dictionary is fixed to the classes 0..n_max."""

    def __init__(self, hidden: int, n_max: int, init_scale: float = 0.08):
        super().__init__(hidden, init_scale)
        self.n_max = n_max

    def output_width(self, n: int) -> int:
        return self.n_max + 1

    def check_input(self, points: Tensor, lengths: Tensor) -> None:
        super().check_input(points, lengths)
        n = int(lengths.max())
        if n > self.n_max:
            raise ValueError(
                f"n={n} exceeds n_max={self.n_max}: this seq2seq baseline has a fixed output "
                f"vocabulary of index classes 0..{self.n_max} and cannot point past it"
            )


class Seq2SeqAttention(FixedVocabulary):
    """Seq2seq with content-based input attention (§2.2; Bahdanau et al., 2015):

        u^i_j = vᵀ tanh(W₁ e_j + W₂ d_i),  a^i = softmax(u^i),  d'_i = Σ_j a^i_j e_j

    and the class scores are a linear map of the concatenation [d_i; d'_i], as in §2.2.
    """

    def __init__(self, hidden: int = 128, n_max: int = 10, init_scale: float = 0.08):
        super().__init__(hidden, n_max, init_scale)
        self.W1 = nn.Linear(hidden, hidden, bias=False)
        self.W2 = nn.Linear(hidden, hidden, bias=False)
        self.v = nn.Parameter(torch.zeros(hidden))
        self.out = nn.Linear(2 * hidden, n_max + 1)
        self.init_parameters()

    def memory(self, e: Tensor, lengths: Tensor) -> dict[str, Tensor]:
        real = torch.arange(e.shape[1], device=e.device)[None, :] < lengths[:, None]
        return {"e": e, "W1e": self.W1(e), "real": real}

    def logits(self, memory: dict[str, Tensor], d: Tensor) -> Tensor:
        u = additive_scores(memory["W1e"], self.W2(d), self.v)  # (B, T, n)
        a = u.masked_fill(~memory["real"][:, None], float("-inf")).softmax(dim=-1)  # (B, T, n)
        context = a @ memory["e"]  # d'_i, (B, T, H)
        return self.out(torch.cat([d, context], dim=-1))


class Seq2Seq(FixedVocabulary):
    """Plain seq2seq (§2.1; Sutskever et al., 2014): class scores from d_i alone."""

    def __init__(self, hidden: int = 128, n_max: int = 10, init_scale: float = 0.08):
        super().__init__(hidden, n_max, init_scale)
        self.out = nn.Linear(hidden, n_max + 1)
        self.init_parameters()

    def memory(self, e: Tensor, lengths: Tensor) -> dict[str, Tensor]:
        return {}

    def logits(self, memory: dict[str, Tensor], d: Tensor) -> Tensor:
        return self.out(d)
