"""twascli.rformat must reproduce R 4.2's formatting byte for byte (no R needed at test time).

Fixtures (tests/data/rformat, see SOURCE.md): R-generated cases, and FUSION outputs from the
shared parity set in 3-digit (as shipped) and 12-digit ("hp") versions.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import time
from pathlib import Path

import numpy as np
import pytest

from twascli import rformat as rf

DATA = Path(__file__).parent / "data" / "rformat"


# --------------------------------------------------------------------- R case table


def _fx(s: str) -> float:
    """A fixture input: hex float, or R's NA / NaN / Inf spelling."""
    special = {"NA": rf.R_NA_REAL, "NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}
    return special[s] if s in special else float.fromhex(s)


def _run_case(case: dict) -> list[str]:
    fn = case["fn"]
    if fn in ("format", "format_trim"):
        x = np.array([_fx(s) for s in case["x"]])
        return rf.format_real(x, case["digits"], case["nsmall"], trim=fn == "format_trim", nan_is_na=False)
    if fn == "as_character":
        v = _fx(case["x"][0])
        return ["NaN" if case["x"][0] == "NaN" else rf.as_character(v)]
    if fn == "cat":
        return [rf.format_cat(_fx(case["x"][0]), nan_is_na=False)]
    if fn == "write_table_raw":
        x = np.array([_fx(s) for s in case["x"]])
        return rf.write_table({"x": x}, header=False).split("\n")[:-1]
    if fn == "round":
        v = rf.r_round(_fx(case["x"][0]), case["digits"])
        return [v.hex() if math.isfinite(v) else case["x"][0]]
    if fn == "format_integer":
        return rf.format_integer([None if s == "NA" else int(s) for s in case["x"]])
    if fn == "format_logical":
        return rf.format_logical([None if s == "NA" else s == "TRUE" for s in case["x"]])
    if fn == "df":
        cols = {
            "S": [None if s == "NA" else s for s in case["S"]],
            "X": np.array([_fx(s) for s in case["X"]]),
            "Y": np.array([_fx(s) for s in case["Y"]]),
            "L": [None if s == "NA" else s == "TRUE" for s in case["L"]],
            "I": np.array([int(s) for s in case["I"]]),
        }
        f = rf.format_df(cols, digits=case["digits"], trim=case["trim"], nan_is_na=False)
        return rf.write_table(f, sep=case["sep"]).split("\n")[:-1]
    raise ValueError(fn)


def _case_ok(case: dict, got: list[str]) -> bool:
    if case["fn"] != "round":
        return got == case["out"]
    g, e = _fx(got[0]), _fx(case["out"][0])
    return (g == e and math.copysign(1, g) == math.copysign(1, e)) or (g != g and e != e)


@pytest.fixture(scope="module")
def r_cases() -> list[dict]:
    with gzip.open(DATA / "r_cases.json.gz", "rt") as fh:
        return json.load(fh)["cases"]


def _check_all(cases: list[dict]) -> None:
    bad = [(c, got) for c in cases if not _case_ok(c, got := _run_case(c))]
    detail = "\n".join(f"{c['fn']} d={c.get('digits')} x={c.get('x')} R={c['out']} py={g}" for c, g in bad[:10])
    assert not bad, f"{len(bad)}/{len(cases)} cases differ from R:\n{detail}"


def test_r_cases_all_match(r_cases: list[dict]) -> None:
    assert len(r_cases) > 20000
    _check_all(r_cases)


def test_r_cases_portable_path(r_cases: list[dict], monkeypatch: pytest.MonkeyPatch) -> None:
    """The exact-rational fallback (used where numpy's longdouble is not x87) agrees too."""
    monkeypatch.setattr(rf, "LONGDOUBLE_IS_X87", False)
    _check_all([c for c in r_cases if c["fn"] in ("format", "format_trim", "as_character", "cat", "df")])


def test_fast_and_exact_scientific_agree() -> None:
    """numpy long double path == exact emulation, on values rich in decimal/binary ties."""
    if not rf.LONGDOUBLE_IS_X87:
        pytest.skip("no x87 long double here")
    rng = np.random.default_rng(3)
    n = 4000
    vals = np.concatenate([
        10 ** rng.uniform(-40, 40, n),
        rng.integers(0, 10**6, n) / 2.0 ** rng.integers(0, 14, n),
        (rng.integers(0, 10**5, n) + 0.5) * 10.0 ** rng.integers(-10, 10, n),
        10 ** rng.uniform(-320, 308, n),
    ])
    vals = vals[vals > 0]
    for digits in (1, 2, 3, 7, 12, 15):
        k, s, w = rf._scientific(vals, digits)
        exact = [rf._scientific_exact(v, digits) for v in vals.tolist()]
        assert k.tolist() == [e[0] for e in exact]
        assert s.tolist() == [e[1] for e in exact]
        assert w.tolist() == [e[2] for e in exact]


# ------------------------------------------------------------------ documented edges


def test_known_r_results() -> None:
    assert rf.format_real([9.9996], 3) == ["10"]
    assert rf.format_real([9996.0], 3) == ["9996"]  # roundingwidens: not 1e+04
    assert rf.format_real([123456789.0], 3) == ["1.23e+08"]
    assert rf.format_real([17625034.0, 22.0], 3) == ["17625034", "      22"]
    assert rf.format_real([0.184411, 0.0123], 3) == ["0.1844", "0.0123"]
    assert rf.format_real([1.5, np.nan, 22.123], 3) == [" 1.5", "  NA", "22.1"]
    assert rf.format_real([-0.0, 1.0], 3) == ["0", "1"]
    assert rf.format_real([math.inf, -math.inf, 1.0], 3) == [" Inf", "-Inf", "   1"]
    assert rf.format_real([rf.R_NA_REAL, math.nan], 3, nan_is_na=False) == [" NA", "NaN"]
    assert rf.format_real([1e-300, 1.0], 3) == ["1e-300", " 1e+00"]
    assert rf.format_real([0.5, 0.25], 2, trim=True) == ["0.50", "0.25"]
    assert rf.format_real([9.186591821883195e-11], 15) == ["9.1865918218832e-11"]  # R's 1e25 is a double
    assert rf.format_real([1.0], 3, nsmall=2) == ["1.00"]
    assert rf.paste_format([0.1504, 5.03e-16], 2) == "1.5e-01,5.0e-16"
    assert rf.as_character([1e5, 123456.0, 0.1 + 0.2, 1 / 3]) == ["1e+05", "123456", "0.3", "0.333333333333333"]
    assert rf.format_cat(1 / 3) == "0.3333333"
    assert rf.format_cat(1e5) == "1e+05"
    assert rf.cat_str("GENE1", 2, 0.8609, 2, 1.97e-12, "\n", sep="\t", digits=3) == "GENE1\t2\t0.861\t2\t1.97e-12\t\n"
    assert rf.cat_str([1.0, 1.5], True, None, 3, "\n") == "1 1.5 TRUE NA 3 \n"
    assert rf.r_round(0.15, 1) == 0.1
    assert rf.r_round(2.675, 2) == 2.67
    assert rf.r_round(2.5, 0) == 2.0
    assert math.copysign(1, rf.r_round(-0.0005, 3)) == -1 and rf.r_round(-0.0005, 3) == 0  # R: -0
    assert rf.r_round([0.9995, np.nan], 3)[0] == 1.0


def test_format_df_types() -> None:
    """Character columns are not padded (format.data.frame's justify='none'); NA -> 'NA'."""
    f = rf.format_df(
        {
            "ID": ["rs41049493", "rs3502274", None],
            "Z": np.array([1.5, np.nan, 22.123]),
            "L": [None, True, False],
            "N": np.array([1, 22, 333]),
        },
        digits=3,
    )
    assert f == {
        "ID": ["rs41049493", "rs3502274", "NA"],
        "Z": [" 1.5", "  NA", "22.1"],
        "L": ["   NA", " TRUE", "FALSE"],
        "N": ["  1", " 22", "333"],
    }
    txt = rf.write_table(f)
    assert txt == "ID\tZ\tL\tN\nrs41049493\t 1.5\t   NA\t  1\nrs3502274\t  NA\t TRUE\t 22\nNA\t22.1\tFALSE\t333\n"
    assert rf.write_table(f, header=False).splitlines()[0] == "rs41049493\t 1.5\t   NA\t  1"
    assert rf.format_integer([5, None, -12]) == ["  5", " NA", "-12"]
    assert rf.format_character(["a", "bbb", None], "left") == ["a  ", "bbb", "NA "]


def test_format_df_accepts_pandas() -> None:
    import pandas as pd

    df = pd.DataFrame({"A": ["x", None], "B": [0.001234, 12.5], "C": pd.array([1, None], dtype="Int64")})
    assert rf.format_df(df, digits=3) == {"A": ["x", "NA"], "B": [" 0.00123", "12.50000"], "C": [" 1", "NA"]}


# ---------------------------------------------------------------- FUSION assoc files

NUMERIC = set(
    "CHR NSNP NWGT HSQ BEST.GWAS.Z EQTL.R2 EQTL.Z EQTL.GWAS.Z TWAS.Z TWAS.P "
    "COLOC.PP0 COLOC.PP1 COLOC.PP2 COLOC.PP3 COLOC.PP4".split()
)
# (file, ID, PANEL, column) -> the double FUSION really had (see SOURCE.md)
HP_OVERRIDES = {("trait_null.22.dat", "GENE22_020", "TissueA", "TWAS.Z"): np.nextafter(0.12945, 0.0)}


def _read_tsv(path: Path, sep: str = "\t") -> tuple[list[str], list[list[str]]]:
    lines = path.read_text().split("\n")
    assert lines[-1] == ""
    header = lines[0].split(sep)
    return header, [ln.split(sep) for ln in lines[1:-1]]


def _num(values: list[str]) -> np.ndarray:
    return np.array([np.nan if v.strip() == "NA" else float(v) for v in values])


@pytest.mark.parametrize(
    "name", ["trait_med.22.dat", "trait_null.6.dat", "trait_null.6.dat.MHC", "trait_strong.22.dat", "trait_null.22.dat"]
)
def test_assoc_tables_byte_identical(name: str) -> None:
    """format(out.tbl, digits=3) of FUSION's frame, rebuilt from the 12-digit file."""
    header, hp_rows = _read_tsv(DATA / "fusion_hp" / "assoc" / name)
    ref_text = (DATA / "fusion" / "assoc" / name).read_text()
    _, ref_rows = _read_tsv(DATA / "fusion" / "assoc" / name)
    cols: dict[str, object] = {}
    for j, c in enumerate(header):
        vals = [r[j] for r in hp_rows]
        if c in NUMERIC:
            arr = _num(vals)
            for (fname, gid, panel, col), v in HP_OVERRIDES.items():
                if fname == name and col == c:
                    for i, r in enumerate(hp_rows):
                        if r[header.index("ID")] == gid and r[header.index("PANEL")] == panel:
                            arr[i] = v
            cols[c] = arr
        elif c in ("MODELCV.R2", "MODELCV.PV"):  # digits=2 strings: taken from the 3-digit file
            cols[c] = [r[j] for r in ref_rows]
        else:  # character columns (P0/P1 are toString()ed in FUSION)
            cols[c] = [None if v == "NA" else v for v in vals]
    assert rf.write_table(rf.format_df(cols, digits=3)) == ref_text


# ------------------------------------------------------------- FUSION post-process files


def _post_columns(header: list[str], rows: list[list[str]], text_cols: set[str], int_cols: set[str]) -> dict:
    cols: dict[str, object] = {}
    for j, c in enumerate(header):
        vals = [r[j] for r in rows]
        if c in text_cols:
            cols[c] = vals
        elif c in int_cols:
            cols[c] = np.array([int(v) for v in vals])
        else:
            cols[c] = _num(vals)
    return cols


def _rebuild_post(name: str) -> str:
    """Re-create a post-process file from the 12-digit run the way FUSION.post_process.R writes it."""
    hp = DATA / "fusion_hp" / "post" / name
    if name.endswith((".joint_included.dat", ".joint_dropped.dat")):
        h, rows = _read_tsv(hp)  # write.table(format(df.out, digits=2), sep='\t')
        return rf.write_table(rf.format_df(_post_columns(h, rows, {"FILE", "ID"}, set()), digits=2))
    if name.endswith(".cond"):
        h, rows = _read_tsv(hp)  # write.table(format(df.out, digits=2), sep='\t'); POS is integer
        return rf.write_table(rf.format_df(_post_columns(h, rows, {"SNP"}, {"POS"}), digits=2))
    if name.endswith(".cond.csv"):
        h, rows = _read_tsv(hp, sep=",")  # format(df.out, digits=2, trim=T), sep=','
        cols = _post_columns(h, rows, {"SNP"}, {"POS"})
        return rf.write_table(rf.format_df(cols, digits=2, trim=True), sep=",")
    if name.endswith(".CORR.dat"):
        # header by cat(); then per gene write.table(cbind(g, format(cur.tbl, digits=3)), col.names=F)
        h, rows = _read_tsv(hp)
        out = "GENE\tREF1\tREF2\tCORR\n"
        genes: dict[str, list[list[str]]] = {}
        for r in rows:
            genes.setdefault(r[0], []).append(r)
        for blk in genes.values():
            f = rf.format_df({"g": [r[0] for r in blk], "Var1": [r[1] for r in blk],
                              "Var2": [r[2] for r in blk], "Freq": _num([r[3] for r in blk])}, digits=3)
            out += rf.write_table(f, header=False)
        return out
    if name.endswith(".omnibus.pv"):
        # cat(g, M, min(TWAS.P), sum(!pruned), pv.chi, '\n', sep='\t') under options(digits=3)
        lines = hp.read_text().splitlines()
        out = lines[0] + "\n"
        for ln in lines[1:]:
            g, m, p1, n, p2, _ = ln.split("\t")
            out += rf.cat_str(g, int(m), float(p1), int(n), float(p2), "\n", sep="\t", digits=3)
        return out
    if name.endswith(".report"):
        # cat(file, chr, range(pos), #genes, #joint, best.twas.p, best.snp.p, cond.snp.p, var.exp,
        #     '\n', sep='\t') under options(digits=3)
        lines = hp.read_text().splitlines()
        out = rf.cat_str("FILE", "CHR", "P0", "P1", "HIT.GENES", "JOINT.GENES", "BEST.TWAS.P",
                         "BEST.SNP.P", "COND.SNP.P", "VAR.EXP\n", sep="\t")
        for ln in lines[1:]:
            f = ln.split("\t")
            out += rf.cat_str(f[0].replace("/ds1_fusion_hp/", "/ds1_fusion/"), f[1], *map(int, f[2:6]),
                              *map(float, f[6:10]), "\n", sep="\t", digits=3)
        return out
    raise ValueError(name)


@pytest.mark.parametrize(
    "name",
    [
        "trait_strong.22.loc_2.cond",
        "trait_strong.22.loc_4.cond.csv",
        "trait_strong.22.omnibus.CORR.dat",
        "trait_strong.22.report",
        "trait_strong.6.joint_dropped.dat",
        "trait_strong.6.joint_included.dat",
        "trait_strong.6.omnibus.CORR.dat",
        "trait_strong.6.report",
    ],
)
def test_post_files_byte_identical(name: str) -> None:
    assert _rebuild_post(name) == (DATA / "fusion" / "post" / name).read_text()


_NUM_RE = re.compile(r"^\s*-?\d+(\.\d+)?(e[-+]\d+)?$")


def _last_digit_unit(s: str) -> float:
    m = re.match(r"^\s*-?\d+(?:\.(\d+))?(?:e([-+]\d+))?$", s)
    assert m
    return 10.0 ** (-(len(m.group(1) or "")) + int(m.group(2) or 0))


@pytest.mark.parametrize(
    "name",
    [
        "trait_strong.22.joint_dropped.dat",
        "trait_strong.22.joint_included.dat",
        "trait_strong.22.omnibus.omnibus.pv",
        "trait_strong.6.omnibus.omnibus.pv",
        "trait_strong.6.loc_1.cond",
    ],
)
def test_post_files_same_layout(name: str) -> None:
    """Files whose inputs differ slightly between the two runs: same bytes except last digits."""
    got = _rebuild_post(name).split("\n")
    exp = (DATA / "fusion" / "post" / name).read_text().split("\n")
    assert len(got) == len(exp)
    for g_line, e_line in zip(got, exp):
        g_f, e_f = g_line.split("\t"), e_line.split("\t")
        assert len(g_f) == len(e_f)
        for g, e in zip(g_f, e_f):
            if g == e:
                continue
            assert len(g) == len(e) and _NUM_RE.match(g) and _NUM_RE.match(e), (g, e)
            assert re.sub(r"\d", "9", g) == re.sub(r"\d", "9", e), (g, e)
            assert abs(float(g) - float(e)) <= 2.01 * _last_digit_unit(e), (g, e)


def _type_convert(vals: list[str]) -> object:
    """read.table's type.convert for one column: logical, integer, double or character."""
    present = [v for v in vals if v != "NA"]
    if all(v in ("TRUE", "FALSE", "T", "F") for v in present):
        return [None if v == "NA" else v in ("TRUE", "T") for v in vals]
    try:
        ints = [None if v == "NA" else int(v) for v in vals]
        if all(i is None or abs(i) < 2**31 for i in ints):
            return ints
    except ValueError:
        pass
    try:
        return _num(vals)
    except ValueError:
        return [None if v == "NA" else v for v in vals]


@pytest.mark.parametrize("name", ["trait_strong.22.loc_1.genes", "trait_strong.6.loc_1.genes"])
def test_write_table_unformatted(name: str) -> None:
    """write.table(cur.wgt) without format(): doubles with 15 significant digits each."""
    path = DATA / "fusion" / "post" / name
    header, rows = _read_tsv(path)
    cols = {c: _type_convert([r[j] for r in rows]) for j, c in enumerate(header)}
    assert rf.write_table(cols) == path.read_text()


# ---------------------------------------------------------------------- performance


def test_speed_20000_rows_25_columns() -> None:
    rng = np.random.default_rng(1)
    n = 20000
    cols: dict[str, object] = {}
    for j in range(25):
        if j % 5 == 0:
            cols[f"c{j}"] = [f"rs{i}" for i in rng.integers(1, 10**8, n)]
        else:
            x = rng.normal(size=n) * 10 ** rng.uniform(-8, 3, n)
            x[rng.random(n) < 0.05] = np.nan
            cols[f"c{j}"] = x
    t0 = time.perf_counter()
    text = rf.write_table(rf.format_df(cols, digits=3))
    elapsed = time.perf_counter() - t0
    assert text.count("\n") == n + 1
    assert elapsed < 3.0, f"took {elapsed:.2f}s"
