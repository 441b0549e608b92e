"""Presets and the experiment behind `python -m qsurvey reproduce`.

One code path at every scale; presets differ in epochs, seeds and which parts run:

* smoke: the digits CNN (3 FP epochs), W8A8 PTQ, AdaRound on one layer, the integer-only check;
* quick: every PTQ setting on digits (granularity, calibration, bias correction, CLE, AdaRound,
  non-uniform, binary/ternary, VQ, packing), the MLP, synthetic tensors, the Linear speed test;
* full: quick plus QAT (LSQ, PACT, LSQ + KD), HAWQ, ZeroQ and SynthPatterns-16, over 3 seeds.

Metrics are seed means of per-seed metrics (accuracies in %, drops in percentage points); flags
that must hold "in every run" are 1.0 / 0.0 per seed, so their mean is 1.0 only when every seed
holds. Per-seed values are kept under `per_seed`.
"""

from __future__ import annotations

import copy
import statistics
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

import papershelf
from qsurvey.bench import linear_speed
from qsurvey.calibration import (
    aciq_alpha,
    kl_threshold,
    laplace_midrise_optimum,
    laplace_scale,
    mse_clip_range,
)
from qsurvey.data import digits, synth_patterns, synthetic_tensor
from qsurvey.granularity import WeightQuant, quantize_weight
from qsurvey.hawq import allocate_bits, feasible_allocations, hutchinson_trace, sensitivities
from qsurvey.integer import IntegerNet, OpTracer, lsb_agreement
from qsurvey.models import CNN, accuracy, fold_bn, mlp, predict, train
from qsurvey.packing import PackedTensor, fp32_bytes, model_bytes
from qsurvey.ptq import (
    adaround_layer,
    bias_correction,
    calibrate_activations,
    cross_layer_equalization,
    layer_output_mse,
    output_qparams,
    rtn_weights,
)
from qsurvey.qat import QATNet, train_qat
from qsurvey.quantizers import (
    binarize,
    dequantize,
    fake_quantize,
    kmeans_quantize,
    log2_quantize,
    midrise_quantize,
    quantize,
    round_stochastic,
    symmetric_qparams,
    ternarize,
)
from qsurvey.simquant import DYNAMIC, SimQuantNet, collect_inputs, quant_points, weighted_layers
from qsurvey.vq import product_quantize, weight_sharing
from qsurvey.zeroq import distill_batch


@dataclass(frozen=True)
class Config:
    seeds: int  # runs use seeds ctx.seed, ctx.seed + 1, ...
    fp_epochs: int
    calib_images: int = 256
    adaround_iters: int = 1000
    adaround_all_layers: bool = True
    ptq_sweep: bool = True
    mlp_epochs: int = 0
    qat_epochs: int = 0
    hawq_probes: int = 0  # 0 = no HAWQ
    hawq_random: int = 20
    zeroq_iters: int = 0
    synth_epochs: int = 0  # 0 = no SynthPatterns-16
    synth_per_class: tuple[int, int] = (600, 200)
    tensor_samples: int = 0  # 0 = no synthetic-tensor calibration study
    speed_repeats: int = 0  # 0 = no Linear speed test
    threads: int = 1


PRESETS = {
    "smoke": Config(
        seeds=1, fp_epochs=3, adaround_iters=100, adaround_all_layers=False, ptq_sweep=False
    ),
    "quick": Config(seeds=1, fp_epochs=20, mlp_epochs=20, tensor_samples=100_000, speed_repeats=7),
    "full": Config(
        seeds=3,
        fp_epochs=20,
        mlp_epochs=20,
        qat_epochs=10,
        hawq_probes=64,
        zeroq_iters=500,
        synth_epochs=8,
        tensor_samples=262_144,
        speed_repeats=9,
    ),
}

GROUP_SIZE = 16
PCT = 99.99


def pct(model, x: torch.Tensor, y: torch.Tensor) -> float:
    """Accuracy in %."""
    return 100.0 * accuracy(model, x, y)


