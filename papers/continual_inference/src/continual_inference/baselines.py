"""What the CINs and SPLoRA are compared against.

- Offline sliding-window recomputation: at every step the clip network is re-run on the last
  `window` frames (the way a clip-based model serves a stream; CoX3D Sec. 1, Fig. 1).
- Fine-pruning: fine-tuning all weights of the source network with the identical iterative
  channel pruning (SPA Sec. 4's baseline), i.e. `prune_and_adapt` with no adapter (rank=None).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from continual_inference.spa import DigitsCNN, PrunedNet, prune_and_adapt


@torch.no_grad()
def sliding_window_outputs(model: nn.Module, stream: Tensor, window: int) -> Tensor:
    """model run on every window x[:, :, t - window + 1 : t + 1] of stream (B, C, T, ...).

    Returns the stacked outputs (B, ..., T - window + 1) of a model mapping one window to one
    output frame (B, classes, 1).
    """
    if stream.shape[2] < window:
        raise ValueError(
            f"stream has {stream.shape[2]} frames; it needs at least the window {window}"
        )
    outs = [model(stream[:, :, t - window + 1 : t + 1]) for t in range(window - 1, stream.shape[2])]
    return torch.cat(outs, dim=-1)


def fine_prune(source: DigitsCNN, ratio: float, data: dict[str, np.ndarray], **kwargs) -> PrunedNet:
    """Fine-tuning all weights + iterative channel pruning (the SPA paper's baseline)."""
    return prune_and_adapt(source, None, ratio, data, **kwargs)
