"""coloc.abf / coloc.susie (twascli.core.coloc, twascli.core.susie) against coloc 6.0.1 + susieR
0.12.35 reference outputs stored in tests/data/coloc (see its README for how they were made).

Inputs are FUSION-style datasets built on REF.22 LD windows; R was run with exactly FUSION's
dataset construction. On the machine that made the fixtures the port is bit-identical to R;
the tolerances below leave room for other CPUs / BLAS builds.
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np
import pytest

from twascli.core import coloc, susie
from twascli.core.coloc import ColocError

DATA = os.path.join(os.path.dirname(__file__), "data", "coloc")
CASES = ["coloc", "distinct", "multi", "nocs", "betase", "mismatch"]
PP = coloc.PP_COLUMNS

ABF_RTOL = 1e-10
SUSIE_RTOL = 1e-6


def _num(v):
    if isinstance(v, list):
        return np.array([_num(x) for x in v], dtype=float)
    return math.nan if v is None else float(v)


def _as_list(v):
    return v if isinstance(v, list) else [v]


def _load(case):
    z = np.load(os.path.join(DATA, f"{case}.npz"))
    p = int(z["p"])
    ld = np.zeros((p, p))
    ld[np.triu_indices(p)] = z["ld_triu"]
    ld = ld + np.triu(ld, 1).T
    with open(os.path.join(DATA, f"{case}.R.json")) as fh:
        ref = json.load(fh)
    d = {k: z[k] for k in ("beta1", "varbeta1", "beta2", "varbeta2")}
    d.update(ld=ld, N1=float(z["N1"]), N2=float(z["N2"]), betase=bool(z["gwas_betase"]),
             snp=[str(s) for s in z["snp"]], p=p)
    return d, ref


def _assert_pp(ours, ref, rtol, atol=0.0):
    np.testing.assert_allclose(np.asarray(ours, dtype=float), _num(_as_list(ref)), rtol=rtol,
                               atol=atol)


@pytest.fixture(scope="module", params=CASES)
def case(request):
    return (request.param, *_load(request.param))


_SUSIE_CACHE: dict = {}


def _coloc_susie(name, d):
    """coloc.susie on a case (GWAS N always given; for 'betase' R's reference was recorded after
    adding N back), computed once per test session."""
    if name not in _SUSIE_CACHE:
        _SUSIE_CACHE[name] = coloc.coloc_susie(d["beta1"], d["varbeta1"], d["beta2"],
                                               d["varbeta2"], d["ld"], d["N1"], d["N2"],
                                               snp=d["snp"])
    return _SUSIE_CACHE[name]


# ------------------------------------------------------------------------------ coloc.abf

def test_coloc_abf_matches_r(case):
    name, d, ref = case
    res = coloc.coloc_abf(d["beta1"], d["varbeta1"], d["beta2"], d["varbeta2"], snp=d["snp"],
                          ld=d["ld"], N1=d["N1"], N2=None if d["betase"] else d["N2"])
    r = _num(ref["abf_summary"])
    assert res.nsnps == int(r[0]) == d["p"]
    np.testing.assert_allclose(res.pp, r[1:], rtol=ABF_RTOL, atol=0)
    np.testing.assert_allclose(res.priors, _num(ref["abf_priors"]), rtol=0, atol=0)
    # R's $results is sorted by snp (merge); ours follows the input order
    order = {s: k for k, s in enumerate(d["snp"])}
    idx = [order[s] for s in ref["abf_snp"]]
    np.testing.assert_allclose(res.snp_pp_h4[idx], _num(ref["abf_snp_pp_h4"]), rtol=ABF_RTOL,
                               atol=1e-300)


def test_coloc_abf_prior_adjustment_matches_r(case):
    name, d, ref = case
    p = d["p"]
    res = coloc.coloc_abf(d["beta1"], d["varbeta1"], d["beta2"], d["varbeta2"], p1=0.02,
                          p2=0.5 / p, p12=1e-3)
    np.testing.assert_allclose(res.priors, _num(ref["abf_adj_priors"]), rtol=1e-15, atol=0)
    assert res.priors[0] == pytest.approx(1.0 / (p + 1))  # p * 0.02 >= 1 -> adjusted
    np.testing.assert_allclose(res.summary, _num(ref["abf_adj_summary"]), rtol=ABF_RTOL, atol=0)


@pytest.mark.parametrize("bad", ["nan_beta", "zero_varbeta", "inf_beta", "dup_snp", "nan_ld",
                                 "nan_n"])
def test_coloc_abf_rejects_what_check_dataset_rejects(bad):
    d, _ = _load("coloc")
    b1, v1 = d["beta1"].copy(), d["varbeta1"].copy()
    snp, ld, n1 = list(d["snp"]), d["ld"].copy(), d["N1"]
    if bad == "nan_beta":
        b1[3] = np.nan
    elif bad == "zero_varbeta":
        v1[5] = 0.0
    elif bad == "inf_beta":
        b1[0] = np.inf
    elif bad == "dup_snp":
        snp[1] = snp[0]
    elif bad == "nan_ld":
        ld[2, 7] = np.nan
    elif bad == "nan_n":
        n1 = float("nan")
    with pytest.raises(ColocError):
        coloc.coloc_abf(b1, v1, d["beta2"], d["varbeta2"], snp=snp, ld=ld, N1=n1)


def test_coloc_abf_against_formula():
    """Hand-computed Wakefield ABF / combine.abf on a tiny example (spec e.1)."""
    z1 = np.array([1.0, 4.0, -2.0])
    z2 = np.array([0.5, 3.0, 0.0])
    n1, n2 = 400.0, 10000.0
    res = coloc.coloc_abf(z1 / math.sqrt(n1), 1 / n1, z2 / math.sqrt(n2), 1 / n2)

    def labf(z, v):
        r = 0.0225 / (0.0225 + v)
        return 0.5 * (np.log(1 - r) + r * z * z)

    def lse(x):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))

    l1, l2 = labf(z1, 1 / n1), labf(z2, 1 / n2)
    a, b, c = lse(l1), lse(l2), lse(l1 + l2)
    lh = np.array([0, np.log(1e-4) + a, np.log(1e-4) + b,
                   2 * np.log(1e-4) + np.log(np.exp(a + b) - np.exp(c)), np.log(1e-5) + c])
    np.testing.assert_allclose(res.pp, np.exp(lh - lse(lh)), rtol=1e-12)
    np.testing.assert_allclose(res.snp_pp_h4, np.exp(l1 + l2 - c), rtol=1e-12)


# ------------------------------------------------------------------------------ SuSiE

def test_susie_fits_match_r(case):
    name, d, ref = case
    res = _coloc_susie(name, d)
    for fit, key in zip((res.fit1, res.fit2), ("fit1", "fit2")):
        r = ref[key]
        assert fit.converged and r["converged"]
        assert fit.niter == r["niter"]
        np.testing.assert_allclose(fit.V, _num(r["V"]), rtol=SUSIE_RTOL, atol=1e-9)
        np.testing.assert_allclose(fit.pip, _num(r["pip"]), rtol=0, atol=SUSIE_RTOL)
        assert fit.elbo[-1] == pytest.approx(float(r["elbo"]), rel=1e-9)
        r_cs = r["cs"] if isinstance(r["cs"], dict) else {}
        assert [list(c + 1) for c in fit.sets.cs] == [_as_list(v) for v in r_cs.values()]
        assert list(fit.sets.cs_index + 1) == _as_list(r["cs_index"])
        if r_cs:
            np.testing.assert_allclose(fit.sets.purity, np.array([_num(x) for x in r["purity"]]),
                                       rtol=1e-12)
            lbf_r = np.array([_num(x) for x in r["lbf_variable_cs"]])
            np.testing.assert_allclose(fit.lbf_variable[fit.sets.cs_index], lbf_r,
                                       rtol=SUSIE_RTOL, atol=1e-8)


def test_susie_rerun_path_is_exercised():
    """The 'mismatch' case needs > 100 IBSS iterations: coloc's runsusie re-runs it with
    max_iter = 10000 and R reports the converged fit (niter checked in test_susie_fits_match_r);
    without the re-run it does not converge."""
    d, ref = _load("mismatch")
    assert ref["fit1"]["niter"] > 100 and ref["fit1"]["converged"]
    assert _coloc_susie("mismatch", d).fit1.niter == ref["fit1"]["niter"]
    with pytest.raises(ColocError, match="did not converge"):
        coloc.run_susie(d["beta1"], d["varbeta1"], d["ld"], d["N1"], maxit=20, rounds=1)


def test_brent_matches_r_optimize():
    with open(os.path.join(DATA, "brent.R.json")) as fh:
        ref = json.load(fh)
    tol = math.sqrt(np.finfo(float).eps)
    funcs = {
        "quad": lambda x: (x - 1 / 3) ** 2,
        "wavy": lambda x: math.sin(3 * x) + (x - 2) ** 2 / 10,
        "flat": lambda x: -math.log(1 + math.exp(-x)),
    }
    for key, f in funcs.items():
        assert susie.brent_fmin(f, -30.0, 15.0, tol) == pytest.approx(float(ref[key]),
                                                                      rel=1e-12, abs=1e-12)


# ------------------------------------------------------------------------------ coloc.susie

def test_coloc_susie_matches_r(case):
    name, d, ref = case
    res = _coloc_susie(name, d)
    rs = ref.get("susie_summary")
    if rs is None:
        assert name == "nocs" and ref["susie_nsnps_na"]
        assert res.status == "no_credible_sets"
        assert len(res.summary) == 0 and list(res.summary.columns) == coloc.SUMMARY_COLUMNS
        assert res.results is None
        return
    assert res.status == "ok"
    s = res.summary
    assert list(s.columns) == coloc.SUMMARY_COLUMNS
    assert list(s["nsnps"]) == [int(x) for x in _as_list(rs["nsnps"])]
    assert list(s["hit1"]) == _as_list(rs["hit1"])
    assert list(s["hit2"]) == _as_list(rs["hit2"])
    assert list(s["idx1"]) == [int(x) for x in _as_list(rs["idx1"])]
    assert list(s["idx2"]) == [int(x) for x in _as_list(rs["idx2"])]
    for col in PP:
        _assert_pp(s[col], rs[col], SUSIE_RTOL, atol=1e-15)
    rr = ref["susie_results"]
    assert list(res.results.columns) == list(rr.keys())
    assert list(res.results["snp"]) == rr["snp"]
    for col in list(rr.keys())[1:]:
        _assert_pp(res.results[col], rr[col], SUSIE_RTOL, atol=1e-12)


def test_coloc_susie_multi_signal_rows():
    d, ref = _load("mismatch")
    res = _coloc_susie("mismatch", d)
    assert list(res.summary["idx1"]) == [1, 2, 8]  # SuSiE effect numbers, not CS positions
    assert list(res.results.columns) == ["snp"] + [f"SNP.PP.H4.row{k}" for k in (1, 2, 3)]


def test_coloc_susie_without_n_fails_like_fusion():
    """FUSION's BETA/SE branch builds d2 without N: runsusie stops, FUSION gets NULL."""
    d, ref = _load("betase")
    assert ref["susie_error"] == "dataset 2: missing required element(s) N"
    with pytest.raises(ColocError, match=r"^dataset 2: missing required element\(s\) N$"):
        coloc.coloc_susie(d["beta1"], d["varbeta1"], d["beta2"], d["varbeta2"], d["ld"],
                          d["N1"], None, snp=d["snp"])
    # coloc.abf on the same datasets works (it does not need N)
    coloc.coloc_abf(d["beta1"], d["varbeta1"], d["beta2"], d["varbeta2"])


