"""PLINK 1 .bed/.bim/.fam reading and writing, with FUSION's conventions.

Dosages count the .bim A1 allele (column 5), as FUSION's ``read_plink`` does; missing calls are
mean-imputed per SNP over the whole file (``impute="avg"``) before any standardisation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from twascli.core.rstats import mean_impute
from twascli.errors import TwasError
from twascli.io.columns import Columns, read_columns

if TYPE_CHECKING:
    import pandas as pd

BIM_COLUMNS = ["chr", "snp", "cm", "pos", "a1", "a2"]
FAM_COLUMNS = ["fid", "iid", "father", "mother", "sex", "pheno"]


def _require(path: str) -> None:
    if not os.path.exists(path):
        raise TwasError(f"{path}: file not found")


def _read_columns(path: str, kind: str, names: list[str]) -> pd.DataFrame:
    """A whitespace-separated PLINK text file with exactly len(NAMES) columns, as strings."""
    import pandas as pd

    _require(path)
    try:
        df = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, engine="c")
    except pd.errors.EmptyDataError:
        raise TwasError(f"{path}: empty {kind} file") from None
    if df.shape[1] != len(names):
        raise TwasError(f"{path}: expected {len(names)} columns in a {kind} file, found {df.shape[1]}")
    df.columns = names
    return df


def plink_files(prefix: str) -> list[str]:
    """The three files of the panel PREFIX: .bed/.bim/.fam, or .pgen/.pvar/.psam for PLINK 2."""
    if not os.path.exists(prefix + ".bed") and os.path.exists(prefix + ".pgen"):
        return [prefix + ext for ext in (".pgen", ".pvar", ".psam")]
    return [prefix + ext for ext in (".bed", ".bim", ".fam")]


def read_variants(prefix: str) -> pd.DataFrame:
    """The variant table of the panel PREFIX as a .bim (from its .pvar for PLINK 2)."""
    if not os.path.exists(prefix + ".bed") and os.path.exists(prefix + ".pgen"):
        from twascli.io.pgen import read_pvar

        return read_pvar(prefix + ".pvar")
    return read_bim(prefix + ".bim")


def read_bim(path: str) -> pd.DataFrame:
    """Read a .bim file as strings (chr, snp, a1, a2), float cm and int pos."""
    bim = _read_columns(path, ".bim", BIM_COLUMNS)
    try:
        bim["cm"] = bim["cm"].astype(float)
        bim["pos"] = bim["pos"].astype(np.int64)
    except ValueError:
        raise TwasError(f"{path}: non-numeric position or cM column") from None
    return bim


def read_fam(path: str) -> pd.DataFrame:
    """Read a .fam file; IDs as strings, phenotype as float (-9 kept as a value, as FUSION does)."""
    import pandas as pd

    fam = _read_columns(path, ".fam", FAM_COLUMNS)
    fam["pheno"] = pd.to_numeric(fam["pheno"], errors="coerce")
    return fam


def _light_table(path: str, names: list[str]) -> Columns | None:
    """A regular PLINK text file as str Columns without pandas; None: let the pandas reader judge it."""
    _require(path)
    with open(path, "rb") as handle:
        return read_columns(handle.read(), names)


def read_bim_light(path: str) -> Columns | pd.DataFrame:
    """read_bim's table as Columns (cm float, pos int64, the rest str); read_bim's DataFrame when
    the file is not a plain regular .bim (so its errors are reported as read_bim reports them)."""
    bim = _light_table(path, BIM_COLUMNS)
    if bim is None or not len(bim):
        return read_bim(path)
    try:
        bim["cm"] = np.array(bim["cm"].tolist(), dtype=float)
        bim["pos"] = np.array(bim["pos"].tolist(), dtype=np.int64)
    except (ValueError, OverflowError):
        return read_bim(path)
    return bim


def read_fam_light(path: str) -> Columns | pd.DataFrame:
    """The .fam as str Columns without pandas (the phenotype left as text), else read_fam's DataFrame."""
    fam = _light_table(path, FAM_COLUMNS)
    return read_fam(path) if fam is None or not len(fam) else fam


@dataclass
class Genotypes:
    """A genotype panel: bim/fam tables and an n x p float32 A1-dosage matrix (NaN = missing)."""

    bim: Any  # pd.DataFrame, or Columns from read_plink(light=True)
    fam: Any
    dosage: np.ndarray

    @property
    def n(self) -> int:
        return self.dosage.shape[0]

    def imputed(self, cols: np.ndarray | slice | None = None) -> np.ndarray:
        """Float64 dosages of the chosen SNP columns with missing calls set to the SNP mean."""
        x = np.asarray(self.dosage if cols is None else self.dosage[:, cols], dtype=np.float64)
        return mean_impute(x)


