"""FUSION's GEMMA models: ``gemma -bslmm 2`` ("blup") and ``gemma -bslmm 1`` ("bslmm").

FUSION runs ``gemma -miss 1 -maf 0 -r2 1 -rpace 1000 -wpace 1000 -bfile X -bslmm {2|1}`` on a
PLINK file and uses ``alpha + beta*gamma`` from ``param.txt`` as the weight of each SNP (NA for
SNPs GEMMA dropped). This module reproduces GEMMA 0.98.5 natively (spec ALGORITHMS.md (c)):

* :func:`gemma_blup` -- ``-bslmm 2``: SNP filter, centring, K = XX'/p, eigendecomposition with
  eigenvalues < 1e-10 zeroed, REML estimate of lambda = sigma_g^2/sigma_e^2 on [1e-5, 1e5]
  (GEMMA's 10-region derivative scan, Brent on the derivative, then Newton, keeping GEMMA's
  choice of iterate), and alpha = (lambda/p) X'U diag(1/(lambda d + 1)) U'y.
* :func:`gemma_bslmm` -- ``-bslmm 1``: the BSLMM MCMC of spec c.3 with a seeded numpy RNG.

Functions are pure (arrays in, arrays out). Weights are per A1 allele in phenotype units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twascli.errors import TwasError

__all__ = [
    "GEMMA_L_MIN",
    "GEMMA_L_MAX",
    "GEMMA_N_REGION",
    "BlupFit",
    "gemma_snp_filter",
    "gemma_blup",
    "gemma_blup_fit",
    "gemma_bslmm",
]

GEMMA_L_MIN = 1e-5
GEMMA_L_MAX = 1e5
GEMMA_N_REGION = 10
_EIGEN_ZERO = 1e-10
_DBL_EPS = np.finfo(float).eps


def _phenotype_mask(y: np.ndarray) -> np.ndarray:
    """GEMMA's analysed samples: .fam phenotype not -9 and not NA (0 is a valid value)."""
    return ~(np.isnan(y) | (y == -9.0))


def gemma_snp_filter(dosage: np.ndarray) -> np.ndarray:
    """SNPs GEMMA keeps under ``-miss 1 -maf 0 -r2 1`` (spec c.1): more than one genotype class.

    ``dosage`` holds the analysed samples only (n x p, NaN = missing). A SNP is dropped when
    only one of the classes 0/1/2 is observed among its non-missing calls (an all-missing or
    all-heterozygous SNP is dropped too).
    """
    x = np.asarray(dosage, dtype=np.float64)
    n0 = (x == 0).sum(axis=0)
    n1 = (x == 1).sum(axis=0)
    n2 = (x == 2).sum(axis=0)
    return ~(((n0 + n1) == 0) | ((n1 + n2) == 0) | ((n0 + n2) == 0))


def _centred_genotypes(x: np.ndarray) -> np.ndarray:
    """GEMMA ReadFile_bed: x - mean over non-missing calls; a missing call becomes 0."""
    called = ~np.isnan(x)
    cnt = called.sum(axis=0)
    mean = np.where(called, x, 0.0).sum(axis=0) / np.maximum(cnt, 1)
    return np.where(called, x - mean, 0.0)


# --------------------------------------------------------------------------------------------
# REML for lambda in the null LMM (GEMMA lmm.cpp CalcLambda 'R' with W = intercept)
# --------------------------------------------------------------------------------------------


