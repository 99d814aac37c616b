"""compute-weights batch mode (beyond FUSION): many genes in one run, on all cores.

Genes come from a `--batch` table (FUSION's per-gene inputs) or from one genotype file plus a
gene table and an expression table (`--genes`); each is trained by
`twascli.weights.gene.compute_gene` in a forked worker, and the run writes OUT/<ID>.wgt.RDat,
OUT.pos, FUSION.profile_wgt.R's OUT.profile/.profile.err and a per-gene OUT.log.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twascli import rformat
from twascli.cores import available_cores
from twascli.chrom import norm_chr
from twascli.weights.gene import (
    CwOptions, CwResult, SampleTable, join_keys, compute_gene, numeric_values, read_covar, read_genotypes,
)
from twascli.core.cv import parse_models
from twascli.errors import TwasError
from twascli.io.atomic import atomic_write_text
from twascli.io.plink import Genotypes
from twascli.progress import Progress


def profile_tables(ids: list[str], results: list[CwResult]) -> tuple[str, str]:
    """The stdout and stderr text of ``utils/FUSION.profile_wgt.R`` over these weights (in order).

    Rows: id, nsnps, hsq, hsq.se, hsq.pv, <model>.r2 and <model>.pv for top1 blup enet bslmm lasso.
    """
    models = ["top1", "blup", "enet", "bslmm", "lasso"]
    n = len(ids)
    # computations use plain NaN: R's NA payload is a signalling NaN that numpy's SIMD
    # reductions (np.fmax.reduce / nanmax) mishandle; every missing value here prints as NA
    snps = np.array([r.n_snps for r in results], dtype=np.int64)
    hsq = np.full((n, 2), np.nan)
    hsqpv = np.full(n, np.nan)
    rsq = np.full((n, len(models)), np.nan)
    pv = np.full((n, len(models)), np.nan)
    for i, r in enumerate(results):
        h = np.atleast_1d(np.asarray(r.hsq, dtype=np.float64))
        hsq[i, :] = h if h.size == 2 else np.repeat(h[:1], 2)
        hsqpv[i] = r.hsq_pv if r.hsq_pv is not None else np.nan
        for j, m in enumerate(models):
            if m in r.models and r.cv_performance is not None:
                k = r.models.index(m)
                rsq[i, j], pv[i, j] = r.cv_performance[0, k], r.cv_performance[1, k]
    hsq, hsqpv, rsq, pv = (np.where(np.isnan(a), np.nan, a) for a in (hsq, hsqpv, rsq, pv))
    f_hsq = np.array(rformat.format_real(hsq.ravel(order="F"), 2)).reshape((n, 2), order="F")
    f_hsqpv = rformat.format_real(hsqpv, 2)
    f_rsq = np.array(rformat.format_real(rformat.r_round(rsq.ravel(order="F"), 3), 3)).reshape(rsq.shape, order="F")
    f_pv = np.array(rformat.format_real(pv.ravel(order="F"), 2)).reshape(pv.shape, order="F")
    header = ["id", "nsnps", "hsq", "hsq.se", "hsq.pv"] + [f"{m}.r2" for m in models] + [f"{m}.pv" for m in models]
    lines = ["\t".join(header)]
    for i in range(n):
        cells = [ids[i], str(int(snps[i])), f_hsq[i, 0], f_hsq[i, 1], f_hsqpv[i]]
        cells += list(f_rsq[i]) + list(f_pv[i])
        lines.append("\t".join(cells))
    out = "\n".join(lines) + "\n"

    # stderr part, under options(digits=3)
    na = rformat.R_NA_REAL

    def _mean(v: np.ndarray) -> float:
        """mean(v, na.rm=T)."""
        v = v[~np.isnan(v)]
        return float(np.mean(v)) if v.size else math.nan  # mean(numeric(0)) is NaN

    def _se(v: np.ndarray) -> float:
        """sd(v, na.rm=T)/sqrt(N)."""
        v = v[~np.isnan(v)]
        return float(np.std(v, ddof=1)) / math.sqrt(n) if v.size > 1 else na  # sd of < 2 values: NA

    h1 = hsq[:, 0]
    mean_h = float(np.mean(h1)) if not np.isnan(h1).any() else na
    sd_h = float(np.std(h1, ddof=1)) / math.sqrt(n) if n > 1 and not np.isnan(h1).any() else na
    err = [rformat.cat_str("Average hsq:", mean_h, "(", sd_h, ") \n", digits=3, nan_is_na=False)]
    err.append("\nAverage crossvalidation R2:\n")
    f_means = rformat.format_real([_mean(rsq[:, j]) for j in range(len(models))], 3, nan_is_na=False)
    f_ses = rformat.format_real([_se(rsq[:, j]) for j in range(len(models))], 3, nan_is_na=False)
    err.append("R2\tSE\n")
    err.extend(f"{m}\t{a}\t{b}\n" for m, a, b in zip(models, f_means, f_ses))
    best = np.array([row[~np.isnan(row)].max() if (~np.isnan(row)).any() else -math.inf for row in rsq])
    err.append("BEST\t" + rformat.format_real([float(np.mean(best))], 3, nan_is_na=False)[0] + "\t\n")
    err.append("\n% Model is best:\n")
    for j, m in enumerate(models):
        valid = ~np.isnan(rsq[:, j])
        share = 100.0 * float(np.mean(rsq[valid, j] == best[valid])) if valid.any() else math.nan
        err.append(f"{m}: {rformat.format_cat(share, 3, nan_is_na=False)}%\n")
    return out, "".join(err)


# ---------------------------------------------------------------------------------------------
# Batch mode (twascli extension): many genes per invocation, all cores


@dataclass
class BatchGene:
    """One gene of a batch: its id, genotype prefix (or a SNP window of a shared file) and place."""

    gene: str
    bfile: str | None
    pheno: str | None = None
    chrom: str | None = None
    p0: int | None = None
    p1: int | None = None


_SHARED: dict = {}  # data inherited by forked batch workers (genotypes, expression, covariates)


def read_batch_list(path: str) -> list[BatchGene]:
    """--batch table: header with ID and BFILE (PHENO, CHR, P0, P1 optional); relative paths
    are taken relative to the table's directory."""
    from twascli.io.tables import read_table

    df = read_table(path, ["ID", "BFILE"], "batch list")
    base = os.path.dirname(os.path.abspath(path))

    def _path(p: str) -> str:
        """A path of the table, relative to the table's directory unless absolute."""
        return p if os.path.isabs(p) else os.path.join(base, p)

    genes = []
    for _, row in df.iterrows():
        genes.append(
            BatchGene(
                gene=row["ID"],
                bfile=_path(row["BFILE"]),
                pheno=_path(row["PHENO"]) if "PHENO" in df.columns and row["PHENO"] not in ("", "NA") else None,
                chrom=row["CHR"] if "CHR" in df.columns else None,
                p0=int(row["P0"]) if "P0" in df.columns else None,
                p1=int(row["P1"]) if "P1" in df.columns else None,
            )
        )
    if not genes:
        raise TwasError(f"{path}: batch list has no genes")
    return genes


