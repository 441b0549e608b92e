"""The three networks, each an offline (clip) torch model with a `to_continual()` twin.

The offline models are plain torch modules (nn.Conv3d, nn.BatchNorm3d, ...); `continual(model)`
builds the CIN with copied weights. `temporal_padding=True` is the clip network as trained (every
layer keeps T frames); `temporal_padding=False` is its unpadded twin with the same weights, which
is exactly what the continual network computes on a sliding window (CoX3D Sec. 3.4: zero padding
would become state, so the CIN drops it and the clip shrinks instead).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from continual_inference.attention import CoEncoderLayer, RecyclingPositionalEncoding
from continual_inference.core import (
    ChannelLinear,
    CoModule,
    Residual,
    Sequential,
    continual,
    crop_shortcut,
)
from continual_inference.graph import GraphConv, spatial_partitions


class _ResidualBlock(nn.Module):
    """relu(main(x) + shortcut(x)), the shortcut cropped offline when main shrinks the clip."""

    def __init__(self, main: nn.Module, shortcut: nn.Module | None, phase: str) -> None:
        super().__init__()
        self.main, self.shortcut, self.phase = main, shortcut, phase
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        y = self.main(x)
        r = x if self.shortcut is None else self.shortcut(x)
        return self.relu(y + crop_shortcut(r, y.shape[2], self.phase))

    def to_continual(self) -> CoModule:
        return Sequential(Residual(self.main, self.shortcut, self.phase), self.relu)


class X3DBottleneck(_ResidualBlock):
    """X3D bottleneck: 1x1x1 expand, depthwise 3x3x3 (spatial stride s) + SiLU, 1x1x1 project."""

    def __init__(
        self, c_in: int, c_out: int, expand: int, stride: int, temporal_padding: bool, phase: str
    ) -> None:
        p = 1 if temporal_padding else 0
        main = nn.Sequential(
            nn.Conv3d(c_in, expand, 1, bias=False),
            nn.BatchNorm3d(expand),
            nn.ReLU(),
            nn.Conv3d(expand, expand, 3, (1, stride, stride), (p, 1, 1), groups=expand, bias=False),
            nn.BatchNorm3d(expand),
            nn.SiLU(),
            nn.Conv3d(expand, c_out, 1, bias=False),
            nn.BatchNorm3d(c_out),
        )
        shortcut = None
        if c_in != c_out or stride != 1:
            shortcut = nn.Sequential(
                nn.Conv3d(c_in, c_out, 1, (1, stride, stride), bias=False), nn.BatchNorm3d(c_out)
            )
        super().__init__(main, shortcut, phase)


class X3DLite(nn.Module):
    """CoX3D-lite's clip network: (B, 1, T, 64, 64) -> logits (B, classes, T_out).

    Stem: 1x3x3 conv (spatial stride 2) + depthwise 5x1x1 temporal conv; four bottlenecks
    (24-24-48-96, spatial strides 2-2-1-2); 1x1x1 conv to 192; global average pool over
    (T_pool, 4, 4); linear head. With padding T_pool = T; unpadded T_pool = T - 12.
    """

    def __init__(
        self,
        num_classes: int = 5,
        clip: int = 16,
        size: int = 64,
        width: int = 24,
        temporal_padding: bool = True,
        phase: str = "lagging",
    ) -> None:
        super().__init__()
        p = temporal_padding
        w = width
        blocks = [(w, w, int(2.25 * w), 2), (w, 2 * w, int(4.5 * w), 2)]
        blocks += [(2 * w, 2 * w, int(4.5 * w), 1), (2 * w, 4 * w, int(9 * w), 2)]
        self.shrink = 0 if p else 4 + 2 * len(blocks)
        if clip - self.shrink < 1:
            raise ValueError(f"clip must be > {self.shrink} frames unpadded, got {clip}")
        spatial = size // 2 // 2 // 2 // 2
        self.net = nn.Sequential(
            nn.Conv3d(1, w, (1, 3, 3), (1, 2, 2), (0, 1, 1), bias=False),
            nn.Conv3d(w, w, (5, 1, 1), 1, (2 * p, 0, 0), groups=w, bias=False),
            nn.BatchNorm3d(w),
            nn.ReLU(),
            *(X3DBottleneck(ci, co, e, s, p, phase) for ci, co, e, s in blocks),
            nn.Conv3d(4 * w, 8 * w, 1, bias=False),
            nn.BatchNorm3d(8 * w),
            nn.ReLU(),
            nn.AvgPool3d((clip - self.shrink, spatial, spatial), stride=1),
            ChannelLinear(8 * w, num_classes),
        )
        self.clip = clip

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 5 or x.shape[1] != 1:
            raise ValueError(f"X3DLite expects (B, 1, T, H, W), got {tuple(x.shape)}")
        return self.net(x).flatten(3).squeeze(-1)  # (B, classes, T_out)

    def to_continual(self) -> CoModule:
        return continual(self.net)


class STGCNBlock(_ResidualBlock):
    """ST-GCN block: GraphConv, then BN-ReLU-Conv(9x1)-BN-Dropout, residual, ReLU."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        partitions: Tensor,
        kernel_t: int,
        temporal_padding: bool,
        phase: str,
    ) -> None:
        p = kernel_t // 2 if temporal_padding else 0
        main = nn.Sequential(
            GraphConv(c_in, c_out, partitions),
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, (kernel_t, 1), 1, (p, 0)),
            nn.BatchNorm2d(c_out),
            nn.Dropout(0.0),
        )
        shortcut = None
        if c_in != c_out:
            shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1), nn.BatchNorm2d(c_out))
        super().__init__(main, shortcut, phase)


