"""GWAS summary statistics: FUSION's SNP A1 A2 Z (BETA, SE optional) read as FUSION does; any other
format (io/gwas_formats.py) converted to it on the fly."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from twascli.errors import TwasError
from twascli.io.columns import Columns, plain_floats, read_columns
from twascli.io.gwas_formats import Conversion, convert, first_id_positional, first_line, is_vcf, positions_from_ids
from twascli.io.tables import MISSING_NUMBERS, is_stream, read_bytes, read_table, seekable, to_float

if TYPE_CHECKING:
    import pandas as pd


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
    chrom: np.ndarray | None = None  # positions, when the file has them (matching by chr:pos)
    pos: np.ndarray | None = None
    n: np.ndarray | None = None  # per-SNP sample size, when the file has it
    conversion: "Conversion | None" = None  # how a non-FUSION file was converted

    @property
    def n_median(self) -> float | None:
        """Median of the per-SNP N (a trait's GWAS N for COLOC), None without an N column."""
        if self.n is None or not np.isfinite(self.n).any():
            return None
        return float(np.nanmedian(self.n))
    n_duplicates: int = 0  # rows dropped because their SNP id came earlier in the file

    @property
    def has_beta_se(self) -> bool:
        return self.beta is not None and self.se is not None


REQUIRED = ["SNP", "A1", "A2", "Z"]
_WINDOWS = (16, 48)  # bytes of a line searched for its SNP id: tried in turn
_HASH_BITS = 24  # bitmap of 16M entries: few false hits for a panel's ~20k-1M SNPs
_HASH_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                       0x27D4EB2F165667C5, 0x85EBCA77C2B2AE63, 0xFF51AFD7ED558CCD], dtype=np.uint64)


class PanelSnps:
    """The SNP ids a run needs from GWAS files, prepared once for the numpy filter of each file."""

    def __init__(self, snps: Iterable[str]):
        self.ids = [s.encode() for s in set(snps) if isinstance(s, str) and s.isascii() and s]
        self._wanted: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}

    def wanted(self, width: int, cut: Callable) -> tuple[np.ndarray, np.ndarray] | None:
        """(sorted ids cut to WIDTH bytes, bitmap of their hash keys), computed once per width."""
        if width not in self._wanted:
            ids = np.array(sorted(i for i in self.ids if len(i) < width), dtype=f"S{width}")
            entry = None
            if ids.size:
                want_ids, want_key = cut(ids.view(np.uint8).reshape(-1, width).copy())  # NUL-padded
                bitmap = np.zeros(1 << _HASH_BITS, dtype=bool)
                bitmap[want_key] = True
                entry = (want_ids, bitmap)
            self._wanted[width] = entry
        return self._wanted[width]


def read_sumstats(path: str, snps: "PanelSnps | Iterable[str] | None" = None) -> SumStats:
    """Read a sumstats file (optionally .gz). Duplicate SNP ids: the first row wins (R match()).

    SNPS (e.g. the LD panel's ids): only rows of these SNPs are needed, so a genome-wide file is
    filtered on its SNP column with numpy before any parsing; a problem in the kept rows is
    reported from a full read, as without SNPS.
    """
    if is_stream(path):  # a pipe is read once, into a temporary file both readers below can use
        with seekable(path) as copy:
            try:
                ss = read_sumstats(copy, snps)
            except TwasError as exc:
                raise TwasError(str(exc).replace(copy, path)) from None
        ss.path = path
        return ss
    if not is_fusion_format(path):
        return convert(path)
    if snps is not None and not isinstance(snps, PanelSnps):
        snps = PanelSnps(snps)
    df = _panel_rows(path, snps) if snps is not None else None
    if df is not None and (len(df) or not first_id_positional(path)):  # chr:pos ids: read them all
        try:
            return _sumstats_from_frame(df, path)
        except TwasError:
            pass  # the full read below names the offending line of the file
    return _sumstats_from_frame(read_table(path, REQUIRED, "sumstats"), path)


def is_fusion_format(path: str) -> bool:
    """Whether PATH's header has FUSION's SNP A1 A2 Z columns (then read exactly as FUSION does).

    A missing or empty file counts as FUSION's, so that its reader reports it as before.
    """
    if not os.path.exists(path):
        return True
    head = first_line(path)
    return not head.strip() or (not is_vcf(head) and all(c in head.split() for c in REQUIRED))


