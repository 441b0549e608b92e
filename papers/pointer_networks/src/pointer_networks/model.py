"""Pointer Networks (Vinyals, Fortunato & Jaitly, 2015, §2.3).

An encoder LSTM reads the points P = (P_1, …, P_n); a decoder LSTM emits the output sequence
C^P = (C_1, …, C_m), each C_i an index into the input. Where a sequence-to-sequence model would
put a softmax over a fixed vocabulary, the Ptr-Net points (§2.3):

    u^i_j = vᵀ tanh(W₁ e_j + W₂ d_i)        j ∈ (0, 1, …, n)
    p(C_i | C_1, …, C_{i-1}, P) = softmax(u^i)

so the output dictionary is the input itself and grows with n. The probability of a whole
output is the chain rule of §2.1, p(C^P | P; θ) = ∏_i p(C_i | C_<i, P; θ), and training
maximises its log under teacher forcing.

Conventions shared with the baselines (`baselines.py`) and decoding (`decoding.py`):
- Output positions: 0 is the end token, j ≥ 1 is input point j-1. The Ptr-Net's end token is a
  learned encoder state e₀ placed before e_1, so pointing at it ends the output.
- The decoder is fed the coordinates of the previously pointed input, P_{C_{i-1}}, and a learned
  ⟨GO⟩ vector at the first step.
- Batches mix input lengths: points (B, n, 2) are zero-padded past each `lengths[b]`, and every
  position past a sequence's length gets probability exactly 0.
- `valid` (B, T, W) or (B, W) is an optional extra mask (a task's validity rules): the softmax
  runs over the allowed positions only, in training as in decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

State = tuple[Tensor, Tensor]  # LSTM (h, c), each (1, B, H)


class Encoder(nn.Module):
    """Encoder LSTM over linearly embedded points: e_j = LSTM(W_p P_j + b, e_{j-1})."""

    def __init__(self, hidden: int):
        super().__init__()
        self.embed = nn.Linear(2, hidden)
        self.rnn = nn.LSTM(hidden, hidden, batch_first=True)

    def forward(self, points: Tensor, lengths: Tensor) -> tuple[Tensor, State]:
        """points (B, n, 2), lengths (B,) -> e (B, n, H), zero past each length, and the
        final state at each sequence's own last point."""
        x = self.embed(points)
        if bool((lengths == points.shape[1]).all()):
            return self.rnn(x)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        e, _ = pad_packed_sequence(out, batch_first=True, total_length=points.shape[1])
        return e, state


class Decoder(nn.Module):
    """Decoder LSTM: d_i = LSTM(x_i, d_{i-1}), x_1 = ⟨GO⟩, x_i = W_d P_{C_{i-1}} + b."""

    def __init__(self, hidden: int):
        super().__init__()
        self.go = nn.Parameter(torch.zeros(hidden))
        self.embed = nn.Linear(2, hidden)
        self.rnn = nn.LSTM(hidden, hidden, batch_first=True)

    def forward(self, prev_coords: Tensor | None, state: State, batch: int) -> tuple[Tensor, State]:
        """prev_coords (B, T, 2): P_{C_{i-1}} for steps 2..T+1 after ⟨GO⟩; None = ⟨GO⟩ only.

        Returns d (B, T+1, H) and the state after the last step.
        """
        x = self.go.expand(batch, 1, -1)
        if prev_coords is not None:
            x = torch.cat([x, self.embed(prev_coords)], dim=1)
        return self.rnn(x, state)

    def step(self, prev_coords: Tensor, state: State) -> tuple[Tensor, State]:
        """One step fed P_{C_{i-1}}: prev_coords (B, 2) -> d_i (B, H)."""
        d, state = self.rnn(self.embed(prev_coords)[:, None], state)
        return d[:, 0], state


@dataclass
class Encoded:
    """Everything the decoder reads from the encoder, for one batch.

    points_ext (B, n+1, 2): the inputs with a zero row for the end token at position 0.
    memory: the tensors the output head attends or points to (each with batch first).
    state: the encoder's final LSTM state, the decoder's initial one.
    """

    points_ext: Tensor
    lengths: Tensor
    memory: dict[str, Tensor]
    state: State

    def select(self, rows: Tensor) -> Encoded:
        """The same encoding for the batch rows `rows` (to expand a batch into beams)."""
        return replace(
            self,
            points_ext=self.points_ext[rows],
            lengths=self.lengths[rows],
            memory={k: v[rows] for k, v in self.memory.items()},
            state=(self.state[0][:, rows], self.state[1][:, rows]),
        )


