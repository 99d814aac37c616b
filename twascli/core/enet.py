"""R's ``cv.glmnet(x, y, alpha, nfolds=5, standardize=F)`` as FUSION's ``weights.enet`` calls it.

ALGORITHMS.md (d): the lambda/coefficient path comes from glmnet's Fortran ``elnet`` (shipped by
python-glmnet) called with R glmnet 4.1-6's arguments, including R's inner-algorithm choice
(covariance updates if p < 500, else naive: the "ka patch"); fold ids come from the R RNG
emulation; per-fold prediction at the main path's lambdas (lambda.interp), grouped MSE, cvm/cvsd
and lambda.min follow cv.glmnet.raw/buildPredmat/cvstats/getOptcv exactly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from twascli.core.rrng import RRandom, rep_len_seq
from twascli.errors import TwasError

_BIG = 9.9e35  # glmnet.control()$big, replaces infinite coefficient limits
_THRESH = 1e-7
_MAXIT = 100000
_NLAMBDA = 100


@dataclass
class GlmnetPath:
    """One glmnet fit: lambda path (decreasing), intercepts a0 (L,), coefficients beta (p, L)."""

    lambdas: np.ndarray
    a0: np.ndarray
    beta: np.ndarray


@dataclass
class CvGlmnetResult:
    """cv.glmnet's outputs FUSION touches, plus the CV curve for checking against R."""

    fit: GlmnetPath
    foldid: np.ndarray
    cvm: np.ndarray
    cvsd: np.ndarray
    lambda_min: float
    index_min: int  # 0-based position of lambda.min on the main path
    coef: np.ndarray  # coef(cv, s="lambda.min") without the intercept, length p


_ELNET = None


def _elnet():
    """python-glmnet's compiled ``elnet``, loaded without its package __init__ (which pulls in
    scikit-learn and costs ~1 s of start-up); falls back to a normal import."""
    global _ELNET
    if _ELNET is not None:
        return _ELNET
    import importlib.util
    import os
    import sys

    if importlib.util.find_spec("glmnet") is None:
        raise TwasError("TWASCLI_GLMNET=fortran: python-glmnet is not installed "
                        "(pip install python-glmnet, or twascli's test extra)")
    try:
        mod = sys.modules.get("glmnet._glmnet")
        if mod is None:
            spec = importlib.util.find_spec("glmnet")
            pkg_dir = os.path.dirname(spec.origin) if spec and spec.origin else None
            so = [f for f in os.listdir(pkg_dir) if f.startswith("_glmnet.")] if pkg_dir else []
            if so:
                ext = importlib.util.spec_from_file_location("glmnet._glmnet", os.path.join(pkg_dir, so[0]))
                mod = importlib.util.module_from_spec(ext)
                ext.loader.exec_module(mod)  # type: ignore[union-attr]
            else:
                from glmnet import _glmnet as mod  # type: ignore[no-redef]
        _ELNET = mod.elnet
    except Exception as exc:  # pragma: no cover - a broken install
        raise TwasError(f"python-glmnet: cannot load its elnet solver ({exc})") from None
    return _ELNET


def use_fortran() -> bool:
    """Whether paths come from python-glmnet's Fortran (TWASCLI_GLMNET=fortran, or no numba)
    rather than twascli's compiled port of the same algorithm (core/elnet.py, 3-4x faster)."""
    from twascli.core import elnet

    return os.environ.get("TWASCLI_GLMNET", "").lower() == "fortran" or not elnet.AVAILABLE


