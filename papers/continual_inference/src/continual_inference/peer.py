"""The official `continual-inference` library (import `continual`) as a side-by-side peer.

Only for comparison: nothing else in this package imports it, and it is imported lazily here
(install the `peer` extra). `to_peer(module)` rebuilds one of our continual networks from the
peer's modules with identical weights.
"""

from __future__ import annotations

import copy

from torch import nn

from continual_inference.core import (
    BatchNorm,
    CoAvgPool3d,
    CoConv3d,
    Linear,
    Pointwise,
    Residual,
    Sequential,
)


def peer_available() -> bool:
    """True when the official library can be imported."""
    try:
        import continual  # noqa: F401
    except ImportError:
        return False
    return True


def to_peer(module: nn.Module) -> nn.Module:
    """The peer's equivalent of our continual `module` (CoX3D building blocks), same weights."""
    import continual as co

    if isinstance(module, Residual):
        main, short = module.layers[1].branches
        delay = short.layers[-1]
        shortcut = co.Sequential(
            to_peer(short.layers[0]),
            co.Delay(delay.receptive_field - 1, auto_shrink=module.phase),
        )
        return co.BroadcastReduce(shortcut, to_peer(main), reduce="sum", auto_delay=False)
    if isinstance(module, Sequential):
        return co.Sequential(*(to_peer(m) for m in module.layers))
    if isinstance(module, CoConv3d):
        peer = co.Conv3d(
            module.in_channels, module.out_channels, module.kernel_size, module.strides,
            module.paddings, module.dilation, module.groups, module.bias is not None,
        )  # fmt: skip
        peer.load_state_dict(
            {k: v for k, v in module.state_dict().items() if k in ("weight", "bias")}
        )
        return peer
    if isinstance(module, BatchNorm):
        return co.continual(copy.deepcopy(module.bn))
    if isinstance(module, Pointwise):
        if isinstance(module.module, nn.Identity):
            return co.Identity()
        return co.continual(copy.deepcopy(module.module))
    if isinstance(module, CoAvgPool3d):
        return co.AvgPool3d(module.kernel_size, module.strides, module.paddings)
    if isinstance(module, Linear):
        peer = co.Linear(module.linear.in_features, module.linear.out_features, channel_dim=1)
        peer.load_state_dict(module.linear.state_dict())
        return peer
    raise TypeError(f"to_peer: no peer counterpart for {type(module).__name__}")
