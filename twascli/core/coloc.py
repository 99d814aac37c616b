"""Bayesian colocalisation as FUSION.assoc_test.R runs it: ``coloc.abf`` and ``coloc.susie``.

Numpy re-implementation of coloc 6.0.1 (chr1swallace/coloc @50fe529): ``R/claudia.R``
(coloc.abf, approx.bf.estimates, combine.abf, logsum, logdiff, adjust_prior), ``R/check.R``
(check_dataset) and ``R/susie.R`` (coloc.susie, runsusie, coloc.bf_bf, logbf_to_pp). SuSiE itself
is in :mod:`twascli.core.susie`. Formulas and FUSION's dataset construction are in
shared/spec/ALGORITHMS.md section (e).

FUSION wraps both calls in ``tryCatch``: any coloc/susieR error leaves the output columns empty.
Every such error is raised here as :class:`ColocError`, so a caller reproduces FUSION with
``except ColocError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twascli.core.susie import SusieError, SusieFit, _exp, _log, _rsum, susie_rss

__all__ = [
    "ColocError",
    "ColocAbfResult",
    "ColocSusieResult",
    "coloc_abf",
    "coloc_susie",
    "coloc_bf_bf",
    "combine_abf",
    "run_susie",
    "approx_bf_estimates",
    "SUMMARY_COLUMNS",
]

PP_COLUMNS = ["PP.H0.abf", "PP.H1.abf", "PP.H2.abf", "PP.H3.abf", "PP.H4.abf"]
SUMMARY_COLUMNS = ["nsnps", "hit1", "hit2", *PP_COLUMNS, "idx1", "idx2"]


class ColocError(ValueError):
    """An input or fit for which coloc stops with an error (FUSION then leaves its columns NA)."""


# --------------------------------------------------------------------------------------------
# helpers (claudia.R)
# --------------------------------------------------------------------------------------------

def _mlog(x: float) -> float:
    """Scalar C-library log with R's results for 0, negative and NaN input."""
    if x > 0:
        return math.log(x) if x != math.inf else math.inf
    if x == 0:
        return -math.inf
    return math.nan


