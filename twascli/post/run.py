"""`post-process` (FUSION.post_process.R): joint/conditional TWAS, per-locus conditional GWAS, reports,
omnibus test, LD scores and locus plots, writing FUSION's files with FUSION's names and layouts.
"""

from __future__ import annotations

import os

import numpy as np

from twascli import rformat
from twascli.chrom import chr_file_prefix
from twascli.core import postproc as pp
from twascli.errors import TwasError
from twascli.genome import default_glist, parse_mhc
from twascli.phenos import PhenoMap, check_mapped, load_pheno_map
from twascli.io.atomic import all_or_nothing
from twascli.io.outguard import check_no_clobber, check_out_location, prefixed_outputs
from twascli.io.plink import Genotypes, read_plink
from twascli.optcheck import check_count, check_fraction, check_range
from twascli.post.inputs import Features, Predicted, aligned_gwas_z, predict_features, r_type_convert, read_features, read_glist
from twascli.post.options import Digits, PostOptions, fmt_cat
from twascli.post.results import LocusResult, Log, PostResult, write_output


__all__ = ["PostOptions", "PostResult", "Log", "run_post_process"]


def validate(opts: PostOptions, log: Log) -> None:
    """Check flag combinations; FUSION's plot warnings."""
    parse_mhc(opts.mhc)
    if opts.plot_legend is not None and opts.plot_legend not in ("all", "joint"):
        raise TwasError(f"--plot_legend must be 'all' or 'joint', not '{opts.plot_legend}'")
    if opts.verbose is None:
        opts.verbose = 1
    check_count("--locus_win", opts.locus_win)
    check_range("--minp_input", opts.minp_input, 0, lo_open=True)  # a filter TWAS.P < x: above 1 keeps all
    check_fraction("--max_r2", opts.max_r2)
    check_fraction("--min_r2", opts.min_r2)
    if opts.min_r2 > opts.max_r2:
        raise TwasError(f"--min_r2 {opts.min_r2:g}: must not exceed --max_r2 ({opts.max_r2:g})")
    check_range("--max_cz_increase", opts.max_cz_increase, 0)
    check_range("--zthresh", opts.zthresh, 0)
    if opts.finemap:
        from twascli.post import finemap as fmod  # FOCUS and the other modes: imported when used

        fmod.validate(opts)
    if opts.plot:
        if opts.plot_eqtl and opts.plot_scatter:
            log.warn("WARNING: both --plot_eqtl and --plot_scatter cannot be enabled, plotting eQTL only")
            opts.plot_scatter = False
    elif opts.plot_individual or opts.plot_legend is not None or opts.plot_eqtl:
        log.warn("WARNING: plotting flags set without --plot, figures will not be generated")


# every file post-process may write, as suffixes of --out
OUTPUT_SUFFIXES = (r"\.(report|joint_included\.dat|joint_dropped\.dat|CORR\.dat|omnibus\.pv|l2\.ldscore\.gz"
                   r"|l2\.M_5_50|corrplot\.pdf|loc_\d+\.(pdf|cond|cond\.csv|genes|focus))")


def guard_outputs(opts: PostOptions, feats: Features) -> None:
    """Before any work: --out is a usable prefix and no output would replace an input."""
    check_out_location(opts.out)
    ref = chr_file_prefix(opts.ref_ld_chr, opts.chr)
    inputs = [opts.input, opts.sumstats, opts.glist, ref + ".bed", ref + ".bim", ref + ".fam", *feats.file]
    outputs = [opts.out + s for s in (".report", ".joint_included.dat", ".joint_dropped.dat", ".CORR.dat",
                                      ".omnibus.pv", ".l2.ldscore.gz", ".l2.M_5_50", ".corrplot.pdf")]
    check_no_clobber(outputs + prefixed_outputs(opts.out, OUTPUT_SUFFIXES), inputs)


