"""FUSION's prediction models and its cross-validation loop (FUSION.compute_weights.R).

ALGORITHMS.md f.4 and "glue facts": ``set.seed(1)``; ``cv.sample = sample(N)``; contiguous folds
``cut(1:N, breaks=k)`` over the shuffled order; in each fold the training phenotype is re-scaled,
every model is fitted on the training rows and predicts the held-out rows from the
*full-sample-scaled* genotypes; performance is ``summary(lm(y ~ prediction))`` adj R^2 and slope
p-value over all N held-out predictions. Only enet (cv.glmnet's foldid) consumes the RNG.

top1/enet see FUSION's scale()d genotypes; lasso (PLINK) and blup/bslmm (GEMMA) see the fold's
PLINK re-coded dosages (A1 = minor allele *within the training samples*, FUSION quirk 1) and
the raw .fam phenotype, and their weights are applied by SNP name to the scaled genotypes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from twascli.core.enet import fusion_enet_weights, r_foldid
from twascli.core.rrng import RRandom, fusion_folds
from twascli.core.rstats import lm_slope_summary, r_scale
from twascli.errors import TwasError
from twascli.rformat import R_NA_REAL

MODELS = ("blup", "lasso", "top1", "enet", "bslmm")
DEFAULT_MODELS = "blup,lasso,top1,enet"


def parse_models(text: str) -> list[str]:
    """FUSION's ``unique(c(strsplit(models, ','), 'top1'))``; unknown names are an error."""
    names: list[str] = []
    for name in [t for t in str(text).split(",")] + ["top1"]:
        if name not in names:
            names.append(name)
    bad = [m for m in names if m not in MODELS]
    if bad:
        raise TwasError(
            f"--models: invalid model(s) {', '.join(repr(b) for b in bad)} "
            f"(choose from {', '.join(MODELS)})"
        )
    return names


def plink_a1_flip(dosage: np.ndarray, founders: np.ndarray | None = None) -> np.ndarray:
    """Which SNPs PLINK 1.9 would re-code on load so that A1 is the minor allele.

    PLINK swaps A1/A2 when the A2 frequency among founders' called genotypes is < 0.5
    (``calc_marker_reverse_bin``); an all-missing SNP has frequency 0.5 and is kept.
    In dosage terms: swap iff sum(A1 dosage) > number of called founders.
    """
    x = dosage if founders is None else dosage[founders]
    called = ~np.isnan(x)
    a1 = np.where(called, x, 0).sum(axis=0, dtype=np.float64)
    return a1 > called.sum(axis=0)


