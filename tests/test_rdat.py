"""Tests for twascli.io.rdat (FUSION .wgt.RDat reader/writer). These tests never need R.

What was checked against R 4.2.2 (by hand, when this module was written; not re-run here):
- All 86 R-written .wgt.RDat files of shared/parity/fusion/WEIGHTS/{TissueA,TissueB}: read with
  read_wgt_rdat, re-written with write_wgt_rdat -> the file is byte-identical to R's save() output
  (decompressed payload and the gzip stream itself: R's gzfile uses deflate level 6, memLevel 9).
- For 6 TissueA files, 3 CMC (real FUSION, format 2, no N.tot) files and 1 eTWAS file: R load()ed
  the original and our re-written file and identical() was TRUE for wgt.matrix, cv.performance,
  hsq, hsq.pv, N.tot and snps (classes matrix/array and data.frame, dimnames, compact row.names
  .row_names_info() = -n, column types int/chr/num/int/chr/chr). Expected differences only: old
  files' factor / logical / integer-cm snps columns come back as character / numeric (FUSION's
  current layout) and a double N.tot is written as integer.
- edge_v3.wgt.RDat re-written: R sees NA as NA (not NaN) and NaN as NaN in wgt.matrix.
- A file written in format 2 (serialize_wgt_rdat(..., version=2)) also loads identical() in R.
- FUSION.assoc_test.R's usage on our file works: load(f); wgt.matrix[,"top1"]; snps[,2];
  cv.performance[2,]; colnames(cv.performance); wgt.matrix[is.na(wgt.matrix)] = 0;
  which.min(cv.performance[2,]).
- R's save(compress = "bzip2" / "xz" / FALSE) variants read identically; save(ascii=TRUE) and
  saveRDS files are refused with a one-line TwasError.
The hard-coded numbers below were printed by R (options(digits=17)) from the fixture files.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import struct

import numpy as np
import pandas as pd
import pytest

from twascli.errors import TwasError
from twascli.io.rdat import (
    WeightModel,
    read_rdata_objects,
    read_wgt_rdat,
    serialize_wgt_rdat,
    wgt_rdat_bytes,
    write_wgt_rdat,
)

DATA = os.path.join(os.path.dirname(__file__), "data", "rdat")
GENE6 = os.path.join(DATA, "GENE6_030.wgt.RDat")
GENE22 = os.path.join(DATA, "GENE22_022.wgt.RDat")
LEGACY = os.path.join(DATA, "legacy_v2.wgt.RDat")
EDGE = os.path.join(DATA, "edge_v3.wgt.RDat")
MODELS = ["top1", "blup", "lasso", "enet"]


def _bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _assert_same(a: WeightModel, b: WeightModel) -> None:
    """Exact equality of every field (NaN payloads, i.e. NA vs NaN, included)."""
    assert a.wgt_matrix.shape == b.wgt_matrix.shape
    assert [_bits(x) for x in a.wgt_matrix.ravel()] == [_bits(x) for x in b.wgt_matrix.ravel()]
    assert a.models == b.models
    assert a.wgt_rownames == b.wgt_rownames
    pd.testing.assert_frame_equal(a.snps, b.snps)
    if a.cv_performance is None:
        assert b.cv_performance is None
    else:
        np.testing.assert_array_equal(a.cv_performance, b.cv_performance)
    assert a.cv_rows == b.cv_rows and a.cv_models == b.cv_models
    if a.hsq is None:
        assert b.hsq is None
    else:
        assert [_bits(x) for x in a.hsq] == [_bits(x) for x in b.hsq]
    assert a.hsq_pv == b.hsq_pv
    assert a.n_tot == b.n_tot


# --- reading R-written files -----------------------------------------------------------------
def test_read_gene6_030_values_from_r():
    m = read_wgt_rdat(GENE6)
    assert m.wgt_matrix.shape == (327, 4) and m.wgt_matrix.dtype == np.float64
    assert m.models == MODELS
    w = m.wgt_matrix
    assert w[0, 0] == pytest.approx(-1.784223563250569189, rel=1e-12)
    assert w[0, 1] == pytest.approx(-0.0039796759999999997, rel=1e-12)
    assert w[0, 3] == pytest.approx(-0.014645432562585771, rel=1e-12)
    assert w[1, 0] == pytest.approx(0.038852755472350793, rel=1e-12)
    assert w[326, 0] == pytest.approx(0.794247285007964821, rel=1e-12)
    assert w[326, 1] == pytest.approx(0.0025048160000000000, rel=1e-12)
    assert w.sum() == pytest.approx(-52.575596825126503, rel=1e-12)
    assert int((w[:, 2] != 0).sum()) == 1
    assert m.cv_rows == ["rsq", "pval"] and m.cv_models == MODELS
    np.testing.assert_allclose(
        m.cv_performance,
        [[9.9780770393249063e-02, 0.0020058836842815619, 9.4597207387048021e-02, 7.8878545206491624e-02],
         [6.1192705242040998e-11, 0.1802413534230444814, 1.9665015354283021e-10, 6.5712228270579212e-09]],
        rtol=1e-12, atol=0)
    np.testing.assert_allclose(m.hsq, [0.092357999999999996, 0.046121000000000002], rtol=1e-12)
    assert m.hsq_pv == pytest.approx(0.0017186, rel=1e-12)
    assert m.n_tot == 400 and isinstance(m.n_tot, int)
    s = m.snps
    assert list(s.columns) == ["chr", "snp", "cm", "pos", "a1", "a2"] and len(s) == 327
    assert s.iloc[0].tolist() == ["6", "rs32685991", 0.0, 31218532, "G", "A"]
    assert s.iloc[-1].tolist() == ["6", "rs25929413", 0.0, 32228881, "G", "A"]
    assert s["pos"].dtype == np.int64 and s["cm"].dtype == np.float64
    assert m.wgt_rownames == s["snp"].tolist()


def test_read_gene22_022_values_from_r():
    m = read_wgt_rdat(GENE22)
    assert m.wgt_matrix.shape == (361, 4) and m.models == MODELS
    assert m.wgt_matrix[0, 0] == pytest.approx(-1.138572961416844942, rel=1e-12)
    assert m.wgt_matrix[1, 1] == pytest.approx(-0.00074395630000000004, rel=1e-12)
    assert m.wgt_matrix[360, 0] == pytest.approx(-0.485483093469874727, rel=1e-12)
    assert m.wgt_matrix.sum() == pytest.approx(17.33739023322368, rel=1e-12)
    assert m.cv_performance[1, 0] == pytest.approx(3.5306465007547793e-19, rel=1e-12)
    assert m.cv_performance[0, 3] == pytest.approx(1.6348101915585533e-01, rel=1e-12)
    assert m.hsq_pv == pytest.approx(7.9318000000000002e-05, rel=1e-12)
    np.testing.assert_allclose(m.hsq, [0.166486, 0.059774], rtol=1e-12)
    assert m.n_tot == 400
    assert m.snps.iloc[0].tolist() == ["22", "rs95466691", 0.0, 20882744, "A", "C"]
    assert m.snps.iloc[-1].tolist() == ["22", "rs80855760", 0.0, 21936741, "C", "T"]


def test_read_legacy_format2_factors_and_missing_objects():
    m = read_wgt_rdat(LEGACY)  # format 2, factor V2/V6, logical V5, integer V3, no N.tot
    assert m.wgt_matrix.shape == (12, 4) and m.models == MODELS
    assert m.wgt_matrix[11, 0] == pytest.approx(-0.168252830601619968, rel=1e-12)
    assert m.wgt_matrix.sum() == pytest.approx(-10.883461281509689, rel=1e-12)
    assert m.n_tot is None
    assert m.hsq_pv == pytest.approx(0.0017186, rel=1e-12)
    s = m.snps
    assert s["snp"].tolist()[:2] == ["rs32685991", "rs35805395"]  # factor -> its labels
    assert s.iloc[-1].tolist() == ["6", "rs17119935", 0.0, 31271998, "TRUE", "G"]
    assert set(s["a1"]) == {"TRUE"}  # as.character(TRUE), as FUSION's allele QC sees it
    assert s["cm"].dtype == np.float64 and s["pos"].dtype == np.int64


def test_read_edge_na_nan_character_chr_and_extra_objects():
    m = read_wgt_rdat(EDGE)
    lasso, enet = m.models.index("lasso"), m.models.index("enet")
    assert np.isnan(m.wgt_matrix[1, lasso]) and np.isnan(m.wgt_matrix[2, enet])
    assert _bits(m.wgt_matrix[1, lasso]) & 0xFFFFFFFF == 1954  # R's NA_real_ payload kept
    assert _bits(m.wgt_matrix[2, enet]) & 0xFFFFFFFF != 1954  # a real NaN
    assert set(m.snps["chr"]) == {"X"}
    assert m.n_tot == 400  # stored as double 400 in this file
    assert m.hsq[0] == 0.25 and np.isnan(m.hsq[1])
    objs = read_rdata_objects(EDGE)  # ALTREP objects, a closure, list and environment parse
    assert objs["extra.seq"].value.tolist() == list(range(1, 13))
    assert objs["extra.chr"].value == ["101", "102", "103", "104", "105"]
    assert objs["extra.list"].value[1].value == ["z"]
    assert list(objs)[:6] == ["wgt.matrix", "snps", "cv.performance", "hsq", "hsq.pv", "N.tot"]


def test_read_dataframe_layout():
    m = read_wgt_rdat(os.path.join(DATA, "dataframe_wgt.RDat"))
    assert m.models == ["SUMMIT"] and m.wgt_matrix.shape == (3, 1)
    assert m.wgt_matrix[2, 0] == pytest.approx(-2.861741239892059419, rel=1e-12)
    assert m.wgt_rownames == ["rs32685991", "rs35805395", "rs39893279"]
    np.testing.assert_array_equal(m.cv_performance, [[0.5], [0.01]])
    assert m.cv_rows == ["rsq", "pval"] and m.cv_models == ["SUMMIT"]
    assert m.hsq is None and m.hsq_pv is None and m.n_tot is None


def test_read_file_with_byte_compiled_functions():
    objs = read_rdata_objects(os.path.join(DATA, "bytecode_extra.RDat"))
    assert objs["g"].kind == 3 and objs["g"].value[-1][1].kind == 21  # closure with BCODESXP body
    m = read_wgt_rdat(os.path.join(DATA, "bytecode_extra.RDat"))
    assert m.wgt_matrix.shape == (3, 4) and m.snps["snp"].tolist()[0] == "rs32685991"


@pytest.mark.parametrize("pack", [bz2.compress, lzma.compress, lambda b: b], ids=["bzip2", "xz", "plain"])
def test_read_other_compressions(tmp_path, pack):
    payload = gzip.decompress(open(GENE6, "rb").read())
    path = tmp_path / "x.wgt.RDat"
    path.write_bytes(pack(payload))
    _assert_same(read_wgt_rdat(str(path)), read_wgt_rdat(GENE6))


# --- writing -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["GENE6_030.wgt.RDat", "GENE22_022.wgt.RDat"])
def test_written_payload_is_byte_identical_to_r_save(name):
    """R 4.2.2's save() of these objects and our serialiser produce the same bytes."""
    path = os.path.join(DATA, name)
    r_payload = gzip.decompress(open(path, "rb").read())
    assert serialize_wgt_rdat(read_wgt_rdat(path)) == r_payload


