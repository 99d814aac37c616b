"""The TWAS statistic and its helpers: LD, IMPG imputation of missing Z, permutation test.

Formulas follow FUSION.assoc_test.R: LD = X'X/(n-1) on scale()d reference genotypes;
missing Z imputed by IMPG with a 0.1 ridge; TWAS z = w'Z / sqrt(w' LD w).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twascli.core import lapack
from twascli.core.normal import ndtr, ndtri

IMPG_RIDGE = 0.1


def ld_matrix(scaled: np.ndarray) -> np.ndarray:
    """SNP correlation from scale()d genotypes (n x p): X'X/(n-1)."""
    return scaled.T @ scaled / (scaled.shape[0] - 1)


def ridge_precision(ld: np.ndarray) -> np.ndarray | None:
    """B = (LD + 0.1 I)^-1 for a gene's SNPs, as a full symmetric matrix (LAPACK dpotrf + dpotri).

    Computed once, it serves every missing-SNP pattern of every trait (see impg_weights).
    """
    import scipy.linalg  # multi-trait runs only (~0.3 s to import)

    ridge = ld + IMPG_RIDGE * np.eye(ld.shape[0])
    factor, info = scipy.linalg.lapack.dpotrf(ridge, lower=1, clean=1)
    if info != 0:
        return None
    lower, info = scipy.linalg.lapack.dpotri(factor, lower=1)
    if info != 0:
        return None
    return np.tril(lower) + np.tril(lower, -1).T


