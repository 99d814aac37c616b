"""`twascli profile-weights / make-score / compare-models` against FUSION's utils scripts (no R needed).

References in tests/data/utils (see its SOURCE.md): FUSION.profile_wgt.R and make_score.R outputs
of the parity set, and R runs of make_score.R / compare_models.R / profile_wgt.R made for these tests.
"""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

from twascli.cli import run
from twascli.io.rdat import read_wgt_rdat, write_wgt_rdat
from twascli.rformat import R_NA_REAL
from twascli.tools.make_score import SCORE_USAGE
from twascli.tools.profile import profile_name, read_path_list

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS = os.path.join(HERE, "data", "parity", "fusion", "WEIGHTS")
REF = os.path.join(HERE, "data", "parity", "data", "ldref", "REF.")
UTILS = os.path.join(HERE, "data", "utils")


def read(path: str) -> str:
    """Text of a reference file (gzip allowed)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as handle:
        return handle.read()


def cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run twascli with ARGS: (exit code, stdout, stderr)."""
    code = run(args)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def write_list(path, files: list[str]) -> str:
    """A profile LIST file naming FILES, one per line."""
    path.write_text("".join(f + "\n" for f in files))
    return str(path)


# ----------------------------------------------------------------------------- profile-weights


@pytest.mark.parametrize("panel", ["TissueA", "TissueB"])
def test_profile_matches_fusion(panel, tmp_path, capsys):
    ref = read(os.path.join(UTILS, "fusion", f"{panel}.profile"))
    ids = [line.split("\t")[0] for line in ref.splitlines()[1:]]  # FUSION listed the files sorted
    lst = write_list(tmp_path / "list", [os.path.join(WEIGHTS, panel, f"{g}.wgt.RDat") for g in ids])
    code, out, err = cli(["profile-weights", lst], capsys)
    assert code == 0
    assert out == ref
    assert err == read(os.path.join(UTILS, "fusion", f"{panel}.profile.err"))


def test_profile_single_file_relative_path(tmp_path, capsys, monkeypatch):
    """N=1: the SEs are NA; paths in LIST are relative to the working directory, as in R."""
    monkeypatch.chdir(WEIGHTS)
    lst = write_list(tmp_path / "list", ["TissueA/GENE22_001.wgt.RDat"])
    code, out, err = cli(["profile-weights", lst], capsys)
    assert code == 0
    assert out == read(os.path.join(UTILS, "r_profile", "one.profile"))
    assert err == read(os.path.join(UTILS, "r_profile", "one.profile.err"))


def synthetic_cv_na(path: str) -> str:
    """TissueB/GENE22_003 with blup's CV R2/p set to NA, lasso's R2 to NaN and hsq.pv to 0."""
    m = read_wgt_rdat(os.path.join(WEIGHTS, "TissueB", "GENE22_003.wgt.RDat"))
    cv = m.cv_performance.copy()
    cv[0, 1] = cv[1, 1] = R_NA_REAL
    cv[0, 2] = np.nan
    m.cv_performance, m.hsq_pv = cv, 0.0
    write_wgt_rdat(path, m)
    return path


def test_profile_na_and_nan_cells(tmp_path, capsys):
    files = [os.path.join(WEIGHTS, "TissueB", f"GENE22_00{k}.wgt.RDat") for k in (3, 4, 5)]
    files.append(synthetic_cv_na(str(tmp_path / "cvna.wgt.RDat")))
    code, out, err = cli(["profile-weights", write_list(tmp_path / "list", files)], capsys)
    assert code == 0
    assert out == read(os.path.join(UTILS, "r_synthetic", "cvna.profile"))
    assert err == read(os.path.join(UTILS, "r_synthetic", "cvna.profile.err"))


