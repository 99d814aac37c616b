"""`twascli munge`: any GWAS format (io/gwas_formats.py) to FUSION's SNP A1 A2 Z [BETA SE] [N].

Z is written with Python's shortest round-trip representation, so assoc-test on the written file
gives the same results as on the original file (where the conversion runs inline).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from twascli.errors import TwasError
from twascli.io.gwas_formats import convert
from twascli.io.sumstats import SumStats, is_fusion_format


def munge_frame(ss: SumStats) -> pd.DataFrame:
    """The FUSION-format table of a conversion: SNP A1 A2 Z, BETA SE when known, N when known."""
    df = pd.DataFrame({"SNP": ss.snp, "A1": ss.a1, "A2": ss.a2, "Z": ss.z})
    if ss.beta is not None and ss.se is not None:
        df["BETA"], df["SE"] = ss.beta, ss.se
    if ss.n is not None:
        n = np.asarray(ss.n, dtype=float)
        df["N"] = pd.Series(n).map(lambda v: "NA" if not np.isfinite(v) else (f"{int(v)}" if v == int(v) else repr(v)))
    return df


def report_lines(path: str, ss: SumStats, out: str) -> list[str]:
    """What happened to every row: read, converted (and how), dropped (and why)."""
    conv = ss.conversion
    lines = [f"{path}: {conv.format} format, {conv.rows_read} rows read",
             f"Z from {conv.z_from}: {len(ss.z)} SNPs written to {out}"]
    for reason, k in conv.dropped.items():
        lines.append(f"dropped {k}: {reason}")
    lines += conv.notes
    return lines


def run_munge(path: str, out: str, force: bool = False) -> list[str]:
    """Convert PATH and write OUT (never over an existing file unless FORCE); the report lines."""
    if os.path.abspath(path) == os.path.abspath(out):
        raise TwasError(f"{out}: --out is the input file")
    if os.path.exists(out) and not force:
        raise TwasError(f"{out}: file exists (give --force to replace it)")
    if os.path.exists(path) and is_fusion_format(path):
        raise TwasError(f"{path}: already in FUSION's format (SNP A1 A2 Z): nothing to convert")
    conv = convert(path)
    if len(conv.z) == 0:
        raise TwasError(f"{path}: no usable row ({', '.join(f'{k} {r}' for r, k in conv.conversion.dropped.items()) or 'empty'})")
    from twascli.io.atomic import atomic_open

    with atomic_open(out, "w") as handle:
        munge_frame(conv).to_csv(handle, sep="\t", index=False, na_rep="NA")
    return report_lines(path, conv, out)
