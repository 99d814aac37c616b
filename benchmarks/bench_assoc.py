"""Time `twascli assoc-test` on a FUSION-published-size workload, and FUSION itself if available.

Workload: the 489-person LD reference of tests/data/parity (chr22, 4,000 SNPs), N synthetic
weight files (default 500; ~350-SNP cis windows, models top1/blup/lasso/enet) and a real-format
GWAS with 10% missing SNPs. With --fusion DIR (a checkout of gusevlab/fusion_twas) and Rscript
on PATH, FUSION.assoc_test.R runs on the same inputs and the outputs are compared.

    python benchmarks/bench_assoc.py [--models 500] [--fusion /path/to/fusion_twas] [--repeat 3]
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARITY = os.path.join(ROOT, "tests", "data", "parity")
sys.path.insert(0, ROOT)

from twascli.io.plink import read_bim  # noqa: E402
from twascli.io.rdat import WeightModel, write_wgt_rdat  # noqa: E402


def make_workload(work: str, n_models: int, seed: int = 7) -> dict:
    """Write N synthetic .wgt.RDat files over the chr22 reference and a weights list."""
    rng = np.random.default_rng(seed)
    bim = read_bim(os.path.join(PARITY, "data", "ldref", "REF.22.bim"))
    wdir = os.path.join(work, "WEIGHTS", "Bench")
    os.makedirs(wdir, exist_ok=True)
    rows = []
    models = ["top1", "blup", "lasso", "enet"]
    for g in range(n_models):
        width = int(rng.integers(300, 400))
        start = int(rng.integers(0, len(bim) - width))
        snps = bim.iloc[start:start + width].reset_index(drop=True)
        p = len(snps)
        w = np.zeros((p, 4))
        w[:, 0] = rng.normal(0, 3, p)
        w[:, 1] = rng.normal(0, 0.01, p)
        for j in (2, 3):
            nz = rng.choice(p, size=int(rng.integers(1, 20)), replace=False)
            w[nz, j] = rng.normal(0, 0.1, nz.size)
        cv = np.vstack([rng.uniform(0.01, 0.3, 4), 10 ** -rng.uniform(2, 30, 4)])
        name = f"BENCH{g:05d}"
        write_wgt_rdat(os.path.join(wdir, name + ".wgt.RDat"), WeightModel(
            wgt_matrix=w, models=models, snps=snps, cv_performance=cv, cv_models=models,
            hsq=np.array([0.1, 0.03]), hsq_pv=1e-5, n_tot=400))
        rows.append((f"Bench/{name}.wgt.RDat", name, "22", int(snps["pos"].iloc[0]), int(snps["pos"].iloc[-1])))
    pos = os.path.join(work, "WEIGHTS", "bench.pos")
    pd.DataFrame(rows, columns=["WGT", "ID", "CHR", "P0", "P1"]).to_csv(pos, sep="\t", index=False)
    sumstats = os.path.join(work, "trait.sumstats")
    with open(sumstats, "wb") as out:
        import gzip
        with gzip.open(os.path.join(PARITY, "data", "gwas", "trait_med.sumstats.gz")) as src:
            shutil.copyfileobj(src, out)
    return {"pos": pos, "wdir": os.path.join(work, "WEIGHTS"), "sumstats": sumstats,
            "ref": os.path.join(PARITY, "data", "ldref", "REF.")}


def timed(cmd: list[str], repeat: int, cwd: str | None = None) -> float:
    """Best wall time of REPEAT runs of CMD (stdout discarded)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=cwd)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fusion", help="path to a gusevlab/fusion_twas checkout (runs FUSION too)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="twascli_bench_")
    w = make_workload(work, args.models)
    common = ["--sumstats", w["sumstats"], "--weights", w["pos"], "--weights_dir", w["wdir"],
              "--ref_ld_chr", w["ref"], "--chr", "22"]
    ours_out = os.path.join(work, "twascli.dat")
    ours = timed([sys.executable, "-m", "twascli", "assoc-test", *common, "--out", ours_out], args.repeat)
    print(f"workload: {args.models} models, 489-person LD reference, 4000 SNPs on chr22")
    print(f"twascli assoc-test: {ours:.2f} s ({1000 * ours / args.models:.2f} ms per model)")
    if args.fusion and shutil.which("Rscript"):
        fus_out = os.path.join(work, "fusion.dat")
        fus = timed(["Rscript", os.path.join(args.fusion, "FUSION.assoc_test.R"), *common, "--out", fus_out], 1,
                    cwd=args.fusion)  # FUSION finds its utils/ with here(): run from its checkout
        print(f"FUSION.assoc_test.R: {fus:.2f} s  -> twascli is {fus / ours:.1f}x faster")
        a = open(ours_out).read().splitlines()
        b = open(fus_out).read().splitlines()
        differ = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
        print(f"output lines differing from FUSION's: {differ} of {len(b)} "
              "(a last printed digit can flip when a value sits on a rounding boundary)")
        ta = pd.read_csv(ours_out, sep="\t", na_values=["NA"], skipinitialspace=True)
        tb = pd.read_csv(fus_out, sep="\t", na_values=["NA"], skipinitialspace=True)
        for col in ("TWAS.Z", "TWAS.P"):
            x, y = ta[col].to_numpy(float), tb[col].to_numpy(float)
            ok = ~np.isnan(y)
            print(f"max relative difference {col} (3-digit files): "
                  f"{np.max(np.abs(x[ok] - y[ok]) / np.abs(y[ok])):.2e}; NA pattern equal: "
                  f"{np.array_equal(np.isnan(x), np.isnan(y))}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
