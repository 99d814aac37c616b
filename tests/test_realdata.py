"""Published, real FUSION-format weights, real GWAS and real 1000 Genomes LD (tests/data/realdata).

- CMC brain weights (FUSION's own CMC.BRAIN.RNASEQ panel, older files without N.tot) with a real
  BMI GWAS and a 1000G EUR panel: assoc-test, profile-weights and make-score against FUSION run in R
  on the same files (tests/data/realdata/fusion).
- eTWAS GTEx amygdala weights (no cv.performance or hsq; allele columns that R stored as factors,
  or as logical TRUE) with a real SLE GWAS and FUSION's LDREF: checked against an independent
  numpy computation, since FUSION itself stops on these files.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from twascli.cli import run
from twascli.io.rdat import read_wgt_rdat

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(HERE, "data", "realdata")
CMC = os.path.join(REAL, "cmc_chr1")
FUSION = os.path.join(REAL, "fusion")
ETWAS = os.path.join(REAL, "etwas")
BMI = os.path.join(REAL, "gwasvcf_chr1p36", "IEU-a-2_BMI_chr1.fusion.sumstats")
SLE = os.path.join(REAL, "sle_chr22", "SLE.chr22.fusion.sumstats")


def cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = run(args)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def text(path: str) -> str:
    with open(path) as handle:
        return handle.read()


@pytest.mark.parametrize("max_impute", ["0.5", "0.9"])
def test_cmc_assoc_matches_fusion(max_impute, tmp_path, capsys):
    """Byte-identical table and log; FILE holds the weights dir FUSION was given, so swap it."""
    out = str(tmp_path / "cmc.dat")
    code, stdout, _ = cli(["assoc-test", "--sumstats", BMI, "--weights", os.path.join(CMC, "CMC.BRAIN.RNASEQ.pos"),
                           "--weights_dir", CMC, "--ref_ld_chr", os.path.join(REAL, "gwasvcf_chr1p36", "eur."),
                           "--chr", "1", "--max_impute", max_impute, "--out", out], capsys)
    assert code == 0
    ref = text(os.path.join(FUSION, f"cmc.max_impute_{max_impute}.dat"))
    fusion_dir = ref.splitlines()[1].split("\t")[1].rsplit("/", 1)[0]
    assert text(out) == ref.replace(fusion_dir, CMC)
    assert stdout == text(os.path.join(FUSION, f"cmc.max_impute_{max_impute}.log"))
    tested = pd.read_csv(out, sep="\t", skipinitialspace=True)["TWAS.Z"].notna().sum()
    assert tested == (1 if max_impute == "0.5" else 7)  # GWAS covers < 50% of most genes' SNPs


def test_cmc_profile_matches_fusion(capsys, monkeypatch):
    monkeypatch.chdir(CMC)
    code, out, err = cli(["profile-weights", "cmc.list"], capsys)
    assert code == 0
    assert out == text(os.path.join(FUSION, "cmc.profile.out"))
    assert err == text(os.path.join(FUSION, "cmc.profile.err"))


@pytest.mark.parametrize("gene", ["AGRN", "ATAD3C", "LOC643837", "SCNN1D", "MXRA8"])
def test_cmc_make_score_matches_fusion(gene, capsys):
    code, out, _ = cli(["make-score", os.path.join(CMC, f"CMC.{gene}.wgt.RDat")], capsys)
    assert code == 0
    assert out == text(os.path.join(FUSION, "make_score", f"CMC.{gene}.score"))


def test_cmc_files_have_no_n_tot():
    model = read_wgt_rdat(os.path.join(CMC, "CMC.AGRN.wgt.RDat"))
    assert model.n_tot is None
    assert model.models == ["blup", "bslmm", "lasso", "top1", "enet"]
    assert model.wgt_matrix.shape == (200, 5)


# ----------------------------------------------------------------------------- eTWAS weights


def independent_twas_z(wgt_file: str, model: str) -> tuple[float, int]:
    """w'z / sqrt(w'Rw) with numpy alone: R from the panel's 0/1/2 counts, alleles lined up by hand."""
    m = read_wgt_rdat(wgt_file, true_as_t=True)
    w = m.wgt_matrix[:, m.models.index(model)]
    bim = pd.read_csv(os.path.join(ETWAS, "1000G.EUR.22.bim"), sep="\t", header=None,
                      names=["chr", "snp", "cm", "pos", "a1", "a2"])
    gw = pd.read_csv(SLE, sep="\t").set_index("SNP")
    n = len(pd.read_csv(os.path.join(ETWAS, "1000G.EUR.22.fam"), sep=r"\s+", header=None))
    raw = np.fromfile(os.path.join(ETWAS, "1000G.EUR.22.bed"), dtype=np.uint8)[3:]
    per = (n + 3) // 4
    codes = np.unpackbits(raw.reshape(len(bim), per)[:, :, None], axis=2, bitorder="little")
    codes = codes.reshape(len(bim), per, 4, 2)
    pair = codes[..., 0] + 2 * codes[..., 1]  # PLINK 2-bit codes: 0 hom A1, 2 het, 3 hom A2
    counts = np.select([pair == 0, pair == 2, pair == 3], [2.0, 1.0, 0.0], np.nan).reshape(len(bim), -1)[:, :n]
    idx, z, wts = [], [], []
    for snp, a1, a2, wj in zip(m.snps["snp"], m.snps["a1"], m.snps["a2"], w):
        row = np.flatnonzero(bim["snp"].to_numpy() == snp)
        if row.size == 0 or snp not in gw.index:
            continue
        r = int(row[0])
        sign = 1.0 if (a1, a2) == (bim["a1"][r], bim["a2"][r]) else -1.0
        g = gw.loc[snp]
        zsign = 1.0 if (g["A1"], g["A2"]) == (bim["a1"][r], bim["a2"][r]) else -1.0
        idx.append(r)
        wts.append(sign * wj)
        z.append(zsign * g["Z"])
    x = counts[idx].T
    x = (x - x.mean(0)) / x.std(0, ddof=1)
    ld = x.T @ x / (n - 1)
    wts, z = np.array(wts), np.array(z)
    return float(wts @ z / np.sqrt(wts @ ld @ wts)), len(idx)


