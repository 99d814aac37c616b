"""Run assoc-test for one or many traits on one or all chromosomes, sharing the per-gene work.

FUSION runs once per trait and chromosome, re-reading the LD panel and every weight file and
recomputing every gene's LD each time. Here each trait's GWAS is read once, each chromosome's
panel once, each weight file and its LD once per chromosome, and every trait is tested against
them. The single-trait, single-chromosome call is the same code with one trait and one
chromosome, so outputs are byte-identical either way.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from twascli.assoc.gene import (
    NUMERIC_COLUMNS, AssocOptions, AssocResult, GeneTester, TraitData, align_trait, load_reference,
    prepare_gene, validate_coloc,
)
from twascli.assoc.gwas_qc import check_bim_duplicates, check_sumstats, drop_monomorphic
from twascli.assoc.status import gene_counts, harmonisation_line, status_table
from twascli.chrom import chr_file_prefix, chr_key, norm_chr, same_chr
from twascli.errors import TwasError
from twascli.io.assoc_output import write_assoc
from twascli.io.atomic import atomic_write_text
from twascli.io.outguard import check_no_clobber, check_out_location, check_stdout, prefixed_outputs
from twascli.io.plink import plink_files, read_variants
from twascli.io.sumstats import PanelSnps, read_sumstats, to_panel
from twascli.io.tables import read_table
from twascli.io.weights_list import read_panel_n, read_weight, read_weights_list, weight_file_path
from twascli.panels import check_panel_names
from twascli.progress import Progress


@dataclass
class TraitSpec:
    """One trait of a batch: its name (used in output names) and its sumstats file."""

    name: str
    sumstats: str
    n: float | None = None  # the trait's GWAS N for COLOC (the list's N column); None: --GWASN


def trait_name(path: str) -> str:
    """Trait name from a sumstats path: the file name without .gz and .sumstats."""
    name = os.path.basename(path)
    for ext in (".gz", ".sumstats", ".txt", ".tsv"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name


def read_trait_table(path: str) -> list[TraitSpec]:
    """A TRAIT SUMSTATS [N] table (header required); relative paths are relative to the table.

    N (optional): the trait's GWAS sample size for COLOC, instead of --GWASN (R numbers: 5e4)."""
    from twascli.numflags import r_numeric

    df = read_table(path, ["TRAIT", "SUMSTATS"], "trait table")
    base = os.path.dirname(os.path.abspath(path))
    ns: list[float | None] = [None] * len(df)
    if "N" in df.columns:
        ns = [r_numeric(v) if v not in ("", "NA") else None for v in df["N"]]
        bad = [v for v, n in zip(df["N"], ns) if v not in ("", "NA") and (n is None or not n >= 1)]
        if bad:
            raise TwasError(f"{path}: N column must hold positive sample sizes (found {bad[0]!r})")
    return [TraitSpec(t, s if os.path.isabs(s) else os.path.join(base, s), n)
            for t, s, n in zip(df["TRAIT"], df["SUMSTATS"], ns)]


def trait_gwas_n(spec: TraitSpec, gwasn: int | None, ss_n: float | None) -> float | None:
    """A trait's GWAS N for COLOC: its list N, else --GWASN (FUSION's, one for all), else the
    median N column of its sumstats."""
    for n in (spec.n, gwasn, ss_n):
        if n is not None:
            return int(n) if float(n).is_integer() else n
    return None


def chromosome_order(labels: list[str]) -> list[str]:
    """Distinct chromosome labels of a weights list, in natural order (1, 2, ..., 22, X)."""
    seen: dict[str, str] = {}
    for lab in labels:
        seen.setdefault(chr_key(lab), lab)  # X, chrX and 23 are one chromosome

    def key(c: str):
        return (0, int(c), "") if c.isdigit() else (1, 0, c)

    return [seen[c] for c in sorted(seen, key=key)]


