"""PLINK 2 panels (.pgen/.pvar/.psam via pgenlib) give what their plink2 .bed conversion gives.

tests/data/pgen holds one panel in both formats (SOURCE.md): the decoded genotypes must be equal,
and assoc-test / post-process outputs byte-identical whichever format the LD reference is in.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest

from twascli.cli import run
from twascli.io.plink import read_plink
from twascli.io.rdat import WeightModel, write_wgt_rdat

DATA = os.path.join(os.path.dirname(__file__), "data", "pgen")
GWAS = os.path.join(DATA, "BODY04.fusion.sumstats")


@pytest.fixture(scope="module")
def panels(tmp_path_factory) -> dict[str, str]:
    """The panel as PLINK 1 only and as PLINK 2 only, each in its own directory (prefix REF.)."""
    out = {}
    for kind, exts in (("bed", ("bed", "bim", "fam")), ("pgen", ("pgen", "pvar", "psam"))):
        d = tmp_path_factory.mktemp(kind)
        for e in exts:
            shutil.copy(os.path.join(DATA, f"ref.22.{e}"), d / f"REF.22.{e}")
        out[kind] = str(d / "REF.")
    return out


def test_same_genotypes(panels):
    bed = read_plink(panels["bed"] + "22")
    pgen = read_plink(panels["pgen"] + "22")
    assert pgen.dosage.shape == (400, 1000) and np.isnan(pgen.dosage).sum() > 0  # missing calls too
    assert np.array_equal(bed.dosage, pgen.dosage, equal_nan=True)
    pd.testing.assert_frame_equal(bed.bim, pgen.bim)
    pd.testing.assert_frame_equal(bed.fam, pgen.fam)


@pytest.fixture(scope="module")
def weights(panels, tmp_path_factory) -> str:
    """Three genes with random top1/blup weights on panel SNPs (the same for both formats)."""
    d = tmp_path_factory.mktemp("wgt")
    bim = read_plink(panels["bed"] + "22").bim
    rng = np.random.default_rng(14)
    rows = ["WGT\tID\tCHR\tP0\tP1"]
    for g, start in enumerate((100, 400, 700)):
        snps = bim.iloc[start:start + 40].reset_index(drop=True)
        w = np.column_stack([np.where(np.arange(40) == 7, 1.0, 0.0), rng.normal(0, 0.1, 40)])
        model = WeightModel(wgt_matrix=w, models=["top1", "blup"], snps=snps,
                            cv_performance=np.array([[0.2, 0.1], [1e-5, 1e-3]]), hsq=np.array([0.2, 0.05]),
                            hsq_pv=1e-4, n_tot=400)
        write_wgt_rdat(str(d / f"G{g}.wgt.RDat"), model)
        rows.append(f"G{g}.wgt.RDat\tG{g}\t22\t{snps.pos.iat[0]}\t{snps.pos.iat[-1]}")
    (d / "w.pos").write_text("\n".join(rows) + "\n")
    return str(d)


def test_assoc_and_post_process_byte_identical(panels, weights, tmp_path):
    texts = {}
    for kind, ref in panels.items():
        out = str(tmp_path / f"{kind}.dat")
        assert run(["assoc-test", "--sumstats", GWAS, "--weights", os.path.join(weights, "w.pos"),
                    "--weights_dir", weights, "--ref_ld_chr", ref, "--chr", "22", "--out", out, "--digits", "12"]) == 0
        post = str(tmp_path / f"{kind}.post")
        assert run(["post-process", "--input", out, "--sumstats", GWAS, "--ref_ld_chr", ref, "--chr", "22",
                    "--out", post, "--minp_input", "1", "--report", "--zthresh", "1"]) == 0
        written = sorted(f for f in os.listdir(tmp_path) if f.startswith(f"{kind}.post"))
        texts[kind] = [open(out).read()] + [(f.split(".", 1)[1], open(tmp_path / f).read()) for f in written]
    assert len(texts["bed"][0].splitlines()) == 4 and texts["bed"][1][0] == "post.report"
    assert texts["bed"] == texts["pgen"]


def test_bad_pgen_one_line(weights, tmp_path, capsys):
    for ext in ("pgen", "pvar", "psam"):
        shutil.copy(os.path.join(DATA, f"ref.22.{ext}"), tmp_path / f"ref.22.{ext}")
    (tmp_path / "ref.22.pgen").write_bytes(b"l\x1b\x10")  # truncated
    out = tmp_path / "o.dat"
    assert run(["assoc-test", "--sumstats", GWAS, "--weights", os.path.join(weights, "w.pos"), "--weights_dir", weights,
                "--ref_ld_chr", str(tmp_path / "ref."), "--chr", "22", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ref.22.pgen" in err[0], err
    assert not out.exists()


def write_pgen(prefix: str, geno) -> None:
    """PREFIX.pgen/.pvar/.psam holding GENO (A1 = ALT), written with pgenlib's PgenWriter."""
    import pgenlib

    bim, fam = geno.bim, geno.fam
    calls = np.where(np.isnan(geno.dosage), -9, geno.dosage).astype(np.int8).T.copy()
    writer = pgenlib.PgenWriter(f"{prefix}.pgen".encode(), len(fam), variant_ct=len(bim), nonref_flags=False)
    writer.append_biallelic_batch(calls)
    writer.close()
    pvar = pd.DataFrame({"#CHROM": bim["chr"], "POS": bim["pos"], "ID": bim["snp"], "REF": bim["a2"],
                         "ALT": bim["a1"], "CM": bim["cm"]})
    pvar.to_csv(f"{prefix}.pvar", sep="\t", index=False)
    psam = pd.DataFrame({"#FID": fam["fid"], "IID": fam["iid"], "PAT": fam["father"], "MAT": fam["mother"],
                         "SEX": fam["sex"], "PHENO1": fam["pheno"]})
    psam.to_csv(f"{prefix}.psam", sep="\t", index=False)


def test_compute_weights_bfile_pgen_byte_identical(tmp_path):
    src = os.path.join(os.path.dirname(__file__), "data", "cw", "eqtl", "TissueB", "GENE22_007")
    write_pgen(str(tmp_path / "g"), read_plink(src))
    outs = []
    for name, bfile in (("bed", src), ("pgen", str(tmp_path / "g"))):
        out = str(tmp_path / name)
        assert run(["compute-weights", "--bfile", bfile, "--out", out, "--tmp", str(tmp_path / f"{name}.tmp"),
                    "--models", "top1,lasso", "--hsq_set", "0.2", "--verbose", "0"]) == 0
        outs.append(open(out + ".wgt.RDat", "rb").read())
    assert outs[0] == outs[1]