def run_etwas(tmp_path, capsys, *extra: str) -> tuple[pd.DataFrame, str]:
    out = str(tmp_path / "etwas.dat")
    code, stdout, _ = cli(["assoc-test", "--sumstats", SLE, "--weights", os.path.join(ETWAS, "amygdala.pos"),
                           "--weights_dir", ETWAS, "--ref_ld_chr", os.path.join(ETWAS, "1000G.EUR."),
                           "--chr", "22", "--force_model", "etwas", "--out", out, *extra], capsys)
    assert code == 0
    raw = text(out)
    assert "\t\t" not in raw  # no empty fields: FUSION's post-process reads on whitespace
    return pd.read_csv(out, sep="\t", skipinitialspace=True).set_index("ID"), stdout


def test_etwas_hic2_matches_independent_computation(tmp_path, capsys):
    tbl, _ = run_etwas(tmp_path, capsys)
    want, nsnp = independent_twas_z(os.path.join(ETWAS, "Brain_Amygdala.rdata", "ENSG00000169635.9.RData"), "etwas")
    assert nsnp == 9
    row = tbl.loc["ENSG00000169635.9"]
    assert row["NSNP"] == 9 and row["MODEL"] == "etwas"
    assert row["TWAS.Z"] == pytest.approx(round(want, 2), abs=1e-9)  # 3 significant digits: -1.15
    assert np.isnan(row["MODELCV.R2"]) and np.isnan(row["MODELCV.PV"])  # no cv.performance: NA


