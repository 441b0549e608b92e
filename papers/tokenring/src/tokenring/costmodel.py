"""A discrete-event cost model of one attention layer under Ring Attention and TokenRing.

CPU gloo is no GPU interconnect, so the paper's speed claims are checked here with a model:

* per step, time = max(compute, transfers), ranks synchronised at step boundaries;
* compute = 4 B H D · (visible query-key pairs) / (peak fp16 tensor FLOP/s x 0.6);
* transfers: every message follows its topology path, a list of directed resources (a GPU's
  PCIe or NVLink port, a PCIe switch uplink, a network link), each full duplex; streams that
  share a resource in the same direction split its bandwidth max-min fairly (progressive
  filling), re-solved every time a stream finishes; each step adds a latency alpha.

Calibration fits one constant, the effective P2P bandwidth per direction, to Ring Attention's
communication-bound 7.6 ms step on the README's 4x A10 box (LLaMA2-7B attention, S = 24,000);
the TokenRing step times are then predictions. The analytic volume model is `volume_per_step`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tokenring.data import AttentionShape
from tokenring.partition import check_divisible
from tokenring.tokenring import n_steps, partial_route

A10_FP16_TENSOR_FLOPS = 125e12  # NVIDIA A10 datasheet, dense
A100_FP16_TENSOR_FLOPS = 312e12  # NVIDIA A100 SXM datasheet, dense
ATTENTION_EFFICIENCY = 0.6  # fixed fraction of peak reached by the attention kernel (not fitted)
NVLINK_P2P_BYTES_S = 200e9  # effective A100 NVLink P2P per direction (assumed, not fitted)
DIRECT_LINK_BYTES_S = 50e9  # one dedicated link per GPU pair (xGMI / HCCS class, assumed)
IB_BYTES_S = 25e9  # one 200 Gb/s InfiniBand link per direction between the two nodes
ALPHA_S = 10e-6  # per-step message latency


@dataclass(frozen=True)
class Topology:
    """N devices; path(src, dst) -> directed resources; capacity[resource] in bytes/s."""

    name: str
    n: int
    path: Callable[[int, int], tuple[str, ...]]
    capacity: Callable[[str], float]
    flops: float
    alpha_s: float = ALPHA_S


def a10_pcie(bw: float, *, alpha_s: float = ALPHA_S) -> Topology:
    """4x A10 in one node: GPUs {0,1} under PCIe switch 0 and {2,3} under switch 1 (PIX within
    a switch, PXB across). A cross-switch transfer uses the source switch's uplink and the
    destination switch's downlink, so two streams leaving one switch split its uplink."""
    sw = {0: 0, 1: 0, 2: 1, 3: 1}

    def path(s: int, d: int) -> tuple[str, ...]:
        if sw[s] == sw[d]:
            return (f"g{s}>", f">g{d}")
        return (f"g{s}>", f"sw{sw[s]}>", f">sw{sw[d]}", f">g{d}")

    return Topology("a10_pcie4", 4, path, lambda r: bw, A10_FP16_TENSOR_FLOPS, alpha_s)


def nvswitch_mesh(n: int, bw: float = NVLINK_P2P_BYTES_S) -> Topology:
    """N GPUs on an NVSwitch (full mesh): each GPU has one egress and one ingress port."""
    return Topology(
        f"nvswitch_mesh{n}",
        n,
        lambda s, d: (f"g{s}>", f">g{d}"),
        lambda r: bw,
        A100_FP16_TENSOR_FLOPS,
    )


def direct_mesh(n: int, bw: float = DIRECT_LINK_BYTES_S) -> Topology:
    """N GPUs fully connected by dedicated point-to-point links, one per ordered pair (the
    paper's "fully connected mesh", e.g. Huawei Ascend HCCS or AMD xGMI): streams to different
    peers never share a resource."""
    return Topology(
        f"direct_mesh{n}", n, lambda s, d: (f"{s}>{d}",), lambda r: bw, A100_FP16_TENSOR_FLOPS
    )


def two_node_ring(n: int, bw: float = NVLINK_P2P_BYTES_S, bw_inter: float = IB_BYTES_S) -> Topology:
    """A physical ring of N GPUs over two nodes: neighbour links only (full duplex), the two
    links crossing between the nodes at network bandwidth; messages take the shorter way
    round (backwards on a tie)."""
    if n < 2 or n % 2:
        raise ValueError(f"two_node_ring needs an even N >= 2, got {n}")
    half = n // 2

    def path(s: int, d: int) -> tuple[str, ...]:
        fwd = (d - s) % n
        step = 1 if fwd < n - fwd else -1
        hops, cur = [], s
        while cur != d:
            nxt = (cur + step) % n
            hops.append(f"{cur}>{nxt}")
            cur = nxt
        return tuple(hops)

    def capacity(r: str) -> float:
        a, b = (int(x) for x in r.split(">"))
        return bw_inter if (a < half) != (b < half) else bw

    return Topology(f"two_node_ring{n}", n, path, capacity, A100_FP16_TENSOR_FLOPS)


