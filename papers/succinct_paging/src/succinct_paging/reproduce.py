"""Presets and the experiment behind `python -m succinct_paging reproduce`.

For each cache size k (with N = 5k or 6k pages) the experiment draws `traces` drifting-Zipf traces
of n requests (plus one training trace each for the learned predictor), runs every algorithm with
every predictor on them (`evaluate.evaluate_trace`), and turns the costs into the metrics the
claims read:

    k<k>.cost.<algorithm>[.<predictor>]    mean cost over the traces (rand: over 5 runs as well)
    k<k>.ratio.<algorithm>[.<predictor>]   cost / OPT, one entry per trace (by trace seed)
    k<k>.smoothness.<algorithm>.increasing 1.0 iff the mean cost strictly increases with p
    checks.perfect_bits.*                  1.0 iff the consistency equality holds on every trace
    checks.bound.*                         ALG <= OPT + k (η_0 + η_1) on every (trace, predictor)
    perf.*                                 side-by-side timings (papershelf.compare)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import papershelf
from succinct_paging.baselines import LRU
from succinct_paging.belady import belady
from succinct_paging.data import zipf_drift
from succinct_paging.evaluate import PREDICTED, evaluate_trace, predictor_name
from succinct_paging.mark0 import Mark0


@dataclass(frozen=True)
class Config:
    n: int  # requests per trace
    sizes: tuple[tuple[int, int], ...]  # (k, N): cache size and number of pages
    traces: int  # traces per cache size
    ps: tuple[float, ...]  # flip probabilities of the noisy predictors (0 = oracle)
    rand_runs: int = 5  # runs averaged for each randomized algorithm
    alpha: float = 1.0  # Zipf exponent
    reshuffle: int = 200  # requests between re-draws of the page-to-rank map
    perf_n: int = 100_000  # trace length for time(Mark0 det) / time(LRU)
    perf_fitf_n: int = 1_000_000  # trace length for the FitF timing
    perf_k: int = 100
    perf_repeats: int = 7
    threads: int = 1


PS = (0.0, 0.01, 0.05, 0.1, 0.2, 0.5)
PRESETS = {
    "smoke": Config(
        n=2000,
        sizes=((8, 40),),
        traces=1,
        ps=(0.0, 0.1),
        perf_n=10_000,
        perf_fitf_n=50_000,
        perf_repeats=3,
    ),
    "quick": Config(n=5000, sizes=((10, 60),), traces=3, ps=PS),
    "full": Config(n=5000, sizes=((10, 60), (25, 150), (50, 300)), traces=10, ps=PS),
}


def trace_seeds(seed: int, k: int, i: int, runs: int) -> tuple[int, int, int, list[int]]:
    """Seeds of trace i at cache size k: (trace, training trace, noise, one per rand run).

    They depend on (seed, k, i) only, so the quick preset's traces are the full preset's first.
    """
    state = np.random.SeedSequence([seed, k, i]).generate_state(4).tolist()
    return state[0], state[1], state[2], [state[3] + r for r in range(runs)]


def _all(values) -> float:
    return float(all(values))


def run_size(config: Config, k: int, N: int, seed: int, progress) -> dict:
    """Metrics of one cache size k over `config.traces` traces (see the module docstring)."""
    results = []
    for i in progress(range(config.traces), desc=f"k={k}"):
        s_trace, s_train, s_noise, s_rand = trace_seeds(seed, k, i, config.rand_runs)
        seq = zipf_drift(config.n, N, config.alpha, config.reshuffle, s_trace)
        train = zipf_drift(config.n, N, config.alpha, config.reshuffle, s_train)
        results.append(
            evaluate_trace(
                seq,
                k,
                train_seq=train,
                ps=config.ps,
                noise_seed=s_noise,
                rand_seeds=s_rand,
            )
        )
    opt = np.array([r["opt"] for r in results], dtype=float)
    predictors = list(results[0]["mark0_det"])
    cost: dict = {"opt": opt.mean()}
    ratio: dict = {}
    for base in ("lru", "fifo", "marker", "clean_pages"):
        values = np.array([r[base] for r in results], dtype=float)
        cost[base], ratio[base] = values.mean(), (values / opt).tolist()
    for algo in PREDICTED:
        values = {q: np.array([r[algo][q] for r in results]) for q in predictors}
        cost[algo] = {q: v.mean() for q, v in values.items()}
        ratio[algo] = {q: (v / opt).tolist() for q, v in values.items()}
    series = [predictor_name(p) for p in config.ps]
    smoothness = {
        algo: {
            "increasing": _all(np.diff([cost[algo][q] for q in series]) > 0),
            "by_p": [cost[algo][q] for q in series],
        }
        for algo in PREDICTED
    }
    eta = {
        kind: {
            q: dict(
                zip(("eta0", "eta1"), np.mean([r["eta"][kind][q] for r in results], 0), strict=True)
            )
            for q in predictors
        }
        for kind in ("discard", "phase")
    }
    learned = {
        kind: {
            "accuracy": np.mean([r["learned"][kind]["accuracy"] for r in results]),
            "majority_rate": np.mean([r["learned"][kind]["majority_rate"] for r in results]),
            "beats_majority": _all(
                r["learned"][kind]["accuracy"] > r["learned"][kind]["majority_rate"]
                for r in results
            ),
        }
        for kind in ("discard", "phase")
    }
    # ALG <= OPT + k (η_0 + η_1) (the bar) and the paper's form OPT + (k-1) η_0 + η_1
    excess = [
        r["mark0_det"][q] - r["opt"] - k * sum(r["eta"]["discard"][q])
        for r in results
        for q in predictors
    ]
    paper_excess = [
        r["mark0_det"][q]
        - r["opt"]
        - (k - 1) * r["eta"]["discard"][q][0]
        - r["eta"]["discard"][q][1]
        for r in results
        for q in predictors
    ]
    exact = {
        f"{algo}_{'equals_opt' if kind == 'discard' else 'equals_clean'}": _all(
            r["perfect_bits_exact"][algo] for r in results
        )
        for algo, (_, _, kind) in PREDICTED.items()
    }
    exact["clean_le_2opt"] = _all(r["clean_pages"] <= 2 * r["opt"] for r in results)
    exact["map_max_over_opt"] = max(
        max(r["map_det"]["oracle"], r["map_rand"]["oracle"]) / r["opt"] for r in results
    )
    return {
        "N": N,
        "traces": config.traces,
        "cost": cost,
        "ratio": ratio,
        "smoothness": smoothness,
        "eta": eta,
        "learned": learned,
        "perfect_bits": exact,
        "bound": {
            "mark0_det_holds": _all(e <= 0 for e in excess),
            "mark0_det_max_excess": max(excess),
            "mark0_det_paper_form_max_excess": max(paper_excess),
        },
    }


def performance(config: Config, seed: int) -> dict:
    """time(Mark0 det) / time(LRU) on perf_n requests, and FitF's time on perf_fitf_n requests."""
    k = config.perf_k
    seq = zipf_drift(config.perf_n, 6 * k, seed=seed)
    bits = belady(seq, k)[1]
    pair = papershelf.compare(
        {"lru": lambda: LRU(k).run(seq), "mark0_det": lambda: Mark0(k).run(seq, bits)},
        repeats=config.perf_repeats,
        baseline="lru",
    )
    big = zipf_drift(config.perf_fitf_n, 6 * k, seed=seed + 1)
    fitf = papershelf.compare({"fitf": lambda: belady(big, k)}, repeats=3, warmup=0)["fitf"]
    return {
        "k": k,
        "n": config.perf_n,
        "lru_median_s": pair["lru"]["median_s"],
        "mark0_det_median_s": pair["mark0_det"]["median_s"],
        "mark0_det_over_lru_time": pair["mark0_det"]["median_s"] / pair["lru"]["median_s"],
        "mark0_det_over_lru_time_iqr": (pair["mark0_det"]["iqr_s"] / pair["lru"]["median_s"]),
        "fitf_n": config.perf_fitf_n,
        "fitf_median_s": fitf["median_s"],
        "fitf_max_s": fitf["max_s"],
    }