def read_plink(prefix: str, bim: pd.DataFrame | None = None, light: bool = False) -> Genotypes:
    """Read PREFIX.bed/.bim/.fam once; dosage counts the .bim A1 allele.

    BIM may be the already-read PREFIX.bim, so that it is not parsed twice. A PLINK 2 fileset
    (PREFIX.pgen/.pvar/.psam, no .bed) is read by io/pgen.py instead, with the same conventions.
    LIGHT: bim and fam as Columns where the files are regular (no pandas import; read_bim_light).
    """
    if not os.path.exists(prefix + ".bed") and os.path.exists(prefix + ".pgen"):
        from twascli.io.pgen import read_pgen

        return read_pgen(prefix, bim)
    for ext in (".bed", ".bim", ".fam"):
        _require(prefix + ext)
    if bim is None:
        bim = read_bim_light(prefix + ".bim") if light else read_bim(prefix + ".bim")
    fam = read_fam_light(prefix + ".fam") if light else read_fam(prefix + ".fam")
    n, p = len(fam), len(bim)
    expected = 3 + p * ((n + 3) // 4)
    size = os.path.getsize(prefix + ".bed")
    with open(prefix + ".bed", "rb") as handle:
        magic = handle.read(3)
    if magic != b"\x6c\x1b\x01":
        raise TwasError(f"{prefix}.bed: not a SNP-major PLINK 1 .bed file")
    if size != expected:
        raise TwasError(
            f"{prefix}.bed: size {size} bytes does not match {p} SNPs x {n} samples "
            f"({expected} bytes expected)"
        )
    return Genotypes(bim, fam, decode_bed(prefix + ".bed", n, p))


# dosage of the .bim A1 allele for each 2-bit code: 00 -> 2, 01 -> missing, 10 -> 1, 11 -> 0
_CODE_DOSAGE = np.array([2.0, np.nan, 1.0, 0.0], dtype=np.float32)
# every byte value -> the dosages of its four samples (low bits first)
_BYTE_DOSAGE = _CODE_DOSAGE[(np.arange(256)[:, None] >> (2 * np.arange(4))) & 3]


def decode_bed(path: str, n: int, p: int, chunk: int = 8192) -> np.ndarray:
    """SNP-major .bed -> n x p float32 A1 dosages (NaN = missing), decoded a chunk of SNPs at a time.

    A 256-entry lookup table turns each byte into its four samples; no other library is needed.
    """
    out = np.empty((n, p), dtype=np.float32)
    if n == 0 or p == 0:
        return out
    per_snp = (n + 3) // 4
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=3, shape=(p, per_snp))
    for start in range(0, p, chunk):
        block = _BYTE_DOSAGE[raw[start:start + chunk]]  # (snps, bytes, 4)
        out[:, start:start + chunk] = block.reshape(block.shape[0], -1)[:, :n].T
    del raw
    return out


def write_plink(prefix: str, dosage: np.ndarray, bim: pd.DataFrame, fam: pd.DataFrame) -> None:
    """Write PREFIX.bed/.bim/.fam; DOSAGE (n x p) counts the bim A1 allele, NaN = missing."""
    import pandas as pd

    from twascli.io.atomic import atomic_write_bytes, atomic_write_text

    n, p = dosage.shape
    codes = np.full(dosage.shape, 1, dtype=np.uint8)  # 01 = missing
    codes[dosage == 2] = 0
    codes[dosage == 1] = 2
    codes[dosage == 0] = 3
    pad = (-n) % 4
    if pad:
        codes = np.vstack([codes, np.zeros((pad, p), dtype=np.uint8)])
    quads = codes.T.reshape(p, -1, 4)
    packed = (quads[:, :, 0] | (quads[:, :, 1] << 2) | (quads[:, :, 2] << 4) | (quads[:, :, 3] << 6)).astype(np.uint8)
    atomic_write_bytes(prefix + ".bed", b"\x6c\x1b\x01" + packed.tobytes())
    atomic_write_text(prefix + ".bim", bim[BIM_COLUMNS].to_csv(sep="\t", header=False, index=False))
    fam_out = fam[FAM_COLUMNS].copy()
    fam_out["pheno"] = fam_out["pheno"].map(lambda v: "-9" if pd.isna(v) else f"{v:.6g}")
    atomic_write_text(prefix + ".fam", fam_out.to_csv(sep=" ", header=False, index=False))
