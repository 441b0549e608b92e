"""Data: random DAGs, linear and logistic SEMs (§6 of the paper), and a loader for real tables.

Simulation follows the NOTEARS/TOPO protocol:

- ER-k: an Erdős–Rényi skeleton with m = k·d edges drawn uniformly, oriented acyclically by a
  random permutation of the nodes;
- SF-k: a Barabási–Albert graph in which every new node attaches to k earlier nodes, the edge
  pointing from the newer node to the older one (as igraph's directed `Barabasi` does in the
  official `simulate_dag`), then the node labels are permuted at random;
- weights W_ij ~ ±U[0.5, 2] on the edges;
- linear SEM X_j = X·W_{:,j} + z_j with gauss (N(0, 1), equal variance), exp (Exp(1)) or gumbel
  (Gumbel(0, 1)) noise; logistic SEM X_j ~ Bernoulli(σ(X·W_{:,j})) for binary data.

The adjacency convention is B[i, j] = 1 for the edge i → j, so column j holds j's parents.

Real data: `load_table` reads a CSV with a header row (e.g. the 11-column Sachs protein-signalling
table: raf, mek, plc, pip2, pip3, erk, akt, pka, pkc, p38, jnk) or an NPZ file, from a local path.
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.special import expit

GRAPHS = ("ER", "SF")
NOISES = ("gauss", "exp", "gumbel")
WEIGHT_RANGES = ((-2.0, -0.5), (0.5, 2.0))


def check_data(X, *, name: str = "X") -> np.ndarray:
    """Validate a data matrix: finite floats of shape (n, d) with d >= 2 and no constant column.

    A constant column has zero variance, which makes the Gram matrix XᵀX/n singular.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (n, d), got shape {X.shape}")
    n, d = X.shape
    if d < 2:
        raise ValueError(f"{name} must have d >= 2 variables (columns), got d={d}")
    if n < 2:
        raise ValueError(f"{name} must have n >= 2 samples (rows), got n={n}")
    if not np.isfinite(X).all():
        bad = sorted({int(j) for j in np.argwhere(~np.isfinite(X))[:, 1]})
        raise ValueError(f"{name} contains NaN or inf (columns {bad}); clean the data first")
    constant = np.flatnonzero(np.ptp(X, axis=0) == 0)
    if constant.size:
        raise ValueError(
            f"{name} has zero-variance column(s) {constant.tolist()}: the Gram matrix XᵀX/n "
            "is singular; drop them"
        )
    return X


def _check_graph_args(d: int, k: int, graph: str) -> None:
    if graph not in GRAPHS:
        raise ValueError(f"graph must be one of {GRAPHS}, got {graph!r}")
    if isinstance(d, bool) or not isinstance(d, int | np.integer) or d < 2:
        raise ValueError(f"d must be an int >= 2, got {d!r}")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k (edges per node) must be an int >= 1, got {k!r}")


