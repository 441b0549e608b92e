"""Presets and the experiment behind `python -m topo_swaps reproduce` (and `bench`).

Every problem (a setting and a replicate) draws a random DAG, its weights and n samples, then
runs, on the same data:

- `notears`: NOTEARS-linear (λ₁ = 0.1, h_expm, official schedule), thresholded at 0.3;
- `topo`: TOPO from a random order, W*(π) thresholded at 0.3;
- `topo_post`: TOPO started from a topological sort of the NOTEARS DAG (post-processing);
- `dagma`: DAGMA-linear from PyPI, for context (when the config asks for it and it is installed);
- `topo_lasso` (settings with `lasso` > 0): TOPO with the Lasso inner solver, compared with
  NOTEARS on the NOTEARS objective itself, L(W) + λ‖W‖₁ at the raw (unthresholded) estimates.

Each method's `score` is the same criterion for all: the score of a refit of the inner solver
(least squares, or the L1-logistic score for binary data) on the method's thresholded DAG;
`order_score` is Q(W*(π)) for a topological sort π of that DAG. Metric keys are
`<setting>.<method>.<stat>`; `quick.*` pools the settings of the issue's quick preset, and
`speed.*` holds the side-by-side timings (`papershelf.compare`).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

import papershelf
from topo_swaps.acyclicity import h_logdet, h_poly
from topo_swaps.baselines import dagma_available, dagma_linear, notears_linear
from topo_swaps.data import (
    simulate_dag,
    simulate_linear_sem,
    simulate_logistic_sem,
    simulate_weights,
)
from topo_swaps.inner import GramOLS, LassoSolver, LogisticL1Solver, LstsqOLS
from topo_swaps.metrics import count_accuracy, topological_order
from topo_swaps.scores import l1, least_squares_gram
from topo_swaps.topo import candidate_sets, create_Z, default_sizes, topo

METHODS = ("notears", "topo", "topo_post", "topo_all", "dagma")
SCORE_SLACK = 1e-9  # "TOPO score ≤ NOTEARS score + 1e-9" (the bar)


@dataclass(frozen=True)
class Setting:
    """One simulation setting: `seeds` replicates of a d-node DAG and n samples.

    graph: "ER" or "SF" with k edges per node; model: gauss | exp | gumbel (linear SEM) or
    logistic (binary data); lasso: λ of the TOPO-Lasso comparison on the same data (0 = none);
    all_pairs: also run TOPO with every pair as a candidate (s_small = s_large = d(d−1)/2), the
    ablation that shows what the ∇h-based candidate sets leave out.
    """

    name: str
    d: int
    graph: str
    k: int
    n: int
    model: str = "gauss"
    seeds: int = 1
    lasso: float = 0.0
    all_pairs: bool = False


@dataclass(frozen=True)
class Config:
    """A preset. `quick` names the settings pooled into the `quick.*` metrics; `speed` names the
    setting whose first replicate is timed side by side (`speed_repeats` interleaved rounds);
    the Gram-vs-lstsq inner-solver timing runs on a `gram_d`-node ER4 problem with n = `gram_n`;
    `workers` processes run the replicates of a setting in parallel (each pinned to one thread).
    """

    settings: tuple[Setting, ...]
    quick: tuple[str, ...]
    speed: str
    speed_repeats: int
    gram_d: int
    gram_n: int
    gram_repeats: int
    dagma: bool = False
    workers: int = 1
    threads: int = 1


SMOKE_SETTING = Setting("d8_er2", d=8, graph="ER", k=2, n=500)
QUICK_SETTINGS = (
    Setting("d20_er2", d=20, graph="ER", k=2, n=1000, seeds=3),
    Setting("d20_er4", d=20, graph="ER", k=4, n=1000, seeds=3),
)
PRESETS = {
    "smoke": Config(
        settings=(SMOKE_SETTING,),
        quick=("d8_er2",),
        speed="d8_er2",
        speed_repeats=2,
        gram_d=12,
        gram_n=500,
        gram_repeats=2,
    ),
    "quick": Config(
        settings=QUICK_SETTINGS,
        quick=("d20_er2", "d20_er4"),
        speed="d20_er2",
        speed_repeats=3,
        gram_d=50,
        gram_n=1000,
        gram_repeats=5,
        workers=2,
    ),
    "full": Config(
        settings=(
            SMOKE_SETTING,
            replace(QUICK_SETTINGS[0], lasso=0.1),  # + TOPO-Lasso on the NOTEARS objective
            QUICK_SETTINGS[1],
            Setting("d20_er2_exp", d=20, graph="ER", k=2, n=1000, model="exp", seeds=2),
            Setting("d20_er2_gumbel", d=20, graph="ER", k=2, n=1000, model="gumbel", seeds=2),
            Setting("d10_er2_logistic", d=10, graph="ER", k=2, n=2000, model="logistic", seeds=2),
            Setting("d50_er2", d=50, graph="ER", k=2, n=1000, seeds=2, all_pairs=True),
            Setting("d50_er4", d=50, graph="ER", k=4, n=1000, seeds=2, all_pairs=True),
            Setting("d50_sf4", d=50, graph="SF", k=4, n=1000, seeds=2, all_pairs=True),
        ),
        quick=("d20_er2", "d20_er4"),
        speed="d20_er2",
        speed_repeats=3,
        gram_d=50,
        gram_n=1000,
        gram_repeats=5,
        dagma=True,
        workers=2,
    ),
}


# --- one problem ------------------------------------------------------------------------------


def make_problem(setting: Setting, seed: int) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    """(B_true (d, d), X (n, d), the rng that continues the stream) for one replicate.

    Continuous data are centred (not standardised: equal noise variances stay equal).
    """
    rng = np.random.default_rng([seed, zlib.crc32(setting.name.encode())])
    B = simulate_dag(setting.d, setting.k, setting.graph, rng)
    W = simulate_weights(B, rng)
    if setting.model == "logistic":
        return B, simulate_logistic_sem(W, setting.n, rng), rng
    X = simulate_linear_sem(W, setting.n, setting.model, rng)
    return B, X - X.mean(axis=0, keepdims=True), rng


def make_solver(setting: Setting, X: np.ndarray):
    return LogisticL1Solver(X, C=0.1) if setting.model == "logistic" else GramOLS(X)


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def _graph_metrics(B_true, W_est, solver, seconds: float) -> dict[str, float]:
    out = count_accuracy(B_true, W_est)
    out["score"] = solver.fit_parents(W_est)[1]
    out["order_score"] = solver.fit(topological_order(W_est)).loss
    out["time_s"] = seconds
    return out


def improving_swaps_left(solver, result) -> float:
    """How many of all d(d−1)/2 swaps of TOPO's final order would still lower the score: the
    improving moves that the ∇h-based candidate sets did not contain."""
    fit = solver.fit(result.order)
    cut = fit.loss - 1e-12 * max(1.0, abs(fit.loss))
    d = len(result.order)
    return float(sum(solver.swap_loss(fit, p, q) < cut for p, q in combinations(range(d), 2)))


def run_problem(setting: Setting, seed: int, use_dagma: bool) -> dict:
    """All methods on one replicate; returns {method: {metric: value}} plus per-run extras."""
    with threadpool_limits(1):  # also inside worker processes
        B, X, rng = make_problem(setting, seed)
        solver = make_solver(setting, X)
        loss = "logistic" if setting.model == "logistic" else "l2"
        init = rng.permutation(setting.d)

        nt, t_nt = _timed(notears_linear, X, loss=loss)
        tp, t_tp = _timed(topo, solver, init)
        post, t_post = _timed(topo, solver, topological_order(nt.W_est))
        out = {
            "notears": _graph_metrics(B, nt.W_est, solver, t_nt),
            "topo": _graph_metrics(B, tp.W_est, solver, t_tp),
            "topo_post": _graph_metrics(B, post.W_est, solver, t_post),
        }
        out["notears"].update(
            h_expm=nt.h,
            h_poly=h_poly(nt.W)[0],
            h_logdet=h_logdet(nt.W)[0],
            rho_max=float(nt.reached_rho_max),
        )
        for name, res in (("topo", tp), ("topo_post", post)):
            out[name].update(
                iterations=float(res.iterations),
                evaluated=float(res.evaluated),
                inner_loss=res.loss,
                history=[h[0] for h in res.history],
            )
        if loss == "l2":  # KKT: ∂L/∂W_ij = 0 on every edge π allows
            grad = least_squares_gram(solver.cov, tp.W)[1]
            out["topo"]["kkt_max"] = float(np.abs(grad[~create_Z(tp.order)]).max())
            out["topo"]["improving_swaps_left"] = improving_swaps_left(solver, tp)
        out["true_order_score"] = solver.fit(topological_order(B)).loss
        if use_dagma:
            W_dg, t_dg = _timed(dagma_linear, X, loss=loss)
            out["dagma"] = _graph_metrics(B, W_dg, solver, t_dg)
        if setting.all_pairs:
            everything = setting.d * (setting.d - 1) // 2
            ta, t_ta = _timed(topo, solver, init, size_small=everything, size_large=everything)
            out["topo_all"] = _graph_metrics(B, ta.W_est, solver, t_ta)
            out["topo_all"]["history"] = [h[0] for h in ta.history]
        if setting.lasso > 0:
            lasso = LassoSolver(X, setting.lasso)
            tl, t_tl = _timed(topo, lasso, init)
            out["topo_lasso"] = count_accuracy(B, tl.W_est)
            out["topo_lasso"].update(time_s=t_tl, objective=tl.loss)
            penalty = l1(nt.W, setting.lasso)[0]
            out["notears"]["objective"] = least_squares_gram(solver.cov, nt.W)[0] + penalty
        return out


# --- aggregation ------------------------------------------------------------------------------


def _aggregate(runs: list[dict]) -> dict:
    """Means over replicates (`<stat>_mean`), per-run lists (`<stat>_runs`), and the bars'
    every-run booleans."""
    agg: dict = {}
    for method in sorted({m for r in runs for m in r if isinstance(r[m], dict)}):
        stats = [r[method] for r in runs if method in r]
        entry: dict = {}
        for stat in stats[0]:
            if stat == "history":
                entry["history_run0"] = stats[0][stat]
                continue
            values = [s[stat] for s in stats]
            entry[f"{stat}_mean"] = float(np.mean(values))
            entry[f"{stat}_runs"] = values
        agg[method] = entry
    for method in ("topo", "topo_post", "topo_all", "dagma"):
        if method in agg:
            ok = [r[method]["score"] <= r["notears"]["score"] + SCORE_SLACK for r in runs]
            agg[method]["score_le_notears_all"] = float(all(ok))
    if "topo_lasso" in agg:
        ok = [r["topo_lasso"]["objective"] <= r["notears"]["objective"] for r in runs]
        agg["topo_lasso"]["objective_le_notears_all"] = float(all(ok))
    true_scores = [r["true_order_score"] for r in runs]
    agg["true_order_score_mean"] = float(np.mean(true_scores))
    agg["true_order_score_runs"] = true_scores
    return agg


def run_setting(setting: Setting, config: Config, seed: int) -> dict:
    seeds = [seed + r for r in range(setting.seeds)]
    use_dagma = config.dagma and dagma_available()
    if config.workers == 1 or len(seeds) == 1:
        runs = [run_problem(setting, s, use_dagma) for s in seeds]
    else:
        runs = Parallel(n_jobs=min(config.workers, len(seeds)), backend="loky")(
            delayed(run_problem)(setting, s, use_dagma) for s in seeds
        )
    return _aggregate(runs)


def _pool(metrics: dict, names: tuple[str, ...]) -> dict:
    """Pooled stats over several settings (every run of each), for the issue's quick bars."""
    out: dict = {}
    for method in ("notears", "topo", "topo_post", "dagma"):
        if not all(method in metrics[n] for n in names):
            continue
        shd = [v for n in names for v in metrics[n][method]["shd_runs"]]
        out[method] = {"shd_mean": float(np.mean(shd)), "runs": float(len(shd))}
        if method != "notears":
            out[method]["score_le_notears_all"] = float(
                all(metrics[n][method]["score_le_notears_all"] for n in names)
            )
    return out