def _logsum(x: np.ndarray) -> float:
    """coloc ``logsum``: max(x) + log(sum(exp(x - max(x)))), with R's arithmetic (C-library
    exp/log, long-double sum)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        m = float(np.max(x))
        return m + _mlog(_rsum(_exp(x - m)))


def _logdiff(x: float, y: float) -> float:
    """coloc ``logdiff``: log(exp(x) - exp(y)), floored at log(0) = -Inf."""
    if math.isnan(x) or math.isnan(y):
        return math.nan
    m = max(x, y)
    with np.errstate(invalid="ignore"):
        inner = float(_exp(np.array([x - m]))[0] - _exp(np.array([y - m]))[0])
    return m + _mlog(max(inner, 0.0) if not math.isnan(inner) else inner)


def approx_bf_estimates(z: np.ndarray, V: np.ndarray, sdY: float = 1.0) -> np.ndarray:
    """Wakefield log ABF for a quantitative trait (coloc ``approx.bf.estimates``, W = 0.15 sdY)."""
    sd_prior = 0.15 * sdY
    w2 = sd_prior * sd_prior  # R's x^2 is x*x
    with np.errstate(divide="ignore", invalid="ignore"):
        r = w2 / (w2 + V)
        return 0.5 * (_log(1.0 - r) + r * (z * z))


def _adjust_prior(p: float, nsnps: int) -> float:
    """coloc ``adjust_prior``: p -> 1/(nsnps+1) when nsnps*p >= 1."""
    return 1.0 / (nsnps + 1) if nsnps * p >= 1 else p


def combine_abf(l1: np.ndarray, l2: np.ndarray, p1: float, p2: float, p12: float) -> np.ndarray:
    """coloc ``combine.abf``: posterior probabilities (PP.H0..PP.H4) from per-SNP log BFs."""
    l1 = np.asarray(l1, dtype=float)
    l2 = np.asarray(l2, dtype=float)
    if l1.shape != l2.shape:
        raise ColocError("length(l1) == length(l2) is not TRUE")
    ls1, ls2, ls12 = _logsum(l1), _logsum(l2), _logsum(l1 + l2)
    lh = np.array([
        0.0,
        _mlog(p1) + ls1,
        _mlog(p2) + ls2,
        _mlog(p1) + _mlog(p2) + _logdiff(ls1 + ls2, ls12),
        _mlog(p12) + ls12,
    ])
    with np.errstate(invalid="ignore", over="ignore"):
        return _exp(lh - _logsum(lh))


# --------------------------------------------------------------------------------------------
# check_dataset (check.R)
# --------------------------------------------------------------------------------------------

def _check_dataset(suffix, beta, varbeta, snp=None, position=None, ld=None, N=None,
                   sdY=1.0, require_n: bool = False, require_ld: bool = False) -> None:
    """The checks of coloc ``check_dataset`` that FUSION's datasets can fail (type 'quant',
    beta/varbeta given). Raises ColocError with R's message."""
    if require_n and N is None:
        raise ColocError(f"dataset {suffix}: missing required element(s) N")
    if require_ld and ld is None:
        raise ColocError(f"dataset {suffix}: missing required element(s) LD")
    # FUSION's list order (beta, varbeta, LD, snp, position, N, sdY): R names the first NA one
    items = {"beta": beta, "varbeta": varbeta, "LD": ld, "snp": snp, "position": position,
             "N": N, "sdY": sdY}
    for name, val in items.items():
        if val is None:
            continue
        arr = np.asarray(val)
        if arr.dtype.kind in "fc" and np.isnan(arr).any():
            raise ColocError(f"dataset {suffix}: {name} contains missing values")
        if arr.dtype.kind == "O" and pd.isna(arr).any():
            raise ColocError(f"dataset {suffix}: {name} contains missing values")
    if snp is not None and pd.Index(np.asarray(snp)).has_duplicates:
        raise ColocError(f"dataset {suffix}: duplicated snps found")
    n_b = np.size(beta)
    for name, val in (("varbeta", varbeta), ("snp", snp), ("position", position)):
        if val is not None and np.size(val) != n_b:
            raise ColocError(f"dataset {suffix}: lengths of inputs don't match: ")
    if N is not None and np.size(N) != 1:
        raise ColocError("N should be a single numeric. coloc does not accomodate per-snp "
                         "sample sizes.")
    if np.isinf(beta).any() or np.isinf(varbeta).any():
        raise ColocError(f"dataset {suffix}: Infinite values in beta and/or varbeta")
    if (np.asarray(varbeta) == 0).any():
        raise ColocError(f"dataset {suffix}: Zero values in varbeta")
    if ld is not None:
        ld = np.asarray(ld)
        if ld.ndim != 2 or ld.shape[0] != ld.shape[1]:
            raise ColocError("LD not square")
        if ld.shape[0] != n_b:
            # FUSION's LD always has exactly the dataset's SNPs; a size mismatch cannot line up
            raise ColocError("colnames in LD do not contain all SNPs")


# --------------------------------------------------------------------------------------------
# coloc.abf
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColocAbfResult:
    """coloc.abf output. ``summary`` = [nsnps, PP.H0, ..., PP.H4] (R's ``$summary``);
    ``snp_pp_h4``, ``lbf1``, ``lbf2`` follow the input SNP order (R's ``$results`` is sorted by
    snp name by ``merge``); ``priors`` = (p1, p2, p12) after adjust_prior."""

    summary: np.ndarray
    snp_pp_h4: np.ndarray
    lbf1: np.ndarray
    lbf2: np.ndarray
    priors: tuple

    @property
    def nsnps(self) -> int:
        return int(self.summary[0])

    @property
    def pp(self) -> np.ndarray:
        """PP.H0..PP.H4."""
        return self.summary[1:]


