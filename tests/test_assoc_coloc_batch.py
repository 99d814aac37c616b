"""assoc-test COLOC columns against a real FUSION run, and batch modes against single runs."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from twascli.cli import run
from test_assoc import DATA, WEIGHTS, assoc_args, read_dat, strip_file_dir

COLOC = os.path.join(DATA, "fusion_coloc")


def coloc_args(chrom: str, out: str) -> list[str]:
    return [
        "assoc-test", "--sumstats", os.path.join(COLOC, "trait_strong.noBETA.sumstats.gz"),
        "--weights", os.path.join(WEIGHTS, "all.pos"), "--weights_dir", WEIGHTS,
        "--ref_ld_chr", os.path.join(DATA, "data", "ldref", "REF."), "--chr", chrom, "--out", out,
        "--coloc_P", "0.05", "--coloc_susie_P", "0.01", "--GWASN", "4711",
        "--PANELN", os.path.join(WEIGHTS, "panels.tsv"),
    ]


def strip_paths(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["FILE"] = df["FILE"].str.split("WEIGHTS/").str[-1]
    return df


@pytest.mark.parametrize("chrom", ["22", "6"])
def test_coloc_abf_and_susie_match_fusion(tmp_path, chrom):
    out = str(tmp_path / f"strong.{chrom}.dat")
    assert run(coloc_args(chrom, out)) == 0
    # the tables (COLOC.PP* rounded to 3 decimals, COLOC.SUSIE.* at 3 digits) are FUSION's bytes
    for suffix in [""] + ([".MHC"] if chrom == "6" else []):
        assert strip_file_dir(open(out + suffix).read()) == strip_file_dir(open(os.path.join(COLOC, f"strong.{chrom}.dat{suffix}")).read())
    tab = read_dat(out)
    assert tab["COLOC.PP4"].notna().sum() > 0
    # coloc.susie tables: same rows, columns and text; numbers to 1e-6 (SuSiE iterates to 1e-3,
    # so the ~1e-13 LD differences from R's BLAS show up around 1e-8)
    for kind, ref_name in (("summary", f"strong.{chrom}.dat.coloc.susie.summary"),
                           ("results", f"strong.{chrom}.dat.coloc.susie.results.gz")):
        ours = strip_paths(pd.read_csv(f"{out}.coloc.susie.{kind}", sep="\t"))
        ref = strip_paths(pd.read_csv(os.path.join(COLOC, ref_name), sep="\t"))
        assert list(ours.columns) == list(ref.columns)
        assert ours.shape == ref.shape
        for col in ours.columns:
            if ref[col].dtype.kind == "f":
                np.testing.assert_allclose(ours[col].to_numpy(float), ref[col].to_numpy(float), rtol=1e-6, atol=1e-12, err_msg=col)
            else:
                assert list(ours[col].astype(str)) == list(ref[col].astype(str)), col


def test_twenty_trait_style_batch_equals_single_runs(tmp_path):
    """Several --sumstats in one call: each per-trait file is byte-identical to a single run."""
    traits = ["trait_med", "trait_null", "trait_strong"]
    gw = os.path.join(DATA, "data", "gwas")
    args = ["assoc-test", "--weights", os.path.join(WEIGHTS, "all.pos"), "--weights_dir", WEIGHTS,
            "--ref_ld_chr", os.path.join(DATA, "data", "ldref", "REF."), "--chr", "22",
            "--out", str(tmp_path / "batch"), "--perm", "500", "--threads", "2"]
    for t in traits:
        args += ["--sumstats", os.path.join(gw, f"{t}.sumstats.gz")]
    assert run(args) == 0
    for t in traits:
        single = str(tmp_path / f"single.{t}.dat")
        a = assoc_args(t, "22", single, "--perm", "500")
        a = a[: a.index("--coloc_P")] + a[a.index("--PANELN") + 2:]
        assert run(a) == 0
        assert open(tmp_path / f"batch.{t}.22.dat").read() == open(single).read()


def test_all_chromosomes_when_chr_omitted(tmp_path):
    table = tmp_path / "traits.tsv"
    table.write_text("TRAIT\tSUMSTATS\nstrong\t" + os.path.join(DATA, "data", "gwas", "trait_strong.sumstats.gz") + "\n")
    out = str(tmp_path / "all")
    args = ["assoc-test", "--sumstats_list", str(table), "--weights", os.path.join(WEIGHTS, "all.pos"),
            "--weights_dir", WEIGHTS, "--ref_ld_chr", os.path.join(DATA, "data", "ldref", "REF."), "--out", out]
    assert run(args) == 0
    for chrom in ("22", "6"):
        ours = open(f"{out}.{chrom}.dat").read()
        ref = open(os.path.join(DATA, "fusion", "assoc", f"trait_strong.{chrom}.dat")).read()
        # FUSION's reference run had --coloc_P: compare the 20 base columns
        cut = lambda text: "\n".join("\t".join(line.split("\t")[:20]) for line in text.splitlines())
        assert strip_file_dir(cut(ours) + "\n") == strip_file_dir(cut(ref) + "\n")
    assert os.path.exists(f"{out}.6.dat.MHC")
