"""Presets and the experiment behind `python -m dart_math reproduce`.

1. Data: a 20k-solution seed set (easy-biased), a pool of queries (equal per level, answers
   only), in-domain and OOD tests; all disjoint.
2. A TinyGPT base is pretrained on single-operation equations; the synthesis agent is that
   base fine-tuned on the seed set; its calibration gate is reported.
3. ONE seeded sample stream over the pool; Prop2Diff, Uniform and VRT are stop rules on it.
   VRT's M is the smallest of {4, 8, …, 64} with |VRT| ≥ D.
4. Every arm is subsampled to the same size D; the same base is fine-tuned on each with
   identical steps, LR schedule and data order, for every student seed; greedy exact-answer
   accuracy per level, macro, levels 4–5 and OOD.
5. Batched DARS (one generate per round) vs a per-query loop: samples/s, side by side.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

import papershelf
from dart_math.baselines import gold_sft_data
from dart_math.dars import Arm, SampleStream, per_level, prop2diff, size_match, uniform, vrt
from dart_math.data import LEVELS, Splits, make_splits
from dart_math.student import evaluate, pretrain_base, sft
from dart_math.synth import (
    MAX_LEN,
    LMSampler,
    ModelShape,
    calibration,
    tokenizer,
    train_synthesizer,
)
from dart_math.tasks import Query
from papershelf.plotting import figure, save_png
from papershelf.tinylm import TinyGPT, load, save

ARMS = ("vrt", "uniform", "prop2diff")


@dataclass(frozen=True)
class Config:
    # data
    n_seed: int
    pool_per_level: int
    test_per_level: int
    ood_per_level: int
    # the shared pretrained base: (d_model, n_layers, n_heads), single-operation equations
    shape: tuple[int, int, int]
    base_equations: int
    base_tokens: int
    # synthesis agent: the base fine-tuned on the seed set
    synth_tokens: int
    # DARS
    k_u: int
    k_p: int
    n_d: int
    n_max: int
    D: int
    round_size: int
    # student: the base fine-tuned on each arm
    student_steps: int
    student_seeds: tuple[int, ...]
    # performance
    bench_queries: int
    bench_repeats: int
    synth_batch: int = 32
    synth_lr: float = 3e-3
    temperature: float = 1.0
    top_p: float = 0.95
    vrt_Ms: tuple[int, ...] = (4, 8, 16, 32, 64)
    calib_samples: int = 16
    student_batch: int = 32
    student_lr: float = 2e-3
    threads: int = 1


PRESETS = {
    "smoke": Config(
        n_seed=400,
        pool_per_level=10,
        test_per_level=6,
        ood_per_level=4,
        shape=(32, 2, 2),
        base_equations=200,
        base_tokens=20_000,
        synth_tokens=20_000,
        k_u=2,
        k_p=4,
        n_d=4,
        n_max=8,
        D=10,
        round_size=4,
        student_steps=10,
        student_seeds=(0,),
        bench_queries=4,
        bench_repeats=1,
        vrt_Ms=(4, 8),
        calib_samples=2,
    ),
    "quick": Config(
        n_seed=20_000,
        pool_per_level=300,
        test_per_level=100,
        ood_per_level=50,
        shape=(96, 3, 4),
        base_equations=20_000,
        base_tokens=800_000,
        synth_tokens=500_000,
        k_u=4,
        k_p=8,
        n_d=8,
        n_max=32,
        D=3_000,
        round_size=8,
        student_steps=100,
        student_seeds=(0,),
        bench_queries=60,
        bench_repeats=1,
    ),
    "full": Config(
        n_seed=20_000,
        pool_per_level=600,
        test_per_level=200,
        ood_per_level=100,
        shape=(96, 3, 4),
        base_equations=50_000,
        base_tokens=2_500_000,
        synth_tokens=2_000_000,
        k_u=4,
        k_p=8,
        n_d=16,
        n_max=64,
        D=8_000,
        round_size=8,
        student_steps=1500,
        student_seeds=(0, 1, 2),
        bench_queries=300,
        bench_repeats=2,
    ),
}


def log(message: str) -> None:
    print(f"[dart_math] {message}", file=sys.stderr, flush=True)


def max_new_tokens(splits: Splits) -> int:
    """Room for the longest gold solution of any split plus a margin, within MAX_LEN."""
    queries = [*splits.pool, *splits.test, *splits.ood]
    longest_prompt = max(len(q.text) for q in queries) + 1  # + <bos>
    room = MAX_LEN - longest_prompt
    need = max(len(q.solution or "") for q in queries) + 8
    return min(room, need)


def model_stage(
    ctx: papershelf.RunContext, name: str, train: Callable[[], tuple[TinyGPT, dict]], tok
) -> tuple[TinyGPT, dict]:
    """A resumable training stage: the model is checkpointed next to the stage's metrics."""
    directory = ctx.stage_dir / f"{name}-model"
    trained: dict[str, TinyGPT] = {}

    def fn() -> dict:
        log(f"training {name}")
        model, history = train()
        save(model, tok, directory, overwrite=True)
        trained["model"] = model
        return {
            "steps": len(history["loss"]),
            "tokens": history["tokens"],
            "final_loss": float(np.mean(history["loss"][-20:])),
            "wall_s": history["wall_s"],
            "tokens_per_s": history["tokens_per_s"],
        }

    metrics = ctx.stage(name, fn)
    model = trained["model"] if "model" in trained else load(directory)[0]
    return model, metrics


