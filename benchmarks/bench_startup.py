"""Wall time of the small calls pipelines make many times: post-process without --plot and
compute-weights on one gene per process, side by side with FUSION where it can run.

post-process: FUSION's parity reference run (trait_strong chr22 .top, 489-person panel, --report
--save_loci --locus_win 100000), FUSION.post_process.R against `twascli post-process` in
interleaved rounds (best of --rounds, ratio and load printed). compute-weights: one parity gene
(TissueA GENE6_023: 400 people, 431 SNPs, 3 covariates; top1,blup,lasso,enet, 5-fold CV,
--hsq_set 0.1) as one process, as
FUSION-style per-gene loops run it; FUSION.compute_weights.R also needs PLINK, so it is timed only
with --fusion and --plink given.

    python benchmarks/bench_startup.py [--fusion /path/to/fusion_twas] [--plink plink] [--rounds 3]
                                       [--only pp|cw] [--no_compile]

twascli's modules are byte-compiled first, as `pip install` does: a checkout run with
PYTHONDONTWRITEBYTECODE=1 would otherwise parse every module on every call (~0.1-0.2 s);
--no_compile skips that step.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARITY = os.path.join(ROOT, "tests", "data", "parity")
CW_GENE = os.path.join(ROOT, "tests", "data", "cw", "eqtl", "TissueA", "GENE6_023")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sidebyside import byte_compile, have_fusion, interleaved, load, report, wall  # noqa: E402


def post_process_inputs(work: str) -> list[str]:
    """The parity .top with its weight paths pointed at tests/data, and the common flags."""
    top = os.path.join(work, "in.22.top")
    text = open(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top")).read()
    open(top, "w").write(text.replace("/tmp/ds1_fusion/WEIGHTS", os.path.join(PARITY, "fusion", "WEIGHTS")))
    return ["--sumstats", os.path.join(PARITY, "data", "gwas", "trait_strong.sumstats.gz"), "--input", top,
            "--ref_ld_chr", os.path.join(PARITY, "data", "ldref", "REF."), "--chr", "22",
            "--locus_win", "100000", "--report", "--save_loci"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fusion", help="a gusevlab/fusion_twas checkout (runs FUSION too)")
    ap.add_argument("--plink", help="PLINK 1.9 binary, for FUSION.compute_weights.R")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", choices=["pp", "cw"], help="time only post-process (pp) or compute-weights (cw)")
    ap.add_argument("--no_compile", action="store_true", help="do not byte-compile twascli first")
    args = ap.parse_args()
    if not args.no_compile:
        byte_compile()
    work = tempfile.mkdtemp(prefix="twascli_startup_")
    twascli = [sys.executable, "-m", "twascli"]
    print(f"machine: {load()}")

    if args.only != "cw":
        post_process(args, work, twascli)
    if args.only != "pp":
        compute_weights(args, work, twascli)
    shutil.rmtree(work, ignore_errors=True)


def post_process(args: argparse.Namespace, work: str, twascli: list[str]) -> None:
    """post-process without --plot, side by side with FUSION.post_process.R when it can run."""
    common = post_process_inputs(work)
    runs = {}
    if have_fusion(args.fusion, "FUSION.post_process.R"):
        fusion_pp = ["Rscript", os.path.join(args.fusion, "FUSION.post_process.R"), *common,
                     "--out", os.path.join(work, "fusion_pp")]
        runs["FUSION"] = lambda: wall(fusion_pp, cwd=args.fusion)
    runs["twascli"] = lambda: wall([*twascli, "post-process", *common, "--out", os.path.join(work, "pp")])
    print("post-process without --plot (parity trait_strong chr22):")
    report(interleaved(runs, args.rounds))


def compute_weights(args: argparse.Namespace, work: str, twascli: list[str]) -> None:
    """One parity gene as one compute-weights process, side by side with FUSION when it can run."""
    gene = ["--bfile", CW_GENE, "--models", "top1,blup,lasso,enet", "--hsq_set", "0.1",
            "--covar", os.path.join(os.path.dirname(CW_GENE), "covar.txt")]
    runs = {}
    if args.plink and have_fusion(args.fusion, "FUSION.compute_weights.R"):
        fusion_cw = ["Rscript", os.path.join(args.fusion, "FUSION.compute_weights.R"), *gene, "--PATH_plink", args.plink,
                     "--tmp", os.path.join(work, "tmp"), "--out", os.path.join(work, "fusion_cw"), "--verbose", "0"]
        runs["FUSION"] = lambda: wall(fusion_cw, cwd=args.fusion)
    runs["twascli"] = lambda: wall([*twascli, "compute-weights", *gene, "--out", os.path.join(work, "cw")])
    # FUSION's default run also estimates hsq (PLINK GRM + GCTA REML); timed for twascli alone
    reml = [a for a in gene if a not in ("--hsq_set", "0.1")]
    runs["twascli REML"] = lambda: wall([*twascli, "compute-weights", *reml, "--out", os.path.join(work, "cw_reml")])
    print("compute-weights, one gene per process (400 people, 431 SNPs, 4 models, 5-fold CV;"
          " 'REML': hsq estimated instead of --hsq_set 0.1):")
    best = interleaved(runs, args.rounds)
    report(best)
    r = best["twascli REML"]
    print(f"twascli REML: {r.wall:.2f} s wall / {r.cpu:.2f} s CPU (best of rounds)")


if __name__ == "__main__":
    main()
