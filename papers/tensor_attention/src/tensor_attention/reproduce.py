"""Reproduction at CPU scale: presets, the experiment, the benchmark and the figures.

    python -m tensor_attention reproduce --preset {smoke,quick,full} --out DIR --seed 0
    python -m tensor_attention bench --out DIR

Stages (each resumable with --resume):

- scaling      exact O(n³d) vs fast n^{1+o(1)} on bounded random instances (d = 3, B = 1,
               eps = 1e-6): log-log slopes and max |fast − exact| (the upper bound).
- performance  side-by-side speedup at n = 512, the crossover n, peak memory (tracemalloc).
- boundedness  (a) the smallest degree g*(B) that meets eps against exact, B = 0.5 … 2.
- crossover_b  (b) the smallest B at which the fast method is slower than exact at n = 256: the
               empirical face of the n^{3−o(1)} lower bound.
- order3       (c) order-3 tensor attention, fast vs exact.
- match3       (d) Match3: analytic tensor attention vs one trained standard attention layer.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from papershelf import RunContext, compare
from papershelf.plotting import figure, save_png
from tensor_attention.baselines import (
    TrainConfig,
    predict_standard_attention,
    train_standard_attention,
)
from tensor_attention.data import match3_sequences, random_instance
from tensor_attention.errors import FastMethodUnavailable
from tensor_attention.exact import CHUNK_ELEMENTS, tensor_attention_exact
from tensor_attention.fast import (
    MEMORY_BUDGET_BYTES,
    feature_bytes,
    plan_fast,
    polynomial_attention,
    tensor_attention_fast,
)
from tensor_attention.features import multi_indices, rank
from tensor_attention.match3 import balanced_accuracy, match3_labels, match3_predict
from tensor_attention.polynomial import (
    DEGREE_CAP,
    certified_degree,
    chebyshev_exp,
    choose_degree,
    poly_exp,
)


@dataclass(frozen=True)
class Config:
    """One preset. d, B, eps and the sizes are the build spec's (see README for the scale)."""

    threads: int = 1
    d: int = 3
    B: float = 1.0
    eps: float = 1e-6
    # scaling: exact at exact_ns, fast at exact_ns + fast_ns (slope of fast over fast_ns)
    exact_ns: tuple[int, ...] = (256, 512, 1024)
    fast_ns: tuple[int, ...] = (2048, 4096, 8192, 16384, 32768)
    exact_repeats: int = 5
    fast_repeats: int = 21
    # performance
    perf_n: int = 512
    perf_repeats: int = 7
    crossover_ns: tuple[int, ...] = (4, 8, 16, 32, 64, 128, 256)
    memory_ns: tuple[int, ...] = (256, 512)
    # (a) boundedness; () skips
    bound_Bs: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
    bound_n: int = 256
    bound_fixed_degree: int = 6
    bound_repeats: int = 5
    # (b) the B at which fast becomes slower than exact; cross_B_max = 0 skips
    cross_B_n: int = 256
    cross_B_step: float = 0.25
    cross_B_max: float = 4.0
    cross_B_repeats: int = 3
    # (c) order 3; order3_n = 0 skips
    order3_n: int = 48
    order3_B: float = 0.8
    # (d) Match3; () skips
    match3_settings: tuple[tuple[int, int], ...] = ((12, 101), (16, 181))
    match3_count: int = 500
    match3_steps: int = 3000
    match3_batch: int = 256


PRESETS = {
    "smoke": Config(
        exact_ns=(32, 64, 128),
        fast_ns=(256, 512, 1024),
        exact_repeats=1,
        fast_repeats=3,
        perf_n=64,
        perf_repeats=3,
        crossover_ns=(4, 8, 16),
        memory_ns=(32, 64),
        bound_Bs=(0.5, 1.0, 2.0),
        bound_n=32,
        bound_repeats=1,
        cross_B_n=16,
        cross_B_step=0.5,
        cross_B_max=3.0,
        cross_B_repeats=1,
        order3_n=8,
        match3_settings=((12, 101),),
        match3_count=50,
        match3_steps=20,
        match3_batch=32,
    ),
    "quick": Config(bound_Bs=(), cross_B_max=0.0, order3_n=0, match3_settings=()),
    "full": Config(),
}

STAGES = ("scaling", "performance", "boundedness", "crossover_b", "order3", "match3")


def _rng(seed: int, stage: str, *more: int) -> np.random.Generator:
    """A generator for one part of a run, so that a resumed stage repeats itself exactly."""
    return np.random.default_rng([seed, STAGES.index(stage), *more])