def arm_metrics(arm: Arm, pool: Sequence[Query]) -> dict:
    levels = per_level(arm, [q.level for q in pool])
    size = max(1, arm.size)
    hard = levels["kept"]["l4"] + levels["kept"]["l5"]
    kept = [levels["kept"][f"l{lv}"] for lv in LEVELS]
    return {
        **levels,
        **{k: float(v) for k, v in arm.params.items()},
        "size": arm.size,
        "share_l45": hard / size,
        "samples_drawn": arm.samples_drawn,
        "samples_per_kept": arm.samples_drawn / size,
        "wall_s": arm.wall_s,
        "kept_decreasing_with_level": float(all(a > b for a, b in itertools.pairwise(kept))),
        "zero_correct_queries": sum(c == 0 for c in arm.report.n_correct),
    }


def synthesize(cfg: Config, pool: Sequence[Query], sampler: LMSampler) -> dict:
    """All three arms on one stream. Prop2Diff runs first (its n_d probe covers every query, so
    VRT with M ≤ n_d costs nothing more); VRT takes the smallest M with |VRT| ≥ D."""
    stream = SampleStream(pool, sampler, cfg.round_size)
    arms = {"prop2diff": prop2diff(stream, cfg.k_p, cfg.n_d, cfg.n_max)}
    arms["uniform"] = uniform(stream, cfg.k_u, cfg.n_max)
    for M in cfg.vrt_Ms:
        arms["vrt"] = vrt(stream, M)
        if arms["vrt"].size >= cfg.D:
            break
    metrics = {name: arm_metrics(arm, pool) for name, arm in arms.items()}
    metrics["stream"] = {"samples_drawn": stream.samples_drawn, "generate_calls": stream.calls}
    datasets = {name: [[pool[q].text, text] for q, text in arm.kept] for name, arm in arms.items()}
    return {"metrics": metrics, "datasets": datasets}


def bench_sampling(sampler: LMSampler, queries: Sequence[Query], r: int, repeats: int) -> dict:
    """Samples/s of one DARS round over `queries`: batched (one generate call for all) vs a
    per-query loop (one call per query), timed side by side with papershelf.compare. The two
    return the same samples (tinylm's per-(prompt, j, seed) streams), which is checked."""
    out: dict[str, list[list[str]]] = {}

    def batched() -> None:
        stream = SampleStream(queries, sampler, r)
        stream.fill(range(len(queries)), 0)
        out["batched"] = [[t.response for t in trials] for trials in stream.trials]

    def per_query() -> None:
        out["per_query"] = [sampler([q], 0, r)[0] for q in queries]

    timing = papershelf.compare(
        {"batched": batched, "per_query": per_query},
        repeats=repeats,
        warmup=0,
        baseline="per_query",
    )
    n = len(queries) * r
    return {
        "queries": len(queries),
        "samples_per_query": r,
        "batched_samples_per_s": n / timing["batched"]["median_s"],
        "per_query_samples_per_s": n / timing["per_query"]["median_s"],
        "speedup": timing["batched"]["speedup_vs_per_query"],
        "same_samples": float(out["batched"] == out["per_query"]),
        "timing": timing,
    }