def glmnet_path(x: np.ndarray, y: np.ndarray, alpha: float = 0.5) -> GlmnetPath:
    """``glmnet(x, y, alpha, standardize=FALSE, intercept=TRUE)`` gaussian path, R's defaults."""
    n, p = x.shape
    if p <= 1:
        raise TwasError("elastic net: x should be a matrix with 2 or more columns (glmnet)")
    yd = np.array(y, dtype=np.float64, order="F")
    if np.ptp(yd) == 0:
        raise TwasError("elastic net: y is constant; gaussian glmnet fails at standardization step")
    ka = 1 if p < 500 else 2  # R: type.gaussian = "covariance" if nvars < 500 else "naive"
    flmin = 0.01 if n < p else 1e-4
    if not use_fortran():
        from twascli.core.elnet import elnet_path

        lambdas, a0, beta, jerr = elnet_path(x, yd, alpha, flmin, _NLAMBDA, _THRESH, _MAXIT, naive=ka == 2)
        if jerr > 0:
            raise TwasError(f"elastic net: glmnet solver failed (error code {jerr})")
        return _fix_lambda(GlmnetPath(lambdas=lambdas, a0=a0, beta=beta))
    elnet = _elnet()
    xf = np.array(x, dtype=np.float64, order="F")  # elnet centres x and y in place
    w = np.ones(n, dtype=np.float64)
    jd = np.zeros(1, dtype=np.int32)
    vp = np.ones(p, dtype=np.float64)
    cl = np.empty((2, p), dtype=np.float64, order="F")
    cl[0, :] = -_BIG
    cl[1, :] = _BIG
    nx = p  # pmax = min(2*dfmax + 20, nvars) with dfmax = nvars + 1
    ne = p + 1  # dfmax
    ulam = np.zeros(_NLAMBDA, dtype=np.float64)
    lmu, a0, ca, ia, nin, _rsq, alm, _nlp, jerr = elnet(
        ka, alpha, xf, yd, w, jd, vp, cl, nx, flmin, ulam, _THRESH,
        ne=ne, nlam=_NLAMBDA, isd=0, intr=1, maxit=_MAXIT,
    )
    if jerr > 0:
        raise TwasError(f"elastic net: glmnet solver failed (error code {jerr})")
    lmu = int(lmu)
    beta = np.zeros((p, lmu), dtype=np.float64)
    for k in range(lmu):
        m = int(nin[k])
        if m > 0:
            beta[ia[:m] - 1, k] = ca[:m, k]
    return _fix_lambda(GlmnetPath(lambdas=np.array(alm[:lmu], dtype=np.float64),
                                  a0=np.array(a0[:lmu], dtype=np.float64), beta=beta))


def _fix_lambda(fit: GlmnetPath) -> GlmnetPath:
    """glmnet's fix.lam: the first ('infinite') lambda becomes the extrapolation of the next two."""
    if fit.lambdas.shape[0] > 2:
        lam = fit.lambdas
        lam[0] = np.exp(2.0 * np.log(lam[1]) - np.log(lam[2]))
    return fit


def _r_approx(xs: np.ndarray, ys: np.ndarray, v: np.ndarray) -> np.ndarray:
    """R's ``approx(x, y, v)$y`` (linear, x increasing, v inside the range) as approx1 computes."""
    k = xs.shape[0]
    i = np.clip(np.searchsorted(xs, v, side="right") - 1, 0, k - 2)
    j = i + 1
    out = ys[i] + (ys[j] - ys[i]) * ((v - xs[i]) / (xs[j] - xs[i]))
    out = np.where(v == xs[i], ys[i], out)
    out = np.where(v == xs[j], ys[j], out)
    return out


