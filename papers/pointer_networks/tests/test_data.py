"""Batches, fixed test sets, the TSP pool and its augmentations, the authors' file format."""

import numpy as np
import pytest

from pointer_networks.data import (
    Example,
    augment_tour,
    collate,
    dihedral,
    eval_set,
    read_examples,
    stream,
    task_batches,
    tsp_batches,
    tsp_pool,
    write_examples,
)
from pointer_networks.geometry import canonical_tour, hull_target, tour_length
from pointer_networks.solvers import distance_matrix, held_karp

AUTHORS_FILE = """\
0.1 0.1 0.9 0.2 0.5 0.5 0.8 0.9 0.2 0.8 output 1 2 4 5 1
0.0 0.0 1.0 0.0 0.0 1.0 output 1 2 3 1

0.3 0.3 0.6 0.6 0.9 0.1 0.4 0.9 output 1 3 4 2 1
"""


def test_loader_reads_the_authors_format_and_converts_to_zero_based(tmp_path):
    path = tmp_path / "hull.txt"
    path.write_text(AUTHORS_FILE)
    examples = read_examples(path, "hull")
    assert [e.target for e in examples] == [[0, 1, 3, 4], [0, 1, 2], [0, 2, 3, 1]]
    assert examples[0].points.shape == (5, 2)
    np.testing.assert_array_equal(examples[1].points, [[0, 0], [1, 0], [0, 1]])
    assert examples[0].target == hull_target(examples[0].points)


@pytest.mark.parametrize("task", ["hull", "tsp", "delaunay"])
def test_writer_and_loader_round_trip(tmp_path, rng, task):
    targets = {"hull": [0, 2, 1], "tsp": [0, 3, 1, 2], "delaunay": [0, 1, 2, 1, 3, 2]}
    examples = [Example(rng.random((4, 2)), targets[task]) for _ in range(3)]
    path = write_examples(tmp_path / f"{task}.txt", examples, task)
    first_line = path.read_text().splitlines()[0]
    closing = " 1" if task in ("hull", "tsp") else ""
    expected = {"hull": "1 3 2", "tsp": "1 4 2 3", "delaunay": "1 2 3 2 4 3"}[task]
    assert first_line.endswith(f"output {expected}{closing}")  # 1-based, closed cycles
    back = read_examples(path, task)
    for a, b in zip(examples, back, strict=True):
        np.testing.assert_array_equal(a.points, b.points)  # exact: repr() round-trips
        assert a.target == b.target


BAD_LINES = [
    ("0.1 0.2 0.3 0.4 0.5 output 1 2 3 1", "odd number of coordinates"),
    ("0.1 0.2 0.3 0.4 0.5 0.6 output 1 2 4 1", "output index 4 out of range 1..3"),
    ("0.1 0.2 0.3 0.4 0.5 0.6 1 2 3 1", "missing the 'output' token"),
    ("0.1 0.2 0.3 0.4 0.5 0.6 output 1 2 3", "a hull output must close with its first index"),
    ("0.1 0.2 0.3 0.4 0.5 x output 1 2 3 1", "not a number"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_loader_rejects_bad_lines_with_their_line_number(tmp_path, line, message):
    good = "0.0 0.0 1.0 0.0 0.0 1.0 output 1 2 3 1"
    path = tmp_path / "bad.txt"
    path.write_text(f"{good}\n{line}\n{good}\n")
    with pytest.raises(ValueError, match=rf"bad\.txt, line 2: {message}"):
        read_examples(path, "hull")
    with pytest.warns(UserWarning, match="line 2"):
        kept = read_examples(path, "hull", strict=False)
    assert len(kept) == 2 and all(e.target == [0, 1, 2] for e in kept)


def test_loader_checks_delaunay_triples(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("0 0 1 0 0 1 1 1 output 1 2 3 2 4\n")
    with pytest.raises(ValueError, match="line 1: a delaunay output must be triples"):
        read_examples(path, "delaunay")


def test_collate_pads_points_and_encodes_targets(rng):
    points = [rng.random((3, 2)), rng.random((5, 2))]
    batch = collate(points, [[0, 2, 1], [4, 0, 1, 3]])
    assert batch.points.shape == (2, 5, 2)
    assert (batch.points[0, 3:] == 0).all()
    assert batch.lengths.tolist() == [3, 5]
    assert batch.targets.tolist() == [[1, 3, 2, 0, 0], [5, 1, 2, 4, 0]]  # j + 1, then end
    assert batch.target_lengths.tolist() == [4, 5]


def test_eval_sets_are_fixed_and_tsp_ones_optimal():
    a, b = eval_set("tsp", 6, size=20), eval_set("tsp", 6, size=20)
    np.testing.assert_array_equal(a.points, b.points)
    assert a.targets == b.targets
    optimal, _ = held_karp(a.points)
    lengths = [tour_length(p, t) for p, t in zip(a.points, a.targets, strict=True)]
    np.testing.assert_allclose(lengths, optimal)
    assert all(t == canonical_tour(t) for t in a.targets)
    assert not np.array_equal(eval_set("hull", 6, size=20).points, a.points)


def test_the_eight_dihedral_symmetries_are_distinct_isometries(rng):
    points = rng.random((7, 2))
    images = [dihedral(points, k) for k in range(8)]
    assert len({img.round(12).tobytes() for img in images}) == 8
    for img in images:
        assert ((img >= 0) & (img <= 1)).all()
        np.testing.assert_allclose(distance_matrix(img), distance_matrix(points))


def test_augmentation_keeps_the_tour_optimal_and_canonical(rng):
    points = rng.random((8, 8, 2))
    lengths, tours = held_karp(points)
    for p, length, tour in zip(points, lengths, tours, strict=True):
        new_points, new_tour = augment_tour(rng, p, tour)
        assert new_tour == canonical_tour(new_tour)
        assert tour_length(new_points, new_tour) == pytest.approx(length)
        assert held_karp(new_points[None])[0][0] == pytest.approx(length)


def test_batch_streams(rng):
    hull = next(task_batches(rng, "hull", 4, (5, 7)))
    assert hull.points.shape[0] == 4 and 5 <= hull.points.shape[1] <= 7
    pool = tsp_pool(rng, 12, (5, 6))
    assert sorted(pool) == [5, 6] and pool[5][0].shape == (6, 5, 2)
    tsp = next(tsp_batches(rng, pool, 4))
    assert (tsp.target_lengths == tsp.lengths + 1).all()
    make = lambda r: task_batches(r, "delaunay", 2, (5, 5))  # noqa: E731
    a, b = next(stream(make, seed=3)), next(stream(make, seed=3))
    assert (a.targets == b.targets).all()
    with pytest.raises(ValueError, match="workers must be 0 or 1"):
        stream(make, seed=3, workers=2)
