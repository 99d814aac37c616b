"""Write assoc-test results exactly as FUSION does: write.table(format(out.tbl, digits=3))."""

from __future__ import annotations

import math

import numpy as np

from twascli import rformat
from twascli.io.atomic import atomic_write_text


def _is_number(v) -> bool:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return True
    try:
        float(str(v))
        return True
    except ValueError:
        return False


def format_table(columns: list[str], rows: list[dict], numeric: set[str], digits: int) -> str:
    """FUSION's table text: numeric columns formatted as one R vector each, text as is, NA as 'NA'."""
    out_cols: list[list[str]] = []
    for c in columns:
        values = [r[c] for r in rows]
        if c == "CHR" and all(_is_number(v) for v in values):
            out_cols.append(rformat.format_real(np.array([float(v) for v in values]), digits=digits))
        elif c in numeric:
            arr = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
            out_cols.append(rformat.format_real(arr, digits=digits))
        else:
            out_cols.append(["NA" if v is None else str(v) for v in values])
    lines = ["\t".join(columns)]
    for i in range(len(rows)):
        lines.append("\t".join(col[i] for col in out_cols))
    return "\n".join(lines) + "\n"


def is_mhc(row: dict, mhc=None) -> bool:
    """FUSION's MHC rule (chr6, P0 > 26 Mb, P1 < 34 Mb; 'chr6' counts as 6), or MHC's region
    (a twascli.genome.Mhc from --mhc; `none` puts nothing in the MHC)."""
    from twascli.genome import parse_mhc

    try:
        return bool((mhc or parse_mhc(None)).mask([row["CHR"]], [float(row["P0"])], [float(row["P1"])])[0])
    except (TypeError, ValueError):
        return False


def write_assoc(out: str, columns: list[str], rows: list[dict], numeric: set[str], digits: int,
                announce=None, mhc=None) -> bool:
    """Write OUT (non-MHC rows) and, if any, OUT.MHC (calling ANNOUNCE first, as FUSION prints).

    MHC: the --mhc region (twascli.genome.Mhc; default FUSION's hg19 chr6:26-34 Mb)."""
    in_mhc = [is_mhc(r, mhc) for r in rows]
    wrote_mhc = any(in_mhc)
    if wrote_mhc:
        if announce is not None:
            announce()
        atomic_write_text(out + ".MHC", format_table(columns, [r for r, m in zip(rows, in_mhc) if m], numeric, digits))
    atomic_write_text(out, format_table(columns, [r for r, m in zip(rows, in_mhc) if not m], numeric, digits))
    return wrote_mhc


def format_matrix_table(matrix: np.ndarray, digits: int, sep: str = " ") -> str:
    """write.table(format(M, digits), col.names=F, row.names=F): one common format for all cells."""
    flat = rformat.format_real(np.asarray(matrix, dtype=float).ravel(order="C"), digits=digits)
    ncol = matrix.shape[1]
    lines = [sep.join(flat[i * ncol:(i + 1) * ncol]) for i in range(matrix.shape[0])]
    return "\n".join(lines) + "\n"


def format_named_vector(values: np.ndarray, names, digits: int) -> str:
    """write.table(format(v, digits), col.names=F, sep='\\t') of a named vector: 'name<TAB>value'."""
    formatted = rformat.format_real(np.asarray(values, dtype=float), digits=digits)
    return "".join(f"{n}\t{v}\n" for n, v in zip(names, formatted))


def nan_to_none(x: float):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x
