"""Out-of-domain option values: one ERROR line naming the flag and the valid range, exit 1, nothing
written (issue 11). R-style spellings of valid values keep working."""

from __future__ import annotations

import os

import pytest

from twascli.cli import run

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, "data", "parity")
WEIGHTS = os.path.join(PARITY, "fusion", "WEIGHTS")
REF = os.path.join(PARITY, "data", "ldref", "REF.")
GWAS = os.path.join(PARITY, "data", "gwas", "trait_med.sumstats.gz")
ASSOC = os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.dat")
GENE = os.path.join(HERE, "data", "cw", "eqtl", "TissueB", "GENE22_007")


def assoc(out: str, *extra: str) -> list[str]:
    return ["assoc-test", "--sumstats", GWAS, "--weights", os.path.join(WEIGHTS, "all.pos"), "--weights_dir", WEIGHTS,
            "--ref_ld_chr", REF, "--chr", "22", "--out", out, *extra]


def post(out: str, *extra: str) -> list[str]:
    return ["post-process", "--sumstats", GWAS, "--input", ASSOC, "--ref_ld_chr", REF, "--chr", "22", "--out", out, *extra]


def cw(out: str, *extra: str) -> list[str]:
    return ["compute-weights", "--bfile", GENE, "--out", out, "--models", "top1", "--verbose", "0", *extra]


def compare(out: str, *extra: str) -> list[str]:
    pos = os.path.join(WEIGHTS, "TissueA.pos")
    return ["compare-models", "--pos1", pos, "--pos2", pos, "--ref_ld_chr", REF, "--chr", "22", *extra]


def hub(out: str, *extra: str) -> list[str]:
    return ["hub", "--traits", os.path.join(HERE, "data", "hub", "traits.tsv"), "--out", out, *extra]


CASES = [
    (assoc, ["--max_impute", "1.5"], "--max_impute 1.5: must be in [0, 1]"),
    (assoc, ["--min_r2pred", "-0.1"], "--min_r2pred -0.1: must be in [0, 1]"),
    (assoc, ["--perm", "-5"], "--perm -5: must be a whole number >= 0"),
    (assoc, ["--perm_minp", "0"], "--perm_minp 0: must be in (0, 1]"),
    (assoc, ["--coloc_P", "2"], "--coloc_P 2: must be in (0, 1]"),
    (assoc, ["--coloc_susie_P", "-1"], "--coloc_susie_P -1: must be in (0, 1]"),
    (post, ["--max_r2", "1.2"], "--max_r2 1.2: must be in [0, 1]"),
    (post, ["--min_r2", "0.95"], "--min_r2 0.95: must not exceed --max_r2 (0.9)"),
    (post, ["--locus_win", "-1"], "--locus_win -1: must be a whole number >= 0"),
    (post, ["--minp_input", "0"], "--minp_input 0: must be in (0, Inf]"),
    (post, ["--max_cz_increase", "-1"], "--max_cz_increase -1: must be in [0, Inf]"),
    (cw, ["--hsq_set", "1.5"], "--hsq_set 1.5: must be in [0, 1]"),
    (cw, ["--hsq_p", "0"], "--hsq_p 0: must be in (0, 1]"),
    (cw, ["--crossval", "-2"], "--crossval -2: must be a whole number >= 0"),
    (cw, ["--crossval", "2.5"], "--crossval 2.5: must be a whole number >= 0"),
    (compare, ["--window", "-10"], "--window -10: must be a whole number >= 0"),
    (hub, ["--pthresh", "5"], "--pthresh 5: must be in (0, 1]"),
    (hub, ["--jobs", "-1"], "--jobs -1: must be a whole number >= 0"),
    (cw, ["--jobs", "0"], "--jobs 0: must be in [1, Inf]"),
]


@pytest.mark.parametrize("cmd, extra, message", CASES, ids=[f"{c.__name__}{' '.join(e)}" for c, e, _ in CASES])
def test_bad_option_value(tmp_path, capsys, cmd, extra, message):
    out = str(tmp_path / "out")
    code = run(cmd(out, *extra))
    cap = capsys.readouterr()
    assert code == 1
    assert cap.err.count("\n") == 1 and cap.err.startswith(f"ERROR: {message}")
    assert os.listdir(tmp_path) == []
    if cmd is not compare:
        assert cap.out == "" or cmd is assoc  # assoc-test prints FUSION's per-gene chatter while reading


def test_crossval_zero_skips_cv_as_in_fusion(tmp_path, capsys):
    """FUSION's --crossval 0 (and R-style spellings of valid values) are accepted."""
    out = str(tmp_path / "g")
    assert run(cw(out, "--crossval", "0", "--hsq_set", "0.1", "--hsq_p", "1e-2")) == 0
    assert os.path.exists(out + ".wgt.RDat")


def test_force_model_no_weight_has_warns(tmp_path, capsys):
    """FUSION writes its table with every gene skipped (kept: parity); twascli says why, once."""
    assert run(assoc(str(tmp_path / "o.dat"), "--force_model", "lasso2")) == 0
    err = capsys.readouterr().err
    assert ("WARNING: --force_model lasso2: no weight file on chromosome 22 has this model (models found: "
            "blup, enet, lasso, top1); every gene is skipped") in err
