"""FUSION's "lasso" model: PLINK 1.9 ``--lasso <hsq>`` (coordinate-descent LASSO), natively.

FUSION runs ``plink --allow-no-sex --bfile X --lasso <hsq> --out Y`` and reads the EFFECT column
of ``Y.lasso`` (SNPs absent from it get 0; no file at all gives NA weights). This module
reproduces PLINK 1.9's ``lasso_bigmem`` (spec ALGORITHMS.md section (b)):

* samples with a non-missing phenotype; a case/control phenotype (values in {1, 2}, 0/-9
  missing) becomes a 0/1 indicator;
* each polymorphic SNP standardised over its non-missing calls, (x - m)/(s*sqrt(n)), with 0 for
  a missing call; y standardised the same way; SNPs with a single genotype class are dropped;
* lambda_max = max_j |x_j'y|; lambda_min from 1000 N(0, I_n) draws (median of max_j |x_j'z|
  times sqrt(1 - h2 + 1/n)/sqrt(n)) unless given; 100 log-spaced lambdas;
* per lambda: residuals recomputed from the warm-started coefficients (initially X'y), the
  active set reset to all SNPs, then sweeps in SNP order with the unit-step update
  b_j <- soft(b_j + x_j'r, lambda), a SNP leaving the active set for the rest of that lambda
  when it becomes 0, until 1 - min(err)/max(err) < 1e-4 between consecutive sweeps, with
  err = lambda*sum|b| + ||r||^2.

PLINK seeds its draws from the clock (FUSION passes no ``--seed``), so its lambda_min -- and
hence FUSION's lasso weights -- differ run to run. Here the draws come from
``numpy.random.default_rng(seed)`` with a fixed documented default seed, so results are
reproducible; for a given lambda_min the algorithm is PLINK's exactly.

Vectorisation: the Monte-Carlo step is a single (1000 x n) @ (n x p) float32 product. The sweeps skip,
in one vectorised search, every run of SNPs whose coefficient is 0 and stays 0 (|x_j'r| <=
lambda): PLINK visits them only to drop them from the active set, which changes nothing else.
Only SNPs whose coefficient is or becomes non-zero are updated one by one, with X'r kept up to
date through the Gram matrix X'X.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from twascli.core.jit import jit, jit_reassoc, kernel

__all__ = ["PLINK_LASSO_SEED", "PLINK_LASSO_DRAWS", "plink_lasso", "plink_lasso_lambda_min"]

#: Default seed of the numpy Generator that replaces PLINK's clock-seeded SFMT draws.
PLINK_LASSO_SEED = 20170814
#: Number of N(0, I) vectors PLINK draws for the default lambda_min (DEFAULT_WARM_START_ITERS).
PLINK_LASSO_DRAWS = 1000
_NLAMBDA = 100
_DELTA_THRESHOLD = 1e-4
_MAX_SWEEPS = 100_000  # PLINK has no cap; this only guards against a non-terminating loop


def _plink_phenotype(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PLINK 1.9's reading of a .fam phenotype column: (values, non-missing mask).

    -9 and NaN are missing. If every non-missing value is 0, 1 or 2 the trait is case/control:
    0 is missing too and the value used is the case indicator (2 -> 1, 1 -> 0).
    """
    yv = np.asarray(y, dtype=np.float64).ravel()
    present = ~(np.isnan(yv) | (yv == -9.0))
    vals = yv[present]
    if vals.size and np.all((vals == 0) | (vals == 1) | (vals == 2)):
        present &= yv != 0
        return (yv == 2).astype(np.float64), present
    return yv, present


def _standardise_genotypes(x: np.ndarray, sqrt_n_recip: float) -> tuple[np.ndarray, np.ndarray]:
    """PLINK load_and_normalize for every SNP: (columns of polymorphic SNPs, polymorphic mask)."""
    called = ~np.isnan(x)
    n0 = ((x == 0) & called).sum(axis=0)
    n1 = ((x == 1) & called).sum(axis=0)
    n2 = ((x == 2) & called).sum(axis=0)
    poly = ~(((n2 == 0) & ((n1 == 0) | (n0 == 0))) | ((n1 == 0) & (n0 == 0)))
    xs = x[:, poly]
    c = called[:, poly]
    cnt = c.sum(axis=0).astype(np.float64)
    total = (2.0 * n2 + n1)[poly].astype(np.float64)
    sumsq = (4.0 * n2 + n1)[poly].astype(np.float64)
    mean = total / cnt
    scale = sqrt_n_recip * np.sqrt((cnt - 1.0) / (sumsq - total * mean))
    cols = np.where(c, (np.where(c, xs, 0.0) - mean) * scale, 0.0)
    return cols, poly


