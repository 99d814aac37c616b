"""FOCUS fine-mapping numerics (twascli.core.focus) against an independent brute-force posterior."""

import importlib.util
import os
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from twascli.cli import run
from twascli.core import focus
from twascli.core.postproc import r_cor
from twascli.io.plink import read_plink
from twascli.post.finemap import FOCUS_COLUMNS
from twascli.post.inputs import predict_features, read_features
from twascli.post.run import PostOptions, run_post_process


def _random_locus(m: int, seed: int, causal=(1,), effect=5.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 12))
    w = rng.normal(size=(12, m)) * (rng.random((12, m)) < 0.5)
    w[rng.integers(0, 12, m), np.arange(m)] += 1.0
    ge = x @ w
    corr = np.corrcoef(ge.T)
    lam = np.zeros(m)
    lam[list(causal)] = effect
    z = rng.multivariate_normal(corr @ lam, corr)
    return z, corr


def _brute(z, corr, p, kmax):
    """Posterior by full multivariate-normal densities: z ~ N(0, R + c R_S R_S') vs N(0, R)."""
    m = len(z)
    s2 = float(z @ np.linalg.pinv(corr) @ z)

    def logdens(cov):
        sign, logdet = np.linalg.slogdet(cov)
        return -0.5 * (logdet + z @ np.linalg.solve(cov, z))

    null = logdens(corr)
    logs = {(): m * np.log1p(-p)}
    for k in range(1, kmax + 1):
        for s in combinations(range(m), k):
            rs = corr[:, list(s)]
            cov = corr + (s2 / k) * rs @ rs.T
            logs[s] = logdens(cov) - null + k * np.log(p) + (m - k) * np.log1p(-p)
    vals = np.array(list(logs.values()))
    mx = vals.max()
    marg = mx + np.log(np.exp(vals - mx).sum())
    pips = np.zeros(m)
    for s, v in logs.items():
        for i in s:
            pips[i] += np.exp(v - marg)
    return pips, np.exp(logs[()] - marg)


@pytest.mark.parametrize("m,seed,causal,p,kmax", [
    (5, 1, (1,), 1e-3, 3), (7, 2, (0, 4), 1e-3, 3), (6, 3, (2,), 0.1, 2), (4, 4, (), 1e-3, 4), (8, 5, (1, 3, 6), 0.05, 3),
])
def test_pips_match_brute_force_densities(m, seed, causal, p, kmax):
    z, corr = _random_locus(m, seed, causal)
    res = focus.finemap(z, corr, prior_prob=p, max_genes=kmax)
    pips, null = _brute(z, corr, p, kmax)
    np.testing.assert_allclose(res.pips, pips, rtol=1e-9, atol=1e-12)
    assert res.null_pip == pytest.approx(null, rel=1e-9, abs=1e-12)
    assert res.n_configs == sum(len(list(combinations(range(m), k))) for k in range(1, min(kmax, m) + 1))


def test_chunked_enumeration_equals_single_pass(monkeypatch):
    z, corr = _random_locus(9, 11, (2, 5))
    whole = focus.finemap(z, corr)
    monkeypatch.setattr(focus, "_CHUNK", 7)
    chunked = focus.finemap(z, corr)
    np.testing.assert_allclose(chunked.pips, whole.pips, rtol=1e-12)
    assert chunked.null_pip == pytest.approx(whole.null_pip, rel=1e-12)


def test_credible_set_rule():
    # normalised by the sum of all PIPs (null included), cumulated in decreasing order until >= level
    cs, null_cs = focus.credible_set(np.array([0.1, 0.6, 0.25]), 0.05, 0.9)
    assert cs.tolist() == [True, True, True] and not null_cs  # 0.6 + 0.25 = 0.85 < 0.9 -> 0.1 added, 0.95
    cs, null_cs = focus.credible_set(np.array([0.1, 0.6, 0.25]), 0.05, 0.8)
    assert cs.tolist() == [False, True, True] and not null_cs
    cs, null_cs = focus.credible_set(np.array([0.01, 0.02]), 0.97, 0.9)
    assert cs.tolist() == [False, False] and null_cs


def test_intercept_regression_by_gls():
    z, corr = _random_locus(6, 7, (1,))
    a = np.linspace(0.5, 2.0, 6)
    resid, iz = focus.regress_intercept(z, corr, a)
    rinv = np.linalg.inv(corr)
    alpha = (a @ rinv @ z) / (a @ rinv @ a)
    np.testing.assert_allclose(resid, z - a * alpha, rtol=1e-9)
    e = z - a * alpha
    s2 = e @ rinv @ e / 5
    assert iz == pytest.approx(alpha / np.sqrt(s2 / (a @ rinv @ a)), rel=1e-9)
    res = focus.finemap(z, corr, intercept=a)
    np.testing.assert_allclose(res.z, resid)
    assert res.prior_chisq == pytest.approx(z @ rinv @ z, rel=1e-9)  # from the z before the intercept


