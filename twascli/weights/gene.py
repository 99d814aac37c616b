"""FUSION.compute_weights.R natively: one gene's expression weights from PLINK genotypes.

The steps mirror the R script (and its PLINK/GCTA/GEMMA round trips) without running them:

1. Sample matching of .fam / --pheno / --covar in .fam order; --rn; covariate regression
   (R^2 message) and re-scaling of the residual phenotype; samples of FUSION's TMP bed.
2. The TMP bed PLINK would write: A1 re-coded to the minor allele among founders, .bim codes
   as PLINK prints them, the phenotype as PLINK's .fam writer rounds it (6 significant digits).
3. Heritability: PLINK GRM + GCTA REML on the raw phenotype (+ --covar), values as FUSION parses
   GCTA's .hsq; skip rule hsq < 0 or p > --hsq_p (message, no weights file, success).
4. Cross-validation and full-sample weights (twascli.core.cv) and the .wgt.RDat.

Spec: ALGORITHMS.md (a) heritability, (d) enet, (f) R base + RNG, "glue facts" 1-3.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from twascli import rformat
from twascli.chrom import norm_chr
from twascli.core.cv import GeneData, parse_models, plink_a1_flip, recode, train_models
from twascli.core.rrng import RRandom
from twascli.core.rstats import (
    plink_fam_number,
    r_scale,
    r_write_table_number,
    mean_impute,
    rank_normalize,
    regress_out,
    resid_genotypes,
)
from twascli.errors import TwasError
from twascli.io.atomic import atomic_write_text
from twascli.io.columns import Columns, plain_floats, split_table
from twascli.io.plink import BIM_COLUMNS, FAM_COLUMNS, Genotypes, plink_files, read_plink

if TYPE_CHECKING:  # pragma: no cover
    from twascli.core.heritability import RemlResult

_PLINK_CHR_CODES = {"X": "23", "Y": "24", "XY": "25", "MT": "26", "M": "26"}


@dataclass
class CwOptions:
    """The flags of FUSION.compute_weights.R (``tmp`` only names the gene in messages here)."""

    bfile: str
    out: str
    tmp: str | None = None
    pheno: str | None = None
    covar: str | None = None
    resid: bool = False
    hsq_p: float = 0.01
    hsq_set: float | None = None
    crossval: float = 5
    verbose: int = 1
    noclean: bool = False
    rn: bool = False
    save_hsq: bool = False
    models: str = "blup,lasso,top1,enet"
    seed: int = 1  # twascli: seed of PLINK-lasso lambda draws / BSLMM MCMC (FUSION: time-based)


class ConstantPhenotype(TwasError):
    """A gene whose phenotype has no variance: FUSION skips it (GCTA writes no .hsq) and exits 0."""


@dataclass
class CwResult:
    """What one gene produced: status 'ok' (weights written) or 'skipped' with the reason."""

    status: str
    message: str = ""
    hsq: np.ndarray | None = None
    hsq_pv: float | None = None
    cv_performance: np.ndarray | None = None
    models: list[str] = field(default_factory=list)
    n_tot: int = 0
    n_snps: int = 0
    wgt_path: str | None = None


# ---------------------------------------------------------------------------------------------
# Input tables


@dataclass
class SampleTable:
    """A --pheno or --covar table: the samples' "FID IID" keys and their values (one column for a
    phenotype, one per covariate), without pandas (compute-weights runs once per gene)."""

    keys: np.ndarray  # str (object)
    values: np.ndarray  # float64, (n,) or (n, k)
    names: list[str] = field(default_factory=list)  # covariate names


def _read_plain(path: str, what: str) -> np.ndarray:
    """Whitespace table without header as a 2-D str array (R read.table with as.is=T); errors name
    the file. Irregular files (quotes, ragged lines) go through pandas' parser, as before."""
    if not os.path.exists(path):
        raise TwasError(f"{path}: input file does not exist")
    with open(path, "rb") as handle:
        raw = handle.read()
    split = split_table(raw)
    if split is not None:
        fields, width = split
        if width == 0:
            raise TwasError(f"{path}: {what} file is empty")
        return np.array(fields, dtype=object).reshape(-1, width)
    import pandas as pd

    try:
        df = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, keep_default_na=False, engine="c")
    except pd.errors.EmptyDataError:
        raise TwasError(f"{path}: {what} file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TwasError(f"{path}: cannot parse {what} file ({first})") from None
    if len(df) == 0:
        raise TwasError(f"{path}: {what} file has no data rows")
    return df.to_numpy(dtype=object)


_NA_TEXT = ("NA", "NaN", "nan", "")


def numeric_values(col) -> tuple[np.ndarray, np.ndarray]:
    """Values as float (correctly rounded) and a mask of entries R would not read as numbers."""
    txt = np.asarray(col, dtype=object).astype(str)
    vals = plain_floats(txt, _NA_TEXT)
    if vals is not None:
        return vals, np.zeros(len(txt), dtype=bool)
    vals = np.full(len(txt), np.nan)
    bad = np.zeros(len(txt), dtype=bool)
    for i, t in enumerate(txt.tolist()):  # only for files with words, Inf, hex ... in them
        if t in _NA_TEXT:
            continue
        try:
            vals[i] = float(t)
        except ValueError:
            bad[i] = True
    return vals, bad


def join_keys(fid, iid) -> np.ndarray:
    """"FID IID" sample keys (object array) of two id columns (arrays or Series)."""
    return np.asarray(fid, dtype=object) + " " + np.asarray(iid, dtype=object)


def read_pheno(path: str) -> SampleTable:
    """A PLINK phenotype file (FID IID value ..., no header): its keys and first phenotype."""
    cells = _read_plain(path, "phenotype")
    if cells.shape[1] < 3:
        raise TwasError(f"{path}: phenotype file needs 3 columns (FID IID value), found {cells.shape[1]}")
    vals, bad = numeric_values(cells[:, 2])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        hint = " (--pheno files have no header line)" if i == 0 else ""
        raise TwasError(
            f"{path}: phenotype value {cells[i, 2]!r} on line {i + 1} is not a number{hint}"
        )
    return SampleTable(join_keys(cells[:, 0], cells[:, 1]), vals)


def read_covar(path: str, fam_keys: set[str]) -> SampleTable:
    """FUSION's covariate file (header FID IID name..., then numbers): keys, covariates, names."""
    if not os.path.exists(path):
        raise TwasError(f"{path}: input file does not exist")
    with open(path) as handle:
        lines = [ln.split() for ln in handle if ln.strip()]
    if not lines:
        raise TwasError(f"{path}: covariate file is empty")
    head, rows = lines[0], lines[1:]
    if len(head) < 3:
        raise TwasError(f"{path}: covariate file needs a header FID IID <names...> and >= 1 covariate")
    if " ".join(head[:2]) in fam_keys:
        raise TwasError(
            f"{path}: the first line is a sample ({head[0]} {head[1]}), not a header; "
            "--covar needs a header line FID IID <covariate names>"
        )
    numeric_head = 0
    for tok in head[2:]:
        try:
            float(tok)
            numeric_head += 1
        except ValueError:
            pass
    if numeric_head == len(head) - 2:
        raise TwasError(f"{path}: the first line has no covariate names; --covar needs a header line FID IID <names>")
    if not rows:
        raise TwasError(f"{path}: covariate file has a header but no samples")
    widths = {len(r) for r in rows}
    if widths != {len(head)}:
        bad = next(i for i, r in enumerate(rows) if len(r) != len(head))
        raise TwasError(
            f"{path}: header has {len(head)} fields but line {bad + 2} has {len(rows[bad])}"
        )
    names = head[2:]
    table = np.array(rows, dtype=object)
    values = np.empty((len(rows), len(names)))
    for j, name in enumerate(names):
        values[:, j], bad = numeric_values(table[:, j + 2])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise TwasError(f"{path}: covariate {name} value {table[i, j + 2]!r} on line {i + 2} is not a number")
    return SampleTable(join_keys(table[:, 0], table[:, 1]), values, names)


def _first_match(keys: np.ndarray, table_keys: np.ndarray) -> np.ndarray:
    """R's ``match(keys, table)``: 0-based index of the first occurrence, -1 when absent."""
    table_keys = np.asarray(table_keys, dtype=str)
    keys = np.asarray(keys, dtype=str)
    if table_keys.size == 0:
        return np.full(keys.size, -1, dtype=np.int64)
    uniq, first = np.unique(table_keys, return_index=True)  # first occurrences
    at = np.minimum(np.searchsorted(uniq, keys), uniq.size - 1)
    return np.where(uniq[at] == keys, first[at], -1).astype(np.int64)


def plink_chr_code(chrom: str) -> str:
    """The chromosome code PLINK 1.9 writes into a .bim it makes ('chr22' -> '22', 'X' -> '23')."""
    c = norm_chr(chrom)
    up = c.upper()
    if up in _PLINK_CHR_CODES:
        return _PLINK_CHR_CODES[up]
    if c.isdigit():
        return str(int(c))
    return c


def _founders(fam: Columns) -> np.ndarray:
    """PLINK founders: neither parent (FID + PID/MID) is a sample of the data set."""
    ids = join_keys(fam["fid"], fam["iid"]).astype(str)
    has_pat = (fam["father"] != "0") & np.isin(join_keys(fam["fid"], fam["father"]).astype(str), ids)
    has_mat = (fam["mother"] != "0") & np.isin(join_keys(fam["fid"], fam["mother"]).astype(str), ids)
    return ~(has_pat | has_mat)


def read_genotypes(prefix: str, light: bool = False) -> Genotypes:
    """PREFIX.bed/.bim/.fam (A1 dosages, NaN = missing); FUSION's message for a missing file.

    twascli.io.plink decodes with numpy and starts no threads, so batch workers may fork.
    LIGHT: bim/fam as numpy Columns where the files are regular (no pandas import).
    """
    for path in plink_files(prefix):  # PLINK 1, or PLINK 2 .pgen/.pvar/.psam
        if not os.path.exists(path):
            raise TwasError(f"{path}: input file does not exist")
    return read_plink(prefix, light=light)


# ---------------------------------------------------------------------------------------------
# The gene


@dataclass
class PreparedGene:
    """FUSION's state just before the heritability step (all rows in TMP .fam order)."""

    bim: Columns  # the TMP .bim (PLINK chromosome codes, A1 = minor)
    fam: Columns
    dosage: np.ndarray  # TMP A1 dosage, NaN = missing
    founders: np.ndarray
    y_fam: np.ndarray  # TMP .fam phenotype as FUSION's R code reads it back
    y_gcta: np.ndarray  # the phenotype GCTA reads (raw/--rn, before covariates)
    covar: np.ndarray | None  # covariates of the TMP samples (GCTA --qcovar, --resid)
    n_covar: int = 0
    covar_r2: float = math.nan


def _as_columns(table, names: list[str]) -> Columns:
    """A .bim/.fam as numpy Columns, whether it was read as Columns or as a DataFrame."""
    return Columns({k: np.asarray(table[k]) for k in names})


def _fam_pheno(text: np.ndarray) -> np.ndarray:
    """The .fam phenotype column as read_fam reads it (pandas to_numeric, errors -> NaN)."""
    if text.dtype.kind == "f":
        return text.astype(np.float64)
    vals = plain_floats(text, ("NA",))
    if vals is None:
        import pandas as pd

        vals = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=np.float64)
    return vals


