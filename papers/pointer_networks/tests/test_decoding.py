"""Greedy decoding, beam search and the task validity masks."""

import pytest
import torch
from conftest import assert_close, mixed_batch

from pointer_networks.baselines import Seq2SeqAttention
from pointer_networks.data import collate
from pointer_networks.decoding import (
    allowed,
    beam_search,
    greedy_decode,
    is_valid_output,
    start,
    to_outputs,
    validity_masks,
)
from pointer_networks.model import PointerNet

TASKS = ["hull", "tsp", "delaunay"]


@pytest.fixture
def model():
    torch.manual_seed(0)
    return PointerNet(hidden=16)


@pytest.mark.parametrize("task", TASKS)
def test_beam_width_one_equals_greedy(rng, model, task):
    points, lengths = mixed_batch(rng)
    greedy = greedy_decode(model, points, lengths, task)
    seqs, _ = beam_search(model, points, lengths, task, width=1)
    assert torch.equal(seqs[:, 0], greedy)


@pytest.mark.parametrize("task", TASKS)
def test_beam_outputs_are_valid_sorted_and_scored_by_the_model(rng, model, task):
    points, lengths = mixed_batch(rng)
    seqs, scores = beam_search(model, points, lengths, task, width=4)
    assert (scores[:, :-1] >= scores[:, 1:]).all()  # best first
    assert torch.isfinite(scores).all()
    for b, n in enumerate(lengths.tolist()):
        for k in range(4):
            seq = seqs[b, k].tolist()
            seq = seq[: seq.index(0) + 1]
            assert is_valid_output(task, seq, n), (task, n, seq)
    # A beam's score is the model's log p(C^P | P) of that output, under the same masks.
    flat = seqs.reshape(-1, seqs.shape[-1])
    rows = torch.arange(len(points)).repeat_interleave(4)
    target_lengths = torch.tensor([row.index(0) + 1 for row in flat.tolist()])
    valid = validity_masks(task, flat, lengths[rows], points.shape[1] + 1)
    ll = model.log_likelihood(points[rows], lengths[rows], flat, target_lengths, valid)
    assert_close(ll.reshape(-1, 4), scores, atol=1e-4, rtol=1e-5)


def test_beam_scores_beat_greedy(rng, model):
    points, lengths = mixed_batch(rng)
    greedy_seqs = greedy_decode(model, points, lengths, "tsp")
    _, scores = beam_search(model, points, lengths, "tsp", width=5)
    target_lengths = torch.tensor([row.index(0) + 1 for row in greedy_seqs.tolist()])
    valid = validity_masks("tsp", greedy_seqs, lengths, points.shape[1] + 1)
    greedy_ll = model.log_likelihood(points, lengths, greedy_seqs, target_lengths, valid)
    assert (scores[:, 0] >= greedy_ll - 1e-5).all()


def test_beam_with_more_beams_than_outputs_marks_fillers(rng, model):
    points = torch.as_tensor(rng.random((1, 3, 2)), dtype=torch.float32)
    _, scores = beam_search(model, points, torch.tensor([3]), "tsp", width=8)
    assert torch.isfinite(scores[0, :6]).all()  # 3! = 6 tours
    assert torch.isinf(scores[0, 6:]).all()


@pytest.mark.parametrize("task", TASKS)
def test_greedy_outputs_are_valid_for_every_task(rng, task):
    torch.manual_seed(0)
    for model in (PointerNet(hidden=16), Seq2SeqAttention(hidden=16, n_max=8)):
        points, lengths = mixed_batch(rng)
        for seq, n in zip(
            greedy_decode(model, points, lengths, task).tolist(), lengths.tolist(), strict=True
        ):
            assert is_valid_output(task, seq[: seq.index(0) + 1], n)


def test_mask_rules():
    n = 5
    # hull: no repeats; end only after >= 3 points
    assert not is_valid_output("hull", [1, 2, 0], n)
    assert is_valid_output("hull", [1, 2, 3, 0], n)
    assert not is_valid_output("hull", [1, 2, 1, 3, 0], n)
    assert not is_valid_output("hull", [1, 6, 2, 0], n)  # position 6 is padding
    # tsp: a permutation of all n cities
    assert is_valid_output("tsp", [1, 3, 2, 5, 4, 0], n)
    assert not is_valid_output("tsp", [1, 3, 2, 5, 0], n)
    # delaunay: triples without repeats inside a triple; end between triples only
    assert is_valid_output("delaunay", [1, 2, 3, 1, 3, 4, 0], n)
    assert not is_valid_output("delaunay", [1, 2, 3, 1, 3, 0], n)
    assert not is_valid_output("delaunay", [1, 2, 2, 0], n)
    assert not is_valid_output("delaunay", [0], n)  # at least one triangle
    # at most 2n - 5 = 5 triangles for n = 5
    six = [1, 2, 3] * 6
    assert not is_valid_output("delaunay", [*six, 0], n)
    assert is_valid_output("delaunay", [*six[:15], 0], n)
    # a finished sequence only allows the end token
    state = start(torch.tensor([n]), n + 1)
    state.finished[:] = True
    assert allowed("hull", state)[0].tolist() == [True] + [False] * n


def test_unknown_task_is_refused(rng, model):
    points, lengths = mixed_batch(rng)
    with pytest.raises(ValueError, match="task must be one of"):
        greedy_decode(model, points, lengths, "sort")
    with pytest.raises(ValueError, match="beam width must be >= 1"):
        beam_search(model, points, lengths, "tsp", width=0)


def test_to_outputs_strips_end_token_and_converts_to_zero_based():
    assert to_outputs(torch.tensor([[3, 1, 2, 0, 0], [2, 1, 3, 4, 5]])) == [
        [2, 0, 1],
        [1, 0, 2, 3, 4],
    ]


def test_unmasked_decoding_can_be_invalid(rng, model):
    """Without the task mask a "tour" may repeat or skip cities (the pitfall the mask avoids)."""
    points = [rng.random((6, 2)) for _ in range(20)]
    batch = collate(points, [list(range(6))] * 20)
    seqs = greedy_decode(model, batch.points, batch.lengths, None)
    outputs = to_outputs(seqs)
    assert any(sorted(o) != list(range(6)) for o in outputs)
