"""`twascli assoc-test`: FUSION.assoc_test.R with the same flags, defaults and output files.

Beyond FUSION: --chr may be omitted (every chromosome of the weights list), several --sumstats
(or --sumstats_list) run in one call sharing the LD and weights work, --threads, --digits, --seed.
"""

from __future__ import annotations

from typing import List, Optional

import typer

from twascli.errors import TwasError
from twascli.genome import MHC_HELP, parse_mhc

HELP = (
    "Test each gene's predicted expression for association with a trait (FUSION.assoc_test.R). "
    "One trait and --chr: --out is the output file, as in FUSION. Without --chr: OUT.<chr>.dat per "
    "chromosome. Several traits (--sumstats repeated or --sumstats_list): OUT.<trait>.<chr>.dat."
)


def assoc_test(
    sumstats: Optional[List[str]] = typer.Option(None, "--sumstats", help="Summary statistics: FUSION's SNP A1 A2 Z (BETA SE optional), or any format of README 'Input formats' (BETA/SE, OR, P+sign, GWAS-SSF, GWAS-VCF; .gz ok); repeat for several traits"),
    sumstats_list: Optional[str] = typer.Option(None, "--sumstats_list", "--sumstats-list", help="twascli: table with header TRAIT SUMSTATS [N], one trait per row (N: the trait's GWAS N for COLOC)"),
    out: str = typer.Option(..., "--out", help="Output file (prefix for several traits or chromosomes)"),
    weights: str = typer.Option(..., "--weights", help="Weights list (.pos: WGT ID CHR P0 P1 [PANEL] [N])"),
    weights_dir: Optional[str] = typer.Option(None, "--weights_dir", "--weights-dir", help="Directory the WGT paths are relative to"),
    ref_ld_chr: str = typer.Option(..., "--ref_ld_chr", "--ref-ld-chr", help="Prefix of per-chromosome LD reference PLINK files"),
    chr: Optional[str] = typer.Option(None, "--chr", help="Chromosome to analyse ('22' or 'chr22'); omit for all"),
    force_model: Optional[str] = typer.Option(None, "--force_model", "--force-model", help="Use this model instead of the best cross-validated one"),
    caviar: bool = typer.Option(False, "--caviar", help="Write eCAVIAR-format Z and LD files"),
    max_impute: float = typer.Option(0.5, "--max_impute", "--max-impute", help="Max fraction of weight SNPs missing from the GWAS (imputed from LD)"),
    min_r2pred: float = typer.Option(0.7, "--min_r2pred", "--min-r2pred", help="Min mean imputation r2 at weight SNPs"),
    perm: int = typer.Option(0, "--perm", help="Max permutations per gene (0 = off)"),
    perm_minp: float = typer.Option(0.05, "--perm_minp", "--perm-minp", help="Permute only genes with TWAS P below this"),
    coloc_P: Optional[float] = typer.Option(None, "--coloc_P", "--coloc-p", help="Run coloc.abf for genes with TWAS P below this"),
    coloc_susie_P: Optional[float] = typer.Option(None, "--coloc_susie_P", "--coloc-susie-p", help="Run coloc.susie for genes with TWAS P below this"),
    GWASN: Optional[int] = typer.Option(None, "--GWASN", "--gwasn", help="GWAS sample size (for COLOC); twascli: traits with an N in --sumstats_list use theirs, traits with neither the median N column of their sumstats"),
    PANELN: Optional[str] = typer.Option(None, "--PANELN", "--paneln", help="PANEL<TAB>N table of eQTL sample sizes (for COLOC)"),
    digits: Optional[int] = typer.Option(None, "--digits", min=1, max=22, help="twascli: significant digits in the output (FUSION prints 3)"),
    seed: int = typer.Option(1, "--seed", help="twascli: seed of the permutation test's random numbers"),
    threads: int = typer.Option(1, "--threads", min=1, help="twascli: threads for reading weights and computing LD"),
    coloc_beta_from_z: bool = typer.Option(False, "--coloc_beta_from_z", "--coloc-beta-from-z", help="twascli: for COLOC, use z/sqrt(GWASN) and 1/GWASN at SNPs without BETA/SE (imputed); FUSION leaves COLOC NA"),
    fix_true_alleles: bool = typer.Option(False, "--fix_true_alleles", "--fix-true-alleles", help="twascli: read weight alleles that R stored as logical TRUE as 'T' (FUSION leaves them unmatched)"),
    match_by: str = typer.Option("auto", "--match_by", "--match-by", help="twascli: match GWAS SNPs to the LD panel by rsid, position (chr:pos + alleles, either order) or auto (position when the GWAS ids are chr:pos)"),
    mhc: Optional[str] = typer.Option(None, "--mhc", help=f"twascli: {MHC_HELP}"),
) -> None:
    from twascli.assoc.gene import AssocOptions  # heavy imports only when the command runs
    from twascli.assoc.run import TraitSpec, read_trait_table, run_batch, trait_name

    region = parse_mhc(mhc)
    from twascli.optcheck import check_count, check_fraction, check_p, check_range

    check_fraction("--max_impute", max_impute)
    check_fraction("--min_r2pred", min_r2pred)
    check_count("--perm", perm)
    check_p("--perm_minp", perm_minp)
    check_p("--coloc_P", coloc_P)
    check_p("--coloc_susie_P", coloc_susie_P)
    check_range("--GWASN", GWASN, 0, lo_open=True)
    traits = [TraitSpec(trait_name(s), s) for s in (sumstats or [])]
    if sumstats_list:
        traits += read_trait_table(sumstats_list)
    if not traits:
        raise TwasError("--sumstats (or --sumstats_list) is required")
    names = [t.name for t in traits]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise TwasError(f"several traits are named {dup[0]!r}: give them distinct file names or a --sumstats_list")
    opts = AssocOptions(
        sumstats=traits[0].sumstats, weights=weights, weights_dir=weights_dir, ref_ld_chr=ref_ld_chr, chr=chr,
        out=out, force_model=force_model, caviar=caviar, max_impute=max_impute, min_r2pred=min_r2pred,
        perm=perm, perm_minp=perm_minp, coloc_P=coloc_P, coloc_susie_P=coloc_susie_P, GWASN=GWASN,
        PANELN=PANELN, digits=digits, seed=seed, fix_true_alleles=fix_true_alleles, match_by=match_by,
        coloc_beta_from_z=coloc_beta_from_z,
    )
    run_batch(opts, traits, threads=threads, mhc=region, extra_inputs=(sumstats_list,) if sumstats_list else ())