def simulate_dag(d: int, k: int, graph: str, rng: np.random.Generator) -> np.ndarray:
    """A random DAG: ER-k (m = k·d edges) or SF-k (Barabási–Albert, k edges per new node).

    Returns B of shape (d, d), dtype int, B[i, j] = 1 for the edge i → j.
    """
    _check_graph_args(d, k, graph)
    if graph == "ER":
        m = min(k * d, d * (d - 1) // 2)
        pairs = np.array([(i, j) for i in range(d) for j in range(i + 1, d)])
        chosen = pairs[rng.choice(len(pairs), size=m, replace=False)]
        B = np.zeros((d, d), dtype=int)
        B[chosen[:, 0], chosen[:, 1]] = 1  # i < j: acyclic before relabelling
    else:
        if k >= d:
            raise ValueError(f"SF-k needs k < d, got k={k}, d={d}")
        seed = int(rng.integers(2**31 - 1))
        G = nx.barabasi_albert_graph(d, k, seed=seed)
        B = np.zeros((d, d), dtype=int)
        for u, v in G.edges():
            B[max(u, v), min(u, v)] = 1  # newer node -> older node
    perm = rng.permutation(d)
    return B[np.ix_(perm, perm)]


def simulate_weights(B: np.ndarray, rng: np.random.Generator, ranges=WEIGHT_RANGES) -> np.ndarray:
    """Edge weights W = B ∘ U with U_ij uniform on one of `ranges` (default ±[0.5, 2]). (d, d)."""
    B = np.asarray(B)
    which = rng.integers(len(ranges), size=B.shape)
    W = np.zeros(B.shape)
    for r, (lo, hi) in enumerate(ranges):
        W += B * (which == r) * rng.uniform(lo, hi, size=B.shape)
    return W


def _causal_order(W: np.ndarray) -> list[int]:
    G = nx.DiGraph(np.abs(W) > 0)
    if not nx.is_directed_acyclic_graph(G):
        raise ValueError("W must be the weighted adjacency matrix of a DAG")
    return list(nx.lexicographical_topological_sort(G))


def simulate_linear_sem(
    W: np.ndarray, n: int, noise: str, rng: np.random.Generator, scale: float = 1.0
) -> np.ndarray:
    """n samples of X_j = X·W_{:,j} + z_j, z_j iid with the given noise type and scale. (n, d)."""
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {NOISES}, got {noise!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    W = np.asarray(W, dtype=np.float64)
    X = np.zeros((n, W.shape[0]))
    for j in _causal_order(W):
        if noise == "gauss":
            z = rng.normal(scale=scale, size=n)
        elif noise == "exp":
            z = rng.exponential(scale=scale, size=n)
        else:
            z = rng.gumbel(scale=scale, size=n)
        X[:, j] = X @ W[:, j] + z
    return X


def simulate_logistic_sem(W: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n binary samples of X_j ~ Bernoulli(σ(X·W_{:,j})). Returns float (n, d) in {0, 1}."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    W = np.asarray(W, dtype=np.float64)
    X = np.zeros((n, W.shape[0]))
    for j in _causal_order(W):
        X[:, j] = rng.binomial(1, expit(X @ W[:, j])).astype(float)
    return X


def load_table(path: str | Path) -> tuple[np.ndarray, list[str]]:
    """Read a local data table: returns (X of shape (n, d), the d column names).

    - `.csv`: a header row of column names, then one numeric row per sample (the Sachs format);
    - `.npz`: an array `X` of shape (n, d) and, optionally, `columns` (d names).

    The data are validated by `check_data` (finite, d >= 2, no constant column).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="") as f:
            rows = list(csv.reader(f))
        if len(rows) < 2:
            raise ValueError(f"{path}: expected a header row and at least one data row")
        names = [c.strip() for c in rows[0]]
        try:
            X = np.array([[float(v) for v in row] for row in rows[1:] if row], dtype=np.float64)
        except ValueError as e:
            raise ValueError(f"{path}: every value after the header must be a number ({e})") from e
        if X.ndim != 2 or X.shape[1] != len(names):
            raise ValueError(f"{path}: every row must have {len(names)} values (one per column)")
    elif suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            if "X" not in z:
                raise ValueError(f"{path}: an .npz data file must hold an array named 'X'")
            X = np.asarray(z["X"], dtype=np.float64)
            if X.ndim != 2:
                raise ValueError(f"{path}: 'X' must have shape (n, d), got {X.shape}")
            if "columns" in z:
                names = [str(c) for c in z["columns"]]
            else:
                names = [f"x{j}" for j in range(X.shape[1])]
        if len(names) != X.shape[1]:
            raise ValueError(f"{path}: 'columns' has {len(names)} names for {X.shape[1]} columns")
    else:
        raise ValueError(f"{path}: unsupported format {suffix!r}; expected .csv or .npz")
    return check_data(X, name=str(path)), names
