"""profile_wgt.R: per-model table of a list of weight files and its summary (average hsq, CV R2,
% of genes where each model is best), as the text R writes to stdout and stderr."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

import numpy as np

from twascli.core.rstats import r_mean, r_sd_na
from twascli.errors import TwasError
from twascli.rformat import R_NA_REAL, cat_str, format_real, is_r_na, r_round, write_table

#: Models profile_wgt.R reports, in its column order.
PROFILE_MODELS = ["top1", "blup", "enet", "bslmm", "lasso"]


def _na_vector(n: int) -> np.ndarray:
    """A vector of R NA_real_ (kept distinct from NaN so it prints 'NA', not 'NaN')."""
    return np.full(n, R_NA_REAL)


def read_path_list(path: str) -> list[str]:
    """First whitespace-separated field of each non-blank, non-comment line (R read.table(...)[,1])."""
    if not os.path.exists(path):
        raise TwasError(f"{path}: list of weight files not found")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise TwasError(f"{path}: cannot read list of weight files ({exc.strerror or exc})") from None
    out: list[str] = []
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if fields:
            tok = fields[0]
            if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in "\"'":
                tok = tok[1:-1]
            out.append(tok)
    if not out:
        raise TwasError(f"{path}: list of weight files is empty")
    return out


def profile_name(path: str) -> str:
    """FUSION's row id: basename with the regex '.wgt.RDat' removed everywhere (gsub)."""
    return re.sub(r".wgt.RDat", "", os.path.basename(path.rstrip("/")) or path)


@dataclass
class ProfileRow:
    """The values profile_wgt.R collects from one weight file."""

    name: str
    nsnps: int
    hsq: np.ndarray  # (estimate, SE)
    hsq_pv: float
    rsq: np.ndarray  # per PROFILE_MODELS, R NA where the model is absent
    pv: np.ndarray


def profile_row(path: str) -> ProfileRow:
    """Load one weight file and pick out nsnps, hsq, hsq.pv and CV R2/p per reported model."""
    from twascli.io.rdat import read_wgt_rdat

    model = read_wgt_rdat(path)
    if model.hsq is None or len(model.hsq) not in (1, 2):
        raise TwasError(f"{path}: weight file has no heritability estimate (hsq)")
    if model.hsq_pv is None:
        raise TwasError(f"{path}: weight file has no heritability p-value (hsq.pv)")
    cv = model.cv_performance
    if cv is None or cv.ndim != 2 or cv.shape[0] < 2:
        raise TwasError(f"{path}: weight file has no cross-validation performance (cv.performance)")
    cols = model.cv_models or []
    rsq, pv = _na_vector(len(PROFILE_MODELS)), _na_vector(len(PROFILE_MODELS))
    for k, name in enumerate(PROFILE_MODELS):
        if name in cols:
            j = cols.index(name)
            rsq[k], pv[k] = cv[0, j], cv[1, j]
    hsq = np.resize(np.asarray(model.hsq, dtype=np.float64), 2)
    return ProfileRow(profile_name(path), model.n_snps, hsq, float(model.hsq_pv), rsq, pv)


def _fmt_matrix(values: np.ndarray, digits: int) -> np.ndarray:
    """R format(matrix, digits=) : one common format for every cell, same shape back."""
    flat = format_real(values.ravel(), digits, nan_is_na=False)
    return np.array(flat, dtype=object).reshape(values.shape)


def profile_text(rows: list[ProfileRow]) -> tuple[str, str]:
    """(stdout, stderr) of FUSION.profile_wgt.R for the loaded weight files, in list order."""
    n = len(rows)
    hsq = np.array([r.hsq for r in rows], dtype=np.float64).reshape(n, 2)
    hsq_pv = np.array([r.hsq_pv for r in rows], dtype=np.float64)
    rsq = np.array([r.rsq for r in rows], dtype=np.float64).reshape(n, len(PROFILE_MODELS))
    pv = np.array([r.pv for r in rows], dtype=np.float64).reshape(n, len(PROFILE_MODELS))

    hsq_s = _fmt_matrix(hsq, 2)
    hsqpv_s = format_real(hsq_pv, 2, nan_is_na=False)
    rsq_s = _fmt_matrix(r_round(rsq, 3).reshape(rsq.shape), 3)
    pv_s = _fmt_matrix(pv, 2)
    table: dict[str, list[str]] = {
        "id": [r.name for r in rows],
        "nsnps": [str(r.nsnps) for r in rows],
        "hsq": list(hsq_s[:, 0]),
        "hsq.se": list(hsq_s[:, 1]),
        "hsq.pv": hsqpv_s,
    }
    for k, m in enumerate(PROFILE_MODELS):
        table[f"{m}.r2"] = list(rsq_s[:, k])
    for k, m in enumerate(PROFILE_MODELS):
        table[f"{m}.pv"] = list(pv_s[:, k])
    out = write_table(table)

    # Summary (stderr), printed after options(digits=3).
    present = ~np.isnan(rsq)
    best = np.max(np.where(present, rsq, -np.inf), axis=1)  # max(na.rm=T): -Inf for an all-NA row
    err = [cat_str("Average hsq:", r_mean(hsq[:, 0]), "(", _div(r_sd_na(hsq[:, 0]), math.sqrt(n)), ") \n", digits=3, nan_is_na=False)]
    err.append("\nAverage crossvalidation R2:\n")
    means = np.array([r_mean(rsq[present[:, k], k]) for k in range(rsq.shape[1])])
    ses = np.array([_div(r_sd_na(rsq[present[:, k], k]), math.sqrt(n)) for k in range(rsq.shape[1])])
    mean_s = format_real(means, 3, nan_is_na=False)
    se_s = format_real(ses, 3, nan_is_na=False)
    err.append("R2\tSE\n" + "".join(f"{m}\t{a}\t{b}\n" for m, a, b in zip(PROFILE_MODELS, mean_s, se_s)))
    err.append(cat_str("BEST", format_real([r_mean(best)], 3, nan_is_na=False)[0], "\n", sep="\t"))
    err.append("\n% Model is best:\n")
    for k, m in enumerate(PROFILE_MODELS):
        col = present[:, k]
        hits = int(np.sum(rsq[col, k] == best[col]))
        share = float(np.longdouble(hits) / np.longdouble(int(col.sum()))) if col.any() else math.nan
        err.append(cat_str(m, ": ", 100 * share, "%", "\n", sep="", digits=3, nan_is_na=False))
    return out, "".join(err)


def _div(a: float, b: float) -> float:
    """a / b keeping R's NA (rather than a plain NaN) when a is NA."""
    return R_NA_REAL if bool(is_r_na(np.array([a]))[0]) else a / b


def profile_weights(list_path: str) -> tuple[str, str]:
    """Run profile_wgt.R on a file listing .wgt.RDat paths: (stdout table, stderr summary)."""
    paths = read_path_list(list_path)
    return profile_text([profile_row(p) for p in paths])
