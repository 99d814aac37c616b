"""Byte-exact emulation of the R 4.2 number/table formatting that FUSION's outputs rely on.

FUSION writes its tables with ``write.table(format(df, digits=N), quote=F, row.names=F,
sep='\\t')`` and its logs/reports with ``cat()``; users parse those files by column position,
so every space and digit has to match what R prints.  This module re-implements, from the
behaviour of R 4.2's C code (``formatReal``/``scientific`` in src/main/format.c,
``EncodeReal0`` in printutils.c, ``do_format`` in paste.c, ``fround`` in nmath/fround.c):

* :func:`format_real`     -- ``format(x, digits=, nsmall=, trim=)`` of a double vector
* :func:`format_integer`, :func:`format_logical`, :func:`format_character`
* :func:`format_df`       -- ``format(data.frame, digits=)``
* :func:`write_table`     -- ``write.table(df, quote=F, row.names=F, sep=)``
* :func:`paste_format`    -- ``paste(format(v, digits=, trim=T), collapse=',')``
* :func:`format_cat`, :func:`cat_str` -- ``cat()`` of numbers (7 significant digits)
* :func:`as_character`    -- ``as.character``/``paste``/``toString`` of doubles (15 digits)
* :func:`r_round`         -- ``round(x, digits)`` (R 4.x algorithm)

R decides the number of significant digits of each element by scaling it in x87 80-bit
``long double`` arithmetic and rounding with ``nearbyintl``; numpy's ``longdouble`` is that
same type on x86-64 Linux, so the fast path uses it.  Where it is not, an exact rational
emulation of the x86-64 R behaviour (64-bit-mantissa rounding) is used: slower, same results.

FUSION's uses: assoc_test writes ``format(out.tbl, digits=3)`` (format_df + write_table),
MODELCV.R2/PV = ``paste(format(v, digits=2, trim=T), collapse=',')`` (paste_format),
COLOC.PP* = ``round(pp, 3)`` (r_round), P0/P1 via ``toString``/``as.character``.
post_process sets ``options(digits=3)`` (so its ``cat()`` numbers have 3 digits: cat_str with
digits=3) and writes ``format(df, digits=2)`` (.joint_*.dat, .loc_N.cond), ``format(df,
digits=2, trim=T)`` with sep=',' (.cond.csv), ``format(cor.tbl, digits=3)`` per gene
(.CORR.dat, no header), ``write.table`` of unformatted values (.genes: 15 digits).
"""

from __future__ import annotations

import math
import struct
import sys
from fractions import Fraction
from typing import Any, Iterable, Mapping

import numpy as np

__all__ = [
    "R_NA_REAL",
    "is_r_na",
    "format_real",
    "format_integer",
    "format_logical",
    "format_character",
    "format_df",
    "write_table",
    "paste_format",
    "format_cat",
    "cat_str",
    "as_character",
    "r_round",
]

#: R's ``NA_real_``: a quiet NaN whose low 32 bits are 1954.
R_NA_REAL: float = struct.unpack("<d", struct.pack("<Q", 0x7FF00000000007A2))[0]

_NA_WIDTH = 2  # nchar("NA"), R_print.na_width
_KP_MAX = 27  # size of R's power-of-ten table (KP_MAX with long double)
_DBL_DIG = 15
_MAX_DIGITS = 22  # R_MAX_DIGITS_OPT

_FINFO_LD = np.finfo(np.longdouble)
#: True when numpy's longdouble is the x87 80-bit type that R uses on x86-64.
LONGDOUBLE_IS_X87: bool = bool(_FINFO_LD.nmant == 63 and _FINFO_LD.nexp == 15)


# R's long double table tbl[] = {1e00, ..., 1e27} is written with *double* literals, so
# 1e23..1e27 are the nearest doubles (not exact powers of ten); 1e0..1e22 are exact.
# Emulating that matters: e.g. format(9.186591821883195e-11, digits=15) depends on it.
_TBL_EXACT = [Fraction(float(10**k)) for k in range(_KP_MAX + 1)]


def _make_ld_powers() -> np.ndarray:
    """R's tbl[] as numpy long doubles (every entry is a double, so conversion is exact)."""
    return np.array([float(10**k) for k in range(_KP_MAX + 1)], dtype=np.longdouble)