def test_coloc_susie_rejects_bad_input():
    d, _ = _load("coloc")
    b1 = d["beta1"].copy()
    b1[0] = np.nan
    with pytest.raises(ColocError, match="beta contains missing values"):
        coloc.coloc_susie(b1, d["varbeta1"], d["beta2"], d["varbeta2"], d["ld"], d["N1"],
                          d["N2"])


def test_coloc_bf_bf_trimming_matches_r():
    d, ref = _load("multi")
    snp = np.array(d["snp"])
    res = _coloc_susie("multi", d)
    f1, f2 = res.fit1, res.fit2
    b1 = f1.lbf_variable[f1.sets.cs_index]
    b2 = f2.lbf_variable[f2.sets.cs_index]

    summ, res = coloc.coloc_bf_bf(b1[:, :150], b2[:, 99:200], snp[:150], snp[99:200])
    r = ref["bfbf_alltrim"]
    assert res is None and not r["has_results"]
    rs = r["summary"]
    assert list(summ["hit1"]) == rs["hit1"] and list(summ["hit2"]) == rs["hit2"]
    assert list(summ["idx2"]) == [int(x) for x in rs["idx2"]]
    assert list(summ["nsnps"]) == [int(x) for x in rs["nsnps"]]
    for col in PP:
        _assert_pp(summ[col], rs[col], SUSIE_RTOL, atol=1e-15)

    summ, res = coloc.coloc_bf_bf(b1[:, 59:200], b2, snp[59:200], snp)
    rs = ref["bfbf_partial"]["summary"]
    assert len(summ) == 1
    assert summ["hit1"][0] == rs["hit1"] and summ["hit2"][0] == rs["hit2"]
    assert int(summ["nsnps"][0]) == int(rs["nsnps"])
    for col in PP:
        _assert_pp(summ[col], rs[col], SUSIE_RTOL, atol=1e-15)
    rr = ref["bfbf_partial"]["results"]
    assert list(res["snp"]) == rr["snp"]
    _assert_pp(res["SNP.PP.H4.abf"], rr["SNP.PP.H4.abf"], SUSIE_RTOL, atol=1e-12)


