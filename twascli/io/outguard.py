"""Checks every subcommand runs before any work: an output never replaces an input, and the
output location exists, is writable and is not a directory where a file prefix is expected."""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from typing import Iterable

from twascli.errors import TwasError


def _identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of the file PATH names, following symlinks; None if there is none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _input_ids(inputs: Iterable[str | None]) -> dict[tuple[int, int], str]:
    """The identity of each existing input file (symlinks and hard links resolve to the same one)."""
    ids: dict[tuple[int, int], str] = {}
    for path in inputs:
        ident = _identity(path) if path else None
        if ident is not None:
            ids.setdefault(ident, path)  # type: ignore[arg-type]
    return ids


def check_out_location(out: str, flag: str = "--out", prefix: bool = True) -> None:
    """OUT's directory exists and is writable; when OUT is a file (prefix) it is not a directory."""
    if prefix and (out.endswith(("/", os.sep)) or os.path.isdir(out)):
        raise TwasError(f"{flag} {out}: is a directory, but {flag} is a file name prefix (e.g. {os.path.join(out, 'result')})")
    parent = os.path.dirname(os.path.abspath(out.rstrip("/") or out))
    if not os.path.isdir(parent):
        raise TwasError(f"{flag} {out}: output directory {parent} does not exist")
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise TwasError(f"{flag} {out}: output directory {parent} is not writable ({exc.strerror})") from None


def prefixed_outputs(out: str, suffix_pattern: str) -> list[str]:
    """Existing files named OUT + a suffix matching SUFFIX_PATTERN (outputs whose names depend on data)."""
    directory = os.path.dirname(os.path.abspath(out)) or "."
    base = os.path.basename(out)
    rx = re.compile(re.escape(base) + "(?:" + suffix_pattern + ")")
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names if rx.fullmatch(n)]


def check_no_clobber(outputs: Iterable[str], inputs: Iterable[str | None], flag: str = "--out") -> None:
    """Refuse (one line) when an output path is, or links to, one of the input files."""
    ids = _input_ids(inputs)
    if not ids:
        return
    for path in outputs:
        ident = _identity(path)
        if ident is not None and ident in ids:
            raise TwasError(
                f"{flag}: the output {path} would overwrite the input file {ids[ident]}; choose another {flag}"
            )


def check_tree_free_of(directory: str, inputs: Iterable[str | None], flag: str = "--out") -> None:
    """Refuse when an input is DIRECTORY itself or lies inside it (a site rebuilt there replaces it)."""
    root = os.path.realpath(directory)
    for path in inputs:
        if not path:
            continue
        real = os.path.realpath(path)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            raise TwasError(f"{flag} {directory}: the input {path} is inside the output directory; choose another {flag}")


def check_stdout(inputs: Iterable[str | None], what: str = "input") -> None:
    """Refuse when standard output is redirected into one of the inputs (`cmd f > f`) or outputs."""
    try:
        st = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return
    if not stat.S_ISREG(st.st_mode):
        return
    ids = _input_ids(inputs)
    hit = ids.get((st.st_dev, st.st_ino))
    if hit is not None:
        raise TwasError(f"standard output is redirected into the {what} file {hit}; write to another file")
