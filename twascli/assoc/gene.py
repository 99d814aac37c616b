"""FUSION.assoc_test.R as a pipeline: read inputs once, test every gene, build FUSION's table.

Work is split by what it depends on, so that many traits reuse the same per-gene work:
- `RefPanel`: the LD reference of one chromosome (read once);
- `GenePrep`: one weight file matched to the panel, its allele flips and LD (trait-independent);
- `TraitData`: one GWAS aligned to the panel (allele QC, flipped Z/BETA);
- `test_gene`: FUSION's per-gene steps for one trait: model choice, IMPG imputation of missing
  Z, TWAS z, permutations, COLOC.
A single-trait run goes through exactly the same code, so batch outputs are byte-identical.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from twascli import rformat
from twascli.core import twas
from twascli.core.alleles import allele_codes, allele_qc_codes
from twascli.errors import TwasError
from twascli.core.ldcounts import BlockLD
from twascli.io.plink import Genotypes, read_plink
from twascli.io.rdat import WeightModel
from twascli.io.sumstats import SumStats

BASE_COLUMNS = [
    "PANEL", "FILE", "ID", "CHR", "P0", "P1", "HSQ", "BEST.GWAS.ID", "BEST.GWAS.Z",
    "EQTL.ID", "EQTL.R2", "EQTL.Z", "EQTL.GWAS.Z", "NSNP", "NWGT", "MODEL", "MODELCV.R2",
    "MODELCV.PV", "TWAS.Z", "TWAS.P",
]
COLOC_COLUMNS = [f"COLOC.PP{i}" for i in range(5)]
SUSIE_COLUMNS = ["COLOC.SUSIE.HIT1", "COLOC.SUSIE.HIT2"] + [f"COLOC.SUSIE.PP{i}" for i in range(5)]
PERM_COLUMNS = ["PERM.PV", "PERM.N", "PERM.ANL_PV"]
# Columns R holds as numbers (formatted together with format(digits=3)); the rest are text.
NUMERIC_COLUMNS = {
    "HSQ", "BEST.GWAS.Z", "EQTL.R2", "EQTL.Z", "EQTL.GWAS.Z", "NSNP", "NWGT", "TWAS.Z", "TWAS.P",
    *COLOC_COLUMNS, *PERM_COLUMNS,
}


LOGICAL_ALLELES_WARNING = ("stores alleles as R logical TRUE (read.table read 'T' as TRUE); like FUSION, "
                           "they do not match 'T' and are never flipped (--fix_true_alleles reads them as T)")

@dataclass
class AssocOptions:
    """The flags of FUSION.assoc_test.R (names as FUSION spells them), plus twascli extras."""

    sumstats: str
    weights: str
    weights_dir: str | None
    ref_ld_chr: str
    chr: str | None
    out: str
    force_model: str | None = None
    caviar: bool = False
    max_impute: float = 0.5
    min_r2pred: float = 0.7
    perm: int = 0
    perm_minp: float = 0.05
    coloc_P: float | None = None
    coloc_susie_P: float | None = None
    coloc_beta_from_z: bool = False  # twascli: z/sqrt(GWASN) where the GWAS has no BETA/SE (imputed SNPs)
    GWASN: int | None = None
    PANELN: str | None = None
    digits: int | None = None  # twascli: significant digits of the output (FUSION: 3)
    seed: int = 1  # twascli: permutation RNG seed (FUSION's R run is unseeded)
    fix_true_alleles: bool = False  # twascli: read logical TRUE alleles in weight files as "T"
    match_by: str = "auto"  # twascli: GWAS-to-panel SNP matching (rsid, position, auto)


@dataclass
class RefPanel:
    """LD reference of one chromosome; SNP ids map to their first .bim row."""

    geno: Genotypes
    snp_index: dict  # SNP id -> column of geno (first occurrence)
    a1: np.ndarray  # allele codes of the .bim A1 / A2 (core.alleles.allele_codes)
    a2: np.ndarray
    ldc: BlockLD  # LD of any SNP subset, block cross-products shared between gene windows


@dataclass
class TraitData:
    """One GWAS aligned to a RefPanel (FUSION's allele QC): per .bim row, NaN = missing."""

    keep: np.ndarray  # bool per .bim row: kept after allele QC (not strand-ambiguous, ACGT)
    z: np.ndarray
    beta: np.ndarray | None
    se: np.ndarray | None
    snp_index: pd.Series  # SNP id -> .bim row, first occurrence among kept rows
    found: np.ndarray | None = None  # bool per .bim row: the GWAS has this SNP id
    flip: np.ndarray | None = None  # bool per .bim row: GWAS alleles swapped relative to the panel
    ambiguous: np.ndarray | None = None  # bool per .bim row: dropped as strand-ambiguous (A/T, C/G)


class LDBlock:
    """The LD of one set of panel SNPs, computed when first needed, and (LD + 0.1 I)^-1 once a
    trait needs imputation. A gene whose GWAS has every SNP needs only w' LD w (see quad)."""

    def __init__(self, source: BlockLD, cols: np.ndarray, ld: np.ndarray | None = None):
        self.source = source
        self.cols = cols
        self._ld = ld
        self._quad: dict[bytes, float] = {}
        self._precision: np.ndarray | None = None
        self._done = False

    @property
    def ld(self) -> np.ndarray:
        if self._ld is None:
            self._ld = self.source.ld(self.cols)
        return self._ld

    def quad(self, w: np.ndarray) -> float:
        """w' LD w from the SNPs with a non-zero weight only (the same numbers either way); for
        one SNP, w^2 LD_ii with FUSION's LD_ii (see BlockLD.fusion_diag)."""
        key = w.tobytes()  # traits sharing the gene test the same weights: computed once
        hit = self._quad.get(key)
        if hit is not None:
            return hit
        nz = np.flatnonzero(w)
        if nz.size == 0:
            return 0.0
        if nz.size == 1:
            value = float(w[nz[0]] * self.source.fusion_diag(int(self.cols[nz[0]])) * w[nz[0]])
        else:
            sub = self._ld[np.ix_(nz, nz)] if self._ld is not None else self.source.ld(self.cols[nz])
            value = float(w[nz] @ sub @ w[nz])
        self._quad[key] = value
        return value

    def subset(self, sel: np.ndarray) -> LDBlock:
        """The block of the SNPs SEL (bool) selects."""
        return LDBlock(self.source, self.cols[sel], None if self._ld is None else self._ld[np.ix_(sel, sel)])

    def precision(self) -> np.ndarray | None:
        if not self._done:
            self._precision, self._done = twas.ridge_precision(self.ld), True
        return self._precision


@dataclass
class GenePrep:
    """A weight file matched to the reference: everything about a gene that no trait changes."""

    model: WeightModel
    cols: np.ndarray  # .bim rows of the weight SNPs found in the panel (weights' order)
    wmat: np.ndarray  # weights (NaN -> 0) of those SNPs, flipped to the panel's alleles
    snp_ids: np.ndarray  # snps[,2] of those SNPs
    rownames: np.ndarray  # rownames(wgt.matrix) of those SNPs
    block: LDBlock | None  # LD of those SNPs; None if a SNP has no variation in the panel
    memo: dict = field(default_factory=dict)  # per-gene results every trait shares (label, model choice, CV text)

    @property
    def ld(self) -> np.ndarray | None:
        """The gene's LD (computed on first use); None if a SNP has no variation in the panel."""
        return None if self.block is None else self.block.ld


def _log_default(msg: str) -> None:
    print(msg, flush=True)


def r_num(x: float) -> str:
    """A number as R's cat() prints it (7 significant digits)."""
    return rformat.format_cat(x)


def row_label(row: pd.Series) -> str:
    """unlist(wgtlist[w,]) as cat() prints it: the fields joined by spaces."""
    parts = []
    for v in row.tolist():
        if isinstance(v, float):
            parts.append("NA" if math.isnan(v) else rformat.as_character(v))
        else:
            parts.append(str(v))
    return " ".join(parts)


def validate_coloc(opts: AssocOptions, has_beta_se: bool, wgtlist: pd.DataFrame) -> None:
    """FUSION's up-front checks for --coloc_P / --coloc_susie_P."""
    if opts.coloc_P is None and opts.coloc_susie_P is None:
        if opts.coloc_beta_from_z:
            raise TwasError("--coloc_beta_from_z: needs --coloc_P or --coloc_susie_P")
        return
    gwasn_ok = opts.GWASN is not None and opts.GWASN >= 1
    if opts.coloc_beta_from_z and not gwasn_ok:
        raise TwasError("--coloc_beta_from_z needs the GWAS N of z/sqrt(N): --GWASN, an N column in the sumstats or in --sumstats_list")
    if opts.coloc_susie_P is not None and not gwasn_ok:
        raise TwasError("--GWASN flag required to be positive integer for coloc.susie analysis")
    if opts.coloc_susie_P is None and not has_beta_se and not gwasn_ok:
        raise TwasError(f"{opts.sumstats}: GWAS BETA/SE columns or --GWASN flag required for COLOC analysis")
    if opts.coloc_P is not None and "N" not in wgtlist.columns:
        if "PANEL" not in wgtlist.columns or opts.PANELN is None:
            raise TwasError(
                f"{opts.weights}: 'N' field needed in weights file or 'PANEL' column and "
                "--PANELN flag required for COLOC analysis"
            )


def _first_index(ids: np.ndarray, rows: np.ndarray) -> pd.Series:
    """SNP id -> row, keeping the first occurrence (R's match())."""
    index = pd.Series(rows, index=ids)
    return index[~index.index.duplicated(keep="first")]


def load_reference(prefix: str, bim: pd.DataFrame | None = None) -> RefPanel:
    """Read one chromosome's LD panel (once per run; BIM: its .bim if already read)."""
    geno = read_plink(prefix, bim)
    snps = geno.bim["snp"].to_numpy()
    index: dict = {}
    for i, snp in enumerate(snps):
        index.setdefault(snp, i)
    return RefPanel(geno=geno, snp_index=index, a1=allele_codes(geno.bim["a1"].to_numpy()),
                    a2=allele_codes(geno.bim["a2"].to_numpy()), ldc=BlockLD(geno.dosage))


def align_trait(bim: pd.DataFrame, ss: SumStats) -> TraitData:
    """Align a GWAS to a panel's .bim: match by SNP id, flip Z/BETA to its A1, mark QC drops."""
    idx = pd.Index(ss.snp).get_indexer(bim["snp"].to_numpy())
    found = idx >= 0
    a1 = bim["a1"].to_numpy(dtype=object).copy()
    a2 = bim["a2"].to_numpy(dtype=object).copy()
    a1[found] = ss.a1[idx[found]]
    a2[found] = ss.a2[idx[found]]
    c1, c2 = allele_codes(a1), allele_codes(a2)
    keep, flip = allele_qc_codes(c1, c2, allele_codes(bim["a1"].to_numpy()), allele_codes(bim["a2"].to_numpy()))
    sign = np.where(flip, -1.0, 1.0)

    def aligned(values: np.ndarray | None, signed: bool) -> np.ndarray | None:
        if values is None:
            return None
        out = np.full(len(bim), np.nan)
        out[found] = values[idx[found]]
        return out * sign if signed else out

    rows = np.nonzero(keep)[0]
    return TraitData(
        keep=keep,
        z=aligned(ss.z, True),
        beta=aligned(ss.beta, True),
        se=aligned(ss.se, False),
        snp_index=_first_index(bim["snp"].to_numpy()[rows], rows),
        found=found,
        flip=flip & found & keep,
        ambiguous=(c1 < 4) & (c2 < 4) & (c1 + c2 == 3),
    )


def prepare_gene(ref: RefPanel, model: WeightModel, ld_lookup: Callable | None = None) -> GenePrep:
    """Match a weight file's SNPs to the panel (first .bim row of each id), flip weights, get LD.

    LD_LOOKUP(cols) may return an LDBlock already computed for exactly these panel columns.
    """
    snp_ids = model.snp_column("snp")
    lookup = ref.snp_index.get
    found = np.fromiter((lookup(s, -1) for s in snp_ids), dtype=np.int64, count=len(snp_ids))
    matched = found >= 0
    cols = found[matched]
    wmat = np.nan_to_num(np.asarray(model.wgt_matrix, dtype=float)[matched, :], nan=0.0)
    w1 = allele_codes(model.snp_column("a1")[matched])
    w2 = allele_codes(model.snp_column("a2")[matched])
    _, flip = allele_qc_codes(w1, w2, ref.a1[cols], ref.a2[cols])
    wmat[flip, :] *= -1.0
    if model.models == ["predictdb"] and cols.size:  # allele-count weights: see io/predictdb.py
        from twascli.io.predictdb import panel_scaled

        wmat = panel_scaled(wmat, ref.geno.imputed(cols).std(axis=0, ddof=1))
    names = model.wgt_rownames if model.wgt_rownames is not None else snp_ids
    block = None
    if cols.size:
        block = ld_lookup(cols) if ld_lookup is not None else None
        if block is None and ref.ldc.all_vary(cols):
            block = LDBlock(ref.ldc, cols)
    return GenePrep(model=model, cols=cols, wmat=wmat, snp_ids=snp_ids[matched],
                    rownames=np.asarray(names, dtype=object)[matched], block=block)


def restrict(prep: GenePrep, trait: TraitData) -> GenePrep:
    """The gene as FUSION sees it for TRAIT: only SNPs kept by that trait's allele QC."""
    sel = trait.keep[prep.cols]
    if sel.all():
        return prep
    block = None if prep.block is None else prep.block.subset(sel)
    return GenePrep(model=prep.model, cols=prep.cols[sel], wmat=prep.wmat[sel], snp_ids=prep.snp_ids[sel],
                    rownames=prep.rownames[sel], block=block, memo=prep.memo)


def format_cv(values: np.ndarray, digits: int) -> str:
    """paste(format(v, digits=2, trim=TRUE), collapse=',') for MODELCV.R2 / MODELCV.PV."""
    return rformat.paste_format(np.asarray(values, dtype=float), digits)


@dataclass
class AssocResult:
    """The output rows (dicts keyed by column) and the run summary."""

    columns: list[str]
    rows: list[dict]
    n_failed: int
    n_total: int
    susie_summary: list[pd.DataFrame] = field(default_factory=list)
    susie_results: list[pd.DataFrame] = field(default_factory=list)
    gene_logs: list[list[str]] = field(default_factory=list)
    coloc_gaps: list[str] = field(default_factory=list)  # genes whose COLOC lacks BETA/SE at some SNPs  # FUSION's warnings of each gene, list order


def output_columns(opts: AssocOptions) -> list[str]:
    """FUSION's columns: the base 20, then COLOC, coloc.susie and permutation ones when asked."""
    columns = list(BASE_COLUMNS)
    if opts.coloc_P is not None:
        columns += COLOC_COLUMNS
    if opts.coloc_susie_P is not None:
        columns += SUSIE_COLUMNS
    if opts.perm and opts.perm > 0:
        columns += PERM_COLUMNS
    return columns


def init_row(columns: list[str]) -> dict:
    """out.tbl's initial values: numbers 0, text '', PANEL and COLOC NA (as FUSION allocates them)."""
    row: dict = {}
    for c in columns:
        if c == "PANEL":
            row[c] = None
        elif c in COLOC_COLUMNS:
            row[c] = float("nan")
        elif c in NUMERIC_COLUMNS:
            row[c] = 0.0
        elif c == "CHR":
            row[c] = 0.0
        else:
            row[c] = ""
    return row


class GeneTester:
    """FUSION's per-gene loop body for one trait on one chromosome.

    Genes may be added in any order (the driver goes by position so that caches hit); rows and
    warnings come out in weights-list order, and FUSION's carry-over of `hsq` from earlier files
    (R's load() keeps old objects) is resolved in list order by `finish()`. The eQTL N.tot
    carry-over used by COLOC needs list order: the driver keeps list order when COLOC is on.
    """

    def __init__(self, opts: AssocOptions, trait: TraitData, wgtlist: pd.DataFrame,
                 log: Callable[[str], None] = _log_default, shared_precision: bool = False):
        """SHARED_PRECISION: impute through each gene's (LD + 0.1 I)^-1, computed once for all the
        traits that share the gene (pays off from three traits); otherwise one solve per gene."""
        self.opts = opts
        self.shared_precision = shared_precision
        self.trait = trait
        self.out_log = log
        self.has_panel = "PANEL" in wgtlist.columns
        self.cv_digits = 2 if opts.digits is None else opts.digits
        self.permz2 = twas.z_threshold(opts.perm_minp) ** 2 if opts.perm and opts.perm > 0 else math.inf
        self.rng = np.random.default_rng(opts.seed)
        self.carry: dict = {"hsq": None, "n_tot": None}  # N.tot as last seen (list order for COLOC)
        self.result = AssocResult(columns=output_columns(opts), rows=[], n_failed=0, n_total=len(wgtlist))
        self._rows: dict[int, dict] = {}
        self._logs: dict[int, list[str]] = {}
        self._hsq: dict[int, np.ndarray | None] = {}
        self._populated: dict[int, bool] = {}
        self._impg_cache: dict[tuple[bytes, bytes], tuple[np.ndarray, np.ndarray]] = {}

    def add(self, index: int, entry: pd.Series, wgt_file: str, prep: GenePrep) -> None:
        """Test the gene at position INDEX of the weights list (FUSION's checks and messages)."""
        model = prep.model
        if model.n_tot is not None:
            self.carry["n_tot"] = model.n_tot
        self._hsq[index] = model.hsq
        lines: list[str] = []
        self.log = lines.append
        row = init_row(self.result.columns)
        fields = prep.memo.get("fields")
        if fields is None:  # the weights-list row, as FUSION prints and copies it (once per gene)
            fields = prep.memo["fields"] = {
                "label": row_label(entry), "CHR": entry["CHR"], "P0": str(entry["P0"]), "P1": str(entry["P1"]),
                "ID": str(entry["ID"]), "PANEL": str(entry["PANEL"]) if self.has_panel else None}
        failed = self._test(entry, fields["label"], row, restrict(prep, self.trait), wgt_file)
        if failed is not None:  # None: skipped entirely, FUSION leaves the row as allocated
            if self.has_panel:
                row["PANEL"] = fields["PANEL"]
            row["FILE"] = wgt_file
            for key in ("CHR", "P0", "P1", "ID"):
                row[key] = fields[key]
        if failed is None or failed:
            self.result.n_failed += 1
        self._rows[index] = row
        self._logs[index] = lines
        self._populated[index] = failed is not None

    def finish(self) -> AssocResult:
        """Rows and warnings in list order, with HSQ as FUSION fills it (carried over in order) and
        the TWAS p-values still to compute (one vectorised call instead of one per gene)."""
        pending = [row for row in self._rows.values() if row.get("TWAS.P", 0.0) is None]
        if pending:
            pvals = np.atleast_1d(twas.twas_p(np.array([row["TWAS.Z"] for row in pending])))
            for row, pv in zip(pending, pvals.tolist()):
                row["TWAS.P"] = pv
        hsq = None
        for index in sorted(self._rows):
            if self._hsq[index] is not None:
                hsq = self._hsq[index]
            row = self._rows[index]
            if self._populated[index] and hsq is not None:
                row["HSQ"] = float(np.asarray(hsq).ravel()[0])
            self.result.rows.append(row)
            self.result.gene_logs.append(self._logs[index])
            for line in self._logs[index]:
                self.out_log(line)
        self._rows.clear()
        return self.result

    def _test(self, entry, label, row, gene: GenePrep, wgt_file) -> bool | None:
        """Fill ROW; return True if the gene failed, False if tested, None if skipped entirely."""
        opts, log, model = self.opts, self.log, gene.model
        wmat = gene.wmat.copy()
        cur_z = self.trait.z[gene.cols].copy()
        n_overlap = cur_z.size

        failed = False
        if model.logical_alleles and not opts.fix_true_alleles:
            log(f"WARNING :  {label} {LOGICAL_ALLELES_WARNING}")
        key = ("best", opts.force_model)
        if key not in gene.memo:
            gene.memo[key] = twas.best_model(model, opts.force_model)
        best, why = gene.memo[key]
        if opts.force_model is not None and best is None:
            log(f"WARNING : --force_model {opts.force_model} does not exist for {label} ")
            failed = True
        if best is None:
            log(f"WARNING :  {label}  {why or 'did not have a predictive model'} ... skipping entirely")
            return None
        cv_models = model.cv_models or model.models
        model_name = cv_models[best] if best < len(cv_models) else model.models[best]
        w = wmat[:, best].copy()
        if not np.any(w != 0):
            log(f"WARNING :  {label} had {n_overlap} overlapping SNPs, but none with non-zero "
                "expression weights, try more SNPS or a different model")
            failed = True
        if model_name[:4] == "top1" and w.size:
            top = twas.first_argmax(w * w)
            only = np.zeros_like(w)
            only[top] = w[top]
            w = only
            wmat[:, best] = w

        twas_stat = float("nan")
        if n_overlap == 0:
            log(f"WARNING :  {label}  had no overlapping SNPs")
            failed = True
            row["NSNP"] = float("nan")
        elif not failed:
            if gene.block is None:
                log(f"WARNING :  {label} had LD reference SNPs with no variation, skipping this gene.")
                failed = True
            else:
                row["NSNP"] = float(gene.cols.size)
                failed = self._impute(gene, cur_z, w, label)
            if not failed:
                num, var = float(w @ cur_z), gene.block.quad(w)
                if var > 0:
                    twas_stat = num / math.sqrt(var)
                    if opts.perm and opts.perm > 0 and twas_stat * twas_stat > self.permz2:
                        res = twas.permutation_test(w, cur_z, gene.ld, twas_stat, opts.perm, self.rng)
                        row["PERM.PV"], row["PERM.N"], row["PERM.ANL_PV"] = res.pv, float(res.n), res.anl_pv
                else:
                    failed = True
                    log(f"WARNING :  {label}  had zero predictive accuracy, try a different model.")

        row["MODEL"] = model_name
        cv = model.cv_performance
        if cv is None:  # weights without cv.performance (FUSION itself stops here): NA, not ""
            row["MODELCV.R2"] = row["MODELCV.PV"] = "NA"
        else:
            key = ("cv", best, self.cv_digits)
            if key not in gene.memo:
                rsq_rows = [i for i, r in enumerate(model.cv_rows) if "rsq" in r]
                pv_rows = [i for i, r in enumerate(model.cv_rows) if "pval" in r]
                gene.memo[key] = (format_cv(cv[rsq_rows, best], self.cv_digits),
                                  format_cv(cv[pv_rows, best], self.cv_digits))
            row["MODELCV.R2"], row["MODELCV.PV"] = gene.memo[key]

        eqtl_cols = [i for i, m in enumerate(model.models) if m == "top1"]
        top_eqtl = twas.first_argmax(wmat[:, eqtl_cols[0]] ** 2) if eqtl_cols else None
        if failed or top_eqtl is None:
            row["EQTL.ID"] = None
            row["EQTL.R2"] = row["EQTL.Z"] = row["EQTL.GWAS.Z"] = float("nan")
        else:
            e = eqtl_cols[0]
            row["EQTL.ID"] = str(gene.rownames[top_eqtl])
            row["EQTL.R2"] = float(cv[0, e]) if cv is not None else float("nan")
            row["EQTL.Z"] = float(wmat[top_eqtl, e])
            row["EQTL.GWAS.Z"] = float(cur_z[top_eqtl])
            if opts.caviar:
                write_caviar(opts.out, str(entry["ID"]), gene.block.source.fusion_ld(gene.cols), wmat[:, e], cur_z, gene.snp_ids, 3 if opts.digits is None else opts.digits)

        top_gwas = twas.first_argmax(cur_z * cur_z)
        if not failed and top_gwas is not None:
            row["BEST.GWAS.ID"] = str(gene.snp_ids[top_gwas])
            row["BEST.GWAS.Z"] = float(cur_z[top_gwas])
        else:
            row["BEST.GWAS.ID"] = None
            row["BEST.GWAS.Z"] = float("nan")

        if not failed:
            row["NWGT"] = float(np.count_nonzero(w))
            row["TWAS.Z"] = twas_stat
            row["TWAS.P"] = None  # all rows' p-values at once, in finish()
        else:
            row["TWAS.Z"] = row["TWAS.P"] = float("nan")
        if opts.coloc_P is None and opts.coloc_susie_P is None:
            return failed

        p = row["TWAS.P"] = float(twas.twas_p(twas_stat)) if not failed else row["TWAS.P"]
        # FUSION enters its COLOC block when either threshold passes, then runs every method
        # whose flag is set (so coloc.susie also runs for genes that only passed --coloc_P).
        passed = not math.isnan(p) and (
            (opts.coloc_P is not None and p < opts.coloc_P)
            or (opts.coloc_susie_P is not None and p < opts.coloc_susie_P)
        )
        run_abf = passed and opts.coloc_P is not None
        run_susie = passed and opts.coloc_susie_P is not None
        if passed:
            from twascli.assoc.coloc import run_coloc  # noqa: PLC0415 (loaded only when used)

            run_coloc(opts, self.trait, entry, label, row, wmat, eqtl_cols, gene, cur_z,
                      self.carry, run_abf, run_susie, log, self.result, wgt_file)
        return failed

    def _impute(self, gene: GenePrep, cur_z, w, label) -> bool:
        """Impute missing Z in place (IMPG); return True if the gene must be skipped."""
        opts, log = self.opts, self.log
        miss = np.isnan(cur_z)
        if not miss.any():
            return False
        if miss.all():
            log(f"WARNING :  {label} had no overlapping GWAS Z-scores, skipping this gene")
            return True
        if miss.mean() > opts.max_impute:
            log(f"WARNING :  {label} had {int(miss.sum())} / {miss.size} non-overlapping GWAS Z-scores, skipping this gene.")
            return True
        # the IMPG weights depend only on the SNPs and which are missing: reuse them across
        # panels that share a gene's window
        key = (gene.cols.tobytes(), miss.tobytes())
        cached = self._impg_cache.get(key)
        if cached is None:
            if len(self._impg_cache) >= 16:
                self._impg_cache.pop(next(iter(self._impg_cache)))
            cached = self._impg_cache[key] = (
                twas.impg_weights(gene.ld, miss, gene.block.precision()) if self.shared_precision
                else twas.impg_weights_direct(gene.ld, miss))
        wgt, r2pred = cached
        impz = twas.impg_apply(wgt, r2pred, cur_z[~miss])
        cur_z[miss] = impz
        all_r2 = np.ones(cur_z.size)
        all_r2[miss] = r2pred
        if np.isnan(all_r2).any():
            log(f"WARNING :  {label} had missing GWAS Z-scores that could not be imputed, skipping this gene.")
            return True
        mean_r2 = float(np.mean(all_r2[w != 0]))
        if mean_r2 < opts.min_r2pred:
            log(f"WARNING :  {label} had mean GWAS Z-score imputation r2 of {r_num(mean_r2)} at expression "
                "weight SNPs, skipping this gene.")
            return True
        return False


def write_caviar(out: str, gene_id: str, ld, eqtl_z, gwas_z, snp_ids, digits: int = 3) -> None:
    """eCAVIAR inputs OUT.<ID>.CAVIAR.{LD,EQTL.Z,GWAS.Z} as FUSION writes them (3 digits; --digits)."""
    from twascli.io.assoc_output import format_matrix_table, format_named_vector
    from twascli.io.atomic import atomic_write_text

    base = f"{out}.{gene_id}.CAVIAR"
    atomic_write_text(base + ".LD", format_matrix_table(ld, digits=digits, sep=" "))
    atomic_write_text(base + ".EQTL.Z", format_named_vector(eqtl_z, snp_ids, digits=digits))
    atomic_write_text(base + ".GWAS.Z", format_named_vector(gwas_z, snp_ids, digits=digits))
