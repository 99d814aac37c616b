"""Pages of the locus PDFs and the correlation plot of `post-process`, assembled from its results."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twascli import rformat
from twascli.chrom import chr_label
from twascli.core import postproc as pp
from twascli.io.plink import Genotypes
from twascli.post.draw import GeneBox, LocusPage, LocusPlot, plot_corr_pdf
from twascli.panels import panel_labels
from twascli.post.inputs import Features, Predicted
from twascli.post.options import Digits, PostOptions
from twascli.post.results import LocusResult, Log, PostResult

#: Colours of the panels in the locus plots (RColorBrewer Set3, as FUSION).
PANEL_COLORS = [
    "#8DD3C7", "#FFFFB3", "#BEBADA", "#FB8072", "#80B1D3", "#FDB462",
    "#B3DE69", "#FCCDE5", "#D9D9D9", "#BC80BD", "#CCEBC5", "#FFED6F",
]


def build_locus_plot(
    opts: PostOptions, loc: LocusResult, feats: Features, pred: Predicted, genos: Genotypes, glist: pd.DataFrame | None
) -> LocusPlot:
    """Assemble the pages of OUT.loc_N.pdf (main page, then one per feature with --plot_individual)."""
    bim = genos.bim
    pos_bp = np.asarray(bim["pos"], dtype=np.int64)[loc.snp_idx]
    pos_mb = pos_bp / 1e6
    xlim = (float(pos_mb.min()), float(pos_mb.max()))
    feat_idx = np.flatnonzero(loc.in_locus)
    feat_ids = set(map(str, feats.id[feat_idx]))
    dup_ids: dict[str, int] = {}
    for i in feat_idx:
        dup_ids[str(feats.id[i])] = dup_ids.get(str(feats.id[i]), 0) + 1

    # other genes: overlap the locus, not named like a feature
    others: list[tuple[int, int, str]] = []
    if glist is not None and len(glist):
        g0 = np.minimum(glist["P0"].to_numpy(), glist["P1"].to_numpy())
        g1 = np.maximum(glist["P0"].to_numpy(), glist["P1"].to_numpy())
        over = (g0 < loc.end) & (g1 > loc.start)
        for a, b, name in zip(g0[over], g1[over], glist["ID"].to_numpy()[over]):
            if str(name) not in feat_ids:
                others.append((int(a), int(b), str(name)))

    panels = None
    panel_of: dict[int, int] = {}
    labels = panel_labels(feats.file)
    if opts.plot_legend is not None:
        chosen = feat_idx if opts.plot_legend == "all" else feat_idx[loc.joint[feat_idx]]
        names = sorted({labels[str(feats.file[i])] for i in chosen})
        colors = [PANEL_COLORS[k % len(PANEL_COLORS)] for k in range(len(names))]
        panels = [(k + 1, nm, colors[k]) for k, nm in enumerate(names)]
        for i in chosen:
            panel_of[int(i)] = names.index(labels[str(feats.file[i])])

    cred = set()
    if loc.finemap is not None:
        fm = loc.finemap
        cred = {int(i) for i, c in zip(fm.models, fm.res.in_cred_set) if c}

    def boxes(highlight: int | None) -> list:
        out = [GeneBox(a, b, name, "other") for a, b, name in others]
        for i in feat_idx:
            a, b = sorted((float(feats.p0[i]), float(feats.p1[i])))
            if highlight is None:
                kind = "joint" if loc.joint[i] else "marginal"
            else:
                kind = "joint" if str(feats.id[i]) == str(feats.id[highlight]) else "other"
            label = _feature_label(feats, i, labels) if dup_ids.get(str(feats.id[i]), 0) > 1 else str(feats.id[i])
            pnum = panel_of.get(int(i))
            out.append(GeneBox(a, b, label, kind, None if pnum is None else pnum + 1,
                               None if pnum is None else panels[pnum][2], int(i) in cred))
        return sorted(out, key=lambda g: min(g.start, g.end))

    s = loc.snp
    with np.errstate(divide="ignore"):
        logp = -np.log10(s.p)
        logp_cond = -np.log10(s.cond_p)
    joint_names = [_feature_label(feats, i, labels) for i in np.flatnonzero(loc.joint)]
    single = len(feat_idx) == 1
    pages = []
    where = f"{chr_label(opts.chr)}:{pos_bp.min() / 1e6:.2f}-{pos_bp.max() / 1e6:.2f} Mb"
    title = f"Locus {loc.number} ({where})\njoint model: {', '.join(joint_names)}"
    eqtl = scatter = None
    if single:
        i0 = int(feat_idx[0])
        if opts.plot_eqtl:
            eqtl = _eqtl_track(pred, i0)
        elif opts.plot_scatter:
            scatter = (s.snp_ge_ld[:, 0] if s.snp_ge_ld.shape[1] else np.zeros(len(s.z)), s.z, float(feats.z[i0]))
    pages.append(LocusPage(title, boxes(None), pos_mb, logp, logp_cond,
                           "conditioned on the joint model", eqtl, scatter,
                           eqtl_requested=opts.plot_eqtl and single, scatter_requested=opts.plot_scatter and single))
    if opts.plot_individual and len(feat_idx) > 1:
        xs = pp.scaled_columns(genos.dosage, loc.snp_idx)
        for i in feat_idx:
            i = int(i)
            cz = pp.snp_conditional_single(xs, pred.ge[:, i], s.z, float(feats.z[i]), opts.max_r2)
            with np.errstate(divide="ignore"):
                lc = -np.log10(pp.two_sided_p(cz))
            eq = _eqtl_track(pred, i) if opts.plot_eqtl else None
            sc = None
            if opts.plot_scatter:
                l1 = xs.T @ pred.ge[:, i] / (genos.n - 1)
                sc = (l1, s.z, float(feats.z[i]))
            pages.append(LocusPage(
                f"Locus {loc.number} ({where})\nGWAS conditioned on {_feature_label(feats, i, labels)} alone", boxes(i), pos_mb, logp, lc,
                f"conditioned on {_feature_label(feats, i, labels)}", eq, sc, eqtl_requested=opts.plot_eqtl,
                scatter_requested=opts.plot_scatter,
            ))
    return LocusPlot(str(opts.chr), xlim, pages, panels)


def _feature_label(feats: Features, i: int, labels: dict[str, str]) -> str:
    panel = labels[str(feats.file[i])]
    return f"{feats.id[i]} ({panel})" if panel else str(feats.id[i])


def _eqtl_track(pred: Predicted, i: int) -> tuple[np.ndarray, np.ndarray] | None:
    if not pred.eqtl_pos or pred.eqtl_pos[i] is None:
        return None
    with np.errstate(divide="ignore"):
        return pred.eqtl_pos[i] / 1e6, -np.log10(pp.two_sided_p(pred.eqtl_z[i]))


def plot_corr(opts: PostOptions, feats: Features, ld: np.ndarray, digits: Digits, log: Log, result: PostResult) -> None:
    """--plot_corr: print the PCA variance explained and write OUT.corrplot.pdf (r^2 heat map)."""
    vals = np.linalg.eigvalsh(ld)[::-1]
    log.stdout(rformat.cat_str("pca varexp : ", vals / vals.sum(), "", sep=" ", digits=digits.cat))
    labels = [f"{feats.panel[i] if feats.panel is not None else ''} {feats.id[i]}".strip() for i in range(len(feats))]
    path = opts.out + ".corrplot.pdf"
    plot_corr_pdf(path, ld * ld, labels)
    result.files.append(path)