def test_profile_missing_entry_is_one_line_error(tmp_path, capsys):
    missing = str(tmp_path / "nope.wgt.RDat")
    lst = write_list(tmp_path / "list", [os.path.join(WEIGHTS, "TissueA", "GENE22_001.wgt.RDat"), missing])
    code, out, err = cli(["profile-weights", lst], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("ERROR: ") and missing in err


def test_profile_corrupt_rdat_is_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.wgt.RDat"
    bad.write_bytes(b"RDX2\nX\n\x00\x00\x00")  # header, then a truncated stream
    code, out, err = cli(["profile-weights", write_list(tmp_path / "list", [str(bad)])], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and str(bad) in err


@pytest.mark.parametrize("content", [None, "", "# only a comment\n\n"])
def test_profile_bad_list_file(tmp_path, capsys, content):
    lst = tmp_path / "list"
    if content is not None:
        lst.write_text(content)
    code, out, err = cli(["profile-weights", str(lst)], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and str(lst) in err


def test_list_parsing_and_names(tmp_path):
    lst = tmp_path / "list"
    lst.write_text("a/G1.wgt.RDat extra\n\n# comment\n'b/G2.wgt.RDat'\n  c/G3.wgt.RDat # tail\n")
    assert read_path_list(str(lst)) == ["a/G1.wgt.RDat", "b/G2.wgt.RDat", "c/G3.wgt.RDat"]
    assert profile_name("dir/GENE.wgt.RDat") == "GENE"
    assert profile_name("GENExwgtyRDat.wgt.RDat") == "GENE"  # gsub's '.' is a regex wildcard


# ---------------------------------------------------------------------------------- make-score


FUSION_SCORES = sorted(f[:-6] for f in os.listdir(os.path.join(UTILS, "fusion", "TissueA")))
R_SCORES = sorted(
    (panel, f[:-6]) for panel in ("TissueA", "TissueB") for f in os.listdir(os.path.join(UTILS, "r_make_score", panel))
)


@pytest.mark.parametrize("gene", FUSION_SCORES)
def test_make_score_matches_fusion(gene, capsys):
    code, out, err = cli(["make-score", os.path.join(WEIGHTS, "TissueA", f"{gene}.wgt.RDat")], capsys)
    assert code == 0 and err == ""
    assert out == read(os.path.join(UTILS, "fusion", "TissueA", f"{gene}.score"))


@pytest.mark.parametrize("panel,gene", R_SCORES)
def test_make_score_matches_r_all_models(panel, gene, capsys):
    """enet, blup (every SNP), lasso and top1 picks, as make_score.R printed them."""
    code, out, err = cli(["make-score", os.path.join(WEIGHTS, panel, f"{gene}.wgt.RDat")], capsys)
    assert code == 0 and err == ""
    assert out == read(os.path.join(UTILS, "r_make_score", panel, f"{gene}.score"))


def test_make_score_na_weights_in_lasso(tmp_path, capsys):
    """NA lasso weights become all-NA rows (R's logical indexing by NA), as make_score.R prints."""
    m = read_wgt_rdat(os.path.join(WEIGHTS, "TissueB", "GENE22_010.wgt.RDat"))
    w = m.wgt_matrix.copy()
    j = m.models.index("lasso")
    w[np.flatnonzero(w[:, j] != 0)[0], j] = R_NA_REAL
    w[5, j] = R_NA_REAL
    m.wgt_matrix = w
    path = str(tmp_path / "lasso_na.wgt.RDat")
    write_wgt_rdat(path, m)
    code, out, _ = cli(["make-score", path], capsys)
    assert code == 0
    assert out == read(os.path.join(UTILS, "r_synthetic", "lasso_na.score"))


def test_make_score_na_cv_pvalue(tmp_path, capsys):
    path = synthetic_cv_na(str(tmp_path / "cvna.wgt.RDat"))
    code, out, _ = cli(["make-score", path], capsys)
    assert code == 0
    assert out == read(os.path.join(UTILS, "r_synthetic", "cvna.score"))


def test_make_score_missing_file(tmp_path, capsys):
    """FUSION's usage text then its error line, both on stderr (never into the score file); exit 1
    (FUSION prints the usage on stdout and exits 0)."""
    missing = str(tmp_path / "nope.wgt.RDat")
    code, out, err = cli(["make-score", missing], capsys)
    assert code == 1
    assert out == ""
    assert err == SCORE_USAGE + f"ERROR: {missing} does not exist or cannot be read\n"
    assert err.startswith("\nUsage: Rscript make_score.R [wgt.RDat file] > [SCORE_FILE]\n")


def test_make_score_no_argument(capsys):
    code, out, err = cli(["make-score"], capsys)
    assert code == 1 and out == ""
    assert err.startswith(SCORE_USAGE) and err[len(SCORE_USAGE):].startswith("ERROR: ")
    assert err[len(SCORE_USAGE):].count("\n") == 1


def test_make_score_corrupt_file(tmp_path, capsys):
    bad = tmp_path / "bad.wgt.RDat"
    bad.write_bytes(b"not an R file")
    code, out, err = cli(["make-score", str(bad)], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and str(bad) in err


# ------------------------------------------------------------------------------ compare-models


COMPARE_CASES = [
    ("TissueA.pos", "TissueB.pos", "22", None, "TissueA_TissueB.22.out"),
    ("TissueA.pos", "TissueB.pos", "6", None, "TissueA_TissueB.6.out"),
    ("TissueB.pos", "TissueA.pos", "22", "100000", "TissueB_TissueA.22.w100000.out"),
]


@pytest.mark.parametrize("pos1,pos2,chrom,window,ref", COMPARE_CASES)
def test_compare_models_matches_r(pos1, pos2, chrom, window, ref, capsys, monkeypatch):
    monkeypatch.chdir(WEIGHTS)  # the WGT paths of the .pos lists are relative, as in FUSION
    args = ["compare-models", "--pos1", pos1, "--pos2", pos2, "--chr", chrom, "--ref_ld_chr", REF]
    if window:
        args += ["--window", window]
    code, out, err = cli(args, capsys)
    assert code == 0 and err == ""
    assert out == read(os.path.join(UTILS, "r_compare_models", ref))


def test_compare_models_progress_lines(capsys, monkeypatch):
    """Every 100th model is reported on stderr ('Loading pos1 100 / 129 '), as in R."""
    monkeypatch.chdir(WEIGHTS)
    pos = os.path.join(UTILS, "r_compare_models", "all_x3.pos")
    code, out, err = cli(
        ["compare-models", "--pos1", pos, "--pos2", pos, "--chr", "22", "--ref-ld-chr", REF, "--window", "20000"], capsys
    )
    assert code == 0
    assert out == read(os.path.join(UTILS, "r_compare_models", "all_x3.22.w20000.out.gz"))
    assert err == read(os.path.join(UTILS, "r_compare_models", "all_x3.22.w20000.err"))


def test_compare_models_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(WEIGHTS)
    base = ["--pos2", "TissueB.pos", "--ref_ld_chr", REF]
    code, out, err = cli(["compare-models", "--pos1", str(tmp_path / "none.pos"), "--chr", "22", *base], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1
    code, out, err = cli(["compare-models", "--pos1", "TissueA.pos", "--chr", "7", *base], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1 and "chromosome 7" in err
    bad = tmp_path / "bad.pos"
    bad.write_text("WGT\tID\tCHR\tP0\tP1\n" + str(tmp_path / "x.wgt.RDat") + "\tX\t22\t17000000\t17001000\n")
    code, out, err = cli(["compare-models", "--pos1", str(bad), "--chr", "22", *base], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1 and "x.wgt.RDat" in err


def _fusion_na_logicals(model, hsq_pv_marker: float, cv_markers: np.ndarray) -> bytes:
    """MODEL serialised as FUSION writes --hsq_set / --crossval 0 weights: hsq.pv and
    cv.performance as R *logical* NA (hsq.pv = NA; matrix(NA, ...) never filled)."""
    import struct
    import zlib

    from twascli.io.rdat import serialize_wgt_rdat

    raw = serialize_wgt_rdat(model)
    na = struct.pack(">i", -(2 ** 31))
    raw = raw.replace(struct.pack(">iid", 14, 1, hsq_pv_marker), struct.pack(">ii", 10, 1) + na, 1)
    dbl = b"".join(struct.pack(">d", v) for v in cv_markers.ravel(order="F"))
    head = struct.pack(">ii", 14 | 0x200, cv_markers.size)
    assert raw.count(head + dbl) == 1
    raw = raw.replace(head + dbl, struct.pack(">ii", 10 | 0x200, cv_markers.size) + na * cv_markers.size)
    comp = zlib.compressobj(6, zlib.DEFLATED, 31, 9)
    return comp.compress(raw) + comp.flush()


def test_profile_prints_na_for_r_logical_na(tmp_path, capsys):
    """FUSION's --hsq_set (hsq.pv = NA) and --crossval 0 (cv.performance all NA) weights are
    logical NA in the file: profile_wgt.R prints NA for them, never NaN."""
    base = read_wgt_rdat(os.path.join(WEIGHTS, "TissueA", "GENE22_001.wgt.RDat"))
    markers = np.arange(1, 1 + 2 * len(base.cv_models), dtype=float).reshape(2, -1) / 7.0
    base.cv_performance = markers
    base.hsq = np.array([0.1])
    base.hsq_pv = 0.123456789
    path = tmp_path / "g.wgt.RDat"
    path.write_bytes(_fusion_na_logicals(base, 0.123456789, markers))
    back = read_wgt_rdat(str(path))
    from twascli.rformat import is_r_na

    assert is_r_na(np.array([back.hsq_pv]))[0] and is_r_na(back.cv_performance).all()
    (tmp_path / "l").write_text(str(path) + "\n")
    code, out, _ = cli(["profile-weights", str(tmp_path / "l")], capsys)
    assert code == 0
    row = out.splitlines()[1].split("\t")
    assert row[4:] == ["NA"] * 11, row