class _NullReml:
    """Restricted likelihood of y = W a + u + e, u ~ N(0, lambda tau^-1 K), in K's eigenbasis.

    With one covariate (the intercept, W = 1) GEMMA's P_ab recursions reduce to weighted sums
    over eigen-directions: with h_i = 1/(lambda d_i + 1), w = U'1, u = U'y,
    Pww = sum h w^2, Pwy = sum h w u, Pyy0 = sum h u^2 and P_yy = Pyy0 - Pwy^2/Pww (and the
    analogous h^2, h^3 sums for the derivatives). Directions with d = 0 (K's null space,
    including eigenvalues GEMMA zeroes) have h = 1 for every lambda, so they may be passed as
    totals: ``null`` = (count, sum w^2, sum w u, sum u^2) over directions not listed in d.
    """

    def __init__(self, d: np.ndarray, w: np.ndarray, u: np.ndarray, null=(0, 0.0, 0.0, 0.0)):
        self.d = d
        self.ww = w * w
        self.wu = w * u
        self.uu = u * u
        self.n0, self.ww0, self.wu0, self.uu0 = null
        self.n = d.size + int(self.n0)
        self.df = float(self.n - 1)  # ni_test - n_cvt
        self.i_ww = float(self.ww.sum()) + self.ww0

    def _sums(self, hp: np.ndarray) -> tuple[float, float, float, float]:
        return (
            float(hp @ self.ww) + self.ww0,
            float(hp @ self.wu) + self.wu0,
            float(hp @ self.uu) + self.uu0,
            float(hp.sum()) + self.n0,
        )

    def logrl(self, lam: float) -> float:
        """GEMMA LogRL_f."""
        v = lam * self.d + 1.0
        logdet_h = float(np.sum(np.log(np.abs(v))))
        p_ww, p_wy, p_yy0, _ = self._sums(1.0 / v)
        logdet_hiw = math.log(p_ww) - math.log(self.i_ww)
        p_yy = p_yy0 - p_wy * p_wy / p_ww if p_ww != 0 else p_yy0
        if p_yy == 0.0:
            p_yy = 1e-8
        df = self.df
        c = 0.5 * df * (math.log(df) - math.log(2 * math.pi) - 1.0)
        return c - 0.5 * logdet_h - 0.5 * logdet_hiw - 0.5 * df * math.log(p_yy)

    def _pieces(self, lam: float) -> dict:
        h = 1.0 / (lam * self.d + 1.0)
        h2 = h * h
        p_ww, p_wy, p_yy0, tr_h = self._sums(h)
        pp_ww, pp_wy, pp_yy0, tr_h2 = self._sums(h2)
        ppp_ww, ppp_wy, ppp_yy0, _ = self._sums(h2 * h)
        if p_ww != 0:
            p_yy = p_yy0 - p_wy * p_wy / p_ww
            pp_yy = pp_yy0 + p_wy * p_wy * pp_ww / (p_ww * p_ww) - 2.0 * p_wy * pp_wy / p_ww
            ppp_yy = (
                ppp_yy0
                - p_wy * p_wy * pp_ww * pp_ww / (p_ww * p_ww * p_ww)
                - (p_wy * ppp_wy + p_wy * ppp_wy + pp_wy * pp_wy) / p_ww
                + (p_wy * pp_wy * pp_ww + p_wy * pp_wy * pp_ww + p_wy * p_wy * ppp_ww)
                / (p_ww * p_ww)
            )
            trace_p = tr_h - pp_ww / p_ww
            trace_pp = tr_h2 + pp_ww * pp_ww / (p_ww * p_ww) - 2.0 * ppp_ww / p_ww
        else:
            p_yy, pp_yy, ppp_yy = p_yy0, pp_yy0, ppp_yy0
            trace_p, trace_pp = tr_h, tr_h2
        return dict(p_yy=p_yy, pp_yy=pp_yy, ppp_yy=ppp_yy, trace_p=trace_p, trace_pp=trace_pp)

    def dev1(self, lam: float) -> float:
        """GEMMA LogRL_dev1: d logRL / d lambda."""
        q = self._pieces(lam)
        df = self.df
        trace_pk = (df - q["trace_p"]) / lam
        ypkpy = (q["p_yy"] - q["pp_yy"]) / lam
        return -0.5 * trace_pk + 0.5 * df * ypkpy / q["p_yy"]

    def dev12(self, lam: float) -> tuple[float, float]:
        """GEMMA LogRL_dev12: first and second derivatives."""
        q = self._pieces(lam)
        df = self.df
        trace_pk = (df - q["trace_p"]) / lam
        trace_pkpk = (df + q["trace_pp"] - 2.0 * q["trace_p"]) / (lam * lam)
        p_yy = q["p_yy"]
        ypkpy = (p_yy - q["pp_yy"]) / lam
        ypkpkpy = (p_yy + q["ppp_yy"] - 2.0 * q["pp_yy"]) / (lam * lam)
        d1 = -0.5 * trace_pk + 0.5 * df * ypkpy / p_yy
        d2 = 0.5 * trace_pkpk - 0.5 * df * (2.0 * ypkpkpy * p_yy - ypkpy * ypkpy) / (p_yy * p_yy)
        return d1, d2


