"""DART-Math (Tong et al., 2024): difficulty-aware rejection tuning, reproduced on multi-step
arithmetic with a TinyGPT synthesis agent and TinyGPT students."""

from dart_math.baselines import gold_sft_data
from dart_math.dars import (
    Arm,
    Report,
    SampleStream,
    prop2diff,
    prop2diff_targets,
    size_match,
    uniform,
    vrt,
)
from dart_math.data import Splits, load_dart_pool, load_gsm8k, make_splits
from dart_math.student import evaluate, pretrain_base, sft
from dart_math.synth import LMSampler, train_synthesizer
from dart_math.tasks import Problem, Query, check, make_problem, solution, solve

__all__ = [
    "Arm",
    "LMSampler",
    "Problem",
    "Query",
    "Report",
    "SampleStream",
    "Splits",
    "check",
    "evaluate",
    "gold_sft_data",
    "load_dart_pool",
    "load_gsm8k",
    "make_problem",
    "make_splits",
    "pretrain_base",
    "prop2diff",
    "prop2diff_targets",
    "sft",
    "size_match",
    "solution",
    "solve",
    "train_synthesizer",
    "uniform",
    "vrt",
]
