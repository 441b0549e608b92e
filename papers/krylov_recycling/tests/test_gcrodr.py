import numpy as np
import pytest
import scipy.sparse.linalg as spla
from conftest import nonsymmetric
from hypothesis import given, settings
from hypothesis import strategies as st

from krylov_recycling import (
    arnoldi_cycle,
    darcy,
    gcrodr,
    gmres,
    harmonic_ritz,
    harmonic_ritz_generalized,
    make_preconditioner,
    real_basis,
)


def test_k0_equals_gmres_cycle_by_cycle(darcy18):
    A, b = darcy18[0].A, darcy18[0].b
    ref = gmres(A, b, m=10, rtol=1e-10)
    ours = gcrodr(A, b, m=10, k=0, rtol=1e-10)
    assert len(ref.cycle_residuals) == len(ours.cycle_residuals) > 5
    np.testing.assert_allclose(ours.cycle_residuals, ref.cycle_residuals, rtol=1e-10)
    assert ours.matvecs == ref.matvecs


@pytest.mark.parametrize("precond", ["none", "jacobi"])
def test_recycle_space_invariants_after_every_cycle(darcy18, precond):
    """CᵀC = I, Â U = C and Cᵀ r = 0 after every cycle, for the first system and recycled ones."""
    seen = []
    U = None
    for system in darcy18[:3]:
        A = system.A
        M = make_preconditioner(precond, A)

        def check(state, A=A, M=M):
            C, U_ = state.C, state.U
            k = C.shape[0]
            assert np.linalg.norm(C @ C.T - np.eye(k)) <= 1e-10
            AU = (A @ M(U_.T)).T
            assert np.linalg.norm(AU - C) / np.linalg.norm(C) <= 1e-8
            assert np.linalg.norm(C @ state.r) <= 1e-10 * np.linalg.norm(state.r)
            seen.append(k)

        res = gcrodr(A, system.b, m=20, k=8, rtol=1e-10, U=U, M=M, callback=check)
        assert res.converged
        U = res.U
    assert len(seen) >= 6 and max(seen) == 8


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(20, 60),
    m=st.integers(4, 16),
    frac=st.floats(0.0, 0.9),
    shift=st.floats(0.3, 3.0),
)
def test_residual_never_increases_at_cycle_ends(seed, n, m, frac, shift):
    rng = np.random.default_rng(seed)
    k = int(frac * (m - 1))
    A = nonsymmetric(rng, n, shift)
    U = None
    for _ in range(2):  # a first system and a perturbed one that reuses U
        b = rng.standard_normal(n)
        res = gcrodr(A, b, m=m, k=k, rtol=1e-9, maxit=60 * n, U=U)
        hist = np.asarray(res.cycle_residuals)
        assert np.all(np.diff(hist) <= 1e-10 * hist[0])
        U = res.U
        A = A + 0.01 * rng.standard_normal((n, n)) / np.sqrt(n)


def test_harmonic_ritz_values_of_a_full_cycle_are_the_eigenvalues():
    rng = np.random.default_rng(3)
    Q = np.linalg.qr(rng.standard_normal((10, 10)))[0]
    lam = np.array([-4.0, -2.5, -1.0, 0.5, 1.5, 2.0, 3.0, 4.5, 6.0, 7.5])
    A = Q @ np.diag(lam) @ Q.T
    b = rng.standard_normal(10)
    basis = np.empty((11, 10))
    basis[0] = b / np.linalg.norm(b)
    cyc = arnoldi_cycle(lambda v: A @ v, basis, 0, 10, np.linalg.norm(b), 0.0)
    assert cyc.steps == 10
    theta, _ = harmonic_ritz(cyc.H)
    np.testing.assert_allclose(np.sort(theta.real), lam, atol=1e-8)
    assert np.abs(theta.imag).max() < 1e-8
    assert np.all(np.diff(np.abs(theta)) >= 0)  # sorted by |θ|


def test_harmonic_ritz_formula_equals_the_generalized_problem():
    """(H_m + h² H_m^{-T} e_m e_mᵀ) p = θ p is the pencil H̄ᵀH̄ z = θ H_mᵀ z (Ĝ = H̄, V̂ᵀŴ = [I; 0])."""
    rng = np.random.default_rng(4)
    H = np.triu(rng.standard_normal((9, 8)), k=-1) + 3 * np.eye(9, 8)
    t1, _ = harmonic_ritz(H)
    t2, _ = harmonic_ritz_generalized(H, np.eye(9, 8))
    np.testing.assert_allclose(np.sort_complex(t1), np.sort_complex(t2), rtol=1e-9)


def test_darcy_solution_matches_spsolve():
    system = darcy(np.random.default_rng(5), 18, 1)[0]
    x = spla.spsolve(system.A.tocsc(), system.b)
    res = gcrodr(system.A, system.b, m=40, k=20, rtol=1e-10)
    assert res.converged and res.residual <= 1e-10
    assert np.linalg.norm(res.x - x) / np.linalg.norm(x) <= 1e-6


def test_recycled_second_solve_of_the_same_system_is_30_percent_cheaper():
    system = darcy(np.random.default_rng(6), 34, 1)[0]
    first = gcrodr(system.A, system.b, m=40, k=20, rtol=1e-8)
    second = gcrodr(system.A, system.b, m=40, k=20, rtol=1e-8, U=first.U)
    assert first.converged and second.converged
    assert second.matvecs <= 0.7 * first.matvecs


def test_real_basis_keeps_the_span_of_conjugate_pairs():
    rng = np.random.default_rng(7)
    z = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    w = rng.standard_normal(6)
    theta = np.array([0.5 + 1j, 0.5 - 1j, 2.0, 3.0 + 0j])
    Z = np.column_stack([z, z.conj(), w, rng.standard_normal(6)])
    P = real_basis(theta, Z, 3)
    assert P.shape == (6, 3) and np.isrealobj(P)
    span = np.column_stack([z, z.conj(), w])
    assert np.linalg.matrix_rank(np.column_stack([span, P]), tol=1e-10) == 3
    # Re z alone would lose rank: Re z, Im z and z, z̄ span the same plane
    assert np.linalg.matrix_rank(np.column_stack([z, z.conj(), P[:, :2]]), tol=1e-10) == 2


def test_real_basis_never_splits_a_pair():
    theta = np.array([1.0 + 0j, 2.0 + 1j, 2.0 - 1j])
    Z = np.eye(3, dtype=complex)
    Z[:, 2] = Z[:, 1].conj()
    assert real_basis(theta, Z, 2).shape == (3, 1)
    assert real_basis(theta, Z, 3).shape == (3, 3)


def test_infinite_generalized_eigenvalues_sort_last():
    rng = np.random.default_rng(8)
    G = np.triu(rng.standard_normal((7, 6)), k=-1) + 2 * np.eye(7, 6)
    VW = rng.standard_normal((7, 6))
    VW[:, 2] = 0.0  # Ĝᵀ V̂ᵀŴ singular: one θ = ∞
    theta, _ = harmonic_ritz_generalized(G, VW)
    assert np.isinf(theta[-1]) and np.all(np.isfinite(theta[:-1]))
    assert np.all(np.diff(np.abs(theta[:-1])) >= 0)