def _map_codes(values: np.ndarray, fn: Callable[[str], object]) -> np.ndarray:
    """FN applied once per distinct value of VALUES (chromosome codes: few distinct, many SNPs)."""
    uniq, inverse = np.unique(np.asarray(values).astype(str), return_inverse=True)
    return np.array([fn(u) for u in uniq.tolist()], dtype=object)[inverse.ravel()]


def prepare_gene(
    opts: CwOptions, log: Callable[[str], None], geno: Genotypes | None = None,
    pheno_table: SampleTable | None = None, covar_table: SampleTable | None = None,
) -> PreparedGene:
    """Step 1-2: read and match samples, --rn, covariates, and build FUSION's TMP data."""
    needed = [] if geno is not None else plink_files(opts.bfile)
    if opts.pheno is not None and pheno_table is None:
        needed.append(opts.pheno)
    if opts.covar is not None and covar_table is None:
        needed.append(opts.covar)
    for f in needed:
        if not os.path.exists(f):
            raise TwasError(f"{f}: input file does not exist")
    if geno is None:
        geno = read_genotypes(opts.bfile, light=True)
    fam = _as_columns(geno.fam, FAM_COLUMNS)
    fam_keys = join_keys(fam["fid"], fam["iid"]).astype(str)
    repeated = np.ones(len(fam_keys), dtype=bool)
    repeated[np.unique(fam_keys, return_index=True)[1]] = False
    if repeated.any():  # PLINK stops on such a .fam too (so FUSION fails)
        raise TwasError(f"{opts.bfile}.fam: {int(repeated.sum())} duplicated sample id(s) (FID IID), "
                        f"first '{fam_keys[repeated][0]}'; each sample must appear once")
    rows = np.arange(len(fam))

    # phenotype: --pheno matched to the .fam, or the .fam's own column 6
    pheno_from_file = opts.pheno is not None or pheno_table is not None
    if pheno_from_file:
        if pheno_table is None:
            pheno_table = read_pheno(opts.pheno)  # type: ignore[arg-type]
        m = _first_match(fam_keys, pheno_table.keys)
        rows = rows[m >= 0]
        y = pheno_table.values[m[m >= 0]]
        if rows.size == 0:
            raise TwasError(f"{opts.pheno}: no sample (FID IID) in common with {opts.bfile}.fam")
    else:
        y = _fam_pheno(fam["pheno"])
    # PLINK reads NA and -9 as missing; FUSION would then use -9 as a value: drop them instead
    missing = np.isnan(y) | (y == -9)
    if missing.any():
        print(
            f"WARNING : {int(missing.sum())} samples with a missing phenotype (NA or -9) were dropped",
            file=sys.stderr,
        )
        rows, y = rows[~missing], y[~missing]
        if rows.size == 0:
            src = opts.pheno if pheno_from_file else opts.bfile + ".fam"
            raise TwasError(f"{src}: no sample has a phenotype value")
    if opts.rn:
        y = rank_normalize(y)
    # GCTA reads the phenotype file FUSION passes: the user's --pheno, or FUSION's own write.table
    y_gcta = y.copy() if (pheno_from_file and not opts.rn) else np.array([r_write_table_number(v) for v in y])

    covar = None
    n_cov = 0
    r2 = math.nan
    if opts.covar is not None or covar_table is not None:
        if covar_table is None:
            covar_table = read_covar(opts.covar, set(fam_keys.tolist()))  # type: ignore[arg-type]
        n_cov = len(covar_table.names)
        log(rformat.cat_str("Loaded", n_cov, "covariates\n"))
        m = _first_match(fam_keys[rows], covar_table.keys)
        keep = m >= 0
        if not keep.any():
            raise TwasError(f"{opts.covar}: no sample (FID IID) in common with the phenotyped samples")
        if not keep.all():  # FUSION drops them silently (GCTA/R merge)
            print(f"WARNING : {opts.covar}: {int((~keep).sum())} of {keep.size} phenotyped samples have no "
                  f"covariate row and were dropped ({int(keep.sum())} left)", file=sys.stderr)
        rows, y, y_gcta, m = rows[keep], y[keep], y_gcta[keep], m[keep]
        covar = covar_table.values[m]
        bad = np.isnan(covar).any(axis=1)
        if bad.any():
            raise TwasError(f"{opts.covar}: {int(bad.sum())} matched samples have missing (NA) covariate values")
    if rows.size < 3:
        raise TwasError(f"{opts.bfile}: only {rows.size} samples with phenotype (need at least 3)")
    if np.ptp(y) == 0:
        src = opts.pheno if pheno_from_file else opts.bfile + ".fam"
        raise ConstantPhenotype(f"{src}: the phenotype is constant across the {rows.size} samples")
    if covar is not None:
        resid, r2 = regress_out(y, covar)
        log(rformat.cat_str(r2, "variance in phenotype explained by covariates\n"))
        y_file = r_scale(resid)
        if not np.all(np.isfinite(y_file)):
            raise TwasError(f"{opts.covar}: the covariates explain all phenotype variance")
    else:
        y_file = y
    # pheno.file (the user's --pheno as is, else FUSION's write.table: 15 digits) -> PLINK
    # --pheno -> TMP .fam (dtoa_g: 6 digits), which FUSION's R code reads back
    as_written = (lambda v: v) if (pheno_from_file and not opts.rn and covar is None) else r_write_table_number
    y_fam = np.array([plink_fam_number(as_written(v)) for v in y_file])
    if np.ptp(y_fam) == 0:
        raise ConstantPhenotype(f"{opts.bfile}: the phenotype is constant after PLINK's 6-digit rounding")

    sub_fam = fam.rows(rows)
    founders = _founders(sub_fam)
    dosage = geno.dosage[rows]
    flip = plink_a1_flip(dosage, founders)
    dosage = recode(dosage, flip) if flip.any() else dosage.astype(np.float64)
    bim = _as_columns(geno.bim, BIM_COLUMNS)
    a1, a2 = bim["a1"], bim["a2"]
    bim["a1"], bim["a2"] = np.where(flip, a2, a1), np.where(flip, a1, a2)
    bim["chr"] = _map_codes(bim["chr"], plink_chr_code)
    return PreparedGene(
        bim=bim, fam=sub_fam, dosage=dosage, founders=founders, y_fam=y_fam, y_gcta=y_gcta,
        covar=covar, n_covar=n_cov, covar_r2=r2,
    )