def run_post_process(opts: PostOptions, log: Log | None = None) -> PostResult:
    """Run FUSION's post-processing with OPTS and write its output files (all of them, or none on failure)."""
    log = log or Log(opts.verbose)
    validate(opts, log)
    main_path = not (opts.omnibus or opts.ldsc)
    need = ("FILE", "ID", "CHR", "P0", "P1", "TWAS.Z", "MODEL") if main_path else ("FILE", "ID", "CHR", "TWAS.Z", "MODEL")
    feats = read_features(opts.input, opts.chr, opts.minp_input, need)
    pmap = load_pheno_map(opts.pheno_map, opts.gene_regex)
    check_mapped(pmap, [str(v) for v in feats.id])
    if main_path and opts.sumstats is None:
        raise TwasError("--sumstats is required (except with --omnibus or --ldsc)")
    guard_outputs(opts, feats)
    with all_or_nothing():
        return _run(opts, feats, log, pmap, main_path)


def _run(opts: PostOptions, feats: Features, log: Log, pmap: PhenoMap, main_path: bool) -> PostResult:
    """The analysis proper, once the inputs and outputs are checked."""
    digits = Digits.of(opts.digits)
    result = PostResult()
    genos = read_plink(chr_file_prefix(opts.ref_ld_chr, opts.chr), light=True)
    # the GWAS is read before any output is written, so that a bad file leaves none
    gwas_z = aligned_gwas_z(opts.sumstats, genos, opts.match_by) if main_path and len(feats) else None
    glist = None
    if opts.plot:
        spec = _glist_spec(opts, log)
        glist = read_glist(spec, opts.chr) if spec is not None else None

    if opts.omnibus:
        from twascli.post.modes import run_omnibus

        run_omnibus(opts, feats, genos, digits, log, result, gene_of=pmap.gene)
        return result
    if len(feats) == 0:
        log.warn(f"WARNING: no features in {opts.input} on chromosome {opts.chr} with TWAS.P < {opts.minp_input}; nothing to analyse")
        if opts.report and not opts.ldsc:
            write_output(opts.out + ".report", _report_header(opts.finemap, pmap), result)
        return result

    pred = predict_features(feats, genos, opts.eqtl_model if opts.plot_eqtl else None, log.warn, opts.top1_single_snp,
                              opts.fix_true_alleles)
    if opts.ldsc:
        from twascli.post.modes import run_ldsc

        run_ldsc(opts, genos, pred.ge[:, ~pred.constant], digits, result)
        return result
    n_considered = len(feats)
    if pred.constant.any():
        keep = ~pred.constant
        feats = feats.subset(keep)
        pred = Predicted(
            pred.ge[:, keep], pred.snp_used, pred.constant[keep],
            [e for e, k in zip(pred.eqtl_pos, keep) if k] if pred.eqtl_pos else [],
            [e for e, k in zip(pred.eqtl_z, keep) if k] if pred.eqtl_z else [],
            pred.raw_sd[keep] if pred.raw_sd is not None else None,
            [e for e, k in zip(pred.weights, keep) if k] if pred.weights else [],
        )
    result.n_features = len(feats)
    if len(feats) == 0:
        if opts.report:
            write_output(opts.out + ".report", _report_header(opts.finemap, pmap), result)
        return result
    run_main(opts, feats, pred, genos, n_considered, glist, digits, log, result, gwas_z, pmap)
    return result


def _glist_spec(opts: PostOptions, log: Log) -> str | None:
    """The plot's gene list: --glist (none: no track); else FUSION's ./glist-hg19 or the built-in
    list of a human --mhc build; else (--mhc none or a region: not human) no gene track."""
    if opts.glist is not None:
        return None if opts.glist.lower() == "none" else opts.glist
    mhc = parse_mhc(opts.mhc)
    build = default_glist(mhc)
    if build is None:
        log.warn(f"NOTE: --mhc {mhc.spec} without --glist: locus plots have no gene track (give --glist FILE or a GTF)")
        return None
    if build == "hg19" and os.path.exists("glist-hg19"):
        return "glist-hg19"
    return build


# --------------------------------------------------------------------------- main analysis


