"""Reproduction at CPU scale: the presets, the experiment, the benchmark and the figures.

    python -m pointer_networks reproduce --preset {smoke,quick,full} --out DIR --seed 0
    python -m pointer_networks bench --out DIR

Stages (each resumable in `full` with --resume): convex hull (Ptr-Net and the seq2seq
baselines, §4.2), TSP (§4.4), Delaunay (§4.3) and performance (TSP n=12 decoding against
Held–Karp; training throughput of Ptr-Net against seq2seq).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from itertools import cycle, pairwise
from typing import Any

import numpy as np
import torch

from papershelf import RunContext, compare
from papershelf.plotting import figure, save_png
from pointer_networks.baselines import Seq2Seq, Seq2SeqAttention
from pointer_networks.data import Batch, eval_set, stream, task_batches, tsp_batches, tsp_pool
from pointer_networks.decoding import greedy_decode, is_valid_output, to_outputs
from pointer_networks.geometry import tour_length
from pointer_networks.model import EncoderDecoder, PointerNet
from pointer_networks.solvers import held_karp, nearest_neighbour_tour, two_opt
from pointer_networks.train import (
    decode,
    delaunay_metrics,
    hull_metrics,
    make_optimizer,
    nll_loss,
    tour_metrics,
    train,
)


@dataclass(frozen=True)
class Config:
    """One preset. The paper's setup (§4.1) is hidden 256/512, SGD lr 1.0, batch 128, clip 2.0,
    U[-0.08, 0.08] init, 1M examples; ours is the CPU-scale version of it (see README)."""

    threads: int = 1
    data_workers: int = 1  # one process labels batches ahead of training (0: inline)
    hidden: int = 128
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float = 1e-3
    clip: float = 2.0
    init_scale: float = 0.08
    eval_size: int = 1000  # instances per fixed test set
    curve_points: int = 40
    # convex hull (§4.2)
    hull_steps: int = 8000
    hull_train_n: tuple[int, int] = (5, 10)
    hull_eval_n: tuple[int, ...] = (5, 10, 15, 20)
    hull_baselines: tuple[str, ...] = ("seq2seq_attn",)
    # TSP (§4.4); steps = 0 skips the task
    tsp_steps: int = 6000
    tsp_pool_size: int = 60_000
    tsp_train_n: tuple[int, int] = (5, 10)
    tsp_eval_n: tuple[int, ...] = (5, 10)
    tsp_beam: int = 5
    # Delaunay (§4.3)
    delaunay_steps: int = 4000
    delaunay_n: int = 5
    # performance; perf_instances = 0 skips it
    perf_instances: int = 1000
    perf_n: int = 12
    perf_held_karp_instances: int = 50
    perf_train_steps: int = 10
    perf_repeats: int = 5


PRESETS = {
    "smoke": Config(
        data_workers=0,
        eval_size=100,
        curve_points=10,
        hull_steps=100,
        hull_train_n=(5, 5),
        hull_eval_n=(5,),
        hull_baselines=(),
        tsp_steps=20,
        tsp_pool_size=120,
        tsp_train_n=(5, 6),
        tsp_eval_n=(5,),
        delaunay_steps=20,
        perf_instances=50,
        perf_n=8,
        perf_held_karp_instances=5,
        perf_train_steps=1,
        perf_repeats=1,
    ),
    "quick": Config(
        hull_steps=2500,
        hull_eval_n=(5, 10),
        hull_baselines=(),
        tsp_steps=0,
        delaunay_steps=0,
        perf_instances=0,
    ),
    "full": Config(),
}

MODELS = {"ptr": PointerNet, "seq2seq_attn": Seq2SeqAttention, "seq2seq": Seq2Seq}


def build(name: str, config: Config, n_max: int) -> EncoderDecoder:
    """A fresh model; the seq2seq baselines get the output classes 0..n_max."""
    if name == "ptr":
        return PointerNet(config.hidden, config.init_scale)
    return MODELS[name](config.hidden, n_max, config.init_scale)


def _seed(seed: int, *names: str) -> int:
    """A seed for one part of a run, so that a resumed stage repeats itself exactly."""
    return zlib.crc32(":".join([str(seed), *names]).encode())


def _fit(
    model: EncoderDecoder,
    batches: Iterator[Batch],
    task: str,
    steps: int,
    config: Config,
    ctx: RunContext,
    desc: str,
) -> dict[str, Any]:
    """Train `model` for `steps` batches; the loss curve, the step count and the wall time."""
    optimizer = make_optimizer(model, config.optimizer, config.lr)
    t0 = time.perf_counter()
    curve = train(
        model,
        batches,
        task=task,
        steps=steps,
        optimizer=optimizer,
        clip=config.clip,
        progress=partial(ctx.progress, desc=desc),
        curve_points=config.curve_points,
    )
    return {"loss_curve": curve, "steps": steps, "train_s": time.perf_counter() - t0}


def _by_n(per_n: dict[int, dict[str, float]]) -> dict[str, dict[str, float]]:
    """{n: {metric: x}} -> {metric: {"n<n>": x}} (stable dotted keys: metric.n10)."""
    metrics = next(iter(per_n.values())).keys()
    return {m: {f"n{n}": per_n[n][m] for n in per_n} for m in metrics}


def _valid_pct(task: str, points: np.ndarray, outputs: list[list[int]]) -> float:
    """Share of outputs (in %) that obey the task's validity rules."""
    n = points.shape[1]
    return 100 * float(
        np.mean([is_valid_output(task, [i + 1 for i in o] + [0], n) for o in outputs])
    )


