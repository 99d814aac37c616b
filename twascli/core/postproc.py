"""Numerics of FUSION's post-processing: joint/conditional TWAS, loci, conditional GWAS, omnibus, LD scores.

Pure functions on numpy arrays. Each mirrors the corresponding step of FUSION.post_process.R;
where R would stop with an error (a singular gene correlation matrix) these functions instead
leave the offending feature out and report it, so callers can log which genes were affected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twascli.core.lapack import lu_factor, lu_solve, rcond_1norm
from twascli.core.normal import ndtr, ndtri
from twascli.core.rstats import mean_impute, r_scale

# R's NA_real_ (NaN payload 1954; kept quiet here so arithmetic raises no warnings): "NA", not "NaN".
R_NA = float(np.frombuffer(np.uint64(0x7FF80000000007A2).tobytes(), dtype=np.float64)[0])


def with_na(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Copy of X with R's NA where MASK is set (other NaNs stay NaN)."""
    out = np.array(x, dtype=np.float64, copy=True)
    out[np.asarray(mask, dtype=bool)] = R_NA
    return out


# R's solve() refuses a matrix whose reciprocal 1-norm condition number is below this.
R_SOLVE_TOL = float(np.finfo(float).eps)


class SingularMatrix(Exception):
    """Raised where R's solve() would stop: the matrix is (computationally) singular."""


def r_solve_inverse(a: np.ndarray) -> np.ndarray:
    """Inverse of A as R's solve(A) computes it (LU via dgesv), refusing what R refuses.

    Refused when LU finds an exact zero pivot or the 1-norm reciprocal condition number
    (LAPACK dgecon) is below machine epsilon, exactly R's La_solve test.
    """
    a = np.asarray(a, dtype=np.float64)
    k = a.shape[0]
    if k == 0:
        return np.zeros((0, 0))
    if not np.all(np.isfinite(a)):
        raise SingularMatrix("matrix has non-finite entries")
    lu, piv, info = lu_factor(a)
    if info > 0:
        raise SingularMatrix("exactly singular")
    anorm = np.abs(a).sum(axis=0).max()
    rcond = rcond_1norm(lu, anorm)
    if rcond < R_SOLVE_TOL:
        raise SingularMatrix(f"reciprocal condition number {rcond:.3g}")
    return lu_solve(lu, piv, np.eye(k))


def is_solvable(a: np.ndarray) -> bool:
    """True when R's solve(A) would succeed."""
    try:
        r_solve_inverse(a)
    except SingularMatrix:
        return False
    return True


def two_sided_p(z: np.ndarray | float) -> np.ndarray | float:
    """2*pnorm(|z|, lower.tail=FALSE); NaN stays NaN (scipy.special.ndtr's values: core/normal.py)."""
    return 2.0 * ndtr(-np.abs(z))


def bonferroni_z(n_tests: int, alpha: float = 0.05) -> float:
    """qnorm(alpha / n / 2, lower.tail=FALSE): FUSION's default --zthresh."""
    return float(-ndtri(alpha / n_tests / 2.0))


def scaled_columns(dosage: np.ndarray, cols: np.ndarray | slice) -> np.ndarray:
    """R scale() of mean-imputed dosages restricted to COLS (a constant column becomes NaN)."""
    return r_scale(mean_impute(dosage[:, cols]))