def coloc_abf(beta1, varbeta1, beta2, varbeta2, *, sdY1: float = 1.0, sdY2: float = 1.0,
              p1: float = 1e-4, p2: float = 1e-4, p12: float = 1e-5, snp=None, ld=None,
              N1=None, N2=None) -> ColocAbfResult:
    """coloc 6.0.1 ``coloc.abf(d1, d2)`` for two quantitative-trait datasets on the same SNPs.

    Inputs are aligned per-SNP arrays (FUSION gives both datasets the same SNPs in the same
    order). ``snp``, ``ld``, ``N1``, ``N2`` are optional and used only for coloc's input checks
    (FUSION puts LD and N into the datasets, so NA in them also fails coloc.abf).
    Raises ColocError where coloc stops: NA/NaN anywhere, infinite beta/varbeta, varbeta == 0,
    duplicated snp ids, mismatched lengths.
    """
    b1 = np.asarray(beta1, dtype=float)
    v1 = np.broadcast_to(np.asarray(varbeta1, dtype=float), b1.shape)
    b2 = np.asarray(beta2, dtype=float)
    v2 = np.broadcast_to(np.asarray(varbeta2, dtype=float), b2.shape)
    _check_dataset(1, b1, v1, snp=snp, ld=ld, N=N1, sdY=sdY1)
    _check_dataset(2, b2, v2, snp=snp, ld=ld, N=N2, sdY=sdY2)
    if b1.shape != b2.shape:
        raise ColocError("dataset1 and dataset2 must hold the same SNPs in the same order")
    nsnps = b1.size
    if nsnps == 0:
        raise ColocError("dataset1 and dataset2 should contain the same snps in the same order, "
                         "or should contain snp names through which the common snps can be "
                         "identified")
    with np.errstate(divide="ignore", invalid="ignore"):
        l1 = approx_bf_estimates(b1 / np.sqrt(v1), v1, sdY1)
        l2 = approx_bf_estimates(b2 / np.sqrt(v2), v2, sdY2)
    p1 = _adjust_prior(p1, nsnps)
    p2 = _adjust_prior(p2, nsnps)
    p12 = _adjust_prior(p12, nsnps)
    lsum = l1 + l2
    with np.errstate(invalid="ignore", over="ignore"):
        snp_pp_h4 = _exp(lsum - _logsum(lsum))
    pp = combine_abf(l1, l2, p1, p2, p12)
    return ColocAbfResult(summary=np.concatenate([[float(nsnps)], pp]), snp_pp_h4=snp_pp_h4,
                          lbf1=l1, lbf2=l2, priors=(p1, p2, p12))


# --------------------------------------------------------------------------------------------
# coloc.susie
# --------------------------------------------------------------------------------------------

def run_susie(beta, varbeta, ld, N, *, snp=None, suffix=1, maxit: int = 100,
              rounds: int = 2, **susie_args) -> SusieFit:
    """coloc ``runsusie(d)``: check the dataset, then ``susie_rss(z = beta/sqrt(varbeta),
    R = LD, n = N, max_iter = maxit)``; while not converged, R re-runs from scratch with
    max_iter * 100.

    IBSS is deterministic, so the re-run retraces the first run: one run with the last round's
    max_iter gives R's result. R keeps multiplying by 100 without end; here after ``rounds``
    rounds (max_iter 100, then 10000) a ColocError is raised. ``N = None`` reproduces the FUSION
    BETA/SE case (ColocError "dataset 2: missing required element(s) N"); a single SNP also fails
    in R (see below).
    """
    beta = np.asarray(beta, dtype=float)
    varbeta = np.broadcast_to(np.asarray(varbeta, dtype=float), beta.shape)
    _check_dataset(suffix, beta, varbeta, snp=snp, ld=ld, N=N, require_n=True, require_ld=True)
    ld = np.asarray(ld, dtype=float)
    if beta.size == 1:
        # runsusie's LD[snp, snp] drops a 1 x 1 matrix to a scalar and susie_rss's nrow(R)
        # check then fails: coloc.susie cannot run on a single SNP
        raise ColocError("argument is of length zero (coloc.susie on a single SNP)")
    z = beta / np.sqrt(varbeta)
    max_iter = maxit * 100 ** (rounds - 1)
    try:
        fit = susie_rss(z, ld, float(N), max_iter=max_iter, **susie_args)
    except SusieError as e:
        raise ColocError(f"dataset {suffix}: susie_rss failed: {e}") from e
    if not fit.converged:
        raise ColocError(f"dataset {suffix}: susie_rss did not converge in {max_iter} "
                         "iterations")
    return fit


def _logbf_to_pp(bf: np.ndarray, pi: float) -> np.ndarray:
    """coloc ``logbf_to_pp(bf, pi, last_is_null = TRUE)`` for a scalar pi.

    Quirk kept: susie's lbf_variable has no null column, so coloc treats the LAST SNP as null.
    """
    n = bf.shape[1] - 1
    if n > 0 and pi > 1.0 / n:
        pi = 1.0 / n
    piv = np.concatenate([np.full(n, pi), [1.0 - n * pi]])
    if np.any(piv == 0):
        piv[piv == 0] = 1e-16
        piv = piv / np.sum(piv)
    bf = bf - bf[:, -1:]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tot = bf + _log(piv)[None, :]
        denom = np.array([_logsum(row) for row in tot])
        return _exp(tot - denom[:, None])


