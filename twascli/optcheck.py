"""Domain checks of numeric options at parse time: one line naming the flag, its value and the valid range.

Values are checked, not spellings: `200e3` is as good as `200000` wherever R would accept it.
"""

from __future__ import annotations

import math

from twascli.errors import TwasError


def _show(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_range(flag: str, value: float | None, lo: float | None = None, hi: float | None = None,
                lo_open: bool = False, hi_open: bool = False) -> None:
    """VALUE (if given) lies in the interval [lo, hi] (open ends as asked); else a one-line error."""
    if value is None:
        return
    bad = isinstance(value, float) and math.isnan(value)
    if lo is not None:
        bad = bad or value < lo or (lo_open and value == lo)
    if hi is not None:
        bad = bad or value > hi or (hi_open and value == hi)
    if bad:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        span = f"{left}{_show(lo) if lo is not None else '-Inf'}, {_show(hi) if hi is not None else 'Inf'}{right}"
        raise TwasError(f"{flag} {_show(value)}: must be in {span}")


def check_p(flag: str, value: float | None) -> None:
    """A p-value threshold: (0, 1]."""
    check_range(flag, value, 0.0, 1.0, lo_open=True)


def check_fraction(flag: str, value: float | None) -> None:
    """A fraction, r2 or heritability: [0, 1]."""
    check_range(flag, value, 0.0, 1.0)


def check_count(flag: str, value: float | None) -> None:
    """A whole number >= 0 (windows, permutations, folds)."""
    if value is None:
        return
    if (isinstance(value, float) and (math.isnan(value) or value != int(value))) or value < 0:
        raise TwasError(f"{flag} {_show(value)}: must be a whole number >= 0")
