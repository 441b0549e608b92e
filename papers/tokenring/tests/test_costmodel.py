import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenring import (
    a10_pcie,
    calibrate_bandwidth,
    load_llama_config,
    nvswitch_mesh,
    volume_per_step,
)
from tokenring.costmodel import (
    Topology,
    block_stats,
    layer_latency,
    schedule,
    step_times,
    transfer_time,
    two_node_ring,
)
from tokenring.data import AttentionShape
from tokenring.partition import causal_pairs_per_rank, visibility

MHA = AttentionShape(32, 32, 128)


@settings(max_examples=30, deadline=None)
@given(
    n=st.sampled_from([2, 3, 4, 8]),
    c=st.integers(1, 6),
    layout=st.sampled_from(["contiguous", "zigzag"]),
    causal=st.booleans(),
    data=st.data(),
)
def test_block_stats_equal_the_mask_rule(n, c, layout, causal, data):
    s = 2 * n * c
    qr, kr = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    vis = visibility(s, n, qr, kr, layout, causal)
    assert block_stats(s, n, qr, kr, layout, causal) == (vis.pairs, vis.n_rows)


@pytest.mark.parametrize("n", [2, 4, 8])
@pytest.mark.parametrize("stationary", ["q", "kv"])
def test_zigzag_balances_causal_flops_within_one_block(n, stationary):
    s = 2 * n * 16
    block = (s // (2 * n)) ** 2
    pairs = causal_pairs_per_rank(s, n, "zigzag", stationary)
    assert max(pairs) - min(pairs) <= block
    contiguous = causal_pairs_per_rank(s, n, "contiguous", stationary)
    assert max(contiguous) - min(contiguous) > block  # the imbalance zigzag removes


def _infinite(topo: Topology) -> Topology:
    return Topology(topo.name, topo.n, topo.path, lambda r: math.inf, topo.flops, 0.0)


@pytest.mark.parametrize("causal", [False, True])
def test_infinite_bandwidth_gives_compute_time_for_both(causal):
    topo = _infinite(a10_pcie(1e9))
    for method in ("ring", "tokenring"):
        steps = schedule(method, 4, 24000, MHA, causal=causal)
        compute = sum(max(st.flops, default=0) for st in steps) / (topo.flops * 0.6)
        assert layer_latency(method, topo, 24000, MHA, causal=causal) == pytest.approx(compute)
    ring = layer_latency("ring", topo, 24000, MHA, causal=causal)
    assert layer_latency("tokenring", topo, 24000, MHA, causal=causal) == pytest.approx(ring)


def test_zero_compute_ratio_equals_byte_ratio():
    # On a mesh with one port per GPU and no compute, each step costs its busiest port's bytes.
    topo = Topology("m", 4, nvswitch_mesh(4).path, lambda r: 1e9, math.inf, 0.0)
    kw = dict(causal=False, layout="contiguous")
    ratio = layer_latency("ring", topo, 4096, MHA, **kw) / layer_latency(
        "tokenring", topo, 4096, MHA, **kw
    )
    ring_bytes = 3 * volume_per_step("ring", 4096, 4, MHA)["forward"]
    v = volume_per_step("tokenring", 4096, 4, MHA)
    # TokenRing: Q at steps 0-2, partials at steps 2-4 (their own port at step 2 shares with Q)
    tr_bytes = v["forward"] + v["forward"] + (v["forward"] + v["backward"]) + v["backward"] * 2
    assert ratio == pytest.approx(ring_bytes / tr_bytes)


def test_fair_sharing_splits_a_shared_uplink():
    topo = a10_pcie(1e9, alpha_s=0.0)
    one = transfer_time([(1, 2, 1e6)], topo)
    two = transfer_time([(1, 2, 1e6), (0, 3, 1e6)], topo)  # both leave switch 0
    apart = transfer_time([(1, 2, 1e6), (3, 0, 1e6)], topo)  # opposite directions
    assert (
        one == pytest.approx(1e-3) and two == pytest.approx(2e-3) and apart == pytest.approx(1e-3)
    )


def test_calibration_reproduces_the_ring_step():
    bw = calibrate_bandwidth(7.6e-3, 24000, MHA)
    assert max(step_times(schedule("ring", 4, 24000, MHA), a10_pcie(bw))) == pytest.approx(7.6e-3)
    with pytest.raises(ValueError, match="not communication-bound"):
        calibrate_bandwidth(1e-3, 24000, MHA)


def test_volume_model():
    v_ring = volume_per_step("ring", 1024, 4, MHA)
    v_tr = volume_per_step("tokenring", 1024, 4, MHA)
    q = 256 * 32 * 128 * 2
    assert v_ring == {"forward": 2 * q, "backward": 0.0}
    assert v_tr == {"forward": q, "backward": q + 256 * 32 * 4}
    gqa = volume_per_step("ring", 1024, 4, AttentionShape(32, 8, 128))
    assert gqa["forward"] == q / 2


def test_two_node_ring_rejects_odd_n():
    with pytest.raises(ValueError, match="even N"):
        two_node_ring(3)


def test_load_llama_config(tmp_path):
    p = tmp_path / "config.json"
    p.write_text(
        json.dumps({"hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8})
    )
    assert load_llama_config(p) == AttentionShape(32, 8, 128)
    p.write_text(json.dumps({"hidden_size": 4096, "num_attention_heads": 32}))
    assert load_llama_config(p) == AttentionShape(32, 32, 128)
    p.write_text(
        json.dumps({"hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 5})
    )
    with pytest.raises(ValueError, match="num_key_value_heads must divide"):
        load_llama_config(p)
    p.write_text(json.dumps({"num_attention_heads": 32}))
    with pytest.raises(ValueError, match="'hidden_size' must be a positive integer"):
        load_llama_config(p)
    with pytest.raises(FileNotFoundError, match=r"config\.json not found"):
        load_llama_config(tmp_path / "missing.json")


def test_direct_mesh_gives_partials_their_own_links():
    from tokenring import direct_mesh

    topo = direct_mesh(4, bw=1e9)
    # Q to r+1 and a partial to r-1 leave the same GPU on different links: no sharing
    both = transfer_time([(0, 1, 1e6), (0, 3, 1e6)], topo)
    assert both == pytest.approx(1e-3 + topo.alpha_s)
    shared = transfer_time([(0, 1, 1e6), (0, 3, 1e6)], nvswitch_mesh(4, bw=1e9))
    assert shared == pytest.approx(2e-3 + topo.alpha_s)