def sim_net(
    folded: nn.Sequential,
    calib: torch.Tensor,
    wq: dict[int, WeightQuant] | None,
    *,
    a_bits: int | None = None,
    a_method: str = "percentile",
    a_pct: float = PCT,
    biases: dict[int, torch.Tensor] | None = None,
    out_bits: int | None = None,
    dynamic: str | None = None,
) -> SimQuantNet:
    """A SimQuantNet with weight codes `wq` (None: float weights) and static/dynamic activations."""
    weights = {i: q.dequantize() for i, q in (wq or {}).items()}
    w_scales = {i: q.qparams.scale for i, q in (wq or {}).items() if q.granularity != "group"}
    if dynamic in DYNAMIC:
        acts = dict.fromkeys(quant_points(folded), dynamic)
    elif a_bits:
        acts = calibrate_activations(folded, calib, a_bits, a_method, pct=a_pct)
    else:
        acts = {}
    out = output_qparams(folded, calib, out_bits) if out_bits else None
    return SimQuantNet(
        folded,
        weights=weights,
        biases=biases,
        acts=acts,
        act_bits=a_bits or 8,
        w_scales=w_scales,
        out=out,
    )


def _per_layer_weights(folded: nn.Sequential, fn) -> dict[int, torch.Tensor]:
    return {i: fn(folded[i].weight.detach()) for i in weighted_layers(folded)}


def _float_sim(folded: nn.Sequential, weights: dict[int, torch.Tensor]) -> SimQuantNet:
    return SimQuantNet(folded, weights=weights)


# --- the parts of one seed ---------------------------------------------------------------------


def integer_check(
    folded: nn.Sequential, calib: torch.Tensor, x: torch.Tensor, y: torch.Tensor
) -> dict:
    """S7: integer-only W8A8 vs its simulated twin: LSB agreement, accuracies, op dtypes."""
    wq = rtn_weights(folded, 8)
    sim = sim_net(folded, calib, wq, a_bits=8, out_bits=8)
    pool = [i for i in quant_points(folded) if isinstance(folded[i], nn.AdaptiveAvgPool2d)]
    positions = 1
    if pool:
        h = collect_inputs(folded, x[:1])[pool[0]]
        positions = h.shape[2] * h.shape[3]
    inet = IntegerNet(sim, {i: q.q for i, q in wq.items()}, pool_positions=positions)
    q_in = quantize(x, inet.input_qparams).to(torch.int8)
    with OpTracer() as tracer:
        q_out = inet.forward_int(q_in)
    logits_int = dequantize(q_out.to(torch.int32), inet.output_qparams)
    logits_sim = predict(sim, x)
    acc_int = 100.0 * int((logits_int.argmax(1) == y).sum()) / len(y)
    acc_sim = 100.0 * int((logits_sim.argmax(1) == y).sum()) / len(y)
    return {
        "lsb_agreement": lsb_agreement(logits_int, logits_sim, float(inet.output_qparams.scale)),
        "max_abs_diff_lsb": float(
            (logits_int - logits_sim).abs().max() / inet.output_qparams.scale
        ),
        "acc_integer": acc_int,
        "acc_simulated": acc_sim,
        "acc_equal": float(acc_int == acc_sim),
        "integer_only_ops": float(not tracer.float_ops()),
        "traced_ops": len(tracer.ops),
    }


def storage(folded: nn.Sequential) -> dict:
    """S9: exact bytes of the folded model at FP32, INT8, INT4 and INT2 (per-channel scales)."""
    fp = fp32_bytes(folded)
    out = {"fp32_bytes": fp}
    layers = weighted_layers(folded)
    biases = [folded[i].bias for i in layers]
    for bits in (8, 4, 2):
        wq = rtn_weights(folded, bits)
        packed = [PackedTensor.from_codes(wq[i].q, bits, wq[i].qparams.scale) for i in layers]
        exact = all(
            torch.equal(p.codes().to(torch.int32), wq[i].q)
            for p, i in zip(packed, layers, strict=True)
        )
        n = model_bytes(packed, biases)
        out[f"int{bits}_bytes"] = n
        out[f"fp32_over_int{bits}"] = fp / n
        out[f"int{bits}_pack_exact"] = float(exact)
    return out