def _example(points: np.ndarray, predicted: list[int], truth: list[int]) -> dict[str, list]:
    return {
        "x": points[:, 0].tolist(),
        "y": points[:, 1].tolist(),
        "predicted": list(predicted),
        "truth": list(truth),
    }


# --- stages ----------------------------------------------------------------------------------


def hull_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """Convex hull: train each model on n in hull_train_n, evaluate at every hull_eval_n."""
    n_max = config.hull_train_n[1]
    evalsets = {n: eval_set("hull", n, config.eval_size) for n in config.hull_eval_n}
    make = partial(
        task_batches, task="hull", batch_size=config.batch_size, n_range=config.hull_train_n
    )
    out: dict[str, Any] = {}
    for name in ("ptr", *config.hull_baselines):
        torch.manual_seed(_seed(ctx.seed, "hull", name))
        model = build(name, config, n_max)
        batches = stream(make, _seed(ctx.seed, "hull", "data"), config.data_workers)
        result = _fit(model, batches, "hull", config.hull_steps, config, ctx, f"hull {name}")
        per_n = {}
        for n, es in evalsets.items():
            if name != "ptr" and n > n_max:
                continue
            outputs = decode(model, es.points, "hull")
            per_n[n] = {
                **hull_metrics(es, outputs),
                "valid_pct": _valid_pct("hull", es.points, outputs),
            }
            if name == "ptr" and n == max(evalsets):
                result["example"] = _example(es.points[0], outputs[0], es.targets[0])
        result.update(_by_n(per_n))
        accuracy = [per_n[n]["accuracy"] for n in sorted(per_n)]
        result["accuracy_monotone"] = float(all(b <= a for a, b in pairwise(accuracy)))
        if name != "ptr":
            result["raises_for_n_gt_n_max"] = float(_raises_beyond(model, n_max))
        out[name] = result
    return out


def _raises_beyond(model: EncoderDecoder, n_max: int) -> bool:
    """Whether a fixed-vocabulary model refuses an input with n_max + 1 points."""
    try:
        decode(model, np.random.default_rng(0).random((1, n_max + 1, 2)), "hull")
    except ValueError:
        return True
    return False


def tsp_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """TSP: train on the Held–Karp pool, compare decodings and heuristics against the optimum."""
    t0 = time.perf_counter()
    pool = tsp_pool(
        np.random.default_rng(_seed(ctx.seed, "tsp", "pool")),
        config.tsp_pool_size,
        config.tsp_train_n,
    )
    pool_s = time.perf_counter() - t0
    torch.manual_seed(_seed(ctx.seed, "tsp", "ptr"))
    model = build("ptr", config, config.tsp_train_n[1])
    make = partial(tsp_batches, pool=pool, batch_size=config.batch_size)
    batches = stream(make, _seed(ctx.seed, "tsp", "data"), config.data_workers)
    out: dict[str, Any] = _fit(model, batches, "tsp", config.tsp_steps, config, ctx, "tsp ptr")
    out["pool_s"] = pool_s
    torch.save(model.state_dict(), ctx.stage_dir / "tsp_ptr_net.pt")  # for the perf stage

    beam = f"ptr_beam{config.tsp_beam}"
    per_method: dict[str, dict[int, dict[str, float]]] = {}
    for n in config.tsp_eval_n:
        es = eval_set("tsp", n, config.eval_size)
        optimal = np.array([tour_length(p, t) for p, t in zip(es.points, es.targets, strict=True)])
        nn_tours = [nearest_neighbour_tour(p) for p in es.points]
        tours = {
            "ptr_greedy": decode(model, es.points, "tsp"),
            beam: decode(model, es.points, "tsp", beam=config.tsp_beam),
            "ptr_greedy_unmasked": decode(model, es.points, None),
            "nearest_neighbour": nn_tours,
            "two_opt": [two_opt(p, t) for p, t in zip(es.points, nn_tours, strict=True)],
        }
        for method, t in tours.items():
            per_method.setdefault(method, {})[n] = tour_metrics(es.points, t, optimal)
        per_method.setdefault("optimal", {})[n] = {"mean_length": float(optimal.mean())}
        out["example"] = _example(es.points[0], tours[beam][0], es.targets[0])
    out.update({method: _by_n(per_n) for method, per_n in per_method.items()})
    return out


