"""Heritability (PLINK GRM + GCTA REML), PLINK --lasso and GEMMA -bslmm 2 against the real tools.

Fixtures: tests/data/cw/models/ (see SOURCE.md there): parity genes with FUSION's outputs, and a
toy set with PLINK/GEMMA outputs made by the real programs.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest

from twascli.core.blup import gemma_blup, gemma_blup_fit, gemma_bslmm, gemma_snp_filter
from twascli.core.heritability import (
    RemlResult,
    fusion_hsq_values,
    format_fusion_hsq_line,
    format_hsq_file,
    gcta_chi_prob,
    gcta_reml,
    plink_grm,
    _r_format_num,
)
from twascli.core.lasso import PLINK_LASSO_SEED, plink_lasso
from twascli.io.plink import read_plink
from twascli.io.rdat import read_wgt_rdat

DATA = os.path.join(os.path.dirname(__file__), "data", "cw", "models")

# (panel, gene, has .hsq, has .wgt.RDat)
GENES = [
    ("TissueA", "GENE22_001", True, True),
    ("TissueA", "GENE22_002", True, False),
    ("TissueA", "GENE22_009", False, False),
    ("TissueA", "GENE6_010", True, True),
    ("TissueB", "GENE22_003", True, True),
]
WEIGHTED = [g for g in GENES if g[3]]


# ------------------------------------------------------------------------------------ helpers


def _load_gene(panel: str, gene: str):
    """Genotypes, raw .fam phenotype and (TissueA) the covariates in .fam order."""
    geno = read_plink(os.path.join(DATA, panel, gene))
    raw = geno.fam["pheno"].to_numpy(float)
    covar = None
    if panel == "TissueA":
        cov = pd.read_csv(os.path.join(DATA, panel, "covar.txt"), sep=r"\s+", dtype={"FID": str, "IID": str})
        cov.index = cov["FID"] + " " + cov["IID"]
        covar = cov.loc[geno.fam["fid"] + " " + geno.fam["iid"]].iloc[:, 2:].to_numpy(float)
    return geno, raw, covar


def _fusion_tmp_phenotype(raw: np.ndarray, covar: np.ndarray | None) -> np.ndarray:
    """The .fam phenotype of FUSION's TMP file: raw, or scale(resid(lm(raw ~ covar))), as PLINK
    writes it (6 significant digits)."""
    y = raw.copy()
    if covar is not None:
        x = np.column_stack([np.ones(len(raw)), covar])
        beta, *_ = np.linalg.lstsq(x, raw, rcond=None)
        res = raw - x @ beta
        y = (res - res.mean()) / res.std(ddof=1)
    return np.array([float(f"{v:.6g}") for v in y])


def _read_weights(path: str):
    """(wgt.matrix, model names, snps with R's V1..V6 names, hsq, hsq.pv) of a .wgt.RDat."""
    model = read_wgt_rdat(path)
    snps = model.snps.copy()
    snps.columns = ["V1", "V2", "V3", "V4", "V5", "V6"]
    return np.asarray(model.wgt_matrix, dtype=float), list(model.models), snps, model.hsq, model.hsq_pv


def _read_grm_bin(prefix: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    tri_a = np.fromfile(prefix + ".grm.bin", dtype="<f4").astype(float)
    tri_m = np.fromfile(prefix + ".grm.N.bin", dtype="<f4").astype(float)
    a = np.zeros((n, n))
    m = np.zeros((n, n))
    rows, cols = np.tril_indices(n)  # row-major lower triangle = PLINK's order
    a[rows, cols] = tri_a
    a[cols, rows] = tri_a
    m[rows, cols] = tri_m
    m[cols, rows] = tri_m
    return a, m


@pytest.fixture(scope="module")
def toy():
    return read_plink(os.path.join(DATA, "toy"))


# ------------------------------------------------------------------------------------ GRM


def test_plink_grm_matches_plink_toy(toy):
    """Missing calls, a monomorphic-by-class SNP: A and M equal PLINK's .grm.bin/.grm.N.bin."""
    a_ref, m_ref = _read_grm_bin(os.path.join(DATA, "toy"), toy.n)
    a, m = plink_grm(toy.dosage)
    assert np.array_equal(m, m_ref)
    assert np.max(np.abs(a - a_ref)) <= 2e-7


def test_plink_grm_formula_with_founders():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=(12, 9)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[:, 4] = 2.0  # monomorphic: counted in M, adds nothing to A
    founders = np.ones(12, dtype=bool)
    founders[[0, 5]] = False
    a, m = plink_grm(x, founders=founders, float32=False)
    n, p = x.shape
    ref_a = np.zeros((n, n))
    ref_m = np.zeros((n, n))
    for j in range(p):
        f = x[founders, j]
        f = f[~np.isnan(f)]
        q = f.mean() / 2
        for i in range(n):
            for k in range(n):
                if np.isnan(x[i, j]) or np.isnan(x[k, j]):
                    continue
                ref_m[i, k] += 1
                if 0 < q < 1:
                    ref_a[i, k] += (x[i, j] - 2 * q) * (x[k, j] - 2 * q) / (2 * q * (1 - q))
    assert np.allclose(a, ref_a / ref_m, atol=1e-12)
    assert np.array_equal(m, ref_m)
    a32, _ = plink_grm(x, founders=founders)
    assert np.array_equal(a32, a.astype(np.float32).astype(float))


# ------------------------------------------------------------------------------------ GCTA REML


_REML_ONE_THREAD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from test_models_hsq_lasso_blup import GENES, _load_gene
from twascli.core.heritability import format_fusion_hsq_line, fusion_hsq_values, gcta_reml, plink_grm
out = {}
for panel, gene, _, _ in GENES:
    geno, raw, covar = _load_gene(panel, gene)
    res = gcta_reml(raw, plink_grm(geno.dosage)[0], covar)
    out[gene] = None if res is None else [res.n, *fusion_hsq_values(res), format_fusion_hsq_line("OUT", res)]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def reml_as_the_cli_runs_it():
    """gcta_reml of every GENES entry with one BLAS thread, as `twascli compute-weights` runs it
    (cli.py sets OPENBLAS_NUM_THREADS=1): on a gene whose REML iterations wander (GENE22_009) the
    last bits of a multi-threaded eigh can decide whether they settle."""
    import json
    import subprocess
    import sys

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", _REML_ONE_THREAD, os.path.dirname(__file__)], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("panel,gene,has_hsq,has_wgt", GENES)
def test_gcta_reml_matches_fusion(panel, gene, has_hsq, has_wgt, reml_as_the_cli_runs_it):
    res = reml_as_the_cli_runs_it[gene]
    if gene == "GENE22_009":
        # GCTA stopped at its 100-iteration limit (no .hsq; FUSION: "could not converge, skipping
        # gene"); twascli's iterations settle after 52 at a negative hsq, so it skips the gene too
        # (hsq < 0), with that message and, under --save_hsq, a .hsq. Same decision, no weights.
        assert not has_hsq and not has_wgt
        n, hsq, se, pv, _ = res
        assert n == 400 and hsq < 0 and pv > 0.01
        return
    assert res is not None and has_hsq
    n, hsq, se, pv, line = res
    geno, _, _ = _load_gene(panel, gene)
    assert n == geno.n
    text = open(os.path.join(DATA, panel, gene + ".hsq")).read()
    out, ref_h, ref_se, ref_pv = text.split()
    assert abs(hsq - float(ref_h)) <= 1e-3
    assert abs(se - float(ref_se)) <= 1e-3
    assert abs(pv - float(ref_pv)) <= 0.01 * float(ref_pv)
    # in fact every printed digit agrees: FUSION's --save_hsq line is reproduced byte for byte
    assert line.replace("OUT", out, 1) == text
    # FUSION's skip rule
    assert (hsq < 0 or pv > 0.01) == (not has_wgt)


def _dense_gcta(y, a, x, max_iter=100):
    """Straight transcription of GCTA's loop with dense inverses (independent reference)."""
    n = len(y)
    vp0 = np.var(y, ddof=1)
    prev = np.array([vp0 / 2, vp0 / 2])
    prev_l, dl = -1e20, 1000.0
    comps = [a, np.eye(n)]
    for it in range(max_iter):
        v = prev[0] * a + prev[1] * np.eye(n)
        vi = np.linalg.inv(v)
        xvx = x.T @ vi @ x
        p = vi - vi @ x @ np.linalg.inv(xvx) @ x.T @ vi
        py = p @ y
        logl = -0.5 * (np.linalg.slogdet(v)[1] + np.linalg.slogdet(xvx)[1] + y @ py)
        tr = np.array([np.trace(p @ c) for c in comps])
        r = np.array([py @ c @ py for c in comps])
        if it == 0:
            new = prev - prev**2 * (tr - r) / n
            hi = None
        else:
            apy = np.column_stack([c @ py for c in comps])
            ai = 0.5 * apy.T @ p @ apy
            hi = np.linalg.inv(ai)
            new = prev + (0.316 if dl > 1 else 1.0) * hi @ (-0.5 * (tr - r))
        dl = logl - prev_l
        small = abs(dl) < 1e-4 or (abs(dl) < 1e-2 and dl < 0)
        if np.sum((new - prev) ** 2) / np.sum(new**2) < 1e-8 and small:
            return new, hi, logl
        prev, prev_l = new, logl
    return None


def test_gcta_reml_eigen_algebra_equals_dense_gcta(toy):
    rng = np.random.default_rng(11)
    keep = np.flatnonzero(toy.fam["pheno"].to_numpy() != -9)
    grm, _ = plink_grm(toy.dosage[keep])
    y = toy.fam["pheno"].to_numpy(float)[keep]
    cov = rng.standard_normal((len(y), 2))
    for c in (None, cov):
        res = gcta_reml(y, grm, c)
        x = np.ones((len(y), 1)) if c is None else np.column_stack([np.ones(len(y)), c])
        ref = _dense_gcta(y, grm, x)
        assert res is not None and ref is not None
        sig, hi, logl = ref
        assert np.allclose([res.vg, res.ve], sig, rtol=1e-8, atol=1e-10)
        assert np.allclose(res.var_cov, hi, rtol=1e-7, atol=1e-12)
        assert math.isclose(res.logL, logl, rel_tol=1e-10)
        # closed-form reduced model = the optimum of the residual-only REML likelihood
        n, k = x.shape
        s2 = np.sum((y - x @ np.linalg.lstsq(x, y, rcond=None)[0]) ** 2) / (n - k)
        for f in (0.98, 1.02):
            v = f * s2
            vi = np.eye(n) / v
            xvx = x.T @ vi @ x
            p = vi - vi @ x @ np.linalg.inv(xvx) @ x.T @ vi
            alt = -0.5 * (n * math.log(v) + np.linalg.slogdet(xvx)[1] + y @ p @ y)
            assert alt < res.logL0


def test_gcta_reml_sample_rules():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, size=(40, 30)).astype(float)
    grm, _ = plink_grm(x)
    y = rng.standard_normal(40)
    y[:3] = -9
    y[3] = np.nan
    res = gcta_reml(y, grm)
    assert res is not None and res.n == 36
    cov = rng.standard_normal((40, 1))
    cov[10] = -9
    assert gcta_reml(y, grm, cov).n == 35
    assert gcta_reml(y[:9], grm[:9, :9]) is None  # n < 10: GCTA stops
    assert gcta_reml(np.ones(40), grm) is None  # one phenotype value
    bad = grm.copy()
    bad[5, 5] = np.inf  # (an excluded sample's row would not matter)
    assert gcta_reml(y, bad) is None


def test_gcta_pvalue_precision_floor():
    # GCTA prints 9.4369e-16 for LRT = 63.2318 where the exact tail gives 9.19e-16
    assert f"{0.5 * gcta_chi_prob(63.2318):.4e}" == "9.4369e-16"
    assert 0.5 * gcta_chi_prob(0.0) == 0.5
    assert gcta_chi_prob(80.0) == 0.0
    assert math.isclose(0.5 * gcta_chi_prob(2.5), 0.5 * 0.11384629800665805, rel_tol=1e-12)


def test_hsq_formats():
    res = RemlResult(
        vg=0.477459, ve=0.408564, vp=0.886023, hsq=0.538879, vg_se=0.117414, ve_se=0.051024,
        vp_se=0.117415, hsq_se=0.074304, logL=-58.7134, logL0=-90.3293, lrt=63.2318,
        pval=9.4369e-16, n=200, var_cov=np.eye(2), iterations=5,
    )
    lines = format_hsq_file(res).splitlines()
    assert lines[0] == "Source\tVariance\tSE"
    assert lines[4] == "V(G)/Vp\t0.538879\t0.074304"
    assert lines[5:] == ["logL\t-58.713", "logL0\t-90.329", "LRT\t63.232", "df\t1", "Pval\t9.4369e-16", "n\t200"]
    assert format_fusion_hsq_line("o", res) == "o 0.538879 0.074304 9.4369e-16 \n"
    cases = {
        1.2442e-07: "1.2442e-07", 0.0011949: "0.0011949", 0.04907: "0.04907", 0.0: "0",
        -0.020347: "-0.020347", 1.6653e-16: "1.6653e-16", 0.3491: "0.3491", 0.000243: "0.000243",
        123456.7: "123456.7", 1e5: "1e+05", 1e-4: "1e-04",
    }
    for value, text in cases.items():
        assert _r_format_num(value) == text


# ------------------------------------------------------------------------------------ PLINK lasso


def test_plink_lasso_matches_plink_toy(toy):
    """Fixed min lambda (PLINK's 2nd --lasso argument): every printed EFFECT digit agrees."""
    ref = pd.read_csv(os.path.join(DATA, "toy.lasso"), sep="\t")
    w = plink_lasso(toy.dosage, toy.fam["pheno"].to_numpy(float), 0.5, lambda_min=0.05)
    mine = pd.Series(w, index=toy.bim["snp"])
    bim_a1 = toy.bim.set_index("snp")["a1"]
    # PLINK reports the effect of its A1 (the minor allele), which may be the .bim A2 here
    sign = np.where(ref["A1"].to_numpy() == bim_a1[ref["SNP"]].to_numpy(), 1.0, -1.0)
    expected = pd.Series(0.0, index=toy.bim["snp"])
    expected[ref["SNP"]] = ref["EFFECT"].to_numpy() * sign
    assert (mine != 0).sum() == len(ref)
    assert np.max(np.abs(mine - expected)) < 1e-6
    assert mine["rs1"] == 0.0  # all-heterozygous SNP: not polymorphic for PLINK


def test_plink_lasso_refusals(toy):
    x = toy.dosage
    y = toy.fam["pheno"].to_numpy(float)
    for h2 in (0.0, -0.1, 1.2, float("nan")):
        assert np.isnan(plink_lasso(x, y, h2)).all()
    assert np.isnan(plink_lasso(x, np.full(len(y), 3.5), 0.5)).all()  # constant phenotype
    assert np.isnan(plink_lasso(np.ones_like(x), y, 0.5)).all()  # nothing polymorphic
    assert np.isnan(plink_lasso(x, y, 0.5, lambda_min=1e3)).all()  # min lambda >= max lambda
    # PLINK reads 0/1 values as case/control with 0 missing: a constant trait, so no lasso
    assert np.isnan(plink_lasso(x, (y > 0).astype(float), 0.5)).all()
    w = plink_lasso(x, y, 1.0)
    assert not np.isnan(w).any()


def test_plink_lasso_case_control_coding(toy):
    x = toy.dosage
    rng = np.random.default_rng(4)
    y12 = rng.integers(1, 3, size=toy.n).astype(float)
    y12[5] = 0  # missing for a case/control trait
    w = plink_lasso(x, y12, 0.5, lambda_min=0.02)
    keep = np.arange(toy.n) != 5
    w2 = plink_lasso(x[keep], y12[keep] * 10.0 + 0.5, 0.5, lambda_min=0.02)  # quantitative, same ranks
    assert np.allclose(w, w2, atol=1e-12)


def test_plink_lasso_seeded(toy):
    y = toy.fam["pheno"].to_numpy(float)
    a = plink_lasso(toy.dosage, y, 0.3)
    b = plink_lasso(toy.dosage, y, 0.3, seed=PLINK_LASSO_SEED)
    assert np.array_equal(a, b)
    c = plink_lasso(toy.dosage, y, 0.3, seed=PLINK_LASSO_SEED + 1)
    assert np.corrcoef(a, c)[0, 1] > 0.95


# ------------------------------------------------------------------------------------ GEMMA blup


def test_gemma_blup_matches_gemma_toy(toy):
    ref = pd.read_csv(os.path.join(DATA, "toy.blup.param.txt"), sep="\t")
    y = toy.fam["pheno"].to_numpy(float)
    fit = gemma_blup_fit(toy.dosage, y)
    mine = pd.Series(fit.alpha, index=toy.bim["snp"])
    assert list(mine.index[~mine.isna()]) == list(ref["rs"])  # same SNPs kept
    assert np.isnan(mine["rs1"])  # all-het SNP dropped
    diff = np.abs(mine[ref["rs"]].to_numpy() - ref["alpha"].to_numpy())
    assert diff.max() <= 1e-6 * np.abs(ref["alpha"]).max()
    assert (ref["beta"] == 0).all() and (ref["gamma"] == 0).all()
    assert fit.n == toy.n - 1  # the -9 phenotype is not analysed


def test_gemma_blup_alpha_formula(toy):
    """alpha = (lambda/p) X'(lambda K + I)^-1 y at the REML lambda, and lambda is a REML optimum."""
    y = toy.fam["pheno"].to_numpy(float)
    fit = gemma_blup_fit(toy.dosage, y)
    rows = y != -9
    x = toy.dosage[rows][:, fit.kept].astype(float)
    mean = np.nanmean(x, axis=0)
    xc = np.where(np.isnan(x), 0.0, x - mean)
    yc = y[rows] - y[rows].mean()
    n, p = xc.shape
    k = xc @ xc.T / p
    alpha = fit.lam / p * xc.T @ np.linalg.solve(fit.lam * k + np.eye(n), yc)
    assert np.allclose(fit.alpha[fit.kept], alpha, rtol=1e-8, atol=1e-12)

    def reml(lam):
        h = lam * k + np.eye(n)
        hi = np.linalg.inv(h)
        one = np.ones(n)
        pyy = yc @ hi @ yc - (one @ hi @ yc) ** 2 / (one @ hi @ one)
        logdet = np.linalg.slogdet(h)[1]
        return -0.5 * logdet - 0.5 * math.log(one @ hi @ one) - 0.5 * (n - 1) * math.log(pyy)

    best = reml(fit.lam)
    assert best >= reml(fit.lam * 1.01) and best >= reml(fit.lam / 1.01)


def test_gemma_snp_filter():
    x = np.array([[0, 1, 1, 0, np.nan], [2, 1, 1, 0, np.nan], [0, 1, np.nan, 1, np.nan]], dtype=float)
    assert gemma_snp_filter(x).tolist() == [True, False, False, True, False]


def test_gemma_blup_no_snp_or_sample():
    x = np.ones((20, 4))
    assert np.isnan(gemma_blup(x, np.arange(20.0))).all()
    x2 = np.random.default_rng(0).integers(0, 3, size=(20, 4)).astype(float)
    assert np.isnan(gemma_blup(x2, np.full(20, -9.0))).all()


def test_gemma_bslmm_agrees_with_gemma_toy(toy):
    """A short chain (GEMMA's -w 2000 -s 20000 -rpace 20) against GEMMA's own output.

    The chains use different random streams (GEMMA: GSL seeded 7; here numpy seeded 1), so
    only the posterior-mean weights alpha + beta*gamma can agree, and closely they do.
    """
    ref = pd.read_csv(os.path.join(DATA, "toy.bslmm.param.txt"), sep="\t")
    ref_w = pd.Series((ref["alpha"] + ref["beta"] * ref["gamma"]).to_numpy(), index=ref["rs"])
    y = toy.fam["pheno"].to_numpy(float)
    w = gemma_bslmm(toy.dosage, y, 1, burnin=2000, sampling=20000, record_pace=20)
    mine = pd.Series(w, index=toy.bim["snp"])
    assert np.isnan(mine["rs1"]) and not mine[ref["rs"]].isna().any()
    assert np.corrcoef(mine[ref["rs"]], ref_w)[0, 1] > 0.995
    again = gemma_bslmm(toy.dosage, y, 1, burnin=2000, sampling=20000, record_pace=20)
    assert np.array_equal(w, again, equal_nan=True)  # seeded


# ------------------------------------------------------------------------------------ vs FUSION


@pytest.mark.parametrize("panel,gene,has_hsq,has_wgt", WEIGHTED)
def test_blup_and_lasso_match_fusion_weights(panel, gene, has_hsq, has_wgt):
    geno, raw, covar = _load_gene(panel, gene)
    wgt, models, snps, ref_hsq, ref_pv = _read_weights(os.path.join(DATA, panel, gene + ".wgt.RDat"))
    assert list(snps["V2"]) == list(geno.bim["snp"])
    # the saved snps are FUSION's TMP .bim (A1 = minor allele): weights refer to that A1
    sign = np.where(snps["V5"].to_numpy() == geno.bim["a1"].to_numpy(), 1.0, -1.0)
    dosage = np.where(sign > 0, geno.dosage, 2.0 - geno.dosage)
    y_tmp = _fusion_tmp_phenotype(raw, covar)

    ref_blup = wgt[:, models.index("blup")]
    blup = gemma_blup(dosage, y_tmp)
    assert np.array_equal(np.isnan(blup), np.isnan(ref_blup))
    ok = ~np.isnan(blup)
    assert np.corrcoef(blup[ok], ref_blup[ok])[0, 1] > 0.999
    assert np.max(np.abs(blup[ok] - ref_blup[ok])) <= 1e-5 * np.max(np.abs(ref_blup[ok]))

    grm, _ = plink_grm(geno.dosage)
    hsq, se, pv = fusion_hsq_values(gcta_reml(raw, grm, covar))
    assert [hsq, se] == list(ref_hsq) and pv == float(np.ravel(ref_pv)[0])  # hsq, hsq.pv saved
    ref_lasso = wgt[:, models.index("lasso")]
    lasso = plink_lasso(dosage, y_tmp, hsq)
    assert np.corrcoef(lasso, ref_lasso)[0, 1] > 0.98
