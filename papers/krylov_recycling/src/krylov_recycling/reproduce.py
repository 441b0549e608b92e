"""Presets and the experiment behind `python -m krylov_recycling reproduce`.

A study is one PDE family at one grid size: `seeds` data sets of `systems` systems each, solved by
GMRES(40) (each system on its own), SKR (sort + GCRO-DR(40, 20) carrying U), and the two
ablations (GCRO-DR in generation order, which for i.i.d. draws is a random order; GCRO-DR that
recycles only inside each system). The methods run side by side with `papershelf.compare`
(interleaved; the order rotates between data seeds), BLAS pinned to one thread, and every wall time
includes sorting and preconditioner setup. Metrics, per study:

    <study>.<method>.matvecs_mean       products with A per system (all seeds pooled)
    <study>.<method>.seconds            wall time summed over seeds (median over `repeats`)
    <study>.<method>.unconverged        systems that hit maxit (counted at maxit)
    <study>.<method>.max_residual       max ‖b − A x‖/‖b‖ over the systems
    <study>.matvec_ratio, time_ratio    GMRES / SKR
    <study>.skr_over_norecycle, skr_over_unsorted   SKR / ablation (matvecs)
    <study>.seeds.s<j>.…                the same per data seed

plus the tolerance sweep, the preconditioner table, the peers and GMRES timing (`perf`), the
chunked scale-out path, the official file formats (`formats`), and `checks`.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import papershelf
from krylov_recycling.data import FAMILIES, LinearSystem, load_official_npy, save_official_npy
from krylov_recycling.petsc_io import read_petsc_sequence, write_petsc_sequence
from krylov_recycling.skr import SequenceResult, skr, skr_chunked, skr_order, solve_sequence
from krylov_recycling.sorting import path_length, sort_features

ABLATIONS = ("gcrodr_unsorted", "gcrodr_norecycle")


@dataclass(frozen=True)
class Study:
    name: str  # metrics key
    family: str  # a key of data.FAMILIES
    s: int  # grid side: (s - 2)^2 unknowns
    systems: int  # systems per data seed
    seeds: int = 1  # data seeds 0 .. seeds - 1
    variant: str = "fv"  # darcy / helmholtz discretization: "fv" or "official"
    ablations: tuple[str, ...] = ABLATIONS  # which of ABLATIONS also run
    repeats: int = 1  # timing repeats per method (papershelf.compare, median)


@dataclass(frozen=True)
class Config:
    studies: tuple[Study, ...]
    sweep: Study  # the tolerance sweep and preconditioner table run on its first data seed
    rtols: tuple[float, ...]
    preconditioners: tuple[str, ...]
    perf_systems: int  # systems of `sweep` for the GMRES-vs-scipy timing and the peers
    perf_repeats: int
    chunk_workers: int  # P of the scale-out path
    m: int = 40  # restart length (-ksp_gmres_restart 40)
    k: int = 20  # recycled vectors (-ksp_hpddm_recycle 20)
    rtol: float = 1e-8
    maxit: int = 10_000  # matvecs per system (official -ksp_max_it 10000)
    scalar_sort_scale: float = 1.0  # weight of the scalars (κ, θ) appended to the sort features
    threads: int = 1


RTOLS = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10)
PRECONDITIONERS = ("none", "jacobi", "ilu", "amg")


def _small(name: str, family: str, s: int, systems: int, **kw) -> Study:
    return Study(name=name, family=family, s=s, systems=systems, **kw)


NO_SORT_ABLATION = ("gcrodr_norecycle",)

PRESETS = {
    "smoke": Config(
        studies=(
            _small("darcy_s34", "darcy", 34, 8),
            _small("helmholtz_s18", "helmholtz", 18, 6),
            _small("poisson_lowdim_s18", "poisson_lowdim", 18, 6, ablations=()),
            _small("poisson_official_s18", "poisson_official", 18, 6, ablations=()),
            _small("darcy_official_s18", "darcy", 18, 6, variant="official", ablations=()),
        ),
        sweep=_small("darcy_s18", "darcy", 18, 8),
        rtols=RTOLS,
        preconditioners=PRECONDITIONERS,
        perf_systems=8,  # >= 7: the FFT features keep 7 principal components
        perf_repeats=1,
        chunk_workers=2,
    ),
    "quick": Config(
        studies=(
            _small("darcy_s66", "darcy", 66, 30, seeds=2),
            _small("helmholtz_s66", "helmholtz", 66, 10, seeds=2),
            _small("poisson_lowdim_s34", "poisson_lowdim", 34, 20, ablations=()),
            _small("poisson_official_s34", "poisson_official", 34, 20, ablations=()),
            _small("darcy_official_s34", "darcy", 34, 20, variant="official", ablations=()),
        ),
        sweep=_small("darcy_s34", "darcy", 34, 20),
        rtols=RTOLS,
        preconditioners=PRECONDITIONERS,
        perf_systems=10,
        perf_repeats=3,
        chunk_workers=2,
    ),
    "full": Config(
        studies=(
            _small("darcy_s34", "darcy", 34, 8, seeds=2, repeats=3),  # the smoke configuration
            _small("darcy_s66", "darcy", 66, 30, seeds=2, repeats=3),  # the quick configuration
            _small("helmholtz_s66", "helmholtz", 66, 50, seeds=2),
            _small("darcy_s98", "darcy", 98, 100, ablations=NO_SORT_ABLATION),
            _small("darcy_s130", "darcy", 130, 100, ablations=NO_SORT_ABLATION),
            _small("poisson_lowdim_s66", "poisson_lowdim", 66, 50, ablations=()),
            _small("poisson_official_s66", "poisson_official", 66, 50, ablations=()),
            _small("darcy_official_s66", "darcy", 66, 30, variant="official", ablations=()),
        ),
        sweep=_small("darcy_s66", "darcy", 66, 30),
        rtols=RTOLS,
        preconditioners=PRECONDITIONERS,
        perf_systems=10,
        perf_repeats=3,
        chunk_workers=2,
    ),
}


def make_systems(study: Study, seed: int, data_seed: int) -> list[LinearSystem]:
    """The systems of one data seed; system i depends on (seed, family, data_seed, i) only, so a
    study with more systems extends one with fewer."""
    family = list(FAMILIES).index(study.family)
    kwargs = {"variant": study.variant} if study.family in ("darcy", "helmholtz") else {}
    return [
        FAMILIES[study.family](
            np.random.default_rng([seed, family, data_seed, i]), study.s, 1, **kwargs
        )[0]
        for i in range(study.systems)
    ]


def _solver_kwargs(config: Config, **overrides) -> dict:
    return {"m": config.m, "k": config.k, "rtol": config.rtol, "maxit": config.maxit, **overrides}


def _side_by_side(
    runs: dict[str, Callable[[], SequenceResult]], repeats: int, rotate: int
) -> dict[str, dict]:
    """Run the contestants with papershelf.compare; returns each one's summary with the median
    wall time as `seconds` (the order of the first round rotates by `rotate`)."""
    names = list(runs)
    names = names[rotate % len(names) :] + names[: rotate % len(names)]
    results: dict[str, SequenceResult] = {}

    def contestant(name: str) -> Callable[[], None]:
        return lambda: results.__setitem__(name, runs[name]())

    timing = papershelf.compare({n: contestant(n) for n in names}, repeats=repeats, warmup=0)
    out = {}
    for name in runs:
        res = results[name]
        out[name] = {**res.summary(), "seconds": timing[name]["median_s"]}
        out[name]["_result"] = res
    return out


def run_study(study: Study, config: Config, seed: int, progress) -> dict:
    """Every method on every data seed of one study; the metrics in the module docstring."""
    kw = _solver_kwargs(config)
    scale = config.scalar_sort_scale
    methods = ("gmres", "skr", *study.ablations)
    per_seed, pooled = {}, {name: [] for name in methods}
    lengths = {"sorted": [], "unsorted": []}
    order_matvecs = {}
    for j in progress(range(study.seeds), desc=study.name):
        systems = make_systems(study, seed, j)
        runs = {
            "gmres": lambda sy=systems: solve_sequence(sy, "gmres", **kw),
            "skr": lambda sy=systems: skr(sy, scalar_scale=scale, **kw),
            "gcrodr_unsorted": lambda sy=systems: solve_sequence(sy, "gcrodr", **kw),
            "gcrodr_norecycle": lambda sy=systems: solve_sequence(
                sy, "gcrodr", recycle=False, **kw
            ),
        }
        out = _side_by_side({n: runs[n] for n in methods}, study.repeats, rotate=j)
        for name in methods:
            pooled[name].append(out[name].pop("_result"))
        per_seed[f"s{j}"] = out
        features = sort_features(
            np.stack([s.field for s in systems]),
            np.stack([s.scalars for s in systems]) if systems[0].scalars.size else None,
            scalar_scale=scale,
        )
        skr_result = pooled["skr"][-1]
        lengths["sorted"].append(path_length(features, skr_result.order))
        lengths["unsorted"].append(path_length(features, np.arange(len(systems))))
        if j == 0:
            order_matvecs = {n: pooled[n][0].matvecs[skr_result.order].tolist() for n in methods}
    metrics: dict = {"unknowns": (study.s - 2) ** 2, "systems": study.systems, "seeds": study.seeds}
    for name, results in pooled.items():
        mv = np.concatenate([r.matvecs for r in results])
        metrics[name] = {
            "matvecs_mean": float(mv.mean()),
            "unconverged": int(sum(r.unconverged for r in results)),
            "max_residual": float(max(r.residuals.max() for r in results)),
            "seconds": float(sum(per_seed[f"s{j}"][name]["seconds"] for j in range(study.seeds))),
        }
    metrics["matvec_ratio"] = metrics["gmres"]["matvecs_mean"] / metrics["skr"]["matvecs_mean"]
    metrics["time_ratio"] = metrics["gmres"]["seconds"] / metrics["skr"]["seconds"]
    for name in study.ablations:
        key = name.removeprefix("gcrodr_")
        metrics[f"skr_over_{key}"] = metrics["skr"]["matvecs_mean"] / metrics[name]["matvecs_mean"]
    metrics["skr_converged_all"] = float(metrics["skr"]["unconverged"] == 0)
    metrics["path_length"] = {k: float(np.mean(v)) for k, v in lengths.items()}
    metrics["order_matvecs_seed0"] = order_matvecs
    metrics["seeds"] = per_seed
    return metrics


def _rtol_key(rtol: float) -> str:
    return f"rtol_1e_{round(-math.log10(rtol))}"


def tolerance_sweep(config: Config, seed: int, progress) -> dict:
    """GMRES vs SKR at every rtol on the sweep study's first data seed."""
    systems = make_systems(config.sweep, seed, 0)
    out: dict = {"unknowns": (config.sweep.s - 2) ** 2, "systems": config.sweep.systems}
    for i, rtol in enumerate(progress(config.rtols, desc="tolerance sweep")):
        kw = _solver_kwargs(config, rtol=rtol)
        runs = _side_by_side(
            {
                "gmres": lambda kw=kw: solve_sequence(systems, "gmres", **kw),
                "skr": lambda kw=kw: skr(systems, **kw),
            },
            repeats=1,
            rotate=i,
        )
        out[_rtol_key(rtol)] = {
            "rtol": rtol,
            "gmres_matvecs": runs["gmres"]["matvecs_mean"],
            "skr_matvecs": runs["skr"]["matvecs_mean"],
            "matvec_ratio": runs["gmres"]["matvecs_mean"] / runs["skr"]["matvecs_mean"],
            "time_ratio": runs["gmres"]["seconds"] / runs["skr"]["seconds"],
            "unconverged": runs["gmres"]["unconverged"] + runs["skr"]["unconverged"],
        }
    tight = [r for r in config.rtols if 1e-10 <= r <= 1e-4]
    ratios = [out[_rtol_key(r)]["matvec_ratio"] for r in sorted(tight, reverse=True)]
    out["ratio_nondecreasing_1e4_to_1e10"] = float(all(np.diff(ratios) >= 0))
    return out


