import numpy as np
import pytest

from topo_swaps import count_accuracy, is_dag, threshold, to_dag, topological_order


def _graph(d, edges):
    B = np.zeros((d, d))
    for i, j in edges:
        B[i, j] = 1
    return B


TRUE = _graph(4, [(0, 1), (1, 2), (0, 3)])


@pytest.mark.parametrize(
    ("edges", "shd", "tpr", "fdr"),
    [
        ([(0, 1), (1, 2), (0, 3)], 0, 1.0, 0.0),  # identical
        ([(1, 0), (1, 2), (0, 3)], 1, 2 / 3, 1 / 3),  # one reversal counts 1
        ([(0, 1), (1, 2), (0, 3), (2, 3)], 1, 1.0, 1 / 4),  # one extra edge
        ([(0, 1), (0, 3)], 1, 2 / 3, 0.0),  # one missing edge
        ([(1, 0), (2, 3)], 4, 0.0, 1.0),  # reversal + extra + 2 missing
        ([], 3, 0.0, 0.0),  # empty graph
    ],
)
def test_shd_of_hand_made_examples(edges, shd, tpr, fdr):
    acc = count_accuracy(TRUE, _graph(4, edges))
    assert acc["shd"] == shd
    assert acc["tpr"] == pytest.approx(tpr)
    assert acc["fdr"] == pytest.approx(fdr)
    assert acc["nnz"] == len(edges)


def test_a_cyclic_estimate_is_refused():
    with pytest.raises(ValueError, match="B_est must be a DAG"):
        count_accuracy(TRUE, _graph(4, [(0, 1), (1, 0)]))
    with pytest.raises(ValueError, match=r"must be \(d, d\)"):
        count_accuracy(TRUE, np.zeros((3, 3)))


def test_threshold_topological_order_and_to_dag():
    W = np.array([[0.0, 0.9, 0.0], [0.0, 0.0, -0.5], [0.35, 0.1, 0.0]])
    np.testing.assert_array_equal(threshold(W) != 0, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    assert not is_dag(threshold(W))
    with pytest.raises(ValueError, match="directed cycle"):
        topological_order(threshold(W))
    dag, used = to_dag(W)
    assert is_dag(dag) and used == pytest.approx(0.35)
    assert topological_order(dag) == [0, 1, 2]