def read_gene_table(path: str) -> list[BatchGene]:
    """--genes table: header ID CHR P0 P1 (gene boundaries; the cis window is added around them)."""
    from twascli.io.tables import read_table

    df = read_table(path, ["ID", "CHR", "P0", "P1"], "gene table")
    genes = []
    for i, row in df.iterrows():
        try:
            p0, p1 = int(float(row["P0"])), int(float(row["P1"]))
        except ValueError:
            raise TwasError(f"{path}: P0/P1 of gene {row['ID']} (data line {i + 1}) are not numbers") from None
        genes.append(BatchGene(gene=row["ID"], bfile=None, chrom=row["CHR"], p0=p0, p1=p1))
    if not genes:
        raise TwasError(f"{path}: gene table has no genes")
    return genes


def read_expression(path: str) -> tuple[pd.Series, pd.DataFrame]:
    """Expression table for --genes mode: header FID IID <gene ids...>, one row per sample."""
    from twascli.io.tables import read_table

    df = read_table(path, ["FID", "IID"], "expression")
    keys = df["FID"] + " " + df["IID"]
    return keys, df.drop(columns=["FID", "IID"])


def cis_window(geno: Genotypes, bg: BatchGene, win: int) -> Genotypes:
    """GENO restricted to BG's cis window: its chromosome, P0 - WIN .. P1 + WIN (inclusive)."""
    chrom = norm_chr(bg.chrom)
    pos = geno.bim["pos"].to_numpy()
    sel = (geno.bim["chr"].astype(str).map(norm_chr) == chrom).to_numpy() & (pos >= bg.p0 - win) & (pos <= bg.p1 + win)
    if not sel.any():
        raise TwasError(f"{bg.gene}: no SNP within the cis window of {bg.chrom}:{bg.p0}-{bg.p1}")
    return Genotypes(geno.bim[sel].reset_index(drop=True), geno.fam, geno.dosage[:, sel])