class STGCNLite(nn.Module):
    """CoST-GCN-lite's clip network: (B, 3, T, 25) -> logits (B, classes, T_out).

    Input BatchNorm, four ST-GCN blocks (32-32-64-64, temporal kernel 9), global average pool
    over (T_pool, V), linear head. T_pool = T padded, T - 32 unpadded.
    """

    def __init__(
        self,
        num_classes: int = 6,
        window: int = 64,
        channels: tuple[int, ...] = (32, 32, 64, 64),
        kernel_t: int = 9,
        temporal_padding: bool = True,
        phase: str = "lagging",
    ) -> None:
        super().__init__()
        a = torch.as_tensor(spatial_partitions(), dtype=torch.get_default_dtype())
        v = a.shape[-1]
        self.shrink = 0 if temporal_padding else (kernel_t - 1) * len(channels)
        if window - self.shrink < 1:
            raise ValueError(f"window must be > {self.shrink} frames unpadded, got {window}")
        cs = (3, *channels)
        self.net = nn.Sequential(
            nn.BatchNorm2d(3),
            *(
                STGCNBlock(cs[i], cs[i + 1], a, kernel_t, temporal_padding, phase)
                for i in range(len(channels))
            ),
            nn.AvgPool2d((window - self.shrink, v), stride=1),
            ChannelLinear(channels[-1], num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[3] != 25:
            raise ValueError(f"STGCNLite expects (B, 3, T, 25), got {tuple(x.shape)}")
        return self.net(x).squeeze(-1)  # (B, classes, T_out)

    def to_continual(self) -> CoModule:
        return continual(self.net)


class TransformerClassifier(nn.Module):
    """Offline encoder over a window of n feature tokens; classifies the newest token.

    x (B, n, F) -> Linear(F, d) + recycling PE -> `layers` post-norm encoder layers (4 heads, FFN
    4d) -> Linear(d, classes) on the last token: logits (B, classes).
    """

    def __init__(
        self, in_features: int = 64, d: int = 128, heads: int = 4, window: int = 64,
        layers: int = 1, num_classes: int = 5,
    ) -> None:  # fmt: skip
        super().__init__()
        self.window = window
        self.embed = nn.Linear(in_features, d)
        self.pe = RecyclingPositionalEncoding(d, window)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, batch_first=True)
            for _ in range(layers)
        )
        self.head = nn.Linear(d, num_classes)

    def forward(self, x: Tensor, offset: int | Tensor = 0, explicit: bool = False) -> Tensor:
        """`offset`: absolute position of x's first token; explicit=True: matmul attention."""
        from continual_inference.attention import explicit_encoder_layer

        if x.dim() != 3 or x.shape[1] != self.window or x.shape[2] != self.embed.in_features:
            raise ValueError(
                f"TransformerClassifier expects (B, {self.window}, {self.embed.in_features}), "
                f"got {tuple(x.shape)}"
            )
        h = self.pe(self.embed(x), offset)
        for layer in self.layers:
            h = explicit_encoder_layer(layer, h) if explicit else layer(h)
        return self.head(h[:, -1])

    def to_continual(self) -> ContinualTransformer:
        return ContinualTransformer(self)


class ContinualTransformer(CoModule):
    """The CIN of `TransformerClassifier`: one feature token (B, F) per step -> logits or None.

    One layer: single-output. Several: retroactive layers, then a single-output last layer
    (Continual Transformers Sec. 3.3): the last layer sees every updated output of the layer
    before it, so only the first layer can stream its keys and values.
    """

    def __init__(self, model: TransformerClassifier) -> None:
        super().__init__()
        import copy

        self.embed, self.pe, self.head = (
            copy.deepcopy(m) for m in (model.embed, model.pe, model.head)
        )
        k = len(model.layers)
        self.layers = nn.ModuleList(
            CoEncoderLayer(layer, model.window, "single" if i == k - 1 else "retroactive")
            for i, layer in enumerate(model.layers)
        )
        self.receptive_field = model.window
        self.clean_state()

    def clean_state(self) -> None:
        super().clean_state()
        self._t = 0

    def forward(self, x: Tensor, offset: int | Tensor = 0) -> Tensor:
        h = self.pe(self.embed(x), offset)
        for layer in self.layers:
            h = layer(h)
        return self.head(h)

    def forward_step(self, x: Tensor) -> Tensor | None:
        h = self.embed(x) + self.pe.pe[self._t % self.pe.window]
        self._t += 1
        for layer in self.layers:
            h = layer.forward_step(h)
            if h is None:
                return None
        return self.head(h)

    def forward_steps(self, x: Tensor) -> Tensor | None:
        """Tokens (B, T, F) -> logits (B, T_out, classes) or None."""
        outs = [y for t in range(x.shape[1]) if (y := self.forward_step(x[:, t])) is not None]
        return torch.stack(outs, dim=1) if outs else None