def adaround_part(folded, calib, x_te, y_te, config: Config, seed: int) -> dict:
    """S5: AdaRound vs RTN at W4 per channel: per-conv output MSE (test inputs), W4A8 accuracy."""
    rtn4 = rtn_weights(folded, 4)
    calib_in = collect_inputs(folded, calib)
    test_in = collect_inputs(folded, x_te)
    layers = weighted_layers(folded)
    convs = [i for i in layers if isinstance(folded[i], nn.Conv2d)]
    todo = layers if config.adaround_all_layers else convs[1:2]
    ada = dict(rtn4)
    for k, i in enumerate(todo):
        ada[i] = adaround_layer(
            folded[i], calib_in[i], rtn4[i], iters=config.adaround_iters, seed=seed + k
        )
    out: dict = {}
    reductions = []
    for i in todo:
        if i not in convs:
            continue
        e_rtn = layer_output_mse(folded[i], test_in[i], rtn4[i].dequantize())
        e_ada = layer_output_mse(folded[i], test_in[i], ada[i].dequantize())
        out[f"layer{i}.mse_rtn"] = e_rtn
        out[f"layer{i}.mse_adaround"] = e_ada
        reductions.append(1 - e_ada / e_rtn)
    out["min_conv_mse_reduction"] = min(reductions)
    out["w4a8_acc"] = pct(sim_net(folded, calib, ada, a_bits=8), x_te, y_te)
    out["rtn_w4a8_acc"] = pct(sim_net(folded, calib, rtn4, a_bits=8), x_te, y_te)
    return out


