"""Pointer Networks (Vinyals, Fortunato & Jaitly, 2015) at laptop scale.

- `PointerNet`                                    the Ptr-Net (model.py, §2.3)
- `Seq2SeqAttention`, `Seq2Seq`                   fixed-vocabulary baselines (baselines.py)
- `greedy_decode`, `beam_search`, `validity_masks` decoding with task masks (decoding.py)
- `hull_target`, `tsp_target`, `delaunay_target`, `canonical_tour`, metrics   (geometry.py)
- `held_karp`, `brute_force_tsp`, `nearest_neighbour_tour`, `two_opt`   solvers (solvers.py)
- `eval_set`, `tsp_pool`, `read_examples`, `write_examples`      data (data.py)
- `train`, `decode`                               training and evaluation (train.py)
"""

from pointer_networks.baselines import Seq2Seq, Seq2SeqAttention
from pointer_networks.data import (
    Batch,
    Example,
    collate,
    eval_set,
    read_examples,
    task_batches,
    tsp_batches,
    tsp_pool,
    write_examples,
)
from pointer_networks.decoding import beam_search, greedy_decode, to_outputs, validity_masks
from pointer_networks.geometry import (
    area_coverage,
    canonical_tour,
    delaunay_target,
    hull_target,
    tour_length,
    triangle_coverage,
    tsp_target,
)
from pointer_networks.model import PointerNet
from pointer_networks.solvers import brute_force_tsp, held_karp, nearest_neighbour_tour, two_opt
from pointer_networks.train import decode, train

__all__ = [
    "Batch",
    "Example",
    "PointerNet",
    "Seq2Seq",
    "Seq2SeqAttention",
    "area_coverage",
    "beam_search",
    "brute_force_tsp",
    "canonical_tour",
    "collate",
    "decode",
    "delaunay_target",
    "eval_set",
    "greedy_decode",
    "held_karp",
    "hull_target",
    "nearest_neighbour_tour",
    "read_examples",
    "task_batches",
    "to_outputs",
    "tour_length",
    "train",
    "triangle_coverage",
    "tsp_batches",
    "tsp_pool",
    "tsp_target",
    "two_opt",
    "validity_masks",
    "write_examples",
]
