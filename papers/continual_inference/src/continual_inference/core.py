"""Continual Inference Networks (CINs): stateful modules that process a stream one frame at a time.

Every module here has two ways of running:

- `forward(x)`: the offline (clip) computation, x of shape (B, C, T, *S) with time on dim 2; it is
  exactly the torch layer the module was converted from (same functional call, same weights).
- `forward_step(x_t)`: one frame x_t of shape (B, C, *S); returns the next output frame, or `None`
  while the module is still warming up (documented, tested: no garbage before warm-up).

`forward_steps(x)` feeds a clip frame by frame and stacks the produced outputs on dim 2;
`clean_state()` forgets the stream. Three integers describe a module in time (counted in input
frames): `receptive_field` (frames one output sees), `padding` (zero frames assumed before the
stream, which become state, see below), and `delay` = receptive_field - 1 - padding (steps between
the frame that completes an output and the frame at which that output is emitted).

The continual convolution is Hedegaard & Iosifidis, "Continual 3D Convolutional Neural Networks"
(CoX3D, arXiv 2106.00050), Sec. 3.1-3.4, Eq. (2)-(4): per step the new frame is convolved with all
k_T temporal slices of the kernel at once; the completed output is the product with the oldest
slice plus the partial sums stored for it, and the other products are added to a ring buffer of
k_T - 1 partial sums. Temporal zero padding p becomes a zero-initialised state (the p virtual
zero frames before the stream contribute nothing) and shortens the delay to k_T - 1 - p; temporal
stride s emits every s-th completed output. Residual connections need their shortcut delayed to
stay aligned with the main branch (Sec. 3.3): `Residual` inserts that `Delay` itself.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence as SequenceT

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "BatchNorm",
    "Broadcast",
    "ChannelLinear",
    "CoAvgPool1d",
    "CoAvgPool2d",
    "CoAvgPool3d",
    "CoConv1d",
    "CoConv2d",
    "CoConv3d",
    "CoMaxPool1d",
    "CoMaxPool2d",
    "CoMaxPool3d",
    "CoModule",
    "Delay",
    "Linear",
    "Parallel",
    "Pointwise",
    "Reduce",
    "Residual",
    "Sequential",
    "continual",
    "crop_shortcut",
]


def _tuple(v: int | SequenceT[int], n: int, name: str) -> tuple[int, ...]:
    if isinstance(v, int):
        return (v,) * n
    v = tuple(int(a) for a in v)
    if len(v) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {v}")
    return v


class CoModule(nn.Module):
    """Base class: offline `forward`, stateful `forward_step`, and the time bookkeeping."""

    receptive_field: int = 1
    padding: int = 0
    stride: int = 1

    @property
    def delay(self) -> int:
        """Steps from the frame completing an output to the step that emits it (Eq. 4)."""
        return self.receptive_field - 1 - self.padding

    def forward_step(self, x: Tensor) -> Tensor | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward_steps(self, x: Tensor) -> Tensor | None:
        """Feed x (B, C, T, *S) frame by frame; the produced outputs stacked on dim 2, or None."""
        if x.dim() < 3:
            raise ValueError(f"forward_steps expects (B, C, T, *S), got shape {tuple(x.shape)}")
        outs = [y for t in range(x.shape[2]) if (y := self.forward_step(x[:, :, t])) is not None]
        return torch.stack(outs, dim=2) if outs else None

    def clean_state(self) -> None:
        """Forget the stream: the next step starts a new one (every stateful module inside)."""
        for m in self.modules():
            if (
                m is not self
                and isinstance(m, CoModule)
                and type(m).clean_state is not CoModule.clean_state
            ):
                m.clean_state()

    def _check_batch(self, x: Tensor) -> None:
        """A stream keeps its batch size: a change mid-stream needs `clean_state()` first."""
        b = getattr(self, "_batch", None)
        if b is None:
            self._batch = x.shape[0]
        elif b != x.shape[0]:
            raise ValueError(
                f"{type(self).__name__}: batch size changed mid-stream from {b} to {x.shape[0]}; "
                "call clean_state() before starting a stream with a new batch size"
            )


class _CoConvNd(CoModule):
    """Continual N-d convolution; dim 0 of the kernel (after channels) is time (CoX3D Eq. 2-4)."""

    _nd: int = 3

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | SequenceT[int],
        stride: int | SequenceT[int] = 1,
        padding: int | SequenceT[int] = 0,
        dilation: int | SequenceT[int] = 1,
        groups: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        n = self._nd
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.strides = _tuple(stride, n, "stride")
        if isinstance(padding, str):
            raise ValueError(f"padding must be ints (string padding {padding!r} not supported)")
        self.paddings = _tuple(padding, n, "padding")
        self.dilation = _tuple(dilation, n, "dilation")
        if self.dilation[0] != 1:
            raise NotImplementedError(
                f"temporal dilation > 1 is not supported (got dilation {self.dilation}), "
                "as in the official continual-inference library"
            )
        k_t, p_t = self.kernel_size[0], self.paddings[0]
        if not 0 <= p_t < k_t:
            raise ValueError(f"temporal padding must be in [0, k_T) = [0, {k_t}), got {p_t}")
        ref = getattr(nn, f"Conv{n}d")(
            in_channels, out_channels, self.kernel_size, self.strides, self.paddings,
            self.dilation, groups, bias,
        )  # fmt: skip
        self.weight, self.bias = ref.weight, ref.bias
        self.receptive_field, self.padding, self.stride = k_t, p_t, self.strides[0]
        self._conv = getattr(F, f"conv{n}d")
        self._spatial_conv = getattr(F, f"conv{max(n - 1, 1)}d")
        # perm[s][q]: which kernel slice i feeds ring slot q at a step whose completing slot is s
        m = max(k_t - 1, 1)
        self.register_buffer(
            "_perm",
            torch.tensor([[(s - q) % m for q in range(m)] for s in range(m)]),
            persistent=False,
        )
        self.clean_state()

    def clean_state(self) -> None:
        self._acc: Tensor | None = None  # (k_T - 1, B, C_out, *S') ring buffer of partial sums
        self._t = self.paddings[0]  # index of the next frame in the padded stream
        self._batch = None

    def forward(self, x: Tensor) -> Tensor:
        """Offline clip (B, C_in, T, *S) -> (B, C_out, T', *S'), identical to nn.ConvNd."""
        if x.dim() != self._nd + 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__}.forward expects (B, {self.in_channels}, T"
                f"{', *S' * (self._nd > 1)}) with {self._nd + 2} dims, got {tuple(x.shape)}"
            )
        return self._conv(
            x, self.weight, self.bias, self.strides, self.paddings, self.dilation, self.groups
        )

    def forward_step(self, x: Tensor) -> Tensor | None:
        """One frame (B, C_in, *S) -> (B, C_out, *S') or None (warm-up / between strides)."""
        if x.dim() != self._nd + 1 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__}.forward_step expects one frame (B, {self.in_channels}"
                f"{', *S' * (self._nd > 1)}) with {self._nd + 1} dims, got {tuple(x.shape)}"
            )
        self._check_batch(x)
        k = self.kernel_size[0]
        co = self.out_channels
        # all k_T slices in one spatial conv: (C_out, C_in/g, k, *kS) -> (C_out * k, C_in/g, *kS)
        w = self.weight.movedim(2, 1).reshape(
            co * k, *self.weight.shape[1:2], *self.weight.shape[3:]
        )
        frame = x if self._nd > 1 else x.unsqueeze(-1)
        if self._nd == 1:
            w = w.unsqueeze(-1)
        prods = self._spatial_conv(
            frame, w, None, self.strides[1:] or 1, self.paddings[1:] or 0,
            self.dilation[1:] or 1, self.groups,
        )  # fmt: skip
        prods = prods.view(x.shape[0], co, k, *prods.shape[2:]).movedim(2, 0)
        if self._nd == 1:
            prods = prods.squeeze(-1)
        if k == 1:
            y = prods[0]
        else:
            if self._acc is None:
                self._acc = prods.new_zeros((k - 1, *prods.shape[1:]))
            s = self._t % (k - 1)
            y = self._acc[s] + prods[k - 1]
            self._acc[s] = 0
            self._acc += prods.index_select(0, self._perm[s])
        j = self._t - (k - 1)  # index of the completed output in the padded stream
        self._t += 1
        if j < 0 or j % self.stride:
            return None
        if self.bias is not None:
            y = y + self.bias.view(1, -1, *([1] * (y.dim() - 2)))
        return y


