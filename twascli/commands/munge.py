"""`twascli munge`: convert GWAS summary statistics to FUSION's format, with a report."""

from __future__ import annotations

import typer

HELP = (
    "Convert GWAS summary statistics (BETA/SE, OR+SE or P, P+sign, GWAS-SSF, GWAS-VCF, any column "
    "spelling of README 'Input formats') to FUSION's SNP A1 A2 Z [BETA SE] [N], reporting the rows "
    "read, converted and dropped (and why). assoc-test and post-process also convert on the fly."
)


def munge(
    sumstats: str = typer.Option(..., "--sumstats", help="GWAS summary statistics in any supported format (.gz ok)"),
    out: str = typer.Option(..., "--out", help="Output file (FUSION format, tab-separated)"),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists"),
) -> None:
    from twascli.tools.munge import run_munge

    for line in run_munge(sumstats, out, force):
        print(line)
