"""A small rat-like TWAS study, made reproducibly (seeded) for tests and for trying `--mhc none`.

Like the Rat TWAS Hub: chromosomes named chr1, chr2, chr6 (PLINK files and SNP ids such as
chr6:20002742), genes on chr6 between 26 and 34 Mb (where the human MHC rule would catch them),
two tissues x two Pantry-like modalities (expression: the gene id; isoforms: GENE:TRANSCRIPT),
covariates per tissue and three GWAS traits with their own N.

    python ldref_fixtures/make_rat_study.py OUTDIR

writes into OUTDIR: geno.{bed,bim,fam} (all chromosomes, for training), ldref/rat.chrN.* (the LD
reference per chromosome), genes.<modality>.tsv (ID CHR P0 P1), expr.<tissue>.<modality>.txt
(FID IID <phenotype ids>), covar.<tissue>.txt, pheno_map.tsv (ID GENE SYMBOL MODALITY),
<trait>.sumstats (SNP A1 A2 Z N) and traits.tsv (TRAIT SUMSTATS N).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd

CHROMS = ("chr1", "chr2", "chr6")
TISSUES = ("Brain", "Liver")
MODALITIES = ("expression", "isoforms")
N_SAMPLES = 150
SNPS_PER_CHR = 120
# two genes per chromosome; both chr6 genes inside 26-34 Mb
GENE_POS = {"chr1": (27_200_000, 31_000_000), "chr2": (28_000_000, 32_500_000), "chr6": (27_000_000, 30_000_000)}
TRAITS = {"bmi": 20_000, "glucose": 5_000, "length": 12_000}


def _gene_ids() -> list[tuple[str, str, int]]:
    """(gene id, chromosome, start) of every gene, Ensembl-rat-like ids."""
    out = []
    for c in CHROMS:
        for k, p0 in enumerate(GENE_POS[c]):
            out.append((f"ENSRNOG{int(c[3:]) * 100 + k:011d}", c, p0))
    return out


def make_study(outdir: str, seed: int = 12) -> dict:
    """Write the study into OUTDIR; returns a summary (genes, phenotypes per panel, traits)."""
    from twascli.io.plink import write_plink

    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(outdir, "ldref"), exist_ok=True)
    fam = pd.DataFrame({"fid": [f"F{i}" for i in range(N_SAMPLES)], "iid": [f"R{i}" for i in range(N_SAMPLES)],
                        "father": "0", "mother": "0", "sex": "0", "pheno": np.nan})
    bims, doses = [], []
    for c in CHROMS:
        pos = np.sort(rng.choice(np.arange(25_000_000, 35_000_000, 7), SNPS_PER_CHR, replace=False))
        alleles = rng.choice(["A", "C", "G", "T"], size=(SNPS_PER_CHR, 2), replace=True)
        alleles[alleles[:, 0] == alleles[:, 1], 1] = "C"
        alleles[alleles[:, 0] == alleles[:, 1], 1] = "G"
        bim = pd.DataFrame({"chr": c, "snp": [f"{c}:{p}" for p in pos], "cm": 0.0, "pos": pos,
                            "a1": alleles[:, 0], "a2": alleles[:, 1]})
        maf = rng.uniform(0.15, 0.5, SNPS_PER_CHR)
        dose = rng.binomial(2, maf, size=(N_SAMPLES, SNPS_PER_CHR)).astype(float)
        write_plink(os.path.join(outdir, "ldref", f"rat.{c}"), dose, bim, fam)
        bims.append(bim)
        doses.append(dose)
    bim_all, dose_all = pd.concat(bims, ignore_index=True), np.hstack(doses)
    write_plink(os.path.join(outdir, "geno"), dose_all, bim_all, fam)
    x = (dose_all - dose_all.mean(0)) / dose_all.std(0)

    genes = _gene_ids()
    rows = {m: [] for m in MODALITIES}
    pmap = []
    phenos: dict[str, list[tuple[str, np.ndarray]]] = {}
    for g, c, p0 in genes:
        cis = np.flatnonzero((bim_all["chr"] == c).to_numpy() & (np.abs(bim_all["pos"].to_numpy() - p0) < 400_000))
        lead = rng.choice(cis, 2, replace=False)
        signal = x[:, lead] @ np.array([1.0, 0.6])
        ids = {"expression": [g], "isoforms": [f"{g}:ENSRNOT{int(g[7:]) * 10 + t:011d}" for t in (1, 2)]}
        for m in MODALITIES:
            for pid in ids[m]:
                rows[m].append((pid, c, p0, p0 + 20_000))
                pmap.append((pid, g, f"Gene{g[-4:]}", m))
                for t in TISSUES:
                    phenos.setdefault(f"{t}.{m}", []).append((pid, signal))
    for m in MODALITIES:
        pd.DataFrame(rows[m], columns=["ID", "CHR", "P0", "P1"]).to_csv(
            os.path.join(outdir, f"genes.{m}.tsv"), sep="\t", index=False)
    pd.DataFrame(pmap, columns=["ID", "GENE", "SYMBOL", "MODALITY"]).to_csv(
        os.path.join(outdir, "pheno_map.tsv"), sep="\t", index=False)
    for t in TISSUES:
        cov = rng.normal(size=(N_SAMPLES, 2))
        pd.DataFrame({"FID": fam["fid"], "IID": fam["iid"], "PC1": cov[:, 0].round(4), "PC2": cov[:, 1].round(4)}).to_csv(
            os.path.join(outdir, f"covar.{t}.txt"), sep="\t", index=False)
        for m in MODALITIES:
            table = {"FID": fam["fid"], "IID": fam["iid"]}
            for pid, signal in phenos[f"{t}.{m}"]:
                table[pid] = (signal + cov @ np.array([0.5, -0.3]) + rng.normal(scale=0.8, size=N_SAMPLES)).round(5)
            pd.DataFrame(table).to_csv(os.path.join(outdir, f"expr.{t}.{m}.txt"), sep="\t", index=False)

    # GWAS: z = sqrt(N) R b + N(0, R) over each chromosome's SNPs; causal: the chr6 genes' eQTLs
    trait_rows = []
    for k, (trait, n) in enumerate(TRAITS.items()):
        b = np.zeros(x.shape[1])
        for g, c, p0 in genes:
            if c == "chr6" or (k == 0 and c == "chr1"):
                cis = np.flatnonzero((bim_all["chr"] == c).to_numpy() & (np.abs(bim_all["pos"].to_numpy() - p0) < 400_000))
                b[cis[np.argsort(np.abs(bim_all["pos"].to_numpy()[cis] - p0))[:2]]] = 0.04
        z = np.empty(x.shape[1])
        for c in CHROMS:
            cols = np.flatnonzero((bim_all["chr"] == c).to_numpy())
            xc = x[:, cols]
            r = xc.T @ xc / N_SAMPLES
            z[cols] = np.sqrt(n) * r @ b[cols] + xc.T @ rng.normal(size=N_SAMPLES) / np.sqrt(N_SAMPLES)
        path = os.path.join(outdir, f"{trait}.sumstats")
        pd.DataFrame({"SNP": bim_all["snp"], "A1": bim_all["a1"], "A2": bim_all["a2"], "Z": z.round(4), "N": n}).to_csv(
            path, sep="\t", index=False)
        trait_rows.append((trait, f"{trait}.sumstats", n))
    pd.DataFrame(trait_rows, columns=["TRAIT", "SUMSTATS", "N"]).to_csv(os.path.join(outdir, "traits.tsv"), sep="\t", index=False)
    return {"genes": [g for g, _, _ in genes], "panels": sorted(phenos), "traits": list(TRAITS),
            "chromosomes": list(CHROMS)}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python ldref_fixtures/make_rat_study.py OUTDIR")
    print(make_study(sys.argv[1]))
