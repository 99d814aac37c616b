"""Core TWAS pieces against independent, direct computations."""

from __future__ import annotations

import numpy as np
import pytest

from twascli.core import twas
from twascli.core.alleles import allele_qc
from twascli.core.rstats import r_scale as scale


def random_ld(p: int, n: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.binomial(2, rng.uniform(0.1, 0.5, p), size=(n, p)).astype(float)
    # mosaic-like LD: neighbouring columns share half their genotypes
    x[:, 1::2] = np.where(rng.random((n, p // 2)) < 0.6, x[:, 0::2][:, : p // 2], x[:, 1::2])
    xs = scale(x)
    return xs.T @ xs / (n - 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_impg_block_inverse_equals_fusion_direct_formula(seed):
    ld = random_ld(60, seed=seed)
    rng = np.random.default_rng(seed)
    miss = rng.random(60) < 0.2
    z = rng.normal(size=60)
    # FUSION: wgt = LD[m,o] solve(LD[o,o] + 0.1 I); r2pred = diag(wgt LD[o,o] t(wgt))
    o = ~miss
    direct_w = ld[np.ix_(miss, o)] @ np.linalg.inv(ld[np.ix_(o, o)] + 0.1 * np.eye(o.sum()))
    direct_r2 = np.diag(direct_w @ ld[np.ix_(o, o)] @ direct_w.T)
    direct_z = direct_w @ z[o] / np.sqrt(direct_r2)
    wgt, r2 = twas.impg_weights(ld, miss)
    np.testing.assert_allclose(wgt, direct_w, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(r2, direct_r2, rtol=1e-10)
    impz, _ = twas.impute_z(ld, z, miss)
    np.testing.assert_allclose(impz, direct_z, rtol=1e-10)
    wgt_d, r2_d = twas.impg_weights_direct(ld, miss)  # one-trait path: the Cholesky of LD[o,o] + 0.1 I
    np.testing.assert_allclose(wgt_d, direct_w, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(r2_d, direct_r2, rtol=1e-10)


def test_twas_z_and_p():
    ld = random_ld(30)
    rng = np.random.default_rng(5)
    w, z = rng.normal(size=30), rng.normal(size=30)
    num, var = twas.twas_z(w, z, ld)
    assert num == pytest.approx(float(w @ z))
    assert var == pytest.approx(float(w @ ld @ w))
    assert float(twas.twas_p(1.959963984540054)) == pytest.approx(0.05, rel=1e-12)
    assert twas.z_threshold(0.05) == pytest.approx(1.959963984540054, rel=1e-12)


def test_allele_qc_matches_fusion_rules():
    keep, flip = allele_qc(
        ["A", "a", "A", "C", "G", "AT", "A", None],
        ["G", "t", "C", "G", "T", "A", "G", "C"],
        ["G", "A", "T", "C", "A", "A", "C", "C"],
        ["A", "T", "G", "G", "C", "AT", "T", "A"],
    )
    # same strand swap; ambiguous A/T; complement strand, no swap; ambiguous C/G (flip as FUSION);
    # complement + swap; indel swap (not kept, flipped); complement + swap; missing allele
    assert keep.tolist() == [True, False, True, False, True, False, True, False]
    assert flip.tolist() == [True, True, False, True, True, True, True, False]


def test_scale_is_r_scale_and_column_independent():
    rng = np.random.default_rng(3)
    x = rng.binomial(2, 0.3, size=(101, 40)).astype(float)
    x[:, 7] = 1.0  # constant: R gives NaN
    s = scale(x)
    ok = [j for j in range(40) if j != 7]
    np.testing.assert_allclose(s[:, ok].mean(0), 0, atol=1e-14)
    np.testing.assert_allclose(s[:, ok].std(0, ddof=1), 1, rtol=1e-14)
    assert np.isnan(s[:, 7]).all()
    cols = np.array([3, 9, 20])
    assert np.array_equal(scale(x[:, cols]), s[:, cols])  # bit for bit, any layout
    assert np.array_equal(scale(np.asfortranarray(x))[:, ok], s[:, ok])


def test_permutation_stops_after_more_than_ten_exceedances():
    ld = np.eye(50)
    w = np.zeros(50)
    w[:3] = [1.0, -0.5, 0.25]
    z = np.random.default_rng(2).normal(size=50)
    res = twas.permutation_test(w, z, ld, twas=0.01, max_perm=1000, rng=np.random.default_rng(1))
    assert res.n < 1000 and res.pv == pytest.approx(12 / res.n) and np.isnan(res.anl_pv)
    res = twas.permutation_test(w, z, ld, twas=50.0, max_perm=300, rng=np.random.default_rng(1))
    assert res.n == 300 and res.pv == 0.0 and res.anl_pv < 1e-10


def test_progress_is_silent_unless_enabled(capsys):
    from twascli.progress import Progress

    quiet = Progress(3, "chr22", enabled=False)
    for _ in range(3):
        quiet.step()
    quiet.close()
    assert capsys.readouterr().err == ""
    loud = Progress(3, "chr22", enabled=True, every=2)
    for _ in range(3):
        loud.step()
    loud.close()
    assert capsys.readouterr().err == "\rchr22: 2/3 genes\rchr22: 3/3 genes\n"
    assert Progress(1, "x").enabled is False  # pytest's stderr is not a terminal
