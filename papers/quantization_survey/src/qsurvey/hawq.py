"""Hessian-aware mixed precision (survey Sec. IV-C; HAWQ, Dong et al. 2019/2020).

Per layer l, the sensitivity of quantizing its weights W_l (n_l entries) to b bits is

    Omega_l(b) = (Tr(H_l) / n_l) * ||Q_b(W_l) - W_l||^2                         (HAWQ-V2 Eq. 3)

with H_l the Hessian of the loss with respect to W_l. Tr(H_l) is estimated by Hutchinson's method,
Tr(H) = E[z^T H z] over Rademacher z, with Hessian-vector products by double back-propagation.
The bit allocation b_l in {2, 4, 8} minimising sum_l Omega_l(b_l) under the budget
sum_l n_l b_l <= B_avg sum_l n_l is solved exactly by dynamic programming over layers (a
multiple-choice knapsack whose state is the bits spent so far).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch


def hutchinson_trace(
    loss_fn: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    *,
    n_probes: int = 64,
    generator: torch.Generator | None = None,
) -> list[float]:
    """Hutchinson estimates of Tr(H_p) for each parameter tensor p (its own diagonal block).

    loss_fn() recomputes the scalar loss; z ~ Rademacher; Hv via autograd.grad of (g . z).
    """
    if n_probes < 1:
        raise ValueError(f"n_probes must be >= 1, got {n_probes}")
    loss = loss_fn()
    grads = torch.autograd.grad(loss, list(params), create_graph=True)
    est = [0.0 for _ in params]
    for _ in range(n_probes):
        zs = [torch.randint(0, 2, p.shape, generator=generator).float() * 2 - 1 for p in params]
        hvs = torch.autograd.grad(grads, list(params), grad_outputs=zs, retain_graph=True)
        for k, (z, hv) in enumerate(zip(zs, hvs, strict=True)):
            est[k] += float((z * hv).sum()) / n_probes
    return est


def sensitivities(
    traces: Sequence[float],
    weights: Sequence[torch.Tensor],
    quantize: Callable[[torch.Tensor, int], torch.Tensor],
    bits: Sequence[int] = (2, 4, 8),
) -> list[dict[int, float]]:
    """Omega_l(b) = Tr(H_l) / n_l * ||Q_b(W_l) - W_l||^2 for every layer and candidate b."""
    out = []
    for tr, w in zip(traces, weights, strict=True):
        out.append(
            {
                b: tr / w.numel() * float((quantize(w.detach(), b) - w.detach()).pow(2).sum())
                for b in bits
            }
        )
    return out


def allocate_bits(
    omegas: Sequence[dict[int, float]], sizes: Sequence[int], avg_bits: float
) -> tuple[list[int], float]:
    """Exact minimum of sum_l Omega_l(b_l) subject to sum_l n_l b_l <= avg_bits * sum_l n_l.

    DP over layers; the state is the exact number of bits spent, pruned to the budget. Returns
    (bits per layer, total Omega); ValueError if even the smallest choice exceeds the budget.
    """
    if len(omegas) != len(sizes):
        raise ValueError("omegas and sizes must have one entry per layer")
    budget = avg_bits * sum(sizes)
    states: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}
    for om, n in zip(omegas, sizes, strict=True):
        nxt: dict[int, tuple[float, list[int]]] = {}
        for spent, (cost, choice) in states.items():
            for b, o in om.items():
                s = spent + n * b
                if s > budget:
                    continue
                if s not in nxt or cost + o < nxt[s][0]:
                    nxt[s] = (cost + o, [*choice, b])
        states = nxt
    if not states:
        raise ValueError(f"no allocation fits an average of {avg_bits} bits")
    cost, choice = min(states.values(), key=lambda t: t[0])
    return choice, cost


def feasible_allocations(
    sizes: Sequence[int], avg_bits: float, bits: Sequence[int] = (2, 4, 8)
) -> list[list[int]]:
    """Every allocation in bits^L under the same average-bit budget (for the random baseline)."""
    budget = avg_bits * sum(sizes)
    out: list[list[int]] = [[]]
    for _ in sizes:
        out = [[*a, b] for a in out for b in bits]
    return [a for a in out if sum(n * b for n, b in zip(sizes, a, strict=True)) <= budget]