def run_main(
    opts: PostOptions, feats: Features, pred: Predicted, genos: Genotypes, n_considered: int,
    glist, digits: Digits, log: Log, result: PostResult, gwas_z: np.ndarray | None = None,
    pmap: PhenoMap | None = None,
) -> None:
    """Joint model across the chromosome, then loci, conditional GWAS, reports and plots.

    GWAS_Z: the GWAS aligned to the panel (aligned_gwas_z), read here when not given."""
    if gwas_z is None:
        gwas_z = aligned_gwas_z(opts.sumstats, genos, opts.match_by)
    ld = pp.r_cor(pred.ge)
    z = feats.z
    zthresh = opts.zthresh if opts.zthresh else pp.bonferroni_z(n_considered)
    log.info(
        f"{n_considered} weights considered, a weight must have Z^2 > {fmt_cat(zthresh**2, digits.cat)} "
        "to be retained in the model", 2,
    )
    if opts.plot_corr:
        from twascli.post.plot_pages import plot_corr  # matplotlib: only when plotting

        plot_corr(opts, feats, ld, digits, log, result)
    ld_raw = ld  # FOCUS fine-mapping uses the correlation before the --min_r2 zeroing
    ld = np.where(ld * ld < opts.min_r2, 0.0, ld)

    if not pp._any_above(z, zthresh * zthresh):
        log.info(
            f"WARNING: no models had an absolute marginal association statistic higher than "
            f"{fmt_cat(zthresh, digits.cat)}. Skipping", 1,
        )
    else:
        sel = pp.select_global(z, ld, zthresh, opts.max_r2, opts.max_cz_increase)
        _log_events(sel, feats, log, digits, False, result.warned)
        result.singular_features += [str(feats.file[i]) for i in sel.singular]
        finite = sel.final_cond_z[np.isfinite(sel.final_cond_z)] if sel.final_cond_z is not None else []
        log.info(f"final best conditional Z^2 = {fmt_cat(float(np.max(np.square(finite))) if len(finite) else 0.0, digits.cat)}", 2)
        result.joint_keep = sel.keep
        jr = pp.joint_estimates(z, ld, sel.keep)
        write_output(opts.out + ".joint_included.dat", joint_table(feats, jr, digits.table, included=True), result)
        write_output(opts.out + ".joint_dropped.dat", joint_table(feats, jr, digits.table, included=False), result)

    pos = np.asarray(genos.bim["pos"], dtype=np.int64)
    starts, ends = pp.contiguous_loci(pred.snp_used, pos, opts.locus_win)
    log.info(f"{len(starts)} strictly non-overlapping loci", 1)
    cstarts, cends = pp.consolidate_loci(starts, ends)
    log.info(f"consolidated to {len(cstarts)} non-overlapping loci with {opts.locus_win} bp buffer", 1)

    report_lines = [_report_header(opts.finemap, pmap)] if opts.report else []
    for i, (s, e) in enumerate(zip(cstarts, cends), start=1):
        loc = analyse_locus(i, int(s), int(e), opts, feats, pred, genos, ld, gwas_z, zthresh, digits, log, result)
        if loc is None:
            continue
        result.loci.append(loc)
        if opts.finemap:
            from twascli.post import finemap as fmod

            loc.finemap = fmod.finemap_locus(opts, loc, feats, pred, genos, ld_raw)
            fmod.write_focus(opts, loc, loc.finemap, feats, result)
            null_pip, cred = fmod.report_fields(loc.finemap, feats)
            log.info(f"locus {i}: FOCUS {opts.finemap_credible:g} credible set {cred} (null model PIP {null_pip}, "
                     f"{loc.finemap.res.n_configs} configurations)", 2)
        write_locus_files(opts, loc, feats, genos, digits, result, pmap)
        _print_locus_lines(loc, log, digits)
        if opts.report:
            report_lines.append(_report_row(opts, loc, feats, genos, digits, pmap))
        if opts.plot:
            from twascli.post.draw import plot_locus
            from twascli.post.plot_pages import build_locus_plot

            path = f"{opts.out}.loc_{i}.pdf"
            plot_locus(path, build_locus_plot(opts, loc, feats, pred, genos, glist))
            result.files.append(path)
    if opts.report:
        write_output(opts.out + ".report", "".join(report_lines), result)


PERFECT_R2 = 1.0 - 1e-9


