import csv

import numpy as np
import pytest

from topo_swaps import (
    is_dag,
    load_table,
    simulate_dag,
    simulate_linear_sem,
    simulate_logistic_sem,
    simulate_weights,
)

SACHS = ["raf", "mek", "plc", "pip2", "pip3", "erk", "akt", "pka", "pkc", "p38", "jnk"]


@pytest.mark.parametrize(("graph", "k"), [("ER", 2), ("ER", 4), ("SF", 2), ("SF", 4)])
def test_simulated_graphs_are_dags_with_the_expected_edge_count(graph, k):
    rng = np.random.default_rng(0)
    d = 20
    B = simulate_dag(d, k, graph, rng)
    assert is_dag(B)
    expected = k * d if graph == "ER" else k * (d - k)  # networkx BA: star of k+1, then k each
    assert B.sum() == expected
    W = simulate_weights(B, rng)
    assert ((np.abs(W[B == 1]) >= 0.5) & (np.abs(W[B == 1]) <= 2)).all()
    assert (W[B == 0] == 0).all()
    assert (W > 0).any() and (W < 0).any()


def test_linear_sem_noise_types_and_logistic_sem():
    rng = np.random.default_rng(1)
    B = simulate_dag(6, 2, "ER", rng)
    W = simulate_weights(B, rng)
    roots = np.flatnonzero(B.sum(axis=0) == 0)
    for noise, mean in (("gauss", 0.0), ("exp", 1.0), ("gumbel", np.euler_gamma)):
        X = simulate_linear_sem(W, 20000, noise, rng)
        assert X.shape == (20000, 6)
        assert X[:, roots].mean() == pytest.approx(mean, abs=0.05)
    X = simulate_linear_sem(W, 20000, "gauss", rng)
    R = X - X @ W
    np.testing.assert_allclose(R.var(axis=0), 1.0, atol=0.05)  # equal noise variances
    Xb = simulate_logistic_sem(W, 500, rng)
    assert set(np.unique(Xb)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="noise must be one of"):
        simulate_linear_sem(W, 10, "cauchy", rng)
    with pytest.raises(ValueError, match="must be the weighted adjacency matrix of a DAG"):
        simulate_linear_sem(W + W.T, 10, "gauss", rng)
    with pytest.raises(ValueError, match="graph must be one of"):
        simulate_dag(5, 1, "BP", rng)
    with pytest.raises(ValueError, match="d must be an int >= 2"):
        simulate_dag(1, 1, "ER", rng)


def test_load_a_tiny_sachs_style_csv(tmp_path):
    path = tmp_path / "sachs.csv"
    rng = np.random.default_rng(2)
    values = rng.uniform(1, 100, size=(5, 11)).round(2)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(SACHS)
        writer.writerows(values.tolist())
    X, names = load_table(path)
    assert names == SACHS
    np.testing.assert_allclose(X, values)


def test_load_npz_and_bad_files(tmp_path):
    X = np.random.default_rng(3).normal(size=(5, 3))
    np.savez(tmp_path / "data.npz", X=X, columns=np.array(["a", "b", "c"]))
    X2, names = load_table(tmp_path / "data.npz")
    np.testing.assert_array_equal(X2, X)
    assert names == ["a", "b", "c"]
    np.savez(tmp_path / "nox.npz", Y=X)
    with pytest.raises(ValueError, match="array named 'X'"):
        load_table(tmp_path / "nox.npz")
    with pytest.raises(FileNotFoundError, match="data file not found"):
        load_table(tmp_path / "missing.csv")
    (tmp_path / "text.csv").write_text("a,b\n1,x\n")
    with pytest.raises(ValueError, match="must be a number"):
        load_table(tmp_path / "text.csv")
    (tmp_path / "nan.csv").write_text("a,b\n1,2\nnan,3\n")
    with pytest.raises(ValueError, match="NaN or inf"):
        load_table(tmp_path / "nan.csv")
    (tmp_path / "const.csv").write_text("a,b\n1,2\n1,3\n")
    with pytest.raises(ValueError, match="zero-variance"):
        load_table(tmp_path / "const.csv")
    (tmp_path / "x.parquet").write_text("")
    with pytest.raises(ValueError, match="unsupported format"):
        load_table(tmp_path / "x.parquet")
