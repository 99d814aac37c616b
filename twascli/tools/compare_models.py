"""compare_models.R: correlation of predicted expression in the LD reference between nearby
models of two weights lists (WGT1 WGT2 distance cor)."""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING

import numpy as np

from twascli.core.rstats import r_cor
from twascli.errors import TwasError
from twascli.rformat import cat_str
from twascli.tools.make_score import best_model_column

if TYPE_CHECKING:
    import pandas as pd


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
    col = best_model_column(model, path)
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