def padding_mask(lengths: Tensor, width: int) -> Tensor:
    """(B, W) bool: the end token (0) and positions 1..lengths[b]; False for padding."""
    return torch.arange(width, device=lengths.device)[None, :] <= lengths[:, None]


def masked_log_softmax(logits: Tensor, valid: Tensor) -> Tensor:
    """log softmax over the valid entries of the last axis; invalid entries get -inf (p = 0)."""
    return logits.masked_fill(~valid, float("-inf")).log_softmax(dim=-1)


class EncoderDecoder(nn.Module):
    """The encoder–decoder skeleton the Ptr-Net and the seq2seq baselines share.

    Subclasses choose the output head: `memory` (what the head reads from the encoder) and
    `logits` (scores over the `output_width` output positions for each decoder state d_i).
    """

    def __init__(self, hidden: int, init_scale: float = 0.08):
        super().__init__()
        self.hidden = hidden
        self.encoder = Encoder(hidden)
        self.decoder = Decoder(hidden)
        self.init_scale = init_scale

    def init_parameters(self) -> None:
        """Every weight ~ U[-0.08, 0.08], as in §4.1."""
        for p in self.parameters():
            nn.init.uniform_(p, -self.init_scale, self.init_scale)

    def output_width(self, n: int) -> int:
        """W, the number of output positions for inputs padded to n points."""
        raise NotImplementedError

    def memory(self, e: Tensor, lengths: Tensor) -> dict[str, Tensor]:
        """e (B, n, H), lengths (B,) -> the tensors `logits` reads."""
        raise NotImplementedError

    def logits(self, memory: dict[str, Tensor], d: Tensor) -> Tensor:
        """d (B, T, H) -> scores (B, T, W)."""
        raise NotImplementedError

    def check_input(self, points: Tensor, lengths: Tensor) -> None:
        if points.ndim != 3 or points.shape[-1] != 2:
            raise ValueError(f"points must have shape (B, n, 2), got {tuple(points.shape)}")
        if lengths.shape != points.shape[:1]:
            raise ValueError(f"lengths must have shape ({points.shape[0]},), got {lengths.shape}")
        if bool(((lengths < 1) | (lengths > points.shape[1])).any()):
            raise ValueError(f"lengths must lie in 1..{points.shape[1]}, got {lengths.tolist()}")

    def encode(self, points: Tensor, lengths: Tensor) -> Encoded:
        """points (B, n, 2), lengths (B,) -> the encoding the decoder reads."""
        self.check_input(points, lengths)
        e, state = self.encoder(points, lengths)
        points_ext = torch.cat([points.new_zeros(len(points), 1, 2), points], dim=1)
        return Encoded(points_ext, lengths, self.memory(e, lengths), state)

    def log_probs(
        self, points: Tensor, lengths: Tensor, targets: Tensor, valid: Tensor | None = None
    ) -> Tensor:
        """Teacher forcing: log p(C_i = · | C_<i, P) at every step, in one pass.

        points (B, n, 2), lengths (B,), targets (B, T) output positions (the last real one is
        the end token 0), valid (B, T, W) or None -> log-probabilities (B, T, W).
        """
        enc = self.encode(points, lengths)
        prev = torch.gather(enc.points_ext, 1, targets[:, :-1, None].expand(-1, -1, 2))
        d, _ = self.decoder(prev, enc.state, len(points))
        pad = padding_mask(lengths, self.output_width(points.shape[1]))[:, None, :]
        valid = pad if valid is None else valid & pad
        return masked_log_softmax(self.logits(enc.memory, d), valid)

    def log_likelihood(
        self,
        points: Tensor,
        lengths: Tensor,
        targets: Tensor,
        target_lengths: Tensor,
        valid: Tensor | None = None,
    ) -> Tensor:
        """log p(C^P | P) = Σ_i log p(C_i | C_<i, P) over each target's first target_lengths
        steps (§2.1). targets (B, T), target_lengths (B,) -> (B,)."""
        logp = self.log_probs(points, lengths, targets, valid)
        picked = torch.gather(logp, 2, targets[..., None])[..., 0]
        steps = torch.arange(targets.shape[1], device=targets.device)[None, :]
        return picked.masked_fill(steps >= target_lengths[:, None], 0.0).sum(dim=1)

    def step(
        self, enc: Encoded, prev: Tensor | None, state: State, valid: Tensor | None = None
    ) -> tuple[Tensor, State]:
        """One decoding step. prev (B,) the previous output position (None at the first
        step), valid (B, W) or None -> (log-probabilities (B, W), new state)."""
        batch = len(enc.lengths)
        if prev is None:
            d, state = self.decoder(None, state, batch)
            d = d[:, 0]
        else:
            d, state = self.decoder.step(enc.points_ext[torch.arange(batch), prev], state)
        pad = padding_mask(enc.lengths, self.output_width(enc.points_ext.shape[1] - 1))
        valid = pad if valid is None else valid & pad
        logits = self.logits(enc.memory, d[:, None])[:, 0]
        return masked_log_softmax(logits, valid), state


