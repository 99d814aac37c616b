"""numba's compiler for twascli's hot loops, and a plain-Python stand-in when numba is missing."""

from __future__ import annotations

try:
    import numba

    AVAILABLE = True
    jit = numba.njit(cache=True, nogil=True)
    jit_reassoc = numba.njit(cache=True, nogil=True, fastmath={"reassoc"})  # vectorised sums
except ImportError:  # pragma: no cover - exercised only without numba
    AVAILABLE = False

    def jit(f):
        return f

    jit_reassoc = jit
