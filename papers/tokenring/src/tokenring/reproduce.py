"""Presets and the experiment behind `python -m tokenring reproduce`.

Stages: exactness of both methods over gloo processes (and the byte ledger), measured
side-by-side step times, then the calibrated cost model (A10 calibration and predictions, the
mesh / two-node-ring sweeps, the GQA limit).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

import papershelf
from papershelf.plotting import figure, save_png
from tokenring.attention import reference_attention
from tokenring.baselines import ring_attention
from tokenring.comm import Ledger, launch, link_bytes, raise_first
from tokenring.costmodel import (
    a10_pcie,
    calibrate_bandwidth,
    direct_mesh,
    layer_latency,
    nvswitch_mesh,
    schedule,
    step_times,
    two_node_ring,
)
from tokenring.data import AttentionShape, random_qkv
from tokenring.parallel import sequence_parallel_attention
from tokenring.partition import shard
from tokenring.tokenring import token_ring_attention

README_RING_STEP_S = 7.6e-3  # official README, 4x A10, S = 24,000, LLaMA2-7B attention
README_TOKENRING_Q_S = 3.5e-3
README_TOKENRING_QOUT_S = 4.6e-3
LLAMA2_7B = AttentionShape(heads=32, kv_heads=32, head_dim=128)
LLAMA_GQA = AttentionShape(heads=32, kv_heads=8, head_dim=128)


@dataclass(frozen=True)
class Config:
    exact_ns: tuple[int, ...]  # world sizes checked for exactness (fp64, all variants)
    exact_s: int
    exact_h: int
    exact_d: int
    timing_runs: tuple[tuple[int, int], ...]  # (N, S) measured side by side, fp32
    timing_h: int
    timing_d: int
    repeats: int
    sweep_ns: tuple[int, ...]
    sweep_ss: tuple[int, ...]
    threads: int = 1


PRESETS = {
    "smoke": Config((2, 4), 256, 2, 16, ((4, 256),), 2, 16, 2, (2, 4), (8192,)),
    "quick": Config((2, 4), 512, 2, 16, ((4, 4096),), 4, 32, 5, (2, 4, 8), (8192, 131072)),
    "full": Config(
        (2, 4, 8),
        2048,
        2,
        16,
        ((4, 4096), (8, 16384)),
        4,
        32,
        5,
        (2, 4, 8, 16),
        (8192, 65536, 262144, 1048576),
    ),
}
VARIANTS = [
    ("ring", "mesh"),
    ("tokenring", "mesh"),
    ("tokenring", "ring"),
]


def exactness(config: Config, seed: int, ctx: papershelf.RunContext) -> dict[str, Any]:
    """Max error vs one-device attention for every method / mask / layout / N, and the ledger."""
    q, k, v = random_qkv(1, config.exact_h, config.exact_s, config.exact_d, seed=seed)
    worst_out = worst_lse = 0.0
    busiest: dict[str, float] = {}
    cases = [
        (n, m, t, c, lay)
        for n in config.exact_ns
        for m, t in VARIANTS
        for c in (False, True)
        for lay in ("contiguous", "zigzag")
    ]
    for n, method, topo, causal, layout in ctx.progress(cases, desc="exactness"):
        out, lse, ranks = sequence_parallel_attention(
            q, k, v, n, method, causal=causal, layout=layout, topology=topo, seed=seed
        )
        ref_out, ref_lse = reference_attention(q, k, v, causal)
        worst_out = max(worst_out, float((out - ref_out).abs().max()))
        worst_lse = max(worst_lse, float((lse - ref_lse).abs().max()))
        per_link = link_bytes([r.ledger for r in ranks])
        key = f"n{n}.{method}_{topo}.{'causal' if causal else 'full'}_{layout}"
        busiest[key] = float(max(per_link.values()))
    ratio_ring_topo = [
        busiest[k.replace("ring_mesh", "tokenring_ring")] / busiest[k]
        for k in busiest
        if ".ring_mesh." in k
    ]
    mesh_ratios = [
        busiest[k.replace("ring_mesh", "tokenring_mesh")] / busiest[k]
        for k in busiest
        if ".ring_mesh." in k
    ]
    return {
        "max_abs_err_out": worst_out,
        "max_abs_err_lse": worst_lse,
        "cases": len(cases),
        "ledger": {
            "busiest_link_ratio_mesh_max": max(mesh_ratios),
            "busiest_link_ratio_ring_topology_max": max(ratio_ring_topo),
        },
    }


def _timing_job(rank: int, world: int, q, k, v, repeats: int) -> dict[str, Any]:
    qs, ks, vs = (shard(x, world, rank, "zigzag") for x in (q, k, v))
    ledgers = {"ring": Ledger(), "tokenring": Ledger()}

    def run(method: str):
        def go() -> None:
            dist.barrier()
            fn = ring_attention if method == "ring" else token_ring_attention
            fn(qs, ks, vs, causal=True, layout="zigzag", ledger=ledgers[method])

        return go

    timing = papershelf.compare(
        {"ring": run("ring"), "tokenring": run("tokenring")}, repeats=repeats, baseline="ring"
    )
    overlap = {}
    for m, led in ledgers.items():
        c, w = sum(led.compute_s.values()), sum(led.wait_s.values())
        overlap[m] = {"compute_s": c, "wait_s": w, "compute_fraction": c / (c + w)}
    return {"timing": timing, "overlap": overlap}


def measured(config: Config, seed: int, ctx: papershelf.RunContext) -> dict[str, Any]:
    """Side-by-side wall time of both methods over gloo (causal, zigzag, fp32)."""
    out: dict[str, Any] = {}
    for n, s in ctx.progress(config.timing_runs, desc="timing"):
        q, k, v = random_qkv(1, config.timing_h, s, config.timing_d, seed=seed, dtype=torch.float32)
        res = raise_first(launch(_timing_job, n, q, k, v, config.repeats))[0]
        t = res["timing"]
        out[f"n{n}_s{s}"] = {
            "ring_median_s": t["ring"]["median_s"],
            "tokenring_median_s": t["tokenring"]["median_s"],
            "tokenring_over_ring": t["tokenring"]["median_s"] / t["ring"]["median_s"],
            "overlap": res["overlap"],
        }
    return out


def model(config: Config) -> dict[str, Any]:
    """Calibrate on Ring's 7.6 ms step, predict TokenRing, sweep topologies, GQA."""
    s = 24000
    bw = calibrate_bandwidth(README_RING_STEP_S, s, LLAMA2_7B)
    a10 = a10_pcie(bw)
    ring_steps = step_times(schedule("ring", 4, s, LLAMA2_7B), a10)
    tr_steps = step_times(schedule("tokenring", 4, s, LLAMA2_7B), a10)
    gqa_ring = sum(step_times(schedule("ring", 4, s, LLAMA_GQA), a10))
    gqa_tr = sum(step_times(schedule("tokenring", 4, s, LLAMA_GQA), a10))
    mesh: dict[str, Any] = {}
    direct: dict[str, Any] = {}
    ring2: dict[str, Any] = {}
    for ss in config.sweep_ss:
        m_row, d_row, r_row = {}, {}, {}
        for n in config.sweep_ns:
            dm = direct_mesh(n)
            d_row[f"n{n}"] = layer_latency("ring", dm, ss, LLAMA2_7B) / layer_latency(
                "tokenring", dm, ss, LLAMA2_7B
            )
            mt = nvswitch_mesh(n)
            m_row[f"n{n}"] = layer_latency("ring", mt, ss, LLAMA2_7B) / layer_latency(
                "tokenring", mt, ss, LLAMA2_7B
            )
            rt = two_node_ring(n)
            r_row[f"n{n}"] = layer_latency("ring", rt, ss, LLAMA2_7B) / layer_latency(
                "tokenring", rt, ss, LLAMA2_7B, topology="ring"
            )
        vals = list(m_row.values())
        m_row["min_increment"] = min(b - a for a, b in itertools.pairwise(vals))
        mesh[f"s{ss}"] = m_row
        vals = list(d_row.values())
        d_row["min_increment"] = min(b - a for a, b in itertools.pairwise(vals))
        direct[f"s{ss}"] = d_row
        ring2[f"s{ss}"] = r_row
    ratio = sum(ring_steps) / sum(tr_steps)
    return {
        "calibrated_bw_gb_s": bw / 1e9,
        "a10": {
            "ring_step_ms": [x * 1e3 for x in ring_steps],
            "tokenring_step_ms": [x * 1e3 for x in tr_steps],
            "tokenring_q_only_ms": tr_steps[0] * 1e3,
            "tokenring_q_out_ms": tr_steps[2] * 1e3,
            "q_only_rel_err": abs(tr_steps[0] / README_TOKENRING_Q_S - 1),
            "q_out_rel_err": abs(tr_steps[2] / README_TOKENRING_QOUT_S - 1),
            "ring_layer_ms": sum(ring_steps) * 1e3,
            "tokenring_layer_ms": sum(tr_steps) * 1e3,
            "ratio": ratio,
        },
        "a10_gqa": {"ratio": gqa_ring / gqa_tr, "shrinks": float(gqa_ring / gqa_tr < ratio)},
        "mesh": mesh,
        "mesh_min_increment": min(r["min_increment"] for r in mesh.values()),
        "direct_mesh": direct,
        "direct_mesh_min_increment": min(r["min_increment"] for r in direct.values()),
        "two_node_ring": ring2,
    }


