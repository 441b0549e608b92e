"""Speed of int8 inference (survey Sec. I and III-G): an int8 dynamic-quantized Linear versus the
FP32 nn.Linear, side by side in one process (`papershelf.compare`, interleaved and repeated).

The int8 path is torch's dynamic quantized Linear (`torch.ao.nn.quantized.dynamic.Linear`: int8
per-channel weights, activations quantized per batch at run time, fbgemm / x86 kernels); where that
module is gone from torch, `torch._int_mm` (int8 x int8 -> int32) with per-token activation
scales is used instead. The report names the path that ran, the quantized engine, torch's CPU
capability and the CPU's SIMD flags (AVX2, AVX-512, VNNI, AMX).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

import papershelf

SIMD_FLAGS = ("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8", "amx_tile")


def cpu_flags() -> dict[str, int]:
    """1/0 for each SIMD flag of interest, from /proc/cpuinfo (all 0 where it is unreadable)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    flags: set[str] = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    return {f: int(f in flags) for f in SIMD_FLAGS}


def _int8_linear(fp: nn.Linear) -> tuple[object, str]:
    try:
        from torch.ao.nn.quantized.dynamic import Linear as DynLinear

        q = DynLinear(fp.in_features, fp.out_features, dtype=torch.qint8)
        w = torch.quantize_per_channel(
            fp.weight.detach(),
            (fp.weight.detach().abs().amax(dim=1) / 127).clamp(min=1e-8).double(),
            torch.zeros(fp.out_features, dtype=torch.int64),
            0,
            torch.qint8,
        )
        q.set_weight_bias(w, fp.bias.detach())
        return q, "torch.ao.nn.quantized.dynamic.Linear"
    except (ImportError, RuntimeError, AttributeError):
        s_w = (fp.weight.detach().abs().amax(dim=1) / 127).clamp(min=1e-8)
        w_q = torch.round(fp.weight.detach() / s_w[:, None]).to(torch.int8).t().contiguous()
        bias = fp.bias.detach()

        def run(x: torch.Tensor) -> torch.Tensor:
            s_x = (x.abs().amax(dim=1, keepdim=True) / 127).clamp(min=1e-8)
            acc = torch._int_mm(torch.round(x / s_x).to(torch.int8), w_q)
            return acc.float() * s_x * s_w + bias

        return run, "torch._int_mm"


def linear_speed(
    *, size: int = 2048, batch: int = 64, repeats: int = 9, inner: int = 10, seed: int = 0
) -> dict:
    """Median time of `inner` forward calls of each contestant; speedup = fp32 / int8."""
    g = torch.Generator().manual_seed(seed)
    fp = nn.Linear(size, size).eval()
    with torch.no_grad():
        fp.weight.copy_(torch.randn(size, size, generator=g) / size**0.5)
    x = torch.randn(batch, size, generator=g)
    q, path = _int8_linear(fp)

    def loop(f):
        def run():
            with torch.inference_mode():
                for _ in range(inner):
                    f(x)

        return run

    t = papershelf.compare(
        {"fp32": loop(fp), "int8": loop(q)}, repeats=repeats, warmup=2, baseline="fp32"
    )
    with torch.inference_mode():
        ref, out = fp(x), q(x)
    return {
        "speedup_vs_fp32": t["int8"]["speedup_vs_fp32"],
        "fp32_median_ms": 1e3 * t["fp32"]["median_s"] / inner,
        "int8_median_ms": 1e3 * t["int8"]["median_s"] / inner,
        "fp32_iqr_ms": 1e3 * t["fp32"]["iqr_s"] / inner,
        "int8_iqr_ms": 1e3 * t["int8"]["iqr_s"] / inner,
        "rel_output_error": float((out - ref).norm() / ref.norm()),
        "path": path,
        "quantized_engine": torch.backends.quantized.engine,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "cpu_flags": cpu_flags(),
        "size": size,
        "batch": batch,
    }


def bench(ctx: papershelf.RunContext) -> dict:
    """The `python -m qsurvey bench` command: the Linear speed comparison."""
    return {"int8_dynamic_linear": linear_speed(seed=ctx.seed)}
