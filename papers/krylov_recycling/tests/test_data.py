import numpy as np
import pytest
import scipy.sparse as sp

from krylov_recycling import (
    darcy,
    darcy_fv,
    darcy_official,
    gaussian_random_field,
    helmholtz,
    laplacian_5pt,
    load_official_npy,
    poisson_lowdim,
    poisson_official,
    read_petsc_mat,
    read_petsc_sequence,
    read_petsc_vec,
    save_official_npy,
    write_petsc_mat,
    write_petsc_sequence,
    write_petsc_vec,
)
from krylov_recycling.grf import grf_sqrt_eigenvalues


def test_grf_has_zero_mean_and_the_stated_spectrum():
    s, alpha, tau = 32, 2.5, 7.0
    g = gaussian_random_field(np.random.default_rng(0), s, 2000, alpha, tau)
    np.testing.assert_allclose(g.mean(axis=(1, 2)), 0.0, atol=1e-14)
    power = (np.abs(np.fft.fft2(g)) ** 2).mean(axis=0)
    k = np.fft.fftfreq(s, 1.0 / s)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    expected = s**4 * tau ** (2 * (alpha - 1)) * (4 * np.pi**2 * k2 + tau**2) ** (-alpha)
    expected[0, 0] = 0.0
    assert power[0, 0] < 1e-20
    ratio = power[k2 > 0] / expected[k2 > 0]
    assert abs(ratio.mean() - 1) < 0.02  # ∝ (4π²|k|² + τ²)^(−α), with the official constant
    radius = np.sqrt(k2[k2 > 0]).round()
    for r in np.unique(radius)[:8]:
        assert abs(ratio[radius == r].mean() - 1) < 0.15
    assert grf_sqrt_eigenvalues(s)[0, 0] == 0.0


def test_fv_matrix_is_spd_and_constant_a_gives_the_5_point_laplacian():
    a = np.exp(gaussian_random_field(np.random.default_rng(1), 10, 1)[0])
    A = darcy_fv(a).toarray()
    np.testing.assert_allclose(A, A.T)
    assert np.linalg.eigvalsh(A).min() > 0
    s, h = 10, 1.0 / 9
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(8, 8)) / h**2
    L = sp.kron(sp.identity(8), T) + sp.kron(T, sp.identity(8))
    np.testing.assert_allclose(darcy_fv(np.ones((s, s))).toarray(), L.toarray(), atol=1e-9)
    np.testing.assert_allclose(laplacian_5pt(s).toarray(), L.toarray(), atol=1e-9)


def test_official_variant_entries_on_a_small_grid():
    a = np.arange(1.0, 37.0).reshape(6, 6)  # s = 6: 4 × 4 interior, node (p, q) -> 4p + q
    A, h2 = darcy_official(a)
    A = A.toarray()
    assert h2 == pytest.approx(1 / 9)  # h' = 1 / (4 - 1)
    node = lambda p, q: a[p + 1, q + 1]  # noqa: E731
    i = 4 * 1 + 1  # interior node (1, 1)
    assert A[i, i] == 4 * node(1, 1)
    assert A[i, i - 1] == -node(1, 0) and A[i, i + 1] == -node(1, 2)  # neighbours' own a
    assert A[i, i + 4] == -node(2, 1)
    # the node above (0, 1) has a = a[1, 2]; the official code reads position i - 2 = 3 of
    # a[:-2, 1:-1].ravel(), which is a[0, 4]
    assert A[i, i - 4] == -a[0, 4] != -a[1, 2]
    assert A[4, 3] == 0.0 and A[3, 4] == 0.0  # no coupling across the left/right boundary
    assert not np.allclose(A, A.T)


def test_families_shapes_and_parameters():
    rng = np.random.default_rng(2)
    d = darcy(rng, 12, 2)
    assert d[0].A.shape == (100, 100) and d[0].b.shape == (100,) and d[0].field.shape == (12, 12)
    h = helmholtz(rng, 12, 3, kappa=(5.0, 15.0))
    for s in h:
        kap = s.scalars[0]
        assert 5 <= kap <= 15
        np.testing.assert_allclose((darcy_fv(s.field) - s.A).diagonal(), kap**2)
    o = helmholtz(rng, 12, 1, kappa=(0.0, 1.0), variant="official")[0]
    A0, h2 = darcy_official(o.field)
    np.testing.assert_allclose((A0 - o.A).diagonal(), h2 * o.scalars[0] ** 2)
    p = poisson_lowdim(rng, 12, 2)
    assert p[0].scalars.shape == (4,) and np.all(np.abs(p[0].scalars) <= 1)
    assert np.abs(np.log(p[0].field)).max() <= 2 + 1e-12
    q = poisson_official(rng, 12, 2)
    assert (q[0].A != q[1].A).nnz == 0 and not np.allclose(q[0].b, q[1].b)


