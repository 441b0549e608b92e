"""Presets and the experiment behind `python -m continual_inference reproduce`.

Stages (each resumable with --resume):

- `exact`: tiny exactness checks (CoConv3d with padding/stride, a Residual with a delayed
  shortcut, single-output and retroactive attention against nn.MultiheadAttention).
- `x3d`: train CoX3D-lite's clip network (temporally padded, as X3D is trained) on moving-shapes
  clips, convert its weights, stream a video; exactness vs the unpadded twin (and vs the padded
  twin where both are defined), FLOPs per prediction (analytic and FlopCounterMode) vs the padded
  and the unpadded clip network, interleaved wall time at batch 1, and, when the official
  `continual` library is importable, the same network rebuilt from it side by side.
- `transformer`: 1-layer (single-output) and 2-layer (retroactive -> single-output) continual
  encoders on AR(1) token streams: exactness (fp32, fp64), FLOPs per prediction.
- `stgcn`: CoST-GCN-lite on NTU-graph skeleton streams: exactness, FLOPs per prediction.
- `spa` (full only): SPLoRA vs fine-pruning on digits 5-9 from a 0-4 source, 3 pruning levels,
  seeds, learned parameters, and fused-vs-adapter outputs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import papershelf
from continual_inference import flops
from continual_inference.attention import RetroactiveAttention, SingleOutputAttention
from continual_inference.baselines import fine_prune, sliding_window_outputs
from continual_inference.core import Residual, continual
from continual_inference.data import (
    digits_transfer,
    moving_shapes,
    shape_clips,
    skeleton_stream,
    token_process,
    token_stream,
)
from continual_inference.models import STGCNLite, TransformerClassifier, X3DLite
from continual_inference.peer import peer_available, to_peer
from continual_inference.spa import DigitsCNN, accuracy, prune_and_adapt, train
from papershelf.plotting import figure, save_png


@dataclass(frozen=True)
class Config:
    streams: bool  # run the x3d / transformer / stgcn stages
    x3d_clips: int  # training clips (16 frames) for one pass
    x3d_epochs: int
    x3d_stream: int  # streamed frames
    stgcn_windows: int
    stgcn_epochs: int
    stgcn_stream: int
    tr_windows: int
    tr_epochs: int
    tr_stream: int
    timing_repeats: int
    timing_steps: int  # predictions per timed call
    spa: bool
    spa_seeds: tuple[int, ...] = (0, 1, 2)
    spa_ratios: tuple[float, ...] = (0.5, 0.7, 0.9)
    spa_rank: int = 4
    spa_criteria: tuple[str, ...] = ("l1", "taylor")
    threads: int = 1


PRESETS = {
    "smoke": Config(False, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, False),
    "quick": Config(True, 192, 1, 200, 128, 2, 160, 384, 2, 300, 7, 10, False),
    # full: the same streaming experiments with longer training (so that predictions vary and
    # top-1 agreement is informative), plus SPA
    "full": Config(True, 768, 2, 200, 256, 3, 160, 384, 2, 300, 7, 10, True),
}


def _max_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).detach().abs().max())


# ------------------------------------------------------------------------------------ exact


def exactness_checks(seed: int) -> dict:
    """fp64 exactness of the building blocks on tiny shapes (the smoke preset)."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    conv = nn.Conv3d(3, 4, (3, 3, 3), (2, 1, 2), (1, 1, 0)).double()
    co = continual(conv)
    x = torch.randn(2, 3, 11, 6, 6, generator=g, dtype=torch.float64)
    y = co.forward_steps(x)
    out["conv3d_max_abs_err"] = _max_err(y, conv(x)[:, :, : y.shape[2]])
    main = nn.Sequential(
        nn.Conv3d(4, 4, (3, 1, 1)), nn.ReLU(), nn.Conv3d(4, 4, (3, 3, 3), 1, (0, 1, 1))
    )
    res = Residual(main.double(), phase="lagging")
    x = torch.randn(2, 4, 12, 5, 5, generator=g, dtype=torch.float64)
    y = res.forward_steps(x)
    ref = main(x) + x[:, :, : x.shape[2] - 4]
    out["residual_max_abs_err"] = _max_err(y, ref)
    out["residual_shortcut_delay"] = res.layers[1].branches[1].layers[-1].delay
    mha = nn.MultiheadAttention(16, 2, batch_first=True).double()
    tokens = torch.randn(2, 14, 16, generator=g, dtype=torch.float64)
    n = 6
    so, ra = SingleOutputAttention(mha, n), RetroactiveAttention(mha, n)
    s_err = r_err = 0.0
    with torch.no_grad():
        for t in range(tokens.shape[1]):
            a, b = so.forward_step(tokens[:, t]), ra.forward_step(tokens[:, t])
            if t >= n - 1:
                win = tokens[:, t - n + 1 : t + 1]
                full = mha(win, win, win, need_weights=False)[0]
                s_err = max(s_err, _max_err(a, full[:, -1]))
                r_err = max(r_err, _max_err(b, full))
    out["single_output_attn_max_abs_err"] = s_err
    out["retroactive_attn_max_abs_err"] = r_err
    return out


