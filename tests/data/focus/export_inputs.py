"""Write the inputs of the FOCUS comparison on the parity chromosome 22 (run with twascli; see SOURCE.md).

Mode `gwas`: a GWAS on every reference SNP, in reference allele order (z of the parity GWAS, flipped
where its alleles are swapped; 0 where it lacks the SNP or its alleles do not match), so that FOCUS
and twascli see the same z everywhere: OUTDIR/gwas.sumstats (LDSC columns) and OUTDIR/gwas.tsv (FOCUS's).
Mode `weights`: OUTDIR/weights.tsv (the .dat MODEL column of each
weight file; top1 as its single top SNP among the reference's, as twascli --top1_single_snp and assoc-test use it).
"""

import sys

import numpy as np
import pandas as pd
from scipy.stats import norm

from twascli.io import rdat

mode = sys.argv[1]
if mode == "gwas":
    bim_path, sumstats, outdir = sys.argv[2:5]
    bim = pd.read_csv(bim_path, sep=r"\s+", header=None, names=["chr", "snp", "cm", "pos", "a1", "a2"], dtype=str)
    ss = pd.read_csv(sumstats, sep=r"\s+", dtype={"SNP": str}).drop_duplicates("SNP").set_index("SNP")
    ss = ss.reindex(bim["snp"])
    a1, a2 = ss["A1"].str.upper().to_numpy(), ss["A2"].str.upper().to_numpy()
    same = (a1 == bim["a1"].to_numpy()) & (a2 == bim["a2"].to_numpy())
    swap = (a1 == bim["a2"].to_numpy()) & (a2 == bim["a1"].to_numpy())
    z = np.where(same, ss["Z"].to_numpy(), np.where(swap, -ss["Z"].to_numpy(), 0.0))
    n = int(np.nanmax(ss["N"].to_numpy()))
    pd.DataFrame({"SNP": bim["snp"], "A1": bim["a1"], "A2": bim["a2"], "Z": z, "N": n}).to_csv(
        f"{outdir}/gwas.sumstats", sep="\t", index=False)
    pd.DataFrame({"CHR": bim["chr"], "SNP": bim["snp"], "BP": bim["pos"], "A1": bim["a1"], "A2": bim["a2"], "Z": z,
                  "P": 2 * norm.sf(np.abs(z)), "N": n}).to_csv(f"{outdir}/gwas.tsv", sep="\t", index=False)
    sys.exit(0)
dat, bim_path, outdir = sys.argv[2:5]
in_ref = set(pd.read_csv(bim_path, sep=r"\s+", header=None, dtype=str)[1])

rows = []
for _, r in pd.read_csv(dat, sep="\t", dtype=str).iterrows():
    m = rdat.read_wgt_rdat(r["FILE"])
    w = np.nan_to_num(np.asarray(m.wgt_matrix, dtype=float)[:, m.models.index(r["MODEL"])])
    if r["MODEL"] == "top1":
        keep = np.zeros(len(w), dtype=bool)
        present = m.snps["snp"].isin(in_ref).to_numpy()  # assoc-test's top SNP among the reference's
        keep[int(np.argmax(np.where(present, w * w, -1.0)))] = True
        w = np.where(keep, w, 0.0)
    nz = w != 0
    s = m.snps.loc[nz]
    for snp, chrom, pos, a1, a2, wt in zip(s["snp"], s["chr"], s["pos"], s["a1"], s["a2"], w[nz]):
        rows.append([r["ID"], r["PANEL"], r["CHR"], r["P0"], r["P1"], r["MODEL"], r["MODELCV.R2"], r["MODELCV.PV"],
                     snp, chrom, int(pos), a1, a2, repr(float(wt))])
cols = ["ID", "PANEL", "CHR", "P0", "P1", "MODEL", "CVR2", "CVPV", "snp", "chrom", "pos", "a1", "a0", "effect"]
pd.DataFrame(rows, columns=cols).to_csv(f"{outdir}/weights.tsv", sep="\t", index=False)
