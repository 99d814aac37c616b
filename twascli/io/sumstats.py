"""GWAS summary statistics: SNP A1 A2 Z required; BETA, SE, N optional; extra columns ignored."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
import os
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from twascli.errors import TwasError
from twascli.io.tables import compression_of, read_table, to_float


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


REQUIRED = ["SNP", "A1", "A2", "Z"]
_WINDOW = 48  # bytes of a line searched for its SNP id


def read_sumstats(path: str, snps: Iterable[str] | None = None) -> SumStats:
    """Read a sumstats file (optionally .gz). Duplicate SNP ids: the first row wins (R match()).

    SNPS (e.g. the LD panel's ids): only rows of these SNPs are needed, so a genome-wide file is
    filtered on its SNP column with numpy before any parsing; a problem in the kept rows is
    reported from a full read, as without SNPS.
    """
    df = _panel_rows(path, snps) if snps is not None else None
    if df is not None:
        try:
            return _sumstats_from_frame(df, path)
        except TwasError:
            pass  # the full read below names the offending line of the file
    return _sumstats_from_frame(read_table(path, REQUIRED, "sumstats"), path)


def _sumstats_from_frame(df: pd.DataFrame, path: str) -> SumStats:
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


def _panel_rows(path: str, snps: Iterable[str], chunk: int = 1 << 18) -> pd.DataFrame | None:
    """The header and the lines whose first field is one of SNPS, parsed as read_table would.

    None when the fast path does not apply (SNP not the first column, leading blanks, very long
    ids, unreadable file): the caller then reads the whole file.
    """
    if not os.path.exists(path):
        return None
    try:
        kind = compression_of(path)
        with open(path, "rb") as handle:
            raw = handle.read()
        raw = {"gzip": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}.get(kind, bytes)(raw)
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error):
        return None
    end_header = raw.find(b"\n")
    if end_header < 0 or raw[:end_header].split()[:1] != [b"SNP"]:
        return None
    buf = np.frombuffer(raw + b"\n" * _WINDOW, dtype=np.uint8)  # padded: every window fits
    newlines = np.flatnonzero(buf[: len(raw)] == 10)
    starts = newlines + 1
    ends = np.append(newlines[1:], len(raw))  # each line's end (its newline or end of file)
    nonempty = starts < ends
    starts, ends = starts[nonempty], ends[nonempty]
    if starts.size == 0:
        return None
    windows = np.lib.stride_tricks.as_strided(buf, shape=(len(raw), _WINDOW), strides=(1, 1), writeable=False)
    wanted_ids = sorted({s.encode() for s in snps if s.isascii() and 0 < len(s) < _WINDOW})
    wanted = np.array(wanted_ids, dtype=f"S{_WINDOW}")
    offsets = np.arange(_WINDOW)
    keep_lines: list[np.ndarray] = []
    for lo in range(0, starts.size, chunk):
        rows = windows[starts[lo:lo + chunk]]  # the first _WINDOW bytes of each line
        blank = (rows == 9) | (rows == 32) | (rows == 13) | (rows == 10)
        if blank[:, 0].any() or not blank.any(axis=1).all():
            return None  # leading blanks, or an id as long as the window
        rows[offsets >= blank.argmax(axis=1)[:, None]] = 0  # keep the first field only
        keep_lines.append(lo + np.flatnonzero(np.isin(rows.view(f"S{_WINDOW}").ravel(), wanted)))
    kept = np.concatenate(keep_lines)
    text = raw[: end_header + 1] + b"".join(raw[starts[i]:ends[i]] + b"\n" for i in kept.tolist())
    try:
        df = pd.read_csv(io.BytesIO(text), sep=r"\s+", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None
    if any(c not in df.columns for c in REQUIRED):
        return None
    return df


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