# --------------------------------------------------------------------------- post-process --finemap

HERE = os.path.dirname(os.path.abspath(__file__))
FOCUS_DATA = os.path.join(HERE, "data", "focus")
PARITY = os.path.join(HERE, "data", "parity")


def _focus_inputs(tmp_path):
    """The recorded comparison's inputs: LD reference without strand-ambiguous SNPs, weights paths localised."""
    spec = importlib.util.spec_from_file_location("subset_ref", os.path.join(FOCUS_DATA, "subset_ref.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.subset_plink(os.path.join(PARITY, "data", "ldref", "REF.22"), str(tmp_path / "REF.22"))
    with open(os.path.join(FOCUS_DATA, "assoc.dat")) as fh:
        text = fh.read().replace("\tWEIGHTS/", "\t" + os.path.join(PARITY, "fusion", "WEIGHTS") + "/")
    dat = tmp_path / "assoc.dat"
    dat.write_text(text)
    return str(dat), str(tmp_path / "REF.")


@pytest.mark.parametrize("ridge", ["0", "0.1"])
def test_pips_agree_with_pyfocus(tmp_path, ridge):
    """PIPs, null PIP, z and credible sets of both loci equal pyfocus 0.802's (--ridge-term 0 and its
    default 0.1 as --finemap_ridge, SOURCE.md).

    Same z (assoc-test --digits 12; FOCUS recomputes them from the same GWAS, LD and weights) and the same
    predicted-expression correlation: only rounding separates the two (FOCUS's table has 10 digits), so
    rtol 1e-6 has ample margin while any model difference shows (the ridge moves PIPs by >1e-3).
    """
    dat, ref = _focus_inputs(tmp_path)
    opts = PostOptions(input=dat, out=str(tmp_path / "o"), ref_ld_chr=ref, chr="22",
                       sumstats=os.path.join(FOCUS_DATA, "gwas.sumstats.gz"), minp_input=2.0, verbose=0,
                       top1_single_snp=True, finemap=True, finemap_ridge=float(ridge))
    res = run_post_process(opts, None)
    ref_tab = pd.read_csv(os.path.join(FOCUS_DATA, f"focus_ridge{ridge}.focus.tsv"), sep="\t")
    assert len(res.loci) == 2
    feats = read_features(dat, "22", 2.0, ("FILE", "ID"))
    for loc in res.loci:
        fm = loc.finemap
        block = f"22:{loc.start}-22:{loc.end}"
        fo = ref_tab[ref_tab.block == block]
        assert len(fo) == len(fm.models) + 1
        key = {(g, t): (p, c, z) for g, t, p, c, z in
               zip(fo.ens_gene_id, fo.tissue, fo.pips_pop1, fo.in_cred_set_pop1, fo.twas_z_pop1)}
        for j, i in enumerate(fm.models):
            pip, cs, z = key[(str(feats.id[i]), str(feats.panel[i]))]
            assert fm.res.pips[j] == pytest.approx(pip, rel=1e-6, abs=1e-12)
            assert fm.res.z[j] == pytest.approx(z, rel=1e-8, abs=1e-9)
            assert bool(fm.res.in_cred_set[j]) == bool(cs)
        written = pd.read_csv(str(tmp_path / f"o.loc_{loc.number}.focus"), sep="\t")
        assert set(written.block) == {block}  # FOCUS's region spelling
        both = written.merge(fo, on=["ens_gene_id", "tissue"], how="outer")
        assert len(both) == len(fo)  # the same models (and the null) on both sides
        np.testing.assert_allclose(both.pips_pop1_x, both.pips_pop1_y, rtol=1e-5, atol=1e-12)  # 6 digits written
        null = fo[fo.ens_gene_id == "NULL.MODEL"].iloc[0]
        assert fm.res.null_pip == pytest.approx(null.pips_pop1, rel=1e-6, abs=1e-15)
        assert fm.res.null_in_cred_set == bool(null.in_cred_set_pop1)
    other = pd.read_csv(os.path.join(FOCUS_DATA, f"focus_ridge{'0.1' if ridge == '0' else '0'}.focus.tsv"), sep="\t")
    moved = ref_tab.merge(other, on=["block", "ens_gene_id", "tissue"], how="outer")
    assert np.abs(moved.pips_pop1_x - moved.pips_pop1_y).max() > 1e-3  # the tolerance tells the two apart


def _localised_top(tmp_path) -> str:
    src = os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.top")
    text = open(src).read().replace("/tmp/ds1_fusion/WEIGHTS", os.path.join(PARITY, "fusion", "WEIGHTS"))
    path = tmp_path / "in.top"
    path.write_text(text)
    return str(path)


GWAS = os.path.join(PARITY, "data", "gwas", "trait_strong.sumstats.gz")
REF = os.path.join(PARITY, "data", "ldref", "REF.")


def test_cli_finemap_end_to_end(tmp_path, capsys):
    top = _localised_top(tmp_path)
    out = str(tmp_path / "o")
    code = run(["post-process", "--sumstats", GWAS, "--input", top, "--out", out, "--ref_ld_chr", REF, "--chr", "22",
                "--report", "--plot", "--finemap", "--finemap-prior-prob", "1e-2", "--finemap_max_genes", "2",
                "--verbose", "0"])
    assert code == 0
    tab = pd.read_csv(out + ".loc_1.focus", sep="\t", keep_default_na=False)
    assert list(tab.columns) == FOCUS_COLUMNS
    assert (tab.ID == "NULL.MODEL").sum() == 1
    pips = tab.pips_pop1.astype(float).to_numpy()
    assert np.all(np.diff(pips) <= 0)  # sorted by PIP, the null model among them
    models = tab[tab.ID != "NULL.MODEL"]
    z = models.twas_z_pop1.astype(float).to_numpy()
    # the z are the --input TWAS.Z; the brute-force posterior on the same inputs gives the same null PIP
    feats = read_features(top, "22", 1.0, ("FILE",))
    genos = read_plink(REF + "22")
    pred = predict_features(feats, genos, None, lambda s: None)
    idx = [int(np.flatnonzero(feats.file == f)[0]) for f in models.FILE]
    assert np.allclose(z, feats.z[idx], rtol=1e-5)
    _, brute_null = _brute(feats.z[idx], r_cor(pred.ge[:, idx]), 1e-2, 2)
    assert float(tab[tab.ID == "NULL.MODEL"].pips_pop1.iloc[0]) == pytest.approx(brute_null, rel=1e-4)
    report = open(out + ".report").read().splitlines()
    assert report[0].endswith("FOCUS.NULL.PIP\tFOCUS.CRED.SET")
    assert len(report[1].rstrip("\t").split("\t")) == 12
    genes = pd.read_csv(out + ".loc_1.genes", sep="\t")
    assert {"PIP", "IN.CRED.SET"} <= set(genes.columns)
    assert os.path.exists(out + ".loc_1.pdf")


@pytest.mark.parametrize("flag,value,msg", [
    ("--finemap_credible", "1.5", "--finemap_credible must be in (0, 1)"),
    ("--finemap_credible", "0", "--finemap_credible must be in (0, 1)"),
    ("--finemap_prior_prob", "1", "--finemap_prior_prob must be in (0, 1)"),
    ("--finemap_max_genes", "0", "--finemap_max_genes must be >= 1"),
    ("--finemap_ridge", "-0.1", "--finemap_ridge must be >= 0"),
])
def test_bad_finemap_options(tmp_path, capsys, flag, value, msg):
    top = _localised_top(tmp_path)
    out = str(tmp_path / "o")
    code = run(["post-process", "--sumstats", GWAS, "--input", top, "--out", out, "--ref_ld_chr", REF, "--chr", "22",
                "--finemap", flag, value])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and msg in err[0]
    assert not [p for p in os.listdir(tmp_path) if p.startswith("o")]


def test_ridge_adjust_is_focus_ldmat_plus_ridge():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 20))
    r = np.corrcoef(x.T)
    w = rng.normal(size=(20, 4)) * (rng.random((20, 4)) < 0.4)
    w[0] += 1.0
    zg = rng.normal(size=20)
    sd = np.sqrt(np.einsum("ij,ij->j", w, r @ w))
    cor0 = (w.T @ r @ w) / np.outer(sd, sd)
    z0 = w.T @ zg / sd
    z, c = focus.ridge_adjust(z0, cor0, sd, w.T @ w, 0.1)
    ldr = r + 0.1 * np.eye(20)  # FOCUS: LDRefPanel.estimate_ld(adjust=0.1), then estimate_cor and assoc_test
    cov = w.T @ ldr @ w
    d = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(c, cov / np.outer(d, d), rtol=1e-12)
    np.testing.assert_allclose(z, w.T @ zg / d, rtol=1e-12)
