"""`twascli compare-models`: utils/compare_models.R, correlation of predicted expression between nearby models."""

from __future__ import annotations

import sys

import typer

HELP = (
    "For each model of --pos1 and each --pos2 model within --window bp, print WGT1 WGT2 distance and "
    "the correlation of their predicted expression in the LD reference (utils/compare_models.R)."
)


def compare_models(
    pos1: str = typer.Option(..., "--pos1", help="Path to list of models [required]"),
    pos2: str = typer.Option(..., "--pos2", help="Path to list of models to compare to [required]"),
    ref_ld_chr: str = typer.Option(..., "--ref_ld_chr", "--ref-ld-chr", help="Prefix to reference LD files in binary PLINK format by chromosome [required]"),
    chr: str = typer.Option(..., "--chr", help="Chromosome to analyze ('22' or 'chr22') [required]"),
    window: int = typer.Option(500000, "--window", help="Window around pos1 features to take"),
) -> None:
    """Print one tab-separated line per pair of nearby models (WGT paths as written in the lists)."""
    from twascli.chrom import chr_file_prefix
    from twascli.io.outguard import check_stdout
    from twascli.tools.compare_models import compare_models_run

    from twascli.optcheck import check_count

    check_count("--window", window)
    ref = chr_file_prefix(ref_ld_chr, chr)
    check_stdout([pos1, pos2, ref + ".bed", ref + ".bim", ref + ".fam"])
    sys.stdout.write(compare_models_run(pos1, pos2, chr, ref_ld_chr, window))
