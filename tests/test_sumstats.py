"""Sumstats reading: the panel-SNP filter of genome-wide files gives what a full read gives."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from twascli.errors import TwasError
from twascli.io.sumstats import PanelSnps, _panel_rows, read_sumstats

ROWS = [
    "SNP\tA1\tA2\tZ\tN",
    "rs1\ta\tg\t1.5\t100",
    "rs2\tC\tT\tNA\t100",
    "rs10\tA\tC\t-2\t100",
    "rs1\tT\tC\t9\t100",  # duplicate id: the first row wins, as R's match()
    "rs100\tG\tA\t0.25\t100",
    "1:12345:A:G\tA\tG\t3\t100",
]


def write(tmp_path, lines, name="g.sumstats", gz=False):
    path = tmp_path / name
    text = "\n".join(lines) + "\n"
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return str(path)


def as_dict(ss):
    return {s: (a1, a2, z) for s, a1, a2, z in zip(ss.snp, ss.a1, ss.a2, ss.z)}


@pytest.mark.parametrize("gz", [False, True])
def test_filtered_read_equals_full_read_restricted(tmp_path, gz):
    path = write(tmp_path, ROWS, gz=gz)
    panel = ["rs1", "rs10", "rs2", "1:12345:A:G", "rs999"]
    assert _panel_rows(path, PanelSnps(panel)) is not None  # the fast path was taken
    full, part = as_dict(read_sumstats(path)), as_dict(read_sumstats(path, panel))
    assert set(part) == {"rs1", "rs10", "rs2", "1:12345:A:G"}  # rs1 is not rs10/rs100: whole ids
    for snp, (a1, a2, z) in part.items():
        fa1, fa2, fz = full[snp]
        assert (a1, a2) == (fa1, fa2) and (z == fz or (np.isnan(z) and np.isnan(fz)))
    assert part["rs1"] == ("A", "G", 1.5)


def test_fallbacks_give_the_same_rows(tmp_path):
    """SNP not first, leading blanks, very long ids, spaces for tabs: whole-file read, same result."""
    moved = ["A1\tSNP\tA2\tZ"] + [f"{r.split()[1]}\t{r.split()[0]}\t{r.split()[2]}\t{r.split()[3]}" for r in ROWS[1:]]
    padded = [ROWS[0]] + ["  " + r for r in ROWS[1:]]
    spaced = [r.replace("\t", "  ") for r in ROWS]
    longid = ROWS + ["rs" + "9" * 60 + "\tA\tG\t1\t100"]
    panel = ["rs1", "rs10"]
    assert _panel_rows(write(tmp_path, moved, "m"), PanelSnps(panel)) is None
    assert _panel_rows(write(tmp_path, padded, "p"), PanelSnps(panel)) is None
    assert _panel_rows(write(tmp_path, longid, "l"), PanelSnps(panel)) is None
    for name, lines in (("m", moved), ("p", padded), ("s", spaced), ("l", longid)):
        got = as_dict(read_sumstats(write(tmp_path, lines, name), panel))
        assert got["rs1"] == ("A", "G", 1.5) and got["rs10"] == ("A", "C", -2.0)


def test_bad_value_in_a_kept_row_names_the_file_line(tmp_path):
    lines = ROWS[:3] + ["rs10\tA\tC\toops\t100"] + ROWS[4:]
    path = write(tmp_path, lines)
    with pytest.raises(TwasError, match=r"non-numeric value 'oops' on data line 3"):
        read_sumstats(path, ["rs10"])


def test_no_panel_snp_in_file(tmp_path):
    ss = read_sumstats(write(tmp_path, ROWS), ["rsX"])
    assert len(ss.snp) == 0


def test_ids_longer_than_the_cheap_window(tmp_path):
    """A 21-byte id makes the 16-byte window give way to the 48-byte one; rows still match."""
    long_id = "chr22:12345678:ACGT:A"
    path = write(tmp_path, ROWS + [f"{long_id}\tA\tG\t0.5\t100"])
    panel = PanelSnps(["rs10", long_id])
    assert _panel_rows(path, panel) is not None
    got = as_dict(read_sumstats(path, panel))
    assert got == {"rs10": ("A", "C", -2.0), long_id: ("A", "G", 0.5)}