def additive_scores_reference(W1e: Tensor, W2d: Tensor, v: Tensor) -> Tensor:
    """u^i_j = vᵀ tanh(W₁e_j + W₂d_i), written as the paper writes it (autograd does the rest).

    W1e (B, N, H), W2d (B, T, H), v (H,) -> u (B, T, N).
    """
    return torch.tanh(W1e[:, None, :, :] + W2d[:, :, None, :]) @ v


class AdditiveScores(torch.autograd.Function):
    """The same u^i_j = vᵀ tanh(W₁e_j + W₂d_i), with a hand-written backward pass.

    The (B, T, N, H) tensor inside the tanh dominates a training step on CPU: this torch
    build's tanh kernels are not vectorised, and every fresh tensor of that size costs page
    faults. So: tanh(x) = 2σ(2x) - 1 with σ computed in place, one saved tensor s = σ(2x), and
    the gradients in closed form, with tanh'(x) = 1 - tanh²(x) = 4 s (1 - s):

        ∂u/∂v = Σ tanh(x) = 2 Σ s - 1,    ∂u/∂x = 4 s (1 - s) v

    and x's gradient summed over i for W₁e_j and over j for W₂d_i. Tested against
    `additive_scores_reference` and with `torch.autograd.gradcheck`.
    """

    @staticmethod
    def forward(ctx, W1e: Tensor, W2d: Tensor, v: Tensor) -> Tensor:
        s = torch.add(W1e[:, None, :, :], W2d[:, :, None, :]).mul_(2).sigmoid_()
        ctx.save_for_backward(s, v)
        return 2 * (s @ v) - v.sum()

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        s, v = ctx.saved_tensors
        hidden = s.shape[-1]
        grad_v = 2 * (grad.reshape(1, -1) @ s.reshape(-1, hidden))[0] - grad.sum()
        grad_x = torch.square(s).sub_(s).mul_(grad[..., None]).mul_(-4 * v)  # 4s(1-s)·g·v
        return grad_x.sum(dim=1), grad_x.sum(dim=2), grad_v


def additive_scores(W1e: Tensor, W2d: Tensor, v: Tensor) -> Tensor:
    """u^i_j = vᵀ tanh(W₁e_j + W₂d_i) for every step i and input j (fast path).

    W1e (B, N, H), W2d (B, T, H), v (H,) -> u (B, T, N).
    """
    return AdditiveScores.apply(W1e, W2d, v)


class PointerAttention(nn.Module):
    """u_j = vᵀ tanh(W₁ e_j + W₂ d_i) (§2.3): one score per encoder state."""

    def __init__(self, hidden: int):
        super().__init__()
        self.W1 = nn.Linear(hidden, hidden, bias=False)
        self.W2 = nn.Linear(hidden, hidden, bias=False)
        self.v = nn.Parameter(torch.zeros(hidden))

    def forward(self, W1e: Tensor, d: Tensor) -> Tensor:
        """W1e (B, N, H) = W₁e precomputed once per input, d (B, T, H) -> u (B, T, N)."""
        return additive_scores(W1e, self.W2(d), self.v)


class PointerNet(EncoderDecoder):
    """Ptr-Net: the attention scores u^i themselves are the output distribution (§2.3).

    W = n + 1 output positions: the learned end state e₀, then the n inputs.
    """

    def __init__(self, hidden: int = 128, init_scale: float = 0.08):
        super().__init__(hidden, init_scale)
        self.end = nn.Parameter(torch.zeros(hidden))  # e₀
        self.pointer = PointerAttention(hidden)
        self.init_parameters()

    def output_width(self, n: int) -> int:
        return n + 1

    def memory(self, e: Tensor, lengths: Tensor) -> dict[str, Tensor]:
        states = torch.cat([self.end.expand(len(e), 1, -1), e], dim=1)  # (B, n+1, H)
        return {"W1e": self.pointer.W1(states)}

    def logits(self, memory: dict[str, Tensor], d: Tensor) -> Tensor:
        return self.pointer(memory["W1e"], d)
