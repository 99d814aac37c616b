"""assoc-test's COLOC step: build FUSION's two coloc datasets for a gene and fill its row.

Dataset 1 (eQTL): beta = top1 z / sqrt(N_eqtl), varbeta = 1/N_eqtl. Dataset 2 (GWAS): BETA and
SE^2 when the sumstats have them (then without N, so coloc.susie fails as in FUSION), else
z / sqrt(GWASN) and 1/GWASN. Any coloc error leaves the gene's COLOC columns NA/empty.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from twascli import rformat
from twascli.core.coloc import ColocError, coloc_abf, coloc_susie
from twascli.io.atomic import atomic_write_text


def _eqtl_n(entry: pd.Series, carry: dict) -> float | None:
    """The eQTL sample size: the weights list N (or PANELN), else the file's N.tot."""
    if "N" in entry.index and entry["N"] is not None and not pd.isna(entry["N"]):
        return float(entry["N"])
    if carry.get("n_tot") is not None:
        return float(np.asarray(carry["n_tot"]).ravel()[0])
    return None


def run_coloc(opts, trait, entry, label, row, wmat, eqtl_cols, gene, cur_z,
              carry, run_abf, run_susie, log, result, wgt_file: str) -> None:
    """coloc.abf and/or coloc.susie for one gene, writing into ROW (FUSION's semantics)."""
    ld = gene.ld
    n_eqtl = _eqtl_n(entry, carry)
    if n_eqtl is None or n_eqtl < 1:
        log(f"WARNING :  {label} missing N.tot in weight file, skipping coloc.susie.")
        return
    eqtl_z = wmat[:, eqtl_cols[0]] if eqtl_cols else np.empty(0)
    beta1 = eqtl_z / math.sqrt(n_eqtl)
    var1 = np.full(beta1.size, 1.0 / n_eqtl)
    snps = gene.snp_ids
    if trait.beta is not None and trait.se is not None:
        beta2 = trait.beta[gene.cols]
        var2 = trait.se[gene.cols] ** 2
        n_gwas = None
        gaps = ~(np.isfinite(beta2) & np.isfinite(var2))
        if gaps.any():
            if getattr(opts, "coloc_beta_from_z", False):  # SNPs without BETA/SE (imputed): z/sqrt(N), 1/N
                beta2, var2 = beta2.copy(), var2.copy()
                beta2[gaps] = cur_z[gaps] / math.sqrt(opts.GWASN)
                var2[gaps] = 1.0 / opts.GWASN
            else:  # FUSION: coloc fails, the COLOC columns stay NA (said once per run)
                result.coloc_gaps.append(str(entry["ID"]))
    else:
        beta2 = cur_z / math.sqrt(opts.GWASN)
        var2 = np.full(beta2.size, 1.0 / opts.GWASN)
        n_gwas = float(opts.GWASN)
    digits = 3 if opts.digits is None else opts.digits

    if run_abf:
        try:
            res = coloc_abf(beta1, var1, beta2, var2, snp=snps, ld=ld, N1=n_eqtl, N2=n_gwas)
        except ColocError:
            res = None
        if res is not None:
            pp = rformat.r_round(np.asarray(res.pp, dtype=float), 3)
            for i in range(5):
                row[f"COLOC.PP{i}"] = float(pp[i])

    if run_susie:
        try:
            res = coloc_susie(beta1, var1, beta2, var2, ld, n_eqtl, n_gwas, snp=snps)
        except ColocError:
            return
        where = {"FILE": wgt_file, "ID": str(entry["ID"]), "CHR": entry["CHR"],
                 "P0": entry["P0"], "P1": entry["P1"]}
        cs = res.summary
        if len(cs) > 0:
            cs = cs.copy()
            for k, v in where.items():
                cs[k] = v
            result.susie_summary.append(cs)
            row["COLOC.SUSIE.HIT1"] = ",".join(str(h) for h in cs["hit1"])
            row["COLOC.SUSIE.HIT2"] = ",".join(str(h) for h in cs["hit2"])
            for i in range(5):
                row[f"COLOC.SUSIE.PP{i}"] = rformat.paste_format(cs[f"PP.H{i}.abf"].to_numpy(float), digits)
        if res.results is not None and len(res.results) > 0:
            rs = res.results.copy()
            for k, v in where.items():
                rs[k] = v
            result.susie_results.append(rs)


def _rbind_fill(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """FUSION's rbind_fill: union of columns in order of appearance, missing cells NA."""
    cols: list[str] = []
    for t in tables:
        cols.extend(c for c in t.columns if c not in cols)
    return pd.concat([t.reindex(columns=cols) for t in tables], ignore_index=True)


def write_susie_tables(out: str, result) -> None:
    """OUT.coloc.susie.summary / OUT.coloc.susie.results, as write.table writes them."""
    for suffix, tables in ((".coloc.susie.summary", result.susie_summary), (".coloc.susie.results", result.susie_results)):
        if tables:
            atomic_write_text(out + suffix, rformat.write_table(_rbind_fill(tables)))
