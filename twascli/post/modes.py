"""The `post-process` modes that replace the main analysis: --omnibus (and --omnibus_corr) and --ldsc."""

from __future__ import annotations

import gzip

import numpy as np

from twascli import rformat
from twascli.core import postproc as pp
from twascli.io.atomic import atomic_open
from twascli.io.plink import Genotypes
from twascli.post.inputs import Features, SnpLookup, load_aligned, predict
from twascli.post.options import Digits, PostOptions
from twascli.panels import panel_labels
from twascli.post.results import Log, PostResult, write_output


def run_omnibus(opts: PostOptions, feats: Features, genos: Genotypes, digits: Digits, log: Log, result: PostResult,
                gene_of=str) -> None:
    """--omnibus: per gene with several models, the pruned chi-square test (OUT.omnibus.pv, OUT.CORR.dat).

    GENE_OF maps a feature ID to its gene (FUSION: the ID itself; a PhenoMap groups a gene's
    phenotypes across modalities and tissues)."""
    ids = [gene_of(str(v)) for v in feats.id]
    seen: set[str] = set()
    dup: dict[str, None] = {}  # unique(ID[duplicated(ID)]), in order
    for g in ids:
        if g in seen:
            dup[g] = None
        seen.add(g)
    lookup = SnpLookup(np.asarray(genos.bim["snp"], dtype=object))
    labels = panel_labels(feats.file)
    corr_lines = ["GENE\tREF1\tREF2\tCORR\n"]
    pv_lines = ["GENE\tNUM.REF\tMIN.TWAS.P\tNUM.REF.PRUNED\tOMNIBUS.P\n"] if opts.omnibus_corr is None else []
    for g in dup:
        rows = [i for i, v in enumerate(ids) if v == g]
        m = len(rows)
        preds, names, kept = [], [], []
        for i in rows:
            aw = load_aligned(str(feats.file[i]), genos, lookup, opts.fix_true_alleles)
            if opts.omnibus_corr is not None and opts.omnibus_corr != "best":
                model = opts.omnibus_corr
            else:
                model = str(feats.model[i]) if feats.model is not None else ""
            pr = predict(genos, aw, model, opts.top1_single_snp)
            if pr is None:
                log.info(f"{feats.file[i]}: no model '{model}'; not used in the omnibus test of {g}", 2)
                continue
            if not np.ptp(pr) > 0:
                log.warn(f"WARNING: {feats.file[i]}: predicted expression is constant in the LD reference; "
                         f"not used in the omnibus test of {g}")
                continue
            preds.append(pr)
            names.append(labels[str(feats.file[i])])
            kept.append(i)
        if len(kept) < 2:
            continue
        cor = pp.r_cor(np.column_stack(preds))
        z = feats.z[kept]
        if opts.omnibus_corr is not None:
            corr_lines.append(_corr_rows(g, cor, names, np.ones(len(kept), dtype=bool), digits.corr))
            continue
        res = pp.omnibus_test(z, cor, opts.max_r2)
        if res.singular:
            bad = ", ".join(str(feats.file[kept[j]]) for j in res.singular)
            log.warn(f"WARNING: {g}: model(s) {bad} left out of the omnibus test (singular correlation matrix)")
            result.singular_features += [str(feats.file[kept[j]]) for j in res.singular]
        if res.df > 1:
            corr_lines.append(_corr_rows(g, cor, names, res.kept, digits.corr))
            pv_lines.append(rformat.cat_str(
                g, m, float(np.min(feats.p[kept])), res.df, res.p, "\n", sep="\t", digits=digits.cat))
    write_output(opts.out + ".CORR.dat", "".join(corr_lines), result)
    if opts.omnibus_corr is None:
        write_output(opts.out + ".omnibus.pv", "".join(pv_lines), result)


def _corr_rows(g: str, cor: np.ndarray, names: list[str], kept: np.ndarray, digits: int) -> str:
    """Upper-triangle pairs in R's as.data.frame(as.table()) order (column-major), formatted together."""
    idx = np.flatnonzero(kept)
    r1, r2, v = [], [], []
    for b in range(len(idx)):
        for a in range(b):
            r1.append(names[idx[a]])
            r2.append(names[idx[b]])
            v.append(cor[idx[a], idx[b]])
    if not v:
        return ""
    df = {"g": [g] * len(v), "Var1": r1, "Var2": r2, "Freq": np.array(v)}
    return rformat.write_table(rformat.format_df(df, digits), header=False, sep="\t")


def run_ldsc(opts: PostOptions, genos: Genotypes, ge: np.ndarray, digits: Digits, result: PostResult) -> None:
    """--ldsc: per-SNP LD scores to the features' predicted expression (OUT.l2.ldscore.gz, OUT.l2.M_5_50)."""
    score, maf = pp.ld_scores(genos.dosage, ge)
    bim = genos.bim
    chrom = np.asarray(bim["chr"], dtype=object)
    try:
        chr_col: object = [int(c) for c in chrom]
    except ValueError:
        chr_col = [str(c) for c in chrom]
    df = {
        "CHR": chr_col, "SNP": [str(s) for s in bim["snp"]], "BP": np.asarray(bim["pos"], dtype=np.int64),
        "CM": np.asarray(bim["cm"], dtype=float), "MAF": maf, "LD": score,
    }
    text = rformat.write_table(rformat.format_df(df, 3 if opts.digits is None else opts.digits, nan_is_na=False), sep=" ")
    path = opts.out + ".l2.ldscore.gz"
    with atomic_open(path, "wb") as fh:
        with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
            gz.write(text.encode())
    result.files.append(path)
    write_output(opts.out + ".l2.M_5_50", f"{ge.shape[1]}\n", result)