# -------------------------------------------------------------------------------------- x3d


def _train_classifier(model, batches, epochs: int, lr: float, seed: int) -> float:
    """Adam on cross-entropy; `batches()` yields (x, y); returns the last epoch's mean loss."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    torch.manual_seed(seed)
    model.train()
    loss_sum = n = 0.0
    for _ in range(epochs):
        loss_sum = n = 0.0
        for x, y in batches():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            loss_sum, n = loss_sum + loss.item(), n + 1
    model.eval()
    return loss_sum / max(n, 1)


def _flops_block(offline_padded, offline_unpadded, co_model, clip, frame, warm) -> dict:
    """Analytic and FlopCounterMode MACs: padded / unpadded clip network vs one continual step."""
    with torch.no_grad():
        co_model.clean_state()
        co_model.forward_steps(warm)
        step_a = flops.step_macs(co_model, frame)
        step_m = flops.measured_macs(lambda: co_model.forward_step(frame))
        pad_a = flops.clip_macs(offline_padded, clip)
        pad_m = flops.measured_macs(lambda: offline_padded(clip))
        unp_a = flops.clip_macs(offline_unpadded, clip)
        unp_m = flops.measured_macs(lambda: offline_unpadded(clip))
    return {
        "offline_padded_macs": pad_a,
        "offline_unpadded_macs": unp_a,
        "continual_step_macs": step_a,
        "analytic_equals_counter": float(pad_a == pad_m and unp_a == unp_m and step_a == step_m),
        "ratio_padded": pad_a / step_a,
        "ratio_unpadded": unp_a / step_a,
    }


def x3d_stage(config: Config, ctx: papershelf.RunContext) -> dict:
    rng = np.random.default_rng(ctx.seed)
    clip = 16
    padded = X3DLite(clip=clip, temporal_padding=True)
    xs, ys = shape_clips(rng, config.x3d_clips, clip)
    xs, ys = torch.as_tensor(xs), torch.as_tensor(ys)

    def batches():
        for idx in ctx.progress(torch.randperm(len(xs)).split(8), desc="x3d train"):
            yield xs[idx], ys[idx]

    loss = _train_classifier(_Squeeze(padded), batches, config.x3d_epochs, 3e-3, ctx.seed)
    padded.eval()
    unpadded = X3DLite(clip=clip, temporal_padding=False).eval()
    unpadded.load_state_dict(padded.state_dict())
    co = continual(unpadded).eval()

    video, labels = moving_shapes(rng, config.x3d_stream)
    stream = torch.as_tensor(video)[None, None]  # (1, 1, T, 64, 64)
    with torch.no_grad():
        co_out = co.forward_steps(stream).flatten(2)  # (1, classes, T - 15)
        ref = sliding_window_outputs(unpadded, stream, clip)
        clip_out = sliding_window_outputs(padded, stream, clip)
        # fp64 copies: the same comparison without float32 rounding
        un64 = X3DLite(clip=clip, temporal_padding=False).double().eval()
        un64.load_state_dict(unpadded.state_dict())
        co64 = continual(un64).eval()
        err64 = _max_err(co64.forward_steps(stream.double()).flatten(2), un64(stream.double()))
        # the padded twin: zero state = left padding; equal wherever no right padding is used
        co_pad = continual(padded).eval()
        pad_steps = co_pad.forward_steps(stream).flatten(2)
        pad_ref = padded.net(stream).flatten(3).squeeze(-1)
        k = pad_steps.shape[2]
        pad_err = _max_err(pad_steps, pad_ref[..., :k])
    target = torch.as_tensor(labels[clip - 1 :])
    metrics = {
        "train_loss": loss,
        "delay": co.delay,
        "receptive_field": co.receptive_field,
        "exact_max_abs_err": _max_err(co_out, ref),
        "exact_max_abs_err_fp64": err64,
        "padded_twin_max_abs_err": pad_err,
        "padded_twin_frames_compared": k,
        "top1_agreement": float((co_out.argmax(1) == ref.argmax(1)).float().mean()),
        "pred_classes_used": len(co_out.argmax(1).unique()),
        "acc": {
            "continual": float((co_out.argmax(1)[0] == target).float().mean()),
            "offline_unpadded": float((ref.argmax(1)[0] == target).float().mean()),
            "offline_padded_clip": float((clip_out.argmax(1)[0] == target).float().mean()),
        },
    }
    frame = stream[:, :, 0]
    metrics["flops"] = _flops_block(
        padded, unpadded, co, stream[:, :, :clip], frame, stream[:, :, :clip]
    )
    metrics["wall"] = _x3d_wall(config, padded, unpadded, co, stream)
    metrics["peer"] = _x3d_peer(config, co, stream)
    return metrics


class _Squeeze(nn.Module):
    """(B, classes, 1) -> (B, classes): one prediction per training clip."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)[..., -1]


