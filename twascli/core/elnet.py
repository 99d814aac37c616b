"""glmnet's gaussian elastic-net path (Friedman, Hastie & Tibshirani 2010), compiled with numba.

The same coordinate descent as glmnet's Fortran ``elnet`` (ALGORITHMS.md (d)): ``standard``
(weighted centring, no scaling), then ``elnet1`` ("covariance" updates, used by R when p < 500)
or ``elnet2`` ("naive" updates, p >= 500), with glmnet's lambda sequence, strong-rule screening,
active-set cycling, convergence test (max xv*delta^2 < thr) and path-stopping rules. Two changes
make it 3.3-4.5x faster than the Fortran while giving the same paths to ~1e-12 (the order of
floating-point sums differs, nothing else):

- covariance updates read the Gram matrix X'X from one BLAS call instead of computing each
  column with a scalar loop when a variable enters, and cycle over the active set with its Gram
  block stored contiguously (vectorised updates);
- naive updates vectorise the residual dot products (reassociated sums).

Inputs are what FUSION's ``cv.glmnet(x, y, alpha=0.5, standardize=FALSE)`` passes: unit
observation weights and penalty factors, no coefficient limits (glmnet's +-9.9e35), intercept.
"""

from __future__ import annotations

import numpy as np

from twascli.core.jit import AVAILABLE  # noqa: F401 (re-exported: without numba, enet.py uses the Fortran)
from twascli.core.jit import jit as _jit
from twascli.core.jit import jit_reassoc as _jit_reassoc
from twascli.core.jit import kernel as _kernel

_SML, _EPS, _BIG, _MNLAM, _RSQMAX = 1.0e-5, 1.0e-6, 9.9e35, 5, 0.999  # glmnet.control() defaults


@_kernel("f8[,]F f8[] i8[] f8[] f8[] f8[] f8[] f8[] f8[]")
def _standard(x, y, ju, w, v, xm, xv, g, out):
    """glmnet ``standard`` with intr=1, isd=0, unit weights: centre X and y in place (scaled by
    sqrt(w)); fills column means xm, xv = column sums of squares, g = X'y and out = (y mean, sd).
    xm, xv and g come in zeroed; w and v are work space."""
    n, p = x.shape
    for i in range(n):
        w[i] = 1.0
    total = 0.0
    for i in range(n):
        total += w[i]
    for i in range(n):
        w[i] = w[i] / total
    for i in range(n):
        v[i] = np.sqrt(w[i])
    for j in range(p):
        if ju[j] == 0:
            continue
        t = 0.0
        for i in range(n):
            t += w[i] * x[i, j]
        xm[j] = t
        for i in range(n):
            x[i, j] = v[i] * (x[i, j] - t)
        t = 0.0
        for i in range(n):
            t += x[i, j] * x[i, j]
        xv[j] = t
    ym = 0.0
    for i in range(n):
        ym += w[i] * y[i]
    for i in range(n):
        y[i] = v[i] * (y[i] - ym)
    t = 0.0
    for i in range(n):
        t += y[i] * y[i]
    ys = np.sqrt(t)
    for i in range(n):
        y[i] = y[i] / ys
    for j in range(p):
        if ju[j] != 0:
            t = 0.0
            for i in range(n):
                t += y[i] * x[i, j]
            g[j] = t
    out[0] = ym
    out[1] = ys
    return 0


@_jit
def _next_lambda(m, alm, alf, bta, g, ju, vp):
    """glmnet's lambda for path step m (0-based): 'infinite' first, then lambda_max * alf^(m-1)."""
    if m >= 2:
        return alm * alf
    if m == 0:
        return _BIG
    top = 0.0
    for j in range(g.shape[0]):
        if ju[j] != 0 and vp[j] > 0.0:
            top = max(top, abs(g[j]) / vp[j])
    return alf * top / max(bta, 1.0e-3)


@_jit
def _shrink(u, v, k, cl, xv, vp, dem):
    """The coordinate update: soft-thresholded, scaled and clipped to glmnet's limits."""
    if v > 0.0:
        return max(cl[0, k], min(cl[1, k], np.copysign(v, u) / (xv[k] + vp[k] * dem)))
    return 0.0


