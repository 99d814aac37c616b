"""The pieces of base R that FUSION.compute_weights.R relies on (ALGORITHMS.md f.1-f.3).

``scale()``, rank normalisation (``--rn``), ``summary(lm(y ~ x))`` adjusted R^2 and slope p-value
(FUSION's CV performance), covariate regression, and the number formats through which FUSION's
values pass (R ``write.table``, PLINK's 6-significant-digit .fam phenotype).
"""

from __future__ import annotations

import math

import numpy as np

from twascli.core.tails import t_two_sided
from twascli.rformat import R_NA_REAL


def _ld_colsums(x: np.ndarray) -> np.ndarray:
    """Column sums accumulated in long double row by row, as R's colMeans()/sum() loops do.

    numpy reduces a C-ordered 2-D array over axis 0 one row at a time, casting in buffers (no
    long-double copy); a single column would be contiguous, where numpy sums pairwise, so it is
    given a zero column beside it.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.shape[1] == 1:
        return np.add.reduce(np.column_stack([x, np.zeros_like(x)]), axis=0, dtype=np.longdouble)[:1]
    return np.add.reduce(x, axis=0, dtype=np.longdouble)


def r_colmeans(x: np.ndarray) -> np.ndarray:
    """R's colMeans(): long-double column sums divided by n, then rounded to double."""
    x = np.asarray(x, dtype=np.float64)
    return (_ld_colsums(x) / np.longdouble(x.shape[0])).astype(np.float64)


