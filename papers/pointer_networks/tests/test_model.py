"""The Ptr-Net: pointer distributions, padding, teacher forcing == incremental decoding."""

import pytest
import torch
from conftest import assert_close, mixed_batch

from pointer_networks.baselines import Seq2Seq, Seq2SeqAttention
from pointer_networks.data import collate
from pointer_networks.decoding import validity_masks
from pointer_networks.geometry import delaunay_target, hull_target
from pointer_networks.model import PointerNet, additive_scores, additive_scores_reference

MODELS = [PointerNet, Seq2SeqAttention, Seq2Seq]


def hull_batch(rng, ns=(5, 8, 3, 6)):
    points = [rng.random((n, 2)) for n in ns]
    return collate(points, [hull_target(p) for p in points])


def test_pointer_distributions_sum_to_one_and_padding_gets_zero(rng):
    torch.manual_seed(0)
    model = PointerNet(hidden=16)
    batch = hull_batch(rng)
    logp = model.log_probs(batch.points, batch.lengths, batch.targets)  # (B, T, n+1)
    p = logp.exp()
    assert p.shape == (4, batch.targets.shape[1], 9)
    assert_close(p.sum(-1), torch.ones(p.shape[:2]))
    for b, n in enumerate(batch.lengths.tolist()):
        assert (p[b, :, n + 1 :] == 0).all()  # exactly zero, not merely small
        assert (p[b, :, : n + 1] > 0).all()


def test_validity_mask_gives_exact_zeros_and_renormalises(rng):
    torch.manual_seed(0)
    model = PointerNet(hidden=16)
    batch = hull_batch(rng)
    valid = validity_masks("hull", batch.targets, batch.lengths, 9)
    p = model.log_probs(batch.points, batch.lengths, batch.targets, valid).exp()
    assert_close(p.sum(-1), torch.ones(p.shape[:2]))
    assert (p[~valid] == 0).all()


@pytest.mark.parametrize("model_cls", MODELS)
def test_padding_does_not_change_any_example(rng, model_cls):
    """A mixed-n batch gives every example the distributions it gets on its own."""
    torch.manual_seed(0)
    model = model_cls(hidden=16) if model_cls is PointerNet else model_cls(hidden=16, n_max=8)
    batch = hull_batch(rng)
    together = model.log_probs(batch.points, batch.lengths, batch.targets)
    for b, n in enumerate(batch.lengths.tolist()):
        t = int(batch.target_lengths[b])
        alone = model.log_probs(
            batch.points[b : b + 1, :n], batch.lengths[b : b + 1], batch.targets[b : b + 1, :t]
        )
        width = alone.shape[-1]
        assert_close(together[b, :t, :width], alone[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("task", ["hull", "delaunay"])
def test_teacher_forcing_equals_incremental_decoding(rng, model_cls, task):
    """log p(C^P | P) in one teacher-forced pass == Σ of step-by-step log-probabilities."""
    torch.manual_seed(1)
    model = model_cls(hidden=16) if model_cls is PointerNet else model_cls(hidden=16, n_max=8)
    ns = (5, 8, 4, 6)
    points = [rng.random((n, 2)) for n in ns]
    target = hull_target if task == "hull" else delaunay_target
    batch = collate(points, [target(p) for p in points])
    width = model.output_width(batch.points.shape[1])
    valid = validity_masks(task, batch.targets, batch.lengths, width)
    ll = model.log_likelihood(
        batch.points, batch.lengths, batch.targets, batch.target_lengths, valid
    )

    enc = model.encode(batch.points, batch.lengths)
    state, prev, total = enc.state, None, torch.zeros(len(ns))
    for t in range(batch.targets.shape[1]):
        logp, state = model.step(enc, prev, state, valid[:, t])
        picked = logp.gather(1, batch.targets[:, t : t + 1])[:, 0]
        total += torch.where(t < batch.target_lengths, picked, torch.zeros(()))
        prev = batch.targets[:, t]
    assert_close(ll, total, atol=1e-5, rtol=1e-5)


def test_additive_scores_fast_path_equals_reference_and_passes_gradcheck():
    g = torch.Generator().manual_seed(0)
    args = [
        torch.randn(*s, generator=g, dtype=torch.double, requires_grad=True)
        for s in ((3, 5, 4), (3, 2, 4), (4,))
    ]
    fast, ref = additive_scores(*args), additive_scores_reference(*args)
    assert_close(fast, ref)
    w = torch.randn(ref.shape, generator=g, dtype=torch.double)
    grads_fast = torch.autograd.grad((fast * w).sum(), args)
    grads_ref = torch.autograd.grad((ref * w).sum(), args)
    for a, b in zip(grads_fast, grads_ref, strict=True):
        assert_close(a, b)
    assert torch.autograd.gradcheck(additive_scores, args)


def test_parameters_start_in_the_papers_uniform_range():
    model = PointerNet(hidden=32)
    for p in model.parameters():
        assert p.abs().max() <= 0.08


def test_decoder_is_fed_the_pointed_coordinates(rng):
    """Moving the point chosen at step 1 changes step 2's distribution (no index embeddings)."""
    torch.manual_seed(0)
    model = PointerNet(hidden=16, init_scale=0.5)  # far from uniform, so effects show
    points = torch.as_tensor(rng.random((1, 6, 2)), dtype=torch.float32)
    targets = torch.tensor([[3, 1, 0]])
    moved = points.clone()
    moved[0, 2] += 0.3  # the point at output position 3
    a = model.log_probs(points, torch.tensor([6]), targets)
    b = model.log_probs(moved, torch.tensor([6]), targets)
    assert (a[0, 1] - b[0, 1]).abs().max() > 1e-3


def test_bad_model_input_raises():
    model = PointerNet(hidden=8)
    with pytest.raises(ValueError, match=r"points must have shape \(B, n, 2\)"):
        model.encode(torch.zeros(2, 5, 3), torch.tensor([5, 5]))
    with pytest.raises(ValueError, match=r"lengths must lie in 1\.\.5"):
        model.encode(torch.zeros(2, 5, 2), torch.tensor([5, 6]))


def test_mixed_batch_helper(rng):
    points, lengths = mixed_batch(rng)
    assert points.shape == (4, 8, 2) and lengths.tolist() == [5, 8, 3, 6]
