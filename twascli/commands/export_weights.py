"""`twascli export-weights`: FUSION weights to a PredictDB .db and covariance file (FOCUS input)."""

from __future__ import annotations

from typing import Optional

import typer

HELP = (
    "Export FUSION weights (a .pos list) to PredictDB's format: OUT.db (weights, extra) and "
    "OUT.txt.gz (SNP covariances), weights scaled to allele counts with the LD reference. The .db "
    "is read by PrediXcan/S-PrediXcan, by FOCUS ('focus import OUT.db predixcan') and by "
    "twascli assoc-test --weights OUT.db."
)


def export_weights(
    weights: str = typer.Option(..., "--weights", help="Weights list (.pos: WGT ID CHR P0 P1)"),
    weights_dir: Optional[str] = typer.Option(None, "--weights_dir", "--weights-dir", help="Directory the WGT paths are relative to"),
    ref_ld_chr: str = typer.Option(..., "--ref_ld_chr", "--ref-ld-chr", help="Prefix of per-chromosome LD reference (PLINK 1 or 2)"),
    out: str = typer.Option(..., "--out", help="Output prefix: OUT.db and OUT.txt.gz"),
    chr: Optional[str] = typer.Option(None, "--chr", help="Only genes on this chromosome"),
    force_model: Optional[str] = typer.Option(None, "--force_model", "--force-model", help="Export this model instead of the best cross-validated one"),
    force: bool = typer.Option(False, "--force", help="Replace existing output files"),
) -> None:
    from twascli.tools.export_weights import export_predictdb

    for line in export_predictdb(weights, weights_dir, ref_ld_chr, out, force_model, chr, force):
        print(line)
