"""PredictDB models (.db, SQLite) in assoc-test and post-process, and export-weights' .db.

A small .db is built here with PredictDB's published schema on SNPs of tests/data/pgen's panel;
assoc-test's TWAS Z must be S-PrediXcan's statistic from an independent numpy computation:
Z = sum_j w_j sd_j z_j / sqrt(w' Cov w), Cov the panel's genotype covariance.
"""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pandas as pd
import pytest

from twascli.cli import run
from twascli.io.plink import read_plink

DATA = os.path.join(os.path.dirname(__file__), "data", "pgen")
GWAS = os.path.join(DATA, "BODY04.fusion.sumstats")
REF = os.path.join(DATA, "ref.")


def make_db(path: str, genes: dict[str, pd.DataFrame], with_weights: bool = True) -> None:
    con = sqlite3.connect(path)
    if with_weights:
        con.execute("CREATE TABLE weights (gene TEXT, rsid TEXT, varID TEXT, ref_allele TEXT, eff_allele TEXT, weight DOUBLE)")
        for gene, w in genes.items():
            con.executemany("INSERT INTO weights VALUES (?,?,?,?,?,?)",
                            [(gene, r.rsid, r.varID, r.ref_allele, r.eff_allele, float(r.weight)) for r in w.itertuples()])
    con.execute('CREATE TABLE extra (gene TEXT, genename TEXT, "n.snps.in.model" INTEGER, "pred.perf.R2" DOUBLE, '
                '"pred.perf.pval" DOUBLE, "pred.perf.qval" DOUBLE)')
    con.executemany("INSERT INTO extra VALUES (?,?,?,?,?,?)",
                    [(g, g + "_name", len(w), 0.1, 1e-4, 1e-3) for g, w in genes.items()])
    con.commit()
    con.close()


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pdb")
    geno = read_plink(REF + "22")
    gwas = pd.read_csv(GWAS, sep="\t")
    bim = geno.bim
    in_gwas = np.flatnonzero(bim["snp"].isin(gwas["SNP"]).to_numpy())
    rng = np.random.default_rng(3)
    genes = {}
    for g, start in enumerate((50, 300, 600)):
        cols = in_gwas[start:start + 12]
        flip = rng.random(cols.size) < 0.5  # effect allele = the panel's A2 for some SNPs
        sub = bim.iloc[cols]
        genes[f"ENSG{g}"] = pd.DataFrame({
            "rsid": sub["snp"].to_numpy(), "varID": [f"chr22_{p}_{a2}_{a1}_b37" for p, a1, a2 in zip(sub.pos, sub.a1, sub.a2)],
            "ref_allele": np.where(flip, sub.a1, sub.a2), "eff_allele": np.where(flip, sub.a2, sub.a1),
            "weight": rng.normal(0, 0.2, cols.size), "col": cols, "flip": flip})
    db = str(tmp / "model.db")
    make_db(db, genes)
    return tmp, db, genes, geno, gwas


def test_twas_z_is_s_predixcan(setup):
    tmp, db, genes, geno, gwas = setup
    out = str(tmp / "pdb.dat")
    assert run(["assoc-test", "--sumstats", GWAS, "--weights", db, "--ref_ld_chr", REF, "--chr", "22",
                "--out", out, "--digits", "12"]) == 0
    res = pd.read_csv(out, sep="\t").set_index("ID")
    z_of = dict(zip(gwas["SNP"], gwas["Z"]))
    a1_of = dict(zip(gwas["SNP"], gwas["A1"]))
    for gene, w in genes.items():
        x = geno.imputed(w["col"].to_numpy())  # counts of the panel A1
        dosage_eff = np.where(w["flip"].to_numpy(), 2 - x, x)  # counts of the effect allele
        cov = np.cov(dosage_eff, rowvar=False)
        z = np.array([z_of[s] * (1 if a1_of[s] == e else -1) for s, e in zip(w["rsid"], w["eff_allele"])])
        wt = w["weight"].to_numpy()
        expected = wt @ (np.sqrt(np.diag(cov)) * z) / np.sqrt(wt @ cov @ wt)
        assert res.at[gene, "TWAS.Z"] == pytest.approx(expected, rel=1e-9)
        assert res.at[gene, "MODEL"] == "predictdb" and res.at[gene, "FILE"] == f"{db}:{gene}"
        pos = geno.bim["pos"].to_numpy()[w["col"]]
        assert (res.at[gene, "P0"], res.at[gene, "P1"]) == (pos.min(), pos.max())
    # post-process reads the genes back from the .db
    assert run(["post-process", "--input", out, "--sumstats", GWAS, "--ref_ld_chr", REF, "--chr", "22",
                "--out", str(tmp / "post"), "--report", "--zthresh", "0.5"]) == 0
    assert os.path.exists(tmp / "post.report")


def test_db_without_weights_table(setup, tmp_path, capsys):
    _, _, genes, _, _ = setup
    db = str(tmp_path / "bad.db")
    make_db(db, genes, with_weights=False)
    outdir = tmp_path / "out"
    outdir.mkdir()
    assert run(["assoc-test", "--sumstats", GWAS, "--weights", db, "--ref_ld_chr", REF, "--chr", "22",
                "--out", str(outdir / "o.dat")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no 'weights' table" in err[0]
    assert not os.listdir(outdir)