# ------------------------------------------------------------------------------ speed

def test_coloc_susie_300_snps_is_fast():
    rng = np.random.default_rng(7)
    p = 300
    idx = np.arange(p)
    ld = 0.9 ** np.abs(idx[:, None] - idx[None, :])  # AR(1) LD
    w, u = np.linalg.eigh(ld)
    noise = (u * np.sqrt(np.clip(w, 0, None))) @ rng.standard_normal((p, 2))
    z1 = 8 * ld[:, 100] + noise[:, 0]
    z2 = 6 * ld[:, 100] + 5 * ld[:, 220] + noise[:, 1]
    t0 = time.process_time()
    res = coloc.coloc_susie(z1 / math.sqrt(500), 1 / 500, z2 / math.sqrt(5e4), 1 / 5e4, ld, 500,
                            5e4)
    cpu = time.process_time() - t0
    assert res.status == "ok" and len(res.summary) >= 1
    assert cpu < 3.0, f"coloc.susie on 300 SNPs took {cpu:.2f} s CPU"


def test_susie_check_prior_error_like_r():
    """z at odds with the LD: susie_rss stops ('unreasonably large' prior variance), so FUSION's
    tryCatch gives NULL; we raise ColocError."""
    d, ref = _load("nocs")
    assert "unreasonably large" in ref["checkprior_error"]
    z = np.zeros(d["p"])
    z[54], z[57] = 8.0, -2.0
    n = d["N1"]
    with pytest.raises(ColocError, match="unreasonably large"):
        coloc.coloc_susie(z / math.sqrt(n), 1 / n, z / math.sqrt(n), 1 / n, d["ld"], n, n)


