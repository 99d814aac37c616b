"""SuSiE fine-mapping from summary statistics, as run by ``coloc::runsusie``.

A numpy port of the code path of susieR 0.12.35 that coloc 6.0.1 uses:
``susie_rss(z, R, n)`` -> ``susie_suff_stat`` with its defaults (L = 10, scaled prior variance
0.2, prior variance re-estimated by ``optim(method = "Brent")``, residual variance fixed at 1,
tol = 1e-3), then ``susie_get_cs`` (coverage 0.95, purity >= 0.5) and ``susie_get_pip``.
Behaviour was read from the byte-compiled functions of Debian's susieR 0.12.35
(``Rscript -e 'print(susieR:::single_effect_regression_ss)'`` etc.) and from R's
``stats::optimize`` (Brent's fmin, ``src/library/stats/src/optimize.c``), which ``optim``'s
"Brent" method calls. See shared/spec/ALGORITHMS.md section (e.2).

Only the branch that FUSION reaches is ported: ``n`` given, no ``bhat``/``shat``/``var_y``, no
null weight, no MAF filter, no ``s_init``/``refine``, residual variance not estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "SusieError",
    "SusieFit",
    "CredibleSets",
    "brent_fmin",
    "susie_rss",
    "susie_suff_stat",
    "susie_get_cs",
    "susie_get_pip",
]

_LN_SQRT_2PI = 0.918938533204672741780329736406  # R's M_LN_SQRT_2PI
_DBL_MAX = np.finfo(float).max
_R_TOL = math.sqrt(np.finfo(float).eps)  # optim()'s default reltol, used as optimize()'s tol


class SusieError(ValueError):
    """An input or a fit that makes susieR stop() with an error."""


@dataclass
class CredibleSets:
    """``susie_get_cs`` output. Indices are 0-based (R's are 1-based).

    ``cs[k]`` holds the sorted SNP indices of the k-th set; ``cs_index[k]`` is the effect (row of
    ``alpha``/``lbf_variable``) it came from. Sets are ordered by decreasing min |corr|, as in R.
    ``purity`` has columns (min.abs.corr, mean.abs.corr, median.abs.corr).
    """

    cs: list = field(default_factory=list)
    cs_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    coverage: np.ndarray = field(default_factory=lambda: np.zeros(0))
    purity: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    requested_coverage: float = 0.95

    def __len__(self) -> int:
        return len(self.cs)


@dataclass
class SusieFit:
    """The parts of a susieR fit object that coloc and FUSION use (L x p matrices)."""

    alpha: np.ndarray
    mu: np.ndarray
    mu2: np.ndarray
    V: np.ndarray
    lbf: np.ndarray
    lbf_variable: np.ndarray
    KL: np.ndarray
    sigma2: float
    elbo: np.ndarray
    niter: int
    converged: bool
    pi: np.ndarray
    sets: CredibleSets
    pip: np.ndarray


# --------------------------------------------------------------------------------------------
# R numerics
# --------------------------------------------------------------------------------------------

def brent_fmin(f, lower: float, upper: float, tol: float = _R_TOL) -> float:
    """Minimise ``f`` on [lower, upper] the way R's ``optimize()`` does (Brent 1973 localmin).

    Reimplements the C routine ``Brent_fmin`` behind ``stats::optimize``, which
    ``optim(method = "Brent")`` calls with ``tol = reltol = sqrt(.Machine$double.eps)``; the
    starting ``par`` given to optim is ignored. Non-finite ``f`` values count as DBL_MAX, as in
    R's ``fcn1`` wrapper. Returns the abscissa only.
    """

    def fval(x: float) -> float:
        y = float(f(x))
        return y if math.isfinite(y) else _DBL_MAX

    golden = (3.0 - math.sqrt(5.0)) * 0.5
    eps = math.sqrt(np.finfo(float).eps)
    a, b = float(lower), float(upper)
    x = w = v = a + golden * (b - a)
    d = e = 0.0
    fx = fw = fv = fval(x)
    tol3 = tol / 3.0
    while True:
        xm = (a + b) * 0.5
        tol1 = eps * abs(x) + tol3
        t2 = tol1 * 2.0
        if abs(x - xm) <= t2 - (b - a) * 0.5:
            break
        p = q = r = 0.0
        if abs(e) > tol1:  # trial parabola through x, w, v
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = (q - r) * 2.0
            if q > 0.0:
                p = -p
            else:
                q = -q
            r = e
            e = d
        if abs(p) >= abs(q * 0.5 * r) or p <= q * (a - x) or p >= q * (b - x):
            e = (b - x) if x < xm else (a - x)  # golden-section step
            d = golden * e
        else:
            d = p / q  # parabolic step, kept away from the interval ends
            u = x + d
            if u - a < t2 or b - u < t2:
                d = tol1 if x < xm else -tol1
        if abs(d) >= tol1:
            u = x + d
        elif d > 0.0:
            u = x + tol1
        else:
            u = x - tol1
        fu = fval(u)
        if fu <= fx:
            if u < x:
                b = x
            else:
                a = x
            v, fv = w, fw
            w, fw = x, fx
            x, fx = u, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv = w, fw
                w, fw = u, fu
            elif fu <= fv or v == x or v == w:
                v, fv = u, fu
    return x


def _libm(fn, x: np.ndarray, fallback) -> np.ndarray:
    """Apply a scalar C-library function (math.exp, math.log, math.pow) elementwise.

    numpy's SIMD exp/log differ from the C library's in the last bit for ~20% of inputs, and
    R's x^(-1) is pow(), not 1/x; R uses the C library, and susieR's prior-variance optimiser
    is sensitive to last-bit differences, so the hot path uses these (~10-20 us for p ~ 300).
    ``fallback`` (a numpy ufunc) handles the domain errors that math raises (log(0), ...).
    """
    vals = x.ravel().tolist()
    try:
        out = np.fromiter(map(fn, vals), dtype=float, count=len(vals))
    except (ValueError, OverflowError, ZeroDivisionError):
        out = np.empty(len(vals))
        for k, v in enumerate(vals):
            try:
                out[k] = fn(v)
            except (ValueError, OverflowError, ZeroDivisionError):
                with np.errstate(all="ignore"):
                    out[k] = fallback(v)
    return out.reshape(x.shape)


def _exp(x: np.ndarray) -> np.ndarray:
    return _libm(math.exp, x, np.exp)


def _log(x: np.ndarray) -> np.ndarray:
    return _libm(math.log, x, np.log)


def _pow_m1(x: np.ndarray) -> np.ndarray:
    """R's x^(-1), i.e. C pow(x, -1)."""
    return _libm(lambda v: math.pow(v, -1.0), x, lambda v: np.power(v, -1.0))


def _rsum(x: np.ndarray) -> float:
    """R's sum() of doubles: sequential accumulation in long double, rounded to double."""
    x = np.asarray(x)
    if x.size == 0:
        return 0.0
    return float(np.cumsum(x.ravel(), dtype=np.longdouble)[-1])


class _SER:
    """Per-SNP quantities of one single-effect regression, with susieR's ``loglik(V)``.

    lbf_j(V) = dnorm(b_j; 0, sqrt(V + s2_j), log) - dnorm(b_j; 0, sqrt(s2_j), log), evaluated
    term by term as R's dnorm does; the second term does not depend on V and is cached. s2_j
    takes few distinct values (1/diag of the standardised X'X), so log(sd) is computed once per
    distinct value. Callers must run under np.errstate(all="ignore").
    """

    def __init__(self, betahat: np.ndarray, shat2: np.ndarray, prior_weights: np.ndarray):
        self.betahat = betahat
        self.pw = prior_weights
        self.inf_s2 = np.isinf(shat2)
        self.any_inf = bool(self.inf_s2.any())
        s2u, inv = np.unique(shat2, return_inverse=True)
        self.single = s2u.size == 1
        self.s2_unique = s2u
        self.s2_inv = inv
        self.t0 = self._dnorm_log(s2u)

    def _dnorm_log(self, var_unique: np.ndarray) -> np.ndarray:
        sd_u = np.sqrt(var_unique)
        logs = []
        for v in sd_u.tolist():
            logs.append(math.log(v) if v > 0 and v != math.inf else float(np.log(v)))
        if self.single:
            sd, logsd = sd_u[0], logs[0]
        else:
            sd, logsd = sd_u[self.s2_inv], np.array(logs)[self.s2_inv]
        u = np.abs(self.betahat / sd)
        out = -(_LN_SQRT_2PI + 0.5 * u * u + logsd)
        if self.any_inf or not np.all(np.isfinite(sd_u)):
            out = np.where(np.isinf(np.broadcast_to(sd, out.shape)), -np.inf, out)
        return out

    def lbf(self, V: float) -> np.ndarray:
        if V == 0.0:
            out = self.t0 - self.t0
        else:
            out = self._dnorm_log(V + self.s2_unique) - self.t0
        if self.any_inf:
            out[self.inf_s2] = 0.0
        return out

    def weights(self, lbf: np.ndarray):
        """(maxlbf, prior-weighted exp(lbf - maxlbf), their R sum)."""
        maxlbf = float(lbf.max())
        w = _exp(lbf - maxlbf) * self.pw
        return maxlbf, w, float(w.cumsum(dtype=np.longdouble)[-1])

    def loglik(self, V: float) -> float:
        maxlbf, _, total = self.weights(self.lbf(V))
        if total > 0:
            return math.log(total) + maxlbf
        if total == 0:
            return -math.inf
        return math.nan


def _is_symmetric_r(x: np.ndarray) -> bool:
    """Approximation of R's ``isSymmetric.matrix`` (all.equal with tol 100*eps; rows/cols
    1, 2, n-1, n first with tol 800*eps)."""
    if np.array_equal(x, x.T):
        return True
    tol = 100 * np.finfo(float).eps

    def all_equal(t: np.ndarray, c: np.ndarray, tolerance: float) -> bool:
        t = np.ravel(t)
        c = np.ravel(c)
        diff = t != c
        if not diff.any():
            return True
        t, c = t[diff], c[diff]
        xy = np.sum(np.abs(t - c)) / t.size
        xn = np.sum(np.abs(t)) / t.size
        if np.isfinite(xn) and xn > tolerance:
            xy = xy / xn
        return bool(np.isfinite(xy) and xy <= tolerance)

    n = x.shape[0]
    if n > 1:
        for i in sorted({0, 1, n - 2, n - 1}):
            if not all_equal(x[i, :], x[:, i], 8 * tol):
                return False
    return all_equal(x, x.T, tol)


# --------------------------------------------------------------------------------------------
# IBSS
# --------------------------------------------------------------------------------------------

def _optimize_prior_variance(method: str, ser: _SER, V_init: float,
                             check_null_threshold: float) -> float:
    """susieR ``optimize_prior_variance`` for method "optim": Brent on log V in [-30, 15], the
    initial V kept if it is better, then V = 0 if the null is at least as likely."""
    V = V_init
    if method == "optim":
        def negll(lv: float) -> float:
            return -ser.loglik(math.exp(lv))

        lV = brent_fmin(negll, -30.0, 15.0, _R_TOL)
        lV_init = math.log(V) if V > 0 else -math.inf
        if negll(lV) > -ser.loglik(math.exp(lV_init)):
            lV = lV_init
        V = math.exp(lV)
    if ser.loglik(0.0) + check_null_threshold >= ser.loglik(V):
        V = 0.0
    return V


def _single_effect_regression_ss(XtR: np.ndarray, dXtX: np.ndarray, V: float, sigma2: float,
                                 prior_weights: np.ndarray, method: str,
                                 check_null_threshold: float):
    """susieR ``single_effect_regression_ss``: one SER on the residualised X'y (run under
    np.errstate(all="ignore"))."""
    betahat = (1.0 / dXtX) * XtR
    shat2 = sigma2 / dXtX
    ser = _SER(betahat, shat2, prior_weights)
    if method == "optim":
        V = _optimize_prior_variance("optim", ser, V, check_null_threshold)
    lbf = ser.lbf(V)
    maxlbf, w_weighted, weighted_sum_w = ser.weights(lbf)
    alpha = w_weighted / weighted_sum_w
    post_var = _pow_m1(np.float64(1.0) / np.float64(V) + dXtX / sigma2)
    post_mean = (1.0 / sigma2) * post_var * XtR
    post_mean2 = post_var + post_mean ** 2
    lbf_model = maxlbf + (math.log(weighted_sum_w) if weighted_sum_w > 0 else -math.inf)
    if method == "EM":
        V = _rsum(alpha * post_mean2)
        if ser.loglik(0.0) + check_null_threshold >= ser.loglik(V):
            V = 0.0
    return alpha, post_mean, post_mean2, lbf, V, float(lbf_model)


def _expected_rss(XtX, d, Xty, yty, alpha, mu, mu2) -> float:
    """susieR ``get_ER2_ss``: E||y - Xb||^2 under the variational posterior."""
    B = alpha * mu
    XB2 = np.sum((B @ XtX) * B)
    betabar = B.sum(axis=0)
    postb2 = alpha * mu2
    return float(yty - 2.0 * np.sum(betabar * Xty) + np.sum(betabar * (XtX @ betabar))
                 - XB2 + np.sum(postb2 * d[None, :]))


def _elbo(XtX, d, Xty, yty, n, sigma2, alpha, mu, mu2, KL) -> float:
    """susieR ``get_objective_ss`` = Eloglik_ss - sum(KL)."""
    er2 = _expected_rss(XtX, d, Xty, yty, alpha, mu, mu2)
    eloglik = -n / 2.0 * math.log(2.0 * math.pi * sigma2) - 1.0 / (2.0 * sigma2) * er2
    return eloglik - float(np.sum(KL))


def susie_get_cs(alpha: np.ndarray, V: np.ndarray | None, Xcorr: np.ndarray | None,
                 coverage: float = 0.95, min_abs_corr: float = 0.5,
                 n_purity: int = 100) -> CredibleSets:
    """Credible sets as susieR ``susie_get_cs`` (dedup = TRUE, squared = FALSE).

    Differs from R only for a set larger than ``n_purity`` SNPs: R computes its purity on a
    random ``sample()`` of n_purity SNPs; here all its SNPs are used (the pass/fail decision at
    ``min_abs_corr`` can only become stricter, so a set kept here is also kept by R).
    """
    L, p = alpha.shape
    include = np.ones(L, dtype=bool) if V is None else (np.asarray(V) > 1e-9)
    sets, claimed = [], []
    for row in alpha:
        sorted_desc = np.sort(row)[::-1]
        k = int(np.sum(np.cumsum(sorted_desc) < coverage)) + 1
        order = np.argsort(-row, kind="stable")  # R's order(decreasing = TRUE) keeps ties
        members = np.sort(order[:k])
        sets.append(members)
        claimed.append(float(np.sum(row[members])))
    include &= np.array([len(s) > 0 for s in sets], dtype=bool)
    seen = []
    for i, s in enumerate(sets):  # R's duplicated() over all L rows, included or not
        key = tuple(s.tolist())
        if key in seen:
            include[i] = False
        seen.append(key)
    out = CredibleSets(requested_coverage=coverage)
    if not include.any():
        return out
    inc_rows = np.flatnonzero(include)
    if Xcorr is None:
        out.cs = [sets[i] for i in inc_rows]
        out.cs_index = inc_rows
        out.coverage = np.array([claimed[i] for i in inc_rows])
        return out
    purity = np.empty((inc_rows.size, 3))
    for k, i in enumerate(inc_rows):
        s = sets[i]
        if s.size == 1:
            purity[k] = (1.0, 1.0, 1.0)
            continue
        sub = Xcorr[np.ix_(s, s)]
        iu = np.triu_indices(s.size, 1)
        vals = np.abs(sub[iu])
        purity[k] = (np.min(vals), np.sum(vals) / vals.size, np.median(vals))
    pure = np.flatnonzero(purity[:, 0] >= min_abs_corr)
    if pure.size == 0:
        return out
    order = pure[np.argsort(-purity[pure, 0], kind="stable")]
    out.cs = [sets[inc_rows[k]] for k in order]
    out.cs_index = inc_rows[order]
    out.coverage = np.array([claimed[inc_rows[k]] for k in order])
    out.purity = purity[order]
    return out


def susie_get_pip(alpha: np.ndarray, V: np.ndarray, prior_tol: float = 1e-9) -> np.ndarray:
    """susieR ``susie_get_pip`` (prune_by_cs = FALSE): 1 - prod(1 - alpha) over effects with
    V > prior_tol."""
    keep = np.asarray(V) > prior_tol
    if not keep.any():
        return np.zeros(alpha.shape[1])
    return 1.0 - np.prod(1.0 - alpha[keep], axis=0)


def _cov2cor(X: np.ndarray) -> np.ndarray:
    """R's ``stats::cov2cor`` (diagonal set to exactly 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        Is = np.sqrt(1.0 / np.diag(X))
        r = (Is[:, None] * X) * Is[None, :]
    np.fill_diagonal(r, 1.0)
    return r


def susie_suff_stat(XtX: np.ndarray, Xty: np.ndarray, yty: float, n: float, *, L: int = 10,
                    scaled_prior_variance: float = 0.2, residual_variance: float | None = None,
                    estimate_prior_variance: bool = True, estimate_prior_method: str = "optim",
                    check_null_threshold: float = 0.0, prior_tol: float = 1e-9,
                    prior_weights: np.ndarray | None = None, standardize: bool = True,
                    max_iter: int = 100, coverage: float | None = 0.95,
                    min_abs_corr: float | None = 0.5, tol: float = 1e-3,
                    check_prior: bool = False, n_purity: int = 100) -> SusieFit:
    """IBSS on sufficient statistics, as susieR 0.12.35 ``susie_suff_stat``.

    Residual variance stays fixed (``estimate_residual_variance = FALSE``, as susie_rss passes).
    Raises SusieError where susieR stops with an error. Returns a SusieFit; ``converged`` is
    False (and no error raised) when max_iter is reached, as susieR only warns.
    """
    XtX = np.array(XtX, dtype=float)
    Xty = np.array(Xty, dtype=float)
    if estimate_prior_method not in ("optim", "EM"):
        raise ValueError("only estimate_prior_method 'optim' and 'EM' are ported")
    if n <= 1:
        raise SusieError("n must be greater than 1")
    if XtX.ndim != 2 or XtX.shape[0] != XtX.shape[1] or XtX.shape[1] != Xty.size:
        raise SusieError(f"The dimension of XtX ({XtX.shape[0]} by {XtX.shape[1]}) does not "
                         f"agree with expected ({Xty.size} by {Xty.size})")
    if not _is_symmetric_r(XtX):
        XtX = (XtX + XtX.T) / 2.0
    if np.any(np.isinf(Xty)):
        raise SusieError("Input Xty contains infinite values")
    if np.isnan(XtX).any():
        raise SusieError("Input XtX matrix contains NAs")
    Xty = np.where(np.isnan(Xty), 0.0, Xty)
    p = Xty.size
    if standardize:
        dXtX = np.diag(XtX).copy()
        csd = np.sqrt(dXtX / (n - 1))
        csd[csd == 0] = 1.0
        XtX = ((1.0 / csd)[:, None] * XtX).T / csd[:, None]
        Xty = Xty / csd
    # Column-major like R's matrix: numpy then calls BLAS dgemv with the same (non-transposed)
    # kernel as R's XtX %*% b, which gives bit-identical products with the same OpenBLAS.
    XtX = np.asfortranarray(XtX)
    d = np.diag(XtX).copy()

    # init_setup / init_finalize
    if scaled_prior_variance < 0:
        raise SusieError("Scaled prior variance should be positive number")
    if scaled_prior_variance > 1 and standardize:
        raise SusieError("Scaled prior variance should be no greater than 1 when "
                         "standardize = TRUE")
    varY = yty / (n - 1)
    sigma2 = float(varY if residual_variance is None else residual_variance)
    if sigma2 <= 0:
        raise SusieError("Residual variance sigma2 must be positive (is your var(Y) zero?)")
    if prior_weights is None:
        pw = np.full(p, 1.0 / p)
    else:
        pw = np.asarray(prior_weights, dtype=float)
        if np.all(pw == 0):
            raise SusieError("Prior weight should greater than 0 for at least one variable.")
        pw = pw / np.sum(pw)
    L = min(L, p)
    alpha = np.full((L, p), 1.0 / p)
    mu = np.zeros((L, p))
    mu2 = np.zeros((L, p))
    V = np.full(L, scaled_prior_variance * varY)
    KL = np.full(L, np.nan)
    lbf = np.full(L, np.nan)
    lbf_variable = np.full((L, p), np.nan)
    XtXr = np.zeros(p)

    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = ((1.0 / d) * Xty) / np.sqrt(sigma2 / d)
    finite_z = z0[~np.isnan(z0)]
    zm = float(np.max(np.abs(finite_z))) if finite_z.size else -math.inf
    method = estimate_prior_method if estimate_prior_variance else "none"

    elbo = [-math.inf]
    converged = False
    it = 0
    with np.errstate(all="ignore"):
        for it in range(1, max_iter + 1):
            for l in range(L):
                XtXr = XtXr - XtX @ (alpha[l] * mu[l])
                XtR = Xty - XtXr
                a, m, m2, lbf_l, V_l, lbf_model = _single_effect_regression_ss(
                    XtR, d, V[l], sigma2, pw, method, check_null_threshold)
                alpha[l], mu[l], mu2[l] = a, m, m2
                V[l] = V_l
                lbf[l] = lbf_model
                lbf_variable[l] = lbf_l
                Eb, Eb2 = a * m, a * m2
                KL[l] = -lbf_model + (-0.5 / sigma2) * (-2.0 * _rsum(Eb * XtR) + _rsum(d * Eb2))
                XtXr = XtXr + XtX @ (alpha[l] * mu[l])
            if check_prior and np.any(V > 100 * (zm * zm)):
                raise SusieError("The estimated prior variance is unreasonably large. This is "
                                 "usually caused by mismatch between the summary statistics and "
                                 "the LD matrix. Please check the input.")
            obj = _elbo(XtX, d, Xty, yty, n, sigma2, alpha, mu, mu2, KL)
            elbo.append(obj)
            if math.isinf(obj):
                raise SusieError("The objective becomes infinite. Please check the input.")
            if obj - elbo[-2] < tol:
                converged = True
                break

    sets = CredibleSets(requested_coverage=coverage if coverage is not None else 0.95)
    pip = np.full(p, np.nan)
    if coverage is not None and min_abs_corr is not None:
        if np.all(np.isin(d, (0.0, 1.0))):
            Xcorr = XtX
        else:
            Xcorr = _cov2cor(XtX)
        sets = susie_get_cs(alpha, V, Xcorr, coverage, min_abs_corr, n_purity)
        pip = susie_get_pip(alpha, V, prior_tol)
    return SusieFit(alpha=alpha, mu=mu, mu2=mu2, V=V, lbf=lbf, lbf_variable=lbf_variable,
                    KL=KL, sigma2=sigma2, elbo=np.array(elbo[1:]), niter=it, converged=converged,
                    pi=pw, sets=sets, pip=pip)


def susie_rss(z: np.ndarray, R: np.ndarray, n: float, *, max_iter: int = 100,
              **kwargs) -> SusieFit:
    """susieR 0.12.35 ``susie_rss(z, R, n, ...)`` (the branch with n and without var_y/shat).

    z is shrunk by sqrt((n-1)/(z^2+n-2)); then XtX = (n-1)R, Xty = sqrt(n-1) z, yty = n-1 go to
    :func:`susie_suff_stat` with check_prior = TRUE. Missing z become 0 as in R.
    """
    z = np.array(z, dtype=float)
    R = np.asarray(R, dtype=float)
    p = z.size
    if R.ndim != 2 or R.shape[0] != p:
        raise SusieError(f"The dimension of R ({R.shape[0]} x {R.shape[-1]}) does not agree "
                         f"with expected ({p} x {p})")
    if n is None or not np.isfinite(n):
        raise SusieError("n must be provided")
    if n <= 1:
        raise SusieError("n must be greater than 1")
    z[np.isnan(z)] = 0.0
    adj = (n - 1) / (z ** 2 + n - 2)
    z = np.sqrt(adj) * z
    kwargs.setdefault("check_prior", True)
    return susie_suff_stat((n - 1) * R, math.sqrt(n - 1) * z, (n - 1) * 1.0, n,
                           max_iter=max_iter, **kwargs)
