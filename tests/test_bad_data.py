"""Bad data built from the fixtures (issue 11): each case warns (file, count, action) or fails in one
line (exit 1, no traceback, no output, inputs untouched)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest

from twascli.cli import run

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, "data", "parity")
WEIGHTS = os.path.join(PARITY, "fusion", "WEIGHTS")
REF = os.path.join(PARITY, "data", "ldref", "REF.")
GWAS = os.path.join(PARITY, "data", "gwas", "trait_strong.sumstats.gz")
GENE = os.path.join(HERE, "data", "cw", "eqtl", "TissueB", "GENE22_007")


def gwas_table() -> pd.DataFrame:
    return pd.read_csv(GWAS, sep="\t", dtype=str)


def write_gwas(df: pd.DataFrame, path) -> str:
    df.to_csv(path, sep="\t", index=False)
    return str(path)


def assoc(sumstats: str, out: str, ref: str = REF) -> list[str]:
    return ["assoc-test", "--sumstats", sumstats, "--weights", os.path.join(WEIGHTS, "all.pos"), "--weights_dir",
            WEIGHTS, "--ref_ld_chr", ref, "--chr", "22", "--out", out]


def table(path: str) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("base") / "base.dat")
    assert run(assoc(GWAS, out)) == 0
    return table(out)


def test_duplicated_gwas_ids_keep_first(tmp_path, capsys, baseline):
    df = gwas_table()
    bim = set(pd.read_csv(REF + "22.bim", sep="\t", header=None)[1])
    extra = df[df["SNP"].isin(bim)].iloc[:25].copy()
    extra["Z"] = "9.5"  # later duplicates must not be used
    path = write_gwas(pd.concat([df, extra]), tmp_path / "dup.sumstats")
    out = str(tmp_path / "dup.dat")
    assert run(assoc(path, out)) == 0
    err = capsys.readouterr().err
    assert (f"WARNING: {path}: 25 rows repeat the SNP id of an earlier row (among the SNPs used); "
            "the first row of each id is kept") in err
    pd.testing.assert_frame_equal(table(out).drop(columns="FILE"), baseline.drop(columns="FILE"))


def test_infinite_z_is_capped(tmp_path, capsys):
    """One Inf Z: a warning, and each gene's TWAS.Z is what Z = 37.5378 gives (not NA everywhere)."""
    df = gwas_table()
    on22 = df["SNP"].isin(set(pd.read_csv(REF + "22.bim", sep="\t", header=None)[1]))
    top = df["Z"].astype(float).abs().where(on22, 0.0).idxmax()
    sign = np.sign(float(df.loc[top, "Z"]))
    inf, cap = df.copy(), df.copy()
    inf.loc[top, "Z"] = "Inf" if sign > 0 else "-Inf"
    cap.loc[top, "Z"] = str(sign * 37.5378)
    out_inf, out_cap = str(tmp_path / "inf.dat"), str(tmp_path / "cap.dat")
    assert run(assoc(write_gwas(inf, tmp_path / "inf.sumstats"), out_inf)) == 0
    assert "1 infinite Z values (P = 0?) capped at +-37.5378" in capsys.readouterr().err
    assert run(assoc(write_gwas(cap, tmp_path / "cap.sumstats"), out_cap)) == 0
    a, b = table(out_inf), table(out_cap)
    assert a["TWAS.Z"].notna().sum() == b["TWAS.Z"].notna().sum() > 0
    np.testing.assert_array_equal(a["TWAS.Z"].to_numpy(), b["TWAS.Z"].to_numpy())


def test_z_column_holding_p_values_warns(tmp_path, capsys):
    df = gwas_table()
    z = df["Z"].astype(float)
    df["Z"] = (2 * (1 - pd.Series(np.minimum(np.abs(z), 8.0)).map(lambda v: 0.5 * (1 + np.tanh(v))))).round(6).astype(str)
    path = write_gwas(df, tmp_path / "p.sumstats")
    run(assoc(path, str(tmp_path / "p.dat")))
    n = df["SNP"].isin(set(pd.read_csv(REF + "22.bim", sep="\t", header=None)[1])).sum()  # the SNPs read
    assert f"WARNING: {path}: all {n} Z values lie in [0, 1]; the Z column looks like p-values" in capsys.readouterr().err


