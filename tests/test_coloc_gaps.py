"""COLOC with BETA/SE gaps (issue 11): FUSION's NA kept by default with a warning naming the genes;
--coloc_beta_from_z fills the gaps with z/sqrt(GWASN), 1/GWASN."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from twascli.cli import run

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, "data", "parity")
WEIGHTS = os.path.join(PARITY, "fusion", "WEIGHTS")
REF = os.path.join(PARITY, "data", "ldref", "REF.")
GWAS = os.path.join(PARITY, "data", "gwas", "trait_strong.sumstats.gz")
N = 4711


def args(sumstats: str, out: str, *extra: str) -> list[str]:
    return ["assoc-test", "--sumstats", sumstats, "--weights", os.path.join(WEIGHTS, "all.pos"), "--weights_dir",
            WEIGHTS, "--ref_ld_chr", REF, "--chr", "22", "--out", out, "--coloc_P", "1",
            "--PANELN", os.path.join(WEIGHTS, "panels.tsv"), *extra]


def test_coloc_beta_gaps(tmp_path, capsys):
    df = pd.read_csv(GWAS, sep="\t", dtype={"Z": float})
    df["BETA"] = df["Z"] / np.sqrt(N)  # effect sizes on the z/sqrt(N) scale: filled gaps then agree exactly
    df["SE"] = 1 / np.sqrt(N)
    df = df.iloc[::20].pipe(lambda d: df.drop(d.index))  # 5% of SNPs absent: imputed, no BETA/SE
    with_beta = tmp_path / "beta.sumstats"
    df.to_csv(with_beta, sep="\t", index=False)
    z_only = tmp_path / "z.sumstats"
    df.drop(columns=["BETA", "SE"]).to_csv(z_only, sep="\t", index=False)

    out_na = str(tmp_path / "na.dat")
    assert run(args(str(with_beta), out_na)) == 0
    err = capsys.readouterr().err
    na = pd.read_csv(out_na, sep="\t")
    gaps = na[na["COLOC.PP4"].isna() & na["TWAS.Z"].notna()]["ID"].tolist()
    assert gaps  # FUSION's behaviour kept: COLOC NA
    assert f"COLOC is NA for {len(gaps)} gene(s) whose SNPs lack BETA/SE in the GWAS (imputed SNPs): " in err
    assert all(g in err for g in gaps)

    out_fill, out_z = str(tmp_path / "fill.dat"), str(tmp_path / "z.dat")
    assert run(args(str(with_beta), out_fill, "--coloc_beta_from_z", "--GWASN", str(N))) == 0
    assert run(args(str(z_only), out_z, "--GWASN", str(N))) == 0
    fill, z = pd.read_csv(out_fill, sep="\t"), pd.read_csv(out_z, sep="\t")
    cols = [f"COLOC.PP{i}" for i in range(5)]
    assert fill.loc[fill["ID"].isin(gaps), cols].notna().all().all()
    np.testing.assert_allclose(fill[cols].to_numpy(float), z[cols].to_numpy(float), rtol=0, atol=1e-12, equal_nan=True)
    pp = fill[cols].to_numpy(float)
    ok = np.isfinite(pp).all(axis=1)
    np.testing.assert_allclose(pp[ok].sum(axis=1), 1.0, atol=3e-3)  # posteriors (rounded to 3 digits) sum to 1


def test_coloc_beta_from_z_needs_gwasn(tmp_path, capsys):
    code = run(args(GWAS, str(tmp_path / "o.dat"), "--coloc_beta_from_z"))
    assert code == 1 and capsys.readouterr().err == "ERROR: --coloc_beta_from_z needs --GWASN (the N of z/sqrt(N))\n"
    assert os.listdir(tmp_path) == []
