"""`twascli export-weights`: FUSION weights (a .pos list of .wgt.RDat) to a PredictDB database.

Per gene, the model assoc-test would test (best cross-validation p-value, or --force_model; a
top1 model keeps its top SNP only, as assoc-test does) is written to PredictDB's ``weights``
table with its cross-validation R2/p-value in ``extra``, and the covariance of its SNPs to
PredictDB's covariance file (``GENE RSID1 RSID2 VALUE``, gzip). FUSION's weights apply to
standardised genotypes, PredictDB's to allele counts: each weight is divided by its SNP's
standard deviation in the LD reference, so that PrediXcan/S-PrediXcan, FOCUS (``focus import
OUT.db predixcan``) and twascli's own PredictDB reader (which multiplies it back) give FUSION's
statistic. SNPs absent from the reference or monomorphic there are left out and counted; SNPs
with zero weight are kept (FUSION imputes a gene's missing GWAS Z-scores from all its SNPs).
"""

from __future__ import annotations

import gzip
import os
import sqlite3
import tempfile

import numpy as np
import pandas as pd

from twascli.errors import TwasError


def _gene_rows(model, geno, index: dict, force: str | None, label: str, counts: dict):
    """(weights rows, covariance rows, extra row) of one gene, or None when it has no usable model."""
    from twascli.core.twas import best_model
    from twascli.core import twas
    from twascli.core.alleles import allele_qc

    best, _ = best_model(model, force)
    if best is None:
        counts["genes without a usable model"] = counts.get("genes without a usable model", 0) + 1
        return None
    w = np.nan_to_num(np.asarray(model.wgt_matrix, dtype=float)[:, best], nan=0.0)
    name = (model.cv_models or model.models)[best] if best < len(model.cv_models or model.models) else model.models[best]
    snps = model.snps
    cols = np.array([index.get(s, -1) for s in snps["snp"]], dtype=np.int64)
    absent = cols < 0
    counts["SNPs absent from the LD reference"] = counts.get("SNPs absent from the LD reference", 0) + int(absent.sum())
    use = ~absent  # zero weights kept: FUSION imputes missing GWAS Z from all of a gene's SNPs
    cols, w, snps = cols[use], w[use], snps.loc[use]
    bim = geno.bim
    keep, flip = allele_qc(snps["a1"].to_numpy(), snps["a2"].to_numpy(), bim["a1"].to_numpy()[cols], bim["a2"].to_numpy()[cols])
    if name[:4] == "top1" and keep.any():  # the top SNP among those assoc-test keeps (allele QC)
        only = np.zeros_like(w)
        top = twas.first_argmax(np.where(keep, w * w, -1.0))
        only[top] = w[top]
        w = only
    x = geno.imputed(cols)
    sd = x.std(axis=0, ddof=1) if len(x) > 1 else np.zeros(cols.size)
    poly = np.isfinite(sd) & (sd > 0)
    counts["SNPs monomorphic in the LD reference"] = counts.get("SNPs monomorphic in the LD reference", 0) + int((~poly).sum())
    cols, w, snps, x, sd, flip = cols[poly], w[poly], snps.loc[poly], x[:, poly], sd[poly], flip[poly]
    if not cols.size:
        counts["genes without a usable model"] = counts.get("genes without a usable model", 0) + 1
        return None
    nz = np.flatnonzero(w)  # covariances of the SNPs that carry weight (all S-PrediXcan uses)
    sign = np.where(flip[nz], -1.0, 1.0)  # counts of the weights' A1 = panel counts, or 2 - them
    cov = np.cov(x[:, nz] * sign, rowvar=False).reshape(nz.size, nz.size)
    ids = snps["snp"].to_numpy(dtype=object)
    varid = [f"{c}_{p}_{a2}_{a1}" for c, p, a1, a2 in zip(snps["chr"], snps["pos"], snps["a1"], snps["a2"])]
    weights = [(label, r, v, str(a2).upper(), str(a1).upper(), float(wt)) for r, v, a1, a2, wt in
               zip(ids, varid, snps["a1"], snps["a2"], w / sd)]
    j, k = np.triu_indices(nz.size)
    covs = [(label, ids[nz[a]], ids[nz[b]], float(cov[a, b])) for a, b in zip(j, k)]
    cv = model.cv_performance
    rows = list(model.cv_rows)
    r2 = float(cv[rows.index("rsq"), best]) if cv is not None and "rsq" in rows else np.nan
    pv = float(cv[rows.index("pval"), best]) if cv is not None and "pval" in rows else np.nan
    return weights, covs, (label, label, int(np.count_nonzero(w)), r2, pv, np.nan, name)


