"""Every GWAS format gives assoc-test the table the equivalent FUSION Z file gives (issue 14).

The formats are written from one parity GWAS (tests/data/parity, trait_med): Z = BETA/SE is the
reference FUSION-format file; BETA/SE, OR/SE, OR/P, P+sign, GWAS-SSF (positions only, no rsID)
and GWAS-VCF carry the same statistics. Exact conversions (BETA/SE) are compared at 12 digits,
the others at FUSION's 3 (a p-value round trip moves Z by a few ulps).
"""

from __future__ import annotations

import gzip
import os

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from twascli.cli import run
from twascli.core import zscores

DATA = os.path.join(os.path.dirname(__file__), "data", "parity")
WEIGHTS = os.path.join(DATA, "fusion", "WEIGHTS")
REF = os.path.join(DATA, "data", "ldref", "REF.")


def assoc(sumstats: str, out: str, *extra: str) -> list[str]:
    return ["assoc-test", "--sumstats", sumstats, "--weights", os.path.join(WEIGHTS, "all.pos"),
            "--weights_dir", WEIGHTS, "--ref_ld_chr", REF, "--chr", "22", "--out", out, *extra]


@pytest.fixture(scope="module")
def gwas() -> pd.DataFrame:
    df = pd.read_csv(os.path.join(DATA, "data", "gwas", "trait_med.sumstats.gz"), sep="\t")
    bim = pd.read_csv(REF + "22.bim", sep="\t", header=None, names=["chr", "snp", "cm", "pos", "a1", "a2"])
    pos = df["SNP"].map(dict(zip(bim["snp"], bim["pos"])))
    df["CHR"] = np.where(pos.notna(), "22", "21")  # SNPs not in the panel: elsewhere
    df["POS"] = np.where(pos.notna(), pos.fillna(0), 10_000_000 + np.arange(len(df))).astype(np.int64)
    df["Z"] = df["BETA"] / df["SE"]
    return df


def write(path, df: pd.DataFrame, sep="\t") -> str:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt") as handle:
        df.to_csv(handle, sep=sep, index=False, na_rep="NA")
    return str(path)


def formats(g: pd.DataFrame, tmp) -> dict[str, tuple[str, int]]:
    """name -> (file, digits to compare at)."""
    p = 2 * norm.sf(np.abs(g["Z"]))
    out = {
        "metal_beta_se": (write(tmp / "metal.txt", pd.DataFrame({"MarkerName": g.SNP, "Allele1": g.A1.str.lower(),
                          "Allele2": g.A2.str.lower(), "Effect": g.BETA, "StdErr": g.SE, "P-value": p})), 12),
        "or_se": (write(tmp / "or_se.txt", pd.DataFrame({"SNP": g.SNP, "EA": g.A1, "NEA": g.A2,
                        "OR": np.exp(g.BETA), "SE": g.SE}), sep=" "), 3),
        "or_p": (write(tmp / "or_p.txt.gz", pd.DataFrame({"rsid": g.SNP, "effect_allele": g.A1, "other_allele": g.A2,
                       "odds_ratio": np.exp(g.BETA), "p_value": p})), 3),
        "p_sign": (write(tmp / "p_sign.txt", pd.DataFrame({"SNP": g.SNP, "A1": g.A1, "A2": g.A2, "P": p,
                         "SIGN": np.sign(g.BETA)})), 3),
        "ssf_positions": (write(tmp / "gwas.tsv.gz", pd.DataFrame({"chromosome": g.CHR, "base_pair_location": g.POS,
                                "effect_allele": g.A1, "other_allele": g.A2, "beta": g.BETA, "standard_error": g.SE,
                                "p_value": p, "n": g.N})), 12),
    }
    vcf = tmp / "gwas.vcf.gz"
    lp = -np.log10(p)
    ids = np.where(np.arange(len(g)) % 3 == 0, ".", g.SNP)  # some rows without rsID: matched by id anyway
    with gzip.open(vcf, "wt") as h:
        h.write("##fileformat=VCFv4.2\n##FORMAT=<ID=ES,Number=A,Type=Float>\n")
        h.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSTUDY1\n")
        for i in range(len(g)):
            h.write(f"{g.CHR.iat[i]}\t{g.POS.iat[i]}\t{g.SNP.iat[i]}\t{g.A2.iat[i]}\t{g.A1.iat[i]}\t.\tPASS\t.\t"
                    f"ES:SE:LP:SS:ID\t{float(g.BETA.iat[i])!r}:{float(g.SE.iat[i])!r}:{float(lp[i])!r}:{g.N.iat[i]}:{ids[i]}\n")
    out["gwas_vcf"] = (str(vcf), 12)
    return out


