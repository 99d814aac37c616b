"""FUSION weights lists (.pos: WGT ID CHR P0 P1 [PANEL] [N]) and --PANELN tables."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from twascli.chrom import same_chr
from twascli.errors import TwasError
from twascli.io.tables import read_table, to_float


def read_weights_list(path: str) -> pd.DataFrame:
    """Read a weights list; CHR kept as text, P0/P1 as integers, N (if present) as float."""
    df = read_table(path, ["WGT", "ID", "CHR", "P0", "P1"], "weights list")
    for col in ("P0", "P1"):
        vals = to_float(df, col, path, "weights list")
        if vals.isna().any():
            raise TwasError(f"{path}: weights list column {col} has missing values")
        df[col] = vals.astype(np.int64)
    if "N" in df.columns:
        df["N"] = to_float(df, "N", path, "weights list")
    return df


def select_chr(wgtlist: pd.DataFrame, chrom: str) -> pd.DataFrame:
    """Rows of the weights list on chromosome CHROM ('chr6' and '6' match)."""
    keep = wgtlist["CHR"].map(lambda c: same_chr(c, chrom))
    return wgtlist.loc[keep].reset_index(drop=True)


def read_panel_n(path: str) -> dict[str, float]:
    """--PANELN: a tab-separated PANEL N table with header -> {panel: N}."""
    df = read_table(path, ["PANEL", "N"], "--PANELN", sep="\t")
    n = to_float(df, "N", path, "--PANELN")
    return dict(zip(df["PANEL"], n))


def weight_file_path(weights_dir: str | None, wgt: str) -> str:
    """FUSION joins --weights_dir and the WGT column with a '/'."""
    if weights_dir is None or weights_dir == "":
        return wgt
    return f"{weights_dir}/{wgt}"


def exists(path: str) -> bool:
    return os.path.exists(path)


def read_weight(wgt_file: str, fix_true_alleles: bool = False):
    """One weight file (a one-line error naming it if unreadable), or a PredictDB gene 'DB:GENE'."""
    from twascli.io import predictdb

    if predictdb.split_member(wgt_file):
        return predictdb.member(wgt_file)
    from twascli.io.rdat import read_wgt_rdat

    return read_wgt_rdat(wgt_file, true_as_t=fix_true_alleles)