@_jit
def _update(k, gk, a, cl, xv, vp, ab, dem):
    """Coordinate k's update from its gradient gk; returns the previous coefficient."""
    ak = a[k]
    u = gk + ak * xv[k]
    a[k] = _shrink(u, abs(u) - vp[k] * ab, k, cl, xv, vp, dem)
    return ak


@_jit
def _enter(k, nin, nx, mm, ia):
    """Append variable k to the active list; returns the new count (> nx: the list was full)."""
    nin += 1
    if nin <= nx:
        mm[k] = nin
        ia[nin - 1] = k
    return nin


@_jit
def _record(m, nin, alm, a, ia, ao, kin, almo):
    """Store path step m: the active coefficients, their count and lambda."""
    for ll in range(nin):
        ao[ll, m] = a[ia[ll]]
    kin[m] = nin
    almo[m] = alm


@_jit
def _stop_path(m, mnl, flmin, nin, ao, ne, rsq, rsq0):
    """glmnet's path-stopping rules after step m: too many nonzero, small or saturated R^2 gain."""
    if m + 1 < mnl or flmin >= 1.0:
        return False
    me = 0
    for ll in range(nin):
        if ao[ll, m] != 0.0:
            me += 1
    return me > ne or rsq - rsq0 < _SML * rsq or rsq > _RSQMAX


@_kernel("f8 i8[] f8[] f8[,] f8[] f8[,] f8[] i8 i8 i8 f8 f8 i8 f8[] i8[] i8[] f8[,] i8[] f8[] f8[] f8[,] f8[] i8[]")
def _elnet_cov(bta, ju, vp, cl, g, gram, xv, ne, nx, nlam, flmin, thr, maxit,
               a, mm, ia, ao, kin, almo, da, gram_a, g_a, err):
    """glmnet ``elnet1``: covariance updates of the gradient g from the Gram matrix. Returns the
    number of path steps; err[0] = glmnet's jerr. The arrays after maxit come in zeroed (_work);
    gram_a holds the Gram block of the active variables, in active order."""
    ni = g.shape[0]
    omb = 1.0 - bta
    alf = max(_EPS, flmin) ** (1.0 / (nlam - 1)) if flmin < 1.0 else 1.0
    rsq, alm = 0.0, 0.0  # R^2 so far, current lambda
    nlp, nin, iz, lmu, jerr = 0, 0, 0, 0, 0  # sweeps, active count, active-first flag, steps, error
    mnl = min(_MNLAM, nlam)
    for m in range(nlam):
        alm = _next_lambda(m, alm, alf, bta, g, ju, vp)
        dem = alm * omb
        ab = alm * bta
        rsq0 = rsq
        jz = 1
        overflow = False
        while True:
            if iz * jz == 0:  # a sweep over every variable
                nlp += 1
                dlx = 0.0
                for k in range(ni):
                    if ju[k] == 0:
                        continue
                    ak = _update(k, g[k], a, cl, xv, vp, ab, dem)
                    if a[k] == ak:
                        continue
                    if mm[k] == 0:
                        nin = _enter(k, nin, nx, mm, ia)
                        if nin > nx:
                            overflow = True
                            break
                        for ll in range(nin):
                            gram_a[nin - 1, ll] = gram[k, ia[ll]]
                            gram_a[ll, nin - 1] = gram[ia[ll], k]
                    d = a[k] - ak
                    rsq = rsq + d * (2.0 * g[k] - d * xv[k])
                    dlx = max(xv[k] * d * d, dlx)
                    row = gram[k]
                    for j in range(ni):
                        g[j] = g[j] - row[j] * d
                if dlx < thr or overflow:
                    break
                if nlp > maxit:
                    err[0] = -(m + 1)
                    return lmu
            iz = 1
            for ll in range(nin):  # cycle over the active set until it converges
                da[ll] = a[ia[ll]]
                g_a[ll] = g[ia[ll]]
            while True:
                nlp += 1
                dlx = 0.0
                for ll in range(nin):
                    k = ia[ll]
                    ak = _update(k, g_a[ll], a, cl, xv, vp, ab, dem)
                    if a[k] == ak:
                        continue
                    d = a[k] - ak
                    rsq = rsq + d * (2.0 * g_a[ll] - d * xv[k])
                    dlx = max(xv[k] * d * d, dlx)
                    row = gram_a[ll]
                    for jj in range(nin):
                        g_a[jj] = g_a[jj] - row[jj] * d
                if dlx < thr:
                    break
                if nlp > maxit:
                    err[0] = -(m + 1)
                    return lmu
            for ll in range(nin):  # bring the inactive gradients up to date, row by row
                d = a[ia[ll]] - da[ll]
                if d != 0.0:
                    row = gram[ia[ll]]
                    for j in range(ni):
                        g[j] = g[j] - row[j] * d
            for ll in range(nin):  # the active ones were kept in g_a
                g[ia[ll]] = g_a[ll]
            jz = 0
        if nin > nx:
            jerr = -10000 - (m + 1)
            break
        _record(m, nin, alm, a, ia, ao, kin, almo)
        lmu = m + 1
        if _stop_path(m, mnl, flmin, nin, ao, ne, rsq, rsq0):
            break
    err[0] = jerr
    return lmu


