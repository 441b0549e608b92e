"""A low-degree polynomial P ≈ exp with small *relative* error: the polynomial method's core.

The fast algorithm replaces every entry exp(x) of the attention matrix by P(x). Because the output
is D⁻¹ A V, what must be small is the entrywise *relative* error δ = sup |P(x) − eˣ| / eˣ: a
relative error δ in every entry of A moves each output by at most 2δ/(1 − δ)·max|v| (see
`fast.py`), while an absolute error would swamp the small entries and the normalisation D.

The paper takes P from Aggarwal & Alman (2022): degree g = Θ(max(log(1/ε)/log(log(1/ε)/R), R))
suffices on an interval of length R, which is where the bounded-entry threshold comes from: with
|x| ≤ R = s·d·B³ and s = 1/d, R = B³ must be o(log n) for the rank C(d+g, g) to stay n^{o(1)}.

Here P is built numerically (`poly_exp`): a discrete least-squares fit of eˣ, weighted by e⁻ˣ
(relative error), at 4(g + 1) Chebyshev points of [−R, R], converted to monomial coefficients
c₀ … c_g. The fit is of e^{x−R} rather than eˣ: the constant factor e^{−R} cancels in D⁻¹A and keeps
the coefficients below 1 (the fast path cannot subtract row maxima; it shifts by R instead).
δ(R, g) is measured on a 2001-point grid of [−R, R] with the monomial form evaluated in float64,
so it includes the rounding the fast path will actually see. Monomials in float64 are only
well-conditioned for R up to about 8, which the degree cap enforces in practice.

`chebyshev_exp` / `certified_degree` give the truncated Chebyshev series of e^{x−R}, whose relative
error has a closed-form bound (modified Bessel functions), to follow the degree the method needs
beyond float64's reach.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.polynomial import Chebyshev, Polynomial
from numpy.polynomial import polynomial as npoly
from scipy.special import ive

from tensor_attention.errors import FastMethodUnavailable

DEGREE_CAP = 24
GRID_POINTS = 2001


@dataclass(frozen=True)
class PolyExp:
    """P(x) = Σ_k coef[k]·x^k ≈ e^{x−R} on [−R, R], with sup relative error `delta`."""

    R: float
    degree: int
    coef: np.ndarray  # (degree + 1,), read-only
    delta: float


def check_radius(R: float) -> float:
    R = float(R)
    if not np.isfinite(R) or R <= 0:
        raise ValueError(f"R must be a positive finite number (|exponent| <= R), got {R!r}")
    return R


def check_eps(eps: float) -> float:
    e = float(eps)
    if not 0 < e < 1:
        raise ValueError(f"eps must lie in (0, 1), got {eps!r}")
    return e


def _check_degree(g: int) -> int:
    if isinstance(g, bool) or not isinstance(g, int | np.integer) or g < 0:
        raise ValueError(f"degree g must be a non-negative int, got {g!r}")
    return int(g)


def relative_error(coef: np.ndarray, R: float) -> float:
    """sup over a 2001-point grid of [−R, R] of |P(x) − e^{x−R}| / e^{x−R}, P in monomial form."""
    x = np.linspace(-R, R, GRID_POINTS)
    target = np.exp(x - R)
    return float(np.max(np.abs(npoly.polyval(x, coef) - target) / target))


@lru_cache(maxsize=512)
def poly_exp(R: float, g: int) -> PolyExp:
    """The degree-g relative-error fit of e^{x−R} on [−R, R] (see the module docstring)."""
    R, g = check_radius(R), _check_degree(g)
    m = 4 * (g + 1)
    x = R * np.cos((2 * np.arange(m) + 1) * np.pi / (2 * m))  # Chebyshev points of the 1st kind
    f = np.exp(x - R)
    with warnings.catch_warnings():  # large R: ill-conditioned, and δ below says how much
        warnings.simplefilter("ignore", np.exceptions.RankWarning)
        fit = Chebyshev.fit(x, f, g, domain=[-R, R], w=1.0 / f)
    coef = fit.convert(kind=Polynomial, domain=[-R, R], window=[-R, R]).coef
    coef = np.pad(coef, (0, g + 1 - coef.size))  # convert() may drop trailing zeros
    coef.setflags(write=False)
    return PolyExp(R=R, degree=g, coef=coef, delta=relative_error(coef, R))


def choose_degree(R: float, eps: float, cap: int = DEGREE_CAP) -> PolyExp:
    """The lowest-degree fit with δ(R, g) ≤ eps/3, g ≤ cap.

    δ ≤ eps/3 gives an output error 2δ/(1 − δ)·max|v| ≤ eps whenever max|v| ≤ 1 (and eps < 1).
    Raises `FastMethodUnavailable` (recommending the exact method) when no degree up to `cap`
    reaches it: the entries are then outside the bounded-entry regime for this accuracy.
    """
    R, eps, cap = check_radius(R), check_eps(eps), _check_degree(cap)
    for g in range(1, cap + 1):
        poly = poly_exp(R, g)
        if poly.delta <= eps / 3:
            return poly
    raise FastMethodUnavailable(
        f"exp on [-{R:.4g}, {R:.4g}] needs a polynomial of degree > {cap} for relative error "
        f"{eps / 3:.3g} (best: {poly_exp(R, cap).delta:.3g} at degree {cap}); the entries are too "
        "large for the bounded-entry fast method: use tensor_attention_exact"
    )


def chebyshev_bound(R: float, g: int) -> float:
    """Certified sup relative error of the degree-g truncated Chebyshev series of e^{x−R}.

    On [−R, R], eˣ = I₀(R) + 2 Σ_{k≥1} I_k(R) T_k(x/R), so truncation after T_g errs by at most
    2 Σ_{k>g} I_k(R) in absolute value, i.e. by 2 e^{R} Σ_{k>g} I_k(R) relative to eˣ ≥ e^{−R}.
    Computed with the scaled Bessel function ive(k, R) = I_k(R) e^{−R}, exact arithmetic assumed.
    """
    R, g = check_radius(R), _check_degree(g)
    k = np.arange(g + 1, g + 1 + max(200, int(4 * R)))
    return float(2.0 * np.exp(2.0 * R) * ive(k, R).sum())


def certified_degree(R: float, eps: float) -> int:
    """The smallest g with chebyshev_bound(R, g) ≤ eps/3 (no cap: the degree the method needs)."""
    R, eps = check_radius(R), check_eps(eps)
    g = 0
    while chebyshev_bound(R, g) > eps / 3:
        g += 1
    return g


def chebyshev_exp(R: float, g: int) -> np.ndarray:
    """Monomial coefficients (g + 1,) of the degree-g truncated Chebyshev series of e^{x−R}.

    The coefficients of e^{x−R} in T_k(x/R) are 2·ive(k, R) (ive(0, R) for k = 0). For large R
    the monomial form is numerically useless; it serves to time the fast kernel at degree g.
    """
    R, g = check_radius(R), _check_degree(g)
    a = 2.0 * ive(np.arange(g + 1), R)
    a[0] /= 2.0
    series = Chebyshev(a, domain=[-R, R])
    return series.convert(kind=Polynomial, domain=[-R, R], window=[-R, R]).coef