def _shared_bfiles(genes: list[BatchGene]) -> list[str]:
    """--batch genotype files named by several genes that all give CHR P0 P1: read once, windowed."""
    uses: dict[str, list[BatchGene]] = {}
    for g in genes:
        if g.bfile is not None:
            uses.setdefault(g.bfile, []).append(g)
    return [b for b, gs in uses.items()
            if len(gs) > 1 and all(g.chrom is not None and g.p0 is not None and g.p1 is not None for g in gs)]


def _run_batch_gene(args: tuple[int, BatchGene, CwOptions, str]) -> tuple[int, CwResult | None, str]:
    """Worker: one gene of a batch; returns (index, result or None, error text)."""
    import contextlib
    import io

    idx, bg, base_opts, outdir = args
    opts = CwOptions(**base_opts.__dict__)
    opts.out = os.path.join(outdir, bg.gene)
    opts.tmp = opts.out
    opts.verbose = 0
    inputs: dict = {}
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            if bg.bfile is not None:
                opts.bfile = bg.bfile
                opts.pheno = bg.pheno
                if bg.bfile in _SHARED.get("shared_bfiles", {}):  # one file for many genes: cis SNPs only
                    inputs["geno"] = cis_window(_SHARED["shared_bfiles"][bg.bfile], bg, _SHARED["window"])
            else:
                inputs["geno"] = cis_window(_SHARED["geno"], bg, _SHARED["window"])
                keys, expr = _SHARED["expr"]
                if bg.gene not in expr.columns:
                    raise TwasError(f"{bg.gene}: gene missing from the expression table")
                vals, bad = numeric_values(expr[bg.gene])
                if bad.any():
                    raise TwasError(f"{bg.gene}: non-numeric expression value {expr[bg.gene].iloc[int(np.flatnonzero(bad)[0])]!r}")
                inputs["pheno_table"] = SampleTable(keys.to_numpy(dtype=object), vals)
                opts.pheno = opts.pheno or "expression table"
            if "covar" in _SHARED:
                inputs["covar_table"] = _SHARED["covar"]
            res = compute_gene(opts, None, **inputs)
        if res.status != "ok":
            return idx, res, err.getvalue().strip()
        return idx, res, ""
    except TwasError as exc:
        return idx, None, str(exc)
    except Exception as exc:  # keep the batch going; report the gene as failed
        return idx, None, f"{type(exc).__name__}: {exc}"