@_jit_reassoc
def _dot_col(r, x, k):
    """r . x[:, k], vectorised (the summation order is the compiler's, not glmnet's)."""
    t = 0.0
    for i in range(r.shape[0]):
        t += r[i] * x[i, k]
    return t


@_jit
def _naive_update(k, a, ak, gk, r, x, xv, rsq, dlx):
    """Apply a[k]'s change to the residual; return the new R^2 and convergence measure."""
    d = a[k] - ak
    rsq = rsq + d * (2.0 * gk - d * xv[k])
    for i in range(r.shape[0]):
        r[i] = r[i] - d * x[i, k]
    return rsq, max(xv[k] * d * d, dlx)


@_kernel("f8 i8[] f8[] f8[,] f8[] f8[,]F f8[] i8 i8 i8 f8 f8 i8 f8[] i8[] i8[] f8[,] i8[] f8[] f8[] i8[] i8[]")
def _elnet_naive(bta, ju, vp, cl, r, x, xv, ne, nx, nlam, flmin, thr, maxit,
                 a, mm, ia, ao, kin, almo, g, ix, err):
    """glmnet ``elnet2``: naive updates of the residual r, strong-rule screening of variables
    (ix[k] = 1: k is in the strong set). Returns the number of path steps, err[0] = jerr; the
    arrays after maxit come in zeroed."""
    ni = x.shape[1]
    omb = 1.0 - bta
    alf = max(_EPS, flmin) ** (1.0 / (nlam - 1)) if flmin < 1.0 else 1.0
    rsq, alm = 0.0, 0.0  # R^2 so far, current lambda
    nlp, nin, iz, lmu, jerr = 0, 0, 0, 0, 0  # sweeps, active count, active-first flag, steps, error
    mnl = min(_MNLAM, nlam)
    for j in range(ni):
        if ju[j] != 0:
            g[j] = abs(_dot_col(r, x, j))
    for m in range(nlam):
        alm0 = alm
        if m == 1:  # elnet2 rounds lambda_max apart from elnet1: alf * (max|g| / alpha)
            alm0 = 0.0
            for j in range(ni):
                if ju[j] != 0 and vp[j] > 0.0:
                    alm0 = max(alm0, g[j] / vp[j])
            alm0 = alm0 / max(bta, 1.0e-3)
            alm = alf * alm0
        else:
            alm = _next_lambda(m, alm, alf, bta, g, ju, vp)
        dem = alm * omb
        ab = alm * bta
        rsq0 = rsq
        jz = 1
        tlam = bta * (2.0 * alm - alm0)
        for k in range(ni):
            if ix[k] == 0 and ju[k] != 0 and g[k] > tlam * vp[k]:
                ix[k] = 1
        overflow = False
        while True:
            if iz * jz == 0:
                to_active = False
                while True:  # sweeps over the strong set, then a KKT check of the rest
                    nlp += 1
                    dlx = 0.0
                    for k in range(ni):
                        if ix[k] == 0:
                            continue
                        gk = _dot_col(r, x, k)
                        ak = _update(k, gk, a, cl, xv, vp, ab, dem)
                        if a[k] == ak:
                            continue
                        if mm[k] == 0:
                            nin = _enter(k, nin, nx, mm, ia)
                            if nin > nx:
                                overflow = True
                                break
                        rsq, dlx = _naive_update(k, a, ak, gk, r, x, xv, rsq, dlx)
                    if overflow:
                        break
                    if dlx >= thr:
                        if nlp > maxit:
                            err[0] = -(m + 1)
                            return lmu
                        to_active = True
                        break
                    grown = False
                    for k in range(ni):
                        if ix[k] == 1 or ju[k] == 0:
                            continue
                        g[k] = abs(_dot_col(r, x, k))
                        if g[k] > ab * vp[k]:
                            ix[k] = 1
                            grown = True
                    if not grown:
                        break
                if not to_active:
                    break
            iz = 1
            while True:  # cycle over the active set until it converges
                nlp += 1
                dlx = 0.0
                for ll in range(nin):
                    k = ia[ll]
                    gk = _dot_col(r, x, k)
                    ak = _update(k, gk, a, cl, xv, vp, ab, dem)
                    if a[k] == ak:
                        continue
                    rsq, dlx = _naive_update(k, a, ak, gk, r, x, xv, rsq, dlx)
                if dlx < thr:
                    break
                if nlp > maxit:
                    err[0] = -(m + 1)
                    return lmu
            jz = 0
        if nin > nx:
            jerr = -10000 - (m + 1)
            break
        _record(m, nin, alm, a, ia, ao, kin, almo)
        lmu = m + 1
        if _stop_path(m, mnl, flmin, nin, ao, ne, rsq, rsq0):
            break
    err[0] = jerr
    return lmu


