"""Locus plots (OUT.loc_N.pdf) and the feature correlation plot (OUT.corrplot.pdf) with matplotlib.

Same content as FUSION's figures: a gene track (jointly significant models green, marginal ones
blue, other genes grey), GWAS -log10 P before (grey) and after (blue) conditioning, optional eQTL
or TWAS scatter panel and per-feature pages; labels are laid out on rows so they never overlap.
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from dataclasses import dataclass, field

import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.textpath import text_to_path

from twascli.chrom import chr_label
from twascli.io.atomic import atomic_open

STYLE = {
    "joint": ("#66bd63", "#1a9850", "#1a9850"),  # fill, edge, text
    "marginal": ("#deebf7", "#3182bd", "#3182bd"),
    "other": ("#d9d9d9", "#4d4d4d", "#4d4d4d"),
}
GWAS_GREY = "#a6a6a6"
COND_BLUE = "#3182bd"
CRED_RED = "#d7301f"
FONT_PT = 7.0
ROW_IN = 0.2  # height of one gene row, inches
FIG_W = 8.0
AX_LEFT, AX_RIGHT = 0.9, 0.25  # inches


@dataclass
class GeneBox:
    """A gene or feature on the track: [start, end] in bp, its label and how it is coloured."""

    start: float
    end: float
    label: str
    kind: str  # joint | marginal | other
    panel_num: int | None = None
    panel_color: str | None = None
    cred: bool = False  # in the FOCUS credible set (--finemap): red outline


@dataclass
class LocusPage:
    """One page of a locus PDF."""

    title: str
    genes: list[GeneBox]
    pos_mb: np.ndarray
    logp: np.ndarray
    logp_cond: np.ndarray
    cond_label: str
    eqtl: tuple[np.ndarray, np.ndarray] | None = None
    scatter: tuple[np.ndarray, np.ndarray, float] | None = None
    eqtl_requested: bool = False
    scatter_requested: bool = False


@dataclass
class LocusPlot:
    """A locus: chromosome, x range (Mb), pages and the optional panel legend (num, name, colour)."""

    chrom: str
    xlim: tuple[float, float]
    pages: list[LocusPage]
    panels: list[tuple[int, str, str]] | None = field(default=None)


@lru_cache(maxsize=4096)
def text_width_in(s: str, size_pt: float = FONT_PT) -> float:
    """Width of S in inches at SIZE_PT (matplotlib's default sans font)."""
    if not s:
        return 0.0
    prop = FontProperties(family="DejaVu Sans", size=size_pt)
    w, _, _ = text_to_path.get_text_width_height_descent(s, prop, ismath=False)
    return w / 72.0


def layout_genes(genes: list[GeneBox], xlim: tuple[float, float], axis_w_in: float) -> list[tuple[int, str]]:
    """Assign each gene a row (0 = top) and a label side so no box or label overlaps another.

    Labels go left of the box as in FUSION, or right when they would leave the plot.
    """
    x0, x1 = xlim
    span = max(x1 - x0, 1e-9)
    per_in = span / axis_w_in
    pad = 0.06 * per_in
    min_box = 0.04 * per_in
    rows_end: list[list[tuple[float, float]]] = []
    out: list[tuple[int, str]] = []
    for g in genes:
        a, b = min(g.start, g.end) / 1e6, max(g.start, g.end) / 1e6
        a_v, b_v = max(a, x0), min(max(b, a + min_box), x1)
        if b_v < a_v:
            b_v = a_v + min_box
        lw = text_width_in(g.label) * per_in
        extra = (0.12 * per_in) if g.panel_num is not None else 0.0
        left_room = (a_v - pad - lw) - (x0 - 0.8 * per_in)  # labels may reach into the left margin
        right_room = (x1 + 0.2 * per_in) - (b_v + extra + pad + lw)
        if left_room >= 0 or left_room >= right_room:
            side, lo, hi = "left", a_v - pad - lw, b_v + extra
        else:
            side, lo, hi = "right", a_v, b_v + extra + pad + lw
        row = 0
        while row < len(rows_end) and any(lo < e + pad and hi + pad > s for s, e in rows_end[row]):
            row += 1
        if row == len(rows_end):
            rows_end.append([])
        rows_end[row].append((lo, hi))
        out.append((row, side))
    return out


def _gene_track(ax, page: LocusPage, plot: LocusPlot, axis_w_in: float) -> None:
    """Draw the gene rows of one page on AX (no axes frame)."""
    x0, x1 = plot.xlim
    span = max(x1 - x0, 1e-9)
    per_in = span / axis_w_in
    lay = layout_genes(page.genes, plot.xlim, axis_w_in)
    nrow = max([r for r, _ in lay], default=0) + 1
    ax.set_xlim(x0, x1)
    ax.set_ylim(nrow - 0.4, -0.6)
    ax.axis("off")
    pad = 0.06 * per_in
    min_box = 0.04 * per_in
    for g, (row, side) in zip(page.genes, lay):
        fill, edge, txt = STYLE.get(g.kind, STYLE["other"])
        a, b = min(g.start, g.end) / 1e6, max(g.start, g.end) / 1e6
        a_v, b_v = max(a, x0), min(max(b, a + min_box), x1)
        if b_v < a_v:
            b_v = a_v + min_box
        ax.add_patch(Rectangle((a_v, row - 0.3), b_v - a_v, 0.6, facecolor=fill,
                               edgecolor=CRED_RED if g.cred else edge, linewidth=1.6 if g.cred else 0.6, clip_on=False))
        weight = "bold" if g.kind == "joint" else "normal"
        end_x = b_v
        if g.panel_num is not None:
            cx = b_v + 0.07 * per_in
            ax.scatter([cx], [row], s=22, color=g.panel_color, edgecolors="#4d4d4d", linewidths=0.4, zorder=3,
                       clip_on=False)
            ax.text(cx, row, str(g.panel_num), fontsize=4.5, ha="center", va="center", zorder=4)
            end_x = cx + 0.05 * per_in
        if side == "left":
            ax.text(a_v - pad, row, g.label, ha="right", va="center", fontsize=FONT_PT, color=txt, fontweight=weight)
        else:
            ax.text(end_x + pad, row, g.label, ha="left", va="center", fontsize=FONT_PT, color=txt, fontweight=weight)


def _page_figure(page: LocusPage, plot: LocusPlot) -> Figure:
    """Build the matplotlib figure of one page."""
    has_eqtl = page.eqtl_requested
    has_scatter = page.scatter_requested and not has_eqtl
    main_w = FIG_W - AX_LEFT - AX_RIGHT - (2.3 if has_scatter else 0.0)
    lay = layout_genes(page.genes, plot.xlim, main_w)
    nrow = max([r for r, _ in lay], default=0) + 1
    first, *rest = page.title.split("\n")
    title = "\n".join(textwrap.wrap(first, 110) + textwrap.wrap(" ".join(rest), 120))
    title_in = 0.1 + 0.17 * (title.count("\n") + 1)
    top_in = title_in + 0.3 + (0.3 if plot.panels else 0.0)
    gene_in = max(0.5, nrow * ROW_IN + 0.15)
    gwas_in = 2.4
    eqtl_in = 1.5 if has_eqtl else 0.0
    bottom_in = 0.55
    gap = 0.12
    height = top_in + gene_in + gap + gwas_in + (gap + 0.25 + eqtl_in if has_eqtl else 0) + bottom_in
    fig = Figure(figsize=(FIG_W, height))

    def box(y_top_in: float, h_in: float, left_in: float = AX_LEFT, w_in: float = main_w):
        return [left_in / FIG_W, 1 - (y_top_in + h_in) / height, w_in / FIG_W, h_in / height]

    fig.text(AX_LEFT / FIG_W, 1 - 0.08 / height, title, fontsize=8.5, va="top", linespacing=1.3)
    handles = [Patch(facecolor=STYLE["joint"][0], edgecolor=STYLE["joint"][1], label="jointly significant"),
               Patch(facecolor=STYLE["marginal"][0], edgecolor=STYLE["marginal"][1], label="marginally associated"),
               Patch(facecolor=STYLE["other"][0], edgecolor=STYLE["other"][1], label="other genes")]
    if any(g.cred for g in page.genes):
        handles.append(Patch(facecolor="white", edgecolor=CRED_RED, linewidth=1.6, label="FOCUS credible set"))
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(AX_LEFT / FIG_W, 1 - (title_in + 0.13) / height), ncol=len(handles),
               fontsize=7, frameon=False, handlelength=1.2, columnspacing=1.2)
    if plot.panels:
        ph = [Line2D([], [], marker="o", linestyle="", markerfacecolor=c, markeredgecolor="#4d4d4d",
                     markersize=6, label=f"panel {num}: {name}") for num, name, c in plot.panels]
        fig.legend(handles=ph, loc="center left", bbox_to_anchor=(AX_LEFT / FIG_W, 1 - (title_in + 0.43) / height),
                   ncol=min(6, len(ph)), fontsize=7, frameon=False, handletextpad=0.3, columnspacing=1.2)

    y = top_in
    ax_g = fig.add_axes(box(y, gene_in))
    _gene_track(ax_g, page, plot, main_w)
    y += gene_in + gap
    ax = fig.add_axes(box(y, gwas_in))
    ax.scatter(page.pos_mb, page.logp, s=5, color=GWAS_GREY, linewidths=0, label="GWAS (marginal)")
    ax.scatter(page.pos_mb, page.logp_cond, s=5, color=COND_BLUE, linewidths=0, label=f"GWAS {page.cond_label}")
    ax.set_xlim(*plot.xlim)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("-log10(P-value)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, loc="upper left", markerscale=2, handletextpad=0.2, framealpha=0.85, edgecolor="none")
    xlabel = f"{chr_label(plot.chrom, sep=' ')} physical position (Mb)"
    y += gwas_in
    if has_eqtl:
        ax.tick_params(labelbottom=True)
        y += gap + 0.25
        ax_e = fig.add_axes(box(y, eqtl_in), sharex=ax)
        if page.eqtl is not None:
            ax_e.scatter(page.eqtl[0], page.eqtl[1], s=5, color=COND_BLUE, linewidths=0)
        else:
            ax_e.text(0.5, 0.5, "no weights of the --eqtl_model for this feature", transform=ax_e.transAxes,
                      ha="center", va="center", fontsize=7, color="#4d4d4d")
        ax_e.set_ylim(bottom=0)
        ax_e.set_ylabel("eQTL -log10(P)", fontsize=8)
        ax_e.set_xlabel(xlabel, fontsize=8)
        ax_e.tick_params(labelsize=7)
        ax_e.spines[["top", "right"]].set_visible(False)
    else:
        ax.set_xlabel(xlabel, fontsize=8)
    if has_scatter:
        left = AX_LEFT + main_w + 0.7
        ax_s = fig.add_axes(box(top_in + gene_in + gap, gwas_in, left, FIG_W - left - AX_RIGHT))
        if page.scatter is not None:
            ld, z, slope = page.scatter
            ax_s.scatter(ld, z, s=5, color="#252525", linewidths=0)
            zmax = float(np.nanmax(np.abs(z))) if np.any(np.isfinite(z)) else 1.0
            ax_s.set_xlim(-1, 1)
            ax_s.set_ylim(-zmax, zmax)
            ax_s.plot([-1, 1], [-slope, slope], linestyle="--", color="#4d4d4d", linewidth=0.8)
        ax_s.set_xlabel("Corr. to TWAS", fontsize=8)
        ax_s.set_ylabel("GWAS Z-score", fontsize=8)
        ax_s.tick_params(labelsize=7)
        ax_s.spines[["top", "right"]].set_visible(False)
    return fig


def plot_locus(path: str, plot: LocusPlot) -> None:
    """Write the locus PDF (one page per LocusPage), atomically."""
    with atomic_open(path, "wb") as fh:
        with PdfPages(fh, metadata={"Creator": "twascli", "CreationDate": None}) as pdf:
            for page in plot.pages:
                pdf.savefig(_page_figure(page, plot))


def hclust_order(r2: np.ndarray) -> np.ndarray:
    """corrplot's order='hclust': complete linkage on 1 - value, leaf order."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    m = r2.shape[0]
    if m < 3:
        return np.arange(m)
    d = np.clip(1.0 - np.nan_to_num(r2, nan=0.0), 0.0, None)
    np.fill_diagonal(d, 0.0)
    d = (d + d.T) / 2
    return leaves_list(linkage(squareform(d, checks=False), method="complete"))


def plot_corr_pdf(path: str, r2: np.ndarray, labels: list[str]) -> None:
    """OUT.corrplot.pdf: upper-triangle heat map of feature r^2 with values, hclust-ordered."""
    from matplotlib.colors import LinearSegmentedColormap

    m = r2.shape[0]
    order = hclust_order(r2)
    mat = r2[np.ix_(order, order)]
    labs = [labels[i] for i in order]
    lab_in = max(text_width_in(t, 7.0) for t in labs) + 0.2 if labs else 1.0
    cell = 0.42
    grid = max(1.5, cell * m)
    w_in, h_in = lab_in + grid + 1.1, lab_in + grid + 0.3
    fig = Figure(figsize=(w_in, h_in))
    ax = fig.add_axes([lab_in / w_in, 0.15 / h_in, grid / w_in, grid / h_in])
    cmap = LinearSegmentedColormap.from_list("r2", ["white", "red"])
    shown = np.where(np.triu(np.ones((m, m), dtype=bool)), mat, np.nan)
    im = ax.imshow(shown, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    fs = 7.0
    for i in range(m):
        for j in range(i, m):
            if np.isfinite(mat[i, j]):
                ax.text(j, i, f"{mat[i, j]:.2f}", ha="center", va="center", fontsize=fs)
    ax.set_xticks(range(m))
    ax.set_xticklabels(labs, rotation=90, fontsize=fs)
    ax.xaxis.tick_top()
    ax.set_yticks(range(m))
    ax.set_yticklabels(labs, fontsize=fs)
    for s in ax.spines.values():
        s.set_visible(False)
    cax = fig.add_axes([(lab_in + grid + 0.25) / w_in, 0.15 / h_in, 0.12 / w_in, grid / h_in])
    cb = fig.colorbar(im, cax=cax)
    cb.set_label("r$^2$ of predicted expression", fontsize=7)
    cb.ax.tick_params(labelsize=6)
    with atomic_open(path, "wb") as fh:
        with PdfPages(fh, metadata={"Creator": "twascli", "CreationDate": None}) as pdf:
            pdf.savefig(fig)