def _stepper(model, frames: list[torch.Tensor]):
    """A timing callable: `model.forward_step` over `frames` (each [B, C, H, W]), no autograd."""

    def run() -> None:
        with torch.inference_mode():
            for f in frames:
                model.forward_step(f)

    return run


def _x3d_wall(config, padded, unpadded, co, stream) -> dict:
    """Interleaved median wall time per prediction at batch 1, one thread."""
    steps, clip = config.timing_steps, padded.clip
    frames = [stream[:, :, t] for t in range(steps)]
    clips = [stream[:, :, t : t + clip] for t in range(steps)]

    def offline(model):
        def run():
            with torch.inference_mode():
                for c in clips:
                    model(c)

        return run

    with torch.inference_mode():
        co.clean_state()
        co.forward_steps(stream[:, :, :clip])
    res = papershelf.compare(
        {
            "offline_padded": offline(padded),
            "offline_unpadded": offline(unpadded),
            "continual": _stepper(co, frames),
        },
        repeats=config.timing_repeats,
        warmup=1,
        baseline="offline_padded",
    )
    ms = {k: 1e3 * v["median_s"] / steps for k, v in res.items()}
    return {
        "offline_padded_ms": ms["offline_padded"],
        "offline_unpadded_ms": ms["offline_unpadded"],
        "continual_ms": ms["continual"],
        "speedup": res["continual"]["speedup_vs_offline_padded"],
        "speedup_vs_unpadded": ms["offline_unpadded"] / ms["continual"],
        "batch": 1,
    }


def _x3d_peer(config, co, stream) -> dict:
    """Our CoX3D-lite vs the same network built from the official library (if importable)."""
    if not peer_available():
        return {"available": 0.0}
    peer = to_peer(co).eval()
    with torch.inference_mode():
        co.clean_state()
        ours = co.forward_steps(stream)
        theirs = peer.forward_steps(stream)
    theirs = theirs[:, :, -ours.shape[2] :]
    steps = config.timing_steps
    frames = [stream[:, :, t] for t in range(steps)]

    res = papershelf.compare(
        {"ours": _stepper(co, frames), "peer": _stepper(peer, frames)},
        repeats=config.timing_repeats,
        warmup=1,
        baseline="peer",
    )
    ours_ms, peer_ms = (1e3 * res[k]["median_s"] / steps for k in ("ours", "peer"))
    return {
        "available": 1.0,
        "max_abs_err": _max_err(ours.flatten(2), theirs.flatten(2)),
        "ours_ms": ours_ms,
        "peer_ms": peer_ms,
        "time_ratio": ours_ms / peer_ms,
    }