def plot_results(metrics: dict[str, Any], config: Config, path) -> None:
    fig, axes = figure(ncols=2, width=4.0, height=3.0)
    a, b = axes[0]
    a10 = metrics["model"]["a10"]
    a.plot(range(len(a10["ring_step_ms"])), a10["ring_step_ms"], "o-", label="Ring")
    a.plot(range(len(a10["tokenring_step_ms"])), a10["tokenring_step_ms"], "s-", label="TokenRing")
    a.axhline(3.5, ls=":", c="gray")
    a.axhline(4.6, ls="--", c="gray")
    a.set(xlabel="step", ylabel="model step time (ms)", title="4x A10, S=24000")
    a.legend()
    for ss, row in metrics["model"]["mesh"].items():
        b.plot(
            config.sweep_ns, [row[f"n{n}"] for n in config.sweep_ns], "o-", label=f"NVSwitch {ss}"
        )
    for ss, row in metrics["model"]["direct_mesh"].items():
        b.plot(
            config.sweep_ns, [row[f"n{n}"] for n in config.sweep_ns], "s--", label=f"direct {ss}"
        )
    b.set(xlabel="N", ylabel="Ring / TokenRing latency", title="full mesh (model)")
    b.legend(fontsize=7)
    save_png(fig, path)


def experiment(config: Config, ctx: papershelf.RunContext) -> dict[str, Any]:
    metrics = {
        "exact": ctx.stage("exact", lambda: exactness(config, ctx.seed, ctx)),
        "measured": ctx.stage("measured", lambda: measured(config, ctx.seed, ctx)),
        "model": ctx.stage("model", lambda: model(config)),
    }
    key = f"n4_s{config.timing_runs[0][1]}"
    metrics["measured"]["headline_ratio"] = metrics["measured"][key]["tokenring_over_ring"]
    plot_results(metrics, config, ctx.path("tokenring.png"))
    return metrics


def bench(ctx: papershelf.RunContext) -> dict[str, Any]:
    """N = 4, S = 4096 side by side (the Performance measurement), as its own command."""
    return measured(PRESETS["quick"], ctx.seed, ctx)
