"""core/tails.py against scipy.special (an independent implementation, cephes)."""

import math

import numpy as np
import pytest
from scipy.special import chdtr, chdtrc, stdtr

from twascli.core.tails import betainc, chi2_1_cdf, chi2_1_sf, t_two_sided

T_GRID = np.concatenate([np.geomspace(1e-4, 40, 120), [0.0, 1.7, 1.8, 2.0, 3.0]])


@pytest.mark.parametrize("df,rtol", [(2, 3e-13), (5, 3e-13), (38, 3e-13), (98, 3e-13), (398, 3e-13),
                                     (998, 3e-13), (5000, 1e-12), (1e5, 1e-11)])
def test_t_two_sided_matches_scipy(df, rtol):
    """lm()'s slope p-value for the sample sizes compute-weights sees (df = n - 2). Both sides carry
    ~1e-13 of error (scipy's stdtr up to 1.5e-13 against a 40-digit mpmath evaluation here)."""
    for t in T_GRID:
        ref = 2.0 * stdtr(df, -t)
        if ref < 1e-280:
            continue
        assert t_two_sided(t, df) == pytest.approx(ref, rel=rtol, abs=0), (df, t)
        assert t_two_sided(-t, df) == t_two_sided(t, df)


def test_t_two_sided_edges():
    assert t_two_sided(0.0, 10) == 1.0
    assert t_two_sided(math.inf, 10) == 0.0
    assert math.isnan(t_two_sided(math.nan, 10)) and math.isnan(t_two_sided(1.0, 0))
    # Cauchy (df 1) in closed form: 1 - 2 atan(t)/pi
    for t in (1e-3, 0.5, 1.0, 7.0, 300.0):
        assert t_two_sided(t, 1) == pytest.approx(1 - 2 * math.atan(t) / math.pi, rel=1e-13)


def test_betainc_symmetry_and_closed_forms():
    for a, b, x in [(2.0, 3.0, 0.3), (0.5, 0.5, 0.9), (40.0, 0.5, 0.95), (1.0, 7.0, 0.2)]:
        assert betainc(a, b, x) + betainc(b, a, 1 - x) == pytest.approx(1.0, abs=1e-14)
    assert betainc(1.0, 7.0, 0.2) == pytest.approx(1 - 0.8 ** 7, rel=1e-14)  # I_x(1, b) = 1 - (1-x)^b
    assert betainc(3.0, 1.0, 0.4) == pytest.approx(0.4 ** 3, rel=1e-14)  # I_x(a, 1) = x^a


def test_chi2_1_matches_scipy():
    for x in np.geomspace(1e-10, 1400, 400):
        assert chi2_1_cdf(x) == pytest.approx(chdtr(1, x), rel=1e-14)
        assert chi2_1_sf(x) == pytest.approx(chdtrc(1, x), rel=2e-13)
    assert chi2_1_cdf(0.0) == 0.0 and chi2_1_sf(0.0) == 1.0