def test_single_snp():
    """coloc.abf works on one SNP; coloc.susie fails in R (runsusie's LD[snp, snp] drops the
    1 x 1 matrix: 'argument is of length zero'), checked with coloc 6.0.1."""
    res = coloc.coloc_abf([0.3], 1 / 500, [0.03], 1 / 5e4)
    assert res.nsnps == 1 and res.pp.sum() == pytest.approx(1.0)
    with pytest.raises(ColocError, match="length zero"):
        coloc.coloc_susie([0.3], 1 / 500, [0.03], 1 / 5e4, np.ones((1, 1)), 500, 5e4)


def test_coloc_bf_bf_small_matches_r():
    """Hand-made log-BF matrices (partial SNP overlap, 1 x 2 signals); R values from
    coloc 6.0.1 coloc.bf_bf printed with 17 digits."""
    s, r = coloc.coloc_bf_bf(np.array([[3.2, 1, 2]]), np.array([[5.1, 2], [0.1, 7]]),
                             ["a", "b", "c"], ["b", "c"])
    assert list(s["hit1"]) == ["c", "c"] and list(s["hit2"]) == ["b", "c"]
    assert list(s["idx2"]) == [1, 2] and list(s["nsnps"]) == [2, 2]
    np.testing.assert_allclose(s["PP.H0.abf"], [0.97975202314230703, 0.86854946884949824],
                               rtol=1e-12)
    np.testing.assert_allclose(s["PP.H3.abf"], [1.2071060386523613e-05, 2.5962021988478705e-05],
                               rtol=1e-10)
    np.testing.assert_allclose(s["PP.H4.abf"], [0.0024516135011343164, 0.0352026925407146682],
                               rtol=1e-12)
    assert list(r.columns) == ["snp", "SNP.PP.H4.row1", "SNP.PP.H4.row2"]