def _sumstats_from_frame(df: "pd.DataFrame | Columns", path: str) -> SumStats:
    """SumStats of a table of text columns (a DataFrame or, from the panel filter, Columns)."""
    n_rows = len(df)
    if isinstance(df, Columns):
        from twascli.core.snpmatch import first_occurrences

        df = df.rows(np.sort(first_occurrences(np.asarray(df["SNP"]).astype(str))[1]))
        floats = (lambda c: _floats_light(df, c, path))
        upper = (lambda c: np.char.upper(df[c].astype(str)).astype(object))
    else:
        df = df.drop_duplicates(subset="SNP", keep="first")
        floats = (lambda c: to_float(df, c, path, "sumstats").to_numpy())
        upper = (lambda c: df[c].str.upper().to_numpy(dtype=object))
    z = floats("Z")
    beta = floats("BETA") if "BETA" in df.columns else None
    se = floats("SE") if "SE" in df.columns else None
    if beta is None or se is None:
        beta = se = None
    n = floats("N") if "N" in df.columns else None
    return SumStats(
        snp=np.asarray(df["SNP"], dtype=object),
        a1=upper("A1"),
        a2=upper("A2"),
        z=z,
        beta=beta,
        se=se,
        path=path,
        n=n,
        n_duplicates=n_rows - len(df),
    )


def _floats_light(df: Columns, col: str, path: str) -> np.ndarray:
    """to_float of a Columns column, without pandas for plain numbers (else to_float's rules and messages)."""
    out = plain_floats(df[col], MISSING_NUMBERS)
    return out if out is not None else to_float(df.to_frame(), col, path, "sumstats").to_numpy()


_LIGHT_MAX_ROWS = 200_000  # above this (whole-genome runs), pandas' C parser is faster and leaner


def _panel_rows(path: str, snps: PanelSnps, chunk: int = 1 << 18) -> "pd.DataFrame | Columns | None":
    """The header and the lines whose first field is one of SNPS, parsed as read_table would.

    None when the fast path does not apply (SNP not the first column, leading blanks, very long
    ids, unreadable file): the caller then reads the whole file.
    """
    if not os.path.exists(path):
        return None
    raw = read_bytes(path)
    if raw is None:
        return None
    end_header = raw.find(b"\n")
    if end_header < 0 or raw[:end_header].split()[:1] != [b"SNP"]:
        return None
    buf = np.frombuffer(raw + b"\n" * _WINDOWS[-1], dtype=np.uint8)  # padded: every window fits
    newlines = np.flatnonzero(buf[: len(raw)] == 10)
    starts = newlines + 1
    ends = np.append(newlines[1:], len(raw))  # each line's end (its newline or end of file)
    nonempty = starts < ends
    starts, ends = starts[nonempty], ends[nonempty]
    if starts.size == 0 or np.any(buf[starts] <= 32):  # leading blanks: not the simple layout
        return None
    for width in _WINDOWS:  # ids up to 15 bytes (rsIDs) in the cheap window, else the wide one
        kept = _lines_with_ids(buf, len(raw), starts, width, snps, chunk)
        if kept is not None:
            break
    else:
        return None
    text = raw[: end_header + 1] + b"".join(raw[starts[i]:ends[i]] + b"\n" for i in kept.tolist())
    light = read_columns(text) if kept.size <= _LIGHT_MAX_ROWS else None
    if light is not None:
        return light if all(c in light.columns for c in REQUIRED) else None
    import pandas as pd

    try:
        df = pd.read_csv(io.BytesIO(text), sep=r"\s+", dtype=str, keep_default_na=False, encoding_errors="replace")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None
    if any(c not in df.columns for c in REQUIRED):
        return None
    return df