def summarize(per_k: dict[str, dict]) -> dict:
    """Checks over every cache size: 1.0 iff the property holds on every trace of every k."""
    sizes = list(per_k.values())
    perfect = {
        key: max(m["perfect_bits"][key] for m in sizes)
        if key == "map_max_over_opt"
        else _all(m["perfect_bits"][key] for m in sizes)
        for key in sizes[0]["perfect_bits"]
    }
    return {
        "perfect_bits": perfect,
        "bound": {
            "mark0_det_holds": _all(m["bound"]["mark0_det_holds"] for m in sizes),
            "mark0_det_max_excess": max(m["bound"]["mark0_det_max_excess"] for m in sizes),
            "mark0_det_paper_form_max_excess": max(
                m["bound"]["mark0_det_paper_form_max_excess"] for m in sizes
            ),
        },
    }


def plot(metrics: dict, config: Config, ctx: papershelf.RunContext) -> None:
    """smoothness.png: mean cost / mean OPT against p, one panel per k, baselines dashed;
    predictors.png: the same ratio under the inverted, all-0, all-1 and learned bits."""
    from papershelf.plotting import figure, save_png

    fig, axes = figure(ncols=len(config.sizes), width=3.6, height=3.0)
    axes = np.atleast_1d(axes).ravel()
    styles = {"lru": ("LRU", "0.4"), "marker": ("Marker", "0.7")}
    for ax, (k, _) in zip(axes, config.sizes, strict=True):
        m = metrics[f"k{k}"]
        opt = m["cost"]["opt"]
        for algo in PREDICTED:
            ax.plot(
                config.ps, np.array(m["smoothness"][algo]["by_p"]) / opt, marker="o", label=algo
            )
        for base, (label, color) in styles.items():
            ax.axhline(m["cost"][base] / opt, ls="--", color=color, label=label)
        ax.set(title=f"k = {k}, N = {m['N']}", xlabel="flip probability p", ylabel="cost / OPT")
    axes[0].legend(fontsize=7)
    save_png(fig, ctx.path("smoothness.png"))

    fig, axes = figure(ncols=len(config.sizes), width=3.6, height=3.0)
    axes = np.atleast_1d(axes).ravel()
    predictors = ("inverted", "all0", "all1", "learned")
    width = 0.8 / len(PREDICTED)
    for ax, (k, _) in zip(axes, config.sizes, strict=True):
        m = metrics[f"k{k}"]
        opt = m["cost"]["opt"]
        for j, algo in enumerate(PREDICTED):
            heights = [m["cost"][algo][q] / opt for q in predictors]
            ax.bar(np.arange(len(predictors)) + (j - 2) * width, heights, width, label=algo)
        for base, (label, color) in styles.items():
            ax.axhline(m["cost"][base] / opt, ls="--", color=color, label=label)
        ax.set_xticks(np.arange(len(predictors)), predictors)
        ax.set(title=f"k = {k}, N = {m['N']}", ylabel="cost / OPT")
    axes[0].legend(fontsize=6)
    save_png(fig, ctx.path("predictors.png"))


def experiment(config: Config, ctx: papershelf.RunContext) -> dict:
    metrics: dict = {}
    for k, N in config.sizes:
        metrics[f"k{k}"] = ctx.stage(
            f"k{k}", lambda k=k, N=N: run_size(config, k, N, ctx.seed, ctx.progress)
        )
    metrics["checks"] = summarize(metrics)
    metrics["perf"] = ctx.stage("perf", lambda: performance(config, ctx.seed))
    plot(metrics, config, ctx)
    return metrics


def bench(ctx: papershelf.RunContext) -> dict:
    """`python -m succinct_paging bench`: the Performance ratios at the full preset's sizes."""
    return performance(PRESETS["full"], ctx.seed)