def delaunay_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """Delaunay triangulation at n = delaunay_n."""
    n = config.delaunay_n
    torch.manual_seed(_seed(ctx.seed, "delaunay", "ptr"))
    model = build("ptr", config, n)
    make = partial(task_batches, task="delaunay", batch_size=config.batch_size, n_range=(n, n))
    batches = stream(make, _seed(ctx.seed, "delaunay", "data"), config.data_workers)
    result = _fit(model, batches, "delaunay", config.delaunay_steps, config, ctx, "delaunay ptr")
    es = eval_set("delaunay", n, config.eval_size)
    outputs = decode(model, es.points, "delaunay")
    metrics = {
        **delaunay_metrics(es, outputs),
        "valid_pct": _valid_pct("delaunay", es.points, outputs),
    }
    result.update(_by_n({n: metrics}))
    result["example"] = _example(es.points[0], outputs[0], es.targets[0])
    return {"ptr": result}


def perf_metrics(model: PointerNet, config: Config, seed: int) -> dict[str, Any]:
    """TSP at n = perf_n: one batched greedy decode of perf_instances instances against
    Held–Karp run per instance (on perf_held_karp_instances of them), interleaved by
    `papershelf.compare`; the gap of the decoded tours; training throughput (examples/s) of
    the Ptr-Net and the seq2seq baselines on the same hull batches."""
    es = eval_set("tsp", config.perf_n, config.perf_instances)
    points = torch.as_tensor(es.points, dtype=torch.float32)
    lengths = torch.full((len(points),), config.perf_n, dtype=torch.long)
    few = es.points[: config.perf_held_karp_instances]
    model.eval()
    timing = compare(
        {
            "ptr_greedy_batched": lambda: greedy_decode(model, points, lengths, "tsp"),
            "held_karp_per_instance": lambda: [held_karp(p[None]) for p in few],
        },
        repeats=config.perf_repeats,
    )
    ptr_s = timing["ptr_greedy_batched"]["median_s"] / len(points)
    held_karp_s = timing["held_karp_per_instance"]["median_s"] / len(few)
    optimal = np.array([tour_length(p, t) for p, t in zip(es.points, es.targets, strict=True)])
    tours = to_outputs(greedy_decode(model, points, lengths, "tsp"))
    gap = tour_metrics(es.points, tours, optimal)
    n = config.perf_n
    out = {
        f"tsp{n}_speedup_vs_held_karp": held_karp_s / ptr_s,
        f"tsp{n}_ptr_greedy_s_per_instance": ptr_s,
        f"tsp{n}_held_karp_s_per_instance": held_karp_s,
        f"tsp{n}_ptr_greedy_gap_pct": gap["gap_pct"],
        f"tsp{n}_ptr_greedy_invalid_pct": gap["invalid_pct"],
        "timing": timing,
    }
    out.update(_train_throughput(config, seed))
    return out


def _train_throughput(config: Config, seed: int) -> dict[str, Any]:
    """Training examples per second of each model on the same hull batches, interleaved."""
    n_max = config.hull_train_n[1]
    rng = np.random.default_rng(_seed(seed, "perf", "data"))
    gen = task_batches(rng, "hull", config.batch_size, config.hull_train_n)
    batches = [next(gen) for _ in range(8)]

    def steps(model: EncoderDecoder, optimizer, source) -> None:
        for _ in range(config.perf_train_steps):
            loss = nll_loss(model, next(source), "hull")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    contestants = {}
    for name in MODELS:
        torch.manual_seed(_seed(seed, "perf", name))
        model = build(name, config, n_max)
        optimizer = make_optimizer(model, config.optimizer, config.lr)
        contestants[name] = partial(steps, model, optimizer, cycle(batches))
    timing = compare(contestants, repeats=config.perf_repeats)
    per_s = {
        name: config.batch_size * config.perf_train_steps / t["median_s"]
        for name, t in timing.items()
    }
    ratios = {name: per_s["ptr"] / per_s[name] for name in MODELS if name != "ptr"}
    return {
        "train_examples_per_s": per_s,
        "train_throughput_ratio": ratios,
        "train_throughput_max_ratio": max(max(r, 1 / r) for r in ratios.values()),
    }


def perf_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """The benchmark on the Ptr-Net trained by the TSP stage (an untrained one without it)."""
    model = build("ptr", config, config.tsp_train_n[1])
    checkpoint = ctx.stage_dir / "tsp_ptr_net.pt"
    trained = config.tsp_steps > 0 and checkpoint.exists()
    if trained:
        model.load_state_dict(torch.load(checkpoint))
    return {**perf_metrics(model, config, ctx.seed), "model_trained": float(trained)}