def preconditioner_table(config: Config, seed: int, progress) -> dict:
    """GMRES vs SKR with every right preconditioner (built per system, setup timed)."""
    systems = make_systems(config.sweep, seed, 0)
    out: dict = {"unknowns": (config.sweep.s - 2) ** 2, "systems": config.sweep.systems}
    for i, pc in enumerate(progress(config.preconditioners, desc="preconditioners")):
        kw = _solver_kwargs(config, precond=pc)
        runs = _side_by_side(
            {
                "gmres": lambda kw=kw: solve_sequence(systems, "gmres", **kw),
                "skr": lambda kw=kw: skr(systems, **kw),
            },
            repeats=1,
            rotate=i,
        )
        out[pc] = {
            "gmres_matvecs": runs["gmres"]["matvecs_mean"],
            "skr_matvecs": runs["skr"]["matvecs_mean"],
            "matvec_ratio": runs["gmres"]["matvecs_mean"] / runs["skr"]["matvecs_mean"],
            "gmres_seconds": runs["gmres"]["seconds"],
            "skr_seconds": runs["skr"]["seconds"],
            "time_ratio": runs["gmres"]["seconds"] / runs["skr"]["seconds"],
            "unconverged": runs["gmres"]["unconverged"] + runs["skr"]["unconverged"],
        }
    return out


