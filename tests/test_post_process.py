"""`twascli post-process` against real FUSION.post_process.R outputs (tests/data/post, tests/data/parity)."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from twascli.cli import run
from twascli.core import postproc as pp

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, "data", "parity")
POST = os.path.join(HERE, "data", "post")
WEIGHTS = os.path.join(PARITY, "fusion", "WEIGHTS")
REF = os.path.join(PARITY, "data", "ldref", "REF.")
GWAS = os.path.join(PARITY, "data", "gwas", "trait_strong.sumstats.gz")
FUSION_WEIGHTS = "/tmp/ds1_fusion/WEIGHTS"


def localise(src: str, dst: str, extra_rows: list[str] | None = None) -> str:
    """Copy a FUSION results table with its weight paths pointed at the test copy."""
    with open(src) as fh:
        text = fh.read().replace(FUSION_WEIGHTS, WEIGHTS)
    if extra_rows:
        text += "".join(r + "\n" for r in extra_rows)
    with open(dst, "w") as fh:
        fh.write(text)
    return dst


def normalise(text: str, out_prefix: str) -> str:
    """FUSION's file with machine paths replaced as in our run (weights dir and --out prefix)."""
    text = text.replace(FUSION_WEIGHTS, WEIGHTS)
    return re.sub(r"/tmp/ds1_fusion(_hp)?/post/", os.path.dirname(out_prefix) + "/", text)


def post(args: list[str], capsys) -> tuple[int, str, str]:
    code = run(["post-process", *args])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def reference_files(kind: str, chrom: str, omnibus: bool) -> list[str]:
    names = sorted(os.listdir(os.path.join(POST, kind)))
    pre = f"trait_strong.{chrom}.omnibus." if omnibus else f"trait_strong.{chrom}."
    return [n for n in names if n.startswith(pre) and (omnibus or ".omnibus." not in n)]


def numeric_close(ref: str, ours: str, rtol: float = 1e-6) -> float:
    """Assert two tables have the same cells, numbers within RTOL; return the worst relative error."""
    sep = "," if "," in ref.splitlines()[0] else "\t"
    ra, rb = [l.split(sep) for l in ref.splitlines()], [l.split(sep) for l in ours.splitlines()]
    assert len(ra) == len(rb)
    worst = 0.0
    for la, lb in zip(ra, rb):
        assert len(la) == len(lb)
        for a, b in zip(la, lb):
            a, b = a.strip(), b.strip()
            if a == b:
                continue
            fa, fb = float(a), float(b)  # a text mismatch raises here
            rel = abs(fa - fb) / max(abs(fa), 1e-300)
            worst = max(worst, rel)
            assert rel < rtol, (a, b)
    return worst


