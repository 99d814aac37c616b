"""`twascli post-process`: FUSION.post_process.R with the same flags, defaults and output files."""

from __future__ import annotations

from typing import Optional

import typer


HELP = (
    "Joint/conditional analysis of TWAS hits per locus, conditional GWAS, reports, omnibus test, "
    "LD scores and locus plots (FUSION.post_process.R)."
)


def post_process(
    input: str = typer.Option(..., "--input", help="TWAS results from assoc-test (needs a TWAS.P column)"),
    out: str = typer.Option(..., "--out", help="Prefix of the output files"),
    sumstats: Optional[str] = typer.Option(None, "--sumstats", help="Summary statistics, any format of README 'Input formats' (not needed with --omnibus/--ldsc)"),
    ref_ld_chr: str = typer.Option(..., "--ref_ld_chr", "--ref-ld-chr", help="Prefix of per-chromosome LD reference PLINK files"),
    chr: str = typer.Option(..., "--chr", help="Chromosome to analyse ('22' or 'chr22')"),
    minp_input: float = typer.Option(1.0, "--minp_input", "--minp-input", help="Only features with TWAS.P below this"),
    max_r2: float = typer.Option(0.90, "--max_r2", "--max-r2", help="Features with r^2 above this are considered identical"),
    min_r2: float = typer.Option(0.05, "--min_r2", "--min-r2", help="Features with r^2 below this are considered independent"),
    locus_win: int = typer.Option(100000, "--locus_win", "--locus-win", help="bp added around each feature's SNPs to define loci"),
    max_cz_increase: float = typer.Option(1.96, "--max_cz_increase", "--max-cz-increase", help="Max allowed increase of a conditional Z-score"),
    zthresh: Optional[float] = typer.Option(None, "--zthresh", help="|Z| threshold for the joint model (default: Bonferroni, 0.05/#features)"),
    plot: bool = typer.Option(False, "--plot", help="PDF plot of each locus"),
    plot_legend: Optional[str] = typer.Option(None, "--plot_legend", "--plot-legend", help="Colour features by reference panel: all or joint"),
    plot_corr: bool = typer.Option(False, "--plot_corr", "--plot-corr", help="Plot the correlation of predicted expression (OUT.corrplot.pdf)"),
    plot_individual: bool = typer.Option(False, "--plot_individual", "--plot-individual", help="Extra page per feature: GWAS conditioned on it alone"),
    plot_eqtl: bool = typer.Option(False, "--plot_eqtl", "--plot-eqtl", help="eQTL panel below the GWAS panel"),
    plot_scatter: bool = typer.Option(False, "--plot_scatter", "--plot-scatter", help="TWAS scatter panel (GWAS Z vs correlation to the feature)"),
    report: bool = typer.Option(False, "--report", help="Write OUT.report and per-locus .genes/.cond.csv"),
    omnibus: bool = typer.Option(False, "--omnibus", help="Omnibus test per gene ID with several models (disables everything else)"),
    omnibus_corr: Optional[str] = typer.Option(None, "--omnibus_corr", "--omnibus-corr", help="Only write panel correlations for this model (top1, blup, lasso, enet, bslmm or best)"),
    eqtl_model: str = typer.Option("top1", "--eqtl_model", "--eqtl-model", help="Model whose weights are plotted as eQTL signal"),
    ldsc: bool = typer.Option(False, "--ldsc", help="Write LD scores to all features (disables everything else)"),
    save_loci: bool = typer.Option(False, "--save_loci", "--save-loci", help="Write each locus' conditional GWAS (OUT.loc_N.cond)"),
    verbose: int = typer.Option(1, "--verbose", help="0 = nothing, 1 = minimal, 2 = all"),
    glist: Optional[str] = typer.Option(None, "--glist", help="twascli: genes for the plot track: hg19, hg38, none, a file CHR P0 P1 ID or a GTF (default: the --mhc build's list, ./glist-hg19 if present for hg19; no track with --mhc none or a region)"),
    mhc: Optional[str] = typer.Option(None, "--mhc", help="twascli: the study's genome: hg19 (default), hg38, none or CHR:START-END; picks the default --glist (post-process excludes no region, as FUSION)"),
    pheno_map: Optional[str] = typer.Option(None, "--pheno_map", "--pheno-map", help="twascli: phenotype -> gene table (ID GENE [SYMBOL TISSUE MODALITY]): loci, reports and --omnibus count genes"),
    gene_regex: Optional[str] = typer.Option(None, "--gene_regex", "--gene-regex", help="twascli: gene id = first group (or match) of this regex on each ID, e.g. '^([^:]+)'"),
    digits: Optional[int] = typer.Option(None, "--digits", help="twascli: significant digits in all outputs (FUSION: 2 in tables, 3 elsewhere)"),
    top1_single_snp: bool = typer.Option(False, "--top1_single_snp", "--top1-single-snp", help="twascli fix: predict top1 models from their top eQTL SNP only, as assoc-test does (FUSION's post-process weights every SNP by its eQTL z-score)"),
    fix_true_alleles: bool = typer.Option(False, "--fix_true_alleles", "--fix-true-alleles", help="twascli fix: read weight alleles that R stored as logical TRUE as 'T' (FUSION leaves them unmatched)"),
    finemap: bool = typer.Option(False, "--finemap", help="twascli: FOCUS fine-mapping of each locus: OUT.loc_N.focus (PIPs, credible set), PIP columns in the reports, credible set marked in the plots"),
    finemap_prior_prob: float = typer.Option(1e-3, "--finemap_prior_prob", "--finemap-prior-prob", help="FOCUS prior probability that a model is causal"),
    finemap_max_genes: int = typer.Option(3, "--finemap_max_genes", "--finemap-max-genes", help="FOCUS maximum number of causal models in a configuration"),
    finemap_credible: float = typer.Option(0.9, "--finemap_credible", "--finemap-credible", help="FOCUS credible-set level, in (0, 1)"),
    finemap_ridge: float = typer.Option(0.0, "--finemap_ridge", "--finemap-ridge", help="FOCUS --ridge-term: add this to the LD diagonal (FOCUS's default 0.1; 0 keeps FUSION's z and correlation)"),
    finemap_intercept: bool = typer.Option(False, "--finemap_intercept", "--finemap-intercept", help="FOCUS --intercept: regress out the average pleiotropic signal of the locus SNPs first"),
    match_by: str = typer.Option("auto", "--match_by", "--match-by", help="twascli: match GWAS SNPs to the LD panel by rsid, position (chr:pos + alleles, either order) or auto (position when the GWAS ids are chr:pos)"),
) -> None:
    from twascli.post.run import PostOptions, run_post_process  # heavy: only when run

    opts = PostOptions(
        input=input, out=out, sumstats=sumstats, ref_ld_chr=ref_ld_chr, chr=chr, minp_input=minp_input,
        max_r2=max_r2, min_r2=min_r2, locus_win=locus_win, max_cz_increase=max_cz_increase, zthresh=zthresh,
        plot=plot, plot_legend=plot_legend, plot_corr=plot_corr, plot_individual=plot_individual,
        plot_eqtl=plot_eqtl, plot_scatter=plot_scatter, report=report, omnibus=omnibus, omnibus_corr=omnibus_corr,
        eqtl_model=eqtl_model, ldsc=ldsc, save_loci=save_loci, verbose=verbose, glist=glist, digits=digits,
        top1_single_snp=top1_single_snp, fix_true_alleles=fix_true_alleles, finemap=finemap,
        finemap_prior_prob=finemap_prior_prob, finemap_max_genes=finemap_max_genes, finemap_credible=finemap_credible,
        finemap_intercept=finemap_intercept, finemap_ridge=finemap_ridge, match_by=match_by,
        mhc=mhc, pheno_map=pheno_map, gene_regex=gene_regex,
    )
    run_post_process(opts)
