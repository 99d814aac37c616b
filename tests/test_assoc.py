"""assoc-test against real FUSION outputs (tests/data/parity, see SOURCE.md there).

For every trait x chromosome: the 3-digit file must equal FUSION's byte for byte (FILE column
compared by file name), and the full-precision numbers must agree with FUSION's 12-digit run to
1e-6 relative.
"""

from __future__ import annotations

import gzip
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from twascli.cli import run

DATA = os.path.join(os.path.dirname(__file__), "data", "parity")
WEIGHTS = os.path.join(DATA, "fusion", "WEIGHTS")
TRAITS = ["trait_direct", "trait_med", "trait_null", "trait_strong"]
CHRS = ["22", "6"]
NUMERIC = ["HSQ", "BEST.GWAS.Z", "EQTL.R2", "EQTL.Z", "EQTL.GWAS.Z", "NSNP", "NWGT", "TWAS.Z", "TWAS.P",
           "COLOC.PP0", "COLOC.PP1", "COLOC.PP2", "COLOC.PP3", "COLOC.PP4"]


def assoc_args(trait: str, chrom: str, out: str, *extra: str) -> list[str]:
    return [
        "assoc-test", "--sumstats", os.path.join(DATA, "data", "gwas", f"{trait}.sumstats.gz"),
        "--weights", os.path.join(WEIGHTS, "all.pos"), "--weights_dir", WEIGHTS,
        "--ref_ld_chr", os.path.join(DATA, "data", "ldref", "REF."), "--chr", chrom, "--out", out,
        "--coloc_P", "0.05", "--GWASN", "4711", "--PANELN", os.path.join(WEIGHTS, "panels.tsv"), *extra,
    ]


def strip_file_dir(text: str) -> str:
    """Replace the FILE column's directory by nothing, so machines' paths do not matter."""
    lines = text.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split("\t")
        cells[1] = cells[1].split("WEIGHTS/")[-1]
        out.append("\t".join(cells))
    return "\n".join(out) + "\n"


def read_dat(path: str) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", na_values=["NA"], skipinitialspace=True, keep_default_na=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Run assoc-test once per trait x chromosome, at FUSION's 3 digits and at 12 digits."""
    tmp = tmp_path_factory.mktemp("assoc")
    done = {}
    for trait in TRAITS:
        for chrom in CHRS:
            out3 = str(tmp / f"{trait}.{chrom}.dat")
            out12 = str(tmp / f"{trait}.{chrom}.hp.dat")
            assert run(assoc_args(trait, chrom, out3)) == 0
            assert run(assoc_args(trait, chrom, out12, "--digits", "12")) == 0
            done[(trait, chrom)] = (out3, out12)
    return done


@pytest.mark.parametrize("trait", TRAITS)
@pytest.mark.parametrize("chrom", CHRS)
def test_byte_identical_to_fusion(runs, trait, chrom):
    out3, _ = runs[(trait, chrom)]
    for suffix in [""] + ([".MHC"] if chrom == "6" else []):
        ours = strip_file_dir(open(out3 + suffix).read())
        ref = strip_file_dir(open(os.path.join(DATA, "fusion", "assoc", f"{trait}.{chrom}.dat{suffix}")).read())
        assert ours == ref
    if chrom == "22":
        assert not os.path.exists(out3 + ".MHC")