# --------------------------------------------------------------------------- parity with FUSION


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run the FUSION reference commands once per module (3-digit and 12-digit)."""
    base = tmp_path_factory.mktemp("post")
    done = {}
    for kind, digits in (("fusion", []), ("fusion_hp", ["--digits", "12"])):
        d = base / kind
        d.mkdir()
        for chrom in ("22", "6"):
            top = localise(os.path.join(PARITY, kind, "assoc", f"trait_strong.{chrom}.top"), str(d / f"in.{chrom}.top"))
            dat = localise(os.path.join(PARITY, kind, "assoc", f"trait_strong.{chrom}.dat"), str(d / f"in.{chrom}.dat"))
            out = str(d / f"trait_strong.{chrom}")
            plot = ["--plot"] if kind == "fusion" else []
            code = run(["post-process", "--sumstats", GWAS, "--input", top, "--out", out, "--ref_ld_chr", REF,
                        "--chr", chrom, *plot, "--locus_win", "100000", "--report", "--save_loci", "--verbose", "2",
                        *digits])
            assert code == 0
            code = run(["post-process", "--sumstats", GWAS, "--input", dat, "--out", out + ".omnibus",
                        "--ref_ld_chr", REF, "--chr", chrom, "--omnibus", *digits])
            assert code == 0
        done[kind] = d
    return done


@pytest.mark.parametrize("chrom", ["22", "6"])
@pytest.mark.parametrize("omnibus", [False, True])
def test_files_byte_identical_to_fusion(runs, chrom, omnibus):
    names = reference_files("fusion", chrom, omnibus)
    assert names
    for name in names:
        ours_path = os.path.join(runs["fusion"], name)
        assert os.path.exists(ours_path), f"missing {name}"
        with open(os.path.join(POST, "fusion", name)) as fh:
            ref = normalise(fh.read(), ours_path)
        with open(ours_path) as fh:
            assert fh.read() == ref, name


@pytest.mark.parametrize("chrom", ["22", "6"])
@pytest.mark.parametrize("omnibus", [False, True])
def test_full_precision_agrees_with_fusion(runs, chrom, omnibus):
    names = reference_files("fusion_hp", chrom, omnibus)
    assert names
    for name in names:
        ours_path = os.path.join(runs["fusion_hp"], name)
        with open(os.path.join(POST, "fusion_hp", name)) as fh:
            ref = normalise(fh.read(), ours_path)
        with open(ours_path) as fh:
            numeric_close(ref, fh.read(), 1e-6)


def test_no_extra_files_and_pdfs(runs):
    d = runs["fusion"]
    ours = {n for n in os.listdir(d) if n.startswith("trait_strong.")}
    expected = {n for n in os.listdir(os.path.join(POST, "fusion")) if n.startswith("trait_strong.")}
    pdfs = {n for n in ours if n.endswith(".pdf")}
    assert ours - pdfs == expected
    assert pdfs == {f"trait_strong.22.loc_{i}.pdf" for i in range(1, 5)} | {"trait_strong.6.loc_1.pdf"}
    for n in pdfs:
        with open(os.path.join(d, n), "rb") as fh:
            data = fh.read()
        assert data.startswith(b"%PDF") and len(data) > 5000


def test_locus_lines_and_log_match_fusion(tmp_path, capsys):
    top = localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top"), str(tmp_path / "in.top"))
    code, out, err = post(["--sumstats", GWAS, "--input", top, "--out", str(tmp_path / "o"), "--ref_ld_chr", REF,
                           "--chr", "22", "--verbose", "2"], capsys)
    assert code == 0
    with open(os.path.join(POST, "fusion", "post.trait_strong.22.log")) as fh:
        log = fh.read().replace(FUSION_WEIGHTS, WEIGHTS).splitlines()
    assert out.splitlines() == [l for l in log if l.startswith("locus ")]
    # the chromosome-wide selection log is FUSION's, line for line
    first = [l for l in log if not l.startswith("locus ")][:10]
    assert err.splitlines()[:10] == first
    assert not os.path.exists(str(tmp_path / "o.report"))  # only with --report


# --------------------------------------------------------------------------- other modes


def test_ldsc_matches_fusion(tmp_path, capsys):
    dat = localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.dat"), str(tmp_path / "in.dat"))
    code, _, _ = post(["--input", dat, "--out", str(tmp_path / "o"), "--ref_ld_chr", REF, "--chr", "22", "--ldsc"], capsys)
    assert code == 0
    with gzip.open(tmp_path / "o.l2.ldscore.gz", "rt") as a, gzip.open(os.path.join(POST, "extra", "ldsc.l2.ldscore.gz"), "rt") as b:
        assert a.read() == b.read()
    with open(tmp_path / "o.l2.M_5_50") as a, open(os.path.join(POST, "extra", "ldsc.l2.M_5_50")) as b:
        assert a.read() == b.read()


@pytest.mark.parametrize("model", ["top1", "best"])
def test_omnibus_corr_matches_fusion(tmp_path, capsys, model):
    dat = localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.dat"), str(tmp_path / "in.dat"))
    code, _, _ = post(["--input", dat, "--out", str(tmp_path / "o"), "--ref_ld_chr", REF, "--chr", "22",
                       "--omnibus", "--omnibus_corr", model], capsys)
    assert code == 0
    with open(tmp_path / "o.CORR.dat") as a, open(os.path.join(POST, "extra", f"oc_{model}.CORR.dat")) as b:
        assert a.read() == b.read()
    assert not os.path.exists(tmp_path / "o.omnibus.pv")


def test_no_features_gives_header_only_report(tmp_path, capsys):
    top = localise(os.path.join(PARITY, "fusion", "assoc", "trait_null.22.top"), str(tmp_path / "in.top"))
    code, _, err = post(["--sumstats", GWAS, "--input", top, "--out", str(tmp_path / "o"), "--ref_ld_chr", REF,
                         "--chr", "22", "--report", "--plot"], capsys)
    assert code == 0
    assert "nothing to analyse" in err
    with open(tmp_path / "o.report") as fh:
        assert fh.read() == "FILE\tCHR\tP0\tP1\tHIT.GENES\tJOINT.GENES\tBEST.TWAS.P\tBEST.SNP.P\tCOND.SNP.P\tVAR.EXP\n"


def test_nothing_passes_threshold(tmp_path, capsys):
    dat = localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.dat"), str(tmp_path / "in.dat"))
    code, out, err = post(["--sumstats", GWAS, "--input", dat, "--out", str(tmp_path / "o"), "--ref_ld_chr", REF,
                           "--chr", "22", "--report", "--zthresh", "50"], capsys)
    assert code == 0
    assert "no models had an absolute marginal association statistic higher than 50" in err
    assert "no models in CLUMP 1" in err
    assert out == ""
    assert not os.path.exists(tmp_path / "o.joint_included.dat")
    with open(tmp_path / "o.report") as fh:
        assert fh.read().count("\n") == 1


def _duplicate_panel(tmp_path) -> str:
    """trait_strong.22.top plus a third 'panel' whose two models are copies of TissueA's."""
    panel = tmp_path / "W" / "TissueC"
    panel.mkdir(parents=True)
    rows = []
    with open(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top")) as fh:
        for line in fh:
            if line.startswith("TissueA\t") and ("GENE22_005" in line or "GENE22_016" in line):
                name = re.search(r"(GENE22_\d+)\.wgt\.RDat", line).group(1)
                shutil.copy(os.path.join(WEIGHTS, "TissueA", f"{name}.wgt.RDat"), panel / f"{name}.wgt.RDat")
                rows.append(line.rstrip("\n").replace("TissueA\t", "TissueC\t", 1)
                            .replace(f"{FUSION_WEIGHTS}/TissueA", str(panel)))
    return localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top"), str(tmp_path / "dup.top"), rows)


@pytest.mark.parametrize("max_r2", ["0.9", "1"])
def test_perfectly_correlated_models_finish_with_log_line(tmp_path, capsys, max_r2):
    top = _duplicate_panel(tmp_path)
    out = str(tmp_path / "o")
    code, _, err = post(["--sumstats", GWAS, "--input", top, "--out", out, "--ref_ld_chr", REF, "--chr", "22",
                         "--report", "--max_r2", max_r2], capsys)
    assert code == 0  # FUSION stops with "missing value where TRUE/FALSE needed" at --max_r2 1
    dup_lines = [l for l in err.splitlines() if "TissueC" in l and l.startswith("WARNING")]
    assert len(dup_lines) == 2
    assert all(("perfectly correlated" in l) or ("linear combination" in l) for l in dup_lines)
    # the copies never enter the model: the joint model and the report are FUSION's
    with open(os.path.join(POST, "fusion", "trait_strong.22.joint_included.dat")) as fh:
        ref = normalise(fh.read(), out)
    with open(out + ".joint_included.dat") as fh:
        assert fh.read() == ref
    with open(os.path.join(POST, "fusion", "trait_strong.22.report")) as fh:
        ref_rows = [l.split("\t")[1:] for l in fh.read().splitlines()]
    with open(out + ".report") as fh:
        assert [l.split("\t")[1:] for l in fh.read().splitlines()] == ref_rows


# --------------------------------------------------------------------------- plots


def _pages(path: str) -> int:
    with open(path, "rb") as fh:
        return len(re.findall(rb"/Type\s*/Page[^s]", fh.read()))


def test_plot_flags_make_multi_page_pdfs(tmp_path, capsys):
    top = localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top"), str(tmp_path / "in.top"))
    out = str(tmp_path / "o")
    code, out_txt, _ = post(["--sumstats", GWAS, "--input", top, "--out", out, "--ref_ld_chr", REF, "--chr", "22",
                             "--plot", "--plot_individual", "--plot_eqtl", "--plot_legend", "all", "--plot_corr",
                             "--verbose", "0"], capsys)
    assert code == 0
    assert out_txt.startswith("pca varexp :  0.252 0.198 0.164 0.132 0.108 0.0625 0.04 0.0305 0.0118 \n")
    assert _pages(out + ".loc_1.pdf") == 5  # main page + one per feature (4 in locus 1)
    assert _pages(out + ".loc_2.pdf") == 1
    assert _pages(out + ".corrplot.pdf") == 1


def test_scatter_with_missing_gwas_snps(tmp_path, capsys):
    # FUSION stops here ("need finite 'ylim' values") because the locus has SNPs missing from the GWAS
    top = localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top"), str(tmp_path / "in.top"))
    out = str(tmp_path / "o")
    code, _, err = post(["--sumstats", GWAS, "--input", top, "--out", out, "--ref_ld_chr", REF, "--chr", "22",
                         "--plot", "--plot_individual", "--plot_scatter", "--plot_eqtl", "--plot_legend", "joint",
                         "--glist", "hg38", "--verbose", "0"], capsys)
    assert code == 0
    assert "plotting eQTL only" in err
    assert _pages(out + ".loc_1.pdf") == 5


def test_layout_never_overlaps():
    from twascli.post.draw import GeneBox, layout_genes, text_width_in

    rng = np.random.default_rng(1)
    genes = [GeneBox(s, s + rng.integers(1000, 80000), f"GENE{i:03d}", "other")
             for i, s in enumerate(np.sort(rng.integers(17_000_000, 18_000_000, 60)))]
    lay = layout_genes(genes, (17.0, 18.1), 6.0)
    per_in = 1.1 / 6.0
    spans = {}
    for g, (row, side) in zip(genes, lay):
        lw = text_width_in(g.label) * per_in
        a, b = g.start / 1e6, max(g.end / 1e6, g.start / 1e6 + 0.04 * per_in)
        lo, hi = (a - lw, b) if side == "left" else (a, b + lw)
        for lo2, hi2 in spans.get(row, []):
            assert hi <= lo2 or lo >= hi2
        spans.setdefault(row, []).append((lo, hi))


# --------------------------------------------------------------------------- core numerics


def test_singular_model_is_refused_not_fatal():
    r = 1 - 2.0**-52  # R's solve() refuses this 2x2 correlation matrix (rcond < eps)
    ld = np.array([[1.0, r], [r, 1.0]])
    with pytest.raises(pp.SingularMatrix):
        pp.r_solve_inverse(ld)
    z = np.array([6.0, 6.0000001])
    for sel in (pp.select_global(z, ld, 3.0, 1.0, 1.96), pp.select_locus(z, ld, np.array([True, True]), 3.0, 1.0)):
        assert sel.keep.tolist() == [False, True]
        assert sel.singular == [0]
    jr = pp.joint_estimates(z, ld, np.array([False, True]))
    assert jr.joint_z[0] == pytest.approx(6.0000001)


def test_omnibus_singular_fallback():
    corr = np.array([[1.0, 0.5, 0.5], [0.5, 1.0, -0.5], [0.5, -0.5, 1.0]])  # rank 2: x3 = x1 - x2
    res = pp.omnibus_test(np.array([3.0, 2.0, 1.0]), corr, 0.9)
    assert res.kept.tolist() == [True, True, False] and res.singular == [2] and res.df == 2


def test_loci_and_consolidation():
    used = np.array([0, 1, 1, 0, 0, 1, 0, 1, 1], dtype=bool)
    pos = np.arange(9) * 1000 + 10_000
    s, e = pp.contiguous_loci(used, pos, 1500)
    assert s.tolist() == [9500, 13500, 15500] and e.tolist() == [13500, 16500, 19500]
    cs, ce = pp.consolidate_loci(s, e)
    assert cs.tolist() == [9500, 13500] and ce.tolist() == [13500, 19500]  # 13500 < 13500 is false


# --------------------------------------------------------------------------- flags and errors


def test_flag_spellings_and_errors(tmp_path, capsys):
    top = localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.6.top"), str(tmp_path / "in.top"))
    base = ["--sumstats", GWAS, "--input", top, "--ref_ld_chr", REF, "--chr", "chr6", "--verbose", "0"]
    code, out_a, _ = post([*base, "--out", str(tmp_path / "a"), "--max_r2", "0.5", "--min_r2", "0.01"], capsys)
    code_b, out_b, _ = post([*base, "--out", str(tmp_path / "b"), "--max-r2", "0.5", "--min-r2", "0.01"], capsys)
    assert code == code_b == 0 and out_a == out_b
    code, _, err = post([*base, "--out", str(tmp_path / "c"), "--plot", "--plot_legend", "some"], capsys)
    assert code == 1 and "--plot_legend" in err
    bad = tmp_path / "bad.top"
    bad.write_text("FILE\tID\tTWAS.Z\nx\ty\t1\n")
    code, _, err = post(["--sumstats", GWAS, "--input", str(bad), "--out", str(tmp_path / "d"), "--ref_ld_chr", REF,
                         "--chr", "6"], capsys)
    assert code == 1 and "TWAS.P" in err and str(bad) in err


def test_top1_single_snp_fix_changes_top1_predictions(tmp_path, capsys):
    top = localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top"), str(tmp_path / "in.top"))
    base = ["--sumstats", GWAS, "--input", top, "--ref_ld_chr", REF, "--chr", "22", "--verbose", "0"]
    assert post([*base, "--out", str(tmp_path / "a")], capsys)[0] == 0
    assert post([*base, "--out", str(tmp_path / "b"), "--top1_single_snp"], capsys)[0] == 0
    a = (tmp_path / "a.joint_included.dat").read_text()
    b = (tmp_path / "b.joint_included.dat").read_text()
    assert a != b


def test_model_without_usable_weights_is_left_out(tmp_path, capsys):
    # FUSION stops on the NaN correlation of a constant prediction; twascli leaves the model out
    from twascli.io.rdat import read_wgt_rdat, write_wgt_rdat

    m = read_wgt_rdat(os.path.join(WEIGHTS, "TissueA", "GENE22_016.wgt.RDat"))
    m.wgt_matrix[:] = 0
    (tmp_path / "TissueZ").mkdir()
    zero = str(tmp_path / "TissueZ" / "GENE22_016.wgt.RDat")
    write_wgt_rdat(zero, m)
    src = os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top")
    with open(src) as fh:
        row = next(l for l in fh if "TissueA/GENE22_016" in l).rstrip("\n")
    row = row.replace("TissueA\t", "TissueZ\t", 1).replace(f"{FUSION_WEIGHTS}/TissueA/GENE22_016.wgt.RDat", zero)
    top = localise(src, str(tmp_path / "z.top"), [row])
    out = str(tmp_path / "o")
    code, _, err = post(["--sumstats", GWAS, "--input", top, "--out", out, "--ref_ld_chr", REF, "--chr", "22"], capsys)
    assert code == 0 and f"{zero}: predicted expression is constant" in err
    with open(os.path.join(POST, "fusion", "trait_strong.22.joint_included.dat")) as fh:
        assert open(out + ".joint_included.dat").read() == normalise(fh.read(), out)
    code, _, err = post(["--input", top, "--out", out + ".omni", "--ref_ld_chr", REF, "--chr", "22", "--omnibus"], capsys)
    assert code == 0 and "not used in the omnibus test of GENE22_016" in err


def test_normal_cdf_and_quantile_bit_identical_to_scipy():
    """core/normal.py replaces scipy.special's ndtr/ndtri on post-process's path: same bits."""
    from scipy.special import ndtr, ndtri

    from twascli.core.normal import ndtr as my_ndtr, ndtri as my_ndtri

    rng = np.random.default_rng(13)
    z = np.concatenate([rng.normal(0, 1, 20000), rng.uniform(-40, 40, 20000), rng.uniform(-1.5, 1.5, 20000),
                        [0.0, -0.0, 1.0, -1.0, 2**0.5, -(2**0.5), 8 * 2**0.5, -8 * 2**0.5, -37.6, -40.0,
                         np.inf, -np.inf, np.nan]])
    assert np.array_equal(ndtr(z).view(np.uint64), my_ndtr(z).view(np.uint64))
    assert np.array_equal(pp.two_sided_p(z), 2.0 * ndtr(-np.abs(z)), equal_nan=True)
    p = np.concatenate([rng.uniform(0, 1, 5000), 10 ** rng.uniform(-300, 0, 5000), 1 - 10 ** rng.uniform(-16, 0, 500),
                        [0.05 / k / 2 for k in range(1, 3000)], [0.0, 1.0, 0.5, np.exp(-2), 1 - np.exp(-2)]])
    assert np.array_equal(np.array([my_ndtri(float(v)) for v in p]), ndtri(p))


LAPACK_CHECK = """
import numpy as np
from scipy.linalg import lapack as sl
from twascli.core import lapack

rng = np.random.default_rng(7)
for k in (1, 2, 5, 13, 40, 300):
    for t in range(4):
        a = np.corrcoef(rng.normal(size=(400, k)).T) if k > 1 else np.ones((1, 1))
        if t == 0 and k > 2:
            a[:, 1], a[1, :] = a[:, 0], a[0, :]
        lu, piv, info = sl.dgetrf(a)
        lu2, piv2, info2 = lapack.lu_factor(a)
        assert np.array_equal(lu, lu2) and info == info2
        anorm = np.abs(a).sum(axis=0).max()
        assert sl.dgecon(lu, anorm, norm="1")[0] == lapack.rcond_1norm(lu2, anorm)
        if info == 0:
            assert np.array_equal(sl.dgetrs(lu, piv, np.eye(k))[0], lapack.lu_solve(lu2, piv2, np.eye(k)))
        if t > 0:  # positive definite: IMPG's Cholesky factor and solve
            spd = a + 0.1 * np.eye(k)
            u, info = sl.dpotrf(spd, lower=0, clean=0)
            u2, info2 = lapack.cholesky(np.asfortranarray(spd))
            assert info == info2 == 0 and np.array_equal(np.triu(u), np.triu(u2))
            rhs = rng.normal(size=(k, 7))
            assert np.array_equal(sl.dpotrs(u, rhs, lower=0)[0], lapack.cho_solve(u2, rhs)[0])
print("ok")
"""


def test_lapack_matches_scipy():
    """core/lapack.py (numpy's OpenBLAS through ctypes) gives scipy.linalg.lapack's LU, rcond,
    inverse, Cholesky factor and solve, bit for bit, with one BLAS thread as the twascli command
    runs (cli.py). Run in a fresh process: this test process may have started the two OpenBLAS
    copies with different thread counts, and then their blocked kernels round differently."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", LAPACK_CHECK], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_light_readers_match_pandas(tmp_path):
    """The pandas-free readers of post-process give the pandas readers' tables and numbers."""
    from twascli.io import plink
    from twascli.io.sumstats import read_sumstats
    from twascli.io.tables import read_table, read_table_columns

    bim, light = plink.read_bim(REF + "22.bim"), plink.read_bim_light(REF + "22.bim")
    assert not hasattr(light, "iloc") and light.columns == list(bim.columns)
    for c in bim.columns:
        assert np.array_equal(np.asarray(light[c]), bim[c].to_numpy())
    top = os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top")
    df, cols = read_table(top, [], "--input"), read_table_columns(top, "--input")
    assert cols.columns == list(df.columns) and all(list(cols[c]) == df[c].tolist() for c in df.columns)
    ss_all = read_sumstats(GWAS)  # whole file, pandas
    ss = read_sumstats(GWAS, light["snp"])  # panel rows, no pandas
    idx = {s: i for i, s in enumerate(ss_all.snp)}
    rows = [idx[s] for s in ss.snp]
    assert np.array_equal(ss.z, ss_all.z[rows]) and list(ss.a1) == list(ss_all.a1[rows])
    ragged = tmp_path / "ragged.top"  # irregular files go to pandas, which reports or reads them
    ragged.write_text("ID TWAS.P\nA 0.1\nB\n")
    assert read_table_columns(str(ragged), "--input")["TWAS.P"].tolist()[0] == "0.1"


def test_post_process_imports_no_pandas_or_scipy(tmp_path):
    """post-process without --plot/--finemap/--omnibus must not import pandas, scipy or matplotlib
    (pipelines run it once per trait and chromosome: their imports cost more than the analysis)."""
    import subprocess
    import sys

    top = localise(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top"), str(tmp_path / "in.top"))
    code = ("import sys; from twascli.cli import run; rc = run(sys.argv[1:]); "
            "print(rc, sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'scipy', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code, "post-process", "--sumstats", GWAS, "--input", top,
                          "--ref_ld_chr", REF, "--chr", "22", "--report", "--save_loci",
                          "--out", str(tmp_path / "o")], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"