def output_path(out: str, trait: str, chrom: str, single_trait: bool, chr_given: bool) -> str:
    """FUSION's --out for one trait and a given --chr; OUT[.TRAIT].CHR.dat for batches."""
    if single_trait and chr_given:
        return out
    if single_trait:
        return f"{out}.{norm_chr(chrom)}.dat"
    return f"{out}.{trait}.{norm_chr(chrom)}.dat"


def processing_order(wgtlist: pd.DataFrame, keep_list_order: bool) -> np.ndarray:
    """Rows in the order genes are processed: by position, so that models of the same gene
    in different panels (same window, same LD) follow each other and the caches hit."""
    if keep_list_order:
        return np.arange(len(wgtlist))
    return np.lexsort((wgtlist["P1"].to_numpy(), wgtlist["P0"].to_numpy()))


def _prepared(ref, wgtlist: pd.DataFrame, order: np.ndarray, weights_dir: str | None, threads: int,
              window: int = 64, fix_true_alleles: bool = False) -> Iterator:
    """(index, entry, file, GenePrep) in ORDER; reading + LD in threads, a bounded window ahead.

    The LD of a SNP set (and its ridge inverse) is computed once and reused while it stays among
    the last 16 sets.
    """
    cache: dict[bytes, object] = {}

    def ld_for(cols: np.ndarray):
        return cache.get(cols.tobytes())  # read from worker threads; only the main thread writes

    def job(i: int):
        entry = wgtlist.iloc[i]
        wgt_file = weight_file_path(weights_dir, entry["WGT"])
        model = read_weight(wgt_file, fix_true_alleles)
        return i, entry, wgt_file, prepare_gene(ref, model, ld_lookup=ld_for)

    def remember(prep) -> None:
        if prep.block is not None:
            key = prep.cols.tobytes()
            cache.pop(key, None)
            cache[key] = prep.block
            while len(cache) > 16:
                cache.pop(next(iter(cache)))

    if threads <= 1:
        for i in order:
            item = job(int(i))
            remember(item[3])
            yield item
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for start in range(0, len(order), window):
            for item in pool.map(job, (int(i) for i in order[start:start + window])):
                remember(item[3])
                yield item


def output_files(out: str, caviar: bool) -> list[str]:
    """Every file assoc-test may write for the output OUT (the table, .MHC, status log, coloc.susie, CAVIAR)."""
    files = [out] + [out + s for s in (".MHC", ".log", ".coloc.susie.summary", ".coloc.susie.results")]
    if caviar:
        files += prefixed_outputs(out, r"\..+\.CAVIAR\.(LD|EQTL\.Z|GWAS\.Z)")
    return files


def guard_outputs(opts: AssocOptions, traits: list[TraitSpec], chroms: list[str], prefixes: dict[str, str],
                  wgtlist: pd.DataFrame, extra_inputs: tuple[str, ...]) -> None:
    """Before any work: --out is usable and none of the outputs is one of the inputs."""
    check_out_location(opts.out)
    inputs = [t.sumstats for t in traits] + [opts.weights, opts.PANELN, *extra_inputs]
    inputs += [prefixes[c] + ext for c in chroms for ext in (".bed", ".bim", ".fam")]
    inputs += [weight_file_path(opts.weights_dir, w) for w in wgtlist["WGT"]]
    single = len(traits) == 1
    outputs = [f for t in traits for c in chroms
               for f in output_files(output_path(opts.out, t.name, c, single, opts.chr is not None), opts.caviar)]
    check_no_clobber(outputs, inputs)
    check_stdout(outputs, "output")  # `... --out X > X.log`: X.log is the status table


