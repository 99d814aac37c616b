"""FUSION's utils scripts: profile_wgt.R (weights summary), make_score.R (PLINK score file) and
compare_models.R (correlation of predicted expression between two sets of models).

Each ``*_text`` function returns the exact text the R script writes, so the CLI layer only prints
it; numbers go through :mod:`twascli.rformat` so the layout matches R byte for byte.
"""

from __future__ import annotations

import math
import os
import re
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

import numpy as np

from twascli.errors import TwasError

if TYPE_CHECKING:
    import pandas as pd

    from twascli.io.rdat import WeightModel
from twascli.rformat import R_NA_REAL, cat_str, format_df, format_real, is_r_na, r_round, write_table

#: Models profile_wgt.R reports, in its column order.
PROFILE_MODELS = ["top1", "blup", "enet", "bslmm", "lasso"]

#: make_score.R's usage text (printed, like FUSION, when the weight file is missing or unreadable).
SCORE_USAGE = (
    "\nUsage: Rscript make_score.R [wgt.RDat file] > [SCORE_FILE]\n"
    "The SCORE_FILE can be loaded directly into the PLINK software (https://www.cog-genomics.org/plink2)\n"
    "The best performing model (most significant cross-validation p-value) is always selected, even if it's top-snp\n"
    "To predict into individual-level data use the following command:\n"
    "plink --bfile [GENOTYPES] --score [SCORE_FILE] 1 2 4\n"
)


# ----------------------------------------------------------------------------- R statistics


def _na_vector(n: int) -> np.ndarray:
    """A vector of R NA_real_ (kept distinct from NaN so it prints 'NA', not 'NaN')."""
    return np.full(n, R_NA_REAL)


def r_mean(x: np.ndarray) -> float:
    """R mean() of doubles: long-double sum / n plus R's second-pass correction (NA if any NA)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return math.nan
    if np.isnan(x).any():
        return R_NA_REAL
    n = np.longdouble(x.size)
    s = np.sum(x.astype(np.longdouble)) / n
    if np.isfinite(float(s)):
        s = s + np.sum(x.astype(np.longdouble) - s) / n
    return float(s)


def r_sd(x: np.ndarray) -> float:
    """R sd() (cov.c two-pass, long double); NA for fewer than two values or any NA."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < 2 or np.isnan(x).any():
        return R_NA_REAL
    xl = x.astype(np.longdouble)
    n = np.longdouble(x.size)
    m = np.sum(xl) / n
    if np.isfinite(float(m)):
        m = m + np.sum(xl - m) / n
    xm = np.longdouble(float(m))
    dev = xl - xm
    return float(np.sqrt(float(np.sum(dev * dev) / np.longdouble(x.size - 1))))


def r_cor(x: np.ndarray, y: np.ndarray) -> float:
    """R cor(x, y) (Pearson, use='everything'): NaN when either vector has NA or zero variance."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size < 2 or np.isnan(x).any() or np.isnan(y).any():
        return math.nan
    xl, yl = x.astype(np.longdouble), y.astype(np.longdouble)
    n = np.longdouble(x.size)
    mx, my = np.sum(xl) / n, np.sum(yl) / n
    mx, my = mx + np.sum(xl - mx) / n, my + np.sum(yl - my) / n
    dx, dy = xl - np.longdouble(float(mx)), yl - np.longdouble(float(my))
    sxx, syy = float(np.sum(dx * dx)), float(np.sum(dy * dy))
    if sxx == 0.0 or syy == 0.0:
        return math.nan
    sxy = float(np.sum(dx * dy))
    r = sxy / (math.sqrt(sxx) * math.sqrt(syy))
    return min(1.0, max(-1.0, r))


def which_min(v: np.ndarray) -> int | None:
    """R which.min(): index of the first minimum ignoring NA/NaN, None when all are missing."""
    v = np.asarray(v, dtype=np.float64)
    ok = ~np.isnan(v)
    if not ok.any():
        return None
    return int(np.flatnonzero(ok & (v == v[ok].min()))[0])


def _best_model_column(model: WeightModel, path: str) -> int:
    """Column of wgt.matrix FUSION uses: which.min of cv.performance's p-value row (by position)."""
    cv = model.cv_performance
    if cv is None or cv.ndim != 2 or cv.shape[0] < 2:
        raise TwasError(f"{path}: weight file has no cross-validation p-values (cv.performance row 2)")
    best = which_min(cv[1])
    if best is None:
        raise TwasError(f"{path}: every cross-validation p-value is NA, no best model")
    if best >= model.wgt_matrix.shape[1]:
        raise TwasError(f"{path}: best model column {best + 1} is beyond wgt.matrix's {model.wgt_matrix.shape[1]} columns")
    return best