def hp_tables(runs: dict, trait: str, chrom: str) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(our 12-digit table, FUSION's 12-digit table) for the .dat and, on chr6, the .dat.MHC."""
    _, out12 = runs[(trait, chrom)]
    return [(read_dat(out12 + suffix), read_dat(os.path.join(DATA, "fusion_hp", "assoc", f"{trait}.{chrom}.dat{suffix}")))
            for suffix in [""] + ([".MHC"] if chrom == "6" else [])]


@pytest.mark.parametrize("trait", TRAITS)
@pytest.mark.parametrize("chrom", CHRS)
def test_full_precision_matches_fusion(runs, trait, chrom):
    for ours, ref in hp_tables(runs, trait, chrom):
        assert list(ours.columns) == list(ref.columns)
        assert list(ours["ID"]) == list(ref["ID"]) and list(ours["PANEL"]) == list(ref["PANEL"])
        for col in ["BEST.GWAS.ID", "EQTL.ID", "MODEL", "MODELCV.R2", "MODELCV.PV"]:
            assert list(ours[col].astype(str)) == list(ref[col].astype(str)), col
        for col in NUMERIC:
            a, b = ours[col].to_numpy(float), ref[col].to_numpy(float)
            assert np.array_equal(np.isnan(a), np.isnan(b)), col
            ok = ~np.isnan(a)
            np.testing.assert_allclose(a[ok], b[ok], rtol=1e-6, atol=0, err_msg=col)


def test_skip_warnings_and_summary_match_fusion_log(tmp_path, capsys):
    out = str(tmp_path / "t.6.dat")
    assert run(assoc_args("trait_strong", "6", out)) == 0
    printed = capsys.readouterr().out.splitlines()
    warnings = [line for line in printed if line.startswith("WARNING")]
    assert warnings == [
        "WARNING :  TissueA/GENE6_035.wgt.RDat GENE6_035 6 33450337 33488349 TissueA 400 had mean GWAS "
        "Z-score imputation r2 of 0.3960824 at expression weight SNPs, skipping this gene.",
        "WARNING :  TissueB/GENE6_018.wgt.RDat GENE6_018 6 28552780 28589666 TissueB 300 had mean GWAS "
        "Z-score imputation r2 of 0.3832399 at expression weight SNPs, skipping this gene.",
    ]
    assert "NOTE: 2 / 43 genes were skipped" in printed
    assert f"Results in the MHC are written to {out}.MHC , evaluate with caution due to complex LD structure" in printed


def test_chr_prefixed_names_work(tmp_path):
    """'--chr chr22' finds REF.22 files and '22' rows; LD files named chr22 are found for '22'."""
    ref_dir = tmp_path / "ld"
    ref_dir.mkdir()
    for ext in (".bed", ".bim", ".fam"):
        shutil.copy(os.path.join(DATA, "data", "ldref", "REF.22" + ext), ref_dir / f"REF.chr22{ext}")
    out_a = str(tmp_path / "a.dat")
    args = assoc_args("trait_strong", "chr22", out_a)
    args[args.index("--ref_ld_chr") + 1] = str(ref_dir / "REF.")
    assert run(args) == 0
    ref = strip_file_dir(open(os.path.join(DATA, "fusion", "assoc", "trait_strong.22.dat")).read())
    assert strip_file_dir(open(out_a).read()) == ref


def test_permutation_p_values_are_consistent(tmp_path):
    """Adaptive permutation: strong hits stop early with P ~ 11/N; the columns appear after COLOC."""
    out = str(tmp_path / "perm.dat")
    assert run(assoc_args("trait_strong", "22", out, "--perm", "2000", "--digits", "12")) == 0
    tab = read_dat(out)
    assert list(tab.columns[-3:]) == ["PERM.PV", "PERM.N", "PERM.ANL_PV"]
    tested = tab["TWAS.P"] < 0.05
    assert tested.any()
    # untested genes keep FUSION's initial 0s
    assert (tab.loc[~tested, ["PERM.PV", "PERM.N", "PERM.ANL_PV"]].fillna(-1) == 0).all().all()
    for _, row in tab.loc[tested].iterrows():
        if row["PERM.N"] < 2000:  # stopped early: more than 10 exceedances
            assert row["PERM.PV"] == pytest.approx(12 / row["PERM.N"])
            assert np.isnan(row["PERM.ANL_PV"])
        else:
            assert 0 <= row["PERM.PV"] <= 10 / 2000
            # a permuted-weights null of a strong hit: analytic p-value far below 0.05
            assert row["PERM.ANL_PV"] < 0.05


def test_gzip_and_plain_sumstats_agree(tmp_path):
    plain = tmp_path / "t.sumstats"
    with gzip.open(os.path.join(DATA, "data", "gwas", "trait_med.sumstats.gz"), "rt") as fh:
        plain.write_text(fh.read())
    a, b = str(tmp_path / "a.dat"), str(tmp_path / "b.dat")
    assert run(assoc_args("trait_med", "22", a)) == 0
    args = assoc_args("trait_med", "22", b)
    args[args.index("--sumstats") + 1] = str(plain)
    assert run(args) == 0
    assert open(a).read() == open(b).read()


def test_force_model_and_caviar(tmp_path):
    out = str(tmp_path / "f.dat")
    assert run(assoc_args("trait_strong", "22", out, "--force_model", "enet", "--caviar")) == 0
    tab = read_dat(out)
    assert set(tab["MODEL"]) == {"enet"}
    gene = tab["ID"].iloc[0]
    ld = np.loadtxt(f"{out}.{gene}.CAVIAR.LD")
    assert ld.shape[0] == ld.shape[1] == tab["NSNP"].iloc[0]
    np.testing.assert_allclose(np.diag(ld), 1.0)
    np.testing.assert_allclose(ld, ld.T)
    gz = pd.read_csv(f"{out}.{gene}.CAVIAR.GWAS.Z", sep="\t", header=None)
    assert len(gz) == ld.shape[0]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda a: a.__setitem__(a.index("--sumstats") + 1, "/nonexistent.sumstats"), "/nonexistent.sumstats: sumstats file not found"),
        (lambda a: a.__setitem__(a.index("--chr") + 1, "3"), "no weights on chromosome 3"),
        (lambda a: a.__setitem__(a.index("--ref_ld_chr") + 1, "/nonexistent/REF."), "/nonexistent/REF.22.bed: file not found"),
    ],
)
def test_bad_input_one_line_error(tmp_path, capsys, mutate, message):
    out = str(tmp_path / "bad.dat")
    args = assoc_args("trait_med", "22", out)
    mutate(args)
    assert run(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not os.listdir(tmp_path)


def test_missing_z_column_and_no_overlap(tmp_path, capsys):
    bad = tmp_path / "noz.sumstats"
    bad.write_text("SNP\tA1\tA2\tBETA\nrs1\tA\tG\t0.1\n")
    args = assoc_args("trait_med", "22", str(tmp_path / "o.dat"))
    args[args.index("--sumstats") + 1] = str(bad)
    assert run(args) == 1
    assert "lacks required column(s) Z" in capsys.readouterr().err
    other = tmp_path / "other.sumstats"
    other.write_text("SNP\tA1\tA2\tZ\nrsX1\tA\tG\t1.5\nrsX2\tC\tT\t-2\n")
    args[args.index("--sumstats") + 1] = str(other)
    assert run(args) == 1
    assert "no SNP overlaps the LD reference" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "o.dat")