class CoConv1d(_CoConvNd):
    """Continual Conv1d: input (B, C, T); a frame is (B, C)."""

    _nd = 1


class CoConv2d(_CoConvNd):
    """Continual Conv2d: input (B, C, T, S); a frame is (B, C, S) (e.g. ST-GCN's (T, V))."""

    _nd = 2


class CoConv3d(_CoConvNd):
    """Continual Conv3d: input (B, C, T, H, W); a frame is (B, C, H, W)."""

    _nd = 3


class _CoPoolNd(CoModule):
    """Continual pooling: spatial pooling per frame, then a ring buffer of the last k_T frames."""

    _nd: int = 3
    _kind: str = "avg"

    def __init__(
        self,
        kernel_size: int | SequenceT[int],
        stride: int | SequenceT[int] | None = None,
        padding: int | SequenceT[int] = 0,
    ) -> None:
        super().__init__()
        n = self._nd
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.strides = _tuple(self.kernel_size if stride is None else stride, n, "stride")
        self.paddings = _tuple(padding, n, "padding")
        k_t, p_t = self.kernel_size[0], self.paddings[0]
        if not 0 <= p_t < k_t:
            raise ValueError(f"temporal padding must be in [0, k_T) = [0, {k_t}), got {p_t}")
        self.receptive_field, self.padding, self.stride = k_t, p_t, self.strides[0]
        self._pool = getattr(F, f"{self._kind}_pool{n}d")
        self._spatial_pool = getattr(F, f"{self._kind}_pool{n - 1}d") if n > 1 else None
        self.clean_state()

    def clean_state(self) -> None:
        self._buf: Tensor | None = None  # (k_T, B, C, *S') last k_T spatially pooled frames
        self._t = self.paddings[0]
        self._batch = None

    def forward(self, x: Tensor) -> Tensor:
        """Offline (B, C, T, *S) -> (B, C, T', *S'), identical to nn.{Avg,Max}PoolNd."""
        if x.dim() != self._nd + 2:
            raise ValueError(
                f"{type(self).__name__}.forward expects {self._nd + 2} dims, got {tuple(x.shape)}"
            )
        return self._pool(x, self.kernel_size, self.strides, self.paddings)

    def forward_step(self, x: Tensor) -> Tensor | None:
        """One frame (B, C, *S) -> (B, C, *S') or None."""
        if x.dim() != self._nd + 1:
            raise ValueError(
                f"{type(self).__name__}.forward_step expects one frame with {self._nd + 1} dims "
                f"(B, C, *S), got {tuple(x.shape)}"
            )
        self._check_batch(x)
        if self._spatial_pool is not None:
            x = self._spatial_pool(x, self.kernel_size[1:], self.strides[1:], self.paddings[1:])
        k = self.kernel_size[0]
        if self._buf is None:  # the virtual padding frames: 0 (avg, counted) or -inf (max)
            fill = 0.0 if self._kind == "avg" else float("-inf")
            self._buf = x.new_full((k, *x.shape), fill)
        self._buf[self._t % k] = x
        j = self._t - (k - 1)
        self._t += 1
        if j < 0 or j % self.stride:
            return None
        return self._buf.mean(0) if self._kind == "avg" else self._buf.amax(0)