def test_no_valid_allele_is_an_error(tmp_path, capsys):
    df = gwas_table()
    df["A1"], df["A2"] = "1", "2"
    path = write_gwas(df, tmp_path / "num.sumstats")
    before = open(path, "rb").read()
    code = run(assoc(path, str(tmp_path / "num.dat")))
    err = capsys.readouterr().err
    assert code == 1 and err == f"ERROR: {path}: no SNP has valid alleles (A1 and A2 must each be one of A, C, G, T)\n"
    assert sorted(os.listdir(tmp_path)) == ["num.sumstats"] and open(path, "rb").read() == before


def test_duplicated_bim_ids_warn(tmp_path, capsys):
    for ext in (".bed", ".fam"):
        shutil.copy(REF + "22" + ext, tmp_path / f"REF.22{ext}")
    bim = open(REF + "22.bim").read().splitlines()
    f = bim[1].split("\t")
    f[1] = bim[0].split("\t")[1]
    bim[1] = "\t".join(f)
    (tmp_path / "REF.22.bim").write_text("\n".join(bim) + "\n")
    run(assoc(GWAS, str(tmp_path / "o.dat"), ref=str(tmp_path / "REF.")))
    err = capsys.readouterr().err
    assert f"WARNING: {tmp_path / 'REF.22.bim'}: 1 rows repeat an earlier SNP id" in err


def copy_gene(tmp_path) -> str:
    for ext in (".bed", ".bim", ".fam"):
        shutil.copy(GENE + ext, tmp_path / f"g{ext}")
    return str(tmp_path / "g")