def _lines_with_ids(buf: np.ndarray, size: int, starts: np.ndarray, width: int, snps: "PanelSnps",
                    chunk: int) -> np.ndarray | None:
    """Indices of the lines (given by their STARTS in BUF) whose first field is one of SNPS.

    Each line's first WIDTH bytes are cut to its first field (ends at a blank: byte <= 32) and
    hashed from its WIDTH/8 little-endian words; a bitmap of the wanted hashes finds candidate
    lines, which are then compared exactly. None if a first field does not end within WIDTH bytes.
    """
    windows = np.lib.stride_tricks.as_strided(buf, shape=(size, width), strides=(1, 1), writeable=False)
    offsets = np.arange(width)
    mult = _HASH_MULT[: width // 8]

    def cut(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        blank = rows <= 32
        if not blank.any(axis=1).all():
            raise OverflowError
        rows[offsets >= blank.argmax(axis=1)[:, None]] = 0
        words = rows.view("<u8")
        key = words[:, 0] * mult[0]
        for j in range(1, mult.size):
            key += words[:, j] * mult[j]
        return rows.view(f"S{width}").ravel(), key >> np.uint64(64 - _HASH_BITS)

    wanted = snps.wanted(width, cut)
    if wanted is None:
        return np.empty(0, dtype=np.int64)
    want_ids, bitmap = wanted
    kept: list[np.ndarray] = []
    try:
        for lo in range(0, starts.size, chunk):
            line_ids, line_key = cut(windows[starts[lo:lo + chunk]])
            hits = np.flatnonzero(bitmap[line_key])
            ids = line_ids[hits]  # want_ids is sorted and distinct: a binary search is np.isin
            kept.append(lo + hits[want_ids[np.minimum(np.searchsorted(want_ids, ids), len(want_ids) - 1)] == ids])
    except OverflowError:
        return None
    return np.concatenate(kept)


def align_to_snps(ss: SumStats, snps: np.ndarray) -> pd.DataFrame:
    """Sumstats rows matched to SNP ids SNPS (in that order); unmatched rows are NaN/None."""
    import pandas as pd

    return pd.DataFrame(aligned_columns(ss, snps))


def aligned_columns(ss: SumStats, snps: np.ndarray) -> dict[str, np.ndarray]:
    """align_to_snps' columns (SNP A1 A2 Z [BETA SE] found) as a dict of arrays, without pandas."""
    from twascli.core.snpmatch import first_index

    snps = np.asarray(snps, dtype=object)
    idx = first_index(ss.snp, snps)
    found = idx >= 0

    def take(arr, fill):
        res = np.full(len(snps), fill, dtype=object if fill is None else float)
        res[found] = arr[idx[found]]
        return res

    out: dict[str, Any] = {"SNP": snps, "A1": take(ss.a1, None), "A2": take(ss.a2, None), "Z": take(ss.z, np.nan)}
    if ss.has_beta_se:
        out["BETA"] = take(ss.beta, np.nan)
        out["SE"] = take(ss.se, np.nan)
    out["found"] = found
    return out


def to_panel(ss: SumStats, bim: "pd.DataFrame | Columns", mode: str = "auto") -> SumStats:
    """SS with its SNP ids replaced by the panel's (BIM) where rows match by chr:pos and alleles.

    --match_by MODE: 'rsid' (FUSION), 'position', or 'auto': by position when the ids are chr:pos
    (or absent), else by id. A FUSION-format file with rsIDs is returned unchanged. Stops with one
    line when the positions look like another genome build than the panel's.
    """
    from twascli.core import snpmatch

    ids_positional = bool(len(ss.snp)) and positions_from_ids(ss.snp[:1000])[2].mean() > 0.5
    if snpmatch.match_mode(mode, ids_positional) == "rsid" and (mode == "rsid" or ss.conversion is None):
        return ss  # FUSION's matching, nothing else looked at
    pc, pp, _ = positions_from_ids(ss.snp)
    chrom, pos = ss.chrom, ss.pos
    if chrom is None or pos is None:
        chrom, pos = pc, pp
    else:
        chrom = np.where(np.isfinite(pos), chrom, pc)
        pos = np.where(np.isfinite(pos), pos, pp)
    how = snpmatch.match_mode(mode, ids_positional)
    if isinstance(bim, Columns):
        bim = bim.to_frame()
    import pandas as pd

    n_id = int(np.count_nonzero(pd.Index(bim["snp"]).isin(ss.snp)))
    if mode == "auto" and how == "position" and n_id >= max(50, 0.5 * min(len(bim), len(ss.snp))):
        return ss  # ids that look like chr_pos (e.g. rs1_0) and are the panel's own SNP names
    if how == "rsid":
        if mode == "auto" and ss.conversion is not None and np.isfinite(pos).any():
            rows, _ = snpmatch.by_position(chrom, pos, ss.a1, ss.a2, bim)
            n_pos = int(np.count_nonzero(rows >= 0))
            if n_pos >= 50 and n_id < 0.1 * n_pos:
                raise TwasError(f"{ss.path}: {n_id} SNPs match the LD panel by id but {n_pos} by position: "
                                "ids are of another kind than the panel's; use --match_by position")
        return ss
    if not np.isfinite(pos).any():
        raise TwasError(f"{ss.path}: --match_by position: the file has no positions (CHR/POS columns or chr:pos ids)")
    rows, site_hits = snpmatch.by_position(chrom, pos, ss.a1, ss.a2, bim)
    matched = int(np.count_nonzero(rows >= 0))
    if mode == "auto" and n_id >= max(50, 10 * matched):
        return ss  # the same, where fewer of them are the panel's
    snpmatch.check_build(ss.path, chrom, pos, bim, matched, site_hits)
    if not ids_positional and n_id >= 50 and matched < 0.1 * n_id:
        raise TwasError(f"{ss.path}: {matched} SNPs match the LD panel by position but {n_id} by rsID: "
                        "the positions are probably on another genome build (use --match_by rsid)")
    keep = rows >= 0
    first = ~pd.Series(rows[keep]).duplicated(keep="first").to_numpy()  # one GWAS row per panel SNP
    sel = np.flatnonzero(keep)[first]

    def sub(a):
        return None if a is None else np.asarray(a)[sel]

    return SumStats(snp=bim["snp"].to_numpy(dtype=object)[rows[sel]], a1=ss.a1[sel], a2=ss.a2[sel], z=ss.z[sel],
                    beta=sub(ss.beta), se=sub(ss.se), path=ss.path, chrom=sub(chrom), pos=sub(pos), n=sub(ss.n),
                    conversion=ss.conversion)