def ptq_sweep(folded, calib, x_te, y_te, fp_acc: float) -> dict:
    """Every PTQ setting of the survey on one folded model (quick / full)."""
    m: dict = {}
    acc = lambda net: pct(net, x_te, y_te)  # noqa: E731
    for gran in ("tensor", "channel"):
        wq = rtn_weights(folded, 8, granularity=gran)
        for name, method, p in (
            ("minmax", "minmax", PCT),
            ("p99_9", "percentile", 99.9),
            ("p99_99", "percentile", 99.99),
            ("mse", "mse", PCT),
            ("kl", "kl", PCT),
        ):
            m[f"w8a8.{gran}.{name}"] = acc(
                sim_net(folded, calib, wq, a_bits=8, a_method=method, a_pct=p)
            )
        m[f"w8a8.{gran}.dynamic_batch"] = acc(
            sim_net(folded, calib, wq, a_bits=8, dynamic="dynamic")
        )
        m[f"w8a8.{gran}.dynamic_token"] = acc(
            sim_net(folded, calib, wq, a_bits=8, dynamic="dynamic_token")
        )
    # W4 weights only: granularity, clipping, bias correction, cross-layer equalisation
    inputs = collect_inputs(folded, calib)
    w4 = {
        "tensor": rtn_weights(folded, 4, granularity="tensor"),
        "channel": rtn_weights(folded, 4, granularity="channel"),
        "group16": rtn_weights(folded, 4, granularity="group", group_size=GROUP_SIZE),
        "channel_mseclip": rtn_weights(folded, 4, clip="mse"),
    }
    for name, wq in w4.items():
        m[f"w4.{name}.acc"] = acc(sim_net(folded, calib, wq))
    for name in ("tensor", "channel"):
        deq = {i: q.dequantize() for i, q in w4[name].items()}
        b = bias_correction(folded, deq, inputs)
        m[f"w4.{name}_biascorr.acc"] = acc(sim_net(folded, calib, w4[name], biases=b))
    cle = cross_layer_equalization(folded)
    m["cle_max_output_diff"] = float((predict(cle, x_te) - predict(folded, x_te)).abs().max())
    cle_wq = rtn_weights(cle, 4, granularity="tensor")
    m["w4.tensor_cle.acc"] = acc(sim_net(cle, calib, cle_wq))
    cle_b = bias_correction(
        cle, {i: q.dequantize() for i, q in cle_wq.items()}, collect_inputs(cle, calib)
    )
    m["w4.tensor_cle_biascorr.acc"] = acc(sim_net(cle, calib, cle_wq, biases=cle_b))
    # S2: per-layer weight MSE per tensor vs per channel
    flags = []
    for i in weighted_layers(folded):
        w = folded[i].weight.detach()
        e_t = float((w4["tensor"][i].dequantize() - w).pow(2).mean())
        e_c = float((w4["channel"][i].dequantize() - w).pow(2).mean())
        m[f"w4.layer{i}.mse_tensor"], m[f"w4.layer{i}.mse_channel"] = e_t, e_c
        flags.append(e_c < e_t)
    m["w4.channel_mse_below_tensor_every_layer"] = float(all(flags))
    m["w4.acc_channel_minus_tensor_pp"] = m["w4.channel.acc"] - m["w4.tensor.acc"]
    # S4 (PTQ side): W4A4 with min-max ranges
    for name, method in (("minmax", "minmax"), ("p99_99", "percentile"), ("mse", "mse")):
        m[f"w4a4.ptq_{name}.acc"] = acc(
            sim_net(folded, calib, w4["channel"], a_bits=4, a_method=method)
        )
    m["w4a4.ptq_minmax.drop_pp"] = fp_acc - m["w4a4.ptq_minmax.acc"]
    # non-uniform, extreme and vector quantization of the weights (activations float)
    m["w4.log2.acc"] = acc(
        _float_sim(folded, _per_layer_weights(folded, lambda w: log2_quantize(w, 4)))
    )
    m["w4.kmeans.acc"] = acc(
        _float_sim(folded, _per_layer_weights(folded, lambda w: kmeans_quantize(w, 4)))
    )
    m["binary.acc"] = acc(_float_sim(folded, _per_layer_weights(folded, binarize)))
    m["ternary.acc"] = acc(_float_sim(folded, _per_layer_weights(folded, ternarize)))
    shared, shared_bytes = {}, 0
    pq, pq_bytes = {}, 0
    w8 = rtn_weights(folded, 8)
    for i in weighted_layers(folded):
        w = folded[i].weight.detach()
        shared[i], nb = weight_sharing(w, 4)
        shared_bytes += nb + folded[i].bias.numel() * 4
        if w[0].numel() % 4 == 0:
            p = product_quantize(w, 4, 256)
            pq[i], pq_bytes = p.reconstruct(), pq_bytes + p.nbytes()
        else:  # a fan-in (e.g. 9) that sub-vectors of 4 do not tile stays int8
            pq[i] = w8[i].dequantize()
            pq_bytes += PackedTensor.from_codes(w8[i].q, 8, w8[i].qparams.scale).nbytes()
        pq_bytes += folded[i].bias.numel() * 4
    m["weight_sharing4.acc"] = acc(_float_sim(folded, shared))
    m["weight_sharing4.fp32_over_bytes"] = fp32_bytes(folded) / shared_bytes
    m["pq_d4_k256.acc"] = acc(_float_sim(folded, pq))
    m["pq_d4_k256.fp32_over_bytes"] = fp32_bytes(folded) / pq_bytes
    return m


def qat_part(
    cnn: CNN, folded, x_tr, y_tr, x_te, y_te, fp_acc: float, config: Config, seed: int, progress
) -> dict:
    """S4 (QAT side): W4A4 LSQ, PACT and LSQ + KD, `qat_epochs` of fine-tuning from FP."""
    m = {}
    for name, method, teacher in (
        ("lsq", "lsq", None),
        ("pact", "pact", None),
        ("lsq_kd", "lsq", cnn),
    ):
        torch.manual_seed(seed)
        q = train_qat(
            QATNet(folded, 4, 4, method),
            x_tr,
            y_tr,
            epochs=config.qat_epochs,
            teacher=teacher,
            seed=seed,
            progress=progress,
        )
        m[f"{name}.acc"] = pct(q, x_te, y_te)
        m[f"{name}.drop_pp"] = fp_acc - m[f"{name}.acc"]
    return m


