"""Cis-heritability as FUSION measures it: PLINK 1.9 ``--make-grm-bin`` then GCTA REML.

FUSION.compute_weights.R runs ``plink --make-grm-bin`` on its TMP copy of the gene's genotypes and
``gcta --grm TMP --pheno P [--qcovar COVAR] --reml --reml-no-constrain --reml-lrt 1``; it reads
``V(G)/Vp`` (estimate, SE) and ``Pval`` from the ``.hsq`` file. This module reproduces both
programs natively (spec ALGORITHMS.md section (a)):

* :func:`plink_grm` -- the GRM of section a.2 (founder allele frequencies, per-pair SNP counts,
  diagonal 1 + Fhat1, optional float32 rounding as in the ``.grm.bin`` file GCTA reads).
* :func:`gcta_reml` -- the REML fit of section a.3 (EM first step, AI steps with the 0.316
  damping rule, GCTA's convergence rule, delta-method SEs, LRT against the closed-form reduced
  model, ``Pval = 0.5 * P(chi2_1 > LRT)`` with GCTA's absolute ~1e-16 precision).
* :func:`format_hsq_file` -- the text of GCTA's ``.hsq`` file; :func:`fusion_hsq_values` -- the
  numbers FUSION parses back from it; :func:`format_fusion_hsq_line` -- FUSION's own
  ``--save_hsq`` line (``out hsq se pval``).

All functions are pure: arrays in, arrays/values out, no file access.

Vectorisation: V = s_g*A + s_e*I shares the eigenvectors of A, so ``gcta_reml`` computes one
eigendecomposition A = Q diag(a) Q' per fit and works in the rotated basis, where V is diagonal;
each EM/AI iteration then costs O(n c^2) for c fixed effects instead of a dense n x n inverse.
The algebra is that of GCTA's dense code (same objective, same P, same traces, same AI matrix),
so the estimates agree with GCTA's printed digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twascli.core.tails import chi2_1_cdf, chi2_1_sf

__all__ = [
    "RemlResult",
    "plink_grm",
    "gcta_reml",
    "gcta_chi_prob",
    "format_hsq_file",
    "fusion_hsq_values",
    "format_fusion_hsq_line",
]

# GCTA defaults (main/option.cpp; est_hsq.cpp reml_iteration / ai_reml)
GCTA_MAX_ITER = 100
_AI_DAMPING = 0.316
_LOGL_START = -1e20


# --------------------------------------------------------------------------------------------
# (a.2) PLINK 1.9 --make-grm-bin
# --------------------------------------------------------------------------------------------


def plink_grm(
    dosage: np.ndarray,
    founders: np.ndarray | None = None,
    float32: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The genetic relationship matrix PLINK 1.9 ``--make-grm-bin`` writes (spec a.2).

    Parameters
    ----------
    dosage
        n x p A1 dosages (0/1/2, NaN = missing call) of the autosomal SNPs, samples in .fam order.
        The caller drops chrX/Y/MT SNPs first; with no SNP left PLINK stops ("No variants
        remaining") and FUSION skips the gene. The GRM does not depend on which allele is A1.
    founders
        Boolean mask of founders (samples with neither parent in the data). Allele frequencies
        come from founders only; ``None`` means every sample is a founder (PID = MID = 0).
    float32
        Round A and M to float32 and back, as GCTA reads them from ``.grm.bin``/``.grm.N.bin``
        (needed to reproduce GCTA's printed digits).

    Returns
    -------
    (A, M)
        A[i, k] = sum_j z_ij z_kj / M[i, k] with z_ij = (x_ij - 2p_j)/sqrt(2p_j(1-p_j)) and 0 for a
        missing call; M[i, k] = number of SNPs called in both i and k (M[i, i]: called in i).
        SNPs monomorphic among founders (p in {0, 1}) add nothing to A but still count in M.
        If such a SNP is polymorphic among non-founders PLINK divides by zero: it writes +inf
        on the diagonal of the deviating samples (and arbitrary finite values elsewhere in
        their rows, which are not reproduced). Those diagonal entries are +inf here too, and
        gcta_reml returns None for such a GRM (GCTA cannot fit it).
    """
    x = np.asarray(dosage, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("dosage must be an n x p matrix")
    n, p = x.shape
    called = ~np.isnan(x)
    if founders is None:
        fmask = np.ones(n, dtype=bool)
    else:
        fmask = np.asarray(founders, dtype=bool)
    xf = np.where(called & fmask[:, None], x, 0.0)
    nf = (called & fmask[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        freq = xf.sum(axis=0) / (2.0 * nf)  # A1 frequency among called founders
    freq = np.where(nf > 0, freq, 0.0)
    var = 2.0 * freq * (1.0 - freq)
    poly = var > 0
    dev = np.where(called, x - 2.0 * freq, 0.0)
    z = np.zeros_like(dev)
    z[:, poly] = dev[:, poly] / np.sqrt(var[poly])
    cm = called.astype(np.float64)
    m = cm @ cm.T
    with np.errstate(invalid="ignore", divide="ignore"):
        a = (z @ z.T) / m
    bad = (~poly) & (np.abs(dev) > 0).any(axis=0)
    if bad.any():
        touched = (np.abs(dev[:, bad]) > 0).any(axis=1)
        a[np.flatnonzero(touched), np.flatnonzero(touched)] = np.inf
    if float32:
        a = a.astype(np.float32).astype(np.float64)
        m = m.astype(np.float32).astype(np.float64)
    return a, m


# --------------------------------------------------------------------------------------------
# (a.3) GCTA REML
# --------------------------------------------------------------------------------------------


@dataclass
class RemlResult:
    """One GCTA ``--reml --reml-no-constrain --reml-lrt 1`` fit (the rows of its .hsq file).

    ``hsq`` is V(G)/Vp; the ``*_se`` fields are the SEs GCTA prints; ``var_cov`` is GCTA's H^-1,
    the sampling covariance of (V(G), V(e)). ``iterations`` counts REML iterations (EM + AI).
    """

    vg: float
    ve: float
    vp: float
    hsq: float
    vg_se: float
    ve_se: float
    vp_se: float
    hsq_se: float
    logL: float
    logL0: float
    lrt: float
    pval: float
    n: int
    var_cov: np.ndarray
    iterations: int
    converged_in_em: bool = False


def gcta_chi_prob(lrt: float) -> float:
    """GCTA's ``StatFunc::chi_prob`` for 1 df: P(chi2_1 > lrt) computed as 1 - P(chi2_1 <= lrt).

    GCTA evaluates the regularised lower incomplete gamma function (series for x < a + 1, else
    1 minus the continued fraction) and subtracts it from 1, so its tail probability has an
    absolute precision of about 1e-16 and becomes exactly 0 for large statistics (spec a.3).
    This reproduces that: the small-x branch returns 1 - cdf, the large-x branch returns
    1 - (1 - sf), both in double precision.
    """
    if not (lrt >= 0.0):
        return float("nan")
    if 0.5 * lrt < 1.5:  # GCTA's x < a + 1 with a = df/2, x = lrt/2
        return 1.0 - chi2_1_cdf(lrt)
    return 1.0 - (1.0 - chi2_1_sf(lrt))


def _is_missing(v: np.ndarray) -> np.ndarray:
    """GCTA/PLINK/GEMMA missing-value rule for numeric phenotypes/covariates: NaN or -9."""
    return np.isnan(v) | (v == -9.0)


class _Singular(Exception):
    """A matrix GCTA must invert is (numerically) singular: GCTA stops with an error."""


def _inv_logabsdet(mat: np.ndarray) -> tuple[np.ndarray, float]:
    """Inverse and log|det| of a small square matrix the way GCTA's SquareMatrixInverse ends up.

    GCTA tries LLT, then LU, QR and column-pivoted QR; whichever succeeds gives the same inverse
    and log|det| up to rounding. It fails only when the matrix is rank deficient.
    """
    if not np.all(np.isfinite(mat)):
        raise _Singular
    sign, logdet = np.linalg.slogdet(mat)
    if sign == 0 or not np.isfinite(logdet):
        raise _Singular
    sv = np.linalg.svd(mat, compute_uv=False)
    if sv[-1] <= sv[0] * mat.shape[0] * np.finfo(float).eps:
        raise _Singular
    return np.linalg.inv(mat), float(logdet)


class _RotatedReml:
    """REML pieces for V = s_g*A + s_e*I in the eigenbasis of A (V diagonal there)."""

    def __init__(self, evals: np.ndarray, yt: np.ndarray, xt: np.ndarray):
        self.a = evals  # eigenvalues of A
        self.yt = yt  # Q'y
        self.xt = xt  # Q'X (n x c)
        self.n = yt.shape[0]

    def evaluate(self, sg: float, se: float) -> dict:
        """logL, P-products, traces at (sg, se). Raises _Singular when GCTA would stop."""
        d = sg * self.a + se
        if not np.all(np.isfinite(d)):
            raise _Singular
        absd = np.abs(d)
        # PD: GCTA's Cholesky succeeds. Otherwise its LU/QR fallbacks give log|det V| unless V
        # is numerically rank deficient (column-pivoted QR's n*eps relative threshold).
        if not (d > 0).all() and absd.min() <= absd.max() * self.n * np.finfo(float).eps:
            raise _Singular
        dinv = 1.0 / d
        logdet_v = float(np.log(absd).sum())
        b = dinv[:, None] * self.xt  # V^-1 X (rotated)
        c_mat = self.xt.T @ b  # X' V^-1 X
        c_inv, logdet_c = _inv_logabsdet(c_mat)
        bc = b @ c_inv

        def apply_p(v: np.ndarray) -> np.ndarray:
            return dinv * v - bc @ (b.T @ v)

        py = apply_p(self.yt)
        ypy = float(self.yt @ py)
        diag_p = dinv - np.einsum("ij,ij->i", bc, b)
        return {
            "dinv": dinv,
            "b": b,
            "c_inv": c_inv,
            "apply_p": apply_p,
            "py": py,
            "logL": -0.5 * (logdet_c + logdet_v + ypy),
            "tr": np.array([float(diag_p @ self.a), float(diag_p.sum())]),
        }

    def em_step(self, ev: dict, sig: np.ndarray) -> np.ndarray:
        """GCTA em_reml: s_i <- s_i - s_i^2 (tr(PA_i) - y'PA_iPy)/n."""
        py = ev["py"]
        r = np.array([float(py @ (self.a * py)), float(py @ py)])
        return sig - sig * sig * (ev["tr"] - r) / self.n

    def ai_step(self, ev: dict, sig: np.ndarray, dlogl: float) -> tuple[np.ndarray, np.ndarray]:
        """GCTA ai_reml: returns (new sigma, H^-1 = AI^-1)."""
        py = ev["py"]
        apy = np.stack([self.a * py, py], axis=1)  # A_i P y (rotated), A_e = I
        papy = np.stack([ev["apply_p"](apy[:, 0]), ev["apply_p"](apy[:, 1])], axis=1)
        ai = 0.5 * (apy.T @ papy)
        ai = 0.5 * (ai + ai.T)
        r = np.array([float(py @ apy[:, 0]), float(py @ apy[:, 1])])
        score = -0.5 * (ev["tr"] - r)
        hi, _ = _inv_logabsdet(ai)
        delta = hi @ score
        step = _AI_DAMPING if dlogl > 1.0 else 1.0
        return sig + step * delta, hi

    def em_hinv(self, ev: dict) -> np.ndarray:
        """GCTA calcu_Hi after an EM-converged fit: 2 * [tr(P A_i P A_j)]^-1."""
        p_mat = np.diag(ev["dinv"]) - ev["b"] @ ev["c_inv"] @ ev["b"].T
        p2 = p_mat * p_mat
        w = np.stack([self.a, np.ones_like(self.a)], axis=1)
        t = w.T @ p2 @ w  # sum_kl P_kl^2 w_i[l] w_j[k]
        hi, _ = _inv_logabsdet(t)
        return 2.0 * hi


def gcta_reml(
    y: np.ndarray,
    grm: np.ndarray,
    covar: np.ndarray | None = None,
    max_iter: int = GCTA_MAX_ITER,
) -> RemlResult | None:
    """GCTA ``--reml --reml-no-constrain --reml-lrt 1`` on one GRM (spec a.3).

    Parameters
    ----------
    y
        Phenotype, length n in GRM order. NaN or -9 = missing (sample dropped, as GCTA does).
        FUSION passes the raw phenotype (``--rn``-transformed if asked), also with ``--covar``.
    grm
        n x n GRM, e.g. ``plink_grm(...)[0]`` (float32-rounded to match GCTA's digits).
    covar
        Optional n x q quantitative covariates (``--qcovar``), fitted with an intercept as
        X = [1, covar]. A sample with any covariate NaN or -9 is dropped. FUSION's header line
        matches no sample in GCTA, so just pass the numeric columns.
    max_iter
        GCTA's ``--reml-maxit`` (default 100).

    Returns
    -------
    RemlResult, or None where GCTA writes no ``.hsq`` (FUSION then skips the gene): fewer than
    10 samples, fewer than 2 distinct phenotype values, a non-finite GRM, a singular V, X'V^-1X
    or information matrix, or no convergence within ``max_iter`` iterations.

    Notes
    -----
    Starting values (Vp0/2, Vp0/2) with Vp0 the n-1 sample variance; iteration 0 is an EM-REML
    step, later ones AI-REML with step 0.316*delta when the previous logL change exceeded 1;
    no constraint on negative components; converged when
    ||s_new - s_prev||^2/||s_new||^2 < 1e-8 and (|dlogL| < 1e-4 or -1e-2 < dlogL < 0).
    Non-positive-definite V is allowed as in GCTA 1.94.1, the version of the reference FUSION
    run (its failed Cholesky falls back to LU/QR, which give log|det V|); only a singular V
    stops. Iterations that wander into such V and never settle hit the 100-iteration limit,
    which is how GCTA fails on some genes. The reduced model (residual only) uses its
    closed form. SE(hsq) by the delta method. ``pval = 0.5 * gcta_chi_prob(LRT)``.
    """
    yv = np.asarray(y, dtype=np.float64).ravel()
    a_full = np.asarray(grm, dtype=np.float64)
    n_all = yv.shape[0]
    if a_full.shape != (n_all, n_all):
        raise ValueError("grm must be n x n with n = len(y)")
    keep = ~_is_missing(yv)
    cov = None
    if covar is not None:
        cov = np.asarray(covar, dtype=np.float64)
        if cov.ndim == 1:
            cov = cov[:, None]
        if cov.shape[0] != n_all:
            raise ValueError("covar must have one row per sample")
        keep &= ~_is_missing(cov).any(axis=1)
    idx = np.flatnonzero(keep)
    n = idx.size
    if n < 10:
        return None
    yk = yv[idx]
    if np.unique(yk).size < 2:
        return None
    a = a_full[np.ix_(idx, idx)]
    if not np.all(np.isfinite(a)):
        return None
    x = np.ones((n, 1))
    if cov is not None and cov.shape[1] > 0:
        x = np.column_stack([x, cov[idx]])
    c = x.shape[1]

    vp0 = float(np.sum((yk - yk.mean()) ** 2) / (n - 1.0))
    if not (abs(vp0) < 1e30):
        return None

    a = 0.5 * (a + a.T)
    evals, evecs = np.linalg.eigh(a)
    model = _RotatedReml(evals, evecs.T @ yk, evecs.T @ x)

    prev = np.array([vp0 / 2.0, vp0 / 2.0])
    prev_logl = _LOGL_START
    dlogl = 1000.0
    hinv = None
    converged = False
    em_conv = False
    logl = _LOGL_START
    sig = prev.copy()
    it = 0
    try:
        for it in range(max_iter):
            ev = model.evaluate(prev[0], prev[1])
            if it == 0:
                sig = model.em_step(ev, prev)
            else:
                sig, hinv = model.ai_step(ev, prev, dlogl)
            logl = ev["logL"]
            dlogl = logl - prev_logl
            with np.errstate(invalid="ignore", divide="ignore"):
                rel = float(np.sum((sig - prev) ** 2) / np.sum(sig**2))
            if rel < 1e-8 and (abs(dlogl) < 1e-4 or (abs(dlogl) < 1e-2 and dlogl < 0)):
                converged = True
                if it == 0:
                    hinv = model.em_hinv(ev)
                    em_conv = True
                break
            prev = sig
            prev_logl = logl
    except _Singular:
        return None
    if not converged or hinv is None:
        return None

    vg, ve = np.float64(sig[0]), np.float64(sig[1])
    vp = vg + ve
    var_vp = np.float64(hinv.sum())
    cov12 = np.float64(hinv[0, 0] + hinv[0, 1])
    with np.errstate(invalid="ignore", divide="ignore"):  # V(G) = 0 or Vp = 0: nan/inf as GCTA
        hsq = vg / vp
        var_hsq = hsq * hsq * (hinv[0, 0] / (vg * vg) + var_vp / (vp * vp) - 2.0 * cov12 / (vg * vp))

    # Reduced model (V(G) dropped): closed form of the residual-only REML optimum.
    beta, *_ = np.linalg.lstsq(x, yk, rcond=None)
    rss = float(np.sum((yk - x @ beta) ** 2))
    s2 = rss / (n - c)
    if not s2 > 0:  # covariates fit y exactly: no residual variance to compare against
        return None
    _, logdet_xx = np.linalg.slogdet(x.T @ x)
    logl0 = -0.5 * ((n - c) * math.log(s2) + float(logdet_xx) + (n - c))
    lrt = max(0.0, 2.0 * (logl - logl0))
    pval = 0.5 * gcta_chi_prob(lrt)

    def _se(v: float) -> float:
        return math.sqrt(v) if v >= 0 else float("nan")  # GCTA prints nan for sqrt(<0)

    return RemlResult(
        vg=float(vg),
        ve=float(ve),
        vp=float(vp),
        hsq=float(hsq),
        vg_se=_se(float(hinv[0, 0])),
        ve_se=_se(float(hinv[1, 1])),
        vp_se=_se(float(var_vp)),
        hsq_se=_se(float(var_hsq)),
        logL=float(logl),
        logL0=float(logl0),
        lrt=float(lrt),
        pval=float(pval),
        n=int(n),
        var_cov=hinv,
        iterations=it + 1,
        converged_in_em=em_conv,
    )


# --------------------------------------------------------------------------------------------
# Output formats
# --------------------------------------------------------------------------------------------


def _c_fixed(v: float, digits: int) -> str:
    """C++ ``std::fixed`` output (nan/inf spelled as glibc prints them)."""
    if math.isnan(v):
        return "-nan" if math.copysign(1.0, v) < 0 else "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.{digits}f}"


def _c_sci(v: float, digits: int) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.{digits}e}"


def format_hsq_file(result: RemlResult) -> str:
    """The ``.hsq`` file GCTA (current releases, e.g. 1.94.1) writes for this fit (spec a.3).

    Tab-separated; variance rows with 6 decimals, logL/logL0/LRT with 3, ``Pval`` as ``%.4e``,
    then ``n``. FUSION reads only the ``V(G)/Vp`` row and ``Pval`` (see fusion_hsq_values).
    """
    r = result
    lines = [
        "Source\tVariance\tSE",
        f"V(G)\t{_c_fixed(r.vg, 6)}\t{_c_fixed(r.vg_se, 6)}",
        f"V(e)\t{_c_fixed(r.ve, 6)}\t{_c_fixed(r.ve_se, 6)}",
        f"Vp\t{_c_fixed(r.vp, 6)}\t{_c_fixed(r.vp_se, 6)}",
        f"V(G)/Vp\t{_c_fixed(r.hsq, 6)}\t{_c_fixed(r.hsq_se, 6)}",
        f"logL\t{_c_fixed(r.logL, 3)}",
        f"logL0\t{_c_fixed(r.logL0, 3)}",
        f"LRT\t{_c_fixed(r.lrt, 3)}",
        "df\t1",
        f"Pval\t{_c_sci(r.pval, 4)}",
        f"n\t{r.n}",
    ]
    return "\n".join(lines) + "\n"


def _parse_r_number(text: str) -> float:
    """R's as.numeric on a token GCTA printed ('nan'/'-nan' -> NaN)."""
    try:
        return float(text)
    except ValueError:
        return float("nan")


def fusion_hsq_values(result: RemlResult) -> tuple[float, float, float]:
    """(hsq, hsq_se, hsq_pv) exactly as FUSION reads them back from GCTA's ``.hsq`` file.

    FUSION parses the printed text, so hsq/SE are rounded to 6 decimals and Pval to 5
    significant digits; its skip rule ``hsq < 0 || pv > hsq_p`` applies to these values
    (e.g. an estimate of -4e-7 prints as -0.000000 and is not negative for FUSION).
    """
    return (
        _parse_r_number(_c_fixed(result.hsq, 6)),
        _parse_r_number(_c_fixed(result.hsq_se, 6)),
        _parse_r_number(_c_sci(result.pval, 4)),
    )


def _r_format_num(x: float, digits: int = 7) -> str:
    """How R's ``cat``/``print`` shows one double with ``digits`` significant digits.

    Emulates R's formatReal for a single value: the fewest significant digits (<= digits)
    that represent the value at ``digits`` precision, then fixed notation unless scientific
    is narrower (R_print.scipen = 0).
    """
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == 0:
        return "0"
    neg = x < 0
    ax = abs(x)
    kp = math.floor(math.log10(ax))
    mant = round(ax / 10.0**kp * 10 ** (digits - 1))
    if mant >= 10**digits:  # rounding carried into a new leading digit
        kp += 1
        mant = round(ax / 10.0**kp * 10 ** (digits - 1))
    nsig = digits
    while nsig > 1 and mant % 10 == 0:
        mant //= 10
        nsig -= 1
    # fixed notation width
    rgt = max(0, nsig - kp - 1)
    left = kp + 1 if kp >= 0 else 1
    w_fixed = int(neg) + left + (rgt + 1 if rgt > 0 else 0)
    # scientific notation width
    exp_digits = 3 if abs(kp) >= 100 else 2
    w_sci = int(neg) + (nsig + 1 if nsig > 1 else 1) + 2 + exp_digits
    if w_fixed <= w_sci:
        return f"{x:.{rgt}f}"
    s = f"{x:.{nsig - 1}e}"
    mpart, epart = s.split("e")
    esign = epart[0]
    edig = epart[1:].lstrip("0").rjust(exp_digits, "0")
    return f"{mpart}e{esign}{edig}"


def format_fusion_hsq_line(out: str, result: RemlResult) -> str:
    """The line FUSION's ``--save_hsq`` writes to ``<out>.hsq``: ``cat(out, hsq, hsq.pv, '\\n')``.

    That is ``out``, the estimate and SE of V(G)/Vp and the LRT p-value as FUSION parsed them
    from GCTA's file (see fusion_hsq_values), printed the way R's cat prints numbers (up to 7
    significant digits), space-separated, with R's trailing space before the newline.
    """
    hsq, se, pv = fusion_hsq_values(result)
    return " ".join([out, _r_format_num(hsq), _r_format_num(se), _r_format_num(pv), "\n"])
