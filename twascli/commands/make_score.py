"""`twascli make-score`: utils/make_score.R, a PLINK --score file from the best model of one weight file."""

from __future__ import annotations

import sys
from typing import Optional

import typer

HELP = (
    "Print a PLINK score file (SNP A1 WEIGHT columns 1 2 4) for one .wgt.RDat, using the model with the "
    "best cross-validation p-value (utils/make_score.R): plink --bfile G --score FILE 1 2 4."
)


def make_score(
    wgt: Optional[str] = typer.Argument(None, metavar="WGT", help="A FUSION .wgt.RDat file"),
    fix_true_alleles: bool = typer.Option(False, "--fix_true_alleles", "--fix-true-alleles", help="twascli fix: print alleles that R stored as logical TRUE as 'T' (FUSION prints TRUE)"),
) -> None:
    """Write the score file to stdout; FUSION's usage text (on stderr, never into the score file) and an
    error if WGT is missing."""
    import os

    from twascli.errors import TwasError
    from twascli.io.outguard import check_stdout
    from twascli.tools.make_score import SCORE_USAGE, make_score_text

    if wgt is None or not os.path.exists(wgt):
        sys.stderr.write(SCORE_USAGE)
        sys.stderr.flush()
        if wgt is None:  # typer.Exit codes are lost under cli.run(), so this is an error too
            raise TwasError("no weight file given (usage: twascli make-score WGT > SCORE_FILE)")
        raise TwasError(f"{wgt} does not exist or cannot be read")
    check_stdout([wgt])
    sys.stdout.write(make_score_text(wgt, fix_true_alleles))