def experiment(config: Config, ctx: RunContext) -> dict[str, Any]:
    """Run every stage the preset asks for; returns the metrics and draws the figures."""
    ctx.stage_dir.mkdir(parents=True, exist_ok=True)
    metrics = {"hull": ctx.stage("hull", lambda: hull_stage(config, ctx))}
    if config.tsp_steps:
        metrics["tsp"] = ctx.stage("tsp", lambda: tsp_stage(config, ctx))
    if config.delaunay_steps:
        metrics["delaunay"] = ctx.stage("delaunay", lambda: delaunay_stage(config, ctx))
    if config.perf_instances:
        metrics["perf"] = ctx.stage("perf", lambda: perf_stage(config, ctx))
    draw_figures(metrics, ctx)
    return metrics


def bench(ctx: RunContext) -> dict[str, Any]:
    """The performance measurements alone, at the `full` preset's sizes.

    Timing does not depend on the weights; the reported gap is that of an untrained Ptr-Net
    (`model_trained` = 0); the trained model's gap is in the `full` preset's results.
    """
    config = PRESETS["full"]
    torch.manual_seed(_seed(ctx.seed, "bench"))
    model = build("ptr", config, config.tsp_train_n[1])
    return {"perf": {**perf_metrics(model, config, ctx.seed), "model_trained": 0.0}}


# --- figures ---------------------------------------------------------------------------------

LABELS = {"ptr": "Ptr-Net", "seq2seq_attn": "seq2seq + attention", "seq2seq": "seq2seq"}


def _series(per_n: dict[str, float]) -> tuple[list[int], list[float]]:
    ns = sorted(int(k[1:]) for k in per_n)
    return ns, [per_n[f"n{n}"] for n in ns]


def draw_figures(metrics: dict[str, Any], ctx: RunContext) -> None:
    """hull_accuracy.png, training_curves.png and examples.png next to the results."""
    hull = metrics["hull"]
    fig, axes = figure(2)
    acc, area = axes[0]
    for name, result in hull.items():
        acc.plot(*_series(result["accuracy"]), "o-", label=LABELS[name])
        area.plot(*_series(result["area_coverage"]), "o-", label=LABELS[name])
    ns = _series(hull["ptr"]["accuracy"])[0]
    acc.set(xlabel="n (points)", ylabel="accuracy (exact hull)", title="Convex hull", ylim=(0, 1))
    area.set(xlabel="n (points)", ylabel="area coverage (non-FAIL)", title="Convex hull")
    for ax in (acc, area):
        ax.set_xticks(ns)
    acc.legend()
    save_png(fig, ctx.path("hull_accuracy.png"))

    curves = {f"hull {LABELS[k]}": v["loss_curve"] for k, v in hull.items()}
    for task in ("tsp", "delaunay"):
        if task in metrics:
            result = metrics[task].get("ptr", metrics[task])
            curves[f"{task} Ptr-Net"] = result["loss_curve"]
    fig, ax = figure()
    for label, curve in curves.items():
        ax.plot(np.linspace(0, 1, len(curve)), curve, label=label)
    ax.set(xlabel="fraction of training", ylabel="NLL per output token", yscale="log")
    ax.legend(loc="lower left", fontsize=7)
    save_png(fig, ctx.path("training_curves.png"))

    examples = {"hull": hull["ptr"]["example"]}
    if "tsp" in metrics:
        examples["tsp"] = metrics["tsp"]["example"]
    if "delaunay" in metrics:
        examples["delaunay"] = metrics["delaunay"]["ptr"]["example"]
    fig, axes = figure(len(examples), width=3.2, height=3.2)
    for ax, (task, ex) in zip(np.atleast_1d(axes).ravel(), examples.items(), strict=True):
        _draw_example(ax, task, ex)
    save_png(fig, ctx.path("examples.png"))


def _draw_example(ax, task: str, ex: dict[str, list]) -> None:
    x, y = np.array(ex["x"]), np.array(ex["y"])
    if task == "delaunay":
        for flat, style in ((ex["truth"], "k--"), (ex["predicted"], "C1-")):
            for k in range(0, len(flat) - 2, 3):
                tri = [*flat[k : k + 3], flat[k]]
                ax.plot(x[tri], y[tri], style, lw=1)
    else:
        for cyc, style, label in (
            (ex["truth"], "k--", "truth"),
            (ex["predicted"], "C1-", "Ptr-Net"),
        ):
            closed = [*cyc, cyc[0]] if cyc else []
            ax.plot(x[closed], y[closed], style, label=label)
        ax.legend(loc="lower right", fontsize=6)
    ax.plot(x, y, "o", color="C0", ms=3)
    ax.set(title=f"{task} (n={len(x)})", aspect="equal", xticks=[], yticks=[])
