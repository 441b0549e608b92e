"""One trace, every algorithm, every predictor: the costs the reproduction aggregates.

For a request sequence σ and cache size k this computes OPT (FitF) and the clean pages, the
baselines' costs, the true discard and phase bits, and then, for each predictor (noisy bits with
flip probability p, where p = 0 is the oracle; inverted; all-0; all-1; learned), the costs of Mark0
and FtP (discard bits) and of Mark&Predict (phase bits), with the error counts η_0, η_1. Randomized
algorithms are averaged over `rand_runs` seeds.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from succinct_paging.baselines import FIFO, LRU, FtP, Marker
from succinct_paging.belady import belady
from succinct_paging.learned import LogisticPredictor
from succinct_paging.mark0 import Mark0
from succinct_paging.mark_and_predict import MarkAndPredict
from succinct_paging.phases import clean_pages, phase_bits
from succinct_paging.predictions import constant, errors, inverted, noisy
from succinct_paging.trace import check_p, encode

# algorithm name -> (class, mode, which bits it reads)
PREDICTED = {
    "mark0_det": (Mark0, "det", "discard"),
    "mark0_rand": (Mark0, "rand", "discard"),
    "ftp": (FtP, "det", "discard"),
    "map_det": (MarkAndPredict, "det", "phase"),
    "map_rand": (MarkAndPredict, "rand", "phase"),
}


def predictor_name(p: float) -> str:
    """Metric key of the noisy predictor with flip probability p: 0 -> "oracle", 0.05 -> "p0_05"."""
    return "oracle" if p == 0 else "p" + f"{p:g}".replace(".", "_")


def _costs(cls, k: int, mode: str, seeds: list[int], seq: np.ndarray, bits=None) -> list[int]:
    """Cost of every run: one per seed in "rand" mode, a single run in "det" mode."""
    return [cls(k, mode, seed=s).run(seq, bits) for s in (seeds if mode == "rand" else seeds[:1])]


def evaluate_trace(
    seq: Sequence[Hashable] | np.ndarray,
    k: int,
    *,
    train_seq: Sequence[Hashable] | np.ndarray,
    ps: Sequence[float],
    noise_seed: int,
    rand_seeds: Sequence[int],
) -> dict:
    """Costs of every (algorithm, predictor) on σ, plus OPT, clean pages and η's.

    `train_seq` is the trace the learned predictor is fit on (never σ itself). The noisy predictors
    share `noise_seed`, so the flips at a smaller p are a subset of those at a larger p.
    Returns a dict:
        "opt", "clean_pages", "lru", "fifo", "marker"   costs (Marker: mean over the seeds)
        "<algorithm>": {"<predictor>": mean cost}        for every algorithm in PREDICTED
        "eta": {"discard" | "phase": {"<predictor>": [η_0, η_1]}}
        "learned": {"discard" | "phase": {"accuracy", "majority_rate"}}
        "perfect_bits_exact": {"<algorithm>": True iff every run with perfect bits cost
                               OPT (Mark0, FtP) or clean_pages (Mark&Predict)}
    """
    ps = [check_p(p) for p in ps]
    seq, train_seq = encode(seq), encode(train_seq)
    seeds = [int(s) for s in rand_seeds]
    if not seeds:
        raise ValueError("rand_seeds must name at least one seed")
    opt, discard = belady(seq, k)
    truth = {"discard": discard, "phase": phase_bits(seq, k)}
    out: dict = {
        "opt": opt,
        "clean_pages": clean_pages(seq, k),
        "lru": LRU(k).run(seq),
        "fifo": FIFO(k).run(seq),
        "marker": float(np.mean(_costs(Marker, k, "rand", seeds, seq))),
        "learned": {},
        "eta": {"discard": {}, "phase": {}},
    }
    preds: dict[str, dict[str, np.ndarray]] = {}
    for kind, bits in truth.items():
        preds[kind] = {"oracle": bits}
        preds[kind].update({predictor_name(p): noisy(bits, p, noise_seed) for p in ps if p > 0})
        preds[kind]["inverted"] = inverted(bits)
        preds[kind]["all0"] = constant(len(bits), 0)
        preds[kind]["all1"] = constant(len(bits), 1)
        train_bits = belady(train_seq, k)[1] if kind == "discard" else phase_bits(train_seq, k)
        learned = LogisticPredictor().fit(train_seq, train_bits).predict(seq)
        preds[kind]["learned"] = learned
        out["learned"][kind] = {
            "accuracy": float((learned == bits).mean()) if len(bits) else 1.0,
            "majority_rate": float(max(bits.mean(), 1 - bits.mean())) if len(bits) else 1.0,
        }
        for name, pred in preds[kind].items():
            out["eta"][kind][name] = list(errors(pred, bits))
    perfect = {}
    for algo, (cls, mode, kind) in PREDICTED.items():
        runs = {name: _costs(cls, k, mode, seeds, seq, pred) for name, pred in preds[kind].items()}
        out[algo] = {name: float(np.mean(costs)) for name, costs in runs.items()}
        target = opt if kind == "discard" else out["clean_pages"]
        perfect[algo] = all(c == target for c in runs["oracle"])
    out["perfect_bits_exact"] = perfect
    return out
