import numpy as np
import pytest

from krylov_recycling import darcy, gcrodr, gmres, helmholtz


@pytest.fixture
def system():
    return darcy(np.random.default_rng(0), 10, 1)[0]


@pytest.mark.parametrize("solver", [gmres, gcrodr])
def test_invalid_systems_are_refused_before_iterating(solver, system):
    A, b = system.A, system.b
    with pytest.raises(ValueError, match="A must be a square"):
        solver(np.ones((3, 4)), np.ones(3))
    with pytest.raises(ValueError, match=r"b must have shape \(64,\)"):
        solver(A, b[:-1])
    with pytest.raises(ValueError, match="rtol must be a finite number > 0"):
        solver(A, b, rtol=0.0)
    with pytest.raises(ValueError, match="rtol must be a finite number > 0"):
        solver(A, b, rtol=-1e-8)
    bad = A.copy()
    bad.data[3] = np.nan
    with pytest.raises(ValueError, match="A contains NaN or inf"):
        solver(bad, b)
    with pytest.raises(ValueError, match="b contains NaN or inf"):
        solver(A, np.where(np.arange(64) == 5, np.inf, b))
    with pytest.raises(ValueError, match="maxit"):
        solver(A, b, maxit=0)


@pytest.mark.parametrize("k", [-1, 40, 41])
def test_k_must_be_in_0_to_m_minus_1(system, k):
    with pytest.raises(ValueError, match=r"k \(recycled vectors\) must be an int with 0 <= k < m"):
        gcrodr(system.A, system.b, m=40, k=k)


def test_recycle_space_of_another_dimension_is_reset_with_a_warning(system):
    other = darcy(np.random.default_rng(1), 12, 1)[0]
    U = gcrodr(other.A, other.b, m=20, k=5).U
    with pytest.warns(RuntimeWarning, match="does not fit"):
        res = gcrodr(system.A, system.b, m=20, k=5, U=U)
    fresh = gcrodr(system.A, system.b, m=20, k=5)
    assert res.converged and res.matvecs == fresh.matvecs


@pytest.mark.parametrize("kw", [{"solver": gmres}, {"solver": gcrodr, "k": 5}])
def test_breakdown_ends_in_an_exact_solve(kw):
    solver = kw.pop("solver")
    A = np.diag(np.repeat([1.0, 3.0, 10.0, 30.0], 25))  # 4 distinct eigenvalues
    b = np.random.default_rng(2).standard_normal(100)
    with np.errstate(all="raise"):
        res = solver(A, b, m=20, rtol=1e-12, **kw)
    assert res.converged and res.matvecs == 4 + 1  # 4 Arnoldi steps and the true-residual check
    np.testing.assert_allclose(res.x, b / np.diag(A), rtol=1e-10)


@pytest.mark.parametrize("solver", [gmres, gcrodr])
def test_zero_rhs_gives_zero_with_no_matvecs(solver, system):
    res = solver(system.A, np.zeros(64))
    assert res.converged and res.matvecs == 0 and not res.x.any() and res.info == 0


@pytest.mark.parametrize("solver", [gmres, gcrodr])
def test_maxit_sets_the_info_flag(solver):
    hard = helmholtz(np.random.default_rng(3), 18, 1, kappa=(14.0, 15.0))[0]
    res = solver(hard.A, hard.b, maxit=50, rtol=1e-12)
    assert not res.converged and res.info == 1 and res.matvecs == 50
    assert res.residual > 1e-12