def _brent_root(f, lo: float, hi: float, f_lo: float, f_hi: float, max_iter: int = 100):
    """Brent-Dekker root bracketing as GSL's ``gsl_root_fsolver_brent`` steps it.

    Iterates until the bracket satisfies GSL's ``gsl_root_test_interval(lo, hi, 0, 0.1)``
    (width < 0.1 * min(|lo|, |hi|)), as GEMMA's CalcLambda asks. Returns the current root
    estimate, or None if GEMMA's loop would stop without convergence.
    """
    a, b = lo, hi
    fa, fb = f_lo, f_hi
    c, fc = b, fb
    d = e = b - a
    root = 0.5 * (lo + hi)
    for _ in range(max_iter):
        ac_equal = False
        if (fb < 0 and fc < 0) or (fb > 0 and fc > 0):
            ac_equal = True
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            ac_equal = True
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 0.5 * _DBL_EPS * abs(b)
        m = 0.5 * (c - b)
        if fb == 0 or abs(m) <= tol:
            root = b
            x_lo, x_hi = (b, c) if b < c else (c, b)
            if fb == 0:
                x_lo = x_hi = b
        else:
            if abs(e) < tol or abs(fa) <= abs(fb):
                d = e = m
            else:
                s = fb / fa
                if ac_equal:
                    p = 2 * m * s
                    q = 1 - s
                else:
                    qq = fa / fc
                    r = fb / fc
                    p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1))
                    q = (qq - 1) * (r - 1) * (s - 1)
                if p > 0:
                    q = -q
                else:
                    p = -p
                if 2 * p < min(3 * m * q - abs(tol * q), abs(e * q)):
                    e = d
                    d = p / q
                else:
                    d = e = m
            a, fa = b, fb
            if abs(d) > tol:
                b += d
            else:
                b += tol if m > 0 else -tol
            fb = f(b)
            root = b
            cc = a if ((fb < 0 and fc < 0) or (fb > 0 and fc > 0)) else c
            x_lo, x_hi = (b, cc) if b < cc else (cc, b)
        # gsl_root_test_interval(x_lo, x_hi, 0, 0.1)
        if (x_lo > 0 and x_hi > 0) or (x_lo < 0 and x_hi < 0):
            min_abs = min(abs(x_lo), abs(x_hi))
        else:
            min_abs = 0.0
        if abs(x_hi - x_lo) < 0.1 * min_abs:
            return root
    return None


def gemma_reml_lambda(
    d: np.ndarray,
    w: np.ndarray,
    u: np.ndarray,
    l_min: float = GEMMA_L_MIN,
    l_max: float = GEMMA_L_MAX,
    n_region: int = GEMMA_N_REGION,
    null: tuple[int, float, float, float] = (0, 0.0, 0.0, 0.0),
) -> tuple[float, float]:
    """GEMMA CalcLambda('R'): REML lambda and its log restricted likelihood (spec c.2).

    ``d`` = eigenvalues of K (small ones zeroed), ``w`` = U'1, ``u`` = U'y (``null``: totals
    over eigen-directions with d = 0 left out of d, see _NullReml). Scans n_region
    equal intervals of log lambda for sign changes of the derivative; in each, Brent (GSL
    semantics, interval tolerance 0.1) then Newton (relative step < 1e-5), keeping the
    second-to-last Newton iterate as GEMMA does; the best root is compared with both
    endpoints. A Newton failure (zero derivative, non-finite value, leaving the range before
    converging, 100 steps) gives (nan, nan) as in GEMMA.
    """
    model = _NullReml(d, w, u, null)
    step = math.log(l_max / l_min) / n_region
    brackets = []
    for i in range(n_region):
        lo = l_min * math.exp(step * i)
        hi = l_min * math.exp(step * (i + 1.0))
        f_lo, f_hi = model.dev1(lo), model.dev1(hi)
        if f_lo * f_hi <= 0:
            brackets.append((lo, hi, f_lo, f_hi))
    if not brackets:
        f_lo, f_hi = model.logrl(l_min), model.logrl(l_max)
        return (l_min, f_lo) if f_lo >= f_hi else (l_max, f_hi)

    lam = float("nan")
    logf = float("nan")
    for i, (lo, hi, f_lo, f_hi) in enumerate(brackets):
        l = _brent_root(model.dev1, lo, hi, f_lo, f_hi)
        if l is None:  # GEMMA breaks out of the region loop
            break
        fval, dval = model.dev12(l)
        ok = False
        l_prev = l
        for _ in range(100):
            if dval == 0.0:
                return float("nan"), float("nan")
            l_new = l - fval / dval
            fval, dval = model.dev12(l_new)
            if not math.isfinite(fval):
                return float("nan"), float("nan")
            l_prev, l = l, l_new
            if abs(l - l_prev) < 1e-5 * abs(l) or l == l_prev:
                ok = True
                break
            if not (l_min < l < l_max):
                break
        if not ok:
            return float("nan"), float("nan")
        l = min(max(l_prev, l_min), l_max)
        fl = model.logrl(l)
        if i == 0 or logf < fl:
            logf, lam = fl, l
    f_lo, f_hi = model.logrl(l_min), model.logrl(l_max)
    if f_lo > logf:
        lam, logf = l_min, f_lo
    if f_hi > logf:
        lam, logf = l_max, f_hi
    return lam, logf


