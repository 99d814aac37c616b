"""GWAS summary statistics in the formats people have, converted to FUSION's SNP A1 A2 Z.

Recognised: any headed table whose columns are known synonyms (io/gwas_columns.py: LDSC's list,
GWAS-SSF, METAL, PLINK, ...) carrying Z; BETA + SE; OR (or HR) + SE; or P (or -log10 P) with a
signed effect (BETA, OR or SIGN); and GWAS-VCF (FORMAT fields ES/SE/LP/EZ/AF/SS/ID of the first
sample; ALT is the effect allele). Every row read is either converted or counted under the reason
it was dropped (``Conversion.dropped``).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from twascli.core import zscores
from twascli.errors import TwasError
from twascli.io.gwas_columns import canonical_columns
from twascli.io.tables import compression_of

if TYPE_CHECKING:
    import pandas as pd

    from twascli.io.sumstats import SumStats

_MISSING = ["NA", "", "NaN", "nan", ".", "NULL", "null", "None"]
_POSITIONAL_ID = re.compile(r"^(?:chr)?([0-9A-Za-z]+)[:_](\d+)(?:[:_]([A-Za-z*]+)[:_]([A-Za-z*]+))?$", re.IGNORECASE)


@dataclass
class Conversion:
    """How a GWAS file was converted to per-SNP Z: its format and what happened to every row."""

    format: str
    rows_read: int
    z_from: str
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def open_text(path: str) -> io.TextIOBase:
    """A text handle on PATH, decompressing gzip/bz2/xz whatever the file's name; bytes that are not
    UTF-8 (latin-1 free text in a column twascli does not use) are replaced, not fatal."""
    kind = compression_of(path)
    if kind == "gzip":
        import gzip

        return gzip.open(path, "rt", errors="replace")
    if kind == "bz2":
        import bz2

        return bz2.open(path, "rt", errors="replace")
    if kind == "xz":
        import lzma

        return lzma.open(path, "rt", errors="replace")
    return open(path, "rt", errors="replace")


def first_line(path: str) -> str:
    """The file's first line (empty if none), for recognising its format."""
    try:
        with open_text(path) as handle:
            return handle.readline()
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise TwasError(f"{path}: cannot read sumstats file ({exc})") from None


def is_vcf(line: str) -> bool:
    return line.startswith("##fileformat=VCF") or line.startswith("#CHROM")


def convert(path: str) -> "SumStats":
    """Read PATH (a table or a GWAS-VCF) and convert it to Z; TwasError if it cannot be."""
    if not os.path.exists(path):
        raise TwasError(f"{path}: sumstats file not found")
    head = first_line(path)
    if not head.strip():
        raise TwasError(f"{path}: sumstats file is empty")
    if is_vcf(head):
        return _convert_vcf(path)
    return _convert_table(path, head)


def _numbers(values: pd.Series) -> np.ndarray:
    """Floats with missing/non-numeric values as NaN (each such row is dropped and counted)."""
    import pandas as pd

    return pd.to_numeric(values.where(~values.isin(_MISSING)), errors="coerce").to_numpy(dtype=float)


