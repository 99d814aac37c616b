"""Copy a PLINK fileset without its strand-ambiguous (A/T, C/G) SNPs, which FOCUS drops and FUSION
keeps, so that both tools predict expression from the same SNPs (see SOURCE.md)."""

import sys

import numpy as np
import pandas as pd


def subset_plink(src: str, dst: str) -> int:
    """Write DST.{bed,bim,fam}: SRC without strand-ambiguous SNPs; returns the SNPs kept."""
    bim = pd.read_csv(src + ".bim", sep=r"\s+", header=None, dtype=str)
    n = sum(1 for _ in open(src + ".fam"))
    pair = (bim[4].str.upper() + bim[5].str.upper()).to_numpy()
    keep = ~np.isin(pair, ["AT", "TA", "CG", "GC"])
    raw = np.fromfile(src + ".bed", dtype=np.uint8)
    per = (n + 3) // 4
    rows = raw[3:].reshape(len(bim), per)[keep]
    with open(dst + ".bed", "wb") as fh:
        fh.write(raw[:3].tobytes())
        fh.write(rows.tobytes())
    bim.loc[keep].to_csv(dst + ".bim", sep="\t", header=False, index=False)
    with open(src + ".fam") as a, open(dst + ".fam", "w") as b:
        b.write(a.read())
    return int(keep.sum())


if __name__ == "__main__":
    print(f"kept {subset_plink(sys.argv[1], sys.argv[2])} SNPs")