def performance(config: Config, seed: int) -> dict:
    """Side by side on the first `perf_systems` sweep systems: our GMRES(40) (CGS2, and MGS2)
    vs scipy's gmres(restart=40); SKR (field features, and the official FFT/PCA "address"
    features) vs scipy's gcrotmk with CU recycling in SKR's order."""
    systems = make_systems(config.sweep, seed, 0)[: config.perf_systems]
    kw = _solver_kwargs(config)
    order = skr_order(systems)
    runs = _side_by_side(
        {
            "gmres": lambda: solve_sequence(systems, "gmres", **kw),
            "scipy_gmres": lambda: solve_sequence(systems, "scipy_gmres", **kw),
            "gmres_mgs2": lambda: solve_sequence(systems, "gmres", orthogonalization="mgs2", **kw),
            "skr": lambda: skr(systems, **kw),
            "skr_fft_features": lambda: skr(systems, features="fft", **kw),
            "scipy_gcrotmk": lambda: solve_sequence(systems, "scipy_gcrotmk", order=order, **kw),
        },
        repeats=config.perf_repeats,
        rotate=0,
    )
    for r in runs.values():
        r.pop("_result")
    return {
        "systems": len(systems),
        "unknowns": (config.sweep.s - 2) ** 2,
        "repeats": config.perf_repeats,
        **runs,
        "scipy_over_ours_gmres_time": runs["scipy_gmres"]["seconds"] / runs["gmres"]["seconds"],
        "mgs2_over_cgs2_gmres_time": runs["gmres_mgs2"]["seconds"] / runs["gmres"]["seconds"],
        "gcrotmk_over_skr_matvecs": runs["scipy_gcrotmk"]["matvecs_mean"]
        / runs["skr"]["matvecs_mean"],
    }


