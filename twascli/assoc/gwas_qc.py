"""Checks of a GWAS and an LD reference before they are used: problems FUSION passes over silently are warned about
(file, count, action) or, when nothing sensible can be computed, refused in one line."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np
import pandas as pd

from twascli.errors import TwasError
from twascli.io.sumstats import SumStats

# |Z| of the smallest normal double p-value (2.2e-308, two-sided): qnorm(2.2e-308 / 2, lower = FALSE).
# An infinite Z (P = 0 turned into a Z-score) is capped here, keeping its sign.
Z_CAP = 37.5378

# Fewer Z values than this are too few to call their distribution suspicious.
_MIN_FOR_P_CHECK = 20


def check_sumstats(ss: SumStats, warn: Callable[[str], None]) -> SumStats:
    """Warn about duplicated ids, p-values in the Z column and infinite Z (capped at +-Z_CAP);
    refuse a GWAS in which no SNP has two A/C/G/T alleles."""
    path = ss.path
    if ss.n_duplicates:
        warn(f"WARNING: {path}: {ss.n_duplicates} rows repeat the SNP id of an earlier row (among the SNPs used); "
             "the first row of each id is kept")
    if len(ss.snp):
        acgt = ["A", "C", "G", "T"]  # alleles are upper-cased when read
        if not (pd.Series(ss.a1).isin(acgt).to_numpy() & pd.Series(ss.a2).isin(acgt).to_numpy()).any():
            raise TwasError(f"{path}: no SNP has valid alleles (A1 and A2 must each be one of A, C, G, T)")
    finite = ss.z[np.isfinite(ss.z)]
    if finite.size >= _MIN_FOR_P_CHECK and finite.min() >= 0 and finite.max() <= 1:
        warn(f"WARNING: {path}: all {finite.size} Z values lie in [0, 1]; the Z column looks like p-values "
             "(give signed Z-scores)")
    inf = np.isinf(ss.z)
    if inf.any():
        warn(f"WARNING: {path}: {int(inf.sum())} infinite Z values (P = 0?) capped at +-{Z_CAP:g} "
             "(the Z of the smallest double p-value)")
        ss = replace(ss, z=np.where(inf, np.sign(ss.z) * Z_CAP, ss.z))
    return ss


def check_bim_duplicates(path: str, snp: np.ndarray, warn: Callable[[str], None]) -> None:
    """Warn when the LD reference repeats a SNP id (the first row of each id is used, as FUSION's match())."""
    dup = pd.Index(snp).duplicated()
    if dup.any():
        warn(f"WARNING: {path}: {int(dup.sum())} rows repeat an earlier SNP id (first: {snp[dup][0]}); "
             "weights and GWAS are matched to the first row of each id")


def drop_monomorphic(path: str, ref, warn: Callable[[str], None]) -> None:
    """Leave LD-reference SNPs without variation out of REF's SNP index (as if absent from the panel).

    FUSION stops with an R error on such a SNP in a gene's window (its issue #7); dropping the SNP
    keeps the gene, which is then tested on its other SNPs (imputation covers a GWAS-only SNP).
    """
    mono = ~ref.ldc.varies  # all-missing columns count as without variation
    if ref.geno.dosage.size == 0 or not mono.any():
        return
    snps = ref.geno.bim["snp"].to_numpy()
    for i in np.flatnonzero(mono):
        if ref.snp_index.get(snps[i]) == i:
            del ref.snp_index[snps[i]]
    warn(f"WARNING: {path}: {int(mono.sum())} SNPs have no variation in the LD reference (first: {snps[mono][0]}); "
         "they are left out of every gene")
