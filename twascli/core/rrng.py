"""R's default random number generator, bit for bit (ALGORITHMS.md f.4).

R >= 3.6 defaults: Mersenne-Twister with R's own seeding (``set.seed``), ``unif_rand`` with the
open-interval fixup, and "Rejection" sampling (``R_unif_index`` built from ``rbits``). FUSION's CV
folds and cv.glmnet's ``foldid`` are drawn from this stream, so reproducing it reproduces them.
The MT19937 twist and tempering are delegated to numpy's ``MT19937`` bit generator, whose raw
32-bit output is the reference genrand_int32; only R's seeding and draw logic live here.
"""

from __future__ import annotations

import numpy as np

_MT_N = 624
_MASK32 = 0xFFFFFFFF
_TO_UNIT = 2.3283064365386963e-10  # 2^-32, MT_genrand's scaling to [0, 1)
_I2_32M1 = 2.328306437080797e-10  # 1/(2^32 - 1), used by R's fixup() to leave 0 and 1
_BUFFER = 2048


def _scramble_seed(seed: int) -> np.ndarray:
    """R's RNG_Init for Mersenne-Twister: the 625 LCG values that fill .Random.seed[2:626]."""
    s = seed & _MASK32
    for _ in range(50):
        s = (69069 * s + 1) & _MASK32
    out = np.empty(_MT_N + 1, dtype=np.uint32)
    for j in range(_MT_N + 1):
        s = (69069 * s + 1) & _MASK32
        out[j] = s
    return out


class RRandom:
    """One R session's RNG stream: ``set.seed``, ``runif``, ``sample`` as R 4.x computes them."""

    def __init__(self, seed: int | None = None) -> None:
        """A stream seeded like ``set.seed(seed)`` (unseeded until set_seed when None)."""
        self._bitgen = np.random.MT19937(0)
        self._buf = np.empty(0, dtype=np.float64)
        self._pos = 0
        if seed is not None:
            self.set_seed(seed)

    def set_seed(self, seed: int) -> None:
        """``set.seed(seed)``: 50 LCG scrambles, 625 more fill the state, mti = 624 (RNG.c)."""
        seeds = _scramble_seed(int(seed))
        # i_seed[0] is mti (set to N by FixupSeeds); the MT state is i_seed[1..624].
        self._bitgen.state = {
            "bit_generator": "MT19937",
            "state": {"key": seeds[1:].copy(), "pos": _MT_N},
        }
        self._buf = np.empty(0, dtype=np.float64)
        self._pos = 0

    def _refill(self) -> None:
        """Draw a block of genrand_int32 values and map them as MT_genrand + fixup() do."""
        raw = self._bitgen.random_raw(_BUFFER).astype(np.float64)
        u = raw * _TO_UNIT
        u[u <= 0.0] = 0.5 * _I2_32M1
        u[1.0 - u <= 0.0] = 1.0 - 0.5 * _I2_32M1
        self._buf = u
        self._pos = 0

    def unif_rand(self) -> float:
        """One ``unif_rand()`` draw (what ``runif(1)`` returns)."""
        if self._pos >= self._buf.shape[0]:
            self._refill()
        v = self._buf[self._pos]
        self._pos += 1
        return float(v)

    def runif(self, n: int) -> np.ndarray:
        """``runif(n)`` on [0, 1]: n successive unif_rand draws."""
        out = np.empty(n, dtype=np.float64)
        for i in range(n):
            out[i] = self.unif_rand()
        return out

    def rbits(self, bits: int) -> int:
        """R's rbits(): 16 random bits per unif_rand chunk, bits//16 + 1 chunks, low BITS kept."""
        v = 0
        for _ in range(bits // 16 + 1):
            v = 65536 * v + int(self.unif_rand() * 65536.0)
        return v & ((1 << bits) - 1)

    def unif_index(self, dn: int) -> int:
        """R_unif_index(dn): rejection sampling of an integer in [0, dn) from rbits."""
        if dn <= 0:
            return 0
        bits = (int(dn) - 1).bit_length()  # == ceil(log2(dn)) for integer dn >= 1
        while True:
            dv = self.rbits(bits)
            if dv < dn:
                return dv

    def sample_int(self, n: int, size: int | None = None) -> np.ndarray:
        """``sample.int(n, size)`` without replacement: 1-based values, R's swap-with-last scheme."""
        k = n if size is None else int(size)
        if k > n:
            raise ValueError("cannot take a sample larger than the population")
        pool = list(range(n))
        out = np.empty(k, dtype=np.int64)
        left = n
        for i in range(k):
            j = self.unif_index(left)
            out[i] = pool[j] + 1
            left -= 1
            pool[j] = pool[left]
        return out

    def sample(self, x: np.ndarray | int) -> np.ndarray:
        """``sample(x)``: a permutation of x (or of 1..x when x is a single number >= 1)."""
        if np.ndim(x) == 0:
            return self.sample_int(int(x))
        arr = np.asarray(x)
        if arr.shape[0] == 1:
            value = arr[0]
            if float(value) >= 1:
                return self.sample_int(int(value))
        return arr[self.sample_int(arr.shape[0]) - 1]


def rep_len_seq(nfolds: int, length: int) -> np.ndarray:
    """``rep(seq(nfolds), length = length)``: 1..nfolds recycled to LENGTH values."""
    return (np.arange(length) % nfolds) + 1


def r_seq_length_out(start: float, stop: float, length_out: int) -> np.ndarray:
    """``seq.int(from, to, length.out=)`` with R's symmetric fill (from + i*by / to - (n-1-i)*by)."""
    out = np.empty(length_out, dtype=np.float64)
    if length_out > 0:
        out[0] = start
    if length_out > 1:
        out[-1] = stop
    if length_out > 2:
        by = (stop - start) / (length_out - 1)
        for i in range(1, length_out - 1):
            out[i] = start + i * by if i < length_out // 2 else stop - (length_out - 1 - i) * by
    return out


def r_cut_equal(x: np.ndarray, breaks: int) -> np.ndarray:
    """``cut(x, breaks=<int>, labels=FALSE)``: equal-width bins widened by range/1000, right-closed."""
    x = np.asarray(x, dtype=np.float64)
    lo, hi = float(np.min(x)), float(np.max(x))
    nb = int(breaks + 1)
    dx = hi - lo
    if dx == 0:
        dx = abs(lo)
        edges = r_seq_length_out(lo - dx / 1000, hi + dx / 1000, nb) if dx != 0 else r_seq_length_out(
            lo - 0.001, hi + 0.001, nb
        )
    else:
        edges = r_seq_length_out(lo, hi, nb)
        edges[0] = lo - dx / 1000
        edges[-1] = hi + dx / 1000
    # .bincode(right=TRUE): code i such that edges[i-1] < x <= edges[i]
    return np.searchsorted(edges, x, side="left").astype(np.int64)


def fusion_folds(n: int, nfolds: int) -> np.ndarray:
    """FUSION's fold labels ``cut(seq(1,N), breaks=nfolds, labels=FALSE)`` (contiguous blocks)."""
    return r_cut_equal(np.arange(1, n + 1, dtype=np.float64), nfolds)