_TBL_LD = _make_ld_powers()
_TBL_D = np.array([float(10**k) for k in range(_KP_MAX + 1)])  # (double) tbl[k]


# --------------------------------------------------------------------------- NA helpers


def is_r_na(x: np.ndarray) -> np.ndarray:
    """Elementwise: is this double R's NA_real_ (payload 1954), as opposed to a plain NaN?"""
    a = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    bits = a.view(np.uint64)
    return np.isnan(a) & ((bits & np.uint64(0xFFFFFFFF)) == np.uint64(1954))


def _na_mask(x: np.ndarray, nan_is_na: bool) -> np.ndarray:
    return np.isnan(x) if nan_is_na else is_r_na(x)


# ------------------------------------------------------------ scientific(): per-element


def _round64(q: Fraction) -> Fraction:
    """Round a positive rational to the nearest 64-bit-mantissa binary float (ties to even)."""
    num, den = q.numerator, q.denominator
    e = num.bit_length() - den.bit_length() - 64
    while True:  # find e with 2**63 <= q / 2**e < 2**64
        m_num, m_den = (num, den << e) if e >= 0 else (num << -e, den)
        m, rem = divmod(m_num, m_den)
        if m >= 1 << 64:
            e += 1
        elif m < 1 << 63:
            e -= 1
        else:
            break
    twice = 2 * rem
    if twice > m_den or (twice == m_den and m & 1):
        m += 1
    return Fraction(m) * (Fraction(2) ** e)


def _rint_even(q: Fraction) -> int:
    """nearbyint() in the default rounding mode: nearest integer, ties to even."""
    f = math.floor(q)
    diff = q - f
    if diff > Fraction(1, 2) or (diff == Fraction(1, 2) and f % 2 == 1):
        return f + 1
    return f


def _scientific_exact(r: float, digits: int) -> tuple[int, int, bool]:
    """Portable scientific() for one |x| > 0: exact emulation of R's long double steps."""
    kp = math.floor(math.log10(r)) - digits + 1
    rq = Fraction(r)
    if 0 < kp <= _KP_MAX:
        rp = _round64(rq / _TBL_EXACT[kp])
    elif 0 < -kp <= _KP_MAX:
        rp = _round64(rq * _TBL_EXACT[-kp])
    elif kp != 0:  # powl(10, kp), assumed correctly rounded to 64 bits
        rp = _round64(rq / _round64(Fraction(10) ** kp))
    else:
        rp = rq
    if rp < _TBL_EXACT[digits - 1]:
        rp = _round64(rp * 10)
        kp -= 1
    alpha = _rint_even(rp)
    nsig = digits
    while nsig > 0 and alpha % 10 == 0:
        alpha //= 10
        nsig -= 1
    if nsig == 0:
        nsig = 1
        kp += 1
    kpower = kp + digits - 1
    widens = False
    if 0 < kpower <= _KP_MAX:
        rgt = min(max(digits - kpower, 0), _KP_MAX)
        fuzz = 0.5 / float(10**rgt)
        widens = rq < _round64(_TBL_EXACT[kpower] - Fraction(fuzz))
    return kpower, nsig, widens


def _scientific_sprintf(r: float, digits: int) -> tuple[int, int, bool]:
    """scientific() for digits >= 16: R reads exponent and digits off sprintf("%#.*e")."""
    s = "%#.*e" % (digits - 1, r)
    mant, exp = s.split("e")
    ds = mant.replace(".", "")
    nsig = digits
    while nsig >= 2 and ds[nsig - 1] == "0":
        nsig -= 1
    return int(exp), nsig, False


