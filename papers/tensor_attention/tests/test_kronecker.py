import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from tensor_attention import kr


def test_row_index_is_j1_times_n_plus_j2():
    rng = np.random.default_rng(0)
    K1, K2 = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    out = kr(K1, K2)
    assert out.shape == (20, 3)
    for j1 in range(4):
        for j2 in range(5):
            np.testing.assert_array_equal(out[j1 * 5 + j2], K1[j1] * K2[j2])


def test_column_wise_not_full_kronecker():
    rng = np.random.default_rng(1)
    K1, K2 = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    assert kr(K1, K2).shape == (9, 2)  # the full Kronecker product would be (9, 4)
    np.testing.assert_allclose(kr(K1, K2), scipy.linalg.khatri_rao(K1, K2))


def test_three_factors_nest():
    rng = np.random.default_rng(2)
    A, B, C = (rng.standard_normal((3, 2)) for _ in range(3))
    np.testing.assert_allclose(kr(A, B, C), kr(kr(A, B), C))
    np.testing.assert_allclose(kr(A, B, C)[(1 * 3 + 2) * 3 + 0], A[1] * B[2] * C[0])


@settings(max_examples=40, deadline=None)
@given(
    n1=st.integers(1, 6),
    n2=st.integers(1, 6),
    r=st.integers(1, 5),
    d=st.integers(1, 4),
    seed=st.integers(0, 2**31),
)
def test_khatri_rao_identity(n1, n2, r, d, seed):
    """(U₂ ⊘ U₃)ᵀ(V₁ ⊘ V₂) = (U₂ᵀV₁) ∘ (U₃ᵀV₂): the tensor trick behind the fast algorithm."""
    rng = np.random.default_rng(seed)
    U2, U3 = rng.standard_normal((n1, r)), rng.standard_normal((n2, r))
    V1, V2 = rng.standard_normal((n1, d)), rng.standard_normal((n2, d))
    np.testing.assert_allclose(kr(U2, U3).T @ kr(V1, V2), (U2.T @ V1) * (U3.T @ V2), atol=1e-10)


def test_bad_factors_are_rejected():
    with pytest.raises(ValueError, match="must be 2-D"):
        kr(np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match="share the column count"):
        kr(np.ones((3, 2)), np.ones((3, 3)))