def elnet_path(x: np.ndarray, y: np.ndarray, alpha: float, flmin: float, nlam: int, thr: float,
               maxit: int, naive: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(lambdas, intercepts, coefficients p x L, jerr) of glmnet's gaussian path, glmnet's units.

    jerr < 0: glmnet's maxit was reached at step -jerr (the path so far is returned, as glmnet
    does); 7777: every column is constant.
    """
    n, p = x.shape
    xs = np.array(x, dtype=np.float64, order="F")
    ys = np.array(y, dtype=np.float64)
    ju = (np.ptp(xs, axis=0) > 0).astype(np.int64)  # glmnet chkvars: constant columns are left out
    if not ju.any():
        return np.zeros(0), np.zeros(0), np.zeros((p, 0)), 7777
    xm, xv, g, sd = np.zeros(p), np.zeros(p), np.zeros(p), np.zeros(2)
    _standard(xs, ys, ju, np.empty(n), np.empty(n), xm, xv, g, sd)
    ym, ysd = float(sd[0]), float(sd[1])
    vp = np.ones(p)
    cl = np.empty((2, p))
    cl[0] = -_BIG / ysd
    cl[1] = _BIG / ysd
    nx = p
    a, mm, ia = np.zeros(p), np.zeros(p, dtype=np.int64), np.zeros(nx, dtype=np.int64)  # mm: 1-based active position
    ao, kin, almo = np.zeros((nx, nlam)), np.zeros(nlam, dtype=np.int64), np.zeros(nlam)
    err = np.zeros(1, dtype=np.int64)
    if naive:
        lmu = _elnet_naive(alpha, ju, vp, cl, ys, xs, xv, p + 1, nx, nlam, flmin, thr, maxit,
                           a, mm, ia, ao, kin, almo, np.zeros(p), np.zeros(p, dtype=np.int64), err)
    else:
        gram = xs.T @ xs  # BLAS
        gram[np.diag_indices(p)] = xv
        off = ju == 0
        gram[off, :] = 0.0
        gram[:, off] = 0.0
        lmu = _elnet_cov(alpha, ju, vp, cl, g, np.ascontiguousarray(gram), xv, p + 1, nx, nlam, flmin, thr, maxit,
                         a, mm, ia, ao, kin, almo, np.zeros(p), np.zeros((nx, nx)), np.zeros(nx), err)
    beta, a0 = np.zeros((p, lmu)), np.zeros(lmu)
    _unpack(lmu, ao, ia, kin, xm, ym, ysd, beta, a0)
    return ysd * almo[:lmu], a0, beta, int(err[0])


@_kernel("i8 f8[,] i8[] i8[] f8[] f8 f8 f8[,] f8[]")
def _unpack(lmu, ao, ia, kin, xm, ym, ysd, beta, a0):
    """glmnet's elnetu output step: coefficients back to y's scale (beta, p x lmu, zeroed),
    intercepts a0 = ym - ca.xm."""
    for k in range(lmu):
        t = 0.0
        for ll in range(kin[k]):
            coef = ysd * ao[ll, k]
            beta[ia[ll], k] = coef
            t += coef * xm[ia[ll]]
        a0[k] = ym - t
    return 0
