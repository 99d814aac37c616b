"""Chromosome naming: 'chr22', 'CHR22' and '22' name the same chromosome everywhere (X, chrX, 23 too)."""

from __future__ import annotations

import os


def norm_chr(name: object) -> str:
    """Canonical chromosome label: the name without any leading 'chr' (case-insensitive)."""
    s = str(name).strip()
    if s.lower().startswith("chr"):
        s = s[3:]
    return s


# PLINK's numeric codes of the human sex and mitochondrial chromosomes (its default chromosome
# set): 23 = X, 24 = Y, 25 = XY (pseudo-autosomal), 26 = MT; M is MT too.
_ALIASES = {"23": "X", "24": "Y", "25": "XY", "26": "MT", "M": "MT"}


def chr_key(name: object) -> str:
    """A chromosome label for comparisons: norm_chr upper-cased, PLINK's 23-26 as X/Y/XY/MT.

    Only for matching labels across files ('chrX' == 'X' == '23'); names shown to users and
    written to files stay as given.
    """
    s = norm_chr(name).upper()
    return _ALIASES.get(s, s)


def same_chr(a: object, b: object) -> bool:
    """True when two chromosome labels name the same chromosome ('chr6' == '6', 'X' == '23')."""
    return chr_key(a) == chr_key(b)


def chr_file_prefix(prefix: str, chrom: object, suffix: str | tuple[str, ...] = (".bed", ".pgen")) -> str:
    """Find the per-chromosome file set PREFIX<chr>: tries the given spelling, '22', 'chr22' (and X/23).

    Returns the first prefix for which PREFIX+suffix exists (a PLINK 1 or 2 panel), or the plain PREFIX+<chr> when none
    does (the reader then reports the missing file).
    """
    base = norm_chr(chrom)
    names = [base] + [n for n, k in _ALIASES.items() if k == chr_key(chrom)] + [chr_key(chrom)]
    cands = [str(chrom)] + [f"{pre}{n}" for n in dict.fromkeys(names) for pre in ("", "chr", "CHR")]
    for cand in cands:
        if any(os.path.exists(prefix + cand + s) for s in ((suffix,) if isinstance(suffix, str) else suffix)):
            return prefix + cand
    return prefix + str(chrom)


def chr_label(name: object, sep: str = "") -> str:
    """A chromosome as titles show it: 'chr' + SEP + '22' for a bare '22', a 'chr1' name as given
    (never 'chrchr1')."""
    s = str(name).strip()
    return s if s.lower().startswith("chr") else f"chr{sep}{s}"