def _log_events(sel: pp.Selection, feats: Features, log: Log, digits: Digits, per_locus: bool, warned: set[int]) -> None:
    """FUSION's --verbose 2 lines about each selection step, plus warnings (once per feature)
    for features that are perfectly correlated with, or linear combinations of, the model."""
    for ev in sel.events:
        i = ev.index
        f = feats.file[i]
        if ev.kind == "added":
            log.info(f"{f} added to model with conditional Z-score of {fmt_cat(ev.value, digits.cat)}", 2)
        elif ev.kind == "max_r2":
            if ev.value >= PERFECT_R2 and i not in warned:
                warned.add(i)
                log.info(f"WARNING: {f} ({feats.id[i]}) is perfectly correlated (r^2 = 1) with a feature in the joint "
                         "model (duplicate model?); it is treated as the same feature and left out", 1)
            elif not per_locus:
                log.info(f"{f} dropped from the model due to correlation higher than --max_r2 to other genes in the model", 2)
        elif ev.kind == "negvar" and not per_locus:
            log.info(f"{f} dropped from the model due to misspecified correlation with other genes", 2)
        elif ev.kind == "collinear" and i not in warned:
            warned.add(i)
            log.info(f"WARNING: {f} ({feats.id[i]}) is a linear combination of features in the joint model "
                     "(conditional variance 0); its conditional Z-score is set to 0", 1)
        elif ev.kind == "unstable":
            log.info(
                f"{f} became more significant after conditional analysis and is dropped from the model "
                "(this is usually a sign of LD mismatch or a complex locus)", 2,
            )
        elif ev.kind == "singular":
            where = " in this locus" if per_locus else ""
            log.warn(
                f"WARNING: {f} ({feats.id[i]}) left out of the joint model{where}: its predicted expression is "
                "(nearly) a linear combination of features already in the model (singular gene correlation matrix)"
            )


def joint_table(feats: Features, jr: pp.JointResult, digits: int, included: bool) -> str:
    """OUT.joint_included.dat / OUT.joint_dropped.dat as write.table(format(df, digits=2))."""
    if included:
        idx, cols = jr.keep_idx, {
            "JOINT.BETA": jr.joint_b, "JOINT.BETA.SE": jr.joint_se, "JOINT.Z": jr.joint_z, "JOINT.P": jr.joint_p,
        }
    else:
        idx, cols = jr.drop_idx, {
            "COND.BETA": jr.cond_b, "COND.BETA.SE": jr.cond_se, "COND.Z": jr.cond_z, "COND.P": jr.cond_p,
        }
    df = {
        "FILE": [str(v) for v in feats.file[idx]],
        "ID": [str(v) for v in feats.id[idx]],
        "TWAS.Z": feats.z[idx],
        "TWAS.P": feats.p[idx],
    }
    df.update({k: np.asarray(v, dtype=float) for k, v in cols.items()})
    if len(idx) == 0:
        return "\t".join(df.keys()) + "\n"
    return rformat.write_table(rformat.format_df(df, digits, nan_is_na=False), sep="\t")


def analyse_locus(
    number: int, start: int, end: int, opts: PostOptions, feats: Features, pred: Predicted,
    genos: Genotypes, ld: np.ndarray, gwas_z: np.ndarray, zthresh: float, digits: Digits, log: Log,
    result: PostResult,
) -> LocusResult | None:
    """Per-locus joint model and conditional GWAS; None when no feature passes --zthresh."""
    in_locus = (feats.p0 < end) & (feats.p1 > start)
    cond0 = np.where(in_locus, feats.z, 0.0)
    if not pp._any_above(cond0, zthresh * zthresh):
        log.info(
            f"WARNING: no models in CLUMP {number} had an absolute marginal association statistic higher than "
            f"{fmt_cat(zthresh, digits.cat)}. Skipping", 1,
        )
        return None
    sel = pp.select_locus(feats.z, ld, in_locus, zthresh, opts.max_r2)
    _log_events(sel, feats, log, digits, True, result.warned)
    result.singular_features += [str(feats.file[i]) for i in sel.singular if str(feats.file[i]) not in result.singular_features]
    jidx = np.flatnonzero(sel.keep)
    dinv = pp.r_solve_inverse(ld[np.ix_(jidx, jidx)])
    pos = np.asarray(genos.bim["pos"], dtype=np.int64)
    snp_idx = np.flatnonzero((pos > start) & (pos < end))
    xs = pp.scaled_columns(genos.dosage, snp_idx)
    snp = pp.snp_conditional(xs, pred.ge[:, jidx], gwas_z[snp_idx], feats.z[jidx], dinv, opts.max_r2)
    top_cor = np.zeros(int(in_locus.sum()))
    if opts.report:
        top = _which_max_sq(snp.z)
        if top is not None:
            n = genos.n
            cor = xs[:, top] @ pred.ge[:, in_locus] / (n - 1)
            top_cor = rformat.r_round(cor, 2)
        else:
            top_cor = np.full(int(in_locus.sum()), np.nan)
    return LocusResult(number, start, end, in_locus, sel.keep, snp_idx, snp, np.atleast_1d(top_cor))