def _convert_table(path: str, head: str) -> Conversion:
    import pandas as pd

    sep = "\t" if "\t" in head else r"\s+"
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, compression=compression_of(path))
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TwasError(f"{path}: cannot parse sumstats file ({first})") from None
    cols = canonical_columns(list(df.columns))
    ssf = "BASE_PAIR_LOCATION" in {c.upper() for c in df.columns} or any(c.lower().startswith("hm_") for c in df.columns)
    kind = "GWAS-SSF" if ssf else "table"
    get = {k: df[v] for k, v in cols.items()}
    if "A1" not in get or "A2" not in get:
        raise TwasError(f"{path}: unknown sumstats format: no effect/other allele columns found "
                        f"(found: {' '.join(map(str, df.columns))}); see README 'Input formats'")
    if "SNP" not in get and not ("CHR" in get and "POS" in get):
        raise TwasError(f"{path}: unknown sumstats format: no SNP id column and no CHR/POS columns "
                        f"(found: {' '.join(map(str, df.columns))})")
    num = {k: _numbers(get[k]) for k in ("Z", "BETA", "OR", "SE", "P", "LOG10P", "SIGN", "N", "N_CAS", "N_CON") if k in get}
    dropped: list = []
    beta = num.get("BETA")
    if beta is None and "OR" in num:
        with np.errstate(divide="ignore", invalid="ignore"):
            beta = np.where(num["OR"] > 0, np.log(num["OR"]), np.nan)
        _count(dropped, "OR not positive", (num["OR"] <= 0))
    se = num.get("SE")
    if "Z" in num:
        z, how = num["Z"], "Z column"
    elif beta is not None and se is not None:
        z = zscores.z_from_beta_se(beta, se)
        how = "BETA/SE" if "BETA" in num else "log(OR)/SE"
        _count(dropped, "SE not positive", se <= 0)
    elif "P" in num or "LOG10P" in num:
        sign = beta if beta is not None else num.get("SIGN")
        if sign is None:
            what = "OR without SE or P" if "OR" in num else "a p-value without a signed effect (BETA, OR, SIGN or Z)"
            raise TwasError(f"{path}: cannot compute Z from {what}")
        if "LOG10P" in num:
            z, how = zscores.z_from_log10p(num["LOG10P"], sign), "-log10 P and the effect's sign"
        else:
            z, how = zscores.z_from_p(num["P"], sign, get["P"].to_numpy(dtype=object)), "P and the effect's sign"
            _count(dropped, "P outside (0, 1]", (num["P"] > 1) | (num["P"] < 0))
    elif "OR" in num:
        raise TwasError(f"{path}: cannot compute Z from OR without SE or P")
    else:
        raise TwasError(f"{path}: sumstats file lacks required column(s) Z, and no BETA+SE, OR+SE or P with a "
                        f"signed effect to compute it from (found: {' '.join(map(str, df.columns))}); "
                        "see README 'Input formats'")
    n = num.get("N")
    if n is None and "N_CAS" in num and "N_CON" in num:
        n = num["N_CAS"] + num["N_CON"]
    notes = []
    if n is None:
        n = _yaml_sample_size(path, len(df), notes)
    chrom = get["CHR"].to_numpy(dtype=object) if "CHR" in get else None
    pos = _numbers(get["POS"]) if "POS" in get else None
    snp = get["SNP"].to_numpy(dtype=object) if "SNP" in get else np.full(len(df), "", dtype=object)
    return _finish(path, kind, snp, get["A1"].to_numpy(dtype=object), get["A2"].to_numpy(dtype=object), z,
                   beta if se is not None else None, se if beta is not None else None, n, chrom, pos,
                   how, dropped, notes)


def _yaml_sample_size(path: str, rows: int, notes: list[str]) -> np.ndarray | None:
    """GWAS-SSF's metadata (PATH-meta.yaml): sample_size as every SNP's N; genome_assembly noted."""
    meta = path + "-meta.yaml"
    if not os.path.exists(meta):
        return None
    found: dict[str, str] = {}
    with open(meta) as handle:
        for line in handle:
            key, sep, value = line.strip().lstrip("- ").partition(":")
            if sep and key in ("sample_size", "genome_assembly") and value.strip() and key not in found:
                found[key] = value.strip().strip("'\"")
    if "genome_assembly" in found:
        notes.append(f"GWAS-SSF metadata: genome assembly {found['genome_assembly']}")
    try:
        return np.full(rows, float(found["sample_size"]))
    except (KeyError, ValueError):
        return None


def _convert_vcf(path: str) -> Conversion:
    """GWAS-VCF (MRC IEU's format): the first sample's FORMAT fields, ALT the effect allele."""
    import pandas as pd

    skip = 0
    with open_text(path) as handle:
        for line in handle:
            if not line.startswith("##"):
                break
            skip += 1
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, skiprows=skip,
                         compression=compression_of(path))
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise TwasError(f"{path}: cannot parse GWAS-VCF file ({str(exc).strip().splitlines()[0]})") from None
    if df.shape[1] < 10 or df.columns[0] != "#CHROM":
        raise TwasError(f"{path}: GWAS-VCF file has no FORMAT and sample columns")
    notes = [] if df.shape[1] == 10 else [f"{df.shape[1] - 9} samples (studies): the first, {df.columns[9]}, is read"]
    fields = _vcf_fields(df["FORMAT"], df.iloc[:, 9])
    if "ES" not in fields and "EZ" not in fields:
        raise TwasError(f"{path}: GWAS-VCF without an effect field (FORMAT has no ES or EZ)")
    num = {k: _numbers(v) for k, v in fields.items() if k in ("ES", "SE", "LP", "EZ", "SS", "NC")}
    dropped: list = []
    if "EZ" in num:
        z, how = num["EZ"], "EZ"
    elif "SE" in num:
        z, how = zscores.z_from_beta_se(num["ES"], num["SE"]), "ES/SE"
        _count(dropped, "SE not positive", num["SE"] <= 0)
    elif "LP" in num:
        z, how = zscores.z_from_log10p(num["LP"], num["ES"]), "LP and the sign of ES"
    else:
        raise TwasError(f"{path}: GWAS-VCF without SE or LP to go with ES")
    ids = df["ID"].to_numpy(dtype=object)
    if "ID" in fields:
        fmt_id = fields["ID"].to_numpy(dtype=object)
        ids = np.where(np.isin(ids, [".", ""]), fmt_id, ids)
    alt = df["ALT"].to_numpy(dtype=object)
    multi = np.char.find(alt.astype(str), ",") >= 0
    z = np.where(multi, np.nan, z)
    _count(dropped, "multi-allelic ALT", multi)
    beta = num.get("ES") if "SE" in num else None
    return _finish(path, "GWAS-VCF", ids, alt, df["REF"].to_numpy(dtype=object), z, beta,
                   num.get("SE") if beta is not None else None, num.get("SS"), df["#CHROM"].to_numpy(dtype=object),
                   _numbers(df["POS"]), how, dropped, notes)


