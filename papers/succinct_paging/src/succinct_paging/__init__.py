"""Paging with Succinct Predictions (Antoniadis et al., ICML 2023): a Papershelf reproduction."""

from succinct_paging.baselines import FIFO, LRU, FtP, Marker
from succinct_paging.belady import belady, next_use
from succinct_paging.data import cyclic, load_checkins, ping_pong, zipf_drift
from succinct_paging.evaluate import evaluate_trace
from succinct_paging.learned import LogisticPredictor, reuse_features
from succinct_paging.mark0 import Mark0
from succinct_paging.mark_and_predict import MarkAndPredict
from succinct_paging.online import Eviction, OnlineAlgorithm
from succinct_paging.phases import clean_pages, phase_bits, phase_partition
from succinct_paging.predictions import constant, errors, inverted, noisy, oracle

__all__ = [
    "FIFO",
    "LRU",
    "Eviction",
    "FtP",
    "LogisticPredictor",
    "Mark0",
    "MarkAndPredict",
    "Marker",
    "OnlineAlgorithm",
    "belady",
    "clean_pages",
    "constant",
    "cyclic",
    "errors",
    "evaluate_trace",
    "inverted",
    "load_checkins",
    "next_use",
    "noisy",
    "oracle",
    "phase_bits",
    "phase_partition",
    "ping_pong",
    "reuse_features",
    "zipf_drift",
]
