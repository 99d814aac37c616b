"""FOCUS fine-mapping of a TWAS locus: posterior inclusion probabilities of models and credible sets.

The model of Mancuso et al. 2019, Nat Genet 51:675 ("Probabilistic fine-mapping of transcriptome-wide
association studies"), as implemented in pyfocus (mancusolab/ma-focus, pyfocus/finemap.py:
`bayes_factor`, `calculate_pips`, `get_resid`, `add_credible_set`). Pure numpy on one locus:
TWAS z-scores of its m models and the m x m correlation of their predicted expression.

Under a causal configuration S (a set of at most `max_genes` models), z ~ N(0, R + R_S D R_S')
with D = (s2 / |S|) I; FOCUS's Bayes factor against the null (z ~ N(0, R)) only needs R_SS and
z_S (the FINEMAP shortcut). The prior is independent Bernoulli(p) per model; the null model is the
empty configuration. Memory is O(m^2 + chunk x max_genes^2), time O(#configurations).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, islice
from math import comb

import numpy as np

#: FOCUS's defaults (bin/focus: --prior-prob numeric 1e-3, --max-genes 3, --credible-level 0.9).
DEFAULT_PRIOR_PROB = 1e-3
DEFAULT_MAX_GENES = 3
DEFAULT_CREDIBLE = 0.9
_CHUNK = 65536  # configurations scored at once


@dataclass
class FinemapResult:
    """PIPs of the models and of the null model, the credible set, and the quantities behind them."""

    pips: np.ndarray  # (m,) posterior inclusion probability of each model
    null_pip: float  # posterior probability of the null (no causal model) configuration
    in_cred_set: np.ndarray  # (m,) bool
    null_in_cred_set: bool
    z: np.ndarray  # z-scores used for the Bayes factors (after the intercept, if any)
    prior_chisq: float  # s2: prior variance of the causal effects (scaled by the GWAS N)
    inter_z: float | None  # z-score of the intercept (--intercept), None without it
    n_configs: int  # configurations enumerated, the null excluded


def prior_chisq(z: np.ndarray, corr: np.ndarray) -> float:
    """s2 = z' R^+ z, FOCUS's prior effect variance (`calculate_pips`: lstsq(wcor, z), then dot with z).

    The minimum-norm least-squares solution (singular values below max(m, m) * eps * largest
    are dropped), as scipy.linalg.lstsq / numpy.linalg.lstsq(rcond=None) compute it.
    """
    if len(z) == 0:
        return 0.0
    sol = np.linalg.lstsq(corr, z, rcond=None)[0]
    return float(z @ sol)


def _pinvh(a: np.ndarray) -> tuple[np.ndarray, int]:
    """Pseudo-inverse of a symmetric matrix and its rank (scipy.linalg.pinvh's default cut-off)."""
    vals, vecs = np.linalg.eigh(a)
    cut = a.shape[0] * np.finfo(float).eps * (np.max(np.abs(vals)) if vals.size else 0.0)
    keep = np.abs(vals) > cut
    inv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
    return inv, int(keep.sum())


def regress_intercept(z: np.ndarray, corr: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, float]:
    """Remove the average pleiotropic signal tagged by the models (FOCUS `--intercept`, `get_resid`).

    INTERCEPT_i = sum over the locus SNPs of corr(predicted expression i, SNP) (FOCUS: the row sums
    of diag(1/sd) W' LD). GLS fit z = a * alpha + e with e ~ N(0, s2 R): alpha = a'R^+z / a'R^+a,
    residual z - a alpha, s2 = e'R^+e / (rank - 1); returns (residual z, alpha / sqrt(s2 / a'R^+a)).
    """
    rinv, rank = _pinvh(corr)
    denom = float(intercept @ rinv @ intercept)
    alpha = float(intercept @ rinv @ z) / denom
    resid = z - intercept * alpha
    s2 = float(resid @ rinv @ resid) / (rank - 1 if rank > 1 else 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        inter_z = alpha / np.sqrt(s2 / denom)
    return resid, float(inter_z)


def ridge_adjust(z: np.ndarray, corr: np.ndarray, sd: np.ndarray, wtw: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    """TWAS z and predicted-expression correlation as FOCUS computes them with LD + RIDGE * I
    (`focus finemap --ridge-term`, LDRefPanel.estimate_ld; default there 0.1).

    With SD_i = sqrt(w_i'R w_i) and WTW = W'W: cov = R_g * SD SD' + ridge W'W;
    z_i = w_i'z_gwas / sqrt(cov_ii) = z_i(ridge 0) * SD_i / sqrt(cov_ii); corr = cov_ij / sqrt(cov_ii cov_jj).
    """
    cov = corr * np.outer(sd, sd) + ridge * wtw
    d = np.sqrt(np.diag(cov))
    return z * sd / d, cov / np.outer(d, d)


def log_bayes_factors(z: np.ndarray, corr: np.ndarray, configs: np.ndarray, s2: float) -> np.ndarray:
    """log BF of each causal configuration (rows of CONFIGS, k model indices each) against the null.

    FOCUS `bayes_factor`: with R_SS = U diag(l) U' and c = s2 / k,
    log BF = -1/2 sum log(1 + c l) + 1/2 sum c / (1 + c l) (U' z_S)^2.
    (FOCUS takes the SVD, whose singular values are |l|; the same is used here.)
    """
    k = configs.shape[1]
    c = s2 / k
    zs = z[configs]  # (C, k)
    if k == 1:
        lam = np.abs(corr[configs[:, 0], configs[:, 0]])[:, None]
        proj2 = zs * zs
    else:
        sub = corr[configs[:, :, None], configs[:, None, :]]  # (C, k, k)
        vals, vecs = np.linalg.eigh(sub)
        lam = np.abs(vals)
        proj2 = np.einsum("ci,cij->cj", zs, vecs) ** 2
    return -0.5 * np.log1p(c * lam).sum(axis=1) + 0.5 * (c / (1.0 + c * lam) * proj2).sum(axis=1)


def _config_chunks(m: int, k: int, chunk: int = _CHUNK):
    """All k-subsets of range(m) in lexicographic order, as (<=CHUNK, k) int arrays."""
    it = combinations(range(m), k)
    while True:
        block = list(islice(it, chunk))
        if not block:
            return
        yield np.array(block, dtype=np.intp).reshape(len(block), k)


def n_configurations(m: int, max_genes: int) -> int:
    """Number of non-empty causal configurations FOCUS enumerates."""
    return sum(comb(m, k) for k in range(1, min(max_genes, m) + 1))


def credible_set(pips: np.ndarray, null_pip: float, level: float) -> tuple[np.ndarray, bool]:
    """FOCUS `add_credible_set`: sort models and the null by PIP (descending), normalise by their sum,
    take them in that order until the cumulative share reaches LEVEL (the one crossing it included).

    Ties keep the models' order (then the null last); FOCUS's pandas sort leaves tie order unspecified.
    """
    allp = np.append(np.asarray(pips, dtype=float), null_pip)
    order = np.argsort(-allp, kind="stable")
    csum = np.cumsum(allp[order] / allp.sum())
    reach = np.flatnonzero(csum >= level)
    n_in = int(reach[0]) + 1 if reach.size else len(allp)
    flag = np.zeros(len(allp), dtype=bool)
    flag[order[:n_in]] = True
    return flag[:-1], bool(flag[-1])


def finemap(
    z: np.ndarray, corr: np.ndarray, prior_prob: float = DEFAULT_PRIOR_PROB, max_genes: int = DEFAULT_MAX_GENES,
    credible: float = DEFAULT_CREDIBLE, intercept: np.ndarray | None = None,
) -> FinemapResult:
    """FOCUS's posterior over causal configurations of one locus (`calculate_pips` + credible set).

    Z: TWAS z of the m models; CORR: their predicted-expression correlation (m x m).
    log prior of S = |S| log p + (m - |S|) log(1 - p); the null (S empty) has log BF 0.
    PIP_i = sum over S containing i of the posterior of S; configurations have 1..max_genes models.
    s2 is computed from the z before the intercept regression, as FOCUS does.
    """
    z = np.asarray(z, dtype=float)
    corr = np.asarray(corr, dtype=float)
    m = len(z)
    s2 = prior_chisq(z, corr)
    inter_z = None
    zbf = z
    if intercept is not None and m:
        zbf, inter_z = regress_intercept(z, corr, np.asarray(intercept, dtype=float))
    log_p, log_q = np.log(prior_prob), np.log1p(-prior_prob)
    log_null = m * log_q
    # two passes keep memory bounded by the chunk: first the normaliser, then the PIPs
    scores: list[tuple[np.ndarray, np.ndarray]] = []
    kmax = min(max_genes, m)
    total = n_configurations(m, max_genes)
    keep_all = total <= 4 * _CHUNK
    run_max, run_sum = log_null, 1.0  # streaming log-sum-exp: sum of exp(x - run_max)
    for k in range(1, kmax + 1):
        log_prior = k * log_p + (m - k) * log_q
        for cfg in _config_chunks(m, k):
            loc = log_bayes_factors(zbf, corr, cfg, s2) + log_prior
            mx = float(loc.max())
            if mx > run_max:
                run_sum = run_sum * np.exp(run_max - mx)
                run_max = mx
            run_sum += float(np.exp(loc - run_max).sum())
            if keep_all:
                scores.append((cfg, loc))
    log_marg = run_max + np.log(run_sum)
    pips = np.zeros(m)
    chunks = scores if keep_all else (
        (cfg, log_bayes_factors(zbf, corr, cfg, s2) + k * log_p + (m - k) * log_q)
        for k in range(1, kmax + 1) for cfg in _config_chunks(m, k)
    )
    for cfg, loc in chunks:
        post = np.exp(loc - log_marg)
        pips += np.bincount(cfg.ravel(), weights=np.repeat(post, cfg.shape[1]), minlength=m)
    null_pip = float(np.exp(log_null - log_marg))
    cs, null_cs = credible_set(pips, null_pip, credible) if m else (np.zeros(0, dtype=bool), True)
    return FinemapResult(pips, null_pip, cs, null_cs, zbf, s2, inter_z, total)