def test_poisson_official_rhs_reproduces_a_polynomial_solution():
    """With f ≡ 0 and boundary data of u = x (linear, so the 5-point stencil is exact), the
    system's solution is u = x at the interior nodes."""
    rng = np.random.default_rng(3)
    q = poisson_official(rng, 10, 1)[0]
    assert q.b.shape == (64,)
    x = np.linspace(0, 1, 10)
    A = q.A
    u = np.tile(x[1:-1], (8, 1)).ravel()
    h = 1 / 9
    rhs = np.zeros((8, 8))
    rhs[0, :] += x[1:-1] / h**2
    rhs[-1, :] += x[1:-1] / h**2
    rhs[:, 0] += 0.0 / h**2
    rhs[:, -1] += 1.0 / h**2
    np.testing.assert_allclose(A @ u, rhs.ravel(), atol=1e-8)


def test_petsc_roundtrip(tmp_path):
    rng = np.random.default_rng(4)
    A = sp.random(7, 5, density=0.4, random_state=4, format="csr")
    b = rng.standard_normal(7)
    B = read_petsc_mat(write_petsc_mat(tmp_path / "A.dat", A))
    assert B.shape == (7, 5) and abs(B - A).max() == 0
    np.testing.assert_array_equal(read_petsc_vec(write_petsc_vec(tmp_path / "b.dat", b)), b)
    systems = darcy(rng, 6, 3)
    write_petsc_sequence(tmp_path / "seq", systems, [2, 0, 1])
    back = read_petsc_sequence(tmp_path / "seq")
    assert len(back) == 3
    assert abs(back[0][0] - systems[2].A).max() == 0
    np.testing.assert_array_equal(back[1][1], systems[0].b)


def test_petsc_hand_built_3x3_bytes(tmp_path):
    """[[2, 0, 1], [0, 3, 0], [4, 0, 5]] written byte by byte in PETSc's big-endian layout."""
    header = np.array([1211216, 3, 3, 5], dtype=">i4").tobytes()
    lengths = np.array([2, 1, 2], dtype=">i4").tobytes()
    cols = np.array([0, 2, 1, 0, 2], dtype=">i4").tobytes()
    vals = np.array([2.0, 1.0, 3.0, 4.0, 5.0], dtype=">f8").tobytes()
    path = tmp_path / "A.dat"
    path.write_bytes(header + lengths + cols + vals)
    A = read_petsc_mat(path)
    np.testing.assert_array_equal(A.toarray(), [[2, 0, 1], [0, 3, 0], [4, 0, 5]])
    assert write_petsc_mat(tmp_path / "B.dat", A).read_bytes() == path.read_bytes()
    vec = tmp_path / "v.dat"
    vec.write_bytes(
        np.array([1211214, 3], ">i4").tobytes() + np.array([1.0, -2, 3], ">f8").tobytes()
    )
    np.testing.assert_array_equal(read_petsc_vec(vec), [1.0, -2.0, 3.0])


def test_petsc_bad_files_raise(tmp_path):
    good = write_petsc_mat(tmp_path / "A.dat", sp.identity(4, format="csr")).read_bytes()
    (tmp_path / "short.dat").write_bytes(good[:-3])
    with pytest.raises(ValueError, match="truncated PETSc file"):
        read_petsc_mat(tmp_path / "short.dat")
    (tmp_path / "head.dat").write_bytes(good[:6])
    with pytest.raises(ValueError, match="truncated PETSc file"):
        read_petsc_mat(tmp_path / "head.dat")
    with pytest.raises(ValueError, match="not a PETSc Vec"):
        read_petsc_vec(tmp_path / "A.dat")
    (tmp_path / "long.dat").write_bytes(good + b"\0")
    with pytest.raises(ValueError, match="trailing bytes"):
        read_petsc_mat(tmp_path / "long.dat")


def test_official_npy_loader_needs_explicit_pickle_permission(tmp_path):
    rng = np.random.default_rng(5)
    systems = helmholtz(rng, 6, 2, kappa=(0.0, 1.0), variant="official")
    save_official_npy(tmp_path, systems)
    assert (tmp_path / "k.npy").is_file()
    mats = np.empty(2, dtype=object)
    mats[:] = [s.A.todia() for s in systems]  # the official generator saves dia matrices
    np.save(tmp_path / "A.npy", mats, allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        load_official_npy(tmp_path)
    back = load_official_npy(tmp_path, allow_pickle=True)
    assert len(back) == 2
    assert abs(back[1].A - systems[1].A).max() == 0
    assert back[1].scalars[0] == systems[1].scalars[0]
    np.save(tmp_path / "b.npy", np.stack([s.b for s in systems])[:1])
    with pytest.raises(ValueError, match="same number of systems"):
        load_official_npy(tmp_path, allow_pickle=True)
    with pytest.raises(FileNotFoundError, match=r"w\.npy"):
        load_official_npy(tmp_path / "missing")
