"""Time `twascli assoc-test` on a FUSION-published-size workload, and FUSION itself if available.

Workload: an LD reference (default: the 489-person parity panel, chr22, 4,000 SNPs; --ref for
another, e.g. FUSION's LDREF/1000G.EUR.), N synthetic weight files (default 500; 300-400-SNP
windows, models top1/blup/lasso/enet) and a GWAS of the panel's SNPs with 10% missing; with
--genome_gwas N the GWAS file also holds N synthetic SNPs of other chromosomes, as a genome-wide
file does (FUSION's users pass the same genome-wide file to every per-chromosome run;
1170000 gives a HapMap3-sized file of ~1.19M SNPs). With --fusion DIR (a checkout of gusevlab/fusion_twas) and Rscript
on PATH, FUSION.assoc_test.R runs on the same inputs, in interleaved rounds with twascli (best of
--rounds, ratio and machine load printed), and the outputs are compared.

    python benchmarks/bench_assoc.py [--models 500] [--fusion /path/to/fusion_twas] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARITY = os.path.join(ROOT, "tests", "data", "parity")
sys.path.insert(0, ROOT)

from twascli.io.plink import read_bim  # noqa: E402
from twascli.io.rdat import WeightModel, write_wgt_rdat  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sidebyside import byte_compile, have_fusion, interleaved, load, report, wall  # noqa: E402


MODELS = ["top1", "blup", "lasso", "enet"]


def synthetic_model(rng: np.random.Generator, snps: pd.DataFrame) -> WeightModel:
    """A weight file with FUSION's four models over SNPS: dense top1/blup, sparse lasso/enet."""
    p = len(snps)
    w = np.zeros((p, 4))
    w[:, 0] = rng.normal(0, 3, p)
    w[:, 1] = rng.normal(0, 0.01, p)
    for j in (2, 3):
        nz = rng.choice(p, size=int(rng.integers(1, 20)), replace=False)
        w[nz, j] = rng.normal(0, 0.1, nz.size)
    cv = np.vstack([rng.uniform(0.01, 0.3, 4), 10 ** -rng.uniform(2, 30, 4)])
    return WeightModel(wgt_matrix=w, models=list(MODELS), snps=snps, cv_performance=cv, cv_models=list(MODELS),
                       hsq=np.array([0.1, 0.03]), hsq_pv=1e-5, n_tot=400)


def genome_padding(n: int, seed: int = 3) -> pd.DataFrame:
    """N synthetic GWAS rows (SNP A1 A2) standing for the other chromosomes of a genome-wide file."""
    rng = np.random.default_rng(seed)
    alleles = np.array(list("ACGT"))
    a1 = rng.integers(0, 4, n)
    a2 = (a1 + rng.integers(1, 4, n)) % 4
    return pd.DataFrame({"SNP": [f"rs{900000000 + i}" for i in range(n)], "A1": alleles[a1], "A2": alleles[a2]})


def write_gwas(path: str, rows: pd.DataFrame, pad: pd.DataFrame | None) -> None:
    """ROWS (SNP A1 A2 Z) as a sumstats file; PAD rows (random Z) split before and after them."""
    if pad is not None and len(pad):
        pad = pad.assign(Z=np.random.default_rng(len(rows)).normal(0, 1.3, len(pad)).round(4))
        half = len(pad) // 2
        rows = pd.concat([pad.iloc[:half], rows, pad.iloc[half:]])
    rows.to_csv(path, sep="\t", index=False)