# ---------------------------------------------------------------------------- profile_wgt.R


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
    return ProfileRow(profile_name(path), len(model.snps), hsq, float(model.hsq_pv), rsq, pv)


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
    err = [cat_str("Average hsq:", r_mean(hsq[:, 0]), "(", _div(r_sd(hsq[:, 0]), math.sqrt(n)), ") \n", digits=3, nan_is_na=False)]
    err.append("\nAverage crossvalidation R2:\n")
    means = np.array([r_mean(rsq[present[:, k], k]) for k in range(rsq.shape[1])])
    ses = np.array([_div(r_sd(rsq[present[:, k], k]), math.sqrt(n)) for k in range(rsq.shape[1])])
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


# ----------------------------------------------------------------------------- make_score.R


def make_score_text(path: str, fix_true_alleles: bool = False) -> str:
    """The PLINK --score file make_score.R prints for one weight file (SNP A1 A2 weight).

    FIX_TRUE_ALLELES prints an allele column that R stored as logical TRUE as "T", not "TRUE"."""
    from twascli.io.rdat import read_wgt_rdat

    if not os.path.exists(path):
        raise TwasError(f"{path} does not exist or cannot be read")
    model = read_wgt_rdat(path, true_as_t=fix_true_alleles)
    col = _best_model_column(model, path)
    name = (model.cv_models or model.models)[col]
    w = np.asarray(model.wgt_matrix[:, col], dtype=np.float64)
    p = len(w)
    if name in ("lasso", "enet"):
        # R's logical index: NA weights select a row of NAs, as wgt.matrix[,best] != 0 does.
        rows: list[int | None] = [None if math.isnan(v) else i for i, v in enumerate(w.tolist()) if math.isnan(v) or v != 0]
    elif name == "top1":
        sq = w * w
        rows = [] if np.isnan(sq).all() else [int(np.nanargmax(sq))]
    else:
        rows = list(range(p))
    if not rows:
        return ""
    table: dict[str, object] = {
        c: _pick_text(model.snps[c].tolist(), rows) for c in ("snp", "a1", "a2")  # snps[,c(2,5,6)]
    }
    table["w"] = np.array([R_NA_REAL if i is None else w[i] for i in rows], dtype=np.float64)
    return write_table(format_df(table, digits=3, nan_is_na=False), header=False)