@pytest.fixture(scope="module")
def reference(gwas, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fmt")
    z = write(tmp / "ref.sumstats", gwas[["SNP", "A1", "A2", "Z"]])
    outs = {}
    for digits in (3, 12):
        out = str(tmp / f"ref.{digits}.dat")
        assert run(assoc(z, out, "--digits", str(digits))) == 0
        outs[digits] = open(out).read()
    return tmp, outs


@pytest.mark.parametrize("name", ["metal_beta_se", "or_se", "or_p", "p_sign", "ssf_positions", "gwas_vcf"])
def test_format_gives_the_z_file_table(gwas, reference, name):
    tmp, ref = reference
    path, digits = formats(gwas, tmp)[name]
    out = str(tmp / f"{name}.dat")
    assert run(assoc(path, out, "--digits", str(digits))) == 0
    assert open(out).read() == ref[digits]
    # the munged file gives the same table as the inline conversion
    munged = str(tmp / f"{name}.munged")
    assert run(["munge", "--sumstats", path, "--out", munged]) == 0
    out2 = str(tmp / f"{name}.m.dat")
    assert run(assoc(munged, out2, "--digits", str(digits))) == 0
    assert open(out2).read() == ref[digits]


def test_munge_report_counts_every_row(tmp_path, capsys):
    src = write(tmp_path / "g.txt", pd.DataFrame({
        "SNP": ["rs1", "rs2", "rs3", "rs4", "rs1", "rs6"], "A1": ["A", "C", "", "G", "A", "T"],
        "A2": ["G", "T", "G", "A", "G", "C"], "BETA": ["0.1", "-0.2", "0.3", "NA", "0.5", "0.1"],
        "SE": ["0.05", "0.1", "0.1", "0.1", "0.1", "0"]}))
    assert run(["munge", "--sumstats", src, "--out", str(tmp_path / "g.sumstats")]) == 0
    text = capsys.readouterr().out
    assert "6 rows read" in text and "Z from BETA/SE: 2 SNPs" in text
    assert "dropped 1: SE not positive" in text and "dropped 1: missing allele" in text
    assert "dropped 1: missing or non-numeric statistic" in text
    assert "dropped 1: duplicate SNP id (first row kept)" in text
    got = pd.read_csv(tmp_path / "g.sumstats", sep="\t")
    assert list(got.columns) == ["SNP", "A1", "A2", "Z", "BETA", "SE"]
    assert got["Z"].tolist() == [0.1 / 0.05, -0.2 / 0.1]


def test_tiny_p_values_keep_their_z():
    # P = 1e-400 underflows a double; -log10 P (VCF's LP) or the text keeps it. Reference: |Z| solving
    # the normal tail's asymptotic series log(P/2) = -z^2/2 - log(z sqrt(2 pi)) + log(1 - z^-2 + 3z^-4 - 15z^-6)
    def tail(z):
        return -z * z / 2 - np.log(z) - 0.5 * np.log(2 * np.pi) + np.log(1 - z**-2 + 3 * z**-4 - 15 * z**-6)

    expected = brentq(lambda z: tail(z) - (np.log(0.5) - 400 * np.log(10)), 30, 50, xtol=1e-14)
    z_lp = zscores.z_from_log10p(np.array([400.0, -np.log10(0.05)]), np.array([-1.0, 1.0]))
    z_txt = zscores.z_from_p(np.array([0.0]), np.array([1.0]), np.array(["1e-400"]))
    assert z_lp[0] == pytest.approx(-expected, rel=1e-12) and z_txt[0] == pytest.approx(expected, rel=1e-12)
    assert z_lp[1] == pytest.approx(norm.isf(0.025), rel=1e-12)


def test_wrong_build_stops(gwas, tmp_path, capsys):
    shifted = gwas.assign(POS=gwas.POS + 1000)
    path = write(tmp_path / "b38.tsv", pd.DataFrame({"chromosome": shifted.CHR, "base_pair_location": shifted.POS,
                 "effect_allele": shifted.A1, "other_allele": shifted.A2, "beta": shifted.BETA,
                 "standard_error": shifted.SE}))
    out = tmp_path / "o.dat"
    assert run(assoc(path, str(out))) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "genome build" in err[0]
    assert not out.exists()
    # positions of another build next to rsIDs: matching by position is refused, by rsID works
    both = write(tmp_path / "both.tsv", pd.DataFrame({"rsid": shifted.SNP, "chromosome": shifted.CHR,
                 "base_pair_location": shifted.POS, "effect_allele": shifted.A1, "other_allele": shifted.A2,
                 "beta": shifted.BETA, "standard_error": shifted.SE}))
    assert run(assoc(both, str(out), "--match_by", "position")) == 1
    assert "genome build" in capsys.readouterr().err
    assert run(assoc(both, str(out))) == 0


def test_chr_pos_ids_match_either_allele_order(gwas, reference, tmp_path):
    _, ref = reference
    g = gwas.copy()
    swap = np.arange(len(g)) % 2 == 0  # half the rows with the alleles the other way round, Z negated
    a1, a2 = np.where(swap, g.A2, g.A1), np.where(swap, g.A1, g.A2)
    ids = [f"chr{c}:{p}:{x}:{y}" for c, p, x, y in zip(g.CHR, g.POS, a2, a1)]
    path = write(tmp_path / "pos.sumstats", pd.DataFrame({"SNP": ids, "A1": a1, "A2": a2, "Z": np.where(swap, -g.Z, g.Z)}))
    out = str(tmp_path / "pos.dat")
    assert run(assoc(path, out, "--digits", "12")) == 0
    assert open(out).read() == ref[12]


@pytest.mark.parametrize("content,message", [
    ("rs1 rs2\n1 2\n", "unknown sumstats format"),
    ("SNP\tA1\tA2\tBETA\nrs1\tA\tG\t0.1\n", "lacks required column(s) Z"),
    ("SNP\tQ\tR\tZ\nrs1\tA\tG\t1\n", "unknown sumstats format"),
    ("SNP\tA1\tA2\tOR\nrs1\tA\tG\t1.2\n", "OR without SE or P"),
    ("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n22\t1\trs1\tA\tG\t.\t.\t.\tSE:LP\t0.1:2\n",
     "without an effect field"),
])
def test_bad_formats_one_line(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_text(content)
    outdir = tmp_path / "out"
    outdir.mkdir()
    assert run(assoc(str(bad), str(outdir / "o.dat"))) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert run(["munge", "--sumstats", str(bad), "--out", str(outdir / "m")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not os.listdir(outdir)


def test_chromosome_aliases():
    from twascli.chrom import chr_key, same_chr

    assert same_chr("23", "X") and same_chr("chrX", "x") and same_chr("chr23", "X") and same_chr("MT", "chrM")
    assert not same_chr("2", "23") and chr_key("chr22") == "22"


def test_positional_looking_names_of_the_panel_match_by_id(tmp_path):
    """Ids such as rs1_0 parse as chr_pos but are the panel's own names: auto matches them by id
    (the whole-genome benchmark's synthetic panel found no SNP before)."""
    from twascli.io.sumstats import read_sumstats, to_panel

    n = 120
    names = [f"rs1_{i}" for i in range(n)]
    bim = pd.DataFrame({"chr": "1", "snp": names, "cm": 0.0, "pos": 1000 + 50 * np.arange(n), "a1": "A", "a2": "G"})
    path = write(tmp_path / "g.sumstats", pd.DataFrame({"SNP": names, "A1": "A", "A2": "G", "Z": np.linspace(-2, 2, n)}))
    ss = read_sumstats(path)
    got = to_panel(ss, bim, "auto")
    assert list(got.snp) == names and np.array_equal(got.z, ss.z)