def r_cor(x: np.ndarray) -> np.ndarray:
    """R cor() of the columns of X (Pearson), clamped to [-1, 1]; constant columns give NaN."""
    xc = x - x.mean(axis=0)
    ss = np.sqrt((xc * xc).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (xc.T @ xc) / np.outer(ss, ss)
    return np.clip(c, -1.0, 1.0)


# --------------------------------------------------------------------------- selection


@dataclass
class SelectionEvent:
    """One step of a step-wise selection, for the verbose log."""

    kind: str  # added | max_r2 | negvar | collinear | unstable | singular
    index: int
    value: float = float("nan")


@dataclass
class Selection:
    """Outcome of a step-wise conditional selection over features."""

    keep: np.ndarray  # bool, features in the joint model
    drop: np.ndarray  # bool, features removed as unstable or making the model singular
    events: list[SelectionEvent] = field(default_factory=list)
    final_cond_z: np.ndarray | None = None
    singular: list[int] = field(default_factory=list)  # features refused to avoid a singular model


def _conditional(
    ld: np.ndarray, z: np.ndarray, keep_idx: np.ndarray, dinv: np.ndarray, cand: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(b, var): z of candidates conditioned on the kept features, and its variance.

    b = z_c - R_ck Rkk^-1 z_k ; var = 1 - diag(R_ck Rkk^-1 R_kc).
    """
    lck = ld[np.ix_(cand, keep_idx)]
    b = z[cand] - lck @ (dinv @ z[keep_idx])
    var = 1.0 - np.einsum("ij,ij->i", lck @ dinv, lck)
    return b, var


def _conditional_z(
    ld: np.ndarray, z: np.ndarray, keep_idx: np.ndarray, dinv: np.ndarray, cand: np.ndarray,
    events: list[SelectionEvent],
) -> np.ndarray:
    """Conditional z of candidates; 0 where the variance is negative (FUSION) or zero/undefined.

    A zero or undefined variance (a candidate that is an exact linear combination of the kept
    features) makes R's loop stop on NaN; here it is set to 0 and reported as 'collinear'.
    """
    b, var = _conditional(ld, z, keep_idx, dinv, cand)
    with np.errstate(invalid="ignore", divide="ignore"):
        neg = var < 0
        val = b / np.sqrt(np.where(neg, 1.0, var))
    bad = ~neg & ~np.isfinite(val)
    for i in cand[neg]:
        events.append(SelectionEvent("negvar", int(i)))
    for i in cand[bad]:
        events.append(SelectionEvent("collinear", int(i)))
    return np.where(neg | bad, 0.0, val)


def _max_r2(ld: np.ndarray, rows: np.ndarray, keep_idx: np.ndarray) -> np.ndarray:
    """max over kept features of squared correlation, per row in ROWS."""
    return (ld[np.ix_(rows, keep_idx)] ** 2).max(axis=1)


def _argmax_sq(v: np.ndarray) -> int:
    """R which.max(v^2): first index of the largest value, NaN ignored."""
    sq = np.where(np.isnan(v), -np.inf, v * v)
    return int(np.argmax(sq))


def _any_above(v: np.ndarray, thresh2: float) -> bool:
    with np.errstate(invalid="ignore"):
        return bool(np.any(v * v > thresh2))


def _empty_selection(m: int) -> tuple[np.ndarray, np.ndarray, list, list]:
    """Start of a forward selection over M features: nothing kept or dropped, no events yet."""
    return np.zeros(m, dtype=bool), np.zeros(m, dtype=bool), [], []


def _add_best(cond, keep, drop, ld, events, singular, log_cond: bool):
    """Add the feature with the largest conditional chi-square to the kept set.

    Returns (k, kept indices, inverse of their correlation matrix); when that matrix is
    singular (R's solve() would stop) the feature is dropped instead and the inverse is None.
    """
    k = _argmax_sq(cond)
    keep[k] = True
    kidx = np.flatnonzero(keep)
    try:
        dinv = r_solve_inverse(ld[np.ix_(kidx, kidx)])
    except SingularMatrix:
        keep[k] = False
        drop[k] = True
        cond[k] = 0.0
        singular.append(k)
        events.append(SelectionEvent("singular", k, cond[k]) if log_cond else SelectionEvent("singular", k))
        return k, kidx, None
    events.append(SelectionEvent("added", k, float(cond[k])))
    return k, kidx, dinv


def select_global(
    z: np.ndarray, ld: np.ndarray, zthresh: float, max_r2: float, max_cz_increase: float
) -> Selection:
    """Chromosome-wide forward selection as FUSION's first pass (with --max_cz_increase drops).

    LD is the gene correlation matrix with entries of r^2 < --min_r2 already set to 0.
    A feature whose addition makes the kept set's correlation matrix singular (where R's
    solve() would stop) is left out and recorded in `singular`.
    """
    m = len(z)
    cond = z.astype(float).copy()
    keep, drop, events, singular = _empty_selection(m)
    t2 = zthresh * zthresh
    while _any_above(cond, t2):
        k, kidx, dinv = _add_best(cond, keep, drop, ld, events, singular, log_cond=True)
        if dinv is None:
            continue
        new = np.zeros(m)
        cand = np.flatnonzero(~keep & ~drop)
        if cand.size:
            r2 = _max_r2(ld, cand, kidx)
            with np.errstate(invalid="ignore"):
                high = r2 > max_r2
            for i, v in zip(cand[high], r2[high]):
                events.append(SelectionEvent("max_r2", int(i), float(v)))
            rest = cand[~high]
            if rest.size:
                new[rest] = _conditional_z(ld, z, kidx, dinv, rest, events)
        cond = new
        with np.errstate(invalid="ignore"):
            unstable = cond * cond > z * z + max_cz_increase**2
        if unstable.any():
            for i in np.flatnonzero(unstable):
                events.append(SelectionEvent("unstable", int(i)))
            drop[unstable] = True
            cond[unstable] = 0.0
    keep &= ~drop
    return Selection(keep, drop, events, cond, singular)


def select_locus(
    z: np.ndarray, ld: np.ndarray, in_locus: np.ndarray, zthresh: float, max_r2: float
) -> Selection:
    """Per-locus forward selection as FUSION's second pass (no --max_cz_increase rule).

    Only features IN_LOCUS take part; a feature once zeroed (kept, too correlated, negative
    conditional variance) is not revisited, as in FUSION's `which(cond.z != 0)` loop.
    """
    m = len(z)
    cond = np.where(in_locus, z.astype(float), 0.0)
    keep, drop, events, singular = _empty_selection(m)
    t2 = zthresh * zthresh
    while _any_above(cond, t2):
        k, kidx, dinv = _add_best(cond, keep, drop, ld, events, singular, log_cond=False)
        if dinv is None:
            continue
        active = np.flatnonzero(cond != 0)  # NaN != 0 is True in numpy; R's which() drops NA
        active = active[~np.isnan(cond[active])]
        cond[active[keep[active]]] = 0.0
        cand = active[~keep[active]]
        if cand.size:
            r2 = _max_r2(ld, cand, kidx)
            with np.errstate(invalid="ignore"):
                high = r2 > max_r2
            cond[cand[high]] = 0.0
            for i, v in zip(cand[high], r2[high]):
                events.append(SelectionEvent("max_r2", int(i), float(v)))
            rest = cand[~high]
            if rest.size:
                cond[rest] = _conditional_z(ld, z, kidx, dinv, rest, events)
    return Selection(keep, drop, events, cond, singular)


@dataclass
class JointResult:
    """Joint estimates for kept features and conditional ones for the rest (FUSION's two .dat files)."""

    keep_idx: np.ndarray
    joint_b: np.ndarray
    joint_se: np.ndarray
    joint_z: np.ndarray
    joint_p: np.ndarray
    drop_idx: np.ndarray
    cond_b: np.ndarray
    cond_se: np.ndarray
    cond_z: np.ndarray
    cond_p: np.ndarray


def joint_estimates(z: np.ndarray, ld: np.ndarray, keep: np.ndarray) -> JointResult:
    """Joint betas (R^-1 z), their SEs sqrt(diag R^-1), and conditional stats of the others.

    A negative conditional variance gives NA (NaN) SE, Z and P, as in FUSION.
    """
    kidx = np.flatnonzero(keep)
    didx = np.flatnonzero(~keep)
    dinv = r_solve_inverse(ld[np.ix_(kidx, kidx)])
    jb = dinv @ z[kidx]
    with np.errstate(invalid="ignore", divide="ignore"):
        jse = np.sqrt(np.diag(dinv))
        jz = jb / jse
    cb, cvar = _conditional(ld, z, kidx, dinv, didx)
    na = cvar < 0  # FUSION sets these to NA; a zero variance gives Inf/NaN as in R
    cse = np.sqrt(np.where(na, 1.0, cvar))
    with np.errstate(invalid="ignore", divide="ignore"):
        cz = cb / cse
    cp = two_sided_p(cz)
    return JointResult(kidx, jb, jse, jz, two_sided_p(jz), didx, cb, with_na(cse, na), with_na(cz, na), with_na(cp, na))


# --------------------------------------------------------------------------- loci


def contiguous_loci(snp_used: np.ndarray, pos: np.ndarray, win: int) -> tuple[np.ndarray, np.ndarray]:
    """Runs of consecutive reference SNPs used by any weight, widened by WIN bp: (starts, ends)."""
    used = np.asarray(snp_used, dtype=bool)
    if not used.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    edges = np.diff(np.concatenate(([0], used.astype(np.int8), [0])))
    first = np.flatnonzero(edges == 1)
    last = np.flatnonzero(edges == -1) - 1
    return pos[first].astype(np.int64) - win, pos[last].astype(np.int64) + win


def consolidate_loci(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge each locus into the previous one when it starts strictly before that one ends."""
    if len(starts) == 0:
        return starts, ends
    cs, ce = [int(starts[0])], [int(ends[0])]
    for s, e in zip(starts[1:], ends[1:]):
        if s < ce[-1]:
            ce[-1] = max(ce[-1], int(e))
        else:
            cs.append(int(s))
            ce.append(int(e))
    return np.array(cs, dtype=np.int64), np.array(ce, dtype=np.int64)


@dataclass
class SnpConditional:
    """GWAS statistics of a locus' SNPs before and after conditioning on the joint genes."""

    snp_ge_ld: np.ndarray  # (s, k) correlation of each SNP to each joint gene
    z: np.ndarray
    p: np.ndarray
    cond_z: np.ndarray
    cond_p: np.ndarray


def snp_conditional(
    xs: np.ndarray, ge: np.ndarray, snp_z: np.ndarray, gene_z: np.ndarray, dinv: np.ndarray, max_r2: float
) -> SnpConditional:
    """Condition SNP z-scores on joint genes: z - L R^-1 z_g over sqrt(1 - diag(L R^-1 L')).

    XS: scaled SNP genotypes (n x s); GE: scaled predicted expression of the joint genes (n x k).
    SNPs with r^2 > MAX_R2 to any joint gene get conditional z 0 (b 0, se 1), as in FUSION.
    """
    n = xs.shape[0]
    L = xs.T @ ge / (n - 1)
    b = snp_z - L @ (dinv @ gene_z)
    var = 1.0 - np.einsum("ij,ij->i", L @ dinv, L)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(var)
    sq = L * L
    with np.errstate(invalid="ignore"):
        allnan = np.all(np.isnan(sq), axis=1)
        mx = np.where(allnan, -np.inf, np.nanmax(np.where(np.isnan(sq), -np.inf, sq), axis=1))
        autocor = mx > max_r2
    b = np.where(autocor, 0.0, b)
    se = np.where(autocor, 1.0, se)
    with np.errstate(invalid="ignore", divide="ignore"):
        cz = b / se
    missing = np.isnan(snp_z)  # absent from the GWAS: NA, as R propagates it; other NaNs stay NaN
    cz_na = np.isnan(cz) & missing
    return SnpConditional(
        L, with_na(snp_z, missing), with_na(two_sided_p(snp_z), missing),
        with_na(cz, cz_na), with_na(two_sided_p(cz), cz_na),
    )


def snp_conditional_single(
    xs: np.ndarray, ge1: np.ndarray, snp_z: np.ndarray, gene_z: float, max_r2: float
) -> np.ndarray:
    """SNP z conditioned on one gene (FUSION's --plot_individual pages); NA where r^2 > MAX_R2."""
    n = xs.shape[0]
    L = xs.T @ ge1 / (n - 1)
    b = snp_z - L * gene_z
    with np.errstate(invalid="ignore"):
        se = np.sqrt(1.0 - L * L)
        auto = L * L > max_r2
        cz = b / se
    return np.where(auto, np.nan, cz)


# --------------------------------------------------------------------------- omnibus


@dataclass
class OmnibusResult:
    """The omnibus chi-square test across the models of one gene."""

    kept: np.ndarray  # bool over models: not pruned
    chisq: float
    df: int
    p: float
    singular: list[int] = field(default_factory=list)


def omnibus_prune(z: np.ndarray, corr: np.ndarray, max_r2: float) -> np.ndarray:
    """FUSION's 'informed' pruning: walk models by decreasing z^2, prune those with r^2 > MAX_R2."""
    m = len(z)
    pruned = np.zeros(m, dtype=bool)
    for i in np.argsort(-(z * z), kind="stable"):
        if not pruned[i]:
            with np.errstate(invalid="ignore"):
                pruned[corr[i, :] ** 2 > max_r2] = True
            pruned[i] = False
    return ~pruned


def omnibus_test(z: np.ndarray, corr: np.ndarray, max_r2: float) -> OmnibusResult:
    """z' R^-1 z over the pruned models, chi-square with as many df as models kept.

    If R's solve() would refuse the pruned correlation matrix, models are re-added one by one
    in decreasing z^2 and any that makes it singular is left out (recorded in `singular`).
    """
    from scipy.special import chdtrc  # --omnibus only

    kept = omnibus_prune(z, corr, max_r2)
    singular: list[int] = []
    idx = np.flatnonzero(kept)
    try:
        inv = r_solve_inverse(corr[np.ix_(idx, idx)])
    except SingularMatrix:
        chosen: list[int] = []
        for i in np.argsort(-(z * z), kind="stable"):
            if not kept[i]:
                continue
            trial = chosen + [int(i)]
            if is_solvable(corr[np.ix_(trial, trial)]):
                chosen = trial
            else:
                singular.append(int(i))
        kept = np.zeros(len(z), dtype=bool)
        kept[chosen] = True
        idx = np.flatnonzero(kept)
        inv = r_solve_inverse(corr[np.ix_(idx, idx)]) if idx.size else np.zeros((0, 0))
    zk = z[idx]
    stat = float(zk @ inv @ zk)
    df = int(idx.size)
    return OmnibusResult(kept, stat, df, float(chdtrc(df, stat)) if df > 0 else float("nan"), singular)


# --------------------------------------------------------------------------- LD scores


def ld_scores(
    dosage: np.ndarray, ge: np.ndarray, chunk: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """Per-SNP sum over features of (r^2 - 1/N) with scaled predicted expression GE, and the MAFs.

    Returns (ldscore, maf); MAF is the mean A1 dosage / 2 after mean imputation (FUSION's MAFS).
    """
    n, p = dosage.shape
    score = np.empty(p)
    maf = np.empty(p)
    for s in range(0, p, chunk):
        cols = slice(s, min(p, s + chunk))
        x = mean_impute(dosage[:, cols])
        maf[cols] = x.mean(axis=0) / 2.0
        xs = r_scale(x)
        r = xs.T @ ge / (n - 1)
        score[cols] = (r * r - 1.0 / n).sum(axis=1)
    return score, maf


def is_na(x: np.ndarray) -> np.ndarray:
    """Elementwise: is this R's NA (as opposed to another NaN)?"""
    a = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    return np.isnan(a) & ((a.view(np.uint64) & np.uint64(0xFFFFFFFF)) == np.uint64(1954))
