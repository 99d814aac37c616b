"""make_score.R: a PLINK score file (SNP A1 weight) from a weight file's best model."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

import numpy as np

from twascli.core.rstats import which_min
from twascli.errors import TwasError
from twascli.rformat import R_NA_REAL, format_df, write_table

if TYPE_CHECKING:
    from twascli.io.rdat import WeightModel

#: make_score.R's usage text (printed, like FUSION, when the weight file is missing or unreadable).
SCORE_USAGE = (
    "\nUsage: Rscript make_score.R [wgt.RDat file] > [SCORE_FILE]\n"
    "The SCORE_FILE can be loaded directly into the PLINK software (https://www.cog-genomics.org/plink2)\n"
    "The best performing model (most significant cross-validation p-value) is always selected, even if it's top-snp\n"
    "To predict into individual-level data use the following command:\n"
    "plink --bfile [GENOTYPES] --score [SCORE_FILE] 1 2 4\n"
)



def best_model_column(model: WeightModel, path: str) -> int:
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


def make_score_text(path: str, fix_true_alleles: bool = False) -> str:
    """The PLINK --score file make_score.R prints for one weight file (SNP A1 A2 weight).

    FIX_TRUE_ALLELES prints an allele column that R stored as logical TRUE as "T", not "TRUE"."""
    from twascli.io.rdat import read_wgt_rdat

    if not os.path.exists(path):
        raise TwasError(f"{path} does not exist or cannot be read")
    model = read_wgt_rdat(path, true_as_t=fix_true_alleles)
    col = best_model_column(model, path)
    name = (model.cv_models or model.models)[col]
    w = np.asarray(model.wgt_matrix[:, col], dtype=np.float64)
    if w.size and np.isnan(w).all():  # make_score.R prints NA rows or nothing: no usable score file
        raise TwasError(f"{path}: every weight of the best model ({name}) is NA; no score file written")
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
