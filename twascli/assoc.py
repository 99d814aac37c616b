"""FUSION.assoc_test.R as a pipeline: read inputs once, test every gene, write FUSION's table.

Per gene: match weights to the LD reference, flip for alleles, choose the model by best CV
p-value (or --force_model), impute missing GWAS Z (IMPG), compute the TWAS z, and optionally
run the permutation test, coloc.abf / coloc.susie and write CAVIAR inputs.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from twascli.chrom import chr_file_prefix, norm_chr
from twascli.core import twas
from twascli.core.alleles import allele_qc
from twascli.errors import TwasError
from twascli.io.plink import Genotypes, read_plink, scale
from twascli.io.rdat import WeightModel, read_wgt_rdat
from twascli.io.sumstats import SumStats, read_sumstats
from twascli.io.weights_list import read_panel_n, read_weights_list, select_chr, weight_file_path
from twascli import rformat

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
MHC_CHR, MHC_START, MHC_END = "6", 26e6, 34e6


@dataclass
class AssocOptions:
    """The flags of FUSION.assoc_test.R (names as FUSION spells them), plus twascli extras."""

    sumstats: str
    weights: str
    weights_dir: str | None
    ref_ld_chr: str
    chr: str
    out: str
    force_model: str | None = None
    caviar: bool = False
    max_impute: float = 0.5
    min_r2pred: float = 0.7
    perm: int = 0
    perm_minp: float = 0.05
    coloc_P: float | None = None
    coloc_susie_P: float | None = None
    GWASN: int | None = None
    PANELN: str | None = None
    digits: int | None = None  # twascli: significant digits of the output (FUSION: 3)
    seed: int = 1  # twascli: permutation RNG seed (FUSION's R run is unseeded)


@dataclass
class RefPanel:
    """LD reference of one chromosome after allele QC against the GWAS (FUSION's `genos`)."""

    geno: Genotypes
    scaled: np.ndarray  # scale()d, mean-imputed dosages of the kept SNPs (n x kept), float64
    keep_cols: np.ndarray  # columns of geno kept after QC
    snp_index: pd.Series  # SNP id -> position within keep_cols (first occurrence)
    z: np.ndarray  # GWAS Z aligned to kept SNPs (NaN = missing), flipped to the reference
    beta: np.ndarray | None
    se: np.ndarray | None


def _log_default(msg: str) -> None:
    print(msg, flush=True)


def r_num(x: float) -> str:
    """A number as R's cat() prints it (7 significant digits)."""
    return rformat.format_cat(x)


def _row_label(row: pd.Series) -> str:
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
        return
    gwasn_ok = opts.GWASN is not None and opts.GWASN >= 1
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


def load_reference(ref_prefix: str, ss: SumStats) -> RefPanel:
    """Read the LD panel once, align the GWAS to it, flip Z/BETA and drop ambiguous SNPs."""
    geno = read_plink(ref_prefix)
    bim = geno.bim
    idx = pd.Index(ss.snp).get_indexer(bim["snp"].to_numpy())
    found = idx >= 0
    a1 = np.where(found, ss.a1[np.where(found, idx, 0)], bim["a1"].to_numpy())
    a2 = np.where(found, ss.a2[np.where(found, idx, 0)], bim["a2"].to_numpy())
    keep, flip = allele_qc(a1, a2, bim["a1"].to_numpy(), bim["a2"].to_numpy())
    sign = np.where(flip, -1.0, 1.0)

    def aligned(values: np.ndarray | None) -> np.ndarray | None:
        if values is None:
            return None
        out = np.full(len(bim), np.nan)
        out[found] = values[idx[found]]
        return out

    z = aligned(ss.z) * sign
    beta = aligned(ss.beta)
    if beta is not None:
        beta = beta * sign
    se = aligned(ss.se)
    keep_cols = np.nonzero(keep)[0]
    snps = bim["snp"].to_numpy()[keep_cols]
    index = pd.Series(np.arange(len(keep_cols)), index=snps)
    index = index[~index.index.duplicated(keep="first")]
    return RefPanel(
        geno=geno,
        scaled=scale(geno.imputed(keep_cols)),
        keep_cols=keep_cols,
        snp_index=index,
        z=z[keep_cols],
        beta=None if beta is None else beta[keep_cols],
        se=None if se is None else se[keep_cols],
    )


def _best_model(model: WeightModel, force: str | None) -> tuple[int | None, str | None]:
    """Column of the model to test: --force_model by name, else the best CV p-value."""
    if force is not None:
        hits = [i for i, m in enumerate(model.models) if m == force]
        return (hits[0] if hits else None), None
    cv = model.cv_performance
    if cv is None or cv.shape[1] == 0:
        return None, "had no cv.performance"
    rows = [i for i, r in enumerate(model.cv_rows) if "pval" in r]
    if not rows:
        return None, "had no pval row in cv.performance"
    with np.errstate(invalid="ignore"):
        vals = cv[rows, :]
        colmin = np.where(np.all(np.isnan(vals), axis=0), np.inf, np.nanmin(np.where(np.isnan(vals), np.inf, vals), axis=0))
    return int(np.argmin(colmin)), None


def _format_cv(values: np.ndarray, digits: int) -> str:
    """paste(format(v, digits=2, trim=TRUE), collapse=',') for MODELCV.R2 / MODELCV.PV."""
    return ",".join(rformat.format_real(np.asarray(values, dtype=float), digits=digits, trim=True))


@dataclass
class AssocResult:
    """The output rows (dicts keyed by column) and the run summary."""

    columns: list[str]
    rows: list[dict]
    n_failed: int
    n_total: int
    susie_summary: list[pd.DataFrame] = field(default_factory=list)
    susie_results: list[pd.DataFrame] = field(default_factory=list)


def _init_row(columns: list[str]) -> dict:
    """out.tbl's initial values: numbers 0, text '', PANEL and COLOC NA (as FUSION allocates them)."""
    row: dict = {}
    for c in columns:
        if c in ("PANEL",) or c in COLOC_COLUMNS:
            row[c] = None if c == "PANEL" else float("nan")
        elif c in NUMERIC_COLUMNS:
            row[c] = 0.0
        elif c == "CHR":
            row[c] = 0
        else:
            row[c] = ""
    return row


def run_assoc(opts: AssocOptions, log: Callable[[str], None] = _log_default) -> AssocResult:
    """Run the TWAS association scan of one trait on one chromosome."""
    ss = read_sumstats(opts.sumstats)
    wgtlist_all = read_weights_list(opts.weights)
    wgtlist = select_chr(wgtlist_all, opts.chr)
    if len(wgtlist) == 0:
        raise TwasError(f"{opts.weights}: no weights on chromosome {opts.chr}")
    validate_coloc(opts, ss.has_beta_se, wgtlist)
    if opts.coloc_P is not None and "N" not in wgtlist.columns:
        panel_n = read_panel_n(opts.PANELN)
        wgtlist["N"] = wgtlist["PANEL"].map(panel_n).astype(float)
    if opts.force_model is not None and opts.force_model not in {"blup", "lasso", "top1", "enet", "bslmm"}:
        pass  # FUSION accepts any name and skips genes lacking it; so do we.

    columns = list(BASE_COLUMNS)
    if opts.coloc_P is not None:
        columns += COLOC_COLUMNS
    if opts.coloc_susie_P is not None:
        columns += SUSIE_COLUMNS
    if opts.perm and opts.perm > 0:
        columns += PERM_COLUMNS
    permz2 = twas.z_threshold(opts.perm_minp) ** 2 if opts.perm and opts.perm > 0 else math.inf

    chrom_label = wgtlist["CHR"].iloc[0]
    ref = load_reference(chr_file_prefix(opts.ref_ld_chr, chrom_label), ss)
    if len(ref.keep_cols) == 0:
        raise TwasError(f"{opts.ref_ld_chr}{chrom_label}: no LD reference SNPs left after allele QC")
    if not np.isfinite(ref.z).any():
        raise TwasError(
            f"{opts.sumstats}: no SNP overlaps the LD reference {opts.ref_ld_chr}{chrom_label} "
            "(check SNP ids and chromosome)"
        )
    rng = np.random.default_rng(opts.seed)
    has_panel = "PANEL" in wgtlist.columns
    cv_digits = 2 if opts.digits is None else opts.digits
    result = AssocResult(columns=columns, rows=[], n_failed=0, n_total=len(wgtlist))
    carry = {"hsq": None, "n_tot": None}  # FUSION's load() leaves objects from earlier files

    for w in range(len(wgtlist)):
        entry = wgtlist.iloc[w]
        label = _row_label(entry)
        row = _init_row(columns)
        wgt_file = weight_file_path(opts.weights_dir, entry["WGT"])
        model = read_wgt_rdat(wgt_file)
        if model.hsq is not None:
            carry["hsq"] = model.hsq
        if model.n_tot is not None:
            carry["n_tot"] = model.n_tot
        failed = _test_gene(opts, ref, model, entry, label, row, rng, permz2, cv_digits, carry, log, result, wgt_file)
        if failed is None:  # skipped entirely (no model): FUSION leaves the row as allocated
            result.n_failed += 1
            result.rows.append(row)
            continue
        if has_panel:
            row["PANEL"] = str(entry["PANEL"])
        row["FILE"] = wgt_file
        row["CHR"] = entry["CHR"]
        row["P0"] = str(entry["P0"])
        row["P1"] = str(entry["P1"])
        row["ID"] = str(entry["ID"])
        if failed:
            result.n_failed += 1
        result.rows.append(row)
    return result


def _test_gene(opts, ref, model, entry, label, row, rng, permz2, cv_digits, carry, log, result, wgt_file):
    """Fill ROW for one gene; return True if it failed, False if tested, None if skipped entirely."""
    wmat = np.nan_to_num(np.asarray(model.wgt_matrix, dtype=float), nan=0.0)
    snp_ids = model.snps["snp"].to_numpy()
    pos = ref.snp_index.reindex(snp_ids).to_numpy()
    matched = ~np.isnan(pos)
    pos = pos[matched].astype(np.int64)
    wmat = wmat[matched, :]
    snps = model.snps.loc[matched].reset_index(drop=True)
    rownames = np.asarray(model.wgt_rownames if model.wgt_rownames is not None else snp_ids, dtype=object)[matched]
    cols = ref.keep_cols[pos]
    bim = ref.geno.bim.iloc[cols]
    _, flip = allele_qc(snps["a1"].to_numpy(), snps["a2"].to_numpy(), bim["a1"].to_numpy(), bim["a2"].to_numpy())
    wmat[flip, :] *= -1.0
    cur_z = ref.z[pos].copy()
    n_overlap = len(cur_z)

    failed = False
    best, why = _best_model(model, opts.force_model)
    if opts.force_model is not None and best is None:
        log(f"WARNING : --force_model {opts.force_model} does not exist for {label} ")
        failed = True
    if best is None:
        reason = why or "did not have a predictive model"
        log(f"WARNING :  {label}  {reason} ... skipping entirely")
        return None
    cv_models = model.cv_models or model.models
    model_name = cv_models[best] if best < len(cv_models) else model.models[best]
    w = wmat[:, best].copy()
    if not np.any(w != 0):
        log(
            f"WARNING :  {label} had {n_overlap} overlapping SNPs, but none with non-zero "
            "expression weights, try more SNPS or a different model"
        )
        failed = True
    if model_name[:4] == "top1" and w.size:
        top = twas.first_argmax(w * w)
        keep_only = np.zeros_like(w)
        keep_only[top] = w[top]
        w = keep_only
        wmat[:, best] = w

    ld = None
    twas_stat = float("nan")
    if n_overlap == 0:
        log(f"WARNING :  {label}  had no overlapping SNPs")
        failed = True
        row["NSNP"] = float("nan")
    elif not failed:
        x = ref.scaled[:, pos]
        if not np.all(np.isfinite(x)):
            log(f"WARNING :  {label} had LD reference SNPs with no variation, skipping this gene.")
            failed = True
        else:
            ld = twas.ld_matrix(x)
            row["NSNP"] = float(ld.shape[0])
            failed = _impute(opts, ld, cur_z, w, label, log)
        if not failed:
            num, var = twas.twas_z(w, cur_z, ld)
            if var > 0:
                twas_stat = num / math.sqrt(var)
                if opts.perm and opts.perm > 0 and twas_stat * twas_stat > permz2:
                    res = twas.permutation_test(w, cur_z, ld, twas_stat, opts.perm, rng)
                    row["PERM.PV"], row["PERM.N"], row["PERM.ANL_PV"] = res.pv, float(res.n), res.anl_pv
            else:
                failed = True
                log(f"WARNING :  {label}  had zero predictive accuracy, try a different model.")

    if carry["hsq"] is not None:
        row["HSQ"] = float(np.asarray(carry["hsq"]).ravel()[0])
    row["MODEL"] = model_name
    cv = model.cv_performance
    if cv is not None:
        rsq_rows = [i for i, r in enumerate(model.cv_rows) if "rsq" in r]
        pv_rows = [i for i, r in enumerate(model.cv_rows) if "pval" in r]
        row["MODELCV.R2"] = _format_cv(cv[rsq_rows, best], cv_digits)
        row["MODELCV.PV"] = _format_cv(cv[pv_rows, best], cv_digits)

    eqtl_cols = [i for i, m in enumerate(model.models) if m == "top1"]
    top_eqtl = None
    if eqtl_cols:
        # R: wgt.matrix[, eqtlmod] with one TRUE column is a vector; with none it is empty
        top_eqtl = twas.first_argmax(wmat[:, eqtl_cols[0]] ** 2)
    if failed or not eqtl_cols or top_eqtl is None:
        for c in ("EQTL.ID", "EQTL.R2", "EQTL.Z", "EQTL.GWAS.Z"):
            row[c] = None if c == "EQTL.ID" else float("nan")
    else:
        e = eqtl_cols[0]
        row["EQTL.ID"] = str(rownames[top_eqtl])
        row["EQTL.R2"] = float(cv[0, e]) if cv is not None else float("nan")
        row["EQTL.Z"] = float(wmat[top_eqtl, e])
        row["EQTL.GWAS.Z"] = float(cur_z[top_eqtl])
        if opts.caviar:
            _write_caviar(opts, entry, ld, wmat[:, e], cur_z, snps["snp"].to_numpy())

    top_gwas = twas.first_argmax(cur_z * cur_z) if cur_z.size else None
    if not failed and top_gwas is not None:
        row["BEST.GWAS.ID"] = str(snps["snp"].iloc[top_gwas])
        row["BEST.GWAS.Z"] = float(cur_z[top_gwas])
    else:
        row["BEST.GWAS.ID"] = None
        row["BEST.GWAS.Z"] = float("nan")

    if not failed:
        row["NWGT"] = float(np.count_nonzero(w))
        row["TWAS.Z"] = twas_stat
        row["TWAS.P"] = float(twas.twas_p(twas_stat))
    else:
        row["TWAS.Z"] = float("nan")
        row["TWAS.P"] = float("nan")

    p = row["TWAS.P"]
    run_abf = opts.coloc_P is not None and not math.isnan(p) and p < opts.coloc_P
    run_susie = opts.coloc_susie_P is not None and not math.isnan(p) and p < opts.coloc_susie_P
    if run_abf or run_susie:
        from twascli.coloc_run import run_coloc  # noqa: PLC0415 (coloc code loads only when used)

        run_coloc(opts, ref, model, entry, label, row, wmat, eqtl_cols, pos, bim, cur_z, ld,
                  carry, run_abf, run_susie, log, result, wgt_file)
    return failed


def _impute(opts, ld, cur_z, w, label, log) -> bool:
    """Impute missing Z in place (IMPG); return True if the gene must be skipped."""
    miss = np.isnan(cur_z)
    if not miss.any():
        return False
    if miss.all():
        log(f"WARNING :  {label} had no overlapping GWAS Z-scores, skipping this gene")
        return True
    if miss.mean() > opts.max_impute:
        log(f"WARNING :  {label} had {int(miss.sum())} / {miss.size} non-overlapping GWAS Z-scores, skipping this gene.")
        return True
    impz, r2pred = twas.impute_z(ld, cur_z, miss)
    cur_z[miss] = impz
    all_r2 = np.ones(cur_z.size)
    all_r2[miss] = r2pred
    if np.isnan(all_r2).any():
        log(f"WARNING :  {label} had missing GWAS Z-scores that could not be imputed, skipping this gene.")
        return True
    mean_r2 = float(np.mean(all_r2[w != 0]))
    if mean_r2 < opts.min_r2pred:
        log(f"WARNING :  {label} had mean GWAS Z-score imputation r2 of {r_num(mean_r2)} at expression weight SNPs, skipping this gene.")
        return True
    return False


def _write_caviar(opts, entry, ld, eqtl_z, gwas_z, snp_ids) -> None:
    """eCAVIAR inputs OUT.<ID>.CAVIAR.{LD,EQTL.Z,GWAS.Z} as FUSION writes them (3 digits)."""
    from twascli.io.assoc_output import format_matrix_table, format_named_vector
    from twascli.io.atomic import atomic_write_text

    if ld is None:
        return
    base = f"{opts.out}.{entry['ID']}.CAVIAR"
    atomic_write_text(base + ".LD", format_matrix_table(ld, digits=3, sep=" "))
    atomic_write_text(base + ".EQTL.Z", format_named_vector(eqtl_z, snp_ids, digits=3))
    atomic_write_text(base + ".GWAS.Z", format_named_vector(gwas_z, snp_ids, digits=3))
