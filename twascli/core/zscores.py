"""Z-scores from the statistics GWAS files carry: BETA/SE, log(OR)/SE, or a p-value and a sign.

Z = BETA / SE (Wald); from a two-sided P with the sign of the effect, Z = sign * qnorm(P/2,
lower.tail = FALSE), computed on the log scale (scipy's ``ndtri_exp``) so that P below 1e-308,
given as -log10 P (GWAS-VCF's LP, GWAS-SSF's neg_log_10_p_value) or as text like "3e-500",
still gives a finite Z.
"""

from __future__ import annotations

import numpy as np

_LN10 = np.log(10.0)


def z_from_beta_se(beta: np.ndarray, se: np.ndarray) -> np.ndarray:
    """Wald Z = BETA / SE; NaN where SE is not positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, beta / se, np.nan)


def z_from_log10p(neg_log10_p: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """sign * |Z| of a two-sided p-value given as -log10 P: |Z| = -qnorm(log(P/2), log.p = TRUE)."""
    from scipy.special import ndtri_exp

    log_half_p = -np.asarray(neg_log10_p, dtype=float) * _LN10 - np.log(2.0)
    with np.errstate(invalid="ignore"):
        absz = -ndtri_exp(np.minimum(log_half_p, -np.log(2.0)))
    ok = np.isfinite(neg_log10_p) & (np.asarray(neg_log10_p) >= 0) & np.isfinite(sign)
    return np.where(ok, np.sign(sign) * absz, np.nan)


def z_from_p(p: np.ndarray, sign: np.ndarray, p_text: np.ndarray | None = None) -> np.ndarray:
    """sign * qnorm(P/2, lower.tail = FALSE); P = 0 read as text ("1e-400") keeps its exponent."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where((p > 0) & (p <= 1), -np.log10(p), np.nan)
    if p_text is not None:
        tiny = p == 0
        if tiny.any():
            lp[tiny] = log10_from_text(np.asarray(p_text, dtype=object)[tiny])
    return z_from_log10p(lp, sign)


def log10_from_text(values: np.ndarray) -> np.ndarray:
    """-log10 of numbers written as text that underflow a double ("2.5e-400" -> 399.60...)."""
    out = np.full(len(values), np.nan)
    for i, text in enumerate(values):  # only the rare rows whose P underflowed to 0
        mant, _, exp = str(text).lower().partition("e")
        try:
            m, e = float(mant), int(exp or 0)
        except ValueError:
            continue
        if m > 0:
            out[i] = -(np.log10(m) + e)
    return out
