"""Cut the LD panel for the eTWAS test genes out of FUSION's 1000G EUR chr22 LDREF.

    python tests/data/realdata/make_ldref_subset.py SHARED/realdata/ldref/1000G.EUR.

Keeps every LDREF SNP within 100 kb of the weight SNPs of the two .RData files in etwas/ and
writes etwas/1000G.EUR.22.{bed,bim,fam} (same people, same genotypes).
"""

import os
import sys


HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(HERE))))

from twascli.io.plink import read_plink, write_plink  # noqa: E402
from twascli.io.rdat import read_wgt_rdat  # noqa: E402


def main(ldref_prefix: str) -> None:
    ids: set[str] = set()
    for name in ("ENSG00000169635.9", "ENSG00000100023.18"):
        ids |= set(read_wgt_rdat(os.path.join(HERE, "etwas", "Brain_Amygdala.rdata", f"{name}.RData")).snps["snp"])
    geno = read_plink(ldref_prefix + "22")
    pos = geno.bim["pos"].to_numpy()
    hit = pos[geno.bim["snp"].isin(ids).to_numpy()]
    keep = (pos >= hit.min() - 100_000) & (pos <= hit.max() + 100_000)
    write_plink(os.path.join(HERE, "etwas", "1000G.EUR.22"), geno.dosage[:, keep],
                geno.bim.loc[keep].reset_index(drop=True), geno.fam)
    print(f"{int(keep.sum())} SNPs x {geno.n} people")


if __name__ == "__main__":
    main(sys.argv[1])
