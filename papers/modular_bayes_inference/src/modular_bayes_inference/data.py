"""Observations for the four models: procedural generators and a loader for local files.

The paper has no data set; every model here has an exact answer (models.py). Observations are
generated from a seeded `numpy.random.Generator`, or read from a local CSV or JSON file:

    CSV   one observation per line (an optional header line is skipped), first column used
    JSON  a list of numbers, or an object {"observations": [...]}
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np


def hmm_observations(
    pi0: np.ndarray, a: np.ndarray, b: np.ndarray, length: int, rng: np.random.Generator
) -> np.ndarray:
    """Symbols y_0..y_{T-1} (int array of shape (T,)) from an HMM with initial law pi0 (S,),
    transitions a (S, S) and emissions b (S, V)."""
    if length <= 0:
        raise ValueError(f"length must be > 0, got {length}")
    s = rng.choice(len(pi0), p=pi0)
    ys = []
    for _ in range(length):
        ys.append(rng.choice(b.shape[1], p=b[s]))
        s = rng.choice(len(pi0), p=a[s])
    return np.array(ys, dtype=int)


def gaussian_observations(n: int, mu: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """n draws y_i ~ N(mu, sigma²), shape (n,)."""
    return mu + sigma * rng.standard_normal(n)


def regression_data(
    coefs: tuple[float, ...], sigma: float, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs x (n,) evenly spaced on [-1, 1] and y_i = Σ_j c_j x_i^j + σ ε_i, shape (n,)."""
    xs = np.linspace(-1.0, 1.0, n)
    ys = np.polynomial.polynomial.polyval(xs, coefs) + sigma * rng.standard_normal(n)
    return xs, ys


def load_observations(path: str | Path) -> np.ndarray:
    """Read a 1-D array of observations from a local .csv or .json file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"observations file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".json":
        payload = json.loads(path.read_text())
        if isinstance(payload, dict):
            if "observations" not in payload:
                raise ValueError(f"{path}: a JSON object must have the key 'observations'")
            payload = payload["observations"]
        values = payload
    elif suffix == ".csv":
        with path.open(newline="") as fh:
            rows = [row for row in csv.reader(fh) if row and row[0].strip()]
        if rows and not _is_number(rows[0][0]):
            rows = rows[1:]
        values = [row[0] for row in rows]
    else:
        raise ValueError(f"path must end in .csv or .json, got {path.name}")
    try:
        arr = np.array([float(v) for v in values], dtype=float)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: observations must be numbers ({e})") from None
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{path}: expected a non-empty list of finite numbers")
    return arr


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True
