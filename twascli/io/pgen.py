"""PLINK 2 .pgen/.pvar/.psam panels, read with pgenlib (PLINK 2's own reader) into twascli's
Genotypes, with the numbers ``plink2 --make-bed`` gives: hard calls counting the ALT allele, which
becomes the .bim A1 (REF the A2), missing calls NaN; .psam sample ids as the .fam's.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from twascli.errors import TwasError
from twascli.io.plink import BIM_COLUMNS, FAM_COLUMNS, Genotypes


def is_pgen(prefix: str) -> bool:
    """PREFIX names a PLINK 2 fileset (and no PLINK 1 one, which is preferred when both exist)."""
    return not os.path.exists(prefix + ".bed") and os.path.exists(prefix + ".pgen")


def _lines_after_comments(path: str) -> tuple[list[str] | None, int]:
    """The '#'-header fields (None if the file has no header line) and how many lines precede data."""
    skip = 0
    header = None
    with open(path) as handle:
        for line in handle:
            if line.startswith("##"):
                skip += 1
                continue
            if line.startswith("#"):
                header = line[1:].split()
                skip += 1
            break
    return header, skip


def _table(path: str, what: str) -> tuple[pd.DataFrame, list[str] | None]:
    if not os.path.exists(path):
        raise TwasError(f"{path}: file not found")
    header, skip = _lines_after_comments(path)
    try:
        df = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, skiprows=skip, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise TwasError(f"{path}: empty {what} file") from None
    if header is not None:
        if len(header) != df.shape[1]:
            raise TwasError(f"{path}: {len(header)} header fields but {df.shape[1]} columns in a {what} file")
        df.columns = [h.upper() for h in header]
    return df, header


def read_pvar(path: str) -> pd.DataFrame:
    """A .pvar (or header-less .bim-like) file as a .bim table: A1 = ALT, A2 = REF."""
    df, header = _table(path, ".pvar")
    if header is None:  # PLINK 2 accepts a .bim layout as .pvar
        if df.shape[1] != 6:
            raise TwasError(f"{path}: a .pvar without header needs the 6 .bim columns, found {df.shape[1]}")
        df.columns = BIM_COLUMNS
        bim = df
    else:
        missing = [c for c in ("CHROM", "POS", "ID", "REF", "ALT") if c not in df.columns]
        if missing:
            raise TwasError(f"{path}: .pvar header lacks {', '.join(missing)}")
        bim = pd.DataFrame({"chr": df["CHROM"], "snp": df["ID"], "cm": df["CM"] if "CM" in df.columns else "0",
                            "pos": df["POS"], "a1": df["ALT"], "a2": df["REF"]})
    multi = bim["a1"].str.contains(",", regex=False)
    if multi.any():
        raise TwasError(f"{path}: variant {bim['snp'][multi].iloc[0]} is multi-allelic; split it first "
                        "(plink2 --pfile ... --max-alleles 2 --make-pgen)")
    try:
        bim["cm"] = bim["cm"].astype(float)
        bim["pos"] = bim["pos"].astype(np.int64)
    except ValueError:
        raise TwasError(f"{path}: non-numeric position or cM column") from None
    return bim.reset_index(drop=True)


def read_psam(path: str) -> pd.DataFrame:
    """A .psam (or header-less .fam-like) file as a .fam table (FID 0 when absent, as plink2 --make-bed)."""
    df, header = _table(path, ".psam")
    if header is None:
        if df.shape[1] != 6:
            raise TwasError(f"{path}: a .psam without header needs the 6 .fam columns, found {df.shape[1]}")
        df.columns = FAM_COLUMNS
        fam = df
    else:
        if "IID" not in df.columns:
            raise TwasError(f"{path}: .psam header lacks IID")
        iid = df["IID"]
        fam = pd.DataFrame({
            "fid": df["FID"] if "FID" in df.columns else "0", "iid": iid,
            "father": df["PAT"] if "PAT" in df.columns else "0", "mother": df["MAT"] if "MAT" in df.columns else "0",
            "sex": df["SEX"].replace({"NA": "0"}) if "SEX" in df.columns else "0",
            "pheno": df["PHENO1"] if "PHENO1" in df.columns else "-9"})
    fam["pheno"] = pd.to_numeric(fam["pheno"], errors="coerce")
    return fam.reset_index(drop=True)


def read_pgen(prefix: str, bim: pd.DataFrame | None = None) -> Genotypes:
    """PREFIX.pgen/.pvar/.psam as Genotypes: n x p float32 ALT (= A1) hard-call counts, NaN missing."""
    try:
        import pgenlib
    except ImportError:  # pragma: no cover - a declared dependency
        raise TwasError(f"{prefix}.pgen: reading PLINK 2 files needs pgenlib (pip install pgenlib)") from None
    if bim is None:
        bim = read_pvar(prefix + ".pvar")
    fam = read_psam(prefix + ".psam")
    n, p = len(fam), len(bim)
    try:
        reader = pgenlib.PgenReader((prefix + ".pgen").encode(), raw_sample_ct=n)
    except Exception as exc:  # pgenlib raises RuntimeError with its own message
        raise TwasError(f"{prefix}.pgen: cannot open PLINK 2 file ({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})") from None
    try:
        if reader.get_variant_ct() != p:
            raise TwasError(f"{prefix}.pgen: {reader.get_variant_ct()} variants but {p} in {prefix}.pvar")
        calls = np.empty((p, n), dtype=np.int8)
        if p and n:
            reader.read_range(0, p, calls)  # ALT counts 0/1/2, -9 missing
    finally:
        reader.close()
    dosage = calls.T.astype(np.float32)
    dosage[dosage < 0] = np.nan
    return Genotypes(bim, fam, np.ascontiguousarray(dosage))