def _which_max_sq(z: np.ndarray) -> int | None:
    """R which.max(z^2): first maximum, NA ignored; None when all are NA."""
    if not np.any(np.isfinite(z)):
        return None
    return int(np.argmax(np.where(np.isnan(z), -np.inf, z * z)))


def write_locus_files(opts: PostOptions, loc: LocusResult, feats: Features, genos: Genotypes, digits: Digits, result: PostResult,
                      pmap: PhenoMap | None = None) -> None:
    """OUT.loc_N.cond (--save_loci), OUT.loc_N.cond.csv and OUT.loc_N.genes (--report)."""
    bim = genos.bim
    snps = [str(s) for s in np.asarray(bim["snp"])[loc.snp_idx]]
    pos = np.asarray(bim["pos"], dtype=np.int64)[loc.snp_idx]
    s = loc.snp
    if opts.save_loci:
        df = {"SNP": snps, "POS": pos, "GWAS.Z": s.z, "GWAS.P": s.p, "GWAS_cond.Z": s.cond_z, "GWAS_cond.P": s.cond_p}
        text = rformat.write_table(rformat.format_df(df, digits.table, nan_is_na=False), sep="\t")
        write_output(f"{opts.out}.loc_{loc.number}.cond", text, result)
    if opts.report:
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = pp.with_na(-np.log10(s.p), pp.is_na(s.p))
            logp_cond = pp.with_na(-np.log10(s.cond_p), pp.is_na(s.cond_p))
        df = {"SNP": snps, "POS": pos, "GWAS.LOGP": logp, "GWAS_cond.LOGP": logp_cond}
        text = rformat.write_table(rformat.format_df(df, digits.table, trim=True, nan_is_na=False), sep=",")
        write_output(f"{opts.out}.loc_{loc.number}.cond.csv", text, result)
        write_output(f"{opts.out}.loc_{loc.number}.genes", genes_table(feats, loc, pmap), result)


def genes_table(feats: Features, loc: LocusResult, pmap: PhenoMap | None = None) -> str:
    """OUT.loc_N.genes: the --input rows of the locus' features (re-typed as R reads them), JOINT, TOP.SNP.COR;
    with a phenotype map also each row's GENE (SYMBOL, TISSUE, MODALITY where the map has them)."""
    rows = feats.table.rows(loc.in_locus)
    cols: dict[str, object] = {}
    for c in rows.columns:
        cols[c] = r_type_convert([str(v) for v in rows[c].tolist()])
    cols["JOINT"] = [bool(v) for v in loc.joint[loc.in_locus]]
    cols["TOP.SNP.COR"] = np.asarray(loc.top_snp_cor, dtype=float)
    if pmap is not None and not pmap.is_identity:
        infos = [pmap.info(str(v)) for v in feats.id[loc.in_locus]]
        cols["GENE"] = [i.gene for i in infos]
        for name, attr in (("SYMBOL", "symbol"), ("TISSUE", "tissue"), ("MODALITY", "modality")):
            if any(getattr(i, attr) for i in infos):
                cols[name] = [getattr(i, attr) or "NA" for i in infos]
    if loc.finemap is not None:
        from twascli.post import finemap as fmod

        pip, cs = fmod.pip_of(loc.finemap, len(feats))
        cols["PIP"] = rformat.r_round(pip[loc.in_locus], 4)
        cols["IN.CRED.SET"] = [bool(v) for v in cs[loc.in_locus]]
    return rformat.write_table(cols, sep="\t")