def run_batch(opts: AssocOptions, traits: list[TraitSpec], threads: int = 1,
              emit: Callable[[str], None] = print, progress: bool | None = None,
              mhc=None, extra_inputs: tuple[str, ...] = (),
              warn: Callable[[str], None] = lambda s: print(s, file=sys.stderr)) -> list[tuple[str, str, str, AssocResult]]:
    """Test every trait on the chromosome(s) asked; write each (trait, chromosome) output file.

    MHC: the --mhc region (twascli.genome.Mhc) whose models go to OUT.MHC; None = FUSION's.

    Returns (trait, chromosome, output path, result) per job. Inputs are all checked before any
    output is written.
    """
    from twascli.io import predictdb

    is_db = predictdb.is_db(opts.weights)
    wgtlist_all = predictdb.weights_list(opts.weights, opts.chr) if is_db else read_weights_list(opts.weights)
    if not is_db:
        check_panel_names(wgtlist_all, opts.weights)
    if opts.chr is not None:
        chroms = [c for c in chromosome_order(list(wgtlist_all["CHR"])) if same_chr(c, opts.chr)]
        if not chroms:
            raise TwasError(f"{opts.weights}: no weights on chromosome {opts.chr}")
    else:
        chroms = chromosome_order(list(wgtlist_all["CHR"]))
        if not chroms:
            raise TwasError(f"{opts.weights}: the weights list is empty")
    if opts.coloc_P is not None and "N" not in wgtlist_all.columns and opts.PANELN is not None and "PANEL" in wgtlist_all.columns:
        panel_n = read_panel_n(opts.PANELN)
        wgtlist_all["N"] = wgtlist_all["PANEL"].map(panel_n).astype(float)

    prefixes = {c: chr_file_prefix(opts.ref_ld_chr, c) for c in chroms}
    guard_outputs(opts, traits, chroms, prefixes,
                  wgtlist_all[wgtlist_all["CHR"].map(chr_key).isin({chr_key(c) for c in chroms})], extra_inputs)
    for c, p in prefixes.items():
        if not os.path.exists(plink_files(p)[0]):
            raise TwasError(f"{p}.bed: file not found (nor a PLINK 2 {p}.pgen)")
    bims = {c: read_variants(p) for c, p in prefixes.items()}
    for c, p in prefixes.items():
        check_bim_duplicates(plink_files(p)[1], bims[c]["snp"].to_numpy(), warn)
    if is_db:  # a .db has no gene positions: the span of each model's SNPs in the LD panel
        wgtlist_all = predictdb.panel_spans(wgtlist_all, {c: bims[c] for c in chroms}, same_chr)

    # read each GWAS once (several at a time with --threads), keep only its alignment to each
    # chromosome's panel
    panel_snps = PanelSnps(set().union(*(bims[c]["snp"] for c in chroms)))

    gwas_n: dict[str, float | None] = {}

    def align(spec: TraitSpec) -> dict[str, TraitData]:
        ss = check_sumstats(read_sumstats(spec.sumstats, panel_snps), warn)
        gwas_n[spec.name] = trait_gwas_n(spec, opts.GWASN, ss.n_median)
        validate_coloc(replace(opts, sumstats=spec.sumstats, GWASN=gwas_n[spec.name]), ss.has_beta_se, wgtlist_all)
        per_chr = {c: align_trait(bims[c], to_panel(ss, bims[c], opts.match_by)) for c in chroms}
        for c, td in per_chr.items():
            if not np.isfinite(td.z).any():
                raise TwasError(
                    f"{spec.sumstats}: no SNP overlaps the LD reference {prefixes[c]} (check SNP ids and chromosome)"
                )
        return per_chr

    if threads > 1 and len(traits) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            per_trait = list(pool.map(align, traits))
    else:
        per_trait = [align(spec) for spec in traits]
    aligned = {(spec.name, c): td for spec, per_chr in zip(traits, per_trait) for c, td in per_chr.items()}

    single = len(traits) == 1
    done = []
    for c in chroms:
        wgtlist = wgtlist_all[[same_chr(x, c) for x in wgtlist_all["CHR"]]].reset_index(drop=True)
        ref = load_reference(prefixes[c], bims.pop(c))
        drop_monomorphic(prefixes[c] + ".bed", ref, warn)
        logs: dict[str, list[str]] = {t.name: [] for t in traits}
        testers = {
            t.name: GeneTester(replace(opts, sumstats=t.sumstats, GWASN=gwas_n[t.name],
                                       out=output_path(opts.out, t.name, c, single, opts.chr is not None)),
                               aligned[(t.name, c)], wgtlist, log=logs[t.name].append,
                               shared_precision=len(traits) > 2)
            for t in traits
        }
        bar = Progress(len(wgtlist), f"chr{norm_chr(c)}", enabled=progress, every=25)
        order = processing_order(wgtlist, keep_list_order=opts.coloc_P is not None or opts.coloc_susie_P is not None)
        prepared = _prepared(ref, wgtlist, order, None if is_db else opts.weights_dir, threads,
                             fix_true_alleles=opts.fix_true_alleles)
        seen_models: set[str] = set()
        counts: dict[str, dict[int, dict[str, int]]] = {t.name: {} for t in traits}
        for index, entry, wgt_file, prep in prepared:
            seen_models.update(prep.model.models)
            for t in traits:
                testers[t.name].add(index, entry, wgt_file, prep)
                counts[t.name][index] = gene_counts(prep, aligned[(t.name, c)])
            bar.step()
        bar.close()
        del ref, prepared
        prep = None  # the last gene's LD block refers to this chromosome's panel: free it now
        if opts.force_model is not None and seen_models and opts.force_model not in seen_models:
            # FUSION writes its table with every gene skipped: kept (parity), but said once, plainly
            warn(f"WARNING: --force_model {opts.force_model}: no weight file on chromosome {norm_chr(c)} has this "
                 f"model (models found: {', '.join(sorted(seen_models))}); every gene is skipped")
        for t in traits:
            tester = testers[t.name]
            result = tester.finish()
            out = tester.opts.out
            if not single or opts.chr is None:
                emit(f"== {t.name} chr{norm_chr(c)} -> {out}")
            for line in logs[t.name]:
                emit(line)
            write_result(out, result, opts.digits, emit, mhc)
            files = [weight_file_path(None if is_db else opts.weights_dir, w) for w in wgtlist["WGT"]]
            atomic_write_text(out + ".log", status_table(wgtlist, files, counts[t.name], result))
            if result.coloc_gaps:
                warn(f"WARNING: {tester.opts.sumstats}: COLOC is NA for {len(result.coloc_gaps)} gene(s) whose SNPs "
                     f"lack BETA/SE in the GWAS (imputed SNPs): {', '.join(result.coloc_gaps)}; "
                     "--coloc_beta_from_z uses z/sqrt(GWASN) there")
            n_tested = result.n_total - result.n_failed
            warn(harmonisation_line(t.name, norm_chr(c), aligned[(t.name, c)], n_tested, result.n_total, out + ".log"))
            done.append((t.name, c, out, result))
    return done


def write_result(out: str, result: AssocResult, digits: int | None, emit: Callable[[str], None], mhc=None) -> None:
    """FUSION's closing messages, then OUT, OUT.MHC and the coloc.susie tables."""
    emit("Analysis completed.")
    emit(f"NOTE: {result.n_failed} / {result.n_total} genes were skipped")
    if result.n_total and result.n_failed / result.n_total > 0.1:
        emit("If a large number of genes were skipped, verify that your GWAS Z-scores, expression "
             "weights, and LDREF data use the same SNPs (or nearly)")
        emit("Or consider pre-imputing your summary statistics to the LDREF markers using "
             "summary-imputation software such as [https://github.com/bogdanlab/fizi]")
    wrote_mhc = write_assoc(out, result.columns, result.rows, NUMERIC_COLUMNS, 3 if digits is None else digits,
                            announce=lambda: emit(f"Results in the MHC are written to {out}.MHC , evaluate "
                                                  "with caution due to complex LD structure"), mhc=mhc)
    if result.susie_summary or result.susie_results:
        from twascli.assoc.coloc import write_susie_tables

        write_susie_tables(out, result)
    del wrote_mhc