@functools.lru_cache(maxsize=8)
def _mc_draws(seed: int, draws: int, n: int) -> np.ndarray:
    """The (draws x n) float32 N(0,1) matrix of plink_lasso_lambda_min: the same for every call
    with the same seed and sample size (CV folds of a gene, genes of a panel), so drawn once."""
    z = np.random.default_rng(seed).standard_normal((draws, n), dtype=np.float32)
    z.setflags(write=False)
    return z


def plink_lasso_lambda_min(
    xs: np.ndarray, hsq: float, seed: int = PLINK_LASSO_SEED, draws: int = PLINK_LASSO_DRAWS
) -> float:
    """PLINK's Monte-Carlo default lambda_min for standardised columns ``xs`` (n x p).

    median_k max_j |x_j'z_k| * sqrt(1 - hsq + 1/n)/sqrt(n) over ``draws`` vectors
    z_k ~ N(0, I_n), drawn as one (draws x n) float32 matrix from
    ``numpy.random.default_rng(seed)`` and multiplied by ``xs`` in a single product. An even
    count takes the mean of the two middle values, as PLINK's median does. The product is
    done in single precision (twice as fast): its ~1e-7 relative rounding is negligible next
    to the ~1% Monte-Carlo spread of the estimate itself (PLINK's own value varies that much
    from run to run).
    """
    n = xs.shape[0]
    prod = _mc_draws(seed, draws, n) @ xs.astype(np.float32)
    maxes = np.maximum(prod.max(axis=1), -prod.min(axis=1)).astype(np.float64)
    sige = math.sqrt(1.0 - hsq + 1.0 / n)
    return float(np.median(maxes)) * sige * math.sqrt(1.0 / n)


def plink_lasso(
    dosage: np.ndarray,
    y: np.ndarray,
    hsq: float,
    seed: int = PLINK_LASSO_SEED,
    lambda_min: float | None = None,
) -> np.ndarray:
    """FUSION "lasso" weights: PLINK 1.9 ``--lasso <hsq>`` EFFECT per SNP (spec b).

    Parameters
    ----------
    dosage
        n x p dosages of the PLINK A1 allele (NaN = missing call) of the file PLINK reads
        (FUSION: its TMP copy, A1 = minor allele). Only autosomal SNPs are expected (PLINK's
        haploid handling of chrX/Y/MT is not emulated).
    y
        The .fam phenotype of that file. NaN or -9 = missing; all values in {0, 1, 2} means
        case/control (0 missing), as PLINK reads it. FUSION's TMP phenotype is the raw (or
        ``--rn``, or residualised and scaled) one; PLINK standardises it anyway.
    hsq
        The heritability FUSION passes (its GCTA estimate); PLINK requires 0 < hsq <= 1.
    seed
        Seed of ``numpy.random.default_rng`` for the 1000 draws behind the default lambda_min
        (default :data:`PLINK_LASSO_SEED`). Ignored when ``lambda_min`` is given.
    lambda_min
        PLINK's optional second ``--lasso`` argument (smallest lambda on the path).

    Returns
    -------
    Length-p weights: the coefficient at the last (smallest) lambda, on the per-SD scale
    (standardised A1 dosage on standardised phenotype); 0 for SNPs whose coefficient is 0 and
    for non-polymorphic SNPs (absent from PLINK's report, which FUSION maps to 0). All NaN
    where PLINK writes no ``.lasso`` file, which FUSION stores as NA: hsq outside (0, 1],
    fewer than 2 phenotyped samples, constant phenotype, no polymorphic SNP, or
    lambda_min >= lambda_max. PLINK prints EFFECT with 6 significant digits; values here are
    unrounded.
    """
    x_all = np.asarray(dosage, dtype=np.float64)
    if x_all.ndim != 2:
        raise ValueError("dosage must be an n x p matrix")
    p_all = x_all.shape[1]
    refused = np.full(p_all, np.nan)
    if not (0.0 < hsq <= 1.0):
        return refused
    yv, present = _plink_phenotype(y)
    if yv.shape[0] != x_all.shape[0]:
        raise ValueError("dosage must have one row per phenotype value")
    n = int(present.sum())
    if n < 2:
        return refused
    yk = yv[present]
    s1 = float(yk.sum())
    s2 = float(yk @ yk)
    ymean = s1 / n
    if s2 * n == s1 * s1 or not (s2 - s1 * ymean) > 0:  # constant phenotype
        return refused
    sqrt_n_recip = math.sqrt(1.0 / n)
    ys = (yk - ymean) * (sqrt_n_recip * math.sqrt((n - 1.0) / (s2 - s1 * ymean)))

    xs, poly = _standardise_genotypes(x_all[present], sqrt_n_recip)
    if xs.shape[1] == 0:
        return refused
    c = xs.T @ ys  # x_j'y: lambda_max and the warm start
    lam_max = float(np.max(np.abs(c)))
    if lambda_min is None:
        lam_min = plink_lasso_lambda_min(xs, hsq, seed)
    else:
        lam_min = float(lambda_min)
    if not (lam_min < lam_max):
        return refused
    coef = _coordinate_descent(xs, ys, c, lam_max, lam_min)
    out = np.zeros(p_all)
    out[poly] = coef
    return out


