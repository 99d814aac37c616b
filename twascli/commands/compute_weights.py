"""`twascli compute-weights`: FUSION.compute_weights.R with the same flags, natively.

No PLINK/GCTA/GEMMA/R is run (--PATH_* are accepted and ignored). Beyond FUSION, one invocation
can train many genes (--batch list, or --genes table over one genotype file) on all cores.
"""

from __future__ import annotations

import sys

import typer

from twascli.errors import TwasError

DEFAULT_MODELS = "blup,lasso,top1,enet"  # FUSION's --models default (twascli.core.cv.DEFAULT_MODELS)

HELP = (
    "Compute a gene's expression weights (top1, blup, lasso, enet, bslmm) with cross-validation "
    "and heritability (FUSION.compute_weights.R). Batch mode: --batch LIST or --genes TABLE."
)


def compute_weights(
    bfile: str | None = typer.Option(None, "--bfile", help="PLINK binary prefix of the gene's genotypes (with --genes: the genotype file of all genes)"),
    out: str = typer.Option(..., "--out", help="Output prefix: OUT.wgt.RDat (batch: directory OUT/ plus OUT.pos, OUT.profile)"),
    tmp: str | None = typer.Option(None, "--tmp", help="FUSION's temporary prefix; accepted, only used to name the gene in messages"),
    pheno: str | None = typer.Option(None, "--pheno", help="Phenotype file FID IID value (no header) [default: .fam column 6]; with --genes: expression table FID IID <gene ids> (header)"),
    covar: str | None = typer.Option(None, "--covar", help="Quantitative covariates, header FID IID <names...>"),
    resid: bool = typer.Option(False, "--resid", help="Also regress the covariates out of the genotypes"),
    hsq_p: float = typer.Option(0.01, "--hsq_p", "--hsq-p", help="Minimum heritability p-value for which to compute weights"),
    hsq_set: float | None = typer.Option(None, "--hsq_set", "--hsq-set", help="Skip heritability estimation and set hsq to this value"),
    crossval: float = typer.Option(5, "--crossval", help="Folds of cross-validation, 0 (or 1) to skip"),
    verbose: int = typer.Option(1, "--verbose", help="Chatter: 0 nothing, 1 minimal, 2 all"),
    noclean: bool = typer.Option(False, "--noclean", help="Accepted for compatibility (no temporary files are made)"),
    rn: bool = typer.Option(False, "--rn", help="Rank-normalise the phenotype after QC"),
    save_hsq: bool = typer.Option(False, "--save_hsq", "--save-hsq", help="Save heritability results (OUT.hsq) even if weights are not computed"),
    models: str = typer.Option(DEFAULT_MODELS, "--models", help="Comma-separated models: top1 blup bslmm lasso enet (top1 always added)"),
    PATH_plink: str | None = typer.Option(None, "--PATH_plink", "--path-plink", help="Not needed (PLINK is not run); accepted for compatibility"),
    PATH_gcta: str | None = typer.Option(None, "--PATH_gcta", "--path-gcta", help="Not needed (GCTA is not run); accepted for compatibility"),
    PATH_gemma: str | None = typer.Option(None, "--PATH_gemma", "--path-gemma", help="Not needed (GEMMA is not run); accepted for compatibility"),
    seed: int = typer.Option(1, "--seed", help="twascli: seed of the lasso lambda draws and BSLMM MCMC (FUSION's tools use the clock)"),
    batch: str | None = typer.Option(None, "--batch", help="twascli: table of genes (header ID BFILE [PHENO CHR P0 P1]) to train in one run"),
    genes: str | None = typer.Option(None, "--genes", help="twascli: gene table (header ID CHR P0 P1); genotypes from --bfile, expression from --pheno"),
    cis_window: int = typer.Option(500_000, "--cis_window", "--cis-window", help="twascli: --genes mode window around P0-P1 in bp"),
    jobs: int | None = typer.Option(None, "--jobs", "-j", help="twascli: processes to use (batch: genes in parallel, default: the cores this job may use, e.g. its SLURM allocation; one gene: threads for its enet fits, default 1)"),
) -> None:
    """FUSION.compute_weights.R flags (+ twascli batch options); see HELP."""
    # imported here so that other subcommands do not pay for scipy/glmnet start-up
    from twascli.weights.gene import CwOptions, compute_gene
    from twascli.weights.guard import guard_batch, guard_gene

    from twascli.optcheck import check_count, check_fraction, check_p, check_range

    check_p("--hsq_p", hsq_p)
    check_fraction("--hsq_set", hsq_set)
    check_count("--crossval", crossval)  # 0 or 1: no cross-validation, as in FUSION
    check_count("--cis_window", cis_window)
    check_range("--jobs", jobs, 1)
    opts = CwOptions(
        bfile=bfile or "", out=out, tmp=tmp, pheno=pheno, covar=covar, resid=resid, hsq_p=hsq_p,
        hsq_set=hsq_set, crossval=crossval, verbose=verbose, noclean=noclean, rn=rn,
        save_hsq=save_hsq, models=models, seed=seed,
    )
    if batch is not None and genes is not None:
        raise TwasError("--batch and --genes: use one of them")
    if batch is not None or genes is not None:
        from twascli.weights.batch import read_batch_list, read_gene_table, run_batch  # (multiprocessing)

        if genes is not None and not bfile:
            raise TwasError("--genes: needs --bfile (the genotypes of all genes)")
        gene_list = read_batch_list(batch) if batch is not None else read_gene_table(genes)  # type: ignore[arg-type]
        guard_batch(opts, gene_list, [batch, genes])
        if batch is not None:
            opts.pheno = None  # each gene's phenotype comes from its PHENO column or .fam
        counts = run_batch(
            opts, gene_list, jobs=jobs, window=cis_window,
            expression=pheno if genes is not None else None, progress=verbose >= 1,
        )
        if verbose >= 1:
            print(
                f"{len(gene_list)} genes: {counts['ok']} with weights, {counts['skipped']} skipped "
                f"(heritability), {counts['failed']} failed; see {out.rstrip('/')}.log"
            )
        return
    if not bfile:
        raise TwasError("--bfile: required (the gene's PLINK genotype prefix)")
    guard_gene(opts)
    # one gene runs in this process, its enet fits in --jobs threads (default 1: FUSION-style
    # per-gene loops often run one process per core already)
    compute_gene(opts, log=lambda s: (sys.stdout.write(s), sys.stdout.flush()), jobs=jobs or 1)