def hawq_part(folded, calib, y_calib, x_te, y_te, config: Config, seed: int) -> dict:
    """S6: HAWQ bits in {2, 4, 8} at 3 bits on average vs uniform 3-bit and random allocations."""
    net = copy.deepcopy(folded)
    layers = weighted_layers(net)
    params = [net[i].weight for i in layers]
    for p in net.parameters():
        p.requires_grad_(True)
    g = torch.Generator().manual_seed(seed)
    traces = hutchinson_trace(
        lambda: F.cross_entropy(net(calib), y_calib),
        params,
        n_probes=config.hawq_probes,
        generator=g,
    )

    def qw(w: torch.Tensor, b: int) -> torch.Tensor:
        return quantize_weight(w.detach(), b).dequantize()

    omegas = sensitivities(traces, params, qw)
    sizes = [p.numel() for p in params]
    bits, _ = allocate_bits(omegas, sizes, 3.0)

    def acc_of(alloc) -> float:
        return pct(
            _float_sim(
                folded, {i: qw(folded[i].weight, b) for i, b in zip(layers, alloc, strict=True)}
            ),
            x_te,
            y_te,
        )

    feasible = feasible_allocations(sizes, 3.0)
    picks = torch.randint(0, len(feasible), (config.hawq_random,), generator=g).tolist()
    random_accs = [acc_of(feasible[k]) for k in picks]
    m = {f"trace.layer{i}": t for i, t in zip(layers, traces, strict=True)}
    m.update({f"bits.layer{i}": b for i, b in zip(layers, bits, strict=True)})
    m["avg_bits"] = sum(n * b for n, b in zip(sizes, bits, strict=True)) / sum(sizes)
    m["acc"] = acc_of(bits)
    m["uniform3_acc"] = acc_of([3] * len(layers))
    m["random_median_acc"] = statistics.median(random_accs)
    m["n_feasible_allocations"] = len(feasible)
    m["beats_uniform3"] = float(m["acc"] > m["uniform3_acc"])
    m["beats_random_median"] = float(m["acc"] > m["random_median_acc"])
    return m


def digits_seed(config: Config, seed: int, progress) -> dict:
    """Everything on sklearn digits for one seed; a flat {dotted key: number} dict."""
    x_tr, y_tr, x_te, y_te = digits()
    torch.manual_seed(seed)
    cnn = train(CNN(1), x_tr, y_tr, epochs=config.fp_epochs, seed=seed, progress=progress)
    folded = fold_bn(cnn)
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(x_tr), generator=g)[: config.calib_images]
    calib, y_calib = x_tr[idx], y_tr[idx]  # calibration images come from the training set
    fp = pct(folded, x_te, y_te)
    m: dict = {
        "fp_acc": fp,
        "bn_fold_max_abs_diff": float((predict(cnn, x_te) - predict(folded, x_te)).abs().max()),
    }
    w8 = rtn_weights(folded, 8)
    m["w8a8_pc_pct.acc"] = pct(sim_net(folded, calib, w8, a_bits=8), x_te, y_te)
    m["w8a8_pc_pct.drop_pp"] = fp - m["w8a8_pc_pct.acc"]
    m.update({f"integer.{k}": v for k, v in integer_check(folded, calib, x_te, y_te).items()})
    m.update({f"bytes.{k}": v for k, v in storage(folded).items()})
    m.update(
        {
            f"adaround.{k}": v
            for k, v in adaround_part(folded, calib, x_te, y_te, config, seed).items()
        }
    )
    if config.ptq_sweep:
        m.update({f"ptq.{k}": v for k, v in ptq_sweep(folded, calib, x_te, y_te, fp).items()})
    if config.qat_epochs:
        m.update(
            {
                f"qat.{k}": v
                for k, v in qat_part(
                    cnn, folded, x_tr, y_tr, x_te, y_te, fp, config, seed, progress
                ).items()
            }
        )
    if config.hawq_probes:
        m.update(
            {
                f"hawq.{k}": v
                for k, v in hawq_part(folded, calib, y_calib, x_te, y_te, config, seed).items()
            }
        )
    if config.zeroq_iters:
        distilled = distill_batch(
            cnn, (64, 1, 8, 8), iters=config.zeroq_iters, seed=seed, progress=progress
        )
        m["zeroq.w8a8_acc"] = pct(sim_net(folded, distilled, w8, a_bits=8), x_te, y_te)
        m["zeroq.gap_pp"] = abs(m["w8a8_pc_pct.acc"] - m["zeroq.w8a8_acc"])
    if config.mlp_epochs:
        torch.manual_seed(seed)
        net = train(mlp(), x_tr, y_tr, epochs=config.mlp_epochs, seed=seed, progress=progress)
        m["mlp.fp_acc"] = pct(net, x_te, y_te)
        m["mlp.w8a8_pc_pct.acc"] = pct(
            sim_net(net, calib, rtn_weights(net, 8), a_bits=8), x_te, y_te
        )
        m["mlp.w8a8_dynamic_token.acc"] = pct(
            sim_net(net, calib, rtn_weights(net, 8), a_bits=8, dynamic="dynamic_token"), x_te, y_te
        )
        m["mlp.w4.tensor.acc"] = pct(
            sim_net(net, calib, rtn_weights(net, 4, granularity="tensor")), x_te, y_te
        )
        m["mlp.w4.channel.acc"] = pct(sim_net(net, calib, rtn_weights(net, 4)), x_te, y_te)
    return m