def plot(metrics: dict, path) -> None:
    fig, grid = figure(3, 1, width=3.6, height=2.8)
    axes = grid[0]
    x = np.arange(len(LEVELS))
    for i, name in enumerate(ARMS):
        syn = metrics["synthesis"][name]
        acc = metrics["accuracy"].get(name)
        label = f"{name} ({syn['size']})"
        axes[0].bar(x + (i - 1) * 0.27, [syn["coverage"][f"l{lv}"] for lv in LEVELS], 0.27)
        axes[1].bar(
            x + (i - 1) * 0.27,
            [syn["kept"][f"l{lv}"] / max(1, syn["size"]) for lv in LEVELS],
            0.27,
            label=label,
        )
        if acc is not None:
            axes[2].plot(x, [acc[f"l{lv}"] for lv in LEVELS], marker="o", label=name)
    for ax, title in zip(
        axes,
        ("pool coverage (>= 1 kept)", "share of kept responses", "student greedy accuracy"),
        strict=True,
    ):
        ax.set_xticks(x, [f"L{lv}" for lv in LEVELS])
        ax.set_title(title)
    axes[1].legend()
    if "vrt" in metrics["accuracy"]:
        axes[2].legend()
    save_png(fig, path)


def students(
    cfg: Config,
    ctx: papershelf.RunContext,
    base: TinyGPT,
    tok,
    splits: Splits,
    datasets: dict[str, list[tuple[str, str]]],
    D: int,
    max_new: int,
) -> dict:
    """SFT of the base on each arm's size-matched set, for every student seed (identical steps,
    batch, LR schedule and data-order seed across arms), plus the base and gold-SFT baselines.
    With D = 0 (an arm kept nothing: only the untrained smoke agent) no student is trained."""
    accuracy: dict[str, dict] = {
        "base": ctx.stage(
            "base-eval", lambda: evaluate(base, tok, splits.test, splits.ood, max_new)
        )
    }
    if D == 0:
        log("an arm kept no example: students skipped")
        return accuracy
    matched = size_match(datasets, D, ctx.seed)

    def student(data: list[tuple[str, str]], seed: int) -> dict:
        model, history = sft(
            base,
            tok,
            data,
            steps=cfg.student_steps,
            batch_size=cfg.student_batch,
            lr=cfg.student_lr,
            seed=seed,
        )
        acc = evaluate(model, tok, splits.test, splits.ood, max_new)
        return {**acc, "final_loss": float(np.mean(history["loss"][-20:]))}

    runs = [(name, s) for s in cfg.student_seeds for name in ARMS]
    per_seed: dict[str, dict] = {name: {} for name in ARMS}
    for name, s in ctx.progress(runs, desc="students"):
        per_seed[name][f"seed{s}"] = ctx.stage(
            f"sft-{name}-{s}", lambda name=name, s=s: student(matched[name], s)
        )
    for name in ARMS:
        keys = per_seed[name][f"seed{cfg.student_seeds[0]}"].keys()
        accuracy[name] = {
            k: float(np.mean([run[k] for run in per_seed[name].values()])) for k in keys
        }
        accuracy[name]["seeds"] = per_seed[name]
    gold = gold_sft_data(splits.pool)
    accuracy["gold_sft"] = ctx.stage("sft-gold", lambda: student(gold, cfg.student_seeds[0]))
    accuracy["best_dars_macro"] = max(accuracy["uniform"]["macro"], accuracy["prop2diff"]["macro"])
    return accuracy


