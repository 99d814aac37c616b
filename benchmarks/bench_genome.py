"""Whole-genome assoc-test: wall time and peak memory on 1.2M SNPs and 20,000 models (synthetic).

Builds a 489-person panel over 22 chromosomes (SNPs split in proportion to chromosome length),
N weight files with 300-400-SNP windows, and a GWAS of every panel SNP but 10%, then runs
`twascli assoc-test` once without --chr (every chromosome, each panel read once) and reports the
wall time and the peak resident memory of that process.

    python benchmarks/bench_genome.py [--snps 1200000] [--models 20000] [--workdir DIR] [--keep]
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
sys.path.insert(0, ROOT)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_assoc import synthetic_model  # noqa: E402
from twascli.io.plink import write_plink  # noqa: E402
from twascli.io.rdat import write_wgt_rdat  # noqa: E402

# hg19 chromosome lengths in Mb (share of SNPs per chromosome)
CHR_MB = [249, 243, 198, 191, 181, 171, 159, 146, 141, 136, 135, 134, 115, 107, 103, 90, 81, 78, 59, 63, 48, 51]
N_REF = 489


def build(work: str, n_snps: int, n_models: int, seed: int = 3) -> dict:
    """Write the panel, weights and GWAS under WORK (skipped when already there)."""
    done = os.path.join(work, "DONE")
    paths = {"ref": os.path.join(work, "LDREF", "REF."), "pos": os.path.join(work, "WEIGHTS", "all.pos"),
             "wdir": os.path.join(work, "WEIGHTS"), "sumstats": os.path.join(work, "gwas.sumstats")}
    if os.path.exists(done):
        return paths
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(work, "LDREF"), exist_ok=True)
    os.makedirs(os.path.join(work, "WEIGHTS", "Bench"), exist_ok=True)
    share = np.array(CHR_MB, float) / sum(CHR_MB)
    per_chr = np.maximum(1000, (share * n_snps).astype(int))
    models_per_chr = np.maximum(1, (share * n_models).astype(int))
    fam = pd.DataFrame({"fid": [f"R{i}" for i in range(N_REF)], "iid": [f"R{i}" for i in range(N_REF)],
                        "father": "0", "mother": "0", "sex": "0", "pheno": np.nan})
    gwas, rows, k = [], [], 0
    for c, (p, m) in enumerate(zip(per_chr, models_per_chr), start=1):
        freq = rng.uniform(0.05, 0.5, p)
        dosage = rng.binomial(2, freq, size=(N_REF, p)).astype(np.float32)
        pos = np.sort(rng.choice(np.arange(1, CHR_MB[c - 1] * 1_000_000), size=p, replace=False))
        alleles = rng.choice(np.array(["A", "C", "G", "T"]), size=(p, 2))
        same = alleles[:, 0] == alleles[:, 1]
        alleles[same, 1] = np.where(alleles[same, 0] == "A", "G", "A")
        bim = pd.DataFrame({"chr": str(c), "snp": [f"rs{c}_{i}" for i in range(p)], "cm": 0.0, "pos": pos,
                            "a1": alleles[:, 0], "a2": alleles[:, 1]})
        write_plink(f"{paths['ref']}{c}", dosage, bim, fam)
        keep = rng.random(p) >= 0.1
        gwas.append(pd.DataFrame({"SNP": bim["snp"][keep], "A1": bim["a1"][keep], "A2": bim["a2"][keep],
                                  "Z": rng.normal(0, 1.3, keep.sum()).round(4)}))
        for _ in range(m):
            width = int(rng.integers(300, 400))
            start = int(rng.integers(0, p - width))
            snps = bim.iloc[start:start + width].reset_index(drop=True)
            name = f"G{k:06d}"
            write_wgt_rdat(os.path.join(work, "WEIGHTS", "Bench", name + ".wgt.RDat"), synthetic_model(rng, snps))
            rows.append((f"Bench/{name}.wgt.RDat", name, str(c), int(snps["pos"].iloc[0]), int(snps["pos"].iloc[-1])))
            k += 1
    pd.DataFrame(rows, columns=["WGT", "ID", "CHR", "P0", "P1"]).to_csv(paths["pos"], sep="\t", index=False)
    pd.concat(gwas).to_csv(paths["sumstats"], sep="\t", index=False)
    open(done, "w").write(f"{int(per_chr.sum())} SNPs, {k} models\n")
    return paths


def run_peak_kb(cmd: list[str]) -> int:
    """Run CMD and return its peak resident memory in kB (VmHWM of its own address space).

    getrusage's ru_maxrss would also count this script's memory, which the child inherits at
    fork and which survives exec; /proc/<pid>/status VmHWM starts afresh at exec.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
        time.sleep(0.1)
    if proc.returncode != 0:
        raise SystemExit(f"assoc-test failed with exit code {proc.returncode}")
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--snps", type=int, default=1_200_000)
    ap.add_argument("--models", type=int, default=20_000)
    ap.add_argument("--workdir")
    ap.add_argument("--keep", action="store_true", help="keep the workdir")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="twascli_genome_")
    os.makedirs(work, exist_ok=True)
    t0 = time.perf_counter()
    p = build(work, args.snps, args.models)
    print(f"workload ({open(os.path.join(work, 'DONE')).read().strip()}) ready in {time.perf_counter() - t0:.0f} s")
    cmd = [sys.executable, "-m", "twascli", "assoc-test", "--sumstats", p["sumstats"], "--weights", p["pos"],
           "--weights_dir", p["wdir"], "--ref_ld_chr", p["ref"], "--out", os.path.join(work, "out"),
           "--threads", str(args.threads)]
    t0 = time.perf_counter()
    peak_kb = run_peak_kb(cmd)
    wall = time.perf_counter() - t0
    print(f"twascli assoc-test, all 22 chromosomes in one run: {wall:.0f} s, peak RSS {peak_kb / 1024 ** 2:.2f} GB")
    if not args.keep and not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