def synth_seed(config: Config, seed: int, data, progress) -> dict:
    """SynthPatterns-16 for one seed: FP CNN, W8A8 PTQ (S1), W4 per tensor vs per channel (S2),
    the integer check (S7) and, with QAT, W4A4 min-max PTQ vs LSQ (S4)."""
    x_tr, y_tr, x_te, y_te = data
    torch.manual_seed(seed)
    cnn = train(CNN(3), x_tr, y_tr, epochs=config.synth_epochs, seed=seed, progress=progress)
    folded = fold_bn(cnn)
    g = torch.Generator().manual_seed(seed)
    calib = x_tr[torch.randperm(len(x_tr), generator=g)[: config.calib_images]]
    fp = pct(folded, x_te, y_te)
    m: dict = {"fp_acc": fp}
    m["w8a8_pc_pct.acc"] = pct(sim_net(folded, calib, rtn_weights(folded, 8), a_bits=8), x_te, y_te)
    m["w8a8_pc_pct.drop_pp"] = fp - m["w8a8_pc_pct.acc"]
    wt, wc = rtn_weights(folded, 4, granularity="tensor"), rtn_weights(folded, 4)
    flags = []
    for i in weighted_layers(folded):
        w = folded[i].weight.detach()
        e_t, e_c = (
            float((wt[i].dequantize() - w).pow(2).mean()),
            float((wc[i].dequantize() - w).pow(2).mean()),
        )
        m[f"w4.layer{i}.mse_tensor"], m[f"w4.layer{i}.mse_channel"] = e_t, e_c
        flags.append(e_c < e_t)
    m["w4.channel_mse_below_tensor_every_layer"] = float(all(flags))
    m["w4.tensor.acc"] = pct(sim_net(folded, calib, wt), x_te, y_te)
    m["w4.channel.acc"] = pct(sim_net(folded, calib, wc), x_te, y_te)
    m["w4.acc_channel_minus_tensor_pp"] = m["w4.channel.acc"] - m["w4.tensor.acc"]
    m.update({f"integer.{k}": v for k, v in integer_check(folded, calib, x_te, y_te).items()})
    if config.qat_epochs:  # S4 on this dataset too: W4A4 min-max PTQ vs LSQ
        m["w4a4.ptq_minmax.acc"] = pct(
            sim_net(folded, calib, wc, a_bits=4, a_method="minmax"), x_te, y_te
        )
        m["w4a4.ptq_minmax.drop_pp"] = fp - m["w4a4.ptq_minmax.acc"]
        torch.manual_seed(seed)
        q = train_qat(
            QATNet(folded, 4, 4, "lsq"),
            x_tr,
            y_tr,
            epochs=config.qat_epochs,
            seed=seed,
            progress=progress,
        )
        m["w4a4.lsq.acc"] = pct(q, x_te, y_te)
        m["w4a4.lsq.drop_pp"] = fp - m["w4a4.lsq.acc"]
    return m