@dataclass
class BlupFit:
    """Result of :func:`gemma_blup_fit` (GEMMA ``-bslmm 2``)."""

    alpha: np.ndarray  # length p; NaN for SNPs GEMMA drops
    lam: float  # REML sigma_g^2 / sigma_e^2 ("lambda")
    pve: float  # trace_G*lambda / (trace_G*lambda + 1), as GEMMA logs it
    logl: float  # REML log-likelihood at lambda
    kept: np.ndarray  # boolean mask of SNPs GEMMA analyses
    n: int  # analysed samples


def gemma_blup_fit(dosage: np.ndarray, y: np.ndarray) -> BlupFit | None:
    """GEMMA 0.98.5 ``-bslmm 2`` with FUSION's flags; see :func:`gemma_blup`. None = GEMMA errors
    out (no analysed sample or no SNP left)."""
    x_all = np.asarray(dosage, dtype=np.float64)
    yv = np.asarray(y, dtype=np.float64).ravel()
    if x_all.ndim != 2 or x_all.shape[0] != yv.shape[0]:
        raise ValueError("dosage must be n x p with n = len(y)")
    p_all = x_all.shape[1]
    samples = _phenotype_mask(yv)
    n = int(samples.sum())
    if n == 0:
        return None
    x = x_all[samples]
    keep = gemma_snp_filter(x)
    p = int(keep.sum())
    if p == 0:
        return None
    xc = _centred_genotypes(x[:, keep])
    yc = yv[samples] - yv[samples].mean()

    # K = XX'/p = U diag(d) U'. Only directions with d >= 1e-10 (GEMMA zeroes the rest) enter
    # alpha; the others have h = 1 for every lambda and enter the likelihood through totals.
    ones = np.ones(n)
    if p < n:
        # eigen-decompose the smaller Gram matrix X'X/p (same nonzero spectrum as K).
        ev, v = np.linalg.eigh((xc.T @ xc) / p)
        big = ev >= _EIGEN_ZERO
        d = ev[big]
        uvec = xc @ (v[:, big] / np.sqrt(ev[big] * p))
    else:
        ev, uall = np.linalg.eigh((xc @ xc.T) / p)
        big = ev >= _EIGEN_ZERO
        d = ev[big]
        uvec = uall[:, big]
    w = uvec.T @ ones
    u = uvec.T @ yc
    null = (
        n - d.size,
        float(n) - float(w @ w),
        float(ones @ yc) - float(w @ u),
        float(yc @ yc) - float(u @ u),
    )
    trace_g = float(d.sum()) / n
    lam, logl = gemma_reml_lambda(d, w, u, null=null)
    if math.isfinite(lam):
        alpha_kept = (lam / p) * (xc.T @ (uvec @ (u / (lam * d + 1.0))))
    else:
        alpha_kept = np.full(p, np.nan)
    alpha = np.full(p_all, np.nan)
    alpha[keep] = alpha_kept
    pve = trace_g * lam / (trace_g * lam + 1.0) if math.isfinite(lam) else float("nan")
    return BlupFit(alpha=alpha, lam=float(lam), pve=float(pve), logl=float(logl), kept=keep, n=n)


def gemma_blup(dosage: np.ndarray, y: np.ndarray) -> np.ndarray:
    """FUSION "blup" weights: GEMMA 0.98.5 ``-bslmm 2`` ``alpha`` (beta = gamma = 0) (spec c.2).

    Parameters
    ----------
    dosage
        n x p dosages of the PLINK A1 allele of the file GEMMA reads (NaN = missing call).
        For FUSION's full-data fit that is the TMP ``--make-bed`` copy, whose A1 is the
        minor allele.
    y
        The .fam phenotype of that file (FUSION: raw, ``--rn``-transformed, or covariate-
        residualised and scaled). NaN or -9 = missing (sample not analysed).

    Returns
    -------
    Length-p per-allele weights alpha_j = (lambda/p) x_j' U diag(1/(lambda d + 1)) U'y, with X
    the centred genotypes (missing calls at the mean) of the analysed samples and SNPs; NaN for
    SNPs GEMMA drops (one genotype class only) -- FUSION stores those as NA. All NaN if GEMMA
    would fail (no sample, no SNP, or its Newton step fails).
    """
    fit = gemma_blup_fit(dosage, y)
    if fit is None:
        return np.full(np.asarray(dosage).shape[1], np.nan)
    return fit.alpha


def gemma_bslmm(dosage: np.ndarray, y: np.ndarray, seed: int = 1) -> np.ndarray:
    """FUSION "bslmm" weights (GEMMA ``-bslmm 1``); see spec c.3."""
    raise TwasError("bslmm not supported yet")