#: OUT.report columns a phenotype map adds: phenotypes in the locus and each gene with its phenotypes.
REPORT_MAP_COLUMNS = ["HIT.PHENOS", "GENE.PHENOS"]


def _report_header(finemap: bool = False, pmap: PhenoMap | None = None) -> str:
    cols = ["FILE", "CHR", "P0", "P1", "HIT.GENES", "JOINT.GENES", "BEST.TWAS.P", "BEST.SNP.P", "COND.SNP.P", "VAR.EXP"]
    if pmap is not None and not pmap.is_identity:
        cols += REPORT_MAP_COLUMNS
    if finemap:
        cols += ["FOCUS.NULL.PIP", "FOCUS.CRED.SET"]
    return "\t".join(cols) + "\n"


def gene_phenos(ids, pmap: PhenoMap) -> dict[str, list[str]]:
    """{gene: its phenotype IDs} in order of first appearance."""
    out: dict[str, list[str]] = {}
    for i in map(str, ids):
        out.setdefault(pmap.gene(i), [])
        if i not in out[pmap.gene(i)]:
            out[pmap.gene(i)].append(i)
    return out


def _best_chisq(loc: LocusResult) -> tuple[float, float, float]:
    """(best GWAS chisq, its chisq after conditioning, best conditioned chisq) as FUSION prints them."""
    z = loc.snp.z
    cz = loc.snp.cond_z
    best = float(np.nanmax(z * z)) if np.any(np.isfinite(z)) else float("-inf")
    top = _which_max_sq(z)
    cond_at_top = float(cz[top] ** 2) if top is not None else float("nan")
    best_cond = float(np.nanmax(cz * cz)) if np.any(~np.isnan(cz)) else float("-inf")
    return best, cond_at_top, best_cond


def _print_locus_lines(loc: LocusResult, log: Log, digits: Digits) -> None:
    best, at_top, best_cond = _best_chisq(loc)
    i = loc.number
    log.stdout(f"locus {i} best GWAS Chisq\t{fmt_cat(best, digits.cat)}")
    log.stdout(f"locus {i} best GWAS Chisq conditioned\t{fmt_cat(at_top, digits.cat)}")
    log.stdout(f"locus {i} best conditioned Chisq\t{fmt_cat(best_cond, digits.cat)}")


def _report_row(opts: PostOptions, loc: LocusResult, feats: Features, genos: Genotypes, digits: Digits,
                pmap: PhenoMap | None = None) -> str:
    """One OUT.report line, as FUSION's cat(..., sep='\\t') writes it (trailing tab included).

    With a phenotype map HIT.GENES and JOINT.GENES count genes, and HIT.PHENOS, GENE.PHENOS
    (GENE=pheno,pheno;GENE2=...) follow."""
    best, at_top, _ = _best_chisq(loc)
    pos = np.asarray(genos.bim["pos"], dtype=np.int64)[loc.snp_idx]
    ids = feats.id[loc.in_locus]
    best_p = pp.two_sided_p(np.sqrt(best))
    cond_p = pp.two_sided_p(np.sqrt(at_top))
    twas_p = feats.p[loc.in_locus]
    mapped = pmap is not None and not pmap.is_identity
    n_joint = int(loc.joint[loc.in_locus].sum())
    if mapped:
        by_gene = gene_phenos(ids, pmap)
        n_joint = len(gene_phenos(ids[loc.joint[loc.in_locus]], pmap))
    items = [
        f"{opts.out}.loc_{loc.number}", opts.chr, int(pos.min()), int(pos.max()),
        len(by_gene) if mapped else len(set(map(str, ids))), n_joint,
        float(np.nanmin(twas_p)) if np.any(~np.isnan(twas_p)) else float("inf"),
        float(best_p), float(cond_p), float(1 - at_top / best),
    ]
    if mapped:
        items += [sum(len(v) for v in by_gene.values()), ";".join(f"{g}={','.join(v)}" for g, v in by_gene.items())]
    if loc.finemap is not None:
        from twascli.post import finemap as fmod

        items += fmod.report_fields(loc.finemap, feats)
    return rformat.cat_str(*items, "\n", sep="\t", digits=digits.cat)
