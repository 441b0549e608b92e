"""A learned one-bit predictor: logistic regression on what is known when σ_t arrives.

The paper's motivation is that one bit per request is something a small model can learn. Here the
model sees three online features of σ_t (only the past, never the future):

    x_1 = log(1 + t - t_1)     reuse distance of the latest use (t_1: previous request of σ_t)
    x_2 = log(1 + t_1 - t_2)   reuse distance of the use before (t_2: the request before t_1)
    x_3 = log(1 + #{s < t : σ_s = σ_t})   frequency so far

(a missing use counts as distance n), and predicts P(bit = 1 | x) = sigmoid(w · x + b). It is fit
by Newton's method (IRLS) on the true bits of a training trace and applied, thresholded at 1/2, to
a held-out trace drawn from the same generator with another seed.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from succinct_paging.trace import check_bits, encode


def reuse_features(seq: Sequence[Hashable] | np.ndarray) -> np.ndarray:
    """(x_1, x_2, x_3) for every request: float64 array of shape (n, 3)."""
    ids = encode(seq).tolist()
    n = len(ids)
    feats = np.empty((n, 3))
    last1: dict[int, int] = {}
    last2: dict[int, int] = {}
    count: dict[int, int] = {}
    for t, p in enumerate(ids):
        t1, t2 = last1.get(p), last2.get(p)
        feats[t, 0] = t - t1 if t1 is not None else n
        feats[t, 1] = t1 - t2 if t2 is not None else n
        feats[t, 2] = count.get(p, 0)
        if t1 is not None:
            last2[p] = t1
        last1[p], count[p] = t, count.get(p, 0) + 1
    return np.log1p(feats)


class LogisticPredictor:
    """Logistic regression on `reuse_features`; `fit(seq, bits)`, then `predict(seq)`."""

    def __init__(self, l2: float = 1.0, steps: int = 50):
        self.l2, self.steps = l2, steps
        self.weights: np.ndarray | None = None  # (4,): 3 feature weights and the bias

    def _design(self, seq) -> np.ndarray:
        x = (reuse_features(seq) - self.mean) / self.scale
        return np.hstack([x, np.ones((x.shape[0], 1))])

    def fit(self, seq: Sequence[Hashable] | np.ndarray, bits: Sequence[int]) -> LogisticPredictor:
        """Fit w, b to the true bits (n,) of a training trace by IRLS with a small L2 penalty."""
        feats = reuse_features(seq)
        y = check_bits(bits, feats.shape[0]).astype(float)
        if feats.shape[0] == 0:
            raise ValueError("seq must be a non-empty training trace")
        self.mean, self.scale = feats.mean(0), feats.std(0) + 1e-12
        x = self._design(seq)
        w = np.zeros(x.shape[1])
        ridge = self.l2 * np.eye(x.shape[1])
        for _ in range(self.steps):
            prob = 1.0 / (1.0 + np.exp(-(x @ w)))
            grad = x.T @ (prob - y) + ridge @ w
            hess = (x * (prob * (1 - prob))[:, None]).T @ x + ridge
            step = np.linalg.solve(hess, grad)
            w -= step
            if np.abs(step).max() < 1e-10:
                break
        self.weights = w
        return self

    def predict_proba(self, seq: Sequence[Hashable] | np.ndarray) -> np.ndarray:
        """P(bit = 1) for every request of σ: float64 (n,)."""
        if self.weights is None:
            raise RuntimeError("call fit(seq, bits) before predicting")
        return 1.0 / (1.0 + np.exp(-(self._design(seq) @ self.weights)))

    def predict(self, seq: Sequence[Hashable] | np.ndarray) -> np.ndarray:
        """Predicted bits, int8 (n,)."""
        return (self.predict_proba(seq) >= 0.5).astype(np.int8)
