"""SNP correlation (LD) of any set of panel SNPs from blocks shared between gene windows.

FUSION computes a gene's LD as X'X/(n-1) on its scale()d reference genotypes, once per gene;
gene windows overlap about tenfold, so most of that work is repeated. Here the panel is cut into
blocks of BLOCK SNPs; the correlation of two blocks is computed once (while cached) and serves
every window that touches them. Hard-called genotypes are counts 0/1/2, so their cross-products
C and sums S are integers, exact in single precision while 4n < 2^24; the correlation
(C_ij - S_i S_j / n) / sqrt(ss_i ss_j) is then computed in double from exact inputs: R's
crossprod(scale(X))/(n-1) to within a few units of the last place. Where one LD value alone
decides a printed rounding (a one-SNP model's TWAS z, CAVIAR's LD file), FUSION's own arithmetic
is used instead (fusion_diag, fusion_ld). Panels with
missing calls or fractional dosages use mean-imputed, centred doubles (FUSION's imputation).
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict

import numpy as np

from twascli.core.rstats import mean_impute, r_scale
from twascli.core.twas import ld_matrix

BLOCK = 256  # SNPs per block: a 256 x 256 single-precision product runs near BLAS peak
CACHE_BYTES = 64 << 20  # bound on cached blocks (genes come by position: few are live)
_ASSEMBLE_MAX = 4096  # SNPs of touched blocks laid side by side for one gather (128 MiB at most)
_DIAG_WIDTH = 8  # columns scaled together for fusion_diag
_EXACT_MAX_N = (1 << 24) // 4  # float32 sums of products of counts <= 2 stay exact below this


class BlockLD:
    """LD of panel SNP subsets (columns of an n x p dosage matrix, NaN = missing)."""

    def __init__(self, dosage: np.ndarray, block: int = BLOCK, cache_bytes: int = CACHE_BYTES, chunk: int = 8192):
        self.n, self.p = dosage.shape
        self.block = block
        self._dosage = dosage
        shift = np.zeros(self.p)
        ss = np.zeros(self.p)
        self.varies = np.zeros(self.p, dtype=bool)
        exact = self.n <= _EXACT_MAX_N
        for lo in range(0, self.p if self.n else 0, chunk):  # one pass over the panel, in chunks
            x = dosage[:, lo:lo + chunk]
            with np.errstate(invalid="ignore"):  # all-missing columns: NaN, not varying
                self.varies[lo:lo + chunk] = np.fmax.reduce(x, axis=0) > np.fmin.reduce(x, axis=0)
            exact = exact and bool(np.all(x == np.rint(x)))  # NaN (missing) fails too
            if exact:  # sums of counts: exact in double
                shift[lo:lo + chunk] = x.sum(axis=0, dtype=np.float64)
                ss[lo:lo + chunk] = (x * x).sum(axis=0, dtype=np.float64)
        self.exact = exact
        if exact:
            ss -= shift * shift / max(self.n, 1)
        else:  # missing calls or dosages: centred, mean-imputed doubles (a second pass)
            shift[:] = 0.0
            for lo in range(0, self.p if self.n else 0, chunk):
                x = self._work(slice(lo, min(self.p, lo + chunk)), centred=True)
                ss[lo:lo + chunk] = (x * x).sum(axis=0)
        self._shift = shift  # exact: column sums S (centring applied after the product); else 0
        self._root_ss = np.sqrt(np.where(self.varies, ss, np.nan))
        self._fusion_diag: dict[int, float] = {}
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._last_layout: tuple[bytes, np.ndarray | None] = (b"", None)
        self._cache_items = max(16, cache_bytes // (block * block * 8))

    def _work(self, cols: slice, centred: bool) -> np.ndarray:
        """Values whose products are cached: counts (float32, exact), or centred imputed doubles."""
        x = self._dosage[:, cols]
        if not centred:
            return np.asarray(x, dtype=np.float32)
        x = np.asarray(x, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing SNPs (never in a gene)
            mu = np.nanmean(x, axis=0) if np.isnan(x).any() else x.mean(axis=0)
        return np.where(np.isnan(x), 0.0, x - mu)

    def _block_ld(self, bi: int, bj: int) -> np.ndarray:
        """Correlation of the SNPs of blocks bi <= bj (rows bi, columns bj), computed once while
        cached: (X_bi' X_bj - S_i S_j / n) / sqrt(ss_i ss_j), R's LD_ii on the diagonal."""
        key = (bi, bj)
        with self._lock:
            hit = self._cache.pop(key, None)
            if hit is not None:
                self._cache[key] = hit
                return hit
        b = self.block
        ci, cj = slice(bi * b, min(self.p, (bi + 1) * b)), slice(bj * b, min(self.p, (bj + 1) * b))
        xi = self._work(ci, centred=not self.exact)
        xj = xi if bi == bj else self._work(cj, centred=not self.exact)
        out = (xi.T @ xj).astype(np.float64)  # exact integers when self.exact
        if self.exact:  # commutative products only: the LD is exactly symmetric
            out -= np.multiply.outer(self._shift[ci], self._shift[cj]) / self.n
        out /= np.multiply.outer(self._root_ss[ci], self._root_ss[cj])
        if bi == bj:  # a correlation's diagonal (one-SNP models use fusion_diag)
            np.fill_diagonal(out, np.where(self.varies[ci], 1.0, np.nan))
        with self._lock:
            self._cache[key] = out
            while len(self._cache) > self._cache_items:
                self._cache.popitem(last=False)
        return out

    def fusion_ld(self, cols: np.ndarray | slice) -> np.ndarray:
        """LD of COLS with FUSION's arithmetic: crossprod(scale(X))/(n-1) in double through an
        optimised BLAS (the reference runs' order; R's reference BLAS sums differently). Used where
        single LD entries are printed or decide a rounding: they can sit exactly on a boundary."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing SNPs (never in a gene)
            return ld_matrix(r_scale(mean_impute(np.asarray(self._dosage[:, cols], dtype=np.float64))))

    def fusion_diag(self, col: int) -> float:
        """LD_ii of one SNP as fusion_ld gives it. Equal to 1 only to rounding, and it decides the
        rounding of a one-SNP model's TWAS z (GWAS z * w / sqrt(w^2 LD_ii)), which sits on a
        boundary of the 3-digit output whenever the GWAS z has 4 decimals. BLAS kernels sum a
        diagonal the same way for any width from 8 on (not for a single column): 8 are taken."""
        hit = self._fusion_diag.get(col)
        if hit is None:
            lo = max(0, min(col, self.p - _DIAG_WIDTH))
            hit = self._fusion_diag[col] = float(self.fusion_ld(slice(lo, lo + _DIAG_WIDTH))[col - lo, col - lo])
        return hit

    def all_vary(self, cols: np.ndarray) -> bool:
        """True if every SNP of COLS varies in the panel (else FUSION's scale() gives NaN LD)."""
        return bool(self.varies[cols].all())

    def ld(self, cols: np.ndarray) -> np.ndarray:
        """Correlation of COLS (R's crossprod(scale(X))/(n-1)), in COLS' order; rows of
        non-varying SNPs are NaN."""
        cols = np.asarray(cols, dtype=np.int64)
        if cols.size == 0:
            return np.empty((0, 0))
        blk = cols // self.block
        touched, where = np.unique(blk, return_inverse=True)
        if touched.size * self.block <= _ASSEMBLE_MAX:
            return self._gather_assembled(cols, blk, touched, where)
        return self._gather_pairs(cols, blk, touched)

    def _gather_assembled(self, cols, blk, touched, where) -> np.ndarray:
        """The touched blocks laid side by side, then one gather (a gene's window). Genes come by
        position, so the next gene often touches the same blocks: the last layout is kept."""
        b = self.block
        key = touched.tobytes()
        last_key, big = self._last_layout
        if last_key != key:
            big = np.empty((touched.size * b, touched.size * b))
            for a, bi in enumerate(touched.tolist()):
                for c in range(a, touched.size):
                    part = self._block_ld(bi, int(touched[c]))
                    big[a * b:a * b + part.shape[0], c * b:c * b + part.shape[1]] = part
                    if c != a:
                        big[c * b:c * b + part.shape[1], a * b:a * b + part.shape[0]] = part.T
            self._last_layout = (key, big)  # one assignment: safe with reader threads
        rel = where * b + (cols - blk * b)
        lo = int(rel[0])
        if rel[-1] - lo == rel.size - 1 and np.all(rel[1:] > rel[:-1]):  # a run of panel SNPs
            return big[lo:lo + rel.size, lo:lo + rel.size].copy()
        return big.take(rel, axis=0).take(rel, axis=1)

    def _gather_pairs(self, cols, blk, touched) -> np.ndarray:
        """Block pair by block pair (SNPs spread over many blocks: no large intermediate)."""
        out = np.empty((cols.size, cols.size))
        groups = [(int(bk), np.flatnonzero(blk == bk)) for bk in touched]
        for a, (bi, pos_i) in enumerate(groups):
            off_i = cols[pos_i] - bi * self.block
            for bj, pos_j in groups[a:]:
                sub = self._block_ld(bi, bj)[np.ix_(off_i, cols[pos_j] - bj * self.block)]
                out[np.ix_(pos_i, pos_j)] = sub
                if bj != bi:
                    out[np.ix_(pos_j, pos_i)] = sub.T
        return out
