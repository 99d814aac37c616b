"""`twascli compute-weights` (FUSION.compute_weights.R) against real FUSION outputs; no R needed.

Fixtures in tests/data/cw (see SOURCE.md there): three parity genes with FUSION's .wgt.RDat and
.hsq, a gene FUSION skipped, FUSION.profile_wgt.R's TissueA tables, and R glmnet 4.1-6
cv.glmnet outputs (glmnet_fixture/, made by make_glmnet_fixture.R).
"""

from __future__ import annotations

import glob
import os
import shutil

import numpy as np
import pytest

from twascli.cli import run
from twascli.weights.gene import CwOptions, CwResult, compute_gene
from twascli.weights.batch import profile_tables
from twascli.core.cv import parse_models
from twascli.core.enet import cv_glmnet
from twascli.core.rrng import RRandom
from twascli.errors import TwasError
from twascli.io.rdat import read_wgt_rdat

DATA = os.path.join(os.path.dirname(__file__), "data", "cw")
EQTL = os.path.join(DATA, "eqtl")
FUSION = os.path.join(DATA, "fusion")
COVAR_A = os.path.join(EQTL, "TissueA", "covar.txt")


def _opts(panel: str, gene: str, out: str, **kw) -> CwOptions:
    covar = COVAR_A if panel == "TissueA" else None
    return CwOptions(bfile=os.path.join(EQTL, panel, gene), out=out, covar=covar, verbose=0,
                     models="top1,blup,lasso,enet", save_hsq=True, **kw)


# ---------------------------------------------------------------------------------------------
# cv.glmnet emulation vs R