def _pick_text(values: list, rows: list[int | None]) -> list[str | None]:
    """VALUES[rows] as text, None (R NA) for missing cells and for NA row indices."""
    out: list[str | None] = []
    for i in rows:
        v = None if i is None else values[i]
        out.append(None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    return out


# ------------------------------------------------------------------------- compare_models.R


def _read_pos(path: str, chrom: str, flag: str) -> pd.DataFrame:
    """A .pos list restricted to chromosome CHROM (WGT CHR P0 P1 needed)."""
    from twascli.io.tables import read_table, to_float
    from twascli.io.weights_list import select_chr

    df = read_table(path, ["WGT", "CHR", "P0", "P1"], f"{flag} weights list")
    for c in ("P0", "P1"):
        v = to_float(df, c, path, f"{flag} weights list")
        if v.isna().any():
            raise TwasError(f"{path}: {flag} weights list column {c} has missing values")
        df[c] = v
    df = select_chr(df, chrom)
    if df.empty:
        raise TwasError(f"{path}: no models on chromosome {chrom} in the {flag} list")
    return df


def _predict(path: str, geno_scaled: np.ndarray, bim: pd.DataFrame, snp_index: dict[str, int]) -> np.ndarray:
    """Scaled predicted expression of one model in the reference (FUSION's matching and flips)."""
    from twascli.core.alleles import allele_qc
    from twascli.core.rstats import r_scale
    from twascli.io.rdat import read_wgt_rdat

    model = read_wgt_rdat(path)
    wgt = np.where(np.isnan(model.wgt_matrix), 0.0, model.wgt_matrix)
    col = _best_model_column(model, path)
    snp_ids = model.snps["snp"].tolist()
    m = np.array([snp_index.get(s, -1) if isinstance(s, str) else -1 for s in snp_ids], dtype=np.int64)
    keep = m >= 0
    idx = m[keep]
    w = wgt[keep, col].copy()
    _, flip = allele_qc(
        model.snps["a1"].to_numpy()[keep], model.snps["a2"].to_numpy()[keep],
        bim["a1"].to_numpy()[idx], bim["a2"].to_numpy()[idx],
    )
    w[flip] = -w[flip]
    pred = geno_scaled[:, idx] @ w if idx.size else np.zeros(geno_scaled.shape[0])
    return r_scale(pred)


def compare_models_run(
    pos1: str, pos2: str, chrom: str, ref_ld_chr: str, window: int, err: IO[str] | None = None
) -> str:
    """compare_models.R: one line per pair of models within WINDOW bp (WGT1 WGT2 dist cor)."""
    from twascli.chrom import chr_file_prefix, same_chr
    from twascli.core.rstats import r_scale
    from twascli.io.plink import read_plink

    err = sys.stderr if err is None else err
    p1 = _read_pos(pos1, chrom, "--pos1")
    p2 = _read_pos(pos2, chrom, "--pos2")
    geno = read_plink(chr_file_prefix(ref_ld_chr, chrom))
    scaled = r_scale(geno.imputed())
    snp_index: dict[str, int] = {}
    for j, s in enumerate(geno.bim["snp"].tolist()):
        snp_index.setdefault(s, j)

    preds = []
    for label, pos in (("pos1", p1), ("pos2", p2)):
        cur = []
        total = len(pos)
        for i, wgt in enumerate(pos["WGT"].tolist(), start=1):
            cur.append(_predict(wgt, scaled, geno.bim, snp_index))
            if i % 100 == 0:
                err.write(cat_str(f"Loading {label}", i, "/", total, "\n"))
        preds.append(cur)

    lines: list[str] = []
    c2 = p2["CHR"].tolist()
    a0, a1 = p2["P0"].to_numpy(), p2["P1"].to_numpy()
    for i, (w1, c1, s0, s1) in enumerate(zip(p1["WGT"], p1["CHR"], p1["P0"], p1["P1"])):
        same = np.array([same_chr(c, c1) for c in c2], dtype=bool)
        near = np.flatnonzero(same & (a0 < s1 + window) & (a1 > s0 - window))
        for ii in near.tolist():
            dist = (s0 + s1) / 2 - (a0[ii] + a1[ii]) / 2
            cor = r_cor(preds[0][i], preds[1][ii])
            lines.append(cat_str(w1, p2["WGT"].iloc[ii], float(dist), cor, "\n", sep="\t", digits=3))
    return "".join(lines)


__all__ = [
    "PROFILE_MODELS",
    "SCORE_USAGE",
    "compare_models_run",
    "make_score_text",
    "profile_weights",
    "profile_text",
    "read_path_list",
]
