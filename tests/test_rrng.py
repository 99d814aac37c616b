"""R's RNG emulation (twascli.core.rrng) and R base helpers (twascli.core.rstats), no R needed.

Every expected value below was printed by R 4.2.2 (default RNG kinds: Mersenne-Twister,
Inversion, Rejection) with the R code quoted next to it (cat(); sprintf("%.17g") for doubles).
"""

from __future__ import annotations

import numpy as np
import pytest

from twascli.core.rrng import RRandom, fusion_folds, r_cut_equal, rep_len_seq
from twascli.core.rstats import (
    lm_slope_summary,
    plink_fam_number,
    r_scale,
    r_write_table_number,
    rank_normalize,
    regress_out,
)


def test_set_seed_sample_runif_sequence():
    # set.seed(1); cat(sample(10)); cat(sprintf("%.17g", runif(3))); cat(sample(rep(1:5, length=23)))
    r = RRandom(1)
    assert r.sample(10).tolist() == [9, 4, 7, 1, 2, 5, 3, 10, 6, 8]
    assert r.runif(3).tolist() == [0.20597457489930093, 0.17655675252899528, 0.68702284665778279]
    assert r.sample(rep_len_seq(5, 23)).tolist() == [
        1, 3, 5, 4, 2, 2, 4, 5, 5, 1, 2, 3, 5, 1, 2, 2, 1, 1, 4, 3, 3, 3, 4,
    ]


def test_runif_after_seed_42():
    # set.seed(42); cat(sprintf("%.17g", runif(5)))
    r = RRandom(42)
    assert r.runif(5).tolist() == [
        0.91480604349635541, 0.93707541329786181, 0.28613953478634357,
        0.83044762606732547, 0.64174551889300346,
    ]


def test_sample_large_n_uses_two_chunks_and_negative_seed():
    # set.seed(-7); cat(sample(100000, 5))   (n > 65536: rbits draws two 16-bit chunks)
    r = RRandom(-7)
    assert r.sample_int(100000, 5).tolist() == [12885, 75529, 22569, 52507, 93169]
    # set.seed(123456789); cat(sample(70000, 6))
    r.set_seed(123456789)
    assert r.sample_int(70000, 6).tolist() == [47120, 58924, 61014, 29708, 9772, 67861]


def test_fusion_cv_permutation_n400():
    # set.seed(1); x = sample(400); cat(x[1:20]); cat(x[381:400]); cat(sum(x * 1:400))
    r = RRandom(1)
    x = r.sample(400)
    assert x[:20].tolist() == [324, 167, 129, 299, 270, 187, 307, 85, 277, 362, 330, 263, 329, 79, 213, 37, 105, 217, 366, 165]
    assert x[-20:].tolist() == [394, 200, 203, 292, 47, 54, 335, 183, 109, 346, 274, 119, 144, 154, 55, 166, 245, 59, 63, 169]
    assert int(np.sum(x * np.arange(1, 401))) == 15869859


def test_cut_folds_match_r():
    # cat(cut(seq(1,400),breaks=5,labels=FALSE)[c(1,80,81,160,161,240,241,320,321,400)])
    assert fusion_folds(400, 5)[[0, 79, 80, 159, 160, 239, 240, 319, 320, 399]].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # cat(cut(seq(1,53),breaks=5,labels=FALSE))
    assert fusion_folds(53, 5).tolist() == [1] * 11 + [2] * 10 + [3] * 11 + [4] * 10 + [5] * 11
    # cat(cut(seq(1,7),breaks=3,labels=FALSE))
    assert fusion_folds(7, 3).tolist() == [1, 1, 1, 2, 2, 3, 3]
    # cat(cut(c(0.5, 2, 3.25, 10), breaks=4, labels=FALSE))
    assert r_cut_equal(np.array([0.5, 2, 3.25, 10]), 4).tolist() == [1, 1, 2, 4]


def test_fold_sizes_300():
    assert np.bincount(fusion_folds(300, 5))[1:].tolist() == [60, 60, 60, 60, 60]


def test_lm_summary_matches_r():
    # y = c(1.2, 0.3, -0.5, 2.2, 1.1, -1.4, 0.7, 0.05); x = c(0.9, 0.1, -0.2, 1.5, 0.2, -0.8, 1.1, -0.3)
    # s = summary(lm(y ~ x)); sprintf("%.17g", c(s$adj.r.squared, s$coef[2,4]))
    y = np.array([1.2, 0.3, -0.5, 2.2, 1.1, -1.4, 0.7, 0.05])
    x = np.array([0.9, 0.1, -0.2, 1.5, 0.2, -0.8, 1.1, -0.3])
    adj, p = lm_slope_summary(y, x)
    assert adj == pytest.approx(0.77156684703470246, rel=1e-12)
    assert p == pytest.approx(0.0025414816101894857, rel=1e-10)


def test_scale_rank_normalise_covariates():
    # scale(c(1,2,3,4,10)); scale(c(2,2,2))
    assert np.allclose(r_scale(np.array([1.0, 2, 3, 4, 10])),
                       [-0.84852813742385702, -0.56568542494923802, -0.28284271247461901, 0, 1.6970562748477140])
    assert np.isnan(r_scale(np.array([2.0, 2, 2]))).all()
    # qnorm((rank(c(3,1,2,2,NA)) - 0.5)/4) on the non-NA values
    rn = rank_normalize(np.array([3.0, 1, 2, 2, np.nan]))
    assert np.allclose(rn[:4], [1.1503493803760079, -1.1503493803760079, 0, 0])
    assert np.isnan(rn[4])
    # summary(lm(y ~ C))$r.squared for y = 1:6, C = cbind(c(1,0,1,0,1,1), c(2,3,1,5,4,4))
    _, r2 = regress_out(np.arange(1.0, 7), np.array([[1, 2], [0, 3], [1, 1], [0, 5], [1, 4], [1, 4.0]]))
    assert r2 == pytest.approx(0.66367346938775429, rel=1e-12)


def test_scale_sums_row_by_row_in_long_double_as_r():
    """R's colMeans()/sum() add one value after another in long double; numpy sums a contiguous
    column pairwise. A column of 2^64 then 8192 ones shows which: R loses every one (2^64 + 1 needs
    65 bits), a pairwise sum keeps 8192 of them."""
    from twascli.core.rstats import r_colmeans

    col = np.ones(8193)
    col[0] = 2.0**64
    expect = float(np.longdouble(2.0**64) / np.longdouble(8193))
    assert r_colmeans(col[:, None])[0] == expect
    assert r_colmeans(np.column_stack([col, col]))[1] == expect
    # scale() of one column equals the same column scaled among others, bit for bit
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, (300, 5)).astype(float) + rng.random((300, 5)) * 0.1
    assert np.array_equal(r_scale(x[:, 2]), r_scale(x)[:, 2])


def test_number_round_trips():
    # write.table keeps 15 significant digits; PLINK's .fam writer 6 (dtoa_g, near-ties to even)
    assert r_write_table_number(0.1 + 0.2) == 0.3
    assert plink_fam_number(0.04457846964377071) == 0.0445785
    assert plink_fam_number(-0.7800454099577486) == -0.780045
    assert plink_fam_number(1234567.8) == 1.23457e6
    assert plink_fam_number(0.00001234567) == 1.23457e-05
    assert plink_fam_number(2.000005) == 2.0  # decimal ties round to even (banker_round8)
    assert plink_fam_number(2.000015) == 2.00002
    assert plink_fam_number(0.1234565) == 0.123456
    assert plink_fam_number(9.9999996) == 10.0