def experiment(cfg: Config, ctx: papershelf.RunContext) -> dict:
    splits = make_splits(
        ctx.seed,
        n_seed=cfg.n_seed,
        pool_per_level=cfg.pool_per_level,
        test_per_level=cfg.test_per_level,
        ood_per_level=cfg.ood_per_level,
    )
    tok = tokenizer()
    max_new = max_new_tokens(splits)

    base, base_metrics = model_stage(
        ctx,
        "base",
        lambda: pretrain_base(
            tok,
            ModelShape(*cfg.shape),
            n_equations=cfg.base_equations,
            tokens=cfg.base_tokens,
            batch_size=cfg.student_batch,
            lr=cfg.student_lr,
            seed=ctx.seed,
        ),
        tok,
    )
    synth_model, synth_metrics = model_stage(
        ctx,
        "synth",
        lambda: train_synthesizer(
            splits.seed,
            tok,
            base,
            tokens=cfg.synth_tokens,
            batch_size=cfg.synth_batch,
            lr=cfg.synth_lr,
            seed=ctx.seed,
        ),
        tok,
    )
    sampler = LMSampler(
        synth_model,
        tok,
        temperature=cfg.temperature,
        top_p=cfg.top_p,
        max_new_tokens=max_new,
        seed=ctx.seed,
    )
    calib = ctx.stage(
        "calibration",
        lambda: calibration(synth_model, tok, splits.test, sampler, cfg.calib_samples, max_new),
    )
    log(f"calibration {calib['greedy_acc']} sampled {calib['sample_success']}")
    log("synthesis: Prop2Diff, Uniform, VRT on one sample stream")
    synthesis = ctx.stage("synthesis", lambda: synthesize(cfg, splits.pool, sampler))
    datasets = {name: [tuple(x) for x in synthesis["datasets"][name]] for name in ARMS}
    D = min(cfg.D, *(len(d) for d in datasets.values()))
    log(f"arm sizes { {k: len(v) for k, v in datasets.items()} }, D = {D}")
    accuracy = students(cfg, ctx, base, tok, splits, datasets, D, max_new)

    bench_queries = splits.pool[:: max(1, len(splits.pool) // cfg.bench_queries)]
    log("benchmark: batched vs per-query sampling")
    perf = ctx.stage(
        "bench",
        lambda: bench_sampling(
            sampler, bench_queries[: cfg.bench_queries], cfg.round_size, cfg.bench_repeats
        ),
    )

    syn = synthesis["metrics"]
    metrics = {
        "synth": synth_metrics,
        "calibration": calib,
        "synthesis": syn,
        "allocation": {
            "order_p2d_gt_uniform_gt_vrt": float(
                syn["prop2diff"]["share_l45"]
                > syn["uniform"]["share_l45"]
                > syn["vrt"]["share_l45"]
            ),
            "vrt_kept_decreasing": syn["vrt"]["kept_decreasing_with_level"],
        },
        "D": D,
        "base": base_metrics,
        "accuracy": accuracy,
        "perf": perf,
    }
    plot(metrics, ctx.path("dart_math.png"))
    return metrics


def bench(ctx: papershelf.RunContext) -> dict:
    """`python -m dart_math bench`: the quick preset's base and synthesis agent, then the batched vs
    per-query sampling comparison on the full preset's 300 queries."""
    cfg, full = PRESETS["quick"], PRESETS["full"]
    splits = make_splits(
        ctx.seed, n_seed=cfg.n_seed, pool_per_level=60, test_per_level=1, ood_per_level=1
    )
    tok = tokenizer()
    base, _ = pretrain_base(
        tok,
        ModelShape(*cfg.shape),
        n_equations=cfg.base_equations,
        tokens=cfg.base_tokens,
        batch_size=cfg.student_batch,
        lr=cfg.student_lr,
        seed=ctx.seed,
    )
    model, _ = train_synthesizer(
        splits.seed,
        tok,
        base,
        tokens=cfg.synth_tokens,
        batch_size=cfg.synth_batch,
        lr=cfg.synth_lr,
        seed=ctx.seed,
    )
    sampler = LMSampler(
        model,
        tok,
        temperature=cfg.temperature,
        top_p=cfg.top_p,
        max_new_tokens=max_new_tokens(splits),
        seed=ctx.seed,
    )
    return bench_sampling(sampler, splits.pool, full.round_size, full.bench_repeats)
