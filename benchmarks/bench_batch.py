"""Time a multi-trait assoc-test batch against the same traits run one by one (twascli both ways).

Workload: the bench_assoc.py weights (N models over an LD panel) and T synthetic GWAS (each with
its own 10% missing SNPs and allele swaps). Checks that every per-trait file of the batch is
byte-identical to its single run, and prints both wall times and their ratio. With --fusion, FUSION's
20 runs, the batch and the single runs alternate in --rounds interleaved rounds (best of; load printed).

    python benchmarks/bench_batch.py [--traits 20] [--models 500] [--ref PREFIX --chr 22] [--threads 1] [--copies 5]
                                     [--fusion /path/to/fusion_twas] [--rounds 3] [--no_singles]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_assoc import PARITY, genome_padding, make_workload, write_gwas  # noqa: E402
from sidebyside import byte_compile, Timing, have_fusion, interleaved, load, report, wall  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--traits", type=int, default=20)
    ap.add_argument("--models", type=int, default=500)
    ap.add_argument("--panels", type=int, default=1)
    ap.add_argument("--ref", default=os.path.join(PARITY, "data", "ldref", "REF."))
    ap.add_argument("--chr", default="22")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--copies", type=int, default=1,
                    help="also time one batch with every GWAS file given COPIES times under other trait names "
                         "(hub scale without writing more files; the work per trait is all redone)")
    ap.add_argument("--genome_gwas", type=int, default=0,
                    help="synthetic other-chromosome SNPs in every GWAS file (1170000: genome-wide size)")
    ap.add_argument("--fusion", help="a gusevlab/fusion_twas checkout: also time FUSION on every trait")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best of)")
    ap.add_argument("--no_singles", action="store_true", help="do not time the 20 single twascli runs")
    args = ap.parse_args()
    byte_compile()
    work = tempfile.mkdtemp(prefix="twascli_batch_")
    w = make_workload(work, args.models, args.ref, args.chr, panels=args.panels)
    pad = genome_padding(args.genome_gwas) if args.genome_gwas else None
    base = open(w["sumstats"]).read().splitlines()
    rng = np.random.default_rng(11)
    traits = []
    for t in range(args.traits):
        path = os.path.join(work, f"T{t:02d}.sumstats")
        rows = []
        for line in base[1:]:
            if rng.random() < 0.05:
                continue  # each trait misses its own SNPs
            snp, a1, a2, _ = line.split("\t")
            rows.append((snp, a1, a2, round(float(rng.normal(0, 1.5)), 4)))
        write_gwas(path, pd.DataFrame(rows, columns=["SNP", "A1", "A2", "Z"]),
                   None if pad is None else pad.sample(frac=0.95, random_state=t).sort_index())
        traits.append(path)
    common = ["--weights", w["pos"], "--weights_dir", w["wdir"], "--ref_ld_chr", w["ref"], "--chr", args.chr]
    twascli = [sys.executable, "-m", "twascli", "assoc-test"]

    def singles() -> Timing:
        total = Timing(0.0, 0.0)
        for path in traits:
            name = os.path.basename(path)[: -len(".sumstats")]
            total += wall([*twascli, "--sumstats", path, *common, "--out", os.path.join(work, f"single.{name}.{args.chr}.dat")])
        return total

    batch_args = [*twascli, *common, "--out", os.path.join(work, "batch"), "--threads", str(args.threads)]
    for path in traits:
        batch_args += ["--sumstats", path]

    def fusion_runs() -> Timing:
        total = Timing(0.0, 0.0)
        for path in traits:
            name = os.path.basename(path)[: -len(".sumstats")]
            total += wall(["Rscript", os.path.join(args.fusion, "FUSION.assoc_test.R"), "--sumstats", path, *common,
                           "--out", os.path.join(work, f"fusion.{name}.dat")], cwd=args.fusion)
        return total

    print(f"{args.traits} traits x {args.models} models on {args.ref}{args.chr}, "
          f"GWAS files of {sum(1 for _ in open(traits[0])) - 1} SNPs, --threads {args.threads}; {load()}")
    runs = {}
    if have_fusion(args.fusion, "FUSION.assoc_test.R"):
        runs["FUSION"] = fusion_runs
    runs["twascli"] = lambda: wall(batch_args)
    if not args.no_singles:
        runs["singles"] = singles
    best = interleaved(runs, args.rounds)
    report(best)
    fusion = best["FUSION"].wall if "FUSION" in best else None
    batch = best["twascli"].wall
    if fusion is not None:
        agree = all(open(os.path.join(work, f"fusion.T{t:02d}.dat")).read()
                    == open(os.path.join(work, f"batch.T{t:02d}.{args.chr}.dat")).read() for t in range(args.traits))
        print(f"FUSION, {args.traits} runs: {fusion:.1f} s -> the twascli batch is {fusion / batch:.1f}x faster; "
              f"outputs byte-identical to FUSION's: {agree}")
    if "singles" in best:
        single = best["singles"].wall
        same = all(
            open(os.path.join(work, f"single.T{t:02d}.{args.chr}.dat")).read()
            == open(os.path.join(work, f"batch.T{t:02d}.{args.chr}.dat")).read()
            for t in range(args.traits)
        )
        print(f"{args.traits} single runs: {single:.1f} s; one batch run: {batch:.1f} s -> {single / batch:.1f}x")
        print(f"per-trait files byte-identical to single runs: {same}")
    if args.copies > 1:
        many = [*twascli, *common, "--out", os.path.join(work, "many"), "--threads", str(args.threads)]
        for k in range(args.copies):
            for path in traits:
                alias = os.path.join(work, f"C{k}_{os.path.basename(path)}")
                os.symlink(path, alias)
                many += ["--sumstats", alias]
        t0 = time.perf_counter()
        subprocess.run(many, check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - t0
        n = args.copies * args.traits
        line = f"one batch of {n} traits: {elapsed:.1f} s ({elapsed / n:.2f} s per trait-chromosome)"
        if fusion is not None:
            line += (f"; FUSION at its measured {fusion / args.traits:.2f} s per run: {fusion / args.traits * n:.0f} s"
                     f" -> {fusion / args.traits * n / elapsed:.1f}x")
        print(line)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