# ------------------------------------------------------------------------------ transformer


def transformer_stage(config: Config, ctx: papershelf.RunContext) -> dict:
    rng = np.random.default_rng(ctx.seed + 1)
    n, d, classes, feat = 64, 128, 5, 64
    proc = token_process(rng, classes, feat)
    train_x, train_y = token_stream(rng, proc, config.tr_windows * 8 + n)
    starts = rng.integers(0, len(train_x) - n, config.tr_windows)
    wx = torch.as_tensor(np.stack([train_x[s : s + n] for s in starts]))
    wy = torch.as_tensor(train_y[starts + n - 1])
    test_x, test_y = token_stream(rng, proc, config.tr_stream)
    stream = torch.as_tensor(test_x)[None]
    out = {}
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # FlopCounterMode counts 0 on the fast path
    try:
        for layers in (1, 2):
            torch.manual_seed(ctx.seed + layers)
            model = TransformerClassifier(feat, d, 4, n, layers, classes)
            offsets = torch.as_tensor(rng.integers(0, n, config.tr_windows))  # random circular PE

            def batches(offsets=offsets, desc=f"tr{layers} train"):
                for idx in ctx.progress(torch.randperm(len(wx)).split(32), desc=desc):
                    yield (wx[idx], offsets[idx]), wy[idx]

            loss = _train_classifier(_TupleIn(model), batches, config.tr_epochs, 1e-3, ctx.seed)
            co = model.to_continual().eval()
            with torch.no_grad():
                steps = co.forward_steps(stream)[0]  # (T - n + 1, classes)
                ref = torch.stack(
                    [
                        model(stream[:, t - n + 1 : t + 1], t - n + 1)[0]
                        for t in range(n - 1, stream.shape[1])
                    ]
                )
                m64 = TransformerClassifier(feat, d, 4, n, layers, classes).double().eval()
                m64.load_state_dict(model.state_dict())
                s64 = stream.double()
                steps64 = m64.to_continual().forward_steps(s64)[0]
                ref64 = torch.stack(
                    [
                        m64(s64[:, t - n + 1 : t + 1], t - n + 1)[0]
                        for t in range(n - 1, s64.shape[1])
                    ]
                )
                co.clean_state()
                co.forward_steps(stream[:, : n + 3])
                tok = stream[:, 0]
                step_m = flops.measured_macs(lambda co=co, tok=tok: co.forward_step(tok))
                off_m = flops.measured_macs(
                    lambda model=model: model(stream[:, :n], 0, explicit=True)
                )
            step_a = flops.transformer_macs(n, d, 4 * d, layers, feat, classes, True)
            off_a = flops.transformer_macs(n, d, 4 * d, layers, feat, classes, False)
            target = torch.as_tensor(test_y[n - 1 :])
            out[f"l{layers}"] = {
                "train_loss": loss,
                "exact_max_abs_err": _max_err(steps, ref),
                "exact_max_abs_err_fp64": _max_err(steps64, ref64),
                "top1_agreement": float((steps.argmax(1) == ref.argmax(1)).float().mean()),
                "pred_classes_used": len(steps.argmax(1).unique()),
                "acc_continual": float((steps.argmax(1) == target).float().mean()),
                "offline_macs": off_a,
                "continual_step_macs": step_a,
                "analytic_equals_counter": float(step_a == step_m and off_a == off_m),
                "flops_ratio": off_a / step_a,
            }
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    return out