def run_batch(
    opts: CwOptions,
    genes: list[BatchGene],
    jobs: int | None = None,
    window: int = 500_000,
    expression: str | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Train every gene; write OUT/<ID>.wgt.RDat, OUT.pos, OUT.profile(.err) and OUT.log.

    OUT is --out: a directory OUT/ is created for the weights, the tables sit beside it, as in
    FUSION's WEIGHTS/<panel>/ + WEIGHTS/<panel>.pos layout.
    """
    
    parse_models(opts.models)
    out = opts.out.rstrip("/")
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise TwasError(f"{opts.out}: output directory {parent} does not exist")
    os.makedirs(out, exist_ok=True)
    panel = os.path.basename(out)

    _SHARED.clear()
    _SHARED["window"] = int(window)
    if any(g.bfile is None for g in genes):
        geno = read_genotypes(opts.bfile)
        _SHARED["geno"] = geno
        if expression is None:
            raise TwasError("--genes needs --pheno: an expression table with header FID IID <gene ids>")
        _SHARED["expr"] = read_expression(expression)
    _SHARED["shared_bfiles"] = {b: read_genotypes(b) for b in _shared_bfiles(genes)}
    if opts.covar is not None:
        fam_keys: set[str] = set()
        if "geno" in _SHARED:
            fam_keys = set(join_keys(_SHARED["geno"].fam["fid"], _SHARED["geno"].fam["iid"]).tolist())
        _SHARED["covar"] = read_covar(opts.covar, fam_keys)

    tasks = [(i, g, opts, out) for i, g in enumerate(genes)]
    n_jobs = max(1, min(jobs or available_cores(), len(tasks)))
    results: list[tuple[CwResult | None, str]] = [(None, "")] * len(tasks)
    bar = Progress(len(tasks), "compute-weights", enabled=None if progress else False)
    if n_jobs == 1:
        iterator = map(_run_batch_gene, tasks)
        pool = None
    else:
        pool = mp.get_context("fork").Pool(n_jobs, initializer=_limit_threads)
        iterator = pool.imap_unordered(_run_batch_gene, tasks, chunksize=1)
    try:
        for idx, res, msg in iterator:
            results[idx] = (res, msg)
            bar.step()
    finally:
        bar.close()
        if pool is not None:
            pool.close()
            pool.join()

    pos_rows, prof_ids, prof_res, log_lines = [], [], [], []
    counts = {"ok": 0, "skipped": 0, "failed": 0}
    for g, (res, msg) in zip(genes, results):
        if res is None:
            counts["failed"] += 1
            log_lines.append(f"{g.gene}\tfailed\t{msg}")
            continue
        counts[res.status] += 1
        log_lines.append(f"{g.gene}\t{res.status}\t{msg or res.message}")
        if res.status != "ok":
            continue
        chrom, p0, p1 = g.chrom, g.p0, g.p1
        if chrom is None or p0 is None or p1 is None:
            from twascli.io.plink import read_variants

            bim = read_variants(g.bfile)  # type: ignore[arg-type]
            chrom = chrom or str(bim["chr"].iloc[0])  # as the .bim spells it ('chr1' stays 'chr1')
            p0 = int(bim["pos"].min()) if p0 is None else p0
            p1 = int(bim["pos"].max()) if p1 is None else p1
        pos_rows.append(f"{panel}/{g.gene}.wgt.RDat\t{g.gene}\t{chrom}\t{p0}\t{p1}\t{panel}")
        prof_ids.append(g.gene)
        prof_res.append(res)
    atomic_write_text(out + ".pos", "WGT\tID\tCHR\tP0\tP1\tPANEL\n" + "".join(r + "\n" for r in pos_rows))
    if prof_res:
        prof, prof_err = profile_tables(prof_ids, prof_res)
        atomic_write_text(out + ".profile", prof)
        atomic_write_text(out + ".profile.err", prof_err)
    atomic_write_text(out + ".log", "ID\tSTATUS\tMESSAGE\n" + "".join(line + "\n" for line in log_lines))
    return counts


def _limit_threads() -> None:
    """Batch workers: one BLAS thread each, since the genes already use every core."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - optional
        pass
