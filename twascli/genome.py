"""Genome model shared by the commands: the MHC region (`--mhc`) and which gene list plots use.

FUSION hard-codes the human MHC as chr6 with P0 > 26 Mb and P1 < 34 Mb (hg19; assoc-test sends
those models to OUT.MHC). Here the region is an option so that other builds and species keep
every model: `hg19` (FUSION's, the default), `hg38`, `none` or `CHR:START-END`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from twascli.chrom import norm_chr
from twascli.errors import TwasError


@dataclass(frozen=True)
class Region:
    """A chromosome interval; a model is inside when START < P0 and P1 < END (FUSION's test)."""

    chrom: str
    start: float
    end: float

    def contains(self, chrom, p0, p1) -> np.ndarray:
        """Vectorised FUSION test: same chromosome ('chr6' == '6'), P0 > START and P1 < END."""
        chrom = np.atleast_1d(np.asarray(chrom, dtype=object))
        same = np.array([norm_chr(c) == norm_chr(self.chrom) for c in chrom], dtype=bool)
        p0 = np.atleast_1d(np.asarray(p0, dtype=float))
        p1 = np.atleast_1d(np.asarray(p1, dtype=float))
        return same & (p0 > self.start) & (p1 < self.end)


#: FUSION.assoc_test.R's MHC (hg19). hg38: the same interval lifted to GRCh38: the genes flanking
#: its ends are shifted by -228 bp at 26 Mb (H1-1/HIST1H1A) and +32,223 bp at 34 Mb (GRM4,
#: MIR1275) between the bundled UCSC-derived gene lists twascli/data/glist-hg19.txt and glist-hg38.txt.
MHC_BUILDS = {"hg19": Region("6", 26e6, 34e6), "hg38": Region("6", 25_999_772, 34_032_223)}
HUMAN_BUILDS = tuple(MHC_BUILDS)
MHC_HELP = "MHC region whose models go to OUT.MHC: hg19 (FUSION's chr6:26-34Mb, default), hg38, none, or CHR:START-END"

_REGION = re.compile(r"(?P<chr>[^:\s]+):(?P<start>[0-9.eE+]+)-(?P<end>[0-9.eE+]+)")


@dataclass(frozen=True)
class Mhc:
    """A parsed --mhc: the spelling given, the build it names (or '') and its region (None = none)."""

    spec: str
    build: str
    region: Region | None

    def mask(self, chrom, p0, p1) -> np.ndarray:
        """Which models (CHR, P0, P1 arrays) lie in the MHC; all False with `none`."""
        n = len(np.atleast_1d(np.asarray(chrom, dtype=object)))
        if self.region is None:
            return np.zeros(n, dtype=bool)
        return self.region.contains(chrom, p0, p1)

    @property
    def human(self) -> bool:
        """True for a human build (hg19/hg38): the study may default to a human gene list."""
        return self.build in HUMAN_BUILDS


def parse_mhc(spec: str | None) -> Mhc:
    """--mhc hg19|hg38|none|CHR:START-END (None = hg19, FUSION's); one-line error otherwise."""
    from twascli.numflags import r_numeric

    s = "hg19" if spec is None else str(spec).strip()
    if s.lower() in MHC_BUILDS:
        return Mhc(s, s.lower(), MHC_BUILDS[s.lower()])
    if s.lower() == "none":
        return Mhc(s, "none", None)
    m = _REGION.fullmatch(s.replace(",", ""))
    if m:
        start, end = r_numeric(m["start"]), r_numeric(m["end"])
        if start is not None and end is not None and 0 <= start < end:
            return Mhc(s, "", Region(m["chr"], start, end))
    raise TwasError(f"--mhc: {spec!r} is not hg19, hg38, none or a region CHR:START-END (e.g. chr6:26e6-34e6)")


def default_glist(mhc: Mhc) -> str | None:
    """The gene list a plot uses without --glist: the build's own for human studies, else none
    (no human genes drawn on another species' chromosomes)."""
    return mhc.build if mhc.human else None
