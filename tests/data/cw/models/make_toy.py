"""Regenerate the toy fixtures of tests/test_models_hsq_lasso_blup.py (needs plink1.9 and gemma).

Run from this directory: python3 make_toy.py. Not used by the tests themselves.
"""
import os
import subprocess

import numpy as np

N, P, MISS = 150, 60, 0.03


def write_bed(prefix, geno, pheno):
    n, p = geno.shape
    with open(prefix + ".bed", "wb") as fh:
        fh.write(bytes([0x6C, 0x1B, 0x01]))
        for j in range(p):
            g = geno[:, j]
            code = np.full(n, 1, dtype=np.uint8)  # 01 = missing
            code[g == 2] = 0
            code[g == 1] = 2
            code[g == 0] = 3
            buf = np.zeros((n + 3) // 4, dtype=np.uint8)
            for i in range(n):
                buf[i // 4] |= code[i] << (2 * (i % 4))
            fh.write(buf.tobytes())
    with open(prefix + ".bim", "w") as fh:
        for j in range(p):
            fh.write(f"1\trs{j + 1}\t0\t{1000 + 10 * j}\tA\tG\n")
    with open(prefix + ".fam", "w") as fh:
        for i in range(n):
            fh.write(f"F{i} I{i} 0 0 0 {pheno[i]:.6g}\n")


rng = np.random.default_rng(5)
freq = rng.uniform(0.05, 0.5, P)
geno = rng.binomial(2, freq, (N, P)).astype(float)
geno[rng.random((N, P)) < MISS] = np.nan
geno[:, 0] = 1  # all heterozygous: dropped by PLINK --lasso and GEMMA
geno[:, 1] = 0
geno[0, 1] = 2  # two genotype classes (0 and 2): kept
beta = rng.standard_normal(P) * (rng.random(P) < 0.1)
filled = np.where(np.isnan(geno), np.nanmean(geno, axis=0), geno)
pheno = filled @ beta + rng.standard_normal(N)
pheno[3] = -9  # missing phenotype
write_bed("toy", geno, pheno)
subprocess.run("plink1.9 --allow-no-sex --bfile toy --lasso 0.5 0.05 --out toy", shell=True, check=True)
subprocess.run("plink1.9 --allow-no-sex --bfile toy --make-grm-bin --out toy", shell=True, check=True)
subprocess.run("gemma -miss 1 -maf 0 -r2 1 -rpace 1000 -wpace 1000 -bfile toy -bslmm 2 -o toy", shell=True, check=True)
os.replace("output/toy.param.txt", "toy.blup.param.txt")
subprocess.run(
    "gemma -miss 1 -maf 0 -r2 1 -rpace 20 -wpace 1000 -bfile toy -bslmm 1 -w 2000 -s 20000 -seed 7 -o toy",
    shell=True,
    check=True,
)
os.replace("output/toy.param.txt", "toy.bslmm.param.txt")
for f in ("toy.log", "toy.nosex", "toy.grm.id"):
    if os.path.exists(f):
        os.remove(f)
subprocess.run("rm -rf output", shell=True)