# --- side-by-side timings ---------------------------------------------------------------------


def speed_topo_vs_notears(setting: Setting, seed: int, repeats: int) -> dict:
    """Wall time of TOPO (random order, Gram matrix included) vs NOTEARS on one problem,
    interleaved with `papershelf.compare`."""
    with threadpool_limits(1):
        _, X, rng = make_problem(setting, seed)
        init = rng.permutation(setting.d)
        timing = papershelf.compare(
            {
                "notears": lambda: notears_linear(X),
                "topo": lambda: topo(GramOLS(X), init),
            },
            repeats=repeats,
            warmup=0,
            baseline="notears",
        )
    return {
        "topo_median_s": timing["topo"]["median_s"],
        "notears_median_s": timing["notears"]["median_s"],
        "topo_over_notears": timing["topo"]["median_s"] / timing["notears"]["median_s"],
        "repeats": float(repeats),
    }


def speed_gram_vs_lstsq(d: int, n: int, seed: int, repeats: int) -> dict:
    """Evaluating one TOPO iteration's candidate swaps (Y_large, all refits p … q): `GramOLS`
    (Cholesky of the Schur complement) vs `LstsqOLS` (lstsq on X per refitted node)."""
    with threadpool_limits(1):
        setting = Setting(f"gram_d{d}", d=d, graph="ER", k=4, n=n)
        _, X, rng = make_problem(setting, seed)
        order = tuple(rng.permutation(d))
        gram, ref = GramOLS(X), LstsqOLS(X)
        fit_g, fit_r = gram.fit(order), ref.fit(order)
        _, s_large, _ = default_sizes(d)
        _, pairs = candidate_sets(h_logdet(fit_g.W, order=order)[1], create_Z(order), 1, s_large)
        pos = {v: k for k, v in enumerate(order)}
        spans = [(pos[j], pos[i]) for i, j in pairs]

        def run(solver, fit):
            return np.array([solver.swap_loss(fit, p, q) for p, q in spans])

        gap = float(np.abs(run(gram, fit_g) - run(ref, fit_r)).max() / max(1.0, fit_r.loss))
        timing = papershelf.compare(
            {"gram": lambda: run(gram, fit_g), "lstsq": lambda: run(ref, fit_r)},
            repeats=repeats,
            warmup=1,
            baseline="lstsq",
        )
    return {
        "candidates": float(len(spans)),
        "gram_median_s": timing["gram"]["median_s"],
        "lstsq_median_s": timing["lstsq"]["median_s"],
        "gram_speedup_vs_lstsq": timing["gram"]["speedup_vs_lstsq"],
        "max_rel_loss_gap": gap,
    }