def lambda_interp(lambdas: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """glmnet's ``lambda.interp``: 0-based left/right path indices and weights for lambdas S."""
    k = lambdas.shape[0]
    if k == 1:
        ones = np.zeros(s.shape[0], dtype=np.int64)
        return ones, ones, np.ones(s.shape[0])
    span = lambdas[0] - lambdas[-1]
    sfrac = (lambdas[0] - s) / span
    lam = (lambdas[0] - lambdas) / span
    sfrac = np.clip(sfrac, lam.min(), lam.max())
    coord = _r_approx(lam, np.arange(1, k + 1, dtype=np.float64), sfrac)
    left = np.floor(coord).astype(np.int64) - 1
    right = np.ceil(coord).astype(np.int64) - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (sfrac - lam[right]) / (lam[left] - lam[right])
    frac = np.where(left == right, 1.0, frac)
    frac = np.where(np.abs(lam[left] - lam[right]) < np.finfo(float).eps, 1.0, frac)
    return left, right, frac


def predict_at(fit: GlmnetPath, newx: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``predict(fit, newx, s=s)``: coefficients interpolated in lambda, then cbind(1,newx) %*% b."""
    left, right, frac = lambda_interp(fit.lambdas, s)
    b0 = fit.a0[left] * frac + fit.a0[right] * (1.0 - frac)
    b = fit.beta[:, left] * frac + fit.beta[:, right] * (1.0 - frac)
    return b0[None, :] + newx @ b


def r_foldid(rng: RRandom, n: int, nfolds: int = 5) -> np.ndarray:
    """cv.glmnet's default ``foldid = sample(rep(seq(nfolds), length = N))``."""
    return rng.sample(rep_len_seq(nfolds, n))


def _wmean_rows(mat: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Column-wise ``weighted.mean(col, w)`` with R's long-double sums."""
    num = np.sum(mat * w[:, None], axis=0, dtype=np.longdouble)
    return (num / np.sum(w, dtype=np.longdouble)).astype(np.float64)


def cv_glmnet(
    x: np.ndarray,
    y: np.ndarray,
    rng: RRandom | None,
    alpha: float = 0.5,
    nfolds: int = 5,
    foldid: np.ndarray | None = None,
) -> CvGlmnetResult:
    """``cv.glmnet(x, y, alpha, nfolds, intercept=T, standardize=F)``; draws foldid from RNG."""
    n = x.shape[0]
    if foldid is None:
        if rng is None:
            raise ValueError("cv_glmnet needs an RNG or fold ids")
        foldid = r_foldid(rng, n, nfolds)
    foldid = np.asarray(foldid, dtype=np.int64)
    nfolds = int(foldid.max())
    if nfolds < 3:
        raise TwasError("elastic net: nfolds must be bigger than 3; nfolds=10 recommended (cv.glmnet)")
    fit = glmnet_path(x, y, alpha)
    lam = fit.lambdas
    nl = lam.shape[0]
    predmat = np.empty((n, nl), dtype=np.float64)
    for k in range(1, nfolds + 1):
        held = foldid == k
        sub = glmnet_path(x[~held], y[~held], alpha)
        predmat[held, :] = predict_at(sub, x[held], lam)
    yv = np.asarray(y, dtype=np.float64)
    cvraw = (yv[:, None] - predmat) ** 2
    grouped = not (n / nfolds < 3)
    if grouped:
        wts = np.array([np.sum(foldid == k) for k in range(1, nfolds + 1)], dtype=np.float64)
        per_fold = np.empty((nfolds, nl), dtype=np.float64)
        for k in range(1, nfolds + 1):
            sel = foldid == k
            per_fold[k - 1] = _wmean_rows(cvraw[sel], np.ones(int(sel.sum())))
        big_n = nfolds
    else:
        wts = np.ones(n, dtype=np.float64)
        per_fold = cvraw
        big_n = n
    cvm = _wmean_rows(per_fold, wts)
    cvsd = np.sqrt(_wmean_rows((per_fold - cvm[None, :]) ** 2, wts) / (big_n - 1))
    cvmin = np.nanmin(cvm)
    lambda_min = float(np.max(lam[cvm <= cvmin]))
    idx = int(np.nonzero(lam == lambda_min)[0][0])
    return CvGlmnetResult(
        fit=fit,
        foldid=foldid,
        cvm=cvm,
        cvsd=cvsd,
        lambda_min=lambda_min,
        index_min=idx,
        coef=fit.beta[:, idx].copy(),
    )


def fusion_enet_weights(
    genos: np.ndarray,
    pheno: np.ndarray,
    rng: RRandom | None = None,
    alpha: float = 0.5,
    foldid: np.ndarray | None = None,
) -> np.ndarray:
    """FUSION ``weights.enet``: drop zero/NA-sd columns, cv.glmnet, lambda.min coefficients.

    The fold ids are drawn from RNG unless given (pre-drawn in R's order, see core.cv).
    """
    p = genos.shape[1]
    wgt = np.zeros(p, dtype=np.float64)
    finite = np.all(np.isfinite(genos), axis=0)
    keep = finite & (np.ptp(np.where(finite, genos, 0.0), axis=0) != 0)
    if foldid is None:
        if rng is None:
            raise ValueError("fusion_enet_weights needs an RNG or fold ids")
        foldid = r_foldid(rng, genos.shape[0], 5)
    res = cv_glmnet(np.ascontiguousarray(genos[:, keep]), pheno, rng, alpha=alpha, nfolds=5, foldid=foldid)
    wgt[keep] = res.coef
    return wgt