def recode(dosage: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """Dosages counting the other allele where FLIP is set (2 - x; missing stays missing)."""
    out = np.array(dosage, dtype=np.float64)
    if flip.any():
        out[:, flip] = 2.0 - out[:, flip]
    return out


def top1_cv_weights(genos: np.ndarray, y: np.ndarray) -> np.ndarray:
    """FUSION top1 in CV: marginal betas X'y/(n-1), all zeroed but the largest |beta| (first wins)."""
    w = genos.T @ y / (y.shape[0] - 1)
    out = np.zeros_like(w)
    sq = w * w
    if not np.isfinite(sq).any():
        return out
    best = np.nanmax(sq)
    # which.max returns the first maximum; identical columns tie exactly in R, allow for BLAS noise
    j = int(np.flatnonzero(sq >= best * (1.0 - 1e-12))[0]) if best > 0 else int(np.nanargmax(sq))
    out[j] = w[j]
    return out


def marginal_z(genos: np.ndarray, y: np.ndarray) -> np.ndarray:
    """FUSION ``weights.marginal(beta=F)``: X'y/sqrt(n-1), the stored top1 column (marginal Z)."""
    return genos.T @ y / math.sqrt(y.shape[0] - 1)


@dataclass
class GeneData:
    """One gene's analysis-ready data, rows in FUSION's TMP .fam order.

    dosage: A1 dosages as in FUSION's TMP bed (A1 = minor), NaN = missing;
    scaled: FUSION's ``genos$bed`` (mean-imputed, scale()d, unscalable SNPs zeroed, --resid);
    y_fam: the TMP .fam phenotype that PLINK/GEMMA read; founders: PLINK founder mask;
    hsq: the heritability estimate handed to PLINK's --lasso.
    """

    dosage: np.ndarray
    scaled: np.ndarray
    y_fam: np.ndarray
    founders: np.ndarray
    hsq: float
    seed: int = 1


def _external_model(model: str, dosage: np.ndarray, y: np.ndarray, hsq: float, seed: int) -> np.ndarray:
    """lasso (PLINK --lasso, per-SD weights) or blup/bslmm (GEMMA, per-allele weights).

    Returns one weight per SNP, NaN where FUSION gets NA (no .lasso file; SNP absent from GEMMA).
    """
    p = dosage.shape[1]
    if model == "lasso":
        from twascli.core.lasso import plink_lasso

        w = plink_lasso(dosage, y, hsq, seed=seed)
        if w is None:
            return np.full(p, np.nan)
        return np.asarray(w, dtype=np.float64)
    from twascli.core.blup import gemma_blup, gemma_bslmm

    if model == "blup":
        return np.asarray(gemma_blup(dosage, y), dtype=np.float64)
    return np.asarray(gemma_bslmm(dosage, y, seed), dtype=np.float64)


def fit_weights(
    model: str,
    data: GeneData,
    rows: np.ndarray | None,
    y_scaled: np.ndarray,
    seed: int,
    foldid: np.ndarray | None = None,
) -> np.ndarray:
    """Weights of MODEL trained on ROWS (None = all samples, FUSION's full-sample fit).

    ``y_scaled`` is the scale()d phenotype of those rows in ROWS order (top1/enet input);
    ``foldid`` is cv.glmnet's pre-drawn fold assignment (enet only).
    """
    full = rows is None
    if model in ("top1", "enet"):
        x = data.scaled if full else data.scaled[rows]
        if model == "top1":
            return marginal_z(x, y_scaled) if full else top1_cv_weights(x, y_scaled)
        return fusion_enet_weights(x, y_scaled, alpha=0.5, foldid=foldid)
    if full:
        return _external_model(model, data.dosage, data.y_fam, data.hsq, seed)
    keep = np.sort(rows)  # PLINK --keep preserves .fam order
    sub = data.dosage[keep]
    flip = plink_a1_flip(sub, data.founders[keep])
    return _external_model(model, recode(sub, flip), data.y_fam[keep], data.hsq, seed)


def _enet_task(args: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """One FUSION weights.enet call (x, y, pre-drawn foldid); a picklable worker entry point.

    glmnet needs two or more SNPs: with one, enet's weights are NA (FUSION's R session stops
    there), so the other models of the gene still get their weights."""
    x, y, foldid = args
    if x.shape[1] < 2:
        return np.full(x.shape[1], np.nan)
    return fusion_enet_weights(x, y, alpha=0.5, foldid=foldid)


@dataclass
class _Fold:
    """One FUSION CV fold: held-out mask, training/held-out rows, training y, enet fold ids."""

    held: np.ndarray  # mask over the shuffled order
    train_rows: np.ndarray  # sample rows (TMP order indices) in shuffled order
    held_rows: np.ndarray  # the held-out sample rows, shuffled order
    y_train: np.ndarray
    enet_foldid: np.ndarray | None


def train_models(
    data: GeneData,
    models: list[str],
    nfolds: int,
    rng: RRandom,
    jobs: int = 1,
    log: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """FUSION's CV block (skipped when nfolds <= 1) then its full-sample fits.

    Returns (cv.performance 2 x M with NA where sd(prediction) is 0, wgt.matrix p x M with NA
    where a tool gives no weight). RNG must be freshly ``set.seed(1)``: it is advanced exactly
    as FUSION's R session is (sample(N), then one cv.glmnet foldid per enet fit, in order);
    the draws depend only on sample counts, so they are made first and the enet fits, the
    dominant cost, may then run in JOBS threads.
    """
    y = r_scale(data.y_fam)
    n = y.shape[0]
    use_enet = "enet" in models
    folds: list[_Fold] = []
    y_perm = y
    if nfolds > 1:
        cv_sample = rng.sample_int(n) - 1
        y_perm = y[cv_sample]
        labels = fusion_folds(n, nfolds)
        for i in range(1, nfolds + 1):
            held = labels == i
            rows = cv_sample[~held]
            fid = r_foldid(rng, rows.shape[0], 5) if use_enet else None
            folds.append(_Fold(held=held, train_rows=rows, held_rows=cv_sample[held], y_train=r_scale(y_perm[~held]), enet_foldid=fid))
    full_fid = r_foldid(rng, n, 5) if use_enet else None

    # enet fits: full data (the largest, first for load balance) then the folds
    enet_args = [(data.scaled, y, full_fid)] if use_enet else []
    if use_enet:
        enet_args += [(data.scaled[f.train_rows], f.y_train, f.enet_foldid) for f in folds]
    pool = None
    enet_results: list | None = None
    if use_enet and jobs > 1 and len(enet_args) > 1:
        from concurrent.futures import ThreadPoolExecutor

        # threads, not processes: the compiled kernels and BLAS release the GIL, and a thread
        # costs nothing to start (a process pool costs more than one gene's enet fits save)
        pool = ThreadPoolExecutor(min(jobs, len(enet_args)))
        pending = [pool.submit(_enet_task, a) for a in enet_args]
    try:
        if use_enet and pool is None:
            enet_results = [_enet_task(a) for a in enet_args]
        # the other models, in the main thread meanwhile
        other: dict[tuple[int, str], np.ndarray] = {}
        for i, f in enumerate(folds):
            if log is not None:
                log(f"- Crossval fold {i + 1} ")
            for model in models:
                if model != "enet":
                    other[(i, model)] = fit_weights(model, data, f.train_rows, f.y_train, seed=data.seed + i + 1)
        for model in models:
            if model != "enet":
                other[(-1, model)] = fit_weights(model, data, None, y, seed=data.seed)
        if pool is not None:
            enet_results = [job.result() for job in pending]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    def weights(i: int, model: str) -> np.ndarray:
        """Weights of MODEL fitted in fold I (-1: full data)."""
        if model == "enet":
            return enet_results[i + 1]  # type: ignore[index]  # [0] is the full-data fit
        return other[(i, model)]

    perf = np.full((2, len(models)), R_NA_REAL)
    if folds:
        calls = np.zeros((n, len(models)), dtype=np.float64)
        for i, f in enumerate(folds):
            x_held = data.scaled[f.held_rows]
            for m, model in enumerate(models):
                w = weights(i, model)
                calls[f.held, m] = x_held @ np.where(np.isnan(w), 0.0, w)
        for m in range(len(models)):
            pred = calls[:, m]
            if np.all(np.isfinite(pred)) and n > 1 and np.ptp(pred) != 0:
                perf[0, m], perf[1, m] = lm_slope_summary(y_perm, pred)
    wgt = np.zeros((data.scaled.shape[1], len(models)), dtype=np.float64)
    for m, model in enumerate(models):
        w = weights(-1, model)
        wgt[:, m] = np.where(np.isnan(w), R_NA_REAL, w)
    return perf, wgt
