"""Small whitespace tables as named numpy columns, read without pandas (it costs ~0.5 s to import).

Start-up-critical paths (post-process, run once per trait and chromosome) read their regular
inputs here; anything irregular (quotes, ragged rows, control or non-ASCII bytes) is left to the
pandas readers, so errors and odd layouts keep being handled in one place.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

import numpy as np

# bytes pandas' read_csv(sep=r"\s+") may treat otherwise than a plain split at blanks
_IRREGULAR = re.compile(rb'[\x00-\x08\x0b\x0c\x0e-\x1f"\x7f-\xff]')


class Columns:
    """A table as a dict of equal-length numpy columns, with the few DataFrame spellings callers use
    (``t["col"]``, ``len(t)``, ``t.columns``, ``"col" in t``); ``to_frame()`` gives the DataFrame."""

    def __init__(self, cols: dict[str, np.ndarray]):
        self._cols = dict(cols)

    @property
    def columns(self) -> list[str]:
        return list(self._cols)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._cols[name]

    def __setitem__(self, name: str, values: Any) -> None:
        self._cols[name] = np.asarray(values)

    def __contains__(self, name: object) -> bool:
        return name in self._cols

    def __len__(self) -> int:
        return len(next(iter(self._cols.values()))) if self._cols else 0

    def rows(self, idx: np.ndarray) -> "Columns":
        """The rows at IDX (indices or a boolean mask), in that order."""
        return Columns({k: v[idx] for k, v in self._cols.items()})

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self._cols, copy=False)


def split_table(raw: bytes) -> tuple[list[str], int] | None:
    """Fields of the non-blank lines of RAW split at blanks, and the (common) number per line.

    As pandas' read_csv(sep=r"\\s+", dtype=str) splits a regular file; None when a line has another
    number of fields than the first or RAW has quotes, control or non-ASCII bytes.
    """
    if _IRREGULAR.search(raw):
        return None
    buf = np.frombuffer(raw, dtype=np.uint8)
    newline = buf == 10
    blank = newline | (buf == 32) | (buf == 9) | (buf == 13)
    starts = ~blank
    starts[1:] &= blank[:-1]
    per_line = np.bincount(np.cumsum(newline)[starts])
    per_line = per_line[per_line > 0]
    if per_line.size and np.any(per_line != per_line[0]):
        return None
    return raw.decode("ascii").split(), int(per_line[0]) if per_line.size else 0


_NOT_PLAIN = re.compile(r"[^0-9eE+\-.\n]")


def plain_floats(values: np.ndarray, missing: Iterable[str]) -> np.ndarray | None:
    """VALUES (text) as float64 with the MISSING codes as NaN; None unless every other value is a
    plain decimal number (words, underscores, hex: the caller applies pandas' rules instead)."""
    values = np.asarray(values, dtype=object)
    na = np.isin(values, list(missing))
    text = values[~na].tolist()
    if not all(isinstance(v, str) for v in text) or _NOT_PLAIN.search("\n".join(text)):
        return None
    out = np.full(len(values), np.nan)
    try:
        out[~na] = np.array(text, dtype=float)
    except ValueError:
        return None
    return out


def read_columns(raw: bytes, names: Iterable[str] | None = None) -> Columns | None:
    """RAW as a table of str columns: named NAMES (no header line), else by its first line.

    None when RAW is irregular (split_table), empty, or its header repeats a name."""
    split = split_table(raw)
    if split is None or split[1] == 0:
        return None
    fields, width = split
    if names is None:
        names, fields = fields[:width], fields[width:]
    names = list(names)
    if len(names) != width or len(set(names)) != width:
        return None
    cells = np.array(fields, dtype=object).reshape(-1, width)
    return Columns({name: cells[:, j] for j, name in enumerate(names)})
