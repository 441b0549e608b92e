"""TokenRing (Wang et al. 2024): sequence-parallel attention with bidirectional communication."""

from tokenring.attention import blockwise_attn, merge, reference_attention
from tokenring.baselines import ring_attention
from tokenring.comm import Ledger, PeerTimeout, gloo_capability_check, launch
from tokenring.costmodel import (
    a10_pcie,
    calibrate_bandwidth,
    direct_mesh,
    layer_latency,
    nvswitch_mesh,
    two_node_ring,
    volume_per_step,
)
from tokenring.data import AttentionShape, load_llama_config, random_qkv
from tokenring.parallel import sequence_parallel_attention
from tokenring.partition import shard, unshard, visibility
from tokenring.tokenring import token_ring_attention

__all__ = [
    "AttentionShape",
    "Ledger",
    "PeerTimeout",
    "a10_pcie",
    "blockwise_attn",
    "calibrate_bandwidth",
    "direct_mesh",
    "gloo_capability_check",
    "launch",
    "layer_latency",
    "load_llama_config",
    "merge",
    "nvswitch_mesh",
    "random_qkv",
    "reference_attention",
    "ring_attention",
    "sequence_parallel_attention",
    "shard",
    "token_ring_attention",
    "two_node_ring",
    "unshard",
    "visibility",
    "volume_per_step",
]
