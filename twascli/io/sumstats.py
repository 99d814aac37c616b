"""GWAS summary statistics: SNP A1 A2 Z required; BETA, SE, N optional; extra columns ignored."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twascli.io.tables import read_table, to_float


@dataclass
class SumStats:
    """Per-SNP GWAS statistics; alleles upper-cased, Z/BETA/SE as float (NaN = missing)."""

    snp: np.ndarray
    a1: np.ndarray
    a2: np.ndarray
    z: np.ndarray
    beta: np.ndarray | None
    se: np.ndarray | None
    path: str

    @property
    def has_beta_se(self) -> bool:
        return self.beta is not None and self.se is not None


def read_sumstats(path: str) -> SumStats:
    """Read a sumstats file (optionally .gz). Duplicate SNP ids: the first row wins (R match())."""
    df = read_table(path, ["SNP", "A1", "A2", "Z"], "sumstats")
    df = df.drop_duplicates(subset="SNP", keep="first")
    z = to_float(df, "Z", path, "sumstats").to_numpy()
    beta = to_float(df, "BETA", path, "sumstats").to_numpy() if "BETA" in df.columns else None
    se = to_float(df, "SE", path, "sumstats").to_numpy() if "SE" in df.columns else None
    if beta is None or se is None:
        beta = se = None
    return SumStats(
        snp=df["SNP"].to_numpy(dtype=object),
        a1=df["A1"].str.upper().to_numpy(dtype=object),
        a2=df["A2"].str.upper().to_numpy(dtype=object),
        z=z,
        beta=beta,
        se=se,
        path=path,
    )


def align_to_snps(ss: SumStats, snps: np.ndarray) -> pd.DataFrame:
    """Sumstats rows matched to SNP ids SNPS (in that order); unmatched rows are NaN/None."""
    idx = pd.Index(ss.snp).get_indexer(snps)
    found = idx >= 0
    out = pd.DataFrame({"SNP": snps})

    def take(arr, fill):
        res = np.full(len(snps), fill, dtype=object if fill is None else float)
        res[found] = arr[idx[found]]
        return res

    out["A1"] = take(ss.a1, None)
    out["A2"] = take(ss.a2, None)
    out["Z"] = take(ss.z, np.nan)
    if ss.has_beta_se:
        out["BETA"] = take(ss.beta, np.nan)
        out["SE"] = take(ss.se, np.nan)
    out["found"] = found
    return out
