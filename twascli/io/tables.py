"""Whitespace-delimited tables with a header, as R's read.table(head=T) reads them."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from typing import TYPE_CHECKING, Iterator

from twascli.errors import TwasError
from twascli.io.columns import Columns, read_columns

if TYPE_CHECKING:
    import pandas as pd

#: text that to_float reads as a missing number
MISSING_NUMBERS = ["NA", "", "NaN", "nan", "."]


_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}


def compression_of(path: str) -> str | None:
    """gzip/bz2/xz from the file's first bytes, whatever its name (as R's file() does)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(6)
    except OSError:
        return None
    return next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None)


def is_stream(path: str) -> bool:
    """PATH is a pipe, process substitution (`<(zcat f.gz)`) or device: readable once, not seekable."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def seekable(path: str) -> Iterator[str]:
    """PATH itself, or for a stream a temporary copy of its bytes (read once), removed afterwards."""
    if not is_stream(path):
        yield path
        return
    fd, tmp = tempfile.mkstemp(prefix="twascli-stream-")
    try:
        with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def read_bytes(path: str) -> bytes | None:
    """The whole content of PATH, decompressed (gzip/bz2/xz by magic); None when it cannot be read."""
    import bz2
    import gzip
    import lzma
    import zlib

    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        return {"gzip": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}.get(
            compression_of(path), bytes)(raw)
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error):
        return None


def read_table_columns(path: str, what: str) -> Columns:
    """read_table(PATH, [], WHAT) as Columns of text: a regular file (columns.read_columns) without
    pandas, anything else (and every error) through read_table."""
    if os.path.isfile(path):
        raw = read_bytes(path)
        cols = read_columns(raw) if raw else None
        if cols is not None:
            return cols
    df = read_table(path, [], what)
    return Columns({str(c): df[c].to_numpy(dtype=object) for c in df.columns})


def read_table(path: str, required: list[str], what: str, sep: str = r"\s+") -> pd.DataFrame:
    """Read a headed text table (gzip allowed; a pipe too) as strings; check REQUIRED columns are present.

    Bytes that are not UTF-8 (latin-1 free text, say) are replaced: only columns twascli uses matter."""
    import pandas as pd

    if not os.path.exists(path):
        raise TwasError(f"{path}: {what} file not found")
    if is_stream(path):
        with seekable(path) as copy:
            try:
                return read_table(copy, required, what, sep)
            except TwasError as exc:
                raise TwasError(str(exc).replace(copy, path)) from None
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, compression=compression_of(path),
                         encoding_errors="replace")
    except pd.errors.EmptyDataError:
        raise TwasError(f"{path}: {what} file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TwasError(f"{path}: cannot parse {what} file ({first})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise TwasError(
            f"{path}: {what} file lacks required column(s) {', '.join(missing)} "
            f"(found: {' '.join(map(str, df.columns))})"
        )
    return df


def check_field_counts(path: str, what: str, sep: str = "\t") -> None:
    """Every line of a SEP-separated table has as many fields as its header (a file cut mid-row has not)."""
    import gzip

    opener = gzip.open if compression_of(path) == "gzip" else open
    with opener(path, "rt", errors="replace") as handle:
        width = None
        for k, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            n = len(line.rstrip("\r\n").split(sep))
            if width is None:
                width = n
            elif n != width:
                raise TwasError(f"{path}: {what} line {k} has {n} of {width} fields (file cut short?)")


def to_float(df: pd.DataFrame, col: str, path: str, what: str) -> pd.Series:
    """Column COL as float; 'NA'/'' become NaN, anything else non-numeric is an error."""
    import pandas as pd

    raw = df[col]
    values = pd.to_numeric(raw.where(~raw.isin(MISSING_NUMBERS)), errors="coerce")
    bad = values.isna() & ~raw.isin(MISSING_NUMBERS)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise TwasError(
            f"{path}: {what} column {col} has a non-numeric value {raw.iloc[i]!r} on data line {i + 1}"
        )
    return values.astype(float)