def _which_max(x: np.ndarray) -> int | None:
    """R's which.max: first maximum, NaN ignored; None when all are NaN."""
    ok = ~np.isnan(x)
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    return int(idx[np.argmax(x[ok])])


def coloc_bf_bf(bf1: np.ndarray, bf2: np.ndarray, snp1, snp2, *, p1: float = 1e-4,
                p2: float = 1e-4, p12: float = 5e-6, overlap_min: float = 0.5,
                trim_by_posterior: bool = True):
    """coloc 6.0.1 ``coloc.bf_bf`` for matrices of log BFs (rows = signals, cols = SNPs).

    Returns (summary DataFrame with SUMMARY_COLUMNS, results DataFrame or None). idx1/idx2 are
    1-based row numbers of bf1/bf2, as in R. No adjust_prior is applied (coloc does not).
    When every pair is trimmed, R returns a summary with only PP.H0 filled and no results.
    """
    bf1 = np.atleast_2d(np.asarray(bf1, dtype=float))
    bf2 = np.atleast_2d(np.asarray(bf2, dtype=float))
    snp1 = [str(s) for s in snp1]
    snp2 = [str(s) for s in snp2]
    n1, n2 = bf1.shape[0], bf2.shape[0]
    todo_i = np.tile(np.arange(n1), n2)  # expand.grid(i, j): i varies fastest
    todo_j = np.repeat(np.arange(n2), n1)
    set2 = set(snp2)
    isnps, seen = [], set()
    for s in snp1:  # setdiff(intersect(colnames(bf1), colnames(bf2)), "null")
        if s in set2 and s != "null" and s not in seen:
            isnps.append(s)
            seen.add(s)
    if not isnps:
        raise ColocError("no SNPs in common between the two datasets")
    if "null" in snp1:
        bf1 = bf1 - bf1[:, [snp1.index("null")]]
    if "null" in snp2:
        bf2 = bf2 - bf2[:, [snp2.index("null")]]

    pp1 = _logbf_to_pp(bf1, p1)
    pp2 = _logbf_to_pp(bf2, p2)

    def ph0_and_prop(pp, names):
        pos = {s: k for k, s in enumerate(names)}
        def rowsums(m):  # R's rowSums: long-double accumulation
            return np.array([_rsum(row) for row in m])

        if "null" in pos:
            ph0 = pp[:, pos["null"]]
        else:
            ph0 = 1.0 - rowsums(pp)
        shared = [pos[s] for s in isnps]
        nonnull = [k for k, s in enumerate(names) if s != "null"]
        with np.errstate(invalid="ignore", divide="ignore"):
            prop = rowsums(pp[:, shared]) / rowsums(pp[:, nonnull])
        return ph0, prop

    ph0_1, prop1 = ph0_and_prop(pp1, snp1)
    ph0_2, prop2 = ph0_and_prop(pp2, snp2)
    if trim_by_posterior:
        a, b = prop1[todo_i], prop2[todo_j]
        if np.isnan(a).any() or np.isnan(b).any():
            raise ColocError("missing value where TRUE/FALSE needed (NaN posterior in "
                             "coloc.bf_bf trimming)")
        drop = (a < overlap_min) | (b < overlap_min)
        if drop.all():
            def top(row, names):
                k = _which_max(row)
                return names[k] if k is not None else None

            hit1 = [top(row, snp1) for row in pp1]
            hit2 = [top(row, snp2) for row in pp2]
            summary = pd.DataFrame({
                "nsnps": len(isnps),
                "hit1": [hit1[i] for i in todo_i],
                "hit2": [hit2[j] for j in todo_j],
                "PP.H0.abf": np.fmin(ph0_1[todo_i], ph0_2[todo_j]),
                "PP.H1.abf": np.nan, "PP.H2.abf": np.nan, "PP.H3.abf": np.nan,
                "PP.H4.abf": np.nan,
                "idx1": todo_i + 1, "idx2": todo_j + 1,
            })
            return summary[SUMMARY_COLUMNS], None
        todo_i, todo_j = todo_i[~drop], todo_j[~drop]

    pos1 = {s: k for k, s in enumerate(snp1)}
    pos2 = {s: k for k, s in enumerate(snp2)}
    bf1 = bf1[:, [pos1[s] for s in isnps]]
    bf2 = bf2[:, [pos2[s] for s in isnps]]

    rows, pps = [], []
    for i, j in zip(todo_i, todo_j):
        l1, l2 = bf1[i], bf2[j]
        lsum = l1 + l2
        with np.errstate(invalid="ignore", over="ignore"):
            snp_pp = _exp(lsum - _logsum(lsum))
        pp = combine_abf(l1, l2, p1, p2, p12)
        pps.append(snp_pp)
        if np.isnan(snp_pp).all():
            pp = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
        h1, h2 = _which_max(l1), _which_max(l2)
        if h1 is None:
            hit1 = "-"
            pp[0], pp[2] = 0.0, 1.0
        else:
            hit1 = isnps[h1]
        if h2 is None:
            hit2 = "-"
            pp[0], pp[1] = 0.0, 1.0
        else:
            hit2 = isnps[h2]
        rows.append([len(isnps), hit1, hit2, *pp.tolist(), int(i) + 1, int(j) + 1])
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    if len(pps) > 1:
        names = [f"SNP.PP.H4.row{k + 1}" for k in range(len(pps))]
    else:
        names = ["SNP.PP.H4.abf"]
    results = pd.DataFrame({"snp": isnps, **dict(zip(names, pps))})
    return summary, results


