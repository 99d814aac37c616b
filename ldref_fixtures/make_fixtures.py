"""Make the small demo/test data set in ldref_fixtures/ reproducibly (fixed seed, numpy only).

One simulated chromosome-22 region (2 Mb, 1,200 SNPs with haplotype-block LD) gives:
  LDREF/1000G.EUR.22.{bed,bim,fam}   LD reference, 489 people (FUSION's LDREF naming)
  eqtl/<GENE>.{bed,bim,fam,pheno}    eQTL panel, 300 people, cis window (+-200 kb) per gene
  eqtl/genes.tsv                     ID CHR P0 P1 of the 12 genes (3 have no cis heritability)
  eqtl/batch.tsv                     the same genes as a `compute-weights --batch` table
  gwas/trait.sumstats                GWAS of 3,000 people (SNP A1 A2 Z N BETA SE); expression of
                                     GENE03 and GENE08 is causal; 5% of SNPs missing, 20% on the
                                     other allele, some lowercase alleles
  WEIGHTS/Fixture/*.wgt.RDat, WEIGHTS/Fixture.pos, .profile, WEIGHTS/panels.tsv
                                     weights trained with `twascli compute-weights --batch` on
                                     eqtl/ (its log: eqtl/compute_weights.log)

Run:  python ldref_fixtures/make_fixtures.py   (about a minute; rewrites the files above)
"""

from __future__ import annotations

import os
import sys

# one BLAS thread, as the twascli command line uses: results do not depend on the machine's cores
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261121
CHR = "22"
N_SNP = 1200
START, END = 20_000_000, 22_000_000
N_REF, N_EQTL, N_GWAS = 489, 300, 3000
N_GENES = 12
CIS = 200_000
NULL_GENES = {"GENE02", "GENE07", "GENE11"}
CAUSAL_GENES = {"GENE03": 0.25, "GENE08": -0.2}