def test_etwas_logical_true_alleles(tmp_path, capsys):
    """PPIL2's A1 column is logical TRUE in the file: FUSION compares the text 'TRUE' (no flips)."""
    path = os.path.join(ETWAS, "Brain_Amygdala.rdata", "ENSG00000100023.18.RData")
    plain, fixed = read_wgt_rdat(path), read_wgt_rdat(path, true_as_t=True)
    assert plain.logical_alleles and list(plain.snps["a1"]) == ["TRUE"] * 4
    assert list(fixed.snps["a1"]) == ["T"] * 4 and list(fixed.snps["a2"]) == ["C"] * 4
    assert not read_wgt_rdat(os.path.join(ETWAS, "Brain_Amygdala.rdata", "ENSG00000169635.9.RData")).logical_alleles
    tbl, stdout = run_etwas(tmp_path, capsys)
    assert stdout.count("stores alleles as R logical TRUE") == 1
    assert "ENSG00000100023.18" in [line.split()[3] for line in stdout.splitlines() if "logical TRUE" in line]
    # panel and GWAS carry T/C for these SNPs, so reading TRUE as T changes no sign here
    want, nsnp = independent_twas_z(path, "etwas")
    assert tbl.loc["ENSG00000100023.18", "TWAS.Z"] == pytest.approx(round(want, 2), abs=1e-9)
    tbl_fixed, stdout_fixed = run_etwas(tmp_path, capsys, "--fix_true_alleles")
    assert "logical TRUE" not in stdout_fixed
    assert tbl_fixed.loc["ENSG00000100023.18", "TWAS.Z"] == tbl.loc["ENSG00000100023.18", "TWAS.Z"]


def test_fix_true_alleles_flips_swapped_snps(tmp_path, capsys):
    """With the panel's alleles swapped (same people), only --fix_true_alleles lines PPIL2 up again."""
    from twascli.io.plink import read_plink, write_plink

    geno = read_plink(os.path.join(ETWAS, "1000G.EUR.22"))
    bim = geno.bim.copy()
    bim[["a1", "a2"]] = bim[["a2", "a1"]].to_numpy()
    swapped = tmp_path / "swapped."
    write_plink(f"{swapped}22", 2.0 - geno.dosage, bim, geno.fam)
    gene = "ENSG00000100023.18"

    def twas_z(ref: str, *extra: str) -> float:
        out = str(tmp_path / "o.dat")
        code, _, _ = cli(["assoc-test", "--sumstats", SLE, "--weights", os.path.join(ETWAS, "amygdala.pos"),
                          "--weights_dir", ETWAS, "--ref_ld_chr", ref, "--chr", "22", "--force_model", "etwas",
                          "--out", out, *extra], capsys)
        assert code == 0
        return float(pd.read_csv(out, sep="\t", skipinitialspace=True).set_index("ID").loc[gene, "TWAS.Z"])

    original = twas_z(os.path.join(ETWAS, "1000G.EUR."))
    assert original == pytest.approx(1.59)
    assert twas_z(str(swapped), "--fix_true_alleles") == original
    assert twas_z(str(swapped)) == -original  # FUSION's reading: 'TRUE' never matches, weights unflipped


def test_make_score_fix_true_alleles(capsys):
    """PPIL2's file plus a cv.performance (saved by R): FUSION's make_score.R prints TRUE; fixed, T."""
    path = os.path.join(ETWAS, "ppil2_with_cv.wgt.RDat")
    code, out, _ = cli(["make-score", path], capsys)
    assert code == 0 and out == text(os.path.join(FUSION, "make_score", "ppil2_with_cv.score"))
    code, fixed, _ = cli(["make-score", path, "--fix_true_alleles"], capsys)
    assert code == 0 and fixed == out.replace("\tTRUE\t", "\tT\t")
    assert fixed.splitlines()[0].split() == ["rs861854", "T", "C", "-1.317"]


# ----------------------------------------------------------------------------- compute-weights


