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


PARITY = os.path.join(os.path.dirname(__file__), "data", "parity")
PW = os.path.join(PARITY, "fusion", "WEIGHTS")
PREF = os.path.join(PARITY, "data", "ldref", "REF.")


def test_export_reads_back_and_gives_fusion_twas_z(tmp_path, capsys):
    from twascli.core.twas import best_model
    from twascli.io import predictdb
    from twascli.io.rdat import read_wgt_rdat

    out = str(tmp_path / "exp")
    assert run(["export-weights", "--weights", os.path.join(PW, "all.pos"), "--weights_dir", PW,
                "--ref_ld_chr", PREF, "--chr", "22", "--out", out]) == 0
    assert "genes" in capsys.readouterr().out
    geno = read_plink(PREF + "22")
    col = {s: i for i, s in reversed(list(enumerate(geno.bim["snp"])))}
    wl = pd.read_csv(os.path.join(PW, "all.pos"), sep="\t")
    panel = wl["PANEL"].iat[0]
    out_panel = f"{out}.{panel}"  # one database per panel of the list
    back = predictdb.models(out_panel + ".db")
    wl = wl[(wl["CHR"].astype(str) == "22") & (wl["PANEL"] == panel)]
    checked = 0
    for _, e in wl.iterrows():
        m = read_wgt_rdat(os.path.join(PW, e["WGT"]))
        best, _ = best_model(m, None)
        if e["ID"] not in back or m.models[best] == "top1":
            continue
        got = back[e["ID"]]
        w = dict(zip(m.snps["snp"], m.wgt_matrix[:, best]))
        sd = geno.imputed(np.array([col[s] for s in got.snps["snp"]])).std(axis=0, ddof=1)
        np.testing.assert_allclose(got.wgt_matrix[:, 0] * sd, [w[s] for s in got.snps["snp"]], rtol=1e-12)
        assert list(got.snps["a1"]) == [a.upper() for a in m.snps.set_index("snp").loc[got.snps["snp"], "a1"]]
        checked += 1
    assert checked >= 3
    cov = pd.read_csv(out_panel + ".txt.gz", sep=" ")
    assert list(cov.columns) == ["GENE", "RSID1", "RSID2", "VALUE"] and len(cov) > 0
    # assoc-test on the exported .db: FUSION's TWAS Z of the same genes
    gwas = os.path.join(PARITY, "data", "gwas", "trait_med.sumstats.gz")
    a, b = str(tmp_path / "fusion.dat"), str(tmp_path / "db.dat")
    assert run(["assoc-test", "--sumstats", gwas, "--weights", os.path.join(PW, "all.pos"), "--weights_dir", PW,
                "--ref_ld_chr", PREF, "--chr", "22", "--out", a, "--digits", "12"]) == 0
    assert run(["assoc-test", "--sumstats", gwas, "--weights", out_panel + ".db", "--ref_ld_chr", PREF, "--chr", "22",
                "--out", b, "--digits", "12"]) == 0
    fa = pd.read_csv(a, sep="\t")
    fa = fa[fa["PANEL"] == panel].set_index("ID")
    fb = pd.read_csv(b, sep="\t").set_index("ID")
    za, zb = pd.to_numeric(fa["TWAS.Z"], errors="coerce"), pd.to_numeric(fb["TWAS.Z"], errors="coerce")
    common = fb.index.intersection(fa.index)
    assert len(common) >= 15
    np.testing.assert_allclose(zb.loc[common], za.loc[common], rtol=1e-9)
    # never over an existing file
    assert run(["export-weights", "--weights", os.path.join(PW, "all.pos"), "--weights_dir", PW,
                "--ref_ld_chr", PREF, "--chr", "22", "--out", out]) == 1
