import numpy as np
import pytest

from krylov_recycling import HessenbergLSQ, arnoldi_cycle, orthogonalize


@pytest.mark.parametrize("method", ["cgs2", "mgs2"])
def test_orthogonalize_gives_orthonormal_rows_and_the_coefficients(method):
    rng = np.random.default_rng(0)
    Q = np.linalg.qr(rng.standard_normal((200, 12)))[0].T.copy()  # (12, 200) orthonormal rows
    w0 = rng.standard_normal(200)
    w = w0.copy()
    h, norm = orthogonalize(Q, w, method)
    assert np.abs(Q @ w).max() < 1e-14 * norm
    np.testing.assert_allclose(h @ Q + w, w0, atol=1e-13)
    assert norm == pytest.approx(np.linalg.norm(w))


def test_cgs2_and_mgs2_give_the_same_arnoldi_relation():
    rng = np.random.default_rng(1)
    A = np.eye(80) * 2 + rng.standard_normal((80, 80)) / 9
    b = rng.standard_normal(80)
    out = {}
    for method in ("cgs2", "mgs2"):
        basis = np.empty((21, 80))
        basis[0] = b / np.linalg.norm(b)
        cyc = arnoldi_cycle(lambda v: A @ v, basis, 0, 20, np.linalg.norm(b), 0.0, method)
        V = basis[: cyc.steps + 1]
        np.testing.assert_allclose(V @ V.T, np.eye(cyc.steps + 1), atol=1e-13)
        np.testing.assert_allclose(A @ V[:-1].T, V.T @ cyc.H, atol=1e-12)  # A V_j = V_{j+1} H̄_j
        out[method] = cyc.H
    np.testing.assert_allclose(out["cgs2"], out["mgs2"], atol=1e-12)


def test_givens_least_squares_matches_lstsq_at_every_step():
    rng = np.random.default_rng(2)
    m, beta = 12, 3.0
    H = np.triu(rng.standard_normal((m + 1, m)), k=-1)
    lsq = HessenbergLSQ(m, beta)
    for j in range(1, m + 1):
        res = lsq.add_column(H[: j + 1, j - 1])
        rhs = np.zeros(j + 1)
        rhs[0] = beta
        y = np.linalg.lstsq(H[: j + 1, :j], rhs, rcond=None)[0]
        np.testing.assert_allclose(lsq.solve(), y, rtol=1e-10, atol=1e-12)
        assert res == pytest.approx(np.linalg.norm(rhs - H[: j + 1, :j] @ y), rel=1e-10, abs=1e-12)


def test_breakdown_stops_the_cycle_without_dividing_by_zero():
    A = np.diag(np.repeat([1.0, 2.0, 5.0], 10))  # 3 distinct eigenvalues: K_3 is invariant
    b = np.arange(1.0, 31.0)
    basis = np.empty((11, 30))
    basis[0] = b / np.linalg.norm(b)
    with np.errstate(all="raise"):
        cyc = arnoldi_cycle(lambda v: A @ v, basis, 0, 10, np.linalg.norm(b), 0.0)
    assert cyc.breakdown and cyc.steps == 3
    assert cyc.H[3, 2] == 0.0 and cyc.lsq.g[-1] == 0.0
