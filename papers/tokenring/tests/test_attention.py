import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenring import blockwise_attn, merge, reference_attention
from tokenring.data import random_qkv


def _partials(q, k, v, cuts):
    bounds = [0, *cuts, k.shape[2]]
    return [blockwise_attn(q, k[:, :, a:b], v[:, :, a:b]) for a, b in itertools.pairwise(bounds)]


def test_reference_matches_sdpa():
    q, k, v = random_qkv(1, 2, 24, 8, seed=1)
    for causal in (False, True):
        out, lse = reference_attention(q, k, v, causal)
        sdpa = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        torch.testing.assert_close(out, sdpa, atol=1e-12, rtol=0)
        scores = q @ k.transpose(-1, -2) / 8**0.5
        if causal:
            scores = scores.masked_fill(~torch.ones(24, 24, dtype=torch.bool).tril(), -torch.inf)
        torch.testing.assert_close(lse, torch.logsumexp(scores, -1), atol=1e-12, rtol=0)


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.integers(1, 31), min_size=1, max_size=4, unique=True).map(sorted),
    seed=st.integers(0, 10_000),
)
def test_merge_any_order_and_grouping(cuts, seed):
    q, k, v = random_qkv(1, 2, 8, 4, seed=seed)
    k, v = torch.cat([k] * 4, 2), torch.cat([v] * 4, 2) * torch.linspace(0.5, 2, 32)[:, None]
    parts = _partials(q, k, v, cuts)
    ref = blockwise_attn(q, k, v)
    for perm in itertools.islice(itertools.permutations(parts), 6):
        out, lse = perm[0]
        for o, lse_b in perm[1:]:
            out, lse = merge(out, lse, o, lse_b)
        torch.testing.assert_close(out, ref[0], atol=1e-12, rtol=0)
        torch.testing.assert_close(lse, ref[1], atol=1e-12, rtol=0)
    if len(parts) >= 3:  # tree grouping: (p0 + p1) + (p2 + ...)
        left = merge(*parts[0], *parts[1])
        right = parts[2]
        for p in parts[3:]:
            right = merge(*right, *p)
        torch.testing.assert_close(merge(*left, *right)[0], ref[0], atol=1e-12, rtol=0)


def test_merge_with_fully_masked_partial_is_a_no_op():
    q, k, v = random_qkv(1, 2, 8, 4, seed=3)
    out, lse = blockwise_attn(q, k, v)
    empty_out, empty_lse = torch.zeros_like(out), torch.full_like(lse, -torch.inf)
    for a, b in (((out, lse), (empty_out, empty_lse)), ((empty_out, empty_lse), (out, lse))):
        mo, ml = merge(*a, *b)
        assert not torch.isnan(mo).any() and not torch.isnan(ml).any()
        torch.testing.assert_close(mo, out, atol=0, rtol=0)
        torch.testing.assert_close(ml, lse, atol=0, rtol=0)
    mo, ml = merge(empty_out, empty_lse, empty_out, empty_lse)
    assert not torch.isnan(mo).any() and torch.isneginf(ml).all()


def test_fully_masked_block_gives_zero_and_minus_inf():
    q, k, v = random_qkv(1, 1, 4, 4, seed=0)
    out, lse = blockwise_attn(q, k, v, torch.zeros(4, 4, dtype=torch.bool))
    assert (out == 0).all() and torch.isneginf(lse).all()


def test_nan_inputs_propagate():
    q, k, v = random_qkv(1, 1, 8, 4, seed=0)
    q[0, 0, 3, 0] = torch.nan
    out, lse = reference_attention(q, k, v, causal=True)
    assert torch.isnan(out[0, 0, 3]).all() and torch.isnan(lse[0, 0, 3])
    out2, _ = merge(out, lse, out, lse)
    assert torch.isnan(out2[0, 0, 3]).all()


def test_low_precision_lse_is_rejected():
    out, lse = (
        torch.zeros(1, 1, 2, 2, dtype=torch.float16),
        torch.zeros(1, 1, 2, dtype=torch.float16),
    )
    with pytest.raises(ValueError, match="lse must be float32 or float64"):
        merge(out, lse, out, lse)
