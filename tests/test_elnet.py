"""twascli's compiled glmnet path (core/elnet.py) against python-glmnet's Fortran elnet.

Same algorithm, different order of some floating-point sums: lambdas, intercepts and
coefficients agree to ~1e-12 on LD-like genotype problems of both glmnet regimes.
"""

from __future__ import annotations

import numpy as np
import pytest

from twascli.core import elnet, enet


def genotypes(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Standardised 0/1/2 genotypes with LD (blocks sharing a latent haplotype) and a phenotype."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, p // 10 + 1))
    x = latent[:, np.arange(p) // 10] + rng.normal(size=(n, p))
    x = np.digitize(x, [0.3, 1.2]).astype(float)  # allele counts 0/1/2
    x[:, 5] = 1.0  # a constant column: glmnet leaves it out (ju = 0)
    y = x[:, 10:14] @ rng.normal(0, 0.3, 4) + rng.normal(size=n)
    sd = x.std(axis=0, ddof=1)
    xs = np.where(sd > 0, (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)
    return xs, y


@pytest.mark.skipif(not elnet.AVAILABLE, reason="numba not installed")
@pytest.mark.parametrize("n,p,seed", [(300, 400, 1), (373, 620, 2), (400, 120, 3), (80, 530, 4)])
# covariance updates (p < 500) with n < p and n > p, naive updates (p >= 500)
def test_port_matches_glmnet_fortran(n, p, seed, monkeypatch):
    x, y = genotypes(n, p, seed)
    ours = enet.glmnet_path(x, y, 0.5)
    monkeypatch.setenv("TWASCLI_GLMNET", "fortran")
    assert enet.use_fortran()
    ref = enet.glmnet_path(x, y, 0.5)
    assert ours.lambdas.shape == ref.lambdas.shape  # same path length (same stopping rules)
    np.testing.assert_allclose(ours.lambdas, ref.lambdas, rtol=1e-12)
    np.testing.assert_allclose(ours.a0, ref.a0, rtol=1e-10, atol=1e-12)
    scale = np.abs(ref.beta).max()
    np.testing.assert_allclose(ours.beta, ref.beta, rtol=0, atol=1e-10 * scale)
    assert np.array_equal(ours.beta[5], np.zeros(ours.beta.shape[1]))


@pytest.mark.skipif(not elnet.AVAILABLE, reason="numba not installed")
def test_all_constant_columns_is_an_error():
    _, _, _, jerr = elnet.elnet_path(np.ones((20, 3)), np.arange(20.0), 0.5, 0.01, 100, 1e-7, 100000, naive=False)
    assert jerr == 7777