def scale_out(config: Config, seed: int) -> dict:
    """SKR over P contiguous chunks of the sorted sequence in P processes, checked against the
    same chunks solved one after the other in this process."""
    systems = make_systems(config.sweep, seed, 0)
    kw = _solver_kwargs(config, keep_solutions=True)
    P = config.chunk_workers
    parallel = skr_chunked(systems, P, processes=True, **kw)
    serial = skr_chunked(systems, P, processes=False, **kw)
    whole = skr(systems, **_solver_kwargs(config))
    diff = max(
        float(np.abs(a - b).max())
        for a, b in zip(parallel.solutions, serial.solutions, strict=True)
    )
    return {
        "workers": P,
        "matvecs_mean": parallel.matvecs_mean,
        "seconds": parallel.seconds,
        "serial_chunks_seconds": serial.seconds,
        "one_sequence_matvecs_mean": whole.matvecs_mean,
        "matches_serial_chunks": float(
            np.array_equal(parallel.matvecs, serial.matvecs) and diff == 0.0
        ),
        "unconverged": parallel.unconverged,
    }


def formats(config: Config, seed: int) -> dict:
    """The first `perf_systems` sweep systems in SKR order, written in the official formats (the
    PETSc binary files `e.c` loads, and the Python-side .npy files) and read back."""
    systems = make_systems(config.sweep, seed, 0)[: config.perf_systems]
    order = skr_order(systems)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_petsc_sequence(Path(tmp) / "petsc", systems, order)
        nbytes = sum(f.stat().st_size for f in folder.iterdir())
        back = read_petsc_sequence(folder)
        petsc_exact = all(
            (A != systems[j].A).nnz == 0 and np.array_equal(b, systems[j].b)
            for (A, b), j in zip(back, order, strict=True)
        )
        loaded = load_official_npy(save_official_npy(Path(tmp) / "npy", systems), allow_pickle=True)
        npy_exact = all(
            (x.A != y.A).nnz == 0 and np.array_equal(x.b, y.b) and np.array_equal(x.field, y.field)
            for x, y in zip(loaded, systems, strict=True)
        )
    return {
        "systems": len(systems),
        "petsc_bytes": nbytes,
        "petsc_roundtrip_exact": float(petsc_exact),
        "npy_roundtrip_exact": float(npy_exact),
    }