@dataclass
class ColocSusieResult:
    """coloc.susie output.

    ``summary``: R's ``$summary`` (columns SUMMARY_COLUMNS; idx1/idx2 are 1-based SuSiE effect
    numbers, as R prints them). It has 0 rows when a dataset has no credible set (R then returns
    ``data.table(nsnps = NA)`` and FUSION finds no ``$summary``).
    ``results``: R's ``$results`` (snp, SNP.PP.H4.abf or SNP.PP.H4.row1..k), or None when R
    returns none (no credible set, or every pair trimmed).
    ``fit1``/``fit2``: the two SuSiE fits. ``status``: "ok", "no_credible_sets" or "trimmed".
    """

    summary: pd.DataFrame
    results: pd.DataFrame | None
    fit1: SusieFit
    fit2: SusieFit
    status: str


def coloc_susie(beta1, varbeta1, beta2, varbeta2, ld, N1, N2, *, snp=None,
                p1: float = 1e-4, p2: float = 1e-4, p12: float = 5e-6,
                overlap_min: float = 0.5, trim_by_posterior: bool = True,
                **susie_args) -> ColocSusieResult:
    """coloc 6.0.1 ``coloc.susie(d1, d2)`` with FUSION's datasets (same SNPs and LD for both).

    Each dataset is fitted by :func:`run_susie` (susie_rss with n = N); the log-BF rows of the
    credible-set effects go to :func:`coloc_bf_bf` (p12 = 5e-6 by default, not coloc.abf's 1e-5).
    ``N1``/``N2`` = None reproduces FUSION's BETA/SE quirk: coloc's check fails and a ColocError
    is raised (FUSION then leaves the COLOC.SUSIE columns empty). Any other coloc/susieR error is
    also raised as ColocError.
    """
    b1 = np.asarray(beta1, dtype=float)
    b2 = np.asarray(beta2, dtype=float)
    if snp is None:
        snp = [str(k + 1) for k in range(b1.size)]
    snp = [str(s) for s in snp]
    fit1 = run_susie(b1, varbeta1, ld, N1, snp=snp, suffix=1, **susie_args)
    fit2 = run_susie(b2, varbeta2, ld, N2, snp=snp, suffix=2, **susie_args)
    empty = pd.DataFrame({c: pd.Series(dtype=object if c in ("hit1", "hit2") else float)
                          for c in SUMMARY_COLUMNS})
    if len(fit1.sets) == 0 or len(fit2.sets) == 0:
        return ColocSusieResult(empty, None, fit1, fit2, "no_credible_sets")
    idx1 = fit1.sets.cs_index
    idx2 = fit2.sets.cs_index
    summary, results = coloc_bf_bf(fit1.lbf_variable[idx1], fit2.lbf_variable[idx2], snp, snp,
                                   p1=p1, p2=p2, p12=p12, overlap_min=overlap_min,
                                   trim_by_posterior=trim_by_posterior)
    summary = summary.copy()
    summary["idx1"] = (idx1[summary["idx1"].to_numpy() - 1] + 1).astype(int)
    summary["idx2"] = (idx2[summary["idx2"].to_numpy() - 1] + 1).astype(int)
    status = "trimmed" if results is None else "ok"
    return ColocSusieResult(summary, results, fit1, fit2, status)
