"""`post-process --finemap`: FOCUS fine-mapping of each locus (OUT.loc_N.focus, PIPs in the reports).

Reuses what post-process already has per locus: the TWAS z of the locus' models (the --input rows)
and the correlation of their predicted expression in the LD reference (before --min_r2 zeroing).
The numerics are in twascli.core.focus; this module builds its inputs and writes FOCUS's table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twascli.core import focus
from twascli.core import postproc as pp
from twascli.errors import TwasError
from twascli.io.plink import Genotypes
from twascli.panels import panel_labels
from twascli.post.inputs import Features, Predicted
from twascli.post.options import PostOptions
from twascli.post.results import LocusResult, PostResult, write_output

#: Name of the null model's row in OUT.loc_N.focus (FOCUS's ens_gene_id of that row).
NULL_MODEL = "NULL.MODEL"


@dataclass
class LocusFinemap:
    """FOCUS result of one locus, over its models (indices into the features)."""

    models: np.ndarray  # feature indices of the locus' models, in --input order
    res: focus.FinemapResult


def validate(opts: PostOptions) -> None:
    """--finemap_* options: one line naming the flag when out of range."""
    if not 0.0 < opts.finemap_prior_prob < 1.0:
        raise TwasError(f"--finemap_prior_prob must be in (0, 1), not {opts.finemap_prior_prob:g}")
    if opts.finemap_max_genes < 1:
        raise TwasError(f"--finemap_max_genes must be >= 1, not {opts.finemap_max_genes}")
    if opts.finemap_ridge < 0:
        raise TwasError(f"--finemap_ridge must be >= 0, not {opts.finemap_ridge:g}")
    if not 0.0 < opts.finemap_credible < 1.0:
        raise TwasError(f"--finemap_credible must be in (0, 1), not {opts.finemap_credible:g}")


def intercept_vector(genos: Genotypes, pred: Predicted, models: np.ndarray, snp_idx: np.ndarray) -> np.ndarray:
    """Per model, the sum over the locus' weight SNPs of corr(predicted expression, SNP) (FOCUS --intercept).

    The SNPs are the locus SNPs that some weight uses; memory is n x (those SNPs).
    """
    cols = snp_idx[pred.snp_used[snp_idx]]
    xs = np.nan_to_num(pp.scaled_columns(genos.dosage, cols), nan=0.0)
    return (xs.T @ pred.ge[:, models]).sum(axis=0) / (genos.n - 1)


def weight_crossprod(pred: Predicted, models: np.ndarray) -> np.ndarray:
    """W'W of the MODELS' non-zero weights over the reference SNPs (k x k; memory: their SNPs x k)."""
    cols = np.unique(np.concatenate([pred.weights[i][0] for i in models])) if len(models) else np.zeros(0, int)
    w = np.zeros((len(cols), len(models)))
    for j, i in enumerate(models):
        c, v = pred.weights[i]
        np.add.at(w[:, j], np.searchsorted(cols, c), v)
    return w.T @ w


def finemap_locus(
    opts: PostOptions, loc: LocusResult, feats: Features, pred: Predicted, genos: Genotypes, corr: np.ndarray,
) -> LocusFinemap:
    """FOCUS posterior of the models of LOC (CORR: the raw predicted-expression correlation)."""
    models = np.flatnonzero(loc.in_locus)
    inter = intercept_vector(genos, pred, models, loc.snp_idx) if opts.finemap_intercept else None
    z, r = feats.z[models], corr[np.ix_(models, models)]
    if opts.finemap_ridge > 0:
        z, r = focus.ridge_adjust(z, r, pred.raw_sd[models], weight_crossprod(pred, models), opts.finemap_ridge)
    res = focus.finemap(z, r, opts.finemap_prior_prob, opts.finemap_max_genes, opts.finemap_credible, inter)
    return LocusFinemap(models, res)


def _num(x: float | None) -> str:
    return "NA" if x is None or not np.isfinite(x) else f"{x:.6g}"


def _col(feats: Features, name: str, i: int) -> str:
    if name not in feats.table.columns:
        return "NA"
    v = str(feats.table[name][i])
    return v if v != "" else "NA"


FOCUS_COLUMNS = [
    "FILE", "ID", "PANEL", "block", "ens_gene_id", "mol_name", "tissue", "chrom", "tx_start", "tx_stop",
    "block_genes", "inference_pop1", "cv.R2_pop1", "cv.R2.pval_pop1", "inter_z_pop1", "twas_z_pop1",
    "pips_pop1", "in_cred_set_pop1",
]


def focus_table(opts: PostOptions, loc: LocusResult, fm: LocusFinemap, feats: Features) -> str:
    """OUT.loc_N.focus: FOCUS's output columns where they apply (rows by decreasing PIP, the null
    model among them as in FOCUS), led by the --input FILE, ID and PANEL of each model."""
    r = fm.res
    block = f"{opts.chr}:{loc.start}-{opts.chr}:{loc.end}"  # FOCUS's spelling of a region
    rows: list[tuple[float, list[str]]] = []
    for j, i in enumerate(fm.models):
        i = int(i)
        gid = str(feats.id[i])
        rows.append((float(r.pips[j]), [
            str(feats.file[i]), gid, _col(feats, "PANEL", i), block, gid, gid, _col(feats, "PANEL", i), str(opts.chr),
            _col(feats, "P0", i), _col(feats, "P1", i), str(len(fm.models)), _col(feats, "MODEL", i),
            _col(feats, "MODELCV.R2", i), _col(feats, "MODELCV.PV", i), _num(r.inter_z), _num(float(r.z[j])),
            _num(float(r.pips[j])), "TRUE" if r.in_cred_set[j] else "FALSE",
        ]))
    rows.append((r.null_pip, [
        "NA", NULL_MODEL, "NA", block, NULL_MODEL, NULL_MODEL, "NA", str(opts.chr), "NA", "NA", str(len(fm.models)),
        "NA", "NA", "NA", _num(r.inter_z), "0", _num(r.null_pip), "TRUE" if r.null_in_cred_set else "FALSE",
    ]))
    order = np.argsort([-p for p, _ in rows], kind="stable")
    lines = ["\t".join(FOCUS_COLUMNS)] + ["\t".join(rows[k][1]) for k in order]
    return "\n".join(lines) + "\n"


def write_focus(opts: PostOptions, loc: LocusResult, fm: LocusFinemap, feats: Features, result: PostResult) -> None:
    write_output(f"{opts.out}.loc_{loc.number}.focus", focus_table(opts, loc, fm, feats), result)


def pip_of(fm: LocusFinemap, m: int) -> tuple[np.ndarray, np.ndarray]:
    """(PIP, in credible set) over all M features (NaN / False outside the locus)."""
    pip = np.full(m, np.nan)
    cs = np.zeros(m, dtype=bool)
    pip[fm.models] = fm.res.pips
    cs[fm.models] = fm.res.in_cred_set
    return pip, cs


def label(feats: Features, i: int, panels: dict[str, str]) -> str:
    """ID(panel label) of feature I, so that one gene's models in several panels stay apart."""
    panel = panels[str(feats.file[i])]
    return f"{feats.id[i]}({panel})" if panel else str(feats.id[i])


def report_fields(fm: LocusFinemap, feats: Features) -> list[str]:
    """FOCUS.NULL.PIP and FOCUS.CRED.SET (IDs of the credible set, by decreasing PIP) of a report row."""
    r = fm.res
    order = np.argsort(-r.pips, kind="stable")
    panels = panel_labels(feats.file)
    ids = [label(feats, int(fm.models[j]), panels) for j in order if r.in_cred_set[j]]
    if r.null_in_cred_set:
        ids.append(NULL_MODEL)
    return [_num(r.null_pip), ",".join(ids) if ids else "NA"]
