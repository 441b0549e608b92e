"""PETSc binary files, the format the official C solver (`e.c`, `MatLoad`/`VecLoad`) reads.

Everything is big-endian:

    Mat  int32 classid 1211216, rows M, cols N, nnz; int32 row lengths (M); int32 column
         indices (nnz); float64 values (nnz)
    Vec  int32 classid 1211214, length n; float64 values (n)

The official generator writes the sorted sequence as `A_<i>.dat`, `rhs_<i>.dat`, i = position in
the solve order; `write_petsc_sequence` / `read_petsc_sequence` do the same, so a sequence sorted
here can be solved by `mpirun ./e -ksp_type hpddm -ksp_hpddm_type gcrodr ...`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

MAT_CLASSID = 1211216
VEC_CLASSID = 1211214
_I4, _F8 = np.dtype(">i4"), np.dtype(">f8")


class _Reader:
    def __init__(self, path: Path):
        self.path, self.data, self.pos = path, path.read_bytes(), 0

    def take(self, dtype: np.dtype, count: int, what: str) -> np.ndarray:
        end = self.pos + count * dtype.itemsize
        if count < 0 or end > len(self.data):
            raise ValueError(
                f"{self.path}: truncated PETSc file, {what} needs {count * dtype.itemsize} bytes "
                f"at offset {self.pos} but the file has {len(self.data)}"
            )
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos = end
        return out

    def header(self, classid: int, fields: int, kind: str) -> list[int]:
        head = self.take(_I4, 1 + fields, f"the {kind} header").astype(np.int64)
        if head[0] != classid:
            raise ValueError(
                f"{self.path}: not a PETSc {kind} (class id {head[0]}, want {classid})"
            )
        if np.any(head[1:] < 0):
            raise ValueError(f"{self.path}: negative size in the {kind} header {head[1:].tolist()}")
        return head[1:].tolist()


def read_petsc_mat(path: str | Path) -> sp.csr_matrix:
    """A sparse (M, N) CSR matrix from a PETSc binary Mat file."""
    r = _Reader(Path(path))
    M, N, nnz = r.header(MAT_CLASSID, 3, "Mat")
    lengths = r.take(_I4, M, "row lengths").astype(np.int64)
    cols = r.take(_I4, nnz, "column indices").astype(np.int64)
    vals = r.take(_F8, nnz, "values").astype(np.float64)
    if lengths.sum() != nnz or np.any(lengths < 0):
        raise ValueError(f"{path}: row lengths sum to {lengths.sum()}, header says nnz = {nnz}")
    if nnz and (cols.min() < 0 or cols.max() >= N):
        raise ValueError(f"{path}: column index out of range [0, {N})")
    if r.pos != len(r.data):
        raise ValueError(f"{path}: {len(r.data) - r.pos} unexpected trailing bytes")
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    return sp.csr_matrix((vals, cols, indptr), shape=(M, N))


def read_petsc_vec(path: str | Path) -> np.ndarray:
    """A float64 vector (n,) from a PETSc binary Vec file."""
    r = _Reader(Path(path))
    (n,) = r.header(VEC_CLASSID, 1, "Vec")
    values = r.take(_F8, n, "values").astype(np.float64)
    if r.pos != len(r.data):
        raise ValueError(f"{path}: {len(r.data) - r.pos} unexpected trailing bytes")
    return values


def write_petsc_mat(path: str | Path, A) -> Path:
    """Write a sparse or dense 2-D matrix as a PETSc binary Mat (explicit zeros dropped)."""
    A = sp.csr_matrix(A, dtype=float)
    A.eliminate_zeros()
    A.sort_indices()
    M, N = A.shape
    parts = [
        np.array([MAT_CLASSID, M, N, A.nnz], dtype=_I4),
        np.diff(A.indptr).astype(_I4),
        A.indices.astype(_I4),
        A.data.astype(_F8),
    ]
    path = Path(path)
    path.write_bytes(b"".join(p.tobytes() for p in parts))
    return path


def write_petsc_vec(path: str | Path, v: np.ndarray) -> Path:
    """Write a 1-D float vector as a PETSc binary Vec."""
    v = np.asarray(v, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"v must be 1-D, got shape {v.shape}")
    path = Path(path)
    path.write_bytes(np.array([VEC_CLASSID, v.size], dtype=_I4).tobytes() + v.astype(_F8).tobytes())
    return path


def write_petsc_sequence(folder: str | Path, systems: Sequence, order: Sequence[int]) -> Path:
    """`A_<i>.dat`, `rhs_<i>.dat` for i = 0, 1, … along `order` (systems with .A and .b)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, j in enumerate(order):
        write_petsc_mat(folder / f"A_{i}.dat", systems[j].A)
        write_petsc_vec(folder / f"rhs_{i}.dat", systems[j].b)
    return folder


def read_petsc_sequence(folder: str | Path) -> list[tuple[sp.csr_matrix, np.ndarray]]:
    """(A_i, b_i) for i = 0, 1, … while `A_<i>.dat` exists in `folder`."""
    folder = Path(folder)
    out = []
    while (folder / f"A_{len(out)}.dat").is_file():
        i = len(out)
        A, b = read_petsc_mat(folder / f"A_{i}.dat"), read_petsc_vec(folder / f"rhs_{i}.dat")
        if A.shape != (b.size, b.size):
            raise ValueError(f"{folder}: A_{i} is {A.shape} but rhs_{i} has length {b.size}")
        out.append((A, b))
    if not out:
        raise FileNotFoundError(f"{folder}: no A_0.dat")
    return out