def simulate_haplotypes(rng: np.random.Generator, n_hap: int, freqs: np.ndarray, n_templates: int = 8,
                        switch: float = 0.01, mutate: float = 0.005) -> np.ndarray:
    """Haplotypes as mosaics of a few templates (Li-Stephens-like copying): block-like LD."""
    p = freqs.size
    templates = (rng.random((n_templates, p)) < freqs).astype(np.int8)
    starts = rng.random((n_hap, p)) < switch
    starts[:, 0] = True
    choice = rng.integers(0, n_templates, size=(n_hap, p))
    # forward-fill the template index from each switch point
    idx = np.where(starts, np.arange(p), 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    which = np.take_along_axis(choice, idx, axis=1)
    haps = templates[which, np.arange(p)]
    flips = rng.random((n_hap, p)) < mutate
    return np.where(flips, 1 - haps, haps).astype(np.int8)


def genotypes(rng: np.random.Generator, n: int, freqs: np.ndarray) -> np.ndarray:
    """Diploid A1 dosages (n x p) from two simulated haplotypes each."""
    h = simulate_haplotypes(rng, 2 * n, freqs)
    return (h[0::2] + h[1::2]).astype(float)


def make_bim(rng: np.random.Generator) -> pd.DataFrame:
    """SNP table: sorted positions, rs ids, A1/A2 pairs (a few strand-ambiguous)."""
    pos = np.sort(rng.choice(np.arange(START, END), size=N_SNP, replace=False))
    pairs = [("A", "G"), ("G", "A"), ("C", "T"), ("T", "C"), ("A", "C"), ("C", "A"), ("G", "T"), ("T", "G")]
    pick = rng.integers(0, len(pairs), size=N_SNP)
    a1 = np.array([pairs[i][0] for i in pick], dtype=object)
    a2 = np.array([pairs[i][1] for i in pick], dtype=object)
    amb = rng.random(N_SNP) < 0.03
    a1[amb], a2[amb] = "A", "T"
    return pd.DataFrame({"chr": CHR, "snp": [f"rs{1000000 + 37 * i}" for i in range(N_SNP)],
                         "cm": 0.0, "pos": pos, "a1": a1, "a2": a2})


def fam_table(prefix: str, n: int, pheno: np.ndarray | None = None) -> pd.DataFrame:
    ids = [f"{prefix}{i + 1:04d}" for i in range(n)]
    return pd.DataFrame({"fid": ids, "iid": ids, "father": "0", "mother": "0", "sex": "0",
                         "pheno": np.full(n, np.nan) if pheno is None else pheno})


def main() -> None:
    sys.path.insert(0, os.path.dirname(HERE))
    from twascli.io.atomic import atomic_write_text
    from twascli.io.plink import write_plink

    rng = np.random.default_rng(SEED)
    bim = make_bim(rng)
    freqs = rng.uniform(0.05, 0.5, N_SNP)
    ref, eqtl, gwas = (genotypes(rng, n, freqs) for n in (N_REF, N_EQTL, N_GWAS))
    # drop SNPs monomorphic in any cohort so every file is usable as is
    poly = (ref.std(0) > 0) & (eqtl.std(0) > 0) & (gwas.std(0) > 0)
    bim, ref, eqtl, gwas = bim[poly].reset_index(drop=True), ref[:, poly], eqtl[:, poly], gwas[:, poly]

    for sub in ("LDREF", "eqtl", "gwas", "WEIGHTS"):
        os.makedirs(os.path.join(HERE, sub), exist_ok=True)
    write_plink(os.path.join(HERE, "LDREF", f"1000G.EUR.{CHR}"), ref, bim, fam_table("REF", N_REF))

    # genes: evenly spaced TSSs, a gene body of 20-60 kb, cis window +-CIS around the body
    tss = np.linspace(START + 150_000, END - 150_000, N_GENES).astype(int)
    genes = []
    expr_gwas_genetic = {}
    for g in range(N_GENES):
        gid = f"GENE{g + 1:02d}"
        p0, p1 = int(tss[g]), int(tss[g] + rng.integers(20_000, 60_000))
        genes.append((gid, CHR, p0, p1))
        cis = np.nonzero((bim["pos"] >= p0 - CIS) & (bim["pos"] <= p1 + CIS))[0]
        x = eqtl[:, cis]
        genetic = np.zeros(N_EQTL)
        effects = np.zeros(cis.size)
        if gid not in NULL_GENES:
            causal = rng.choice(cis.size, size=int(rng.integers(1, 4)), replace=False)
            effects[causal] = rng.normal(0, 1, causal.size)
            genetic = x @ effects
            hsq = rng.uniform(0.15, 0.4)
            genetic *= np.sqrt(hsq / genetic.var())
            effects *= np.sqrt(hsq / (x @ effects).var())
        expr = genetic + rng.normal(0, np.sqrt(1 - genetic.var()), N_EQTL)
        fam = fam_table("EQ", N_EQTL, np.round(expr, 5))
        prefix = os.path.join(HERE, "eqtl", gid)
        write_plink(prefix, x, bim.iloc[cis].reset_index(drop=True), fam)
        atomic_write_text(prefix + ".pheno", "".join(f"{f} {i} {v:.5f}\n" for f, i, v in
                                                     zip(fam["fid"], fam["iid"], fam["pheno"])))
        expr_gwas_genetic[gid] = gwas[:, cis] @ effects
    atomic_write_text(os.path.join(HERE, "eqtl", "genes.tsv"),
                      "ID\tCHR\tP0\tP1\n" + "".join(f"{g}\t{c}\t{a}\t{b}\n" for g, c, a, b in genes))
    # compute-weights --batch table (paths relative to the table)
    atomic_write_text(os.path.join(HERE, "eqtl", "batch.tsv"),
                      "ID\tBFILE\tPHENO\tCHR\tP0\tP1\n"
                      + "".join(f"{g}\t{g}\t{g}.pheno\t{c}\t{a}\t{b}\n" for g, c, a, b in genes))

    # GWAS: the trait is mediated by two genes' expression plus a few direct SNP effects
    y = np.zeros(N_GWAS)
    for gid, effect in CAUSAL_GENES.items():
        ge = expr_gwas_genetic[gid]
        y += effect * (ge - ge.mean()) / ge.std()
    direct = rng.choice(gwas.shape[1], size=5, replace=False)
    y += gwas[:, direct] @ rng.normal(0, 0.05, direct.size)
    y += rng.normal(0, 1, N_GWAS)
    xc = gwas - gwas.mean(0)
    yc = y - y.mean()
    sxx = (xc * xc).sum(0)
    beta = xc.T @ yc / sxx
    resid_var = ((yc * yc).sum() - beta * beta * sxx) / (N_GWAS - 2)
    se = np.sqrt(resid_var / sxx)
    z = beta / se
    ss = pd.DataFrame({"SNP": bim["snp"], "A1": bim["a1"], "A2": bim["a2"], "Z": z, "N": N_GWAS,
                       "BETA": beta, "SE": se})
    swap = rng.random(len(ss)) < 0.2
    ss.loc[swap, ["A1", "A2"]] = ss.loc[swap, ["A2", "A1"]].to_numpy()
    ss.loc[swap, ["Z", "BETA"]] *= -1
    lower = rng.random(len(ss)) < 0.05
    ss.loc[lower, "A1"] = ss.loc[lower, "A1"].str.lower()
    ss = ss[rng.random(len(ss)) >= 0.05].sample(frac=1.0, random_state=1)
    atomic_write_text(os.path.join(HERE, "gwas", "trait.sumstats"),
                      ss.to_csv(sep="\t", index=False, float_format="%.6g"))
    train_weights()
    print(f"wrote {len(bim)} SNPs, {N_GENES} genes, {len(ss)} GWAS rows under {HERE}")


def train_weights() -> None:
    """Train the demo weights with twascli's own compute-weights (batch mode, fixed seed)."""
    from twascli.cli import run
    from twascli.io.atomic import atomic_write_text

    wdir = os.path.join(HERE, "WEIGHTS")
    cwd = os.getcwd()
    os.chdir(HERE)  # relative paths, so that no machine path ends up in the files
    try:
        rc = run(["compute-weights", "--batch", "eqtl/batch.tsv", "--out", "WEIGHTS/Fixture",
                  "--jobs", "1", "--verbose", "0"])
    finally:
        os.chdir(cwd)
    if rc != 0:
        raise SystemExit(f"compute-weights failed with exit code {rc}")
    os.replace(os.path.join(wdir, "Fixture.log"), os.path.join(HERE, "eqtl", "compute_weights.log"))
    atomic_write_text(os.path.join(wdir, "panels.tsv"), f"PANEL\tN\nFixture\t{N_EQTL}\n")


if __name__ == "__main__":
    main()