class CoAvgPool1d(_CoPoolNd):
    _nd, _kind = 1, "avg"


class CoAvgPool2d(_CoPoolNd):
    _nd, _kind = 2, "avg"


class CoAvgPool3d(_CoPoolNd):
    _nd, _kind = 3, "avg"


class CoMaxPool1d(_CoPoolNd):
    _nd, _kind = 1, "max"


class CoMaxPool2d(_CoPoolNd):
    _nd, _kind = 2, "max"


class CoMaxPool3d(_CoPoolNd):
    _nd, _kind = 3, "max"


def crop_shortcut(r: Tensor, t_out: int, phase: str) -> Tensor:
    """Offline residual alignment: the t_out frames of r (B, C, T, ...) matching a shrunk branch.

    'lagging' keeps frames [0, t_out) (frame j meets output j, the oldest frame of its window),
    'centered' keeps frames [S/2, S/2 + t_out) with S = T - t_out.
    """
    start = 0 if phase == "lagging" else (r.shape[2] - t_out) // 2
    return r[:, :, start : start + t_out]


class ChannelLinear(nn.Linear):
    """Offline nn.Linear over the channel dim (dim 1) of (B, C, T, ...); a per-frame linear head."""

    def forward(self, x: Tensor) -> Tensor:
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)


