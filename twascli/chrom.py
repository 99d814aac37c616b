"""Chromosome naming: 'chr22', 'CHR22' and '22' name the same chromosome everywhere."""

from __future__ import annotations

import os


def norm_chr(name: object) -> str:
    """Canonical chromosome label: the name without any leading 'chr' (case-insensitive)."""
    s = str(name).strip()
    if s.lower().startswith("chr"):
        s = s[3:]
    return s


def same_chr(a: object, b: object) -> bool:
    """True when two chromosome labels name the same chromosome ('chr6' == '6')."""
    return norm_chr(a) == norm_chr(b)


def chr_file_prefix(prefix: str, chrom: object, suffix: str = ".bed") -> str:
    """Find the per-chromosome file set PREFIX<chr>: tries '22', 'chr22' and the given spelling.

    Returns the first prefix for which PREFIX+suffix exists, or the plain PREFIX+<chr> when none
    does (the reader then reports the missing file).
    """
    base = norm_chr(chrom)
    for cand in (str(chrom), base, "chr" + base, "CHR" + base):
        if os.path.exists(prefix + cand + suffix):
            return prefix + cand
    return prefix + str(chrom)


def chr_label(name: object, sep: str = "") -> str:
    """A chromosome as titles show it: 'chr' + SEP + '22' for a bare '22', a 'chr1' name as given
    (never 'chrchr1')."""
    s = str(name).strip()
    return s if s.lower().startswith("chr") else f"chr{sep}{s}"