def impg_weights(ld: np.ndarray, missing: np.ndarray, precision: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """IMPG weights and accuracies: w = LD[m,o] (LD[o,o] + 0.1 I)^-1, r2pred = diag(w LD[o,o] w').

    With B = (LD + 0.1 I)^-1 (see ridge_precision), the block-inverse identity gives
    w = -B[m,m]^-1 B[m,o], and since w (LD[o,o] + 0.1 I) = LD[m,o],
    r2pred = rowsum(LD[m,o] * w) - 0.1 rowsum(w^2): an m x m solve per missing pattern instead of
    FUSION's o x o one, with the same values (to rounding). They do not depend on the Z-scores.
    """
    m_idx, o_idx = np.flatnonzero(missing), np.flatnonzero(~missing)
    if precision is None:
        precision = ridge_precision(ld)
    nan = (np.full((m_idx.size, o_idx.size), np.nan), np.full(m_idx.size, np.nan))
    if precision is None:  # LD + 0.1 I is not positive definite
        return nan
    rows = precision[m_idx]
    b_mm, b_mo = rows[:, m_idx], rows[:, o_idx]
    if not (np.all(np.isfinite(b_mm)) and np.all(np.isfinite(b_mo))):
        return nan
    # scipy's cho_factor/cho_solve (upper Cholesky), without their wrappers' per-call overhead
    factor, info = lapack.cholesky(np.asfortranarray(b_mm))
    if info != 0:
        return nan
    solved, info = lapack.cho_solve(factor, b_mo)
    if info != 0:
        return nan
    wgt = -solved
    ld_mo = ld[m_idx][:, o_idx]
    r2pred = np.einsum("ij,ij->i", ld_mo, wgt) - IMPG_RIDGE * np.einsum("ij,ij->i", wgt, wgt)
    return wgt, r2pred


def impg_weights_direct(ld: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """impg_weights as FUSION computes it, from one Cholesky of LD[o,o] + 0.1 I.

    Cheaper than ridge_precision + impg_weights when a gene serves one or two traits; the values
    agree to rounding.
    """
    m_idx, o_idx = np.flatnonzero(missing), np.flatnonzero(~missing)
    obs_rows = ld[o_idx]
    ridge = np.asfortranarray(obs_rows[:, o_idx])  # LAPACK's order (numpy's gather usually gives it)
    ridge[np.diag_indices_from(ridge)] += IMPG_RIDGE
    factor, info = lapack.cholesky(ridge)
    if info == 0:
        solved, info = lapack.cho_solve(factor, obs_rows[:, m_idx])
    if info != 0 or not np.all(np.isfinite(solved)):
        return np.full((m_idx.size, o_idx.size), np.nan), np.full(m_idx.size, np.nan)
    wgt = solved.T
    r2pred = np.einsum("ij,ji->i", wgt, obs_rows[:, m_idx]) - IMPG_RIDGE * np.einsum("ij,ij->i", wgt, wgt)
    return wgt, r2pred


def impg_apply(wgt: np.ndarray, r2pred: np.ndarray, z_obs: np.ndarray) -> np.ndarray:
    """Imputed Z of the missing SNPs: (w z_o) / sqrt(r2pred)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (wgt @ z_obs) / np.sqrt(r2pred)


def impute_z(ld: np.ndarray, z: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IMPG: (imputed Z of the missing SNPs, their r2pred) from the observed ones."""
    wgt, r2pred = impg_weights(ld, missing)
    return impg_apply(wgt, r2pred, z[~missing]), r2pred


def twas_z(w: np.ndarray, z: np.ndarray, ld: np.ndarray) -> tuple[float, float]:
    """(w'Z, w' LD w): numerator and variance of the TWAS statistic."""
    return float(w @ z), float(w @ ld @ w)


def twas_p(z: float | np.ndarray) -> float | np.ndarray:
    """Two-sided normal p-value, 2*pnorm(|z|, lower.tail=FALSE)."""
    return 2.0 * ndtr(-np.abs(z))


def z_threshold(p: float) -> float:
    """qnorm(p/2, lower.tail=FALSE): the |z| whose two-sided p-value is P."""
    return float(-ndtri(p / 2.0))


@dataclass
class PermResult:
    """FUSION's adaptive permutation outcome: PERM.PV, PERM.N, PERM.ANL_PV."""

    pv: float
    n: int
    anl_pv: float


def permutation_test(
    w: np.ndarray,
    z: np.ndarray,
    ld: np.ndarray,
    twas: float,
    max_perm: int,
    rng: np.random.Generator,
    batch: int = 1000,
) -> PermResult:
    """Shuffle weights across SNPs; stop once more than 10 permuted |z| exceed |twas| (Che et al.).

    Same semantics as FUSION's loop: after i permutations with more than 10 exceedances,
    PV = (k+1)/(i+1) and N = i+1; otherwise PV = k/perm, N = perm and an analytic p-value
    from the permutation sd. Evaluated in vectorised batches.
    """
    target = twas * twas
    p = w.shape[0]
    done = 0
    exceed = 0
    draws: list[np.ndarray] = []
    while done < max_perm:
        b = min(batch, max_perm - done)
        idx = np.argsort(rng.random((b, p)), axis=1)
        wp = w[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            pz = (wp @ z) / np.sqrt(np.einsum("ij,ij->i", wp @ ld, wp))
        hit = pz * pz > target
        counts = exceed + np.cumsum(hit)
        over = np.nonzero(counts > 10)[0]
        if over.size:
            i = done + int(over[0]) + 1  # 1-based permutation index, as in R
            k = int(counts[over[0]])
            return PermResult(pv=(k + 1) / (i + 1), n=i + 1, anl_pv=float("nan"))
        exceed = int(counts[-1])
        draws.append(pz)
        done += b
    perm = np.concatenate(draws) if draws else np.empty(0)
    sd = np.nanstd(perm, ddof=1) if perm.size > 1 else float("nan")
    anl = twas / sd if sd > 0 else float("nan")
    return PermResult(pv=exceed / max_perm, n=max_perm, anl_pv=float(twas_p(anl)))


def first_argmax(v: np.ndarray) -> int | None:
    """R's which.max: index of the first maximum ignoring NaN; None when all are NaN/empty."""
    if v.size == 0:
        return None
    ok = ~np.isnan(v)
    if not ok.any():
        return None
    vv = np.where(ok, v, -np.inf)
    return int(np.argmax(vv))


def best_model(model, force: str | None) -> tuple[int | None, str | None]:
    """Column of a weight file's model FUSION tests: --force_model by name, else the smallest CV
    p-value (FUSION.assoc_test.R); MODEL has .models, .cv_performance and .cv_rows."""
    if force is not None:
        hits = [i for i, m in enumerate(model.models) if m == force]
        return (hits[0] if hits else None), None
    cv = model.cv_performance
    if cv is None or cv.shape[1] == 0:
        return None, "had no cv.performance"
    rows = [i for i, r in enumerate(model.cv_rows) if "pval" in r]
    if not rows:
        return None, "had no pval row in cv.performance"
    vals = np.where(np.isnan(cv[rows, :]), np.inf, cv[rows, :])
    return int(np.argmin(vals.min(axis=0))), None  # min(na.rm=T) of an all-NA column is Inf
