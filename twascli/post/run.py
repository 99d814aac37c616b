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
from twascli.io.plink import Genotypes, read_plink
from twascli.post.inputs import Features, Predicted, aligned_gwas_z, predict_features, r_type_convert, read_features, read_glist
from twascli.post.options import Digits, PostOptions, fmt_cat
from twascli.post.results import LocusResult, Log, PostResult, write_output
from twascli.post.modes import run_ldsc, run_omnibus

__all__ = ["PostOptions", "PostResult", "Log", "run_post_process"]


def validate(opts: PostOptions, log: Log) -> None:
    """Check flag combinations; FUSION's plot warnings."""
    if opts.plot_legend is not None and opts.plot_legend not in ("all", "joint"):
        raise TwasError(f"--plot_legend must be 'all' or 'joint', not '{opts.plot_legend}'")
    if opts.verbose is None:
        opts.verbose = 1
    if opts.locus_win < 0:
        raise TwasError("--locus_win must be >= 0")
    if opts.plot:
        if opts.plot_eqtl and opts.plot_scatter:
            log.warn("WARNING: both --plot_eqtl and --plot_scatter cannot be enabled, plotting eQTL only")
            opts.plot_scatter = False
    elif opts.plot_individual or opts.plot_legend is not None or opts.plot_eqtl:
        log.warn("WARNING: plotting flags set without --plot, figures will not be generated")


def run_post_process(opts: PostOptions, log: Log | None = None) -> PostResult:
    """Run FUSION's post-processing with OPTS and write its output files."""
    log = log or Log(opts.verbose)
    validate(opts, log)
    digits = Digits.of(opts.digits)
    result = PostResult()
    main_path = not (opts.omnibus or opts.ldsc)
    need = ("FILE", "ID", "CHR", "P0", "P1", "TWAS.Z", "MODEL") if main_path else ("FILE", "ID", "CHR", "TWAS.Z", "MODEL")
    feats = read_features(opts.input, opts.chr, opts.minp_input, need)
    if main_path and opts.sumstats is None:
        raise TwasError("--sumstats is required (except with --omnibus or --ldsc)")
    genos = read_plink(chr_file_prefix(opts.ref_ld_chr, opts.chr))
    glist = None
    if opts.plot:
        glist = read_glist(_glist_spec(opts.glist), opts.chr)

    if opts.omnibus:
        run_omnibus(opts, feats, genos, digits, log, result)
        return result
    if len(feats) == 0:
        log.warn(f"WARNING: no features in {opts.input} on chromosome {opts.chr} with TWAS.P < {opts.minp_input}; nothing to analyse")
        if opts.report and not opts.ldsc:
            write_output(opts.out + ".report", _report_header(), result)
        return result

    pred = predict_features(feats, genos, opts.eqtl_model if opts.plot_eqtl else None, log.warn, opts.top1_single_snp,
                              opts.fix_true_alleles)
    if opts.ldsc:
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
        )
    result.n_features = len(feats)
    if len(feats) == 0:
        if opts.report:
            write_output(opts.out + ".report", _report_header(), result)
        return result
    run_main(opts, feats, pred, genos, n_considered, glist, digits, log, result)
    return result


def _glist_spec(spec: str | None) -> str:
    """FUSION reads ./glist-hg19 when present; otherwise twascli's built-in hg19 list."""
    if spec is None:
        return "glist-hg19" if os.path.exists("glist-hg19") else "hg19"
    return spec


# --------------------------------------------------------------------------- main analysis


def run_main(
    opts: PostOptions, feats: Features, pred: Predicted, genos: Genotypes, n_considered: int,
    glist, digits: Digits, log: Log, result: PostResult,
) -> None:
    """Joint model across the chromosome, then loci, conditional GWAS, reports and plots."""
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

    gwas_z = aligned_gwas_z(opts.sumstats, genos)
    pos = genos.bim["pos"].to_numpy(dtype=np.int64)
    starts, ends = pp.contiguous_loci(pred.snp_used, pos, opts.locus_win)
    log.info(f"{len(starts)} strictly non-overlapping loci", 1)
    cstarts, cends = pp.consolidate_loci(starts, ends)
    log.info(f"consolidated to {len(cstarts)} non-overlapping loci with {opts.locus_win} bp buffer", 1)

    report_lines = [_report_header()] if opts.report else []
    for i, (s, e) in enumerate(zip(cstarts, cends), start=1):
        loc = analyse_locus(i, int(s), int(e), opts, feats, pred, genos, ld, gwas_z, zthresh, digits, log, result)
        if loc is None:
            continue
        result.loci.append(loc)
        write_locus_files(opts, loc, feats, genos, digits, result)
        _print_locus_lines(loc, log, digits)
        if opts.report:
            report_lines.append(_report_row(opts, loc, feats, genos, digits))
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
    pos = genos.bim["pos"].to_numpy(dtype=np.int64)
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


def write_locus_files(opts: PostOptions, loc: LocusResult, feats: Features, genos: Genotypes, digits: Digits, result: PostResult) -> None:
    """OUT.loc_N.cond (--save_loci), OUT.loc_N.cond.csv and OUT.loc_N.genes (--report)."""
    bim = genos.bim
    snps = [str(s) for s in bim["snp"].to_numpy()[loc.snp_idx]]
    pos = bim["pos"].to_numpy(dtype=np.int64)[loc.snp_idx]
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
        write_output(f"{opts.out}.loc_{loc.number}.genes", genes_table(feats, loc), result)


def genes_table(feats: Features, loc: LocusResult) -> str:
    """OUT.loc_N.genes: the --input rows of the locus' features (re-typed as R reads them), JOINT, TOP.SNP.COR."""
    rows = feats.table.loc[loc.in_locus]
    cols: dict[str, object] = {}
    for c in rows.columns:
        cols[c] = r_type_convert([str(v) for v in rows[c].tolist()])
    cols["JOINT"] = [bool(v) for v in loc.joint[loc.in_locus]]
    cols["TOP.SNP.COR"] = np.asarray(loc.top_snp_cor, dtype=float)
    return rformat.write_table(cols, sep="\t")


def _report_header() -> str:
    return "\t".join(["FILE", "CHR", "P0", "P1", "HIT.GENES", "JOINT.GENES", "BEST.TWAS.P", "BEST.SNP.P", "COND.SNP.P", "VAR.EXP"]) + "\n"


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


def _report_row(opts: PostOptions, loc: LocusResult, feats: Features, genos: Genotypes, digits: Digits) -> str:
    """One OUT.report line, as FUSION's cat(..., sep='\\t') writes it (trailing tab included)."""
    best, at_top, _ = _best_chisq(loc)
    pos = genos.bim["pos"].to_numpy(dtype=np.int64)[loc.snp_idx]
    ids = feats.id[loc.in_locus]
    best_p = pp.two_sided_p(np.sqrt(best))
    cond_p = pp.two_sided_p(np.sqrt(at_top))
    twas_p = feats.p[loc.in_locus]
    items = [
        f"{opts.out}.loc_{loc.number}", opts.chr, int(pos.min()), int(pos.max()),
        len(set(map(str, ids))), int(loc.joint[loc.in_locus].sum()),
        float(np.nanmin(twas_p)) if np.any(~np.isnan(twas_p)) else float("inf"),
        float(best_p), float(cond_p), float(1 - at_top / best),
    ]
    return rformat.cat_str(*items, "\n", sep="\t", digits=digits.cat)
