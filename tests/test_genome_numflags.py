"""R-style numeric flags (twascli.numflags) and the --mhc genome model (twascli.genome)."""

from __future__ import annotations

import math

import pytest

from twascli.errors import TwasError
from twascli.genome import parse_mhc
from twascli.numflags import convert, normalize_argv, r_numeric


def test_r_numeric_accepts_what_as_numeric_accepts():
    assert r_numeric("200e3") == 200000.0 and r_numeric(" 5E5 ") == 500000.0 and r_numeric(".5") == 0.5
    assert r_numeric("0x10") == 16.0 and r_numeric("-Inf") == -math.inf and math.isnan(r_numeric("NaN"))
    assert r_numeric("1_000") is None and r_numeric("abc") is None and r_numeric("1e") is None


def test_integer_flags_reject_non_integral_values():
    assert convert("--locus_win", "200e3", int) == "200000"
    with pytest.raises(TwasError, match="--locus_win"):
        convert("--locus_win", "1.5", int)
    with pytest.raises(TwasError, match="--perm"):
        convert("--perm", "many", int)


def test_normalize_argv_rewrites_only_numeric_options():
    from twascli.commands.post_process import post_process

    argv = ["--input", "1e3", "--locus_win", "2e5", "--max_r2=9e-1", "--chr", "chr1"]
    assert normalize_argv(argv, post_process) == ["--input", "1e3", "--locus_win", "200000", "--max_r2=0.9", "--chr", "chr1"]


def test_parse_mhc():
    hg19 = parse_mhc(None)
    assert hg19.mask(["6", "chr6", "6", "5"], [26.5e6, 27e6, 25e6, 27e6], [27e6, 28e6, 27e6, 28e6]).tolist() == [True, True, False, False]
    assert parse_mhc("none").mask(["6"], [27e6], [28e6]).tolist() == [False]
    assert parse_mhc("hg38").region.end == 34_032_223
    assert parse_mhc("chr20:1e6-2e6").mask(["chr20"], [1.5e6], [1.6e6]).tolist() == [True]
    for bad in ("hg18", "chr6:34e6-26e6", "chr6", "6:a-b"):
        with pytest.raises(TwasError, match="--mhc"):
            parse_mhc(bad)


def test_glist_from_gtf(tmp_path):
    from twascli.post.inputs import read_glist

    gtf = tmp_path / "rat.gtf"
    gtf.write_text(
        "#!genome-build mRatBN7.2\n"
        'chr6\tensembl\tgene\t27000001\t27020000\t.\t+\t.\tgene_id "ENSRNOG1"; gene_name "Abc1";\n'
        'chr6\tensembl\ttranscript\t27000001\t27020000\t.\t+\t.\tgene_id "ENSRNOG1"; transcript_id "T1";\n'
        'chr6\tensembl\tgene\t30000001\t30020000\t.\t-\t.\tgene_id "ENSRNOG2";\n'
        'chr1\tensembl\tgene\t100\t200\t.\t-\t.\tgene_id "ENSRNOG3"; gene_name "Zz";\n'
    )
    g = read_glist(str(gtf), "6")
    assert g[["CHR", "P0", "P1", "ID"]].values.tolist() == [["chr6", 27000001, 27020000, "Abc1"], ["chr6", 30000001, 30020000, "ENSRNOG2"]]
