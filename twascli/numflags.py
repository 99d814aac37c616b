"""R-style numbers on the command line: `--locus_win 200e3` works as in FUSION's R scripts.

FUSION's optparse converts option values with R's as.numeric, which accepts exponents ("5e5"),
hexadecimal ("0x10") and Inf/NaN; Typer's int options do not. Every subcommand's argv passes
through `normalize_argv` (called once, in twascli.cli) before Typer parses it.
"""

from __future__ import annotations

import inspect
import math
import re
import typing
from typing import Callable

from twascli.errors import TwasError

_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_HEX = re.compile(r"[+-]?0[xX][0-9a-fA-F]+")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def r_numeric(text: str) -> float | None:
    """The value R's as.numeric gives TEXT (decimal, exponent, hex, Inf, NaN), None if it gives NA."""
    s = text.strip()
    if _DECIMAL.fullmatch(s):
        return float(s)
    if _HEX.fullmatch(s):
        return float(int(s, 16))
    return _SPECIAL.get(s.lower())


def numeric_flags(func: Callable) -> dict[str, type]:
    """{spelling: int or float} for every option of a Typer command function taking a number."""
    hints = typing.get_type_hints(func)
    out: dict[str, type] = {}
    for name, param in inspect.signature(func).parameters.items():
        kind = hints.get(name)
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if kind not in (int, float) and len(args) == 1 and args[0] in (int, float):
            kind = args[0]
        if kind in (int, float):
            for decl in getattr(param.default, "param_decls", ()) or ():
                if decl.startswith("-"):
                    out[decl] = kind
    return out


def convert(flag: str, value: str, kind: type) -> str:
    """VALUE of numeric option FLAG as Typer reads it; one-line error when R would not accept it."""
    x = r_numeric(value)
    if x is None:
        raise TwasError(f"{flag}: {value!r} is not a number")
    if kind is float:
        return repr(x)
    if not math.isfinite(x) or x != math.floor(x):
        raise TwasError(f"{flag}: {value!r} is not a whole number")
    return str(int(x))


def normalize_argv(argv: list[str], func: Callable) -> list[str]:
    """ARGV with the values of FUNC's numeric options rewritten from R notation to plain numbers."""
    flags = numeric_flags(func)
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        name, eq, val = tok.partition("=")
        if tok.startswith("--") and eq and name in flags:
            out.append(f"{name}={convert(name, val, flags[name])}")
        elif tok in flags and i + 1 < len(argv):
            out += [tok, convert(tok, argv[i + 1], flags[tok])]
            i += 1
        else:
            out.append(tok)
        i += 1
    return out