def _autosomal(bim: Columns) -> np.ndarray:
    """SNPs PLINK keeps for --make-grm-bin: human autosomes 1-22."""
    return _map_codes(bim["chr"], lambda c: c.isdigit() and 1 <= int(c) <= 22).astype(bool)


def estimate_hsq(prep: PreparedGene) -> RemlResult | None:
    """PLINK GRM + GCTA REML as FUSION runs them; None where GCTA writes no .hsq."""
    from twascli.core.heritability import gcta_reml, plink_grm

    auto = _autosomal(prep.bim)
    if not auto.any():
        return None
    grm, _ = plink_grm(prep.dosage[:, auto], founders=prep.founders)
    return gcta_reml(prep.y_gcta, grm, prep.covar)


def scaled_genotypes(prep: PreparedGene, resid: bool) -> tuple[np.ndarray, int]:
    """FUSION's ``genos$bed``: mean-imputed, scale()d, unscalable SNPs zeroed, optional --resid.

    Returns (matrix, number of zeroed SNPs).
    """
    x = r_scale(mean_impute(prep.dosage))
    bad = ~np.all(np.isfinite(x), axis=0)
    if bad.any():
        x[:, bad] = 0.0
    if resid and prep.covar is not None:
        try:
            x = resid_genotypes(x, prep.covar)
        except np.linalg.LinAlgError:
            raise TwasError("--resid: the covariates are collinear (X'X is singular)") from None
        # FUSION leaves the re-scaled zero columns as NaN (0/0), which turns every CV prediction
        # into NA; zero them again so that the other SNPs still count.
        x[:, ~np.all(np.isfinite(x), axis=0)] = 0.0
    return x, int(bad.sum())