@pytest.mark.parametrize("tag", sorted(os.path.basename(p)[:-6] for p in glob.glob(os.path.join(DATA, "glmnet_fixture", "*.x.txt"))))
def test_cv_glmnet_matches_r(tag):
    """Fold ids (R RNG), lambda path, cvm/cvsd, lambda.min and coef(lambda.min) equal R's.

    Cases: n<p, n>p (early path stop), unequal folds, p>=500 (R's naive algorithm), and n=14
    (grouped=FALSE forced by cv.glmnet)."""
    base = os.path.join(DATA, "glmnet_fixture", tag)
    x = np.loadtxt(base + ".x.txt", ndmin=2)
    y = np.loadtxt(base + ".y.txt")
    seed = int(open(base + ".seed.txt").read())
    ref_fold = np.loadtxt(base + ".foldid.txt").astype(int)
    ref_cv = np.loadtxt(base + ".cv.txt")
    ref_coef = np.loadtxt(base + ".coef.txt")
    ref_lmin = float(open(base + ".lambdamin.txt").read())
    res = cv_glmnet(x, y, RRandom(seed), alpha=0.5, nfolds=5)
    assert res.foldid.tolist() == ref_fold.tolist()
    assert res.fit.lambdas.shape[0] == ref_cv.shape[0]
    np.testing.assert_allclose(res.fit.lambdas, ref_cv[:, 0], rtol=1e-12)
    np.testing.assert_allclose(res.cvm, ref_cv[:, 1], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(res.cvsd, ref_cv[:, 2], rtol=1e-9, atol=1e-13)
    assert res.lambda_min == pytest.approx(ref_lmin, rel=1e-12)
    np.testing.assert_allclose(res.coef, ref_coef[1:], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# End to end vs FUSION


PARITY = [("TissueA", "GENE6_023"), ("TissueB", "GENE22_007"), ("TissueB", "GENE6_028")]


@pytest.fixture(scope="module")
def parity_runs(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("cw_parity")
    runs = {}
    for panel, gene in PARITY:
        out = str(out_dir / f"{panel}.{gene}")
        res = compute_gene(_opts(panel, gene, out))
        runs[(panel, gene)] = (res, out)
    return runs


@pytest.mark.parametrize("panel,gene", PARITY)
def test_parity_with_fusion(parity_runs, panel, gene):
    res, out = parity_runs[(panel, gene)]
    assert res.status == "ok"
    mine = read_wgt_rdat(out + ".wgt.RDat")
    ref = read_wgt_rdat(os.path.join(FUSION, panel, gene + ".wgt.RDat"))
    assert mine.models == ref.models == ["top1", "blup", "lasso", "enet"]
    assert mine.cv_rows == ["rsq", "pval"]
    assert mine.n_tot == ref.n_tot
    assert mine.snps.astype(str).values.tolist() == ref.snps.astype(str).values.tolist()
    assert mine.wgt_rownames == ref.wgt_rownames
    np.testing.assert_array_equal(np.isnan(mine.wgt_matrix), np.isnan(ref.wgt_matrix))
    np.testing.assert_allclose(mine.hsq, ref.hsq, atol=1e-3)
    assert mine.hsq_pv == pytest.approx(ref.hsq_pv, rel=1e-3)
    col = {m: i for i, m in enumerate(mine.models)}
    for m in ("top1", "enet"):  # deterministic: exact to 1e-6 (observed ~1e-13)
        np.testing.assert_allclose(mine.wgt_matrix[:, col[m]], ref.wgt_matrix[:, col[m]], atol=1e-6)
        np.testing.assert_allclose(mine.cv_performance[:, col[m]], ref.cv_performance[:, col[m]], atol=1e-6, rtol=1e-6)
    assert abs(mine.cv_performance[0, col["blup"]] - ref.cv_performance[0, col["blup"]]) < 1e-3
    # PLINK's lasso lambda_min is random (time-seeded) in FUSION: CV agrees within MC noise
    assert abs(mine.cv_performance[0, col["lasso"]] - ref.cv_performance[0, col["lasso"]]) < 0.02
    # FUSION's --save_hsq line: same numbers
    assert open(out + ".hsq").read().split()[1:] == open(os.path.join(FUSION, panel, gene + ".hsq")).read().split()[1:]


def test_monomorphic_snps_warned_and_blup_na(parity_runs, capsys):
    """GENE6_028 (TissueB) has 2 monomorphic SNPs: zeroed top1/enet weights, NA blup weights."""
    res, out = parity_runs[("TissueB", "GENE6_028")]
    mine = read_wgt_rdat(out + ".wgt.RDat")
    assert np.isnan(mine.wgt_matrix[:, 1]).sum() == 2
    assert (mine.wgt_matrix[np.isnan(mine.wgt_matrix[:, 1]), 0] == 0).all()


def test_skipped_gene_cli(tmp_path, capsys):
    """TissueB GENE22_002: h2 < 0: FUSION's message, .hsq kept, no weights, exit status 0."""
    out = str(tmp_path / "G2")
    rc = run(["compute-weights", "--bfile", os.path.join(EQTL, "TissueB", "GENE22_002"), "--out", out,
              "--tmp", "/tmp/x/TissueB.GENE22_002", "--save_hsq", "--verbose", "0",
              "--PATH_plink", "plink1.9", "--PATH_gcta", "gcta64", "--PATH_gemma", "gemma"])
    assert rc == 0
    assert not os.path.exists(out + ".wgt.RDat")
    err = capsys.readouterr().err
    ref_log = open(os.path.join(FUSION, "TissueB", "cw.TissueB.GENE22_002.log")).read()
    assert err.strip().split(" : ", 1)[1] == ref_log.strip().split(" : ", 1)[1]
    assert open(out + ".hsq").read().split()[1:] == open(os.path.join(FUSION, "TissueB", "GENE22_002.hsq")).read().split()[1:]


def test_hsq_set_and_no_crossval(tmp_path):
    out = str(tmp_path / "hs")
    opts = _opts("TissueB", "GENE22_007", out, hsq_set=0.2, crossval=0)
    opts.models = "enet"
    res = compute_gene(opts)
    m = read_wgt_rdat(out + ".wgt.RDat")
    assert m.models == ["enet", "top1"]  # top1 is always appended
    assert m.hsq.tolist() == [0.2] and np.isnan(m.hsq_pv)
    assert np.isnan(m.cv_performance).all()
    # without CV, set.seed(1) feeds the full-data cv.glmnet directly: weights differ from FUSION's
    # CV-then-full stream only through fold ids, top1 z-scores are unchanged
    ref = read_wgt_rdat(os.path.join(FUSION, "TissueB", "GENE22_007.wgt.RDat"))
    np.testing.assert_allclose(m.wgt_matrix[:, 1], ref.wgt_matrix[:, 0], atol=1e-10)
    assert res.status == "ok"


def test_models_parsing():
    assert parse_models("blup,lasso,top1,enet") == ["blup", "lasso", "top1", "enet"]
    assert parse_models("enet,bslmm") == ["enet", "bslmm", "top1"]
    with pytest.raises(TwasError, match="invalid model"):
        parse_models("top1,ridge")


def test_profile_tables_match_fusion_profile_wgt():
    """FUSION.profile_wgt.R stdout/stderr over TissueA's 46 weights, byte for byte."""
    rows = [ln.split("\t") for ln in open(os.path.join(FUSION, "TissueA.profile")).read().splitlines()]
    header, body = rows[0], rows[1:]
    models = ["top1", "blup", "enet", "bslmm", "lasso"]
    ids, results = [], []
    for r in body:
        rec = dict(zip(header, r))
        ids.append(rec["id"])

        def num(s: str) -> float:
            return float("nan") if s.strip() == "NA" else float(s)

        perf = np.array([[num(rec[f"{m}.r2"]) for m in models], [num(rec[f"{m}.pv"]) for m in models]])
        results.append(CwResult(status="ok", hsq=np.array([num(rec["hsq"]), num(rec["hsq.se"])]),
                                hsq_pv=num(rec["hsq.pv"]), cv_performance=perf, models=models,
                                n_snps=int(rec["nsnps"])))
    out, _ = profile_tables(ids, results)
    # values re-read from the 2-3 digit table re-format to the same text
    assert out == open(os.path.join(FUSION, "TissueA.profile")).read()


# ---------------------------------------------------------------------------------------------
# Bad input: one clear line, exit 1, no weights file


def _cli(args):
    return run(["compute-weights", "--verbose", "0", "--models", "top1"] + args)


def test_missing_pheno_file(tmp_path, capsys):
    out = str(tmp_path / "o")
    rc = _cli(["--bfile", os.path.join(EQTL, "TissueB", "GENE22_007"), "--out", out, "--pheno", str(tmp_path / "nope.pheno")])
    assert rc == 1
    assert "nope.pheno: input file does not exist" in capsys.readouterr().err
    assert not os.path.exists(out + ".wgt.RDat")


def test_no_overlapping_samples(tmp_path, capsys):
    pheno = tmp_path / "other.pheno"
    pheno.write_text("A1 A1 0.5\nA2 A2 0.7\nA3 A3 -0.1\n")
    out = str(tmp_path / "o")
    rc = _cli(["--bfile", os.path.join(EQTL, "TissueB", "GENE22_007"), "--out", out, "--pheno", str(pheno)])
    assert rc == 1
    assert "no sample (FID IID) in common" in capsys.readouterr().err
    assert not os.path.exists(out + ".wgt.RDat")


@pytest.mark.parametrize("hsq_set", [None, "0.1"])
def test_constant_phenotype_is_skipped_as_fusion(tmp_path, capsys, hsq_set):
    """FUSION: GCTA writes no .hsq for a constant phenotype, the gene is skipped, exit 0."""
    src = os.path.join(EQTL, "TissueB", "GENE22_007")
    lines = open(src + ".fam").read().splitlines()
    pheno = tmp_path / "const.pheno"
    pheno.write_text("".join(" ".join(ln.split()[:2]) + " 1.5\n" for ln in lines))
    out = str(tmp_path / "o")
    args = ["--bfile", src, "--out", out, "--pheno", str(pheno)] + (["--hsq_set", hsq_set] if hsq_set else [])
    rc = _cli(args)
    assert rc == 0
    err = capsys.readouterr().err
    if hsq_set is None:
        assert f"{out} does not exist, likely GCTA could not converge, skipping gene" in err
    else:
        assert "phenotype is constant" in err and "skipping gene" in err
    assert not os.path.exists(out + ".wgt.RDat")


def test_covariate_file_without_header(tmp_path, capsys):
    rows = open(COVAR_A).read().splitlines()[1:]
    covar = tmp_path / "noheader.txt"
    covar.write_text("\n".join(rows) + "\n")
    out = str(tmp_path / "o")
    rc = _cli(["--bfile", os.path.join(EQTL, "TissueA", "GENE6_023"), "--out", out, "--covar", str(covar)])
    assert rc == 1
    assert "not a header" in capsys.readouterr().err
    assert not os.path.exists(out + ".wgt.RDat")


def test_all_snps_monomorphic(tmp_path, capsys):
    src = os.path.join(EQTL, "TissueB", "GENE22_007")
    dst = tmp_path / "mono"
    for ext in (".bim", ".fam"):
        shutil.copy(src + ext, str(dst) + ext)
    n = len(open(src + ".fam").read().splitlines())
    p = len(open(src + ".bim").read().splitlines())
    nbytes = (n + 3) // 4
    # every sample homozygous for A2 (code 11) at every SNP
    with open(str(dst) + ".bed", "wb") as fh:
        fh.write(bytes([0x6C, 0x1B, 0x01]) + bytes([0xFF]) * (nbytes * p))
    out = str(tmp_path / "o")
    rc = _cli(["--bfile", str(dst), "--out", out, "--hsq_set", "0.1"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "no polymorphic SNP" in err
    assert not os.path.exists(out + ".wgt.RDat")


def test_invalid_model_cli(tmp_path, capsys):
    rc = run(["compute-weights", "--bfile", os.path.join(EQTL, "TissueB", "GENE22_007"),
              "--out", str(tmp_path / "o"), "--models", "top1,foo"])
    assert rc == 1
    assert "invalid model" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Batch mode


def test_batch_list_and_gene_table(tmp_path, capsys):
    lst = tmp_path / "genes.txt"
    lst.write_text(
        "ID\tBFILE\tCHR\tP0\tP1\n"
        f"GENE22_007\t{os.path.join(EQTL, 'TissueB', 'GENE22_007')}\t22\t20000000\t20050000\n"
        f"GENE22_002\t{os.path.join(EQTL, 'TissueB', 'GENE22_002')}\t22\t17629079\t17649432\n"
    )
    out = tmp_path / "W" / "TissueB"
    (tmp_path / "W").mkdir()
    rc = run(["compute-weights", "--batch", str(lst), "--out", str(out), "--models", "top1",
              "--verbose", "0", "--jobs", "2"])
    assert rc == 0
    assert os.path.exists(str(out / "GENE22_007.wgt.RDat"))
    assert not os.path.exists(str(out / "GENE22_002.wgt.RDat"))
    pos = open(str(out) + ".pos").read().splitlines()
    assert pos == ["WGT\tID\tCHR\tP0\tP1\tPANEL", "TissueB/GENE22_007.wgt.RDat\tGENE22_007\t22\t20000000\t20050000\tTissueB"]
    log = open(str(out) + ".log").read()
    assert "GENE22_002\tskipped" in log
    assert open(str(out) + ".profile").read().startswith("id\tnsnps\thsq")
    ref = read_wgt_rdat(os.path.join(FUSION, "TissueB", "GENE22_007.wgt.RDat"))
    mine = read_wgt_rdat(str(out / "GENE22_007.wgt.RDat"))
    np.testing.assert_allclose(mine.wgt_matrix[:, 0], ref.wgt_matrix[:, 0], atol=1e-10)
    np.testing.assert_allclose(mine.cv_performance[:, 0], ref.cv_performance[:, 0], atol=1e-10, rtol=1e-8)

    # --genes: one genotype file, expression table, cis window around P0-P1
    src = os.path.join(EQTL, "TissueB", "GENE22_007")
    fam = [ln.split() for ln in open(src + ".fam").read().splitlines()]
    expr = tmp_path / "expr.txt"
    expr.write_text("FID IID GENE22_007 GENE_FAR\n" + "".join(f"{r[0]} {r[1]} {r[5]} {r[5]}\n" for r in fam))
    bim = [ln.split() for ln in open(src + ".bim").read().splitlines()]
    first, last = int(bim[0][3]), int(bim[-1][3])
    genes = tmp_path / "genes.tsv"
    genes.write_text(f"ID\tCHR\tP0\tP1\nGENE22_007\t22\t{first + 500000}\t{last - 500000}\nGENE_FAR\t22\t1\t2\n")
    out2 = tmp_path / "W" / "G"
    rc = run(["compute-weights", "--bfile", src, "--genes", str(genes), "--pheno", str(expr), "--out", str(out2),
              "--models", "top1", "--verbose", "0", "--jobs", "1"])
    assert rc == 0
    again = read_wgt_rdat(str(out2 / "GENE22_007.wgt.RDat"))
    np.testing.assert_allclose(again.wgt_matrix, mine.wgt_matrix, atol=1e-12)
    assert "GENE_FAR\tfailed\tGENE_FAR: no SNP within the cis window" in open(str(out2) + ".log").read()


def test_batch_lists_constant_phenotype_as_skipped(tmp_path):
    """A gene with a constant expression is skipped (as FUSION), not failed, and the batch goes on."""
    src = os.path.join(EQTL, "TissueB", "GENE22_007")
    fam = [ln.split() for ln in open(src + ".fam").read().splitlines()]
    expr = tmp_path / "expr.txt"
    expr.write_text("FID IID GENE22_007 FLAT\n" + "".join(f"{r[0]} {r[1]} {r[5]} 2\n" for r in fam))
    bim = [ln.split() for ln in open(src + ".bim").read().splitlines()]
    mid = (int(bim[0][3]) + int(bim[-1][3])) // 2
    genes = tmp_path / "genes.tsv"
    genes.write_text(f"ID\tCHR\tP0\tP1\nGENE22_007\t22\t{mid}\t{mid}\nFLAT\t22\t{mid}\t{mid}\n")
    out = tmp_path / "G"
    rc = run(["compute-weights", "--bfile", src, "--genes", str(genes), "--pheno", str(expr), "--out", str(out),
              "--models", "top1", "--verbose", "0", "--jobs", "1"])
    assert rc == 0
    log = open(str(out) + ".log").read().splitlines()
    assert log[1].startswith("GENE22_007\tok")
    assert log[2].startswith("FLAT\tskipped\t") and "likely GCTA could not converge" in log[2]
    assert not os.path.exists(str(out / "FLAT.wgt.RDat"))


def test_pheno_file_is_rounded_like_plink_fam(tmp_path):
    """--pheno with full-precision values: FUSION's models see PLINK's 6-digit TMP .fam values,
    which here are the .fam column FUSION used, so top1/enet and CV equal FUSION's exactly."""
    src = os.path.join(EQTL, "TissueB", "GENE22_007")
    out = str(tmp_path / "ph")
    opts = CwOptions(bfile=src, pheno=src + ".pheno", out=out, verbose=0, models="top1,enet")
    compute_gene(opts)
    mine = read_wgt_rdat(out + ".wgt.RDat")
    ref = read_wgt_rdat(os.path.join(FUSION, "TissueB", "GENE22_007.wgt.RDat"))
    np.testing.assert_allclose(mine.wgt_matrix[:, 0], ref.wgt_matrix[:, 0], atol=1e-10)
    np.testing.assert_allclose(mine.wgt_matrix[:, 1], ref.wgt_matrix[:, 3], atol=1e-10)
    np.testing.assert_allclose(mine.cv_performance, ref.cv_performance[:, [0, 3]], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(mine.hsq, ref.hsq, atol=1e-3)


def test_rn_and_resid_top1_by_hand(tmp_path):
    """--rn --resid --covar: top1 = scale(G_resid)' y / sqrt(n-1), y = 6-digit scale(resid(rn(y)))."""
    from scipy.stats import norm, rankdata

    from twascli.weights.gene import read_genotypes
    from twascli.core.rstats import plink_fam_number

    src = os.path.join(EQTL, "TissueA", "GENE6_023")
    out = str(tmp_path / "rr")
    opts = CwOptions(bfile=src, out=out, covar=COVAR_A, rn=True, resid=True, hsq_set=0.1, crossval=0,
                     verbose=0, models="top1")
    compute_gene(opts)
    got = read_wgt_rdat(out + ".wgt.RDat").wgt_matrix[:, 0]
    g = read_genotypes(src)
    y = g.fam["pheno"].to_numpy(float)
    y = norm.ppf((rankdata(y) - 0.5) / y.size)
    c = np.loadtxt(COVAR_A, skiprows=1, usecols=(2, 3, 4))  # same sample order as the .fam
    X = np.column_stack([np.ones(y.size), c])
    r = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    r = (r - r.mean()) / r.std(ddof=1)
    y6 = np.array([plink_fam_number(float(f"{v:.15g}")) for v in r])
    y6 = (y6 - y6.mean()) / y6.std(ddof=1)
    x = g.dosage.astype(float)
    x = (x - x.mean(0)) / x.std(0, ddof=1)
    x = x - X @ np.linalg.lstsq(X, x, rcond=None)[0]
    x = (x - x.mean(0)) / x.std(0, ddof=1)
    np.testing.assert_allclose(got, x.T @ y6 / np.sqrt(y.size - 1), atol=1e-9)


def test_default_jobs_follow_the_affinity_mask(monkeypatch):
    """--jobs defaults to the CPUs a scheduler allotted (affinity mask), not the node's total."""
    import os

    from twascli.cores import available_cores

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert available_cores() == 2
    monkeypatch.delattr(os, "sched_getaffinity")
    assert available_cores() == 64


def test_one_gene_imports_no_pandas_or_scipy(tmp_path):
    """FUSION-style loops run compute-weights once per gene: pandas and scipy cost ~0.7 s of import,
    more than the work on a typical gene, so the regular one-gene run (REML included) needs neither."""
    import subprocess
    import sys

    code = ("import sys; from twascli.cli import run; rc = run(sys.argv[1:]); "
            "print(rc, sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'scipy', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code, "compute-weights", "--bfile", os.path.join(EQTL, "TissueA", "GENE6_023"),
                          "--covar", COVAR_A, "--models", "top1,blup,lasso,enet", "--out", str(tmp_path / "g")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"


def test_numpy_and_pandas_readers_give_the_same_weights(tmp_path):
    """The .bim/.fam/--pheno/--covar read as numpy columns (one gene) or through pandas (batch
    windows, irregular files) give byte-identical weight files."""
    from twascli.weights.gene import read_genotypes

    src = os.path.join(EQTL, "TissueB", "GENE22_007")
    lines = [ln.split() for ln in open(src + ".pheno").read().splitlines()]
    quoted = tmp_path / "quoted.pheno"  # quotes: the pandas parser reads this one
    quoted.write_text("".join(f'"{f}" "{i}" {v}\n' for f, i, v in lines))
    runs = {}
    for tag, pheno, geno in [("light", src + ".pheno", None), ("pandas", str(quoted), read_genotypes(src))]:
        out = str(tmp_path / tag)
        opts = CwOptions(bfile=src, pheno=pheno, out=out, verbose=0, models="top1,lasso", hsq_set=0.1)
        compute_gene(opts, **({"geno": geno} if geno is not None else {}))
        runs[tag] = open(out + ".wgt.RDat", "rb").read()
    assert runs["light"] == runs["pandas"]


def test_duplicated_fam_ids_name_the_first_repeat(tmp_path, capsys):
    src = os.path.join(EQTL, "TissueB", "GENE22_007")
    dst = tmp_path / "dup"
    shutil.copy(src + ".bed", str(dst) + ".bed")
    shutil.copy(src + ".bim", str(dst) + ".bim")
    fam = [ln.split() for ln in open(src + ".fam").read().splitlines()]
    fam[2][:2], fam[3][:2] = fam[1][:2], fam[0][:2]  # A B B A ...: B is repeated first
    (tmp_path / "dup.fam").write_text("".join(" ".join(r) + "\n" for r in fam))
    rc = _cli(["--bfile", str(dst), "--out", str(tmp_path / "o"), "--hsq_set", "0.1"])
    err = capsys.readouterr().err
    assert rc == 1 and f"2 duplicated sample id(s) (FID IID), first '{fam[1][0]} {fam[1][1]}'" in err


def test_pheno_values_as_r_reads_them(tmp_path):
    from twascli.weights.gene import numeric_values, read_pheno

    vals, bad = numeric_values(np.array(["1.5", "NA", "-2e-3", "Inf", "abc", ""], dtype=object))
    assert np.array_equal(vals[[0, 2, 3]], [1.5, -0.002, np.inf]) and np.isnan(vals[[1, 4, 5]]).all()
    assert bad.tolist() == [False, False, False, False, True, False]
    words = tmp_path / "words.pheno"
    words.write_text("a a 1.0\nb b one\n")
    with pytest.raises(TwasError, match="phenotype value 'one' on line 2 is not a number"):
        read_pheno(str(words))


def test_sample_matching_and_fam_phenotype_as_r_and_plink():
    """R's match(): the first occurrence of a key, -1 (NA) when absent; the .fam phenotype read as
    read_fam reads it (words and NA -> NaN), with or without pandas."""
    from twascli.weights.gene import _fam_pheno, _first_match

    table = np.array(["a 1", "b 2", "a 1", "c 3"], dtype=object)
    assert _first_match(np.array(["a 1", "c 3", "z 9", "b 2"], dtype=object), table).tolist() == [0, 3, -1, 1]
    assert _first_match(np.array(["a 1"], dtype=object), np.array([], dtype=object)).tolist() == [-1]
    plain = _fam_pheno(np.array(["1.5", "-9", "NA", "2e-1"], dtype=object))  # numpy path
    assert plain[[0, 1, 3]].tolist() == [1.5, -9.0, 0.2] and np.isnan(plain[2])
    words = _fam_pheno(np.array(["1.5", "nan", "case", "-9"], dtype=object))  # pandas to_numeric path
    assert words[[0, 3]].tolist() == [1.5, -9.0] and np.isnan(words[[1, 2]]).all()
