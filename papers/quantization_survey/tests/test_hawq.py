import itertools

import pytest
import torch
from torch import nn

from qsurvey.hawq import allocate_bits, feasible_allocations, hutchinson_trace, sensitivities


def test_hutchinson_trace_within_5_percent_of_exact_hessian_trace():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
    x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    params = [net[0].weight, net[2].weight]

    def loss_of(w0, w2):
        h = torch.tanh(x @ w0.t() + net[0].bias)
        return nn.functional.cross_entropy(h @ w2.t() + net[2].bias, y)

    exact = []
    for k in range(2):

        def f(w, k=k):
            args = [p.detach() for p in params]
            args[k] = w
            return loss_of(*args)

        h = torch.autograd.functional.hessian(f, params[k].detach())
        n = params[k].numel()
        exact.append(float(h.reshape(n, n).diagonal().sum()))
    est = hutchinson_trace(
        lambda: loss_of(*params), params, n_probes=1000, generator=torch.Generator().manual_seed(0)
    )
    for e, t in zip(est, exact, strict=True):
        assert e == pytest.approx(t, rel=0.05)


def test_allocation_is_exact_against_brute_force():
    g = torch.Generator().manual_seed(3)
    sizes = [10, 300, 50, 120, 7]
    omegas = [{b: float(torch.rand(1, generator=g)) / b**2 for b in (2, 4, 8)} for _ in sizes]
    bits, cost = allocate_bits(omegas, sizes, 3.0)
    best = min(
        (sum(o[b] for o, b in zip(omegas, a, strict=True)), a)
        for a in itertools.product((2, 4, 8), repeat=len(sizes))
        if sum(n * b for n, b in zip(sizes, a, strict=True)) <= 3.0 * sum(sizes)
    )
    assert cost == pytest.approx(best[0]) and bits == list(best[1])
    assert all(
        sum(n * b for n, b in zip(sizes, a, strict=True)) <= 3 * sum(sizes)
        for a in feasible_allocations(sizes, 3.0)
    )


def test_infeasible_budget_raises():
    with pytest.raises(ValueError, match="no allocation fits"):
        allocate_bits([{2: 1.0, 4: 0.5}], [10], 1.0)


def test_sensitivity_grows_as_bits_shrink():
    w = torch.randn(8, 8)
    om = sensitivities([2.0], [w], lambda v, b: torch.round(v * 2 ** (b - 2)) / 2 ** (b - 2))
    assert om[0][2] > om[0][4] > om[0][8]
