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

__all__ = [
    "GEMMA_L_MIN",
    "GEMMA_L_MAX",
    "GEMMA_N_REGION",
    "BlupFit",
    "gemma_snp_filter",
    "gemma_blup",
    "gemma_blup_fit",
    "gemma_reml_lambda",
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


@dataclass
class _GemmaData:
    """GEMMA's preprocessed inputs (spec c.1) in the eigenbasis of K = XX'/p.

    Only eigen-directions with d >= 1e-10 are kept (``uvec``, ``d``); GEMMA zeroes the
    others, where h = 1/(lambda d + 1) = 1 for every lambda and U'x = 0, so they enter only
    through ``null`` = (count, sum w^2, sum w u, sum u^2) with w = U'1, u = U'y.
    """

    keep: np.ndarray  # SNPs analysed (mask over the input columns)
    n: int  # analysed samples
    p: int  # analysed SNPs
    xc: np.ndarray  # n x p centred genotypes
    d: np.ndarray  # kept eigenvalues of K
    uvec: np.ndarray  # n x r eigenvectors
    w: np.ndarray  # U'1
    u: np.ndarray  # U'y (y centred)
    null: tuple[int, float, float, float]
    trace_g: float  # mean eigenvalue of K (over all n)


def _gemma_prepare(dosage: np.ndarray, y: np.ndarray) -> _GemmaData | None:
    """Samples, SNP filter, centring and eigendecomposition shared by -bslmm 2 and 1.

    None when GEMMA has nothing to analyse (no phenotyped sample or no SNP left).
    """
    x_all = np.asarray(dosage, dtype=np.float64)
    yv = np.asarray(y, dtype=np.float64).ravel()
    if x_all.ndim != 2 or x_all.shape[0] != yv.shape[0]:
        raise ValueError("dosage must be n x p with n = len(y)")
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
    if p < n:
        # the smaller Gram matrix X'X/p has the same non-zero spectrum as K
        ev, v = np.linalg.eigh((xc.T @ xc) / p)
        big = ev >= _EIGEN_ZERO
        uvec = xc @ (v[:, big] / np.sqrt(ev[big] * p))
    else:
        ev, uall = np.linalg.eigh((xc @ xc.T) / p)
        big = ev >= _EIGEN_ZERO
        uvec = uall[:, big]
    d = ev[big]
    ones = np.ones(n)
    w = uvec.T @ ones
    u = uvec.T @ yc
    null = (
        n - d.size,
        float(n) - float(w @ w),
        float(ones @ yc) - float(w @ u),
        float(yc @ yc) - float(u @ u),
    )
    return _GemmaData(keep, n, p, xc, d, uvec, w, u, null, float(d.sum()) / n)


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
    gd = _gemma_prepare(dosage, y)
    if gd is None:
        return None
    lam, logl = gemma_reml_lambda(gd.d, gd.w, gd.u, null=gd.null)
    if math.isfinite(lam):
        alpha_kept = (lam / gd.p) * (gd.xc.T @ (gd.uvec @ (gd.u / (lam * gd.d + 1.0))))
    else:
        alpha_kept = np.full(gd.p, np.nan)
    keep, n, trace_g = gd.keep, gd.n, gd.trace_g
    p_all = keep.size
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


# --------------------------------------------------------------------------------------------
# -bslmm 1: BSLMM MCMC (spec c.3)
# --------------------------------------------------------------------------------------------

#: GEMMA defaults under FUSION's flags: -w 100000 burn-in, -s 1000000 sampling, -rpace 1000.
GEMMA_BSLMM_BURNIN = 100_000
GEMMA_BSLMM_SAMPLING = 1_000_000
GEMMA_BSLMM_RPACE = 1000
_GEO_MEAN = 2000.0
_S_MAX = 300


class _Uniforms:
    """Buffered U(0,1) draws from a numpy Generator (one array call per block)."""

    def __init__(self, rng: np.random.Generator, block: int = 65536):
        self.rng = rng
        self.block = block
        self.buf = rng.random(block).tolist()
        self.i = 0

    def __call__(self) -> float:
        if self.i == self.block:
            self.buf = self.rng.random(self.block).tolist()
            self.i = 0
        v = self.buf[self.i]
        self.i += 1
        return v


def _mle_loglik_two_lambdas(d, w, u, utx, null, n):
    """GEMMA MatrixCalcLR under BSLMM's l_min = 0, l_max = 1 quirk: per-SNP log LR.

    BSLMM::CopyFromParam passes h_min/h_max (0, 1) as the lambda range of the ranking step, so
    CalcLambda's log-spaced scan is all NaN and it takes the better endpoint. The MLE log
    likelihood is therefore evaluated at lambda = 0 and 1 only, for the null model (intercept)
    and for each SNP (intercept + SNP). Returns logLR_j = max_l L1_j(l) - max_l L0(l).
    """
    n0, ww0, wu0, uu0 = null
    c = 0.5 * n * (math.log(n) - math.log(2 * math.pi) - 1.0)
    best0 = -np.inf
    best1 = np.full(utx.shape[1], -np.inf)
    for lam in (0.0, 1.0):
        v = lam * d + 1.0
        h = 1.0 / v
        logdet = float(np.log(v).sum())
        p_ww = float(h @ (w * w)) + ww0
        p_wy = float(h @ (w * u)) + wu0
        p_yy = float(h @ (u * u)) + uu0
        hx = utx * h[:, None]
        p_xx = np.einsum("ij,ij->j", hx, utx)
        p_xy = hx.T @ u
        p_xw = hx.T @ w
        yy1 = p_yy - p_wy * p_wy / p_ww
        l0 = c - 0.5 * logdet - 0.5 * n * math.log(yy1 if yy1 != 0 else 1e-8)
        xx1 = p_xx - p_xw * p_xw / p_ww
        xy1 = p_xy - p_xw * p_wy / p_ww
        with np.errstate(divide="ignore", invalid="ignore"):
            yy2 = np.where(xx1 != 0, yy1 - xy1 * xy1 / xx1, yy1)
        yy2 = np.where(yy2 == 0, 1e-8, yy2)
        l1 = c - 0.5 * logdet - 0.5 * n * np.log(yy2)
        best0 = max(best0, l0)
        best1 = np.maximum(best1, l1)
    return best1 - best0


def _reflect(x: float, lo: float, hi: float) -> float:
    """GEMMA's random-walk boundary rule: a step past a bound is mirrored back inside it."""
    if x < lo:
        x = 2 * lo - x
    if x > hi:
        x = 2 * hi - x
    return x


def gemma_bslmm(
    dosage: np.ndarray,
    y: np.ndarray,
    seed: int = 1,
    burnin: int = GEMMA_BSLMM_BURNIN,
    sampling: int = GEMMA_BSLMM_SAMPLING,
    record_pace: int = GEMMA_BSLMM_RPACE,
) -> np.ndarray:
    """FUSION "bslmm" weights: GEMMA 0.98.5 ``-bslmm 1`` ``alpha + beta*gamma`` (spec c.3).

    Same inputs and SNP/sample handling as :func:`gemma_blup`. Runs GEMMA's BSLMM MCMC
    (``n_mh`` = 1 Metropolis-Hastings step per iteration for a quantitative trait; ``burnin``
    + ``sampling`` iterations, a draw recorded every ``record_pace`` sampling iterations, as
    FUSION's ``-rpace 1000``) and returns, per SNP, alpha_j + beta_j*gamma_j with alpha the
    Rao-Blackwellised mean of the small effects, beta the mean sampled large effect when
    included and gamma the inclusion frequency; NaN for SNPs GEMMA drops.

    Randomness: GEMMA seeds GSL's generator from the clock (FUSION passes no ``-seed``), so its
    output is not reproducible. Here every draw comes from ``numpy.random.default_rng(seed)``
    (uniforms buffered in blocks); draws GEMMA makes only for outputs FUSION ignores (the
    breeding-value noise ``Utu_rand``, tau in the no-large-effect case) are skipped. The
    chain therefore has GEMMA's transition kernel, not its random stream.

    Slow by nature: about 1.1 million iterations per call with FUSION's settings (tens of
    seconds to minutes per gene); opt-in, as in FUSION.
    """
    # imported here: scipy.linalg costs ~0.1 s of start-up that the default models do not need
    from scipy.linalg.lapack import dpotrf as _dpotrf
    from scipy.linalg.lapack import dpotrs as _dpotrs
    from scipy.linalg.lapack import dtrtrs as _dtrtrs
    from scipy.special import chdtri  # scipy.stats.chi2.isf (importing scipy.stats costs ~0.3 s)

    out = np.full(np.asarray(dosage).shape[1], np.nan)
    gd = _gemma_prepare(dosage, y)
    if gd is None:
        return out
    n, p, d, w, u, null, trace_g = gd.n, gd.p, gd.d, gd.w, gd.u, gd.null, gd.trace_g
    keep = gd.keep
    uu_null = null[3]
    utx = gd.uvec.T @ gd.xc  # r x p
    lam, _ = gemma_reml_lambda(d, w, u, null=null)
    if not math.isfinite(lam):
        return out
    pve_null = trace_g * lam / (trace_g * lam + 1.0)

    rng = np.random.default_rng(seed)
    unif = _Uniforms(rng)

    # proposal order: SNPs ranked by single-SNP log LR (stable, descending)
    loglr = _mle_loglik_two_lambdas(d, w, u, utx, null, n)
    order = np.argsort(-loglr, kind="stable")  # rank -> SNP column
    utx_rank_t = np.ascontiguousarray(utx[:, order].T)  # row r = U'x of the rank-r SNP

    # settings (param.cpp CheckParam for a_mode 11)
    h_min, h_max, rho_min, rho_max = 0.0, 1.0, 0.0, 1.0
    logp_min, logp_max = -math.log(p), 0.0
    h_scale = min(1.0, 10.0 / math.sqrt(n))
    rho_scale = min(1.0, 10.0 / math.sqrt(n))
    logp_scale = min(1.0, 5.0 / math.sqrt(n))
    s_min, s_max = 0, min(_S_MAX, p)

    # proposal distribution over ranks (CalcPgamma)
    ranks = np.arange(1, p + 1, dtype=np.float64)
    g = 1.0 / _GEO_MEAN
    p_gamma = 0.7 * g * (1.0 - g) ** (ranks - 1.0) + 0.3 / p
    p_gamma /= p_gamma.sum()
    cdf = np.cumsum(p_gamma)
    cdf[-1] = 1.0
    p_gamma_l = p_gamma.tolist()

    def draw_rank() -> int:
        return min(int(np.searchsorted(cdf, unif(), side="right")), p - 1)

    # initial values (InitialMCMC)
    q_genome = float(chdtri(1, 0.05 / p))
    n_gamma = int(np.sum(2.0 * loglr > q_genome))
    n_gamma = max(n_gamma, 10)
    n_gamma = min(n_gamma, s_max)
    n_gamma = max(n_gamma, s_min)
    rank_old = list(range(n_gamma))
    logp = math.log(n_gamma / p)
    h = pve_null
    if logp == 0:
        logp = -0.000001
    if h == 0:
        h = 0.1
    if trace_g != 0:
        sigma_a2 = h / (trace_g * (1 - h) * math.exp(logp) * p)
    else:
        sigma_a2 = h / ((1 - h) * math.exp(logp) * p)
    if sigma_a2 == 0:
        sigma_a2 = 0.025
    xg = utx_rank_t[rank_old]
    omega = np.eye(n_gamma) / sigma_a2 + xg @ xg.T
    xty = xg @ u
    rho = float(xty @ np.linalg.solve(omega, xty)) / (float(u @ u) + uu_null) / h
    rho = min(rho, 1.0)
    h = min(max(h, h_min), h_max)
    rho = min(max(rho, rho_min), rho_max)
    logp = min(max(logp, logp_min), logp_max)

    def log1m_exp(lp: float) -> float:
        e = math.exp(lp)
        return math.log1p(-e) if e < 1.0 else -math.inf

    def posterior(rank: list[int], hh: float, rr: float, lp: float):
        """CalcPosterior: (logpost, alpha_prime, beta) for the proposal."""
        k = len(rank)
        if hh >= 1.0 or trace_g == 0.0:
            return -math.inf, None, None
        sigma_b2 = hh * (1.0 - rr) / (trace_g * (1.0 - hh))
        dd = d * sigma_b2
        hi = 1.0 / (dd + 1.0)
        logdet_h = float(np.log1p(dd).sum())
        p_yy = float(hi @ (u * u)) + uu_null
        prior = (k - 1.0) * lp + (p - k) * log1m_exp(lp)
        if k == 0 or rr == 0:
            if not p_yy > 0:
                return -math.inf, None, None
            alpha_p = sigma_b2 * hi * u
            return -0.5 * logdet_h - 0.5 * n * math.log(p_yy) + prior, alpha_p, None
        sigma_a2_ = hh * rr / (trace_g * (1.0 - hh) * math.exp(lp) * p)
        xg_ = utx_rank_t[rank]  # k x r
        xgh = xg_ * hi
        om = xgh @ xg_.T
        om *= sigma_a2_
        om.flat[:: k + 1] += 1.0
        chol, info = _dpotrf(om, lower=1)
        if info != 0:
            return -math.inf, None, None
        logdet_o = 2.0 * float(np.log(np.diagonal(chol)).sum())
        xthiy = xgh @ u
        bhat, _ = _dpotrs(chol, xthiy, lower=1)
        bhat *= sigma_a2_
        p_yy -= float(xthiy @ bhat)
        if not p_yy > 0:
            return -math.inf, None, None
        tau = rng.gamma(n / 2.0, 2.0 / p_yy)
        z = rng.standard_normal(k)
        bsamp, _ = _dtrtrs(chol, z, lower=1, trans=1)  # solve L' b = z: b ~ N(0, Omega^-1)
        beta = bsamp * math.sqrt(sigma_a2_ / tau) + bhat
        utxb = xg_.T @ beta
        alpha_p = sigma_b2 * hi * (u - utxb)
        logpost = -0.5 * logdet_h - 0.5 * logdet_o - 0.5 * n * math.log(p_yy) + prior
        return logpost, alpha_p, beta

    logpost_old, alpha_old, beta_old = posterior(rank_old, h, rho, logp)
    if alpha_old is None:  # degenerate start (h = 1 or P_yy <= 0): GEMMA would produce NaN
        return out
    if beta_old is None:
        beta_old = np.zeros(len(rank_old))

    d_h = (h_max - h_min) * h_scale
    d_rho = (rho_max - rho_min) * rho_scale
    d_logp = min(0.1, (logp_max - logp_min) * logp_scale)

    beta_sum = np.zeros(p)  # by rank
    beta_cnt = np.zeros(p)
    alpha_sum = np.zeros(d.size)
    n_rec = 0
    total = burnin + sampling
    for t in range(total):
        repeat = 1 + int(unif() * 20) if unif() < 0.33 else 1
        # ProposeHnRho
        hn, rn = h, rho
        for _ in range(repeat):
            hn = hn + (unif() - 0.5) * d_h
            hn = _reflect(hn, h_min, h_max)
            rn = rn + (unif() - 0.5) * d_rho
            rn = _reflect(rn, rho_min, rho_max)
        # ProposeGamma
        rank_new = list(rank_old)
        inset = set(rank_new)
        k = len(rank_new)
        log_ratio = 0.0
        for _ in range(repeat):
            v = unif()
            if v < 0.40 and k < s_max:
                r_add = draw_rank()
                while r_add in inset:
                    r_add = draw_rank()
                prob_total = 1.0 - sum(p_gamma_l[r] for r in rank_new)
                inset.add(r_add)
                rank_new.append(r_add)
                k += 1
                log_ratio += -math.log(p_gamma_l[r_add] / prob_total) - math.log(k)
            elif 0.40 <= v < 0.80 and k > s_min:
                col = min(int(unif() * k), k - 1)
                r_rm = rank_new[col]
                prob_total = 1.0 - sum(p_gamma_l[r] for r in rank_new) + p_gamma_l[r_rm]
                inset.discard(r_rm)
                del rank_new[col]
                log_ratio += math.log(p_gamma_l[r_rm] / prob_total) + math.log(k)
                k -= 1
            elif v >= 0.80 and 0 < k < p:
                col = min(int(unif() * k), k - 1)
                r_rm = rank_new[col]
                r_add = draw_rank()
                while r_add in inset:
                    r_add = draw_rank()
                prob_total = 1.0 - sum(p_gamma_l[r] for r in rank_new)
                back = prob_total + p_gamma_l[r_rm] - p_gamma_l[r_add]
                log_ratio += math.log(p_gamma_l[r_rm] / back)
                log_ratio -= math.log(p_gamma_l[r_add] / prob_total)
                inset.discard(r_rm)
                inset.add(r_add)
                del rank_new[col]
                rank_new.append(r_add)
        rank_new.sort()
        # ProposePi
        lp_old = logp
        lpn = logp
        for _ in range(repeat):
            lpn = lp_old + (unif() - 0.5) * d_logp
            lpn = _reflect(lpn, logp_min, logp_max)
            log_ratio += lpn - lp_old
            lp_old = lpn
        logpost_new, alpha_new, beta_new = posterior(rank_new, hn, rn, lpn)
        ratio = log_ratio + logpost_new - logpost_old
        if ratio > 0 or math.log(max(unif(), 1e-300)) < ratio:
            h, rho, logp = hn, rn, lpn
            rank_old = rank_new
            logpost_old = logpost_new
            alpha_old = alpha_new
            beta_old = beta_new if beta_new is not None else np.zeros(len(rank_new))
        if t >= burnin and t % record_pace == 0:
            if rank_old:
                idx = np.asarray(rank_old)
                beta_sum[idx] += beta_old
                beta_cnt[idx] += 1.0
            alpha_sum += alpha_old
            n_rec += 1
    if n_rec == 0:
        return out
    alpha = (utx.T @ (alpha_sum / n_rec)) / p  # by SNP column
    with np.errstate(invalid="ignore", divide="ignore"):
        beta_mean = np.where(beta_cnt > 0, beta_sum / np.maximum(beta_cnt, 1.0), 0.0)
    gamma = beta_cnt / n_rec
    big_wgt = np.zeros(p)
    big_wgt[order] = beta_mean * gamma  # rank -> SNP column
    out[np.flatnonzero(keep)] = alpha + big_wgt
    return out
