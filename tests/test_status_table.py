"""OUT.log, the per-gene status table beside each assoc-test output (issue 11): reasons are FUSION's
warnings, counts agree with FUSION's table and with an independent allele comparison."""

from __future__ import annotations

import gzip
import os

import pandas as pd

from twascli.cli import run
from twascli.io.rdat import read_wgt_rdat

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, "data", "parity")
WEIGHTS = os.path.join(PARITY, "fusion", "WEIGHTS")
REF = os.path.join(PARITY, "data", "ldref", "REF.")
GWAS = os.path.join(PARITY, "data", "gwas", "trait_med.sumstats.gz")
EDGE = os.path.join(PARITY, "fusion_edge")


def args(out: str, *extra: str) -> list[str]:
    return ["assoc-test", "--sumstats", GWAS, "--weights", os.path.join(WEIGHTS, "all.pos"), "--weights_dir", WEIGHTS,
            "--ref_ld_chr", REF, "--chr", "22", "--out", out, *extra]


def test_status_table_reasons_and_counts(tmp_path, capsys):
    out = str(tmp_path / "strict.dat")
    assert run(args(out, "--max_impute", "0.05", "--min_r2pred", "0.9")) == 0
    cap = capsys.readouterr()
    assert open(out).read() and "Analysis completed." in cap.out
    st = pd.read_csv(out + ".log", sep="\t", keep_default_na=False)
    assert list(st.columns) == ["ID", "PANEL", "FILE", "STATUS", "REASON", "NSNP_WEIGHTS", "NSNP_LDREF", "NSNP_GWAS",
                                "NSNP_IMPUTED", "N_FLIPPED", "N_AMBIGUOUS", "N_NON_ACGT"]
    pos = pd.read_csv(os.path.join(WEIGHTS, "all.pos"), sep="\t", dtype={"CHR": str})
    pos = pos[pos["CHR"] == "22"].reset_index(drop=True)
    assert st["ID"].tolist() == pos["ID"].tolist()
    # every skipped gene's reason is one of FUSION's warnings in its log of the same run
    fusion_log = open(os.path.join(EDGE, "strict.log")).read()
    skipped = st[st["STATUS"] == "skipped"]
    n_skip = int(fusion_log.split("NOTE: ")[1].split(" / ")[0])
    assert len(skipped) == n_skip > 0
    for r in skipped.itertuples():
        assert r.REASON in fusion_log, r.REASON
    # tested genes: SNPs with a Z plus imputed SNPs = FUSION's NSNP
    table = pd.read_csv(out, sep="\t")
    tested = st[st["STATUS"] == "tested"].merge(table, on=["ID", "PANEL"])
    assert len(tested) == len(st) - n_skip
    assert (tested["NSNP_GWAS"].astype(int) + tested["NSNP_IMPUTED"].astype(int) == tested["NSNP"]).all()
    # flipped / ambiguous counts from an independent comparison of alleles
    bim = pd.read_csv(REF + "22.bim", sep="\t", header=None, names=["chr", "snp", "cm", "pos", "a1", "a2"])
    with gzip.open(GWAS, "rt") as fh:
        gw = pd.read_csv(fh, sep="\t")
    gw["A1"], gw["A2"] = gw["A1"].str.upper(), gw["A2"].str.upper()  # alleles are case-insensitive
    row = st.iloc[0]
    wgt = read_wgt_rdat(os.path.join(WEIGHTS, pos["WGT"][0]))
    snps = bim[bim["snp"].isin(set(wgt.snps["snp"]))].merge(gw, left_on="snp", right_on="SNP", how="left")
    assert row["NSNP_LDREF"] == len(snps)
    amb = snps.apply(lambda s: {s.A1 if isinstance(s.A1, str) else s.a1, s.A2 if isinstance(s.A2, str) else s.a2}
                     in ({"A", "T"}, {"C", "G"}), axis=1)
    flipped = (snps["A1"] == snps["a2"]) & (snps["A2"] == snps["a1"]) & ~amb
    assert row["N_AMBIGUOUS"] == amb.sum() and row["N_FLIPPED"] == flipped.sum() and row["N_NON_ACGT"] == 0
    assert "trait_med chr22: " in cap.err and f"of 43 genes tested (per gene: {out}.log)" in cap.err


def test_one_status_table_per_output_file(tmp_path, capsys):
    """Without --chr and with two traits: OUT.<trait>.<chr>.dat each get their own .log."""
    gw2 = os.path.join(PARITY, "data", "gwas", "trait_null.sumstats.gz")
    a = args(str(tmp_path / "b"), "--sumstats", gw2)
    i = a.index("--chr")
    del a[i:i + 2]
    assert run(a) == 0
    err = capsys.readouterr().err
    for trait in ("trait_med", "trait_null"):
        for chrom in ("6", "22"):
            out = tmp_path / f"b.{trait}.{chrom}.dat"
            st = pd.read_csv(f"{out}.log", sep="\t", keep_default_na=False)
            tbl = pd.read_csv(out, sep="\t")
            mhc = f"{out}.MHC"
            n_rows = len(tbl) + (len(pd.read_csv(mhc, sep="\t")) if os.path.exists(mhc) else 0)
            assert (st["STATUS"] == "tested").sum() <= n_rows and len(st) >= n_rows
            assert f"{trait} chr{chrom}: " in err