def speed_metrics(config: Config, seed: int) -> dict:
    by_name = {s.name: s for s in config.settings}
    out = speed_topo_vs_notears(by_name[config.speed], seed, config.speed_repeats)
    out.update(speed_gram_vs_lstsq(config.gram_d, config.gram_n, seed, config.gram_repeats))
    return out


# --- figures ----------------------------------------------------------------------------------


def plot_shd(metrics: dict, settings: tuple[Setting, ...], path) -> None:
    """Mean SHD per setting and method (a method missing from a setting leaves a gap)."""
    from papershelf.plotting import figure, save_png

    fig, ax = figure(width=9.0, height=3.2)
    names = [s.name for s in settings]
    methods = [m for m in METHODS if any(m in metrics[n] for n in names)]
    x = np.arange(len(names))
    width = 0.8 / len(methods)
    for k, m in enumerate(methods):
        shd = [metrics[n][m]["shd_mean"] if m in metrics[n] else np.nan for n in names]
        ax.bar(x + k * width, shd, width, label=m)
    ax.set_xticks(x + 0.4 - width / 2, names, rotation=20, ha="right")
    ax.set_ylabel("mean SHD (lower is better)")
    ax.legend(ncols=len(methods))
    save_png(fig, path)


def plot_trajectories(metrics: dict, names: list[str], path) -> None:
    """TOPO's score L(W*(π)) per outer iteration (replicate 0) against NOTEARS and the truth."""
    from papershelf.plotting import figure, save_png

    fig, axes = figure(ncols=len(names), width=4.2, height=3.0)
    for ax, name in zip(np.ravel(axes), names, strict=True):
        entry = metrics[name]
        for method, label in (("topo", "TOPO (default sets)"), ("topo_all", "TOPO (all pairs)")):
            if method in entry:
                history = entry[method]["history_run0"]
                ax.plot(range(len(history)), history, marker=".", label=label)
        ax.axhline(entry["notears"]["score_runs"][0], color="C3", ls="--", label="NOTEARS (refit)")
        ax.axhline(entry["true_order_score_runs"][0], color="k", ls=":", label="W*(true order)")
        ax.set_yscale("log")
        ax.set_xlabel("outer iteration")
        ax.set_ylabel("least-squares score")
        ax.set_title(f"{name}, replicate 0")
        ax.legend()
    save_png(fig, path)


# --- the experiment ---------------------------------------------------------------------------


def experiment(config: Config, ctx: papershelf.RunContext) -> dict:
    metrics: dict = {}
    for setting in ctx.progress(config.settings, desc="settings"):
        metrics[setting.name] = ctx.stage(
            setting.name, lambda s=setting: run_setting(s, config, ctx.seed)
        )
    metrics["quick"] = _pool(metrics, config.quick)
    metrics["speed"] = ctx.stage("speed", lambda: speed_metrics(config, ctx.seed))
    metrics["dagma_available"] = float(config.dagma and dagma_available())
    plot_shd(metrics, config.settings, ctx.path("shd.png"))
    linear = [s for s in config.settings if s.model != "logistic"]
    biggest = max((s.d, s.k) for s in linear)
    names = [s.name for s in linear if (s.d, s.k) == biggest]
    plot_trajectories(metrics, names, ctx.path("trajectory.png"))
    return metrics


def bench(ctx: papershelf.RunContext) -> dict:
    """`python -m topo_swaps bench`: the two speed ratios at quick scale."""
    return speed_metrics(PRESETS["quick"], ctx.seed)