class Pointwise(CoModule):
    """A module acting on every frame independently (activations, dropout, identity)."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, x: Tensor) -> Tensor:
        return self.module(x)

    def forward_step(self, x: Tensor) -> Tensor:
        return self.module(x.unsqueeze(2)).squeeze(2)


class BatchNorm(CoModule):
    """BatchNorm; `forward_step` always normalises with the running statistics (eval mode).

    Streaming with batch statistics would make every output depend on the batch of streams (a
    pitfall of converting a train-mode network), so the step path never uses them.
    """

    def __init__(self, bn: nn.modules.batchnorm._BatchNorm) -> None:
        super().__init__()
        self.bn = bn

    def forward(self, x: Tensor) -> Tensor:
        return self.bn(x)

    def forward_step(self, x: Tensor) -> Tensor:
        if x.shape[1] != self.bn.num_features:
            raise ValueError(
                f"BatchNorm expects (B, {self.bn.num_features}, *S) frames, got {tuple(x.shape)}"
            )
        return F.batch_norm(
            x, self.bn.running_mean, self.bn.running_var, self.bn.weight, self.bn.bias,
            False, 0.0, self.bn.eps,
        )  # fmt: skip


class Linear(CoModule):
    """A linear map over the channel dim of every frame: (B, C_in, ...) -> (B, C_out, ...)."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.linear = linear

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[1] != self.linear.in_features:
            raise ValueError(
                f"Linear expects (B, {self.linear.in_features}, ...), got {tuple(x.shape)}"
            )
        return F.linear(x.movedim(1, -1), self.linear.weight, self.linear.bias).movedim(-1, 1)

    def forward_step(self, x: Tensor) -> Tensor:
        return self.forward(x)


class Delay(CoModule):
    """Delay a stream by `delay` steps with a ring buffer; `None` for the first `delay` steps.

    Offline, a delay is a crop: `forward` keeps frames [start, T - end) with `crop = (start,
    end)`, by default (0, delay): frame j is paired with the output j of an unpadded kernel of
    size delay + 1 ('lagging' alignment).
    """

    def __init__(self, delay: int, crop: tuple[int, int] | None = None) -> None:
        super().__init__()
        if delay < 0:
            raise ValueError(f"delay must be >= 0, got {delay}")
        self.receptive_field = delay + 1
        self.crop = (0, delay) if crop is None else crop
        self.clean_state()

    def clean_state(self) -> None:
        self._buf: Tensor | None = None
        self._t = 0
        self._batch = None

    def forward(self, x: Tensor) -> Tensor:
        start, end = self.crop
        return x[:, :, start : x.shape[2] - end]

    def forward_step(self, x: Tensor) -> Tensor | None:
        d = self.receptive_field - 1
        if d == 0:
            return x
        self._check_batch(x)
        if self._buf is None:
            self._buf = x.new_zeros((d, *x.shape))
        i = self._t % d
        out = self._buf[i].clone() if self._t >= d else None
        self._buf[i] = x
        self._t += 1
        return out


