"""compute-weights' output checks (before any work): --out usable, no output replaces an input."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from twascli.errors import TwasError
from twascli.io.outguard import check_no_clobber, check_out_location, prefixed_outputs

if TYPE_CHECKING:  # pragma: no cover
    from twascli.weights.batch import BatchGene
    from twascli.weights.gene import CwOptions


def _plink_files(prefix: str | None) -> list[str]:
    return [prefix + ext for ext in (".bed", ".bim", ".fam")] if prefix else []


def guard_gene(opts: CwOptions) -> None:
    """One gene: OUT is a file prefix (OUT.wgt.RDat, OUT.hsq)."""
    check_out_location(opts.out)
    inputs = _plink_files(opts.bfile) + [opts.pheno, opts.covar]
    check_no_clobber([opts.out + ".wgt.RDat", opts.out + ".hsq"], inputs)


def guard_batch(opts: CwOptions, genes: list[BatchGene], tables: list[str | None]) -> None:
    """Batch: OUT/ holds the weights (may exist), OUT.pos/.profile/.profile.err/.log beside it."""
    out = opts.out.rstrip("/") or opts.out
    if os.path.exists(out) and not os.path.isdir(out):
        raise TwasError(f"--out {opts.out}: exists and is not a directory (batch mode writes the weights into {out}/)")
    check_out_location(out, prefix=False)
    inputs = [*tables, opts.pheno, opts.covar] + _plink_files(opts.bfile)
    for g in genes:
        inputs += _plink_files(g.bfile) + [g.pheno]
    outputs = [out + s for s in (".pos", ".profile", ".profile.err", ".log")]
    outputs += [os.path.join(out, g.gene + ".wgt.RDat") for g in genes]
    outputs += prefixed_outputs(os.path.join(out, ""), r".+\.(wgt\.RDat|hsq)")
    check_no_clobber(outputs, inputs)
