"""`twascli profile-weights`: utils/FUSION.profile_wgt.R (per-model table on stdout, summary on stderr)."""

from __future__ import annotations

import sys

import typer

HELP = (
    "Summarise a set of weight files (utils/FUSION.profile_wgt.R): one row per file with nsnps, hsq "
    "and the cross-validation R2/p of each model on stdout; averages and how often each model is "
    "best on stderr."
)


def profile_weights(
    wgt_list: str = typer.Argument(..., metavar="LIST", help="File with one .wgt.RDat path per line"),
) -> None:
    """Print FUSION's weights profile for the files named in LIST."""
    from twascli.io.outguard import check_stdout
    from twascli.tools.profile import profile_weights as run_profile

    check_stdout([wgt_list])
    out, err = run_profile(wgt_list)
    sys.stdout.write(out)
    sys.stdout.flush()
    sys.stderr.write(err)