@pytest.mark.parametrize("name", ["GENE6_030.wgt.RDat", "GENE22_022.wgt.RDat", "legacy_v2.wgt.RDat",
                                  "edge_v3.wgt.RDat", "dataframe_wgt.RDat"])
def test_round_trip(tmp_path, name):
    model = read_wgt_rdat(os.path.join(DATA, name))
    out = str(tmp_path / "out.wgt.RDat")
    write_wgt_rdat(out, model)
    _assert_same(read_wgt_rdat(out), model)


def test_file_bytes_are_gzip_of_payload():
    model = read_wgt_rdat(GENE22)
    assert gzip.decompress(wgt_rdat_bytes(model)) == serialize_wgt_rdat(model)


def test_round_trip_format_version_2(tmp_path):
    model = read_wgt_rdat(GENE6)
    payload = serialize_wgt_rdat(model, version=2)
    assert payload.startswith(b"RDX2\nX\n" + struct.pack(">i", 2))
    path = tmp_path / "v2.wgt.RDat"
    path.write_bytes(gzip.compress(payload))
    _assert_same(read_wgt_rdat(str(path)), model)


def _tiny_model(chrs: list[str], **kw) -> WeightModel:
    n = len(chrs)
    snps = pd.DataFrame({"chr": chrs, "snp": [f"rs{i}" for i in range(n)], "cm": 0.5,
                         "pos": np.arange(n, dtype=np.int64) + 100, "a1": "A", "a2": "G"})
    return WeightModel(np.arange(2.0 * n).reshape(n, 2), ["top1", "lasso"], snps, **kw)