def tensors_seed(config: Config, seed: int) -> dict:
    """S3: clipping on synthetic Gaussian / Laplace / outlier tensors at 3 and 4 bits, symmetric
    2^b-bin grids; non-uniform quantizers at 4 bits; stochastic rounding bias."""
    m: dict = {}
    for k, kind in enumerate(("gaussian", "laplace", "outlier")):
        x = synthetic_tensor(kind, config.tensor_samples, seed=1000 * seed + k)
        amax = float(x.abs().max())
        b = laplace_scale(x)
        for bits in (3, 4):

            def mse(alpha: float, bits=bits, x=x) -> float:
                return float((midrise_quantize(x, alpha, bits) - x).pow(2).mean())

            _, hi = mse_clip_range(
                x, bits, quantizer=lambda v, a, bits=bits: midrise_quantize(v, a, bits)
            )
            alphas = {
                "minmax": amax,
                "mse": float(hi),
                "aciq": aciq_alpha(b, bits),
                "kl": kl_threshold(x, bits, signed=True),
            }
            errs = {name: mse(a) for name, a in alphas.items()}
            key = f"{kind}.b{bits}"
            for name in alphas:
                m[f"{key}.{name}.alpha_over_b"] = alphas[name] / b
                m[f"{key}.{name}.mse"] = errs[name]
                if name != "minmax":
                    m[f"{key}.{name}.reduction_vs_minmax"] = errs["minmax"] / errs[name]
            m[f"{key}.aciq_rel_err_vs_grid"] = abs(alphas["aciq"] - alphas["mse"]) / alphas["mse"]
        for name, fn in (
            (
                "uniform_mseclip",
                lambda v: fake_quantize(
                    v, symmetric_qparams(mse_clip_range(v, 4, symmetric=True)[1], 4)
                ),
            ),
            ("log2", lambda v: log2_quantize(v, 4)),
            ("lloyd_max", lambda v: kmeans_quantize(v, 4)),
        ):
            m[f"{kind}.nonuniform_b4.{name}.mse"] = float((fn(x) - x).pow(2).mean())
    for name in ("mse", "aciq", "kl"):
        m[f"laplace.{name}.min_reduction_b3_b4"] = min(
            m[f"laplace.b{b}.{name}.reduction_vs_minmax"] for b in (3, 4)
        )
    m["laplace.aciq_max_rel_err_b3_b4"] = max(
        m[f"laplace.b{b}.aciq_rel_err_vs_grid"] for b in (3, 4)
    )
    for bits in (3, 4):  # where the exact (integrated) MSE of the same quantizer has its minimum
        m[f"laplace.b{bits}.exact_opt_alpha_over_b"] = laplace_midrise_optimum(bits)
    g = torch.Generator().manual_seed(seed)
    v = torch.full((100_000,), 0.3)
    r = round_stochastic(v, g)
    m["stochastic_rounding.abs_bias_over_3se"] = float(
        (r.mean() - 0.3).abs() / (3 * r.std() / len(v) ** 0.5)
    )
    return m


# --- aggregation and the experiment ------------------------------------------------------------


def _nest(flat: dict) -> dict:
    out: dict = {}
    for key, v in flat.items():
        d = out
        *parents, leaf = key.split(".")
        for p in parents:
            d = d.setdefault(p, {})
        d[leaf] = v
    return out


def _mean_over_seeds(runs: list[dict]) -> dict:
    keys = runs[0].keys()
    return {k: sum(r[k] for r in runs) / len(runs) for k in keys}