class Sequential(CoModule):
    """Modules in series; a step returns None as soon as one module is still warming up."""

    def __init__(self, *modules: nn.Module) -> None:
        super().__init__()
        self.layers = nn.ModuleList(continual(m) for m in modules)

    @property
    def receptive_field(self) -> int:
        rf, jump = 1, 1
        for m in self.layers:
            rf += (m.receptive_field - 1) * jump
            jump *= m.stride
        return rf

    @property
    def padding(self) -> int:
        p, jump = 0, 1
        for m in self.layers:
            p += m.padding * jump
            jump *= m.stride
        return p

    @property
    def stride(self) -> int:
        s = 1
        for m in self.layers:
            s *= m.stride
        return s

    def forward(self, x: Tensor) -> Tensor:
        for m in self.layers:
            x = m(x)
        return x

    def forward_step(self, x: Tensor) -> Tensor | None:
        for m in self.layers:
            x = m.forward_step(x)
            if x is None:
                return None
        return x


class Broadcast(CoModule):
    """One input to a list of `n` references (to feed `Parallel`)."""

    def __init__(self, n: int = 2) -> None:
        super().__init__()
        self.n = n

    def forward(self, x: Tensor) -> list[Tensor]:
        return [x] * self.n

    def forward_step(self, x: Tensor) -> list[Tensor]:
        return [x] * self.n


class Parallel(CoModule):
    """Branch i applied to input i. Every branch is stepped every step (states must advance).

    Branches must share one delay (`Delay` the faster ones), unless `check_delays=False`: then
    the step output is None until every branch emits (used by a 'centered' `Residual`).
    """

    def __init__(self, *branches: nn.Module, check_delays: bool = True) -> None:
        super().__init__()
        self.branches = nn.ModuleList(continual(b) for b in branches)
        delays = {b.delay for b in self.branches}
        if check_delays and len(delays) > 1:
            raise ValueError(f"Parallel branches must have equal delays, got {sorted(delays)}")

    @property
    def receptive_field(self) -> int:
        return max(b.receptive_field for b in self.branches)

    @property
    def padding(self) -> int:
        return self.receptive_field - 1 - self.branches[0].delay

    def forward(self, xs: list[Tensor]) -> list[Tensor]:
        return [b(x) for b, x in zip(self.branches, xs, strict=True)]

    def forward_step(self, xs: list[Tensor]) -> list[Tensor] | None:
        ys = [b.forward_step(x) for b, x in zip(self.branches, xs, strict=True)]
        return None if any(y is None for y in ys) else ys


class Reduce(CoModule):
    """Combine a list of branch outputs: 'sum', 'mul', 'max' or 'concat' (channels)."""

    def __init__(self, how: str = "sum") -> None:
        super().__init__()
        if how not in ("sum", "mul", "max", "concat"):
            raise ValueError(f"how must be 'sum', 'mul', 'max' or 'concat', got {how!r}")
        self.how = how

    def forward(self, xs: list[Tensor]) -> Tensor:
        if self.how == "concat":
            return torch.cat(xs, dim=1)
        shapes = {tuple(x.shape) for x in xs}
        if len(shapes) > 1:
            raise ValueError(f"Reduce('{self.how}') needs equal shapes, got {sorted(shapes)}")
        out = xs[0]
        for x in xs[1:]:
            out = out + x if self.how == "sum" else out * x if self.how == "mul" else out.maximum(x)
        return out

    def forward_step(self, xs: list[Tensor] | None) -> Tensor | None:
        return None if xs is None else self.forward(xs)


