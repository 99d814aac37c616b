"""LAPACK's LU (dgetrf, dgecon, dgetrs: R's solve()) and Cholesky (dpotrf, dpotrs: IMPG) routines
without importing scipy.linalg.

scipy.linalg costs ~0.3 s to import, a large part of a short post-process run. numpy's wheels
ship OpenBLAS with these LAPACK routines (ILP64, symbols ``scipy_<name>_64_``); they are called
here through ctypes with the arguments scipy.linalg.lapack passes. Where that library is not
found (another numpy build), scipy.linalg.lapack is used, with the same results.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os

import numpy as np

_I64 = ctypes.POINTER(ctypes.c_int64)
_F64 = ctypes.POINTER(ctypes.c_double)


@functools.lru_cache(maxsize=1)
def _numpy_lapack() -> ctypes.CDLL | None:
    """numpy's bundled OpenBLAS (already loaded by numpy) if it has the ILP64 routines, else None."""
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "libscipy_openblas64_*.so*"))):
        try:
            lib = ctypes.CDLL(path)
            for name in ("scipy_dgetrf_64_", "scipy_dgecon_64_", "scipy_dgetrs_64_", "scipy_dpotrf_64_",
                         "scipy_dpotrs_64_"):
                getattr(lib, name)
        except (OSError, AttributeError):
            continue
        return lib
    return None


def _ptr(a: np.ndarray, kind) -> object:
    return a.ctypes.data_as(kind)


def _i64(v: int) -> ctypes.c_int64:
    return ctypes.c_int64(v)


def lu_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """dgetrf of A: (LU in Fortran order, pivots as LAPACK returns them, info)."""
    lib = _numpy_lapack()
    if lib is None:
        from scipy.linalg import lapack

        lu, piv, info = lapack.dgetrf(a)
        return lu, piv, int(info)
    lu = np.array(a, dtype=np.float64, order="F", copy=True)
    m, n = lu.shape
    piv = np.zeros(min(m, n), dtype=np.int64)
    info = ctypes.c_int64(0)
    lib.scipy_dgetrf_64_(ctypes.byref(_i64(m)), ctypes.byref(_i64(n)), _ptr(lu, _F64), ctypes.byref(_i64(max(1, m))),
                         _ptr(piv, _I64), ctypes.byref(info))
    return lu, piv, int(info.value)


def rcond_1norm(lu: np.ndarray, anorm: float) -> float:
    """dgecon('1'): LAPACK's estimate of the reciprocal 1-norm condition number from the LU factors."""
    lib = _numpy_lapack()
    if lib is None:
        from scipy.linalg import lapack

        return float(lapack.dgecon(lu, anorm, norm="1")[0])
    n = lu.shape[0]
    rcond = ctypes.c_double(0.0)
    info = ctypes.c_int64(0)
    work = np.zeros(4 * max(1, n))
    iwork = np.zeros(max(1, n), dtype=np.int64)
    lib.scipy_dgecon_64_(ctypes.c_char_p(b"1"), ctypes.byref(_i64(n)), _ptr(lu, _F64), ctypes.byref(_i64(max(1, n))),
                         ctypes.byref(ctypes.c_double(anorm)), ctypes.byref(rcond), _ptr(work, _F64), _ptr(iwork, _I64),
                         ctypes.byref(info), ctypes.c_size_t(1))
    return float(rcond.value)


def lu_solve(lu: np.ndarray, piv: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dgetrs('N'): the solution X of A X = B from lu_factor's factors."""
    lib = _numpy_lapack()
    if lib is None:
        from scipy.linalg import lapack

        return lapack.dgetrs(lu, piv, b)[0]
    x = np.array(b, dtype=np.float64, order="F", copy=True)
    n, nrhs = x.shape
    info = ctypes.c_int64(0)
    lib.scipy_dgetrs_64_(ctypes.c_char_p(b"N"), ctypes.byref(_i64(n)), ctypes.byref(_i64(nrhs)), _ptr(lu, _F64),
                         ctypes.byref(_i64(max(1, n))), _ptr(piv, _I64), _ptr(x, _F64), ctypes.byref(_i64(max(1, n))),
                         ctypes.byref(info), ctypes.c_size_t(1))
    return x


def cholesky(a: np.ndarray) -> tuple[np.ndarray, int]:
    """dpotrf('U') of a symmetric A: (U in Fortran order with A = U'U, info). A Fortran-ordered A
    is factored in place (as scipy's overwrite_a=1); only its upper triangle is read."""
    lib = _numpy_lapack()
    if lib is None:
        from scipy.linalg import lapack

        u, info = lapack.dpotrf(a, lower=0, clean=0, overwrite_a=1)
        return u, int(info)
    u = a if a.flags.f_contiguous and a.dtype == np.float64 else np.array(a, dtype=np.float64, order="F")
    n = u.shape[0]
    info = ctypes.c_int64(0)
    lib.scipy_dpotrf_64_(ctypes.c_char_p(b"U"), ctypes.byref(_i64(n)), _ptr(u, _F64), ctypes.byref(_i64(max(1, n))),
                         ctypes.byref(info), ctypes.c_size_t(1))
    return u, int(info.value)


def cho_solve(u: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """dpotrs('U'): the solution X of U'U X = B from cholesky's factor, and info."""
    lib = _numpy_lapack()
    if lib is None:
        from scipy.linalg import lapack

        x, info = lapack.dpotrs(u, b, lower=0)
        return x, int(info)
    x = np.array(b, dtype=np.float64, order="F", copy=True)
    n, nrhs = x.shape
    info = ctypes.c_int64(0)
    lib.scipy_dpotrs_64_(ctypes.c_char_p(b"U"), ctypes.byref(_i64(n)), ctypes.byref(_i64(nrhs)), _ptr(u, _F64),
                         ctypes.byref(_i64(max(1, n))), _ptr(x, _F64), ctypes.byref(_i64(max(1, n))),
                         ctypes.byref(info), ctypes.c_size_t(1))
    return x, int(info.value)