@pytest.mark.parametrize("gene", ["CBY1", "ATP6V1E1"])
def test_compute_weights_real_genotypes_match_fusion(gene, tmp_path, capsys):
    """Real 1000G genotypes (373 people): FUSION with PLINK 1.9, GEMMA and R glmnet, hsq fixed."""
    src = os.path.join(REAL, "ds_real", "TissueA", gene)
    out = str(tmp_path / gene)
    code, _, _ = cli(["compute-weights", "--bfile", src, "--pheno", src + ".pheno", "--tmp", out + ".tmp",
                      "--out", out, "--hsq_set", "0.1", "--verbose", "0"], capsys)
    assert code == 0
    mine = read_wgt_rdat(out + ".wgt.RDat")
    ref = read_wgt_rdat(os.path.join(REAL, "ds_real", "fusion", gene + ".wgt.RDat"))
    assert mine.models == ref.models == ["blup", "lasso", "top1", "enet"]  # FUSION's default order
    assert mine.snps.astype(str).values.tolist() == ref.snps.astype(str).values.tolist()
    assert mine.n_tot == ref.n_tot == 373
    col = {m: i for i, m in enumerate(mine.models)}
    for m in ("top1", "enet"):  # R's RNG reproduced: same folds, same glmnet paths
        np.testing.assert_allclose(mine.wgt_matrix[:, col[m]], ref.wgt_matrix[:, col[m]], atol=1e-10)
        np.testing.assert_allclose(mine.cv_performance[:, col[m]], ref.cv_performance[:, col[m]], rtol=1e-9, atol=1e-12)
    blup = col["blup"]
    assert np.corrcoef(mine.wgt_matrix[:, blup], ref.wgt_matrix[:, blup])[0, 1] > 0.99999
    assert abs(mine.cv_performance[0, blup] - ref.cv_performance[0, blup]) < 1e-6
    lasso = col["lasso"]  # PLINK draws its lambda at random: close, not equal
    assert np.corrcoef(mine.wgt_matrix[:, lasso], ref.wgt_matrix[:, lasso])[0, 1] > 0.999
    assert abs(mine.cv_performance[0, lasso] - ref.cv_performance[0, lasso]) < 2e-3


def test_corrupt_plink2_reference_is_one_line(tmp_path, capsys):
    """An LD reference given as PLINK 2 .pgen is read (tests/test_pgen.py); corrupt files are named
    in one line (before issue 14 this test checked the plink2 conversion hint printed instead)."""
    for ext in ("pgen", "pvar", "psam"):
        (tmp_path / f"ref.22.{ext}").write_bytes(b"l\x1b\x10")
    out = tmp_path / "o.dat"
    code, _, err = cli(["assoc-test", "--sumstats", SLE, "--weights", os.path.join(ETWAS, "amygdala.pos"),
                        "--weights_dir", ETWAS, "--ref_ld_chr", str(tmp_path / "ref."), "--chr", "22",
                        "--out", str(out)], capsys)
    assert code == 1 and not out.exists()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: {tmp_path}/ref.22.pvar: ")


@pytest.mark.parametrize("match_by", ["auto", "position"])
def test_cmc_assoc_on_the_original_gwas_vcf(match_by, tmp_path, capsys):
    """The real GWAS-VCF the FUSION-format BMI file was derived from, read directly (by rsID, or by
    position and alleles): FUSION's own table."""
    out = str(tmp_path / "cmc.dat")
    code, _, _ = cli(["assoc-test", "--sumstats", os.path.join(REAL, "gwasvcf_chr1p36", "data.vcf.gz"),
                      "--weights", os.path.join(CMC, "CMC.BRAIN.RNASEQ.pos"), "--weights_dir", CMC,
                      "--ref_ld_chr", os.path.join(REAL, "gwasvcf_chr1p36", "eur."), "--chr", "1",
                      "--max_impute", "0.9", "--out", out, "--match_by", match_by], capsys)
    assert code == 0
    ref = text(os.path.join(FUSION, "cmc.max_impute_0.9.dat"))
    fusion_dir = ref.splitlines()[1].split("\t")[1].rsplit("/", 1)[0]
    assert text(out) == ref.replace(fusion_dir, CMC)