def _coordinate_descent(
    xs: np.ndarray, ys: np.ndarray, c: np.ndarray, lam_max: float, lam_min: float
) -> np.ndarray:
    """PLINK lasso_bigmem's path of 100 lambdas; returns the coefficients at lambda_min.

    For each lambda, the residual is rebuilt from the current coefficients, a first sweep visits
    every column, and later sweeps visit only the columns left non-zero, until the penalised
    error changes by less than 1e-4 (relative). Each update is PLINK's:
    u = b_j + x_j'r, b_j <- soft(u, lambda), r <- r - x_j (b_j,new - b_j,old).
    """
    n, p = xs.shape
    b = c.astype(np.float64)  # a copy: the warm start X'y, updated in place
    _lasso_path(np.ascontiguousarray(xs.T), np.ascontiguousarray(ys, dtype=np.float64), b,
                float(lam_max), float(lam_min), _NLAMBDA, _MAX_SWEEPS, _DELTA_THRESHOLD,
                np.empty(n), np.empty(p, dtype=np.int64))
    return b


@jit_reassoc
def _dot(u, v):
    """u . v, vectorised."""
    t = 0.0
    for i in range(u.shape[0]):
        t += u[i] * v[i]
    return t


@jit
def _step(xt, j, r, b, lam):
    """One PLINK coordinate update of b[j] (residual r kept in step); returns the new b[j]."""
    old = b[j]
    u = old + _dot(xt[j], r)
    new = 0.0
    if u > 0.0:
        if u > lam:
            new = u - lam
    elif u < -lam:
        new = u + lam
    b[j] = new
    if new != old:
        d = old - new
        for i in range(r.shape[0]):
            r[i] += xt[j, i] * d
    return new


@jit
def _penalised_error(lam, b, surv, ns, r):
    """lambda * sum|b| over the non-zero columns + the residual sum of squares."""
    t = 0.0
    for s in range(ns):
        t += abs(b[surv[s]])
    return lam * t + _dot(r, r)


@kernel("f8[,] f8[] f8[] f8 f8 i8 i8 f8 f8[] i8[]")
def _lasso_path(xt, ys, b, lam_max, lam_min, nlambda, max_sweeps, delta, r, surv):
    """The 100-lambda path of _coordinate_descent (xt: columns of X as rows), updating b (the
    warm start X'y) in place; r and surv are work space."""
    p, n = xt.shape
    loghi = np.log(lam_max)
    logdelta = (loghi - np.log(lam_min)) / (nlambda - 1.0)
    for k in range(nlambda):
        lam = np.exp(loghi - logdelta * k)
        for i in range(n):
            r[i] = ys[i]
        for j in range(p):
            if b[j] != 0.0:
                bj = b[j]
                for i in range(n):
                    r[i] -= xt[j, i] * bj
        ns = 0
        for j in range(p):  # first sweep: every column
            if _step(xt, j, r, b, lam) != 0.0:
                surv[ns] = j
                ns += 1
        err_cur = _penalised_error(lam, b, surv, ns, r)
        for _ in range(max_sweeps):  # then the non-zero ones until the error settles
            kept = 0
            for s in range(ns):
                j = surv[s]
                if _step(xt, j, r, b, lam) != 0.0:
                    surv[kept] = j
                    kept += 1
            ns = kept
            err_last = err_cur
            err_cur = _penalised_error(lam, b, surv, ns, r)
            hi = max(err_last, err_cur)
            if err_cur != err_cur or hi == 0.0:  # NaN stops PLINK; 0/0 would never stop
                break
            if (1.0 - min(err_last, err_cur) / hi) < delta:
                break
    return 0
