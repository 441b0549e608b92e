import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from krylov_recycling import (
    LinearSystem,
    helmholtz,
    make_preconditioner,
    skr,
    skr_chunked,
    skr_order,
    solve_sequence,
)


def test_every_solver_solves_every_system_in_any_order(darcy18):
    order = [3, 1, 0, 5, 2, 4]
    for solver in ("gmres", "gcrodr", "scipy_gmres", "scipy_gcrotmk"):
        res = solve_sequence(darcy18, solver, order=order, rtol=1e-8, keep_solutions=True)
        assert res.unconverged == 0 and res.residuals.max() <= 1e-8
        assert res.order.tolist() == order
        for system, x in zip(darcy18, res.solutions, strict=True):
            assert np.linalg.norm(system.b - system.A @ x) <= 1e-8 * np.linalg.norm(system.b)


def test_skr_sorts_then_recycles_and_beats_gmres(darcy18):
    res = skr(darcy18, rtol=1e-8)
    assert res.order.tolist() == skr_order(darcy18).tolist()
    assert res.sort_seconds > 0 and res.seconds >= res.sort_seconds
    gm = solve_sequence(darcy18, "gmres", rtol=1e-8)
    norec = solve_sequence(darcy18, "gcrodr", recycle=False, rtol=1e-8)
    assert res.matvecs_mean < norec.matvecs_mean < gm.matvecs_mean


@pytest.mark.parametrize("kind", ["none", "jacobi", "ilu", "amg"])
def test_right_preconditioners_keep_the_true_residual(darcy18, kind):
    system = darcy18[0]
    M = make_preconditioner(kind, system.A)
    V = np.random.default_rng(0).standard_normal((system.b.size, 3))
    np.testing.assert_allclose(M(V)[:, 1], M(V[:, 1]))  # block and vector application agree
    res = solve_sequence(darcy18[:3], "gcrodr", precond=kind, rtol=1e-8)
    assert res.unconverged == 0 and res.residuals.max() <= 1e-8


def test_maxit_flags_a_system_and_the_sequence_goes_on():
    rng = np.random.default_rng(1)
    hard = helmholtz(rng, 18, 1, kappa=(14.0, 15.0))[0]
    n = hard.b.size
    easy = [
        LinearSystem(A=(3 * sp.identity(n) + sp.random(n, n, 0.01, random_state=i)).tocsr(),
                     b=rng.standard_normal(n), field=hard.field)
        for i in range(2)
    ]  # fmt: skip
    systems = [easy[0], hard, easy[1]]
    for solver in ("gmres", "gcrodr"):
        res = solve_sequence(systems, solver, maxit=60, rtol=1e-10, keep_solutions=True)
        assert res.converged.tolist() == [True, False, True]
        assert res.matvecs[1] == 60
        for i in (0, 2):
            x = spla.spsolve(systems[i].A.tocsc(), systems[i].b)
            np.testing.assert_allclose(res.solutions[i], x, rtol=1e-8, atol=1e-9)


def test_chunked_scale_out_equals_the_same_chunks_in_one_process(darcy18):
    par = skr_chunked(darcy18, 2, processes=True, rtol=1e-8, keep_solutions=True)
    ser = skr_chunked(darcy18, 2, processes=False, rtol=1e-8, keep_solutions=True)
    np.testing.assert_array_equal(par.matvecs, ser.matvecs)
    for a, b in zip(par.solutions, ser.solutions, strict=True):
        np.testing.assert_array_equal(a, b)
    order = skr_order(darcy18)
    first = solve_sequence([darcy18[i] for i in order[:3]], "gcrodr", rtol=1e-8)
    np.testing.assert_array_equal(par.matvecs[order[:3]], first.matvecs)
    one = skr_chunked(darcy18, 1, rtol=1e-8)
    np.testing.assert_array_equal(one.matvecs, skr(darcy18, rtol=1e-8).matvecs)


def test_bad_sequence_arguments(darcy18):
    with pytest.raises(ValueError, match="solver must be one of"):
        solve_sequence(darcy18, "cg")
    with pytest.raises(ValueError, match="order must be a permutation"):
        solve_sequence(darcy18, order=[0, 0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="systems must not be empty"):
        solve_sequence([])
    with pytest.raises(ValueError, match="workers must be an int"):
        skr_chunked(darcy18, 0)
    with pytest.raises(ValueError, match="preconditioner must be one of"):
        make_preconditioner("ssor", darcy18[0].A)