def export_predictdb(weights: str, weights_dir: str | None, ref_ld_chr: str, out: str, force_model: str | None = None,
                     chrom: str | None = None, force: bool = False) -> list[str]:
    """Write OUT.db and OUT.txt.gz, or OUT.<PANEL>.db/.txt.gz per panel when the list has several
    (a PredictDB database holds one model per gene); never over existing files unless FORCE."""
    from twascli.chrom import same_chr
    from twascli.io.weights_list import read_weights_list

    wl = read_weights_list(weights)
    if chrom is not None:
        wl = wl[[same_chr(c, chrom) for c in wl["CHR"]]]
    if wl.empty:
        raise TwasError(f"{weights}: no genes to export")
    panels = list(dict.fromkeys(wl["PANEL"])) if "PANEL" in wl.columns else [None]
    jobs = [(wl if p is None else wl[wl["PANEL"] == p], out if len(panels) == 1 else f"{out}.{p}") for p in panels]
    for _, prefix in jobs:
        for t in (prefix + ".db", prefix + ".txt.gz"):
            if os.path.exists(t) and not force:
                raise TwasError(f"{t}: file exists (give --force to replace it)")
    for sub, prefix in jobs:
        dup = sub["ID"][sub["ID"].duplicated()]
        if len(dup):
            raise TwasError(f"{weights}: gene {dup.iat[0]} appears twice in one panel; a PredictDB database holds one model per gene")
    lines: list[str] = []
    for sub, prefix in jobs:
        lines += _export_one(sub, weights, weights_dir, ref_ld_chr, prefix, force_model)
    return lines


def _export_one(wl: pd.DataFrame, weights: str, weights_dir: str | None, ref_ld_chr: str, out: str,
                force_model: str | None) -> list[str]:
    from twascli.io.weights_list import read_weight
    from twascli.chrom import chr_file_prefix
    from twascli.io.atomic import atomic_open
    from twascli.io.plink import read_plink
    from twascli.io.weights_list import weight_file_path

    counts: dict[str, int] = {}
    all_w, all_c, extra = [], [], []
    for c in dict.fromkeys(wl["CHR"]):
        geno = read_plink(chr_file_prefix(ref_ld_chr, c))
        index: dict = {}
        for i, s in enumerate(geno.bim["snp"]):
            index.setdefault(s, i)
        for _, entry in wl[wl["CHR"] == c].iterrows():
            model = read_weight(weight_file_path(weights_dir, entry["WGT"]))
            got = _gene_rows(model, geno, index, force_model, str(entry["ID"]), counts)
            if got is not None:
                all_w += got[0]
                all_c += got[1]
                extra.append(got[2])
    if not extra:
        raise TwasError(f"{weights}: no gene has a usable model in the LD reference")
    directory = os.path.dirname(os.path.abspath(out))
    fd, tmp = tempfile.mkstemp(prefix=".export.", suffix=".db.tmp", dir=directory)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.execute("CREATE TABLE weights (gene TEXT, rsid TEXT, varID TEXT, ref_allele TEXT, eff_allele TEXT, weight DOUBLE)")
        con.execute('CREATE TABLE extra (gene TEXT, genename TEXT, "n.snps.in.model" INTEGER, "pred.perf.R2" DOUBLE, '
                    '"pred.perf.pval" DOUBLE, "pred.perf.qval" DOUBLE, "fusion.model" TEXT)')
        con.executemany("INSERT INTO weights VALUES (?,?,?,?,?,?)", all_w)
        con.executemany("INSERT INTO extra VALUES (?,?,?,?,?,?,?)", extra)
        con.execute("CREATE INDEX weights_rsid ON weights (rsid)")
        con.execute("CREATE INDEX weights_gene ON weights (gene)")
        con.commit()
        con.close()
        with atomic_open(out + ".txt.gz", "wb") as handle, gzip.GzipFile(fileobj=handle, mode="wb", mtime=0) as gz:
            text = "GENE RSID1 RSID2 VALUE\n" + "".join(f"{g} {a} {b} {v!r}\n" for g, a, b, v in all_c)
            gz.write(text.encode())
        os.replace(tmp, out + ".db")
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    lines = [f"{len(extra)} of {len(wl)} genes, {len(all_w)} weights written to {out}.db; covariances to {out}.txt.gz"]
    lines += [f"left out {k}: {why}" for why, k in counts.items() if k]
    return lines