def test_written_file_bytes(tmp_path):
    out = str(tmp_path / "t.wgt.RDat")
    write_wgt_rdat(out, _tiny_model(["1", "1", "2"], cv_performance=np.ones((2, 2)),
                                    hsq=np.array([0.2, 0.1]), hsq_pv=0.003, n_tot=321))
    raw = open(out, "rb").read()
    assert raw[:2] == b"\x1f\x8b"  # gzip, as save() writes by default
    payload = gzip.decompress(raw)
    assert payload.startswith(b"RDX3\nX\n")
    version, _writer, min_reader, nelen = struct.unpack_from(">iiii", payload, 7)
    assert (version, min_reader, nelen) == (3, 0x030500, 5) and payload[23:28] == b"UTF-8"
    assert b"\x00\x00\x00\x0adata.frame" in payload and b"\x00\x00\x00\x09row.names" in payload
    # row.names stored compactly as c(NA_integer_, -3), as read.table makes them
    assert struct.pack(">iiii", 13, 2, -(2**31), -3) in payload
    # N.tot is an integer vector of length 1 holding 321; the stream ends with R's NULL marker
    assert payload.endswith(b"N.tot" + struct.pack(">iii", 13, 1, 321) + struct.pack(">i", 254))
    objs = read_rdata_objects(out)
    assert list(objs) == ["wgt.matrix", "snps", "cv.performance", "hsq", "hsq.pv", "N.tot"]
    assert objs["snps"].classes() == ["data.frame"]
    assert [c.kind for c in objs["snps"].value] == [13, 16, 14, 13, 16, 16]  # int chr num int chr chr
    assert objs["wgt.matrix"].attr("dim").value.tolist() == [3, 2]