def test_corrupt_weight_file(tmp_path, capsys):
    wdir = tmp_path / "W" / "TissueA"
    wdir.mkdir(parents=True)
    (wdir / "GENE22_001.wgt.RDat").write_bytes(b"\x1f\x8b\x08\x00garbage")
    pos = tmp_path / "W" / "x.pos"
    pos.write_text("WGT\tID\tCHR\tP0\tP1\nTissueA/GENE22_001.wgt.RDat\tGENE22_001\t22\t17625034\t17679202\n")
    args = assoc_args("trait_med", "22", str(tmp_path / "o.dat"))
    args[args.index("--weights") + 1] = str(pos)
    args[args.index("--weights_dir") + 1] = str(tmp_path / "W")
    args = args[: args.index("--coloc_P")]
    assert run(args) == 1
    err = capsys.readouterr().err
    assert "GENE22_001.wgt.RDat" in err and len(err.strip().splitlines()) == 1
    assert not os.path.exists(tmp_path / "o.dat")


# the columns that are pure linear algebra on the weights, panel and GWAS (COLOC's are not)
TWAS_NUMERIC = ["HSQ", "BEST.GWAS.Z", "EQTL.R2", "EQTL.Z", "EQTL.GWAS.Z", "NSNP", "NWGT", "TWAS.Z", "TWAS.P"]


@pytest.mark.parametrize("trait", TRAITS)
@pytest.mark.parametrize("chrom", CHRS)
def test_twas_statistics_agree_with_fusion_at_12_digits(runs, trait, chrom):
    """The 12-digit run (LD, IMPG imputation, TWAS z and p) agrees with FUSION's at 1e-10 relative."""
    for ours, ref in hp_tables(runs, trait, chrom):
        for col in TWAS_NUMERIC:
            a, b = ours[col].to_numpy(float), ref[col].to_numpy(float)
            ok = ~np.isnan(b)
            np.testing.assert_allclose(a[ok], b[ok], rtol=1e-10, atol=0, err_msg=col)