class Residual(Sequential):
    """y = main(x) + shortcut(x), as Broadcast -> Parallel(main, shortcut + Delay) -> Reduce.

    The shortcut is delayed by the main branch's delay so both sides refer to the same frame
    (CoX3D Sec. 3.3). When the main branch shrinks the clip offline (unpadded temporal convs,
    shrink S = receptive_field - 1 - 2 * padding frames), `phase` says which input frame is added
    to main's output j: 'lagging' = frame j (the oldest frame of the window; the official
    library's default for shrinking residuals) or 'centered' = frame j + S / 2.
    `shortcut` must be temporally pointwise (a projection or None = identity); main stride 1.
    """

    def __init__(
        self, main: nn.Module, shortcut: nn.Module | None = None, phase: str = "lagging"
    ) -> None:
        main = continual(main)
        short = continual(shortcut) if shortcut is not None else Pointwise(nn.Identity())
        if phase not in ("lagging", "centered"):
            raise ValueError(f"phase must be 'lagging' or 'centered', got {phase!r}")
        if main.stride != 1 or short.receptive_field != 1 or short.stride != 1:
            raise NotImplementedError(
                "Residual needs a temporal-stride-1 main branch and a temporally pointwise shortcut"
            )
        shrink = main.receptive_field - 1 - 2 * main.padding
        if shrink < 0:
            raise ValueError(f"main branch pads more than it shrinks (shrink {shrink})")
        if phase == "centered" and shrink % 2:
            raise ValueError(f"phase='centered' needs an even shrink, got {shrink}")
        start = 0 if phase == "lagging" else shrink // 2
        delay = Delay(main.delay - start, crop=(start, shrink - start))
        branches = Parallel(main, Sequential(short, delay), check_delays=False)
        super().__init__(Broadcast(2), branches, Reduce("sum"))
        self.phase = phase

    @property
    def receptive_field(self) -> int:
        return self.layers[1].branches[0].receptive_field

    @property
    def padding(self) -> int:
        return self.layers[1].branches[0].padding


_POINTWISE = (
    nn.ReLU, nn.SiLU, nn.GELU, nn.Sigmoid, nn.Tanh, nn.Hardswish, nn.LeakyReLU, nn.Dropout,
    nn.Dropout2d, nn.Dropout3d, nn.Identity,
)  # fmt: skip


def continual(module: nn.Module) -> CoModule:
    """Convert a torch module into its continual counterpart, copying (sharing no) weights.

    Supported: nn.Conv{1,2,3}d, nn.{Avg,Max}Pool{1,2,3}d, nn.BatchNorm{1,2,3}d, nn.Linear (over
    channels), pointwise activations / dropout / identity, nn.Sequential, any module with a
    `to_continual()` method, and CoModules (deep-copied).
    """
    if isinstance(module, CoModule):
        return copy.deepcopy(module)
    if hasattr(module, "to_continual"):
        return module.to_continual()
    for n, (conv, avg, mx) in enumerate(
        zip(
            (CoConv1d, CoConv2d, CoConv3d),
            (CoAvgPool1d, CoAvgPool2d, CoAvgPool3d),
            (CoMaxPool1d, CoMaxPool2d, CoMaxPool3d),
            strict=True,
        ),
        start=1,
    ):
        if type(module) is getattr(nn, f"Conv{n}d"):
            if module.padding_mode != "zeros":
                raise NotImplementedError(f"padding_mode {module.padding_mode!r} is not supported")
            co = conv(
                module.in_channels, module.out_channels, module.kernel_size, module.stride,
                module.padding, module.dilation, module.groups, module.bias is not None,
            )  # fmt: skip
            co.load_state_dict(module.state_dict())
            return co.to(module.weight.device, module.weight.dtype)
        if type(module) is getattr(nn, f"AvgPool{n}d"):
            if module.ceil_mode or not module.count_include_pad:
                raise NotImplementedError("AvgPool: ceil_mode / count_include_pad=False")
            return avg(module.kernel_size, module.stride, module.padding)
        if type(module) is getattr(nn, f"MaxPool{n}d"):
            if module.ceil_mode or _tuple(module.dilation, n, "dilation") != (1,) * n:
                raise NotImplementedError("MaxPool: ceil_mode / dilation are not supported")
            return mx(module.kernel_size, module.stride, module.padding)
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return BatchNorm(copy.deepcopy(module))
    if isinstance(module, nn.Linear):
        return Linear(copy.deepcopy(module))
    if isinstance(module, _POINTWISE):
        return Pointwise(copy.deepcopy(module))
    if isinstance(module, nn.Sequential):
        return Sequential(*module)
    raise TypeError(f"continual(): no continual counterpart for {type(module).__name__}")
