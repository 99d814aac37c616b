"""assoc-test edge paths against real FUSION runs (tests/data/parity/fusion_edge/SOURCE.md)."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

from twascli.cli import run
from test_assoc import DATA, WEIGHTS, strip_file_dir

EDGE = os.path.join(DATA, "fusion_edge")


def args(out: str, *extra: str) -> list[str]:
    return ["assoc-test", "--sumstats", os.path.join(DATA, "data", "gwas", "trait_med.sumstats.gz"),
            "--weights", os.path.join(WEIGHTS, "all.pos"), "--weights_dir", WEIGHTS,
            "--ref_ld_chr", os.path.join(DATA, "data", "ldref", "REF."), "--chr", "22", "--out", out, *extra]


@pytest.mark.parametrize("name, extra", [
    ("force_bslmm", ["--force_model", "bslmm"]),
    ("enet_caviar", ["--force_model", "enet", "--caviar"]),
    ("strict", ["--max_impute", "0.05", "--min_r2pred", "0.9"]),
])
def test_table_and_log_equal_fusion(tmp_path, capsys, name, extra):
    out = str(tmp_path / f"{name}.dat")
    assert run(args(out, *extra)) == 0
    printed = capsys.readouterr().out
    assert strip_file_dir(open(out).read()) == strip_file_dir(open(os.path.join(EDGE, f"{name}.dat")).read())
    assert printed == open(os.path.join(EDGE, f"{name}.log")).read()


def test_caviar_files_equal_fusion(tmp_path):
    out = str(tmp_path / "enet_caviar.dat")
    assert run(args(out, "--force_model", "enet", "--caviar")) == 0
    for kind in ("EQTL.Z", "GWAS.Z", "LD"):
        ours = open(f"{out}.GENE22_005.CAVIAR.{kind}").read()
        with gzip.open(os.path.join(EDGE, f"enet_caviar.dat.GENE22_005.CAVIAR.{kind}.gz"), "rt") as fh:
            ref = fh.read()
        assert ours == ref, kind
    ld = np.loadtxt(f"{out}.GENE22_005.CAVIAR.LD")
    assert ld.shape[0] == ld.shape[1] and np.allclose(np.diag(ld), 1.0)


def test_caviar_files_honour_digits(tmp_path):
    """--digits reaches the CAVIAR files: 12 digits agree with FUSION's 3-digit files and the LD
    is the correlation of the mean-imputed reference genotypes (an independent computation)."""
    import pandas as pd

    from twascli.io.plink import read_plink

    out = str(tmp_path / "d.dat")
    assert run(args(out, "--force_model", "enet", "--caviar", "--digits", "12")) == 0
    base = f"{out}.GENE22_005.CAVIAR"
    for kind in ("EQTL.Z", "GWAS.Z"):
        ours = pd.read_csv(f"{base}.{kind}", sep="\t", header=None)
        ref = pd.read_csv(os.path.join(EDGE, f"enet_caviar.dat.GENE22_005.CAVIAR.{kind}.gz"), sep="\t", header=None)
        assert ours[0].tolist() == ref[0].tolist()
        assert max(len(str(v)) for v in open(f"{base}.{kind}").read().split()) > 8
        np.testing.assert_allclose(ours[1], ref[1], rtol=5e-3, atol=5e-4)
    ld = np.loadtxt(f"{base}.LD")
    snps = pd.read_csv(f"{base}.GWAS.Z", sep="\t", header=None)[0].tolist()
    geno = read_plink(os.path.join(DATA, "data", "ldref", "REF.22"))
    col = {s: j for j, s in enumerate(geno.bim["snp"])}
    x = geno.imputed()[:, [col[s] for s in snps]]
    np.testing.assert_allclose(ld, np.corrcoef(x, rowvar=False), atol=1e-10)