def r_scale(x: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """R's ``scale()``: centre each column, divide by its n-1 sd; a constant column becomes NaN.

    As in R, the column means (colMeans) and sums of squares (sum) accumulate in long double,
    row by row, so a column's result does not depend on which other columns are scaled with it
    or on memory layout. Constant columns are detected exactly (max == min), as R's exact
    long-double mean makes them. A 1-D vector is scaled as one column.
    """
    x = np.asarray(x, dtype=np.float64)
    one_d = x.ndim == 1
    if one_d:
        x = x[:, None]
    n = x.shape[0]
    out = np.empty(x.shape, dtype=np.float64)
    for start in range(0, x.shape[1], chunk):
        # C order: numpy then reduces axis 0 row by row, the sequential order R's sums use
        block = np.ascontiguousarray(x[:, start:start + chunk])
        xc = block - r_colmeans(block)
        ss = _ld_colsums(xc * xc).astype(np.float64)
        sd = np.sqrt(ss / max(1, n - 1))
        const = np.ptp(block, axis=0) == 0 if n else np.ones(block.shape[1], dtype=bool)
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = xc / np.where(const, 0.0, sd)
        scaled[:, const] = np.nan
        out[:, start:start + chunk] = scaled
    return out[:, 0] if one_d else out


def mean_impute(x: np.ndarray) -> np.ndarray:
    """Replace NaN entries by their column mean over non-missing entries (FUSION impute='avg')."""
    x = np.asarray(x, dtype=np.float64)
    miss = np.isnan(x)
    if miss.any():
        x = x.copy()
        with np.errstate(invalid="ignore"):
            mu = np.nanmean(x, axis=0)
        rows, cols = np.nonzero(miss)
        x[rows, cols] = mu[cols]
    return x


def r_sd(x: np.ndarray) -> float:
    """R's ``sd()`` of a vector (n-1 denominator); exactly 0 for a constant vector, NaN if n < 2."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape[0] < 2 or np.isnan(x).any():
        return math.nan
    if np.ptp(x) == 0:
        return 0.0
    return float(np.std(x, ddof=1))


def rank_normalize(x: np.ndarray) -> np.ndarray:
    """FUSION's ``rank_normalize``: qnorm((rank - 0.5)/n) over the non-NA values, ties averaged."""
    x = np.asarray(x, dtype=np.float64).copy()
    keep = ~np.isnan(x)
    n = int(keep.sum())
    if n == 0:
        return x
    from scipy import stats  # scipy.stats costs ~0.3 s to import: only when needed

    ranks = stats.rankdata(x[keep], method="average")
    x[keep] = stats.norm.ppf((ranks - 0.5) / n)
    return x


def lm_slope_summary(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """``summary(lm(y ~ x))``: (adj.r.squared, coef[2,4] = two-sided slope p-value).

    Closed form of the simple regression (f.1): R^2 = MSS/(MSS+RSS), adj = 1-(1-R^2)(n-1)/(n-2),
    p = 2 P(T_{n-2} > |b/se(b)|).
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    n = y.shape[0]
    rdf = n - 2
    xc = x - x.mean()
    yc = y - y.mean()
    sxx = float(xc @ xc)
    b = float(xc @ yc) / sxx
    resid = yc - b * xc
    rss = float(resid @ resid)
    fitted = b * xc
    mss = float(fitted @ fitted)
    if rdf <= 0:
        return math.nan, math.nan
    r2 = mss / (mss + rss) if (mss + rss) > 0 else math.nan
    adj = 1.0 - (1.0 - r2) * ((n - 1) / rdf)
    se = math.sqrt(rss / rdf / sxx)
    if se == 0:
        pval = 0.0 if b != 0 else math.nan
    else:
        t = b / se
        pval = t_two_sided(t, rdf)
    return adj, pval


def regress_out(y: np.ndarray, covar: np.ndarray) -> tuple[np.ndarray, float]:
    """``summary(lm(y ~ C))``: residuals and r.squared (intercept added; aliased columns dropped)."""
    y = np.asarray(y, dtype=np.float64)
    X = np.column_stack([np.ones(y.shape[0]), np.asarray(covar, dtype=np.float64)])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    fitted = X @ coef
    resid = y - fitted
    fc = fitted - fitted.mean()
    mss = float(fc @ fc)
    rss = float(resid @ resid)
    r2 = mss / (mss + rss) if (mss + rss) > 0 else math.nan
    return resid, r2


def resid_genotypes(genos: np.ndarray, covar: np.ndarray) -> np.ndarray:
    """FUSION ``--resid``: G - X (X'X)^-1 X'G with X = [1, C], then ``scale()`` again."""
    X = np.column_stack([np.ones(genos.shape[0]), np.asarray(covar, dtype=np.float64)])
    xtx_inv = np.linalg.inv(X.T @ X)
    proj = X @ xtx_inv
    out = genos - proj @ (X.T @ genos)
    return r_scale(out)


# ---------------------------------------------------------------------------------------------
# Number formats on FUSION's file round trips


def r_write_table_number(value: float) -> float:
    """The double that survives R ``write.table`` (15 significant digits) and a re-read."""
    if not math.isfinite(value):
        return value
    return float(f"{value:.15g}")


def plink_fam_number(value: float) -> float:
    """The double that survives PLINK 1.9's .fam writer (``dtoa_g``: 6 significant digits,
    near-ties within 5e-9 rounded to even) and R's re-read; FUSION's models see these values.
    """
    if not math.isfinite(value) or value == 0:
        return value
    a = abs(value)
    e = math.floor(math.log10(a))
    # dtoa_g's thresholds: a value that rounds up to the next power of ten moves up a decade
    if a >= 9.9999949999999 * 10.0**e:
        e += 1
    elif a < 0.99999949999999 * 10.0**e:
        e -= 1
    shift = 5 - e
    scaled = a * 10.0**shift if shift >= 0 else a / 10.0 ** (-shift)
    r = int(scaled)
    r += int((scaled - r) + (0.500000005 if r & 1 else 0.499999995))
    out = float(f"{r}e{-shift}")
    return -out if value < 0 else out


# R's summary statistics in long double, with NA (not NaN) where R prints NA (FUSION's utils).


def r_mean(x: np.ndarray) -> float:
    """R mean() of doubles: long-double sum / n plus R's second-pass correction (NA if any NA)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return math.nan
    if np.isnan(x).any():
        return R_NA_REAL
    n = np.longdouble(x.size)
    s = np.sum(x.astype(np.longdouble)) / n
    if np.isfinite(float(s)):
        s = s + np.sum(x.astype(np.longdouble) - s) / n
    return float(s)


def r_sd_na(x: np.ndarray) -> float:
    """R sd() (cov.c two-pass, long double) as profile_wgt.R prints it; NA for fewer than two values or any NA."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < 2 or np.isnan(x).any():
        return R_NA_REAL
    xl = x.astype(np.longdouble)
    n = np.longdouble(x.size)
    m = np.sum(xl) / n
    if np.isfinite(float(m)):
        m = m + np.sum(xl - m) / n
    xm = np.longdouble(float(m))
    dev = xl - xm
    return float(np.sqrt(float(np.sum(dev * dev) / np.longdouble(x.size - 1))))


def r_cor(x: np.ndarray, y: np.ndarray) -> float:
    """R cor(x, y) (Pearson, use='everything'): NaN when either vector has NA or zero variance."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size < 2 or np.isnan(x).any() or np.isnan(y).any():
        return math.nan
    xl, yl = x.astype(np.longdouble), y.astype(np.longdouble)
    n = np.longdouble(x.size)
    mx, my = np.sum(xl) / n, np.sum(yl) / n
    mx, my = mx + np.sum(xl - mx) / n, my + np.sum(yl - my) / n
    dx, dy = xl - np.longdouble(float(mx)), yl - np.longdouble(float(my))
    sxx, syy = float(np.sum(dx * dx)), float(np.sum(dy * dy))
    if sxx == 0.0 or syy == 0.0:
        return math.nan
    sxy = float(np.sum(dx * dy))
    r = sxy / (math.sqrt(sxx) * math.sqrt(syy))
    return min(1.0, max(-1.0, r))


def which_min(v: np.ndarray) -> int | None:
    """R which.min(): index of the first minimum ignoring NA/NaN, None when all are missing."""
    v = np.asarray(v, dtype=np.float64)
    ok = ~np.isnan(v)
    if not ok.any():
        return None
    return int(np.flatnonzero(ok & (v == v[ok].min()))[0])