def plot(metrics: dict, config: Config, ctx: papershelf.RunContext) -> None:
    """matvecs.png: matvecs per system along the SKR order (first Darcy study with ablations);
    tolerance.png: matvecs per system and the GMRES/SKR ratio against rtol;
    ratios.png: matvec and wall-time ratio GMRES/SKR per study."""
    from papershelf.plotting import figure, save_png

    name = "darcy_s66" if "darcy_s66" in metrics else config.studies[0].name
    fig, ax = figure(width=5.0, height=3.0)
    labels = {"gmres": "GMRES(40)", "skr": "SKR", "gcrodr_unsorted": "GCRO-DR unsorted",
              "gcrodr_norecycle": "GCRO-DR, no recycling across systems"}  # fmt: skip
    for method, values in metrics[name]["order_matvecs_seed0"].items():
        ax.plot(values, marker=".", label=labels[method])
    ax.set(xlabel="position in the SKR order", ylabel="matvecs", yscale="log",
           title=f"{name}: {metrics[name]['unknowns']} unknowns, seed 0")  # fmt: skip
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.8), ncols=2)
    save_png(fig, ctx.path("matvecs.png"))

    sweep = metrics["tolerance_sweep"]
    fig, ax = figure(width=4.5, height=3.0)
    rt = list(config.rtols)
    ax.plot(rt, [sweep[_rtol_key(r)]["gmres_matvecs"] for r in rt], marker="o", label="GMRES(40)")
    ax.plot(rt, [sweep[_rtol_key(r)]["skr_matvecs"] for r in rt], marker="o", label="SKR")
    ax.set(xscale="log", yscale="log", xlabel="rtol", ylabel="matvecs per system")
    ax.invert_xaxis()
    ax2 = ax.twinx()
    ax2.plot(rt, [sweep[_rtol_key(r)]["matvec_ratio"] for r in rt], "k--", marker="x")
    ax2.set_ylabel("GMRES / SKR (dashed)")
    ax.legend(fontsize=7, loc="upper left")
    save_png(fig, ctx.path("tolerance.png"))

    studies = [s.name for s in config.studies]
    fig, ax = figure(width=6.0, height=3.0)
    x = np.arange(len(studies))
    ax.bar(x - 0.2, [metrics[s]["matvec_ratio"] for s in studies], 0.4, label="matvecs")
    ax.bar(x + 0.2, [metrics[s]["time_ratio"] for s in studies], 0.4, label="wall time")
    ax.axhline(1.0, color="0.3", lw=0.8)
    ax.set_xticks(x, studies, rotation=30, ha="right", fontsize=7)
    ax.set(ylabel="GMRES(40) / SKR", yscale="log")
    ax.legend(fontsize=7)
    save_png(fig, ctx.path("ratios.png"))


def experiment(config: Config, ctx: papershelf.RunContext) -> dict:
    metrics: dict = {}
    for study in config.studies:
        metrics[study.name] = ctx.stage(
            study.name, lambda st=study: run_study(st, config, ctx.seed, ctx.progress)
        )
    metrics["tolerance_sweep"] = ctx.stage(
        "tolerance_sweep", lambda: tolerance_sweep(config, ctx.seed, ctx.progress)
    )
    metrics["preconditioners"] = ctx.stage(
        "preconditioners", lambda: preconditioner_table(config, ctx.seed, ctx.progress)
    )
    metrics["perf"] = ctx.stage("perf", lambda: performance(config, ctx.seed))
    metrics["scale_out"] = ctx.stage("scale_out", lambda: scale_out(config, ctx.seed))
    metrics["formats"] = ctx.stage("formats", lambda: formats(config, ctx.seed))
    metrics["checks"] = {
        "skr_converged_all": float(
            all(metrics[s.name]["skr_converged_all"] for s in config.studies)
        ),
        "skr_max_residual": max(metrics[s.name]["skr"]["max_residual"] for s in config.studies),
    }
    plot(metrics, config, ctx)
    return metrics


def bench(ctx: papershelf.RunContext) -> dict:
    """`python -m krylov_recycling bench`: the Performance timings at the full preset's sizes."""
    full = PRESETS["full"]
    darcy = next(s for s in full.studies if s.name == "darcy_s66")
    return {
        "perf": performance(full, ctx.seed),
        "darcy_s66": run_study(replace(darcy, seeds=1, ablations=()), full, ctx.seed, ctx.progress),
    }
