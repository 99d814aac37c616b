"""`twascli hub`: build a static, browsable TWAS hub site from assoc-test/post-process outputs."""

from __future__ import annotations

import os
import sys
from typing import List, Optional

import typer

HELP = """Build a static TWAS hub website: traits, loci and genes pages (no R,
Ruby or network needed to view it).

\b
--traits is a tab-separated table with a header line. Columns (paths are
relative to the table file):
  id           trait id: letters, digits, '.', '_', '-'       (required)
  name         display name (default: the id)
  N            GWAS sample size
  description  free text
  tags         comma-separated tags (filters on the traits index)
  assoc        assoc-test output prefix: reads <assoc>.<chr>.dat and
               <assoc>.<chr>.dat.MHC                          (required)
  post         post-process prefix (--report run): reads <post>.<chr>.report,
               .loc_N.genes, .loc_N.cond.csv, .loc_N.focus (fine-mapping),
               .joint_included.dat and .joint_dropped.dat; empty when none
Other columns are shown on the trait page; '#' lines are ignored.

\b
Example (columns separated by tabs):
  id       name    N       description   tags    assoc          post
  height   Height  250000  Adult height  body    assoc/height   post/height

Re-running with the same --out updates the site incrementally: only traits
whose files or table row changed are read again, and only the pages they
affect are rewritten."""


def hub(
    traits: str = typer.Option(..., "--traits", help="Trait table (TSV; see above)"),
    out: str = typer.Option(..., "--out", help="Site directory (created; updated in place when it is already a hub)"),
    weights: Optional[List[str]] = typer.Option(None, "--weights", help="Weights list(s) (.pos: WGT ID CHR P0 P1 [PANEL]); repeatable"),
    profile: Optional[List[str]] = typer.Option(None, "--profile", help="FUSION.profile_wgt.R output of a panel, as PANEL=PATH or PATH named PANEL.profile; repeatable"),
    pthresh: Optional[float] = typer.Option(None, "--pthresh", help="TWAS P threshold for significance (default: Bonferroni, 0.05 / models tested per trait)"),
    title: str = typer.Option("TWAS hub", "--title", help="Site title"),
    downloads: str = typer.Option("archive", "--downloads", help="Result files offered for download: archive (one .tar.gz per trait, the default), copy, gzip (compressed copies), link (hard links) or none"),
    mhc: str = typer.Option("hg19", "--mhc", help="MHC region whose models are shown but not counted: hg19 (FUSION's chr6:26-34 Mb), hg38, none, or CHR:START-END"),
    pheno_map: Optional[str] = typer.Option(None, "--pheno_map", "--pheno-map", help="Phenotype -> gene table (ID GENE [SYMBOL TISSUE MODALITY]): gene pages group phenotypes, counts count genes"),
    gene_regex: Optional[str] = typer.Option(None, "--gene_regex", "--gene-regex", help="Gene of a phenotype ID by regex (first group, else the match), e.g. '^([^:]+)'"),
    pages: Optional[str] = typer.Option(None, "--pages", help="Directory of Markdown pages: home.md (home text), about.md, usage.md, citation.md, ... (one top-bar page each)"),
    panels: Optional[str] = typer.Option(None, "--panels", help="Panels table (TSV: PANEL [TISSUE MODALITY N]) for the panels page"),
    orthologs: Optional[str] = typer.Option(None, "--orthologs", help="Ortholog/alias table (TSV: GENE and any name columns) searched with the gene IDs"),
    force: bool = typer.Option(False, "--force", help="Rebuild every page, ignoring the manifest"),
    jobs: int = typer.Option(0, "--jobs", help="Processes reading traits in parallel (0: one per CPU; used from 8 changed traits)"),
    verbose: int = typer.Option(1, "--verbose", help="0 = nothing, 1 = summary, 2 = every trait"),
) -> None:
    """Build or update a hub site at OUT from the traits table, weights lists and profiles."""
    from twascli.hub.build import HubOptions, build_hub
    from twascli.optcheck import check_count, check_p

    check_p("--pthresh", pthresh)
    check_count("--jobs", jobs)

    opts = HubOptions(traits=traits, out=out, weights=list(weights or []), profiles=list(profile or []),
                      pthresh=pthresh, title=title, downloads=downloads, force=force, jobs=jobs, mhc=mhc,
                      pheno_map=pheno_map, gene_regex=gene_regex, pages=pages, panels=panels, orthologs=orthologs)
    log = (lambda msg: print(msg, file=sys.stderr)) if verbose >= 2 else (lambda msg: None)
    res = build_hub(opts, log=log)
    if verbose >= 1:
        for w in res.warnings:
            print(f"hub: warning: {w}", file=sys.stderr)
        kind = "built" if res.full else "updated"
        print(
            f"hub: {kind} {out} in {res.seconds:.1f} s: {len(res.parsed)} trait(s) read, {len(res.reused)} unchanged, "
            f"{len(res.removed)} removed, {res.written} file(s) written; open {os.path.join(out, 'index.html')}",
            file=sys.stderr,
        )