def block_stats(
    s: int, n: int, q_rank: int, kv_rank: int, layout: str, causal: bool
) -> tuple[int, int]:
    """(visible query-key pairs, visible query rows) of one block pair, in closed form.

    Same static rule as `partition.visibility`, computed per chunk so it scales to S = 1M.
    """
    check_divisible(s, n, layout)
    if layout == "contiguous":
        c, qc, kc = s // n, [q_rank], [kv_rank]
    else:
        c = s // (2 * n)
        qc, kc = [q_rank, 2 * n - 1 - q_rank], [kv_rank, 2 * n - 1 - kv_rank]
    if not causal:
        return (len(qc) * c) * (len(kc) * c), len(qc) * c
    pairs = sum(c * c if a > b else c * (c + 1) // 2 if a == b else 0 for a in qc for b in kc)
    rows = sum(c for a in qc if any(a >= b for b in kc))
    return pairs, rows


@dataclass
class Step:
    """One step: each rank's FLOPs, and messages (src, dst, bytes)."""

    flops: list[float] = field(default_factory=list)
    messages: list[tuple[int, int, float]] = field(default_factory=list)


def schedule(
    method: str,
    n: int,
    s: int,
    shape: AttentionShape,
    *,
    layout: str = "zigzag",
    causal: bool = True,
    topology: str = "mesh",
    batch: int = 1,
    elem_bytes: int = 2,
    lse_bytes: int = 4,
) -> list[Step]:
    """The static per-step work and traffic of `method` ("ring" or "tokenring")."""
    b, h, hkv, d = batch, shape.heads, shape.kv_heads, shape.head_dim
    blk = s // n
    q_bytes, kv_bytes = b * h * blk * d * elem_bytes, b * hkv * blk * d * elem_bytes
    steps = [Step() for _ in range(n if method == "ring" else n_steps(n, topology))]
    for i, st in enumerate(steps):
        if i < n:
            for r in range(n):
                qr, kr = (r, (r - i) % n) if method == "ring" else ((r - i) % n, r)
                st.flops.append(4.0 * b * h * d * block_stats(s, n, qr, kr, layout, causal)[0])
        if i < n - 1:
            for r in range(n):
                nbytes = 2 * kv_bytes if method == "ring" else q_bytes
                st.messages.append((r, (r + 1) % n, nbytes))
    if method == "tokenring":
        for owner in range(n):
            for j in range(1, n):
                pairs, rows = block_stats(s, n, owner, (owner + j) % n, layout, causal)
                if pairs == 0:
                    continue
                nbytes = b * h * rows * (d * elem_bytes + lse_bytes)
                for t, src, dst in partial_route(owner, j, n, topology):
                    steps[t].messages.append((src, dst, nbytes))
    return steps


def transfer_time(messages: list[tuple[int, int, float]], topo: Topology) -> float:
    """Time until every message has arrived: max-min fair sharing, re-solved per completion."""
    left = {i: float(m[2]) for i, m in enumerate(messages) if m[2] > 0}
    if not left:
        return 0.0
    paths = {i: topo.path(messages[i][0], messages[i][1]) for i in left}
    t = 0.0
    while left:
        rate: dict[int, float] = {}
        cap = {r: topo.capacity(r) for i in left for r in paths[i]}
        while len(rate) < len(left):  # progressive filling
            users = {r: [i for i in left if i not in rate and r in paths[i]] for r in cap}
            share = {r: cap[r] / len(u) for r, u in users.items() if u}
            r_min = min(share, key=share.get)
            for i in users[r_min]:
                rate[i] = share[r_min]
                for r in paths[i]:
                    cap[r] -= share[r_min]
        dt = min(left[i] / rate[i] for i in left)
        t += dt
        left = {i: x - rate[i] * dt for i, x in left.items() if x - rate[i] * dt > 1e-9 * x}
    return t + topo.alpha_s


def step_times(steps: list[Step], topo: Topology) -> list[float]:
    """Per step: max(slowest rank's compute, all of the step's transfers)."""
    return [
        max(
            max(st.flops, default=0.0) / (topo.flops * ATTENTION_EFFICIENCY),
            transfer_time(st.messages, topo),
        )
        for st in steps
    ]


def layer_latency(method: str, topo: Topology, s: int, shape: AttentionShape, **kw) -> float:
    """Attention latency of one layer (tail included) in seconds."""
    return sum(step_times(schedule(method, topo.n, s, shape, **kw), topo))


def calibrate_bandwidth(step_s: float, s: int, shape: AttentionShape, **kw) -> float:
    """The A10 P2P bandwidth per direction (bytes/s) at which Ring's slowest step takes step_s.

    Transfer time is alpha + T1 / bw (T1: transfer time at 1 byte/s), so bw = T1 / (step - alpha).
    Raises ValueError when compute alone exceeds step_s (the step would not be comm-bound).
    """
    unit = a10_pcie(1.0, alpha_s=0.0)
    steps = schedule("ring", 4, s, shape, **kw)
    t1 = max(transfer_time(st.messages, unit) for st in steps)
    compute = max(max(st.flops) for st in steps) / (unit.flops * ATTENTION_EFFICIENCY)
    if compute >= step_s or step_s <= ALPHA_S:
        raise ValueError(f"Ring step {step_s} s is not communication-bound (compute {compute} s)")
    return t1 / (step_s - ALPHA_S)


def volume_per_step(
    method: str,
    s: int,
    n: int,
    shape: AttentionShape,
    *,
    batch: int = 1,
    elem_bytes: int = 2,
    lse_bytes: int = 4,
) -> dict[str, float]:
    """Analytic bytes one rank sends per step (non-causal): Ring 2|KV block| one way; TokenRing
    |Q block| forward plus |out| + |lse| backward."""
    q = batch * shape.heads * (s // n) * shape.head_dim * elem_bytes
    if method == "ring":
        return {"forward": 2.0 * q * shape.kv_heads / shape.heads, "backward": 0.0}
    return {"forward": float(q), "backward": q + batch * shape.heads * (s // n) * lse_bytes}
