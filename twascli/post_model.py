"""Shared types of `post-process`: options (FUSION's flags), digits, logging, per-locus results."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from twascli import rformat
from twascli.core import postproc as pp
from twascli.io.atomic import atomic_write_text

PANEL_COLORS = [
    "#8DD3C7", "#FFFFB3", "#BEBADA", "#FB8072", "#80B1D3", "#FDB462",
    "#B3DE69", "#FCCDE5", "#D9D9D9", "#BC80BD", "#CCEBC5", "#FFED6F",
]


@dataclass
class PostOptions:
    """FUSION.post_process.R's flags (same names and defaults) plus twascli's extras."""

    input: str
    out: str
    ref_ld_chr: str
    chr: str
    sumstats: str | None = None
    minp_input: float = 1.0
    max_r2: float = 0.90
    min_r2: float = 0.05
    locus_win: int = 100_000
    max_cz_increase: float = 1.96
    zthresh: float | None = None  # None/0: Bonferroni over the analysed rows
    plot: bool = False
    plot_legend: str | None = None  # all | joint
    plot_corr: bool = False
    plot_individual: bool = False
    plot_eqtl: bool = False
    plot_scatter: bool = False
    report: bool = False
    omnibus: bool = False
    omnibus_corr: str | None = None
    eqtl_model: str = "top1"
    ldsc: bool = False
    save_loci: bool = False
    verbose: int = 1
    glist: str | None = None  # twascli: hg19 (default), hg38 or a CHR P0 P1 ID file
    digits: int | None = None  # twascli: significant digits everywhere (FUSION: 2 in tables, 3 elsewhere)
    top1_single_snp: bool = False  # twascli fix: top1 models predict from their top SNP only (as assoc-test)
    fix_true_alleles: bool = False  # twascli fix: weight alleles stored as logical TRUE read as "T"


@dataclass
class Digits:
    """Significant digits FUSION uses: 2 in the joint/cond tables, 3 in cat() output and CORR.dat."""

    table: int = 2
    cat: int = 3
    corr: int = 3

    @classmethod
    def of(cls, digits: int | None) -> "Digits":
        return cls() if digits is None else cls(digits, digits, digits)


class Log:
    """FUSION's chatter: messages to stderr by --verbose level; results lines to stdout."""

    def __init__(self, verbose: int, err: Callable[[str], None] | None = None, out: Callable[[str], None] | None = None):
        self.verbose = verbose
        self._err = err or (lambda s: print(s, file=sys.stderr, flush=True))
        self._out = out or (lambda s: print(s, flush=True))

    def info(self, msg: str, level: int = 1) -> None:
        if self.verbose >= level:
            self._err(msg)

    def warn(self, msg: str) -> None:
        """Warnings FUSION prints regardless of --verbose."""
        self._err(msg)

    def stdout(self, msg: str) -> None:
        self._out(msg)


@dataclass
class LocusResult:
    """Everything FUSION computes for one consolidated locus with a joint model."""

    number: int
    start: int
    end: int
    in_locus: np.ndarray  # bool over features
    joint: np.ndarray  # bool over features (the per-locus joint model)
    snp_idx: np.ndarray  # reference columns of the locus SNPs
    snp: pp.SnpConditional
    top_snp_cor: np.ndarray  # per in-locus feature, rounded to 2 decimals


@dataclass
class PostResult:
    """What a run produced (for callers and tests)."""

    n_features: int = 0
    joint_keep: np.ndarray | None = None
    loci: list[LocusResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    singular_features: list[str] = field(default_factory=list)
    warned: set[int] = field(default_factory=set)  # features already warned about (collinearity)



def write_output(path: str, text: str, result: PostResult) -> None:
    """Write one output file atomically and record it."""
    atomic_write_text(path, text)
    result.files.append(path)


def fmt_cat(x: float | int, d: int) -> str:
    """A number as R's cat() prints it with options(digits=D)."""
    return rformat.format_cat(x, d)
