"""FOCUS fine-mapping numerics (twascli.core.focus) against an independent brute-force posterior."""

from itertools import combinations

import numpy as np
import pytest

from twascli.core import focus


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
