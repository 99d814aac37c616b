"""`twascli assoc-test`: FUSION.assoc_test.R with the same flags, defaults and output files."""

from __future__ import annotations

from typing import Optional

import typer

HELP = "Test each gene's predicted expression for association with a trait (FUSION.assoc_test.R)."


def assoc_test(
    sumstats: str = typer.Option(..., "--sumstats", help="Summary statistics (SNP A1 A2 Z; BETA SE N optional; .gz ok)"),
    out: str = typer.Option(..., "--out", help="Output file"),
    weights: str = typer.Option(..., "--weights", help="Weights list (.pos: WGT ID CHR P0 P1 [PANEL] [N])"),
    weights_dir: Optional[str] = typer.Option(None, "--weights_dir", "--weights-dir", help="Directory the WGT paths are relative to"),
    ref_ld_chr: str = typer.Option(..., "--ref_ld_chr", "--ref-ld-chr", help="Prefix of per-chromosome LD reference PLINK files"),
    chr: str = typer.Option(..., "--chr", help="Chromosome to analyse ('22' or 'chr22')"),
    force_model: Optional[str] = typer.Option(None, "--force_model", "--force-model", help="Use this model instead of the best cross-validated one"),
    caviar: bool = typer.Option(False, "--caviar", help="Write eCAVIAR-format Z and LD files"),
    max_impute: float = typer.Option(0.5, "--max_impute", "--max-impute", help="Max fraction of weight SNPs missing from the GWAS (imputed from LD)"),
    min_r2pred: float = typer.Option(0.7, "--min_r2pred", "--min-r2pred", help="Min mean imputation r2 at weight SNPs"),
    perm: int = typer.Option(0, "--perm", help="Max permutations per gene (0 = off)"),
    perm_minp: float = typer.Option(0.05, "--perm_minp", "--perm-minp", help="Permute only genes with TWAS P below this"),
    coloc_P: Optional[float] = typer.Option(None, "--coloc_P", "--coloc-p", help="Run coloc.abf for genes with TWAS P below this"),
    coloc_susie_P: Optional[float] = typer.Option(None, "--coloc_susie_P", "--coloc-susie-p", help="Run coloc.susie for genes with TWAS P below this"),
    GWASN: Optional[int] = typer.Option(None, "--GWASN", "--gwasn", help="GWAS sample size (for COLOC)"),
    PANELN: Optional[str] = typer.Option(None, "--PANELN", "--paneln", help="PANEL<TAB>N table of eQTL sample sizes (for COLOC)"),
    digits: Optional[int] = typer.Option(None, "--digits", help="twascli: significant digits in the output (FUSION prints 3)"),
    seed: int = typer.Option(1, "--seed", help="twascli: seed of the permutation test's random numbers"),
) -> None:
    from twascli.assoc import NUMERIC_COLUMNS, AssocOptions, run_assoc  # heavy imports: only when run
    from twascli.io.assoc_output import write_assoc

    opts = AssocOptions(
        sumstats=sumstats, weights=weights, weights_dir=weights_dir, ref_ld_chr=ref_ld_chr, chr=chr,
        out=out, force_model=force_model, caviar=caviar, max_impute=max_impute, min_r2pred=min_r2pred,
        perm=perm, perm_minp=perm_minp, coloc_P=coloc_P, coloc_susie_P=coloc_susie_P, GWASN=GWASN,
        PANELN=PANELN, digits=digits, seed=seed,
    )
    result = run_assoc(opts)
    print("Analysis completed.")
    print(f"NOTE: {result.n_failed} / {result.n_total} genes were skipped")
    if result.n_total and result.n_failed / result.n_total > 0.1:
        print(
            "If a large number of genes were skipped, verify that your GWAS Z-scores, expression "
            "weights, and LDREF data use the same SNPs (or nearly)"
        )
        print(
            "Or consider pre-imputing your summary statistics to the LDREF markers using "
            "summary-imputation software such as [https://github.com/bogdanlab/fizi]"
        )
    digits_out = 3 if digits is None else digits
    wrote_mhc = write_assoc(out, result.columns, result.rows, NUMERIC_COLUMNS, digits_out)
    if wrote_mhc:
        print(
            f"Results in the MHC are written to {out}.MHC , evaluate with caution due to complex LD structure"
        )
    if result.susie_summary or result.susie_results:
        from twascli.coloc_run import write_susie_tables

        write_susie_tables(out, result)