def make_workload(work: str, n_models: int, ref: str, chrom: str, seed: int = 7, panels: int = 1,
                  pad: pd.DataFrame | None = None) -> dict:
    """Write N synthetic .wgt.RDat files over the reference's SNPs, a weights list and a GWAS."""
    rng = np.random.default_rng(seed)
    bim = read_bim(f"{ref}{chrom}.bim")
    wdir = os.path.join(work, "WEIGHTS", "Bench")
    os.makedirs(wdir, exist_ok=True)
    rows = []
    windows = []
    for g in range(n_models):
        if g % panels == 0:  # a new gene; its other panels reuse the window (like GTEx tissues)
            width = int(rng.integers(300, 400))
            windows.append((int(rng.integers(0, len(bim) - width)), width))
        start, width = windows[-1]
        snps = bim.iloc[start:start + width].reset_index(drop=True)
        name = f"BENCH{g // panels:05d}_P{g % panels}"
        write_wgt_rdat(os.path.join(wdir, name + ".wgt.RDat"), synthetic_model(rng, snps))
        rows.append((f"Bench/{name}.wgt.RDat", name, chrom, int(snps["pos"].iloc[0]), int(snps["pos"].iloc[-1])))
    pos = os.path.join(work, "WEIGHTS", "bench.pos")
    pd.DataFrame(rows, columns=["WGT", "ID", "CHR", "P0", "P1"]).to_csv(pos, sep="\t", index=False)
    # GWAS: every panel SNP but a random 10%, a quarter reported on the other allele
    gw = bim.loc[rng.random(len(bim)) >= 0.1, ["snp", "a1", "a2"]].copy()
    gw["Z"] = rng.normal(0, 1.5, len(gw)).round(4)
    swap = rng.random(len(gw)) < 0.25
    gw.loc[swap, ["a1", "a2"]] = gw.loc[swap, ["a2", "a1"]].to_numpy()
    gw.loc[swap, "Z"] *= -1
    sumstats = os.path.join(work, "trait.sumstats")
    write_gwas(sumstats, gw.rename(columns={"snp": "SNP", "a1": "A1", "a2": "A2"}), pad)
    return {"pos": pos, "wdir": os.path.join(work, "WEIGHTS"), "sumstats": sumstats, "ref": ref}


def compare_outputs(ours_out: str, fus_out: str) -> None:
    """Lines differing from FUSION's output and the largest relative differences of TWAS.Z/P."""
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=500)
    ap.add_argument("--rounds", "--repeat", type=int, default=3, help="interleaved rounds (best of)")
    ap.add_argument("--fusion", help="path to a gusevlab/fusion_twas checkout (runs FUSION too)")
    ap.add_argument("--ref", default=os.path.join(PARITY, "data", "ldref", "REF."),
                    help="LD reference prefix (default: the 489-person, 4,000-SNP parity panel); "
                         "e.g. FUSION's LDREF/1000G.EUR.")
    ap.add_argument("--chr", default="22")
    ap.add_argument("--genome_gwas", type=int, default=0,
                    help="synthetic other-chromosome SNPs added to the GWAS file (1170000: genome-wide size)")
    ap.add_argument("--panels", type=int, default=1,
                    help="models per gene window (e.g. 5: 100 genes x 5 tissues for --models 500)")
    args = ap.parse_args()
    byte_compile()
    work = tempfile.mkdtemp(prefix="twascli_bench_")
    pad = genome_padding(args.genome_gwas) if args.genome_gwas else None
    w = make_workload(work, args.models, args.ref, args.chr, panels=args.panels, pad=pad)
    common = ["--sumstats", w["sumstats"], "--weights", w["pos"], "--weights_dir", w["wdir"],
              "--ref_ld_chr", w["ref"], "--chr", args.chr]
    ours_out = os.path.join(work, "twascli.dat")
    fus_out = os.path.join(work, "fusion.dat")
    nsnp = sum(1 for _ in open(f"{args.ref}{args.chr}.bim"))
    nss = sum(1 for _ in open(w["sumstats"])) - 1
    print(f"workload: {args.models} models ({args.panels} per gene window), LD reference "
          f"{args.ref}{args.chr} ({nsnp} SNPs), GWAS of {nss} SNPs; {load()}")
    runs = {}
    if have_fusion(args.fusion, "FUSION.assoc_test.R"):  # FUSION finds its utils/ with here(): run from its checkout
        runs["FUSION"] = lambda: wall(["Rscript", os.path.join(args.fusion, "FUSION.assoc_test.R"), *common,
                                       "--out", fus_out], cwd=args.fusion)
    runs["twascli"] = lambda: wall([sys.executable, "-m", "twascli", "assoc-test", *common, "--out", ours_out])
    best = interleaved(runs, args.rounds)
    report(best)
    print(f"twascli: {1000 * best['twascli'].wall / args.models:.2f} ms per model (wall)")
    if "FUSION" in best:
        compare_outputs(ours_out, fus_out)
    shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
