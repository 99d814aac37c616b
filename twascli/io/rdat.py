"""FUSION .wgt.RDat files: read those written by R FUSION, write ones that R's load() reads back.

(Interface fixed here; reader/writer implementation in progress.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class WeightModel:
    """The objects of one FUSION .wgt.RDat file (older files may lack cv/hsq/N.tot)."""

    wgt_matrix: np.ndarray  # (p SNPs, m models) float64; NaN allowed
    models: list[str]  # colnames(wgt.matrix)
    snps: pd.DataFrame  # the bim rows: columns chr snp cm pos a1 a2 (R names V1..V6)
    cv_performance: np.ndarray | None = None  # (rows, models) usually rows rsq, pval
    cv_rows: list[str] = field(default_factory=lambda: ["rsq", "pval"])
    cv_models: list[str] | None = None  # colnames(cv.performance); defaults to models
    hsq: np.ndarray | None = None  # (estimate, SE)
    hsq_pv: float | None = None
    n_tot: int | None = None
    wgt_rownames: list[str] | None = None  # rownames(wgt.matrix); FUSION uses snps[,2]


def read_wgt_rdat(path: str) -> WeightModel:
    """Read a FUSION .wgt.RDat (gzip/bzip2/xz or plain R XDR serialisation)."""
    raise NotImplementedError


def write_wgt_rdat(path: str, model: WeightModel) -> None:
    """Write MODEL as an R save() file that R's load() restores with FUSION's classes/dimnames."""
    raise NotImplementedError