def _bkey(B: float) -> str:
    """A dotted-key-safe name for a bound: 1.25 -> "b1_25"."""
    return f"b{B:.2f}".replace(".", "_")


def _slope(ns: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) against log(n)."""
    return float(np.polyfit(np.log(ns), np.log(times), 1)[0])


def _timed(fn: Callable[[], np.ndarray], box: dict, name: str) -> Callable[[], None]:
    """`fn` for `compare`, keeping its last output in box[name]."""

    def call() -> None:
        box[name] = fn()

    return call


def _exact(inst) -> Callable[[], np.ndarray]:
    return lambda: tensor_attention_exact(**inst.arrays())


def _fast(inst, B: float, eps: float) -> Callable[[], np.ndarray]:
    return lambda: tensor_attention_fast(**inst.arrays(), B=B, eps=eps)


# --- stages ----------------------------------------------------------------------------------


def scaling_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """Exact vs fast running time against n, and the fast method's error against exact.

    All sizes of one method are timed in one interleaved `compare`, so a background load that
    comes and goes hits every n alike instead of bending the fitted slope.
    """
    # fit P and build the exponent table once, outside the timings
    warm = plan_fast(1, 1, config.d, B=config.B, eps=config.eps)
    multi_indices(config.d, warm.poly.degree)
    insts = {
        n: random_instance(_rng(ctx.seed, "scaling", n), n, config.d, config.B)
        for n in (*config.exact_ns, *config.fast_ns)
    }
    box: dict[str, np.ndarray] = {}
    contestants = {}
    for n in config.exact_ns:
        contestants[f"exact_n{n}"] = _timed(_exact(insts[n]), box, f"exact_n{n}")
        contestants[f"fast_n{n}"] = _timed(_fast(insts[n], config.B, config.eps), box, f"fast_n{n}")
    small = compare(contestants, repeats=config.exact_repeats, warmup=0)
    large = compare(
        {f"fast_n{n}": _fast(insts[n], config.B, config.eps) for n in config.fast_ns},
        repeats=config.fast_repeats,
    )
    exact_t = {n: small[f"exact_n{n}"]["median_s"] for n in config.exact_ns}
    fast_t = {n: small[f"fast_n{n}"]["median_s"] for n in config.exact_ns}
    fast_t.update({n: large[f"fast_n{n}"]["median_s"] for n in config.fast_ns})
    errors = {
        f"n{n}": float(np.max(np.abs(box[f"fast_n{n}"] - box[f"exact_n{n}"])))
        for n in config.exact_ns
    }
    n_max = max(config.fast_ns)
    plan = plan_fast(n_max, n_max, config.d, B=config.B, eps=config.eps)
    return {
        "exact": {
            "time_s": {f"n{n}": t for n, t in exact_t.items()},
            "slope": _slope(list(exact_t), list(exact_t.values())),
        },
        "fast": {
            "time_s": {f"n{n}": t for n, t in fast_t.items()},
            "slope": _slope(list(config.fast_ns), [fast_t[n] for n in config.fast_ns]),
            "degree": plan.poly.degree,
            "rank": plan.rank,
            "delta": plan.poly.delta,
        },
        "error": errors,
        "max_abs_error": max(errors.values()),
        "error_within_eps": float(max(errors.values()) <= config.eps),
    }


def _peak_bytes(fn: Callable[[], object]) -> int:
    """Peak traced allocation (bytes) while `fn` runs; NumPy reports its buffers to tracemalloc."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def performance_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """Speedup at perf_n (interleaved, repeated), the crossover n, and peak memory."""
    inst = random_instance(
        _rng(ctx.seed, "performance", config.perf_n), config.perf_n, config.d, config.B
    )
    head = compare(
        {"exact": _exact(inst), "fast": _fast(inst, config.B, config.eps)},
        repeats=config.perf_repeats,
        baseline="exact",
    )
    speedups = {}
    for n in ctx.progress(config.crossover_ns, desc="crossover n"):
        small = random_instance(_rng(ctx.seed, "performance", n), n, config.d, config.B)
        timing = compare(
            {"exact": _exact(small), "fast": _fast(small, config.B, config.eps)},
            repeats=max(config.perf_repeats, 5),
            baseline="exact",
        )
        speedups[n] = timing["fast"]["speedup_vs_exact"]
    speedups[config.perf_n] = head["fast"]["speedup_vs_exact"]
    ns = sorted(speedups)
    faster_from = [n for i, n in enumerate(ns) if all(speedups[m] > 1 for m in ns[i:])]
    memory: dict[str, dict[str, float]] = {}
    for n in config.memory_ns:
        m_inst = random_instance(_rng(ctx.seed, "performance", n), n, config.d, config.B)
        plan = plan_fast(n, n, config.d, B=config.B, eps=config.eps)
        chunk = max(1, CHUNK_ELEMENTS // n**2)
        row = {
            "exact_peak_mib": _peak_bytes(_exact(m_inst)) / 2**20,
            "exact_block_mib": 8 * min(chunk, n) * n**2 / 2**20,  # one (chunk, n²) block of A
            "exact_khatri_rao_mib": 2 * 8 * n**2 * config.d / 2**20,  # K₁ ⊘ K₂ and V₁ ⊘ V₂
            "fast_peak_mib": _peak_bytes(_fast(m_inst, config.B, config.eps)) / 2**20,
            "fast_features_mib": 8 * n * plan.rank / 2**20,  # one n × r feature matrix
        }
        memory[f"n{n}"] = row
    return {
        f"n{config.perf_n}": {
            "exact_s": head["exact"]["median_s"],
            "fast_s": head["fast"]["median_s"],
            "exact_iqr_s": head["exact"]["iqr_s"],
            "fast_iqr_s": head["fast"]["iqr_s"],
        },
        "speedup": head["fast"]["speedup_vs_exact"],
        "speedup_by_n": {f"n{n}": s for n, s in sorted(speedups.items())},
        "crossover_n": faster_from[0] if faster_from else 0,
        "crossover_found": float(bool(faster_from)),
        "memory": memory,
    }


def boundedness_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """(a) For each B: the smallest degree g* whose fast output is within eps of exact."""
    n, d, s = config.bound_n, config.d, 1.0 / config.d
    out: dict[str, Any] = {key: {} for key in ("gstar", "rank", "time_s", "err_fixed_degree")}
    out.update({key: {} for key in ("g_chosen", "g_certified", "errors_by_degree")})
    for B in ctx.progress(config.bound_Bs, desc="boundedness"):
        inst = random_instance(_rng(ctx.seed, "boundedness", int(B * 100)), n, d, B)
        q, ks, vs = inst.Q, inst.Ks, inst.Vs
        exact = tensor_attention_exact(**inst.arrays())
        R = s * d * B**3
        errors = []
        with np.errstate(all="ignore"):  # a low degree can make P < 0: the error is then undefined
            for g in range(1, DEGREE_CAP + 1):
                approx = polynomial_attention(q, ks, vs, poly_exp(R, g).coef, s)
                err = float(np.max(np.abs(approx - exact)))
                errors.append(err if np.isfinite(err) else None)
        meets = [g for g, e in enumerate(errors, 1) if e is not None and e <= config.eps]
        gstar = meets[0] if meets else DEGREE_CAP + 1
        key = _bkey(B)
        out["gstar"][key] = gstar
        out["rank"][key] = rank(d, gstar)
        out["errors_by_degree"][key] = errors
        fixed = errors[config.bound_fixed_degree - 1]
        # None: P < 0 somewhere at this degree, so the error is unbounded
        out["err_fixed_degree"][key] = fixed if fixed is not None else float(np.finfo(float).max)
        try:
            out["g_chosen"][key] = choose_degree(R, config.eps).degree
        except FastMethodUnavailable:
            out["g_chosen"][key] = DEGREE_CAP + 1
        out["g_certified"][key] = certified_degree(R, config.eps)
        if meets:
            coef = poly_exp(R, gstar).coef
            timing = compare(
                {"fast": lambda q=q, ks=ks, vs=vs, c=coef: polynomial_attention(q, ks, vs, c, s)},
                repeats=config.bound_repeats,
            )
            out["time_s"][key] = timing["fast"]["median_s"]
    gstars = [out["gstar"][_bkey(B)] for B in config.bound_Bs]
    out["gstar_nondecreasing"] = float(all(a <= b for a, b in pairwise(gstars)))
    out["fixed_degree"] = config.bound_fixed_degree
    out["Bs"] = list(config.bound_Bs)
    return out


def crossover_b_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """(b) Raise B from 0.5 until the fast method, at the degree its error bound needs, is slower
    than exact.

    Beyond B ≈ 2 no float64 monomial polynomial meets eps (the fast method refuses; see
    `float64_limit_B`), so the fast kernel is timed with the truncated Chebyshev series at the
    certified degree: its cost depends on (n, d, g) only. The accuracy there is not evaluated.
    """
    n, d, s = config.cross_B_n, config.d, 1.0 / config.d
    Bs, exact_s, fast_s, degrees, ranks = [], [], [], [], []
    float64_limit, crossover, memory_stop = 0.0, 0.0, 0.0
    grid = np.arange(0.5, config.cross_B_max + config.cross_B_step / 2, config.cross_B_step)
    for B in ctx.progress([float(b) for b in grid], desc="B sweep"):
        R = s * d * B**3
        g = certified_degree(R, config.eps)
        r = rank(d, g)
        if feature_bytes(n, n, r) > MEMORY_BUDGET_BYTES:
            memory_stop = B
            break
        try:
            plan_fast(n, n, d, B=B, eps=config.eps)
            float64_limit = B
        except FastMethodUnavailable:
            pass
        inst = random_instance(_rng(ctx.seed, "crossover_b", int(B * 100)), n, d, B)
        coef = chebyshev_exp(R, g)
        multi_indices(d, g)  # the exponent table is built once, outside the timing

        def fast(inst=inst, coef=coef) -> None:
            with np.errstate(all="ignore"):
                polynomial_attention(inst.Q, inst.Ks, inst.Vs, coef, s)

        timing = compare({"exact": _exact(inst), "fast": fast}, repeats=config.cross_B_repeats)
        Bs.append(B)
        degrees.append(g)
        ranks.append(r)
        exact_s.append(timing["exact"]["median_s"])
        fast_s.append(timing["fast"]["median_s"])
        if fast_s[-1] > exact_s[-1]:
            crossover = B
            break
    return {
        "n": n,
        "B": crossover,
        "found": float(crossover > 0),
        "degree": degrees[-1] if crossover else 0,
        "rank": ranks[-1] if crossover else 0,
        "B_cubed_over_ln_n": crossover**3 / np.log(n),
        "float64_limit_B": float64_limit,
        "memory_stop_B": memory_stop,
        "sweep": {"B": Bs, "degree": degrees, "rank": ranks, "exact_s": exact_s, "fast_s": fast_s},
    }


def order3_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """(c) Order 3: D⁻¹ exp(s·Q(K₁ ⊘ K₂ ⊘ K₃)ᵀ)(V₁ ⊘ V₂ ⊘ V₃), fast vs exact."""
    n, B = config.order3_n, config.order3_B
    inst = random_instance(_rng(ctx.seed, "order3", n), n, config.d, B, order=3)
    box: dict[str, np.ndarray] = {}
    timing = compare(
        {
            "exact": _timed(_exact(inst), box, "exact"),
            "fast": _timed(_fast(inst, B, config.eps), box, "fast"),
        },
        repeats=3,
        baseline="exact",
    )
    plan = plan_fast(n, n, config.d, B=B, eps=config.eps, order=3)
    err = float(np.max(np.abs(box["fast"] - box["exact"])))
    return {
        "n": n,
        "B": B,
        "max_abs_error": err,
        "error_within_eps": float(err <= config.eps),
        "degree": plan.poly.degree,
        "rank": plan.rank,
        "exact_s": timing["exact"]["median_s"],
        "fast_s": timing["fast"]["median_s"],
        "speedup": timing["fast"]["speedup_vs_exact"],
    }


def match3_stage(config: Config, ctx: RunContext) -> dict[str, Any]:
    """(d) Match3: analytic tensor attention vs one trained standard attention layer."""
    out: dict[str, Any] = {}
    train = TrainConfig(steps=config.match3_steps, batch=config.match3_batch)
    for n, M in config.match3_settings:
        x = match3_sequences(_rng(ctx.seed, "match3", n, M), config.match3_count, n, M)
        y = match3_labels(x, M)
        tensor_pred = match3_predict(x, M)
        model, curve = train_standard_attention(
            n,
            M,
            train,
            seed=int(_rng(ctx.seed, "match3", n, M, 1).integers(2**31)),
            progress=ctx.progress,
        )
        standard_pred = predict_standard_attention(model, x, M)
        out[f"n{n}_m{M}"] = {
            "positive_rate": float(y.mean()),
            "tensor": {
                "accuracy": float(np.mean(tensor_pred == y)),
                "balanced_accuracy": balanced_accuracy(y, tensor_pred),
            },
            "standard": {
                "accuracy": float(np.mean(standard_pred == y)),
                "balanced_accuracy": balanced_accuracy(y, standard_pred),
                "loss_curve": curve,
            },
        }
    settings = [out[f"n{n}_m{M}"] for n, M in config.match3_settings]
    out["tensor"] = {"accuracy_min": min(s["tensor"]["accuracy"] for s in settings)}
    out["standard"] = {
        "balanced_accuracy_max": max(s["standard"]["balanced_accuracy"] for s in settings)
    }
    return out


# --- figures ---------------------------------------------------------------------------------


def _ns(times: dict[str, float]) -> tuple[list[int], list[float]]:
    pairs = sorted((int(k[1:]), t) for k, t in times.items())
    return [p[0] for p in pairs], [p[1] for p in pairs]


def scaling_figure(metrics: dict[str, Any], path) -> None:
    sc = metrics["scaling"]
    fig, ax = figure(width=4.6, height=3.4)
    for name in ("exact", "fast"):
        ns, ts = _ns(sc[name]["time_s"])
        ax.loglog(ns, ts, "o-", label=f"{name}: slope {sc[name]['slope']:.2f}")
    ax.set_xlabel("n")
    ax.set_ylabel("seconds (median)")
    ax.set_title(f"d = 3, B = 1, eps = 1e-6 (g = {sc['fast']['degree']}, r = {sc['fast']['rank']})")
    ax.legend(loc="upper right", fontsize=8)
    save_png(fig, path)


def boundedness_figure(metrics: dict[str, Any], path, eps: float) -> None:
    bd = metrics["boundedness"]
    fig, axes = figure(ncols=2, width=4.0, height=3.2)
    left, right = axes[0]
    for B in bd["Bs"]:
        errs = bd["errors_by_degree"][_bkey(B)]
        gs = [g for g, e in enumerate(errs, 1) if e is not None]
        left.semilogy(gs, [errs[g - 1] for g in gs], ".-", label=f"B = {B:g}")
    left.axhline(eps, color="k", lw=0.8, ls="--")
    left.set_xlabel("degree g")
    left.set_ylabel("max |fast − exact|")
    left.legend(fontsize=7, ncol=2)
    Bs = bd["Bs"]
    for key, label in (
        ("gstar", "g* (measured)"),
        ("g_chosen", "choose_degree"),
        ("g_certified", "Chebyshev bound"),
    ):
        right.plot(Bs, [bd[key][_bkey(B)] for B in Bs], "o-", label=label)
    right.axhline(DEGREE_CAP, color="k", lw=0.8, ls=":", label="degree cap")
    right.set_xlabel("B")
    right.set_ylabel("degree for eps = 1e-6")
    right.legend(fontsize=7)
    save_png(fig, path)


def crossover_figure(metrics: dict[str, Any], path) -> None:
    cb = metrics["crossover_b"]
    sw = cb["sweep"]
    fig, ax = figure(width=4.6, height=3.4)
    ax.semilogy(sw["B"], sw["exact_s"], "o-", label="exact")
    ax.semilogy(sw["B"], sw["fast_s"], "s-", label="fast at the certified degree")
    if cb["float64_limit_B"]:
        ax.axvline(cb["float64_limit_B"], color="k", lw=0.8, ls=":", label="float64 / cap limit")
    ax.set_xlabel("B (entries in [−B, B])")
    ax.set_ylabel("seconds (median)")
    ax.set_title(f"n = {cb['n']}, d = 3, eps = 1e-6")
    ax.legend(fontsize=8)
    save_png(fig, path)


# --- the experiment and the benchmark --------------------------------------------------------


def experiment(config: Config, ctx: RunContext) -> dict[str, Any]:
    metrics: dict[str, Any] = {
        "scaling": ctx.stage("scaling", lambda: scaling_stage(config, ctx)),
        "performance": ctx.stage("performance", lambda: performance_stage(config, ctx)),
    }
    if config.bound_Bs:
        metrics["boundedness"] = ctx.stage("boundedness", lambda: boundedness_stage(config, ctx))
    if config.cross_B_max > 0:
        metrics["crossover_b"] = ctx.stage("crossover_b", lambda: crossover_b_stage(config, ctx))
    if config.order3_n:
        metrics["order3"] = ctx.stage("order3", lambda: order3_stage(config, ctx))
    if config.match3_settings:
        metrics["match3"] = ctx.stage("match3", lambda: match3_stage(config, ctx))
    scaling_figure(metrics, ctx.path("scaling.png"))
    if "boundedness" in metrics:
        boundedness_figure(metrics, ctx.path("boundedness.png"), config.eps)
    if "crossover_b" in metrics:
        crossover_figure(metrics, ctx.path("crossover_b.png"))
    return metrics


def bench(ctx: RunContext) -> dict[str, Any]:
    """`python -m tensor_attention bench`: the Performance measurements at full-preset sizes."""
    return performance_stage(PRESETS["full"], ctx)