def test_duplicated_fam_samples_are_an_error(tmp_path, capsys):
    g = copy_gene(tmp_path)
    fam = open(g + ".fam").read().splitlines()
    fam[1] = " ".join(fam[0].split()[:2] + fam[1].split()[2:])
    open(g + ".fam", "w").write("\n".join(fam) + "\n")
    code = run(["compute-weights", "--bfile", g, "--out", str(tmp_path / "w"), "--models", "top1", "--verbose", "0"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "g.fam: 1 duplicated sample id(s) (FID IID)" in err
    assert not [n for n in os.listdir(tmp_path) if n.startswith("w")]


def test_covariates_missing_samples_warn(tmp_path, capsys):
    g = copy_gene(tmp_path)
    fam = [ln.split() for ln in open(g + ".fam").read().splitlines()]
    half = fam[: len(fam) // 2]
    rng = np.random.default_rng(3)
    (tmp_path / "cov.txt").write_text("FID IID PC1\n" + "".join(f"{r[0]} {r[1]} {rng.normal():.4f}\n" for r in half))
    code = run(["compute-weights", "--bfile", g, "--out", str(tmp_path / "w"), "--models", "top1", "--verbose", "0",
                "--covar", str(tmp_path / "cov.txt"), "--hsq_set", "0.1", "--crossval", "0"])
    err = capsys.readouterr().err
    assert code == 0
    n_lost = len(fam) - len(half)
    assert (f"cov.txt: {n_lost} of {len(fam)} phenotyped samples have no covariate row and were dropped "
            f"({len(half)} left)") in err


def test_make_score_all_na_weights_is_an_error(tmp_path, capsys):
    from twascli.io.rdat import read_wgt_rdat, write_wgt_rdat

    m = read_wgt_rdat(os.path.join(WEIGHTS, "TissueB", "GENE22_003.wgt.RDat"))
    m.wgt_matrix = np.full_like(m.wgt_matrix, np.nan)
    path = str(tmp_path / "na.wgt.RDat")
    write_wgt_rdat(path, m)
    code = run(["make-score", path])
    cap = capsys.readouterr()
    assert code == 1 and cap.out == ""
    assert cap.err.count("\n") == 1 and cap.err.startswith(f"ERROR: {path}: every weight of the best model (")


def test_hub_assoc_table_cut_mid_row(tmp_path, capsys):
    src = os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.dat")
    text = open(src).read()
    cut = text[: text.index("\n", len(text) // 2) - 40]  # stops inside a data row
    (tmp_path / "t.22.dat").write_text(cut)
    line = cut.count("\n") + 1
    (tmp_path / "traits.tsv").write_text("id\tassoc\nt\tt\n")
    code = run(["hub", "--traits", str(tmp_path / "traits.tsv"), "--out", str(tmp_path / "site"), "--verbose", "0"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert f"t.22.dat: assoc-test results line {line} has" in err and "(file cut short?)" in err
    assert not os.path.exists(tmp_path / "site")


def test_sumstats_from_a_pipe_and_latin1_text(tmp_path, baseline):
    """`--sumstats <(zcat f.gz)` reads the pipe once; a latin-1 free-text column does not matter."""
    import subprocess
    import sys

    df = gwas_table()
    df["NOTE"] = "M\xfcller"
    latin = tmp_path / "latin.sumstats"
    latin.write_bytes(df.to_csv(sep="\t", index=False).encode("latin-1"))
    out_pipe, out_latin = str(tmp_path / "pipe.dat"), str(tmp_path / "latin.dat")
    cmd = (f"{sys.executable} -m twascli " + " ".join(assoc("<(gzip -dc " + GWAS + ")", out_pipe)))
    res = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, cwd=HERE)
    assert res.returncode == 0, res.stderr
    pd.testing.assert_frame_equal(table(out_pipe).drop(columns="FILE"), baseline.drop(columns="FILE"))
    assert run(assoc(str(latin), out_latin)) == 0
    pd.testing.assert_frame_equal(table(out_latin).drop(columns="FILE"), baseline.drop(columns="FILE"))


def test_one_snp_gene_skips_only_enet(tmp_path, capsys):
    """A gene window with one SNP: enet (glmnet needs 2 columns) is NA, top1/blup/lasso are fitted."""
    from twascli.io.plink import read_plink, write_plink
    from twascli.io.rdat import read_wgt_rdat

    g = read_plink(GENE)
    write_plink(str(tmp_path / "one"), g.dosage[:, [239]], g.bim.iloc[[239]].reset_index(drop=True), g.fam)
    out = str(tmp_path / "w")
    code = run(["compute-weights", "--bfile", str(tmp_path / "one"), "--out", out, "--models", "top1,blup,lasso,enet",
                "--hsq_set", "0.1", "--verbose", "0"])
    assert code == 0
    assert "enet needs 2 or more SNPs (1 here)" in capsys.readouterr().err
    m = read_wgt_rdat(out + ".wgt.RDat")
    assert m.models == ["top1", "blup", "lasso", "enet"]
    assert np.isnan(m.wgt_matrix[0, 3]) and np.isfinite(m.wgt_matrix[0, :3]).all()
    assert np.isnan(m.cv_performance[:, 3]).all() and (m.cv_performance[1, :3] < 1e-20).all()


def test_monomorphic_ld_snp_is_dropped_not_the_gene(tmp_path, capsys, baseline):
    """FUSION issue #7: one SNP without variation in a custom panel; the gene is tested without it."""
    from twascli.io.plink import read_plink, write_plink
    from twascli.io.rdat import read_wgt_rdat

    ref = read_plink(REF + "22")
    wgt = read_wgt_rdat(os.path.join(WEIGHTS, "TissueA", "GENE22_001.wgt.RDat"))
    snps = ref.bim["snp"].tolist()
    j = snps.index(next(s for s in wgt.snps["snp"] if s in set(snps)))
    dosage = ref.dosage.copy()
    dosage[:, j] = 2.0
    write_plink(str(tmp_path / "REF.22"), dosage, ref.bim, ref.fam)
    out = str(tmp_path / "mono.dat")
    assert run(assoc(GWAS, out, ref=str(tmp_path / "REF."))) == 0
    assert f"REF.22.bed: 1 SNPs have no variation in the LD reference (first: {snps[j]})" in capsys.readouterr().err
    got, base = table(out), baseline
    row = got[got["ID"] == "GENE22_001"].iloc[0]
    ref_row = base[base["ID"] == "GENE22_001"].iloc[0]
    assert np.isfinite(row["TWAS.Z"]) and row["NSNP"] == ref_row["NSNP"] - 1
    others = got["ID"] != "GENE22_001"
    assert got[others]["TWAS.Z"].notna().sum() == base[base["ID"] != "GENE22_001"]["TWAS.Z"].notna().sum()