class _TupleIn(nn.Module):
    def __init__(self, model: TransformerClassifier) -> None:
        super().__init__()
        self.model = model

    def forward(self, xo: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return self.model(xo[0], xo[1])


# ------------------------------------------------------------------------------------ stgcn


def stgcn_stage(config: Config, ctx: papershelf.RunContext) -> dict:
    rng = np.random.default_rng(ctx.seed + 2)
    window = 64
    joints, labels = skeleton_stream(rng, config.stgcn_windows * 8 + window)
    starts = rng.integers(0, joints.shape[1] - window, config.stgcn_windows)
    wx = torch.as_tensor(np.stack([joints[:, s : s + window] for s in starts]))
    wy = torch.as_tensor(labels[starts + window - 1])
    torch.manual_seed(ctx.seed)
    padded = STGCNLite(window=window, temporal_padding=True)

    def batches():
        for idx in ctx.progress(torch.randperm(len(wx)).split(16), desc="stgcn train"):
            yield wx[idx], wy[idx]

    loss = _train_classifier(_Squeeze(padded), batches, config.stgcn_epochs, 3e-3, ctx.seed)
    unpadded = STGCNLite(window=window, temporal_padding=False).eval()
    unpadded.load_state_dict(padded.state_dict())
    co = continual(unpadded).eval()
    sj, sl = skeleton_stream(rng, config.stgcn_stream)
    stream = torch.as_tensor(sj)[None]
    with torch.no_grad():
        steps = co.forward_steps(stream).flatten(2)
        ref = sliding_window_outputs(unpadded, stream, window)
    target = torch.as_tensor(sl[window - 1 :])
    return {
        "train_loss": loss,
        "exact_max_abs_err": _max_err(steps, ref),
        "top1_agreement": float((steps.argmax(1) == ref.argmax(1)).float().mean()),
        "pred_classes_used": len(steps.argmax(1).unique()),
        "acc_continual": float((steps.argmax(1)[0] == target).float().mean()),
        "flops": _flops_block(
            padded, unpadded, co, stream[:, :, :window], stream[:, :, 0], stream[:, :, :window]
        ),
    }


# -------------------------------------------------------------------------------------- spa


def spa_stage(config: Config, ctx: papershelf.RunContext) -> dict:
    out: dict = {}
    runs = [
        (c, s, r) for c in config.spa_criteria for s in config.spa_seeds for r in config.spa_ratios
    ]
    sources: dict[int, tuple[DigitsCNN, dict]] = {}
    raw = []
    for criterion, seed, ratio in ctx.progress(runs, desc="spa"):
        if seed not in sources:
            data = digits_transfer(np.random.default_rng(seed))
            torch.manual_seed(seed)
            src = DigitsCNN()
            train(
                src,
                torch.as_tensor(data["source_train_x"]),
                torch.as_tensor(data["source_train_y"]),
                10,
                1e-3,
                32,
                seed,
            )
            sources[seed] = (src, data)
        src, data = sources[seed]
        xt, yt = torch.as_tensor(data["target_test_x"]), torch.as_tensor(data["target_test_y"])
        ft = fine_prune(src, ratio, data, criterion=criterion, lr=1e-3, seed=seed)
        sp = prune_and_adapt(
            src, config.spa_rank, ratio, data, criterion=criterion, lr=1e-2, seed=seed
        )
        sp64 = _double(sp)
        with torch.no_grad():
            fuse_err = _max_err(sp64.fuse()(xt.double()), sp64(xt.double()))
        raw.append({
            "criterion": criterion, "seed": seed, "ratio": ratio,
            "ft_acc": accuracy(ft, xt, yt), "splora_acc": accuracy(sp, xt, yt),
            "ft_params": ft.learned_parameters(), "splora_params": sp.learned_parameters(),
            "fuse_err": fuse_err,
            "fused_channels": [int(m.sum()) for m in sp.masks()],
        })  # fmt: skip
    for criterion in config.spa_criteria:
        crit: dict = {}
        for ratio in config.spa_ratios:
            rs = [r for r in raw if r["criterion"] == criterion and r["ratio"] == ratio]
            crit[f"r{round(100 * ratio)}"] = {
                "ft_acc_mean": float(np.mean([r["ft_acc"] for r in rs])),
                "splora_acc_mean": float(np.mean([r["splora_acc"] for r in rs])),
                "ft_acc_std": float(np.std([r["ft_acc"] for r in rs])),
                "splora_acc_std": float(np.std([r["splora_acc"] for r in rs])),
                "ft_params": float(np.mean([r["ft_params"] for r in rs])),
                "splora_params": float(np.mean([r["splora_params"] for r in rs])),
                "param_ratio_max": max(r["splora_params"] / r["ft_params"] for r in rs),
                "fuse_max_abs_err": max(r["fuse_err"] for r in rs),
            }
        crit["param_ratio_max"] = max(v["param_ratio_max"] for v in crit.values())
        crit["fuse_max_abs_err"] = max(
            v["fuse_max_abs_err"] for v in crit.values() if isinstance(v, dict)
        )
        out[criterion] = crit
    out["runs"] = len(raw)
    return out


def _double(net: nn.Module) -> nn.Module:
    return copy.deepcopy(net).double()


# ------------------------------------------------------------------------------- experiment


def experiment(config: Config, ctx: papershelf.RunContext) -> dict:
    metrics: dict = {"exact": ctx.stage("exact", lambda: exactness_checks(ctx.seed))}
    if config.streams:
        metrics["x3d"] = ctx.stage("x3d", lambda: x3d_stage(config, ctx))
        metrics["transformer"] = ctx.stage("transformer", lambda: transformer_stage(config, ctx))
        metrics["stgcn"] = ctx.stage("stgcn", lambda: stgcn_stage(config, ctx))
        _plot_flops(metrics, ctx)
    if config.spa:
        metrics["spa"] = ctx.stage("spa", lambda: spa_stage(config, ctx))
        _plot_spa(metrics["spa"], config, ctx)
    return metrics


def _plot_flops(m: dict, ctx: papershelf.RunContext) -> None:
    fig, ax = figure(width=5.0, height=3.0)
    names = ["CoX3D-lite", "CoTrans 1L", "CoTrans 2L", "CoST-GCN-lite"]
    offline = [
        m["x3d"]["flops"]["offline_padded_macs"],
        m["transformer"]["l1"]["offline_macs"],
        m["transformer"]["l2"]["offline_macs"],
        m["stgcn"]["flops"]["offline_padded_macs"],
    ]
    step = [
        m["x3d"]["flops"]["continual_step_macs"],
        m["transformer"]["l1"]["continual_step_macs"],
        m["transformer"]["l2"]["continual_step_macs"],
        m["stgcn"]["flops"]["continual_step_macs"],
    ]
    xs = np.arange(len(names))
    ax.bar(xs - 0.2, offline, 0.4, label="offline (sliding window)")
    ax.bar(xs + 0.2, step, 0.4, label="continual (one step)")
    for x, a, b in zip(xs, offline, step, strict=True):
        ax.text(x, max(a, b) * 1.3, f"{a / b:.1f}x", ha="center", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(min(step) / 3, max(offline) * 60)
    ax.set_xticks(xs, names)
    ax.set_ylabel("MACs per prediction")
    ax.legend(loc="upper center", ncols=2, fontsize=8)
    save_png(fig, ctx.path("flops.png"))


def _plot_spa(s: dict, config: Config, ctx: papershelf.RunContext) -> None:
    fig, axes = figure(ncols=2, width=3.6, height=3.0)
    axes = axes[0]  # one row of panels
    rs = [100 * r for r in config.spa_ratios]
    keys = [f"r{round(r)}" for r in rs]
    c = s["l1"]
    for name, key in (("fine-pruning", "ft"), (f"SPLoRA r={config.spa_rank}", "splora")):
        acc = [100 * c[k][f"{key}_acc_mean"] for k in keys]
        std = [100 * c[k][f"{key}_acc_std"] for k in keys]
        axes[0].errorbar(rs, acc, std, marker="o", label=name)
        axes[1].plot(rs, [c[k][f"{key}_params"] for k in keys], marker="o", label=name)
    axes[0].set_xlabel("channels pruned (%)")
    axes[0].set_ylabel("target accuracy (%)")
    axes[1].set_xlabel("channels pruned (%)")
    axes[1].set_ylabel("learned parameters")
    axes[1].set_yscale("log")
    axes[0].legend()
    save_png(fig, ctx.path("spa.png"))


def bench(ctx: papershelf.RunContext) -> dict:
    """Side-by-side wall time and FLOPs of CoX3D-lite vs offline recomputation (and the peer)."""
    return {"x3d": x3d_stage(PRESETS["quick"], ctx)}
