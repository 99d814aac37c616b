"""Time `twascli compute-weights` per gene on the parity eQTL genes (FUSION: ~8-9 s per gene).

Workload: the per-gene PLINK files of the parity panels (TissueA: 400 people + 3 covariates,
TissueB: 300 people; 318-480 SNPs per gene), FUSION's default models top1,blup,lasso,enet,
5-fold CV, GCTA-style heritability. By default the genes in tests/data/cw and
tests/data/parity are not enough, so --data points at a parity tree (data/eqtl/<panel>/).

Reports, in one process after warm-up (imports excluded), as CPU time (time.process_time, so
that other load on the machine does not inflate it) and wall time:
  * s/gene for the whole gene on one core, and its parts: sample/input preparation,
    heritability (GRM + REML), top1+blup+lasso with their CV, enet (6 cv.glmnet = 36 paths);
  * with --batch, s/gene wall for a batch run on all cores (how many genes are trained).

    python benchmarks/bench_compute_weights.py [--data /path/to/parity] [--genes 10] [--batch]
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np

from twascli.weights.gene import CwOptions, compute_gene, estimate_hsq, prepare_gene, scaled_genotypes
from twascli.weights.batch import BatchGene, run_batch
from twascli.core.cv import GeneData, train_models
from twascli.core.rrng import RRandom


def _genes(data: str, limit: int) -> list[tuple[str, str, str | None]]:
    out = []
    root = os.path.join(data, "data", "eqtl")
    if not os.path.isdir(root):
        root = os.path.join(data, "eqtl")  # the layout of tests/data/cw
    for panel in ("TissueA", "TissueB"):
        beds = sorted(glob.glob(os.path.join(root, panel, "*.bed")))
        covar = os.path.join(root, panel, "covar.txt")
        for bed in beds[:limit]:
            out.append((panel, bed[:-4], covar if os.path.exists(covar) else None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "data", "cw"),
                    help="a tree with data/eqtl/<panel>/ (default: the genes copied into tests/data/cw; "
                         "point it at the full parity data set for all 160 genes)")
    ap.add_argument("--genes", type=int, default=10, help="genes per panel")
    ap.add_argument("--batch", action="store_true", help="also time a batch run on all cores")
    args = ap.parse_args()
    genes = _genes(args.data, args.genes)
    if not genes:
        sys.exit(f"no genes under {args.data}/data/eqtl")
    tmp = tempfile.mkdtemp(prefix="bench_cw_")
    models = "top1,blup,lasso,enet"

    # warm-up (imports, first-call set-up)
    panel, bfile, covar = genes[0]
    with contextlib.redirect_stderr(io.StringIO()):
        compute_gene(CwOptions(bfile=bfile, out=os.path.join(tmp, "warm"), covar=covar, verbose=0, models=models))

    parts = {"prepare": 0.0, "hsq": 0.0, "top1+blup+lasso": 0.0, "enet": 0.0, "total": 0.0, "total wall": 0.0}
    clock = time.process_time
    all_cpu, n_ok = 0.0, 0
    for _panel, bfile, covar in genes:
        opts = CwOptions(bfile=bfile, out=os.path.join(tmp, os.path.basename(bfile)), covar=covar, verbose=0, models=models)
        t0, w0 = clock(), time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()):
            res = compute_gene(opts)
        all_cpu += clock() - t0
        if res.status != "ok":  # skipped for heritability: no models were fitted
            continue
        n_ok += 1
        parts["total"] += clock() - t0
        parts["total wall"] += time.perf_counter() - w0
        # component split (same work, timed separately)
        t = clock()
        prep = prepare_gene(opts, lambda s: None)
        parts["prepare"] += clock() - t
        t = clock()
        estimate_hsq(prep)
        parts["hsq"] += clock() - t
        x, _ = scaled_genotypes(prep, False)
        data = GeneData(dosage=prep.dosage, scaled=x, y_fam=prep.y_fam, founders=prep.founders, hsq=0.2)
        t = clock()
        train_models(data, ["top1", "blup", "lasso"], 5, RRandom(1))
        parts["top1+blup+lasso"] += clock() - t
        t = clock()
        train_models(data, ["enet"], 5, RRandom(1))
        parts["enet"] += clock() - t
    n = len(genes)
    print(f"{n} genes ({args.genes} per panel), {n_ok} with weights; models {models}, 5-fold CV")
    print(f"all genes incl. skipped: {all_cpu / n:.3f} CPU s/gene")
    print("genes with weights, one process:")
    for k, v in parts.items():
        print(f"  {k:>16s}: {v / max(n_ok, 1):.3f} s/gene")

    if args.batch:
        outp = os.path.join(tmp, "W", "bench")
        os.makedirs(os.path.dirname(outp))
        bg = [BatchGene(gene=os.path.basename(b), bfile=b) for _, b, _ in genes]
        t = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()):
            run_batch(CwOptions(bfile="", out=outp, verbose=0, models=models), bg, progress=False)
        dt = time.perf_counter() - t
        print(f"batch ({os.cpu_count()} cores, no covariates): {dt / n:.3f} s/gene wall")
    print(f"outputs in {tmp}")
    _ = np  # numpy imported for the twascli modules' sake


if __name__ == "__main__":
    main()