def _fmt_cv_table(perf: np.ndarray, models: list[str]) -> str:
    """write.table(cv.performance, quote=F, sep='\\t') as FUSION prints it at --verbose >= 1."""
    lines = ["\t".join(models)]
    for name, row in zip(("rsq", "pval"), perf):
        cells = ["NA" if math.isnan(v) else rformat.as_character(float(v)) for v in row]
        lines.append("\t".join([name] + cells))
    return "\n".join(lines) + "\n"


def compute_gene(
    opts: CwOptions, log: Callable[[str], None] | None = None, jobs: int = 1, **inputs
) -> CwResult:
    """Run FUSION.compute_weights.R on one gene; writes OUT.wgt.RDat (and OUT.hsq) on success.

    JOBS > 1 runs the gene's six cv.glmnet fits in that many processes (same results).
    """
    from twascli.core.heritability import format_fusion_hsq_line, fusion_hsq_values
    from twascli.io.rdat import WeightModel, write_wgt_rdat

    verbose = opts.verbose
    say = (lambda s: None) if (log is None or verbose < 1) else log
    models = parse_models(opts.models)
    tmp_name = opts.tmp if opts.tmp else opts.out
    out_dir = os.path.dirname(os.path.abspath(opts.out))
    if not os.path.isdir(out_dir):
        raise TwasError(f"{opts.out}: output directory {out_dir} does not exist")
    if not opts.crossval == opts.crossval:
        raise TwasError("--crossval: not a number")

    try:
        prep = prepare_gene(opts, say, **inputs)
    except ConstantPhenotype as exc:
        # GCTA stops on a zero-variance phenotype, so FUSION finds no .hsq and skips the gene
        # (exit 0); with --hsq_set FUSION would go on to all-NA results: twascli skips it too.
        msg = (f"{tmp_name} does not exist, likely GCTA could not converge, skipping gene" if opts.hsq_set is None
               else f"{tmp_name} : {exc} : skipping gene")
        print(msg, file=sys.stderr)
        return CwResult(status="skipped", message=f"{exc}: skipping gene")

    if opts.hsq_set is None:
        say("### Estimating heritability\n")
        reml = estimate_hsq(prep)
        if reml is None:
            msg = f"{tmp_name} does not exist, likely GCTA could not converge, skipping gene"
            print(msg, file=sys.stderr)
            return CwResult(status="skipped", message=msg, n_tot=len(prep.fam), n_snps=len(prep.bim))
        h, se, pv = fusion_hsq_values(reml)
        hsq = np.array([h, se])
        hsq_pv: float = pv
        say(rformat.cat_str("Heritability (se):", h, se, "LRT P-value:", pv, "\n"))
        if opts.save_hsq:
            atomic_write_text(opts.out + ".hsq", format_fusion_hsq_line(opts.out, reml))
        if h < 0 or not (pv <= opts.hsq_p):
            msg = (
                f"{tmp_name} : heritability {rformat.format_cat(h)}; LRT P-value "
                f"{rformat.format_cat(pv)} : skipping gene"
            )
            print(msg, file=sys.stderr)
            return CwResult(status="skipped", message=msg, hsq=hsq, hsq_pv=hsq_pv,
                            n_tot=len(prep.fam), n_snps=len(prep.bim))
    else:
        say("### Skipping heritability estimate\n")
        hsq = np.array([float(opts.hsq_set)])
        hsq_pv = rformat.R_NA_REAL

    scaled, n_zeroed = scaled_genotypes(prep, opts.resid)
    if n_zeroed:
        print(
            f"WARNING : {n_zeroed} SNPs could not be scaled and were zeroed out, make sure all SNPs are polymorphic",
            file=sys.stderr,
        )
    if n_zeroed == scaled.shape[1]:
        raise TwasError(f"{opts.bfile}: no polymorphic SNP among the {len(prep.fam)} samples")
    if opts.resid and prep.covar is not None:
        say("regressing covariates out of the genotypes\n")
    n_tot = scaled.shape[0]
    say(rformat.cat_str(n_tot, "phenotyped samples, ", n_tot, "genotyped samples, ", scaled.shape[1], " markers\n"))

    data = GeneData(dosage=prep.dosage, scaled=scaled, y_fam=prep.y_fam, founders=prep.founders,
                    hsq=float(hsq[0]), seed=opts.seed)
    rng = RRandom(1)  # FUSION: set.seed(1) just before the CV block
    nfolds = int(opts.crossval)
    if opts.crossval <= 1:
        say("### Skipping cross-validation\n")
        nfolds = 0
    else:
        if nfolds > n_tot:
            raise TwasError(f"--crossval {nfolds}: more folds than the {n_tot} samples")
        say(rformat.cat_str("### Performing", float(opts.crossval), "fold cross-validation\n"))
    if "enet" in models and data.scaled.shape[1] < 2:
        print(f"WARNING : {tmp_name}: enet needs 2 or more SNPs ({data.scaled.shape[1]} here): its weights "
              "and CV are NA, the other models are fitted", file=sys.stderr)
    perf, wgt = train_models(data, models, nfolds, rng, jobs=jobs, log=(lambda s: say(s + "\n")))
    if nfolds:
        say(_fmt_cv_table(perf, models))
    say("Computing full-sample weights\n")
    snps = {k: prep.bim[k] for k in ("chr", "snp", "cm", "pos", "a1", "a2")}
    model = WeightModel(
        wgt_matrix=wgt, models=list(models), snps=snps, cv_performance=perf,
        cv_rows=["rsq", "pval"], cv_models=list(models), hsq=hsq, hsq_pv=hsq_pv, n_tot=n_tot,
    )
    path = opts.out + ".wgt.RDat"
    write_wgt_rdat(path, model)
    say("Cleaning up\n")
    return CwResult(
        status="ok", hsq=hsq, hsq_pv=hsq_pv, cv_performance=perf, models=list(models),
        n_tot=n_tot, n_snps=scaled.shape[1], wgt_path=path,
    )


# ---------------------------------------------------------------------------------------------
# FUSION.profile_wgt.R tables
