"""Options of `post-process` (FUSION.post_process.R's flags and defaults) and its digits rules."""

from __future__ import annotations

from dataclasses import dataclass

from twascli import rformat


@dataclass
class PostOptions:
    """FUSION.post_process.R's flags (same names and defaults) plus twascli's extras."""

    input: str
    out: str
    ref_ld_chr: str
    chr: str
    sumstats: str | None = None
    minp_input: float = 1.0
    max_r2: float = 0.90
    min_r2: float = 0.05
    locus_win: int = 100_000
    max_cz_increase: float = 1.96
    zthresh: float | None = None  # None/0: Bonferroni over the analysed rows
    plot: bool = False
    plot_legend: str | None = None  # all | joint
    plot_corr: bool = False
    plot_individual: bool = False
    plot_eqtl: bool = False
    plot_scatter: bool = False
    report: bool = False
    omnibus: bool = False
    omnibus_corr: str | None = None
    eqtl_model: str = "top1"
    ldsc: bool = False
    save_loci: bool = False
    verbose: int = 1
    glist: str | None = None  # twascli: hg19, hg38, none, a CHR P0 P1 ID file or a GTF (default: see genome.default_glist)
    mhc: str | None = None  # twascli: the study's MHC/build (hg19 default); picks the default gene list
    pheno_map: str | None = None  # twascli: phenotype -> gene table (twascli.phenos)
    gene_regex: str | None = None  # twascli: gene id = this regex's first group of the phenotype id
    digits: int | None = None  # twascli: significant digits everywhere (FUSION: 2 in tables, 3 elsewhere)
    top1_single_snp: bool = False  # twascli fix: top1 models predict from their top SNP only (as assoc-test)
    fix_true_alleles: bool = False  # twascli fix: weight alleles stored as logical TRUE read as "T"
    finemap: bool = False  # twascli: FOCUS fine-mapping of each locus (OUT.loc_N.focus)
    finemap_prior_prob: float = 1e-3  # FOCUS --prior-prob (numeric)
    finemap_max_genes: int = 3  # FOCUS --max-genes
    finemap_credible: float = 0.9  # FOCUS --credible-level
    finemap_intercept: bool = False  # FOCUS --intercept
    finemap_ridge: float = 0.0  # FOCUS --ridge-term (FOCUS's default 0.1; 0: FUSION's correlation)
    match_by: str = "auto"  # twascli: GWAS-to-panel SNP matching (rsid, position, auto)


@dataclass
class Digits:
    """Significant digits FUSION uses: 2 in the joint/cond tables, 3 in cat() output and CORR.dat."""

    table: int = 2
    cat: int = 3
    corr: int = 3

    @classmethod
    def of(cls, digits: int | None) -> "Digits":
        return cls() if digits is None else cls(digits, digits, digits)


def fmt_cat(x: float | int, d: int) -> str:
    """A number as R's cat() prints it with options(digits=D)."""
    return rformat.format_cat(x, d)