def figure(metrics: dict, path) -> None:
    """Seed-mean digits accuracies of the main settings; Laplace clipping MSE at 3 and 4 bits."""
    from papershelf.plotting import figure as make_figure
    from papershelf.plotting import save_png

    fig, axes = make_figure(2, width=4.4, height=3.2)
    ax1, ax2 = axes[0]
    d = metrics["digits"]
    bars = {"FP32": d["fp_acc"], "W8A8 PTQ": d["w8a8_pc_pct"]["acc"]}
    if "ptq" in d:
        bars["W4 per-tensor"] = d["ptq"]["w4"]["tensor"]["acc"]
        bars["W4 per-channel"] = d["ptq"]["w4"]["channel"]["acc"]
        bars["W4A4 PTQ"] = d["ptq"]["w4a4"]["ptq_minmax"]["acc"]
    if "qat" in d:
        bars["W4A4 LSQ"] = d["qat"]["lsq"]["acc"]
    if "hawq" in d:
        bars["MP avg 3b"] = d["hawq"]["acc"]
        bars["W3 uniform"] = d["hawq"]["uniform3_acc"]
    if "ptq" in d:
        bars["W4 log2"] = d["ptq"]["w4"]["log2"]["acc"]
        bars["ternary (TWN)"] = d["ptq"]["ternary"]["acc"]
        bars["binary"] = d["ptq"]["binary"]["acc"]
    if "hawq" in d:
        bars["MP random (median)"] = d["hawq"]["random_median_acc"]
    ax1.barh(list(bars), list(bars.values()), color="tab:blue")
    for k, v in enumerate(bars.values()):
        ax1.text(v, k, f" {v:.1f}", va="center", fontsize=7)
    ax1.set_xlabel("digits test accuracy (%), seed mean")
    ax1.set_xlim(0, 110)
    if "tensors" in metrics:
        t = metrics["tensors"]["laplace"]
        names = ["minmax", "mse", "aciq", "kl"]
        for j, bits in enumerate((3, 4)):
            vals = [t[f"b{bits}"][n]["mse"] for n in names]
            ax2.bar([k + 0.4 * j for k in range(len(names))], vals, width=0.4, label=f"{bits} bits")
        ax2.set_xticks([k + 0.2 for k in range(len(names))], names)
        ax2.set_yscale("log")
        ax2.set_ylabel("MSE on Laplace(0, 1)")
        ax2.legend()
    save_png(fig, path)


def experiment(config: Config, ctx: papershelf.RunContext) -> dict:
    seeds = [ctx.seed + k for k in range(config.seeds)]
    per_seed: dict = {}
    digits_runs, synth_runs, tensor_runs = [], [], []
    for s in ctx.progress(seeds, desc="seeds"):
        digits_runs.append(ctx.stage(f"digits_seed{s}", lambda s=s: digits_seed(config, s, None)))
        per_seed[f"s{s}"] = {"digits": _nest(digits_runs[-1])}
    if config.synth_epochs:
        data = synth_patterns(*config.synth_per_class)
        for s in ctx.progress(seeds, desc="synth"):
            synth_runs.append(
                ctx.stage(f"synth_seed{s}", lambda s=s: synth_seed(config, s, data, None))
            )
            per_seed[f"s{s}"]["synth"] = _nest(synth_runs[-1])
    if config.tensor_samples:
        for s in seeds:
            tensor_runs.append(ctx.stage(f"tensors_seed{s}", lambda s=s: tensors_seed(config, s)))
            per_seed[f"s{s}"]["tensors"] = _nest(tensor_runs[-1])
    metrics: dict = {"seeds": len(seeds), "digits": _nest(_mean_over_seeds(digits_runs))}
    if synth_runs:
        metrics["synth"] = _nest(_mean_over_seeds(synth_runs))
    if tensor_runs:
        metrics["tensors"] = _nest(_mean_over_seeds(tensor_runs))
    if config.speed_repeats:
        metrics["perf"] = {
            "int8_dynamic_linear": ctx.stage(
                "speed", lambda: linear_speed(repeats=config.speed_repeats, seed=ctx.seed)
            )
        }
    metrics["per_seed"] = per_seed
    figure(metrics, ctx.path("quantization_survey.png"))
    return metrics
