"""One-bit predictors and their error counts η_0, η_1.

The paper measures a bit string against the true bits (FitF's discard bits, or the phase bits) by
two counts, because the two kinds of mistakes cost differently:

    η_0 = #{t : predicted 0, truth 1}     ("keep" where the page should go)
    η_1 = #{t : predicted 1, truth 0}     ("evict" where the page should stay)

and an algorithm is (α, β, γ)-competitive when ALG <= α OPT + β η_0 + γ η_1 + O(1).
The synthetic predictors corrupt the true bits (always computed on the true trace first); the
learned one is in `learned.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from succinct_paging.trace import check_bits, check_p


def errors(pred: Sequence[int] | np.ndarray, truth: Sequence[int] | np.ndarray) -> tuple[int, int]:
    """(η_0, η_1) of predicted bits against true bits, both of shape (n,)."""
    truth = check_bits(truth, len(truth), name="truth")
    pred = check_bits(pred, truth.shape[0], name="pred")
    return int(((pred == 0) & (truth == 1)).sum()), int(((pred == 1) & (truth == 0)).sum())


def oracle(bits: Sequence[int] | np.ndarray) -> np.ndarray:
    """Perfect predictions: the true bits themselves (a copy), int8 (n,)."""
    return check_bits(bits, len(bits)).copy()


def noisy(bits: Sequence[int] | np.ndarray, p: float, seed: int) -> np.ndarray:
    """Each bit flipped independently with probability p, int8 (n,)."""
    bits, p = check_bits(bits, len(bits)), check_p(p)
    flips = np.random.default_rng(seed).random(bits.shape[0]) < p
    return (bits ^ flips).astype(np.int8)


def inverted(bits: Sequence[int] | np.ndarray) -> np.ndarray:
    """Every bit wrong: η_0 + η_1 = n, the adversarial predictor of the robustness bar."""
    return (1 - check_bits(bits, len(bits))).astype(np.int8)


def constant(n: int, value: int) -> np.ndarray:
    """The all-0 or all-1 predictor for n requests."""
    if value not in (0, 1):
        raise ValueError(f"value must be 0 or 1, got {value!r}")
    return np.full(n, value, dtype=np.int8)