def _scientific(r: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised R scientific() for finite |x| > 0: (kpower, nsig, roundingwidens)."""
    n = r.shape[0]
    if n == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy(), np.empty(0, dtype=bool)
    if digits > _DBL_DIG or not LONGDOUBLE_IS_X87:
        fn = _scientific_sprintf if digits > _DBL_DIG else _scientific_exact
        res = [fn(v, digits) for v in r.tolist()]
        kpower = np.array([t[0] for t in res], dtype=np.int64)
        nsig = np.array([t[1] for t in res], dtype=np.int64)
        widens = np.array([t[2] for t in res], dtype=bool)
        return kpower, nsig, widens

    ld = np.longdouble
    with np.errstate(all="ignore"):
        kp = np.floor(np.log10(r)).astype(np.int64) - digits + 1
        rp = r.astype(ld)
        small = np.abs(kp) <= _KP_MAX
        up = small & (kp > 0)
        dn = small & (kp < 0)
        if up.any():
            rp[up] = rp[up] / _TBL_LD[kp[up]]
        if dn.any():
            rp[dn] = rp[dn] * _TBL_LD[-kp[dn]]
        big = ~small
        if big.any():  # R: r_prec /= powl(10, kp)
            rp[big] = rp[big] / np.power(ld(10), kp[big].astype(ld))
        low = rp < _TBL_LD[digits - 1]
        if low.any():
            rp[low] = rp[low] * ld(10)
            kp[low] -= 1
        alpha = np.rint(rp).astype(np.int64)  # nearbyintl; < 2**53 for digits <= 15
    nsig = np.full(n, digits, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    for _ in range(digits):  # strip trailing zeros of alpha (at most `digits`)
        z = active & (alpha % 10 == 0)
        if not z.any():
            break
        nsig -= z
        alpha = np.where(z, alpha // 10, alpha)
        active = z
    zero = nsig == 0
    nsig[zero] = 1
    kp[zero] += 1
    kpower = kp + digits - 1

    widens = np.zeros(n, dtype=bool)
    cand = (kpower > 0) & (kpower <= _KP_MAX)
    if cand.any():
        kc = kpower[cand]
        rgt = np.clip(digits - kc, 0, _KP_MAX)
        fuzz = 0.5 / _TBL_D[rgt]
        widens[cand] = r[cand].astype(ld) < (_TBL_LD[kc] - fuzz.astype(ld))
    return kpower, nsig, widens


# ------------------------------------------------------------------ formatReal / encode


def _format_info(
    x: np.ndarray, digits: int, nsmall: int, nan_is_na: bool, scipen: int
) -> tuple[int, int, int]:
    """R formatReal(): common (width, decimals, exp-digits-flag e) for a double vector."""
    fin = np.isfinite(x)
    xf = x[fin]
    nz = xf != 0.0
    r = np.abs(xf[nz])
    kpower, nsig, widens = _scientific(r, digits)
    n_zero = int(xf.size - r.size)
    neg = bool((xf < 0).any())

    left = kpower + 1 - widens.astype(np.int64)
    neg_i = (xf[nz] < 0).astype(np.int64)
    sleft = neg_i + np.where(left <= 0, 1, left)
    right = nsig - left
    if n_zero:  # zero: kpower 0, nsig 1, not negative -> left 1, sleft 1, right 0
        left = np.append(left, 1)
        sleft = np.append(sleft, 1)
        right = np.append(right, 0)
        nsig = np.append(nsig, 1)

    w = d = e = 0
    if left.size:
        rgt = int(right.max())
        mxl = int(left.max())
        mnl = int(left.min())
        mxsl = int(sleft.max())
        mxns = int(nsig.max())
        if mxl < 0:
            mxsl = 1 + neg
        rgt = max(rgt, 0)
        wF = mxsl + rgt + (rgt != 0)
        e = 2 if (mxl > 100 or mnl <= -99) else 1
        d = mxns - 1
        w = neg + (d > 0) + d + 4 + e
        if wF <= w + scipen:
            e = 0
            if nsmall > rgt:
                rgt = nsmall
                wF = mxsl + rgt + (rgt != 0)
            d = rgt
            w = wF
    nonfin = x[~fin]
    if nonfin.size:
        na = _na_mask(nonfin, nan_is_na)
        if na.any():
            w = max(w, _NA_WIDTH)
        if (np.isnan(nonfin) & ~na).any():
            w = max(w, 3)
        if (nonfin == np.inf).any():
            w = max(w, 3)
        if (nonfin == -np.inf).any():
            w = max(w, 4)
    return w, d, e


def _drop0(s: str) -> str:
    """R dropTrailing0: remove trailing zeros (and a bare '.') after the decimal point."""
    dot = s.find(".")
    if dot < 0:
        return s
    end = dot + 1
    while end < len(s) and s[end].isdigit():
        end += 1
    digits = s[dot + 1 : end].rstrip("0")
    head = s[:dot] + ("." + digits if digits else "")
    return head + s[end:]


def _encode(x: np.ndarray, w: int, d: int, e: int, nan_is_na: bool) -> list[str]:
    """R EncodeReal0 applied to every element with one (w, d, e)."""
    if e:
        fmt = f"%#{w}.{d}e" if d else f"%{w}.{d}e"
    else:
        fmt = f"%{w}.{d}f"
    with np.errstate(invalid="ignore"):
        vals = np.where(x == 0.0, 0.0, x)  # R prints -0 as 0
    out = [fmt % v for v in vals.tolist()]
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        na = _na_mask(x[bad], nan_is_na).tolist()
        for i, a in zip(bad.tolist(), na):
            v = x[i]
            s = "NA" if a else "NaN" if v != v else ("Inf" if v > 0 else "-Inf")
            out[i] = s.rjust(w)
    return out


def _check_digits(digits: int) -> int:
    digits = int(digits)
    if not 1 <= digits <= _MAX_DIGITS:
        raise ValueError(f"digits must be in 1..{_MAX_DIGITS}, got {digits}")
    return digits


def format_real(
    x: Iterable[float] | np.ndarray,
    digits: int = 7,
    nsmall: int = 0,
    *,
    trim: bool = False,
    nan_is_na: bool = True,
    scipen: int = 0,
) -> list[str]:
    """R ``format(x, digits=, nsmall=, trim=)`` for a double vector (R 4.2, byte-exact).

    One common format for the whole vector: fixed notation unless it would be wider than
    scientific (+ ``scipen``); right-justified to a common width (no padding if ``trim``).
    NaN prints as ``NA`` (``nan_is_na=True``, FUSION's NAs); with ``nan_is_na=False`` only
    R's NA payload (:data:`R_NA_REAL`) is ``NA`` and other NaNs print ``NaN``.
    """
    digits = _check_digits(digits)
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size == 0:
        return []
    w, d, e = _format_info(a, digits, int(nsmall), nan_is_na, scipen)
    if trim:
        w = 0
    return _encode(a, w, d, e, nan_is_na)


def _format_each(x: np.ndarray, digits: int, drop0: bool, nan_is_na: bool = True) -> list[str]:
    """Each element formatted on its own (formatReal on length 1), as cat/as.character do."""
    x = np.asarray(x, dtype=np.float64).ravel()
    out: list[str] = []
    fin = np.isfinite(x)
    nz = fin & (x != 0.0)
    r = np.abs(x[nz])
    kpower, nsig, widens = _scientific(r, digits)
    info_k = np.zeros(x.size, dtype=np.int64)
    info_n = np.ones(x.size, dtype=np.int64)
    info_w = np.zeros(x.size, dtype=bool)
    info_k[nz], info_n[nz], info_w[nz] = kpower, nsig, widens
    na = _na_mask(x, nan_is_na)
    for v, f, a, kpw, ns, wd in zip(
        x.tolist(), fin.tolist(), na.tolist(), info_k.tolist(), info_n.tolist(), info_w.tolist()
    ):
        if not f:
            out.append("NA" if a else "NaN" if v != v else ("Inf" if v > 0 else "-Inf"))
            continue
        if v == 0.0:
            out.append("0")
            continue
        neg = 1 if v < 0 else 0
        left = kpw + 1 - wd
        sleft = neg + (1 if left <= 0 else left)
        rgt = max(ns - left, 0)
        if left < 0:
            sleft = 1 + neg
        wF = sleft + rgt + (rgt != 0)
        e = 2 if (left > 100 or left <= -99) else 1
        dd = ns - 1
        wE = neg + (dd > 0) + dd + 4 + e
        if wF <= wE:
            s = "%.*f" % (rgt, v)
        else:
            s = ("%#.*e" if dd else "%.*e") % (dd, v)
        out.append(_drop0(s) if drop0 else s)
    return out


# ------------------------------------------------------------- other atomic vector types


def format_integer(
    x: Iterable[int | None] | np.ndarray, *, na_mask: Iterable[bool] | None = None, trim: bool = False
) -> list[str]:
    """R ``format()`` of an integer vector: right-justified to a common width, NA as ``NA``.

    NA elements are ``None`` entries (or flagged by ``na_mask``).
    """
    vals = list(x.tolist() if isinstance(x, np.ndarray) else x)
    mask = [v is None for v in vals] if na_mask is None else [bool(m) for m in na_mask]
    strs = ["NA" if m else str(int(v)) for v, m in zip(vals, mask)]
    if trim or not strs:
        return strs
    w = max(len(s) for s in strs)
    return [s.rjust(w) for s in strs]


def format_logical(x: Iterable[bool | None], *, trim: bool = False) -> list[str]:
    """R ``format()`` of a logical vector: TRUE/FALSE/NA right-justified to a common width."""
    strs = ["NA" if v is None else ("TRUE" if v else "FALSE") for v in x]
    if trim or not strs:
        return strs
    w = max(len(s) for s in strs)
    return [s.rjust(w) for s in strs]


def format_character(x: Iterable[str | None], justify: str = "none") -> list[str]:
    """R ``format()`` of a character vector; NA becomes ``NA``.

    ``format.data.frame`` uses ``justify="none"`` (its default), so character columns of a
    formatted data frame are NOT padded -- FUSION's ID/EQTL.ID columns keep their own
    lengths.  ``justify="left"`` (plain ``format(chr)``'s default) pads on the right,
    ``"right"`` on the left.  Widths are counted in characters.
    """
    strs = ["NA" if v is None else str(v) for v in x]
    if justify == "none" or not strs:
        return strs
    w = max(len(s) for s in strs)
    if justify == "left":
        return [s.ljust(w) for s in strs]
    if justify == "right":
        return [s.rjust(w) for s in strs]
    if justify == "centre":
        return [" " * ((w - len(s)) // 2) + s + " " * (w - len(s) - (w - len(s)) // 2) for s in strs]
    raise ValueError(f"bad justify {justify!r}")


# ----------------------------------------------------------------------- column typing


def _pandas() -> Any:
    """pandas if something already imported it (then columns may be pandas objects), else None:
    formatting never imports pandas itself (it costs ~0.5 s at start-up)."""
    return sys.modules.get("pandas")


def _is_missing(v: Any) -> bool:
    """None, NaN or pandas.NA: an R NA in a column given as a Python sequence."""
    pd = _pandas()
    return v is None or (pd is not None and v is pd.NA) or (isinstance(v, (float, np.floating)) and math.isnan(v))


def _column_kind(col: Any) -> tuple[str, Any]:
    """Classify a column as R would type it: ('double'|'integer'|'logical'|'character', data).

    numpy float -> double; numpy int -> integer; numpy bool -> logical; pandas columns by
    dtype (nullable Int64/boolean keep NA); other sequences by their elements (str/None ->
    character, bool/None -> logical, int/None -> integer, numbers -> double).
    """
    pd = _pandas()
    if pd is not None and isinstance(col, pd.Series):
        dt = col.dtype
        if pd.api.types.is_bool_dtype(dt):
            return "logical", [None if pd.isna(v) else bool(v) for v in col.tolist()]
        if pd.api.types.is_integer_dtype(dt):
            return "integer", [None if pd.isna(v) else int(v) for v in col.tolist()]
        if pd.api.types.is_float_dtype(dt):
            return "double", col.to_numpy(dtype=np.float64, na_value=np.nan)
        col = col.tolist()
    if isinstance(col, np.ndarray):
        if col.dtype.kind == "f":
            return "double", col.astype(np.float64)
        if col.dtype.kind in "iu":
            return "integer", col.tolist()
        if col.dtype.kind == "b":
            return "logical", col.tolist()
        col = col.tolist()
    vals = list(col)
    types = set(map(type, vals))
    if types <= {str}:
        return "character", vals
    present = [v for v in vals if not _is_missing(v)]
    ptypes = set(map(type, present))
    if present and all(issubclass(t, (bool, np.bool_)) for t in ptypes):
        return "logical", [None if _is_missing(v) else bool(v) for v in vals]
    if present and all(issubclass(t, (int, np.integer)) and not issubclass(t, (bool, np.bool_)) for t in ptypes):
        return "integer", [None if _is_missing(v) else int(v) for v in vals]
    if present and all(
        issubclass(t, (int, float, np.integer, np.floating)) and not issubclass(t, (bool, np.bool_))
        for t in ptypes
    ):
        return "double", np.array([np.nan if _is_missing(v) else float(v) for v in vals])
    return "character", [None if _is_missing(v) else str(v) for v in vals]


def format_df(
    columns: Mapping[str, Any] | Any,
    digits: int | None = None,
    nsmall: int = 0,
    *,
    trim: bool = False,
    nan_is_na: bool = True,
) -> dict[str, list[str]]:
    """R ``format(df, digits=, trim=)``: every column formatted as one vector.

    Numeric columns get a common width/decimals (see :func:`format_real`), integer and
    logical columns a common width, character columns are left as they are (justify
    "none", the format.data.frame default) with NA -> ``NA``.  ``digits=None`` means R's
    default of 7.  ``columns`` is a pandas DataFrame or a mapping name -> column (typed as
    described in :func:`_column_kind`).  Returns name -> list of strings.
    """
    d = 7 if digits is None else digits
    items = columns.items() if hasattr(columns, "items") else columns
    out: dict[str, list[str]] = {}
    for name, col in items:
        kind, data = _column_kind(col)
        if kind == "double":
            out[name] = format_real(data, d, nsmall, trim=trim, nan_is_na=nan_is_na)
        elif kind == "integer":
            out[name] = format_integer(data, trim=trim)
        elif kind == "logical":
            out[name] = format_logical(data, trim=trim)
        else:
            out[name] = format_character(data, "none")
    return out


def write_table(
    columns: Mapping[str, Any] | Any,
    *,
    header: bool = True,
    sep: str = "\t",
    eol: str = "\n",
    na: str = "NA",
) -> str:
    """Text of R ``write.table(df, quote=F, row.names=F, col.names=header, sep=sep)``.

    Give it the output of :func:`format_df` (lists of str: written as they are) or raw
    columns: doubles are then written one by one with 15 significant digits, as
    write.table does, integers plainly, logicals TRUE/FALSE, missing values as ``na``.
    """
    items = list(columns.items() if hasattr(columns, "items") else columns)
    names = [str(k) for k, _ in items]
    cols: list[list[str]] = []
    for _, col in items:
        if isinstance(col, list) and all(isinstance(v, str) for v in col):
            cols.append(col)
            continue
        kind, data = _column_kind(col)
        if kind == "double":
            isna = np.isnan(data)
            txt = _format_each(data, _DBL_DIG, drop0=False, nan_is_na=False)
            cols.append([na if m else s for s, m in zip(txt, isna.tolist())])
        elif kind == "integer":
            cols.append([na if v is None else str(v) for v in data])
        elif kind == "logical":
            cols.append([na if v is None else ("TRUE" if v else "FALSE") for v in data])
        else:
            cols.append([na if v is None else v for v in data])
    nrow = len(cols[0]) if cols else 0
    if any(len(c) != nrow for c in cols):
        raise ValueError("columns differ in length")
    lines = [sep.join(names)] if header else []
    lines.extend(sep.join(row) for row in zip(*cols))
    return "".join(line + eol for line in lines)


# ------------------------------------------------------------------- paste / cat / misc


def paste_format(x: Iterable[float] | np.ndarray, digits: int, collapse: str = ",") -> str:
    """R ``paste(format(x, digits=, trim=TRUE), collapse=)`` (FUSION's MODELCV.R2/PV).

    The vector is formatted together (common decimals / notation), then each element
    unpadded and joined.
    """
    return collapse.join(format_real(x, digits, trim=True))


def format_cat(x: float | int | None, digits: int = 7, *, nan_is_na: bool = True) -> str:
    """One number as R ``cat()`` prints it: its own format with ``getOption('digits')``=7.

    ints print plainly, bools TRUE/FALSE, None as NA; NaN as NA (or NaN, see format_real).
    """
    if x is None:
        return "NA"
    if isinstance(x, (bool, np.bool_)):
        return "TRUE" if x else "FALSE"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return _format_each(np.array([float(x)]), _check_digits(digits), False, nan_is_na)[0]


def cat_str(*items: Any, sep: str = " ", digits: int = 7, nan_is_na: bool = True) -> str:
    """The text R ``cat(..., sep=)`` writes: every element of every item, joined by ``sep``.

    Strings are written as they are, doubles via :func:`format_cat`, ints plainly,
    bools TRUE/FALSE, None/NaN as NA.  (R puts ``sep`` between *all* elements, so
    ``cat(a, b, '\\n', sep='\\t')`` ends in a tab before the newline.)
    """
    parts: list[str] = []
    for it in items:
        seq = it.tolist() if isinstance(it, np.ndarray) else (
            list(it) if isinstance(it, (list, tuple)) else [it]
        )
        for v in seq:
            parts.append(v if isinstance(v, str) else format_cat(v, digits, nan_is_na=nan_is_na))
    return sep.join(parts)


def as_character(x: float | Iterable[float] | np.ndarray) -> str | list[str]:
    """R ``as.character`` of doubles (also what paste/toString show): 15 significant digits,
    each element on its own, trailing zeros dropped; NaN -> ``"NA"`` (as paste prints it).

    A scalar gives a str, a sequence a list of str.
    """
    scalar = np.ndim(x) == 0
    a = np.atleast_1d(np.asarray(x, dtype=np.float64))
    out = _format_each(a, _DBL_DIG, drop0=True)
    return out[0] if scalar else out


_M_LOG10_2 = 0.301029995663981195213738894724493027


def _r_pow_di(x: float, n: int) -> float:
    """R_pow_di: x**n by repeated squaring in double (as R computes 10^digits in round())."""
    xn = 1.0
    if n != 0:
        is_neg = n < 0
        n = abs(n)
        while True:
            if n & 1:
                xn *= x
            n >>= 1
            if n:
                x *= x
            else:
                break
        if is_neg:
            xn = 1.0 / xn
    return xn


def r_round(x: float | Iterable[float] | np.ndarray, digits: float = 0) -> Any:
    """R 4.x ``round(x, digits)`` (nmath/fround.c): picks the closer of the two candidates
    floor(x*10^d)/10^d and ceil(x*10^d)/10^d *as doubles*, ties to the even one; so e.g.
    round(0.15, 1) is 0.1 and round(2.675, 2) is 2.67, unlike naive half-up rounding.

    A scalar gives a float, anything else a float64 array.
    """
    scalar = np.ndim(x) == 0
    a = np.atleast_1d(np.asarray(x, dtype=np.float64)).copy()
    if math.isnan(digits):
        out = a + digits
        return float(out[0]) if scalar else out
    out = a.copy()
    work = np.isfinite(a) & (a != 0.0)
    if digits > 308 + _DBL_DIG:
        pass
    elif digits < -308:
        out[work] = 0.0
    elif digits == 0:
        out[work] = np.rint(a[work])
    else:
        dig = int(math.floor(digits + 0.5))
        sgn = np.where(a < 0, -1.0, 1.0)
        ax = np.abs(a)
        with np.errstate(all="ignore"):
            logb = np.frexp(ax)[1].astype(np.float64) - 1.0
            l10x = _M_LOG10_2 * (0.5 + logb)
            todo = work & ~(l10x + dig > _DBL_DIG)
            if todo.any():
                v = ax[todo]
                if dig <= 308:
                    p10 = _r_pow_di(10.0, dig)
                    x10 = v * p10
                    i10 = np.floor(x10)
                    xd = i10 / p10
                    xu = np.ceil(x10) / p10
                else:
                    e10 = dig - 308
                    p10b = _r_pow_di(10.0, e10)
                    p10 = _r_pow_di(10.0, 308)
                    x10 = (v * p10) * p10b
                    i10 = np.floor(x10)
                    xd = i10 / p10 / p10b
                    xu = np.ceil(x10) / p10 / p10b
                du = xu - v
                dd = v - xd
                pick_up = (du < dd) | ((np.fmod(i10, 2.0) == 1.0) & (du == dd))
                out[todo] = sgn[todo] * np.where(pick_up, xu, xd)
    return float(out[0]) if scalar else out