def _vcf_fields(fmt: pd.Series, sample: pd.Series) -> dict[str, pd.Series]:
    """FORMAT key -> the sample's values (missing where a row's FORMAT lacks the key)."""
    import pandas as pd

    out: dict[str, pd.Series] = {}
    for layout, rows in fmt.groupby(fmt, sort=False).groups.items():
        keys = str(layout).split(":")
        parts = sample.loc[rows].str.split(":", expand=True)
        for j, key in enumerate(keys):
            if key not in out:
                out[key] = pd.Series(".", index=sample.index, dtype=object)
            if j < parts.shape[1]:
                out[key].loc[rows] = parts[j].fillna(".").to_numpy()
    return out


def _count(reasons: list, reason: str, mask: np.ndarray) -> None:
    """Note the rows of MASK as dropped for REASON (a row counts under its first reason only)."""
    reasons.append((reason, np.asarray(mask, dtype=bool)))


def _finish(path, kind, snp, a1, a2, z, beta, se, n, chrom, pos, how, reasons, notes) -> "SumStats":
    """Drop unusable rows, each counted under its first reason, and build the Conversion."""
    import pandas as pd

    rows = len(z)
    z = np.asarray(z, dtype=float)
    a1 = pd.Series(a1, dtype=object).fillna("").astype(str).str.upper().to_numpy(dtype=object)
    a2 = pd.Series(a2, dtype=object).fillna("").astype(str).str.upper().to_numpy(dtype=object)
    snp = pd.Series(snp, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
    no_id = np.isin(snp, _MISSING)
    if no_id.any() and chrom is not None and pos is not None:
        ok = no_id & np.isfinite(pos)
        snp[ok] = [f"{c}:{int(p)}:{r}:{a}" for c, p, r, a in zip(chrom[ok], pos[ok], a2[ok], a1[ok])]
        no_id = no_id & ~ok
    reasons = reasons + [
        ("no SNP id or position", no_id),
        ("missing allele", np.isin(a1, _MISSING) | np.isin(a2, _MISSING)),
        ("missing or non-numeric statistic", ~np.isfinite(z)),
    ]
    keep = np.ones(rows, dtype=bool)
    dropped: dict[str, int] = {}
    for reason, mask in reasons:
        hit = mask & keep
        if hit.any():
            dropped[reason] = dropped.get(reason, 0) + int(hit.sum())
            keep &= ~hit
    idx = np.flatnonzero(keep)
    dup = pd.Series(snp[idx]).duplicated(keep="first").to_numpy()
    keep[idx[dup]] = False
    if dup.any():
        dropped["duplicate SNP id (first row kept)"] = int(dup.sum())

    def sub(a):
        return None if a is None else np.asarray(a)[keep]

    from twascli.io.sumstats import SumStats  # (sumstats.py imports this module)

    return SumStats(snp=snp[keep], a1=a1[keep], a2=a2[keep], z=z[keep], beta=sub(beta), se=sub(se), path=path,
                    chrom=sub(chrom), pos=sub(pos), n=sub(n),
                    conversion=Conversion(format=kind, rows_read=rows, z_from=how, dropped=dropped, notes=notes))


def positions_from_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chr, pos, parsed) from ids like chr1:12345[:REF:ALT] or 1_12345_A_G (chr and pos NaN if not)."""
    chrom = np.full(len(ids), np.nan, dtype=object)
    pos = np.full(len(ids), np.nan)
    for i, found in enumerate(map(_POSITIONAL_ID.search, map(str, ids))):
        if found:
            chrom[i] = found.group(1)
            pos[i] = float(found.group(2))
    return chrom, pos, np.isfinite(pos)


def first_id_positional(path: str) -> bool:
    """Whether the first data line's first field is a chr:pos[:ref:alt] id."""
    with open_text(path) as handle:
        handle.readline()
        fields = handle.readline().split()
    return bool(fields) and _POSITIONAL_ID.match(fields[0]) is not None
