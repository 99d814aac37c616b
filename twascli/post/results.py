"""What `post-process` produces: its log (FUSION's messages), per-locus and per-run results."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from twascli.core import postproc as pp
from twascli.io.atomic import atomic_write_text


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
    finemap: object | None = None  # post.finemap.LocusFinemap with --finemap


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