def test_writer_types_chr_and_omits_none(tmp_path):
    out = str(tmp_path / "t.wgt.RDat")
    write_wgt_rdat(out, _tiny_model(["X", "X", "X"]))
    objs = read_rdata_objects(out)
    assert list(objs) == ["wgt.matrix", "snps"]  # cv/hsq/hsq.pv/N.tot were None
    assert objs["snps"].value[0].kind == 16  # V1 character when a label is not an integer
    back = read_wgt_rdat(out)
    assert back.snps["chr"].tolist() == ["X", "X", "X"] and back.cv_performance is None
    assert back.wgt_rownames == ["rs0", "rs1", "rs2"]  # defaults to snps[,2] as in FUSION


def test_write_failure_leaves_existing_file_untouched(tmp_path):
    out = tmp_path / "t.wgt.RDat"
    out.write_bytes(b"old")
    bad = _tiny_model(["1", "1"])
    bad.models = ["only_one"]  # 2 columns, 1 name
    with pytest.raises(TwasError, match="model names") as info:
        write_wgt_rdat(str(out), bad)
    assert str(out) in str(info.value)
    assert out.read_bytes() == b"old" and os.listdir(tmp_path) == ["t.wgt.RDat"]
    with pytest.raises(TwasError, match="does not exist"):
        write_wgt_rdat(str(tmp_path / "no_dir" / "t.wgt.RDat"), _tiny_model(["1"]))


# --- errors --------------------------------------------------------------------------------------
def _error(path: str) -> str:
    with pytest.raises(TwasError) as info:
        read_wgt_rdat(path)
    msg = str(info.value)
    assert path in msg and "\n" not in msg
    return msg


def test_missing_file(tmp_path):
    assert "not found" in _error(str(tmp_path / "absent.wgt.RDat"))


def test_random_bytes(tmp_path):
    path = tmp_path / "junk.wgt.RDat"
    path.write_bytes(np.random.default_rng(1).bytes(500))
    assert "not an R data file" in _error(str(path))


def test_truncated_gzip(tmp_path):
    path = tmp_path / "trunc.wgt.RDat"
    path.write_bytes(open(GENE6, "rb").read()[:3000])
    assert "truncated" in _error(str(path))


def test_truncated_payload(tmp_path):
    path = tmp_path / "cut.wgt.RDat"
    path.write_bytes(gzip.compress(gzip.decompress(open(GENE6, "rb").read())[:20000]))
    assert "corrupt" in _error(str(path))


def test_gzip_of_non_rdata(tmp_path):
    path = tmp_path / "text.wgt.RDat"
    path.write_bytes(gzip.compress(b"hello world\n"))
    assert "not an R data file" in _error(str(path))


def test_no_wgt_matrix():
    assert "wgt.matrix" in _error(os.path.join(DATA, "no_wgt_matrix.RDat"))


def test_dimension_mismatch():
    msg = _error(os.path.join(DATA, "mismatch.RDat"))
    assert "3 rows" in msg and "2 SNPs" in msg
