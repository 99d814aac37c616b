"""core/ldcounts.py: LD of panel SNP subsets from shared blocks, against R's crossprod(scale(X))/(n-1)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from twascli.core import ldcounts
from twascli.core.ldcounts import BlockLD
from twascli.core.rstats import mean_impute, r_scale
from twascli.io.plink import read_plink

REF = os.path.join(os.path.dirname(__file__), "data", "parity", "data", "ldref", "REF.22")


def r_ld(x: np.ndarray) -> np.ndarray:
    """FUSION's LD, computed directly: scale() the mean-imputed columns, X'X/(n-1)."""
    xs = r_scale(mean_impute(np.asarray(x, dtype=np.float64)))
    return xs.T @ xs / (x.shape[0] - 1)


@pytest.fixture(scope="module")
def panel() -> np.ndarray:
    return read_plink(REF).dosage


def windows(p: int, rng: np.random.Generator, k: int = 12) -> list[np.ndarray]:
    """Gene-like SNP sets: runs with gaps, one unsorted, one spread over the whole panel."""
    out = []
    for _ in range(k):
        lo = int(rng.integers(0, p - 400))
        cols = np.arange(lo, lo + int(rng.integers(150, 400)))
        out.append(cols[rng.random(cols.size) > 0.1])
    out.append(rng.permutation(out[0]))
    out.append(np.sort(rng.choice(p, 40, replace=False)))
    return out


def test_counts_panel_is_exact_and_matches_fusion_ld(panel):
    ld = BlockLD(panel)
    assert ld.exact
    rng = np.random.default_rng(5)
    for cols in windows(panel.shape[1], rng):
        got = ld.ld(cols)
        want = r_ld(panel[:, cols])
        np.testing.assert_allclose(got, want, rtol=0, atol=5e-14)
        assert np.array_equal(got, got.T)
        assert np.all(np.diag(got) == 1.0)


def test_gathers_agree_and_subsets_are_the_same_numbers(panel):
    ld = BlockLD(panel)
    cols = np.arange(1000, 1400)
    full = ld.ld(cols)
    sub = cols[::3]
    assert np.array_equal(ld.ld(sub), full[::3, ::3])  # a gene's SNP subset: identical values
    blk = sub // ld.block
    touched, where = np.unique(blk, return_inverse=True)
    assert np.array_equal(ld._gather_pairs(sub, blk, touched), ld._gather_assembled(sub, blk, touched, where))


def test_small_cache_and_blocks_give_the_same_ld(panel):
    """Eviction and block size change nothing but speed."""
    cols = np.arange(200, 900, 2)
    ref = BlockLD(panel).ld(cols)
    tiny = BlockLD(panel, block=64, cache_bytes=1)
    np.testing.assert_allclose(tiny.ld(cols), ref, rtol=0, atol=1e-15)


def test_missing_calls_and_dosages_use_imputed_doubles(panel):
    x = panel[:, :300].copy()
    x[5, 3] = np.nan
    x[:, 7] = 1.0  # no variation
    x[:, 11] = np.nan  # all missing
    x[2, 20] = 0.37  # a dosage
    ld = BlockLD(x)
    assert not ld.exact
    assert not ld.varies[7] and not ld.varies[11] and ld.varies[3]
    cols = np.array([0, 3, 20, 150, 299])
    np.testing.assert_allclose(ld.ld(cols), r_ld(x[:, cols]), rtol=0, atol=5e-14)
    assert ld.all_vary(cols) and not ld.all_vary(np.array([1, 7]))


def test_fusion_arithmetic_where_one_value_decides_a_rounding(panel):
    """fusion_diag/fusion_ld: the exact bits of scale() + a BLAS crossprod, whatever the window."""
    ld = BlockLD(panel)
    window = np.arange(1500, 1800)
    direct = np.diagonal(r_ld(panel[:, window]))
    for k in (0, 115, 299):
        assert ld.fusion_diag(int(window[k])) == direct[k]
    assert ld.fusion_diag(0) == np.diagonal(r_ld(panel[:, :8]))[0]
    assert ld.fusion_diag(panel.shape[1] - 1) == np.diagonal(r_ld(panel[:, -ldcounts._DIAG_WIDTH:]))[-1]
    assert np.array_equal(ld.fusion_ld(window), r_ld(panel[:, window]))


def test_a_chromosome_panel_is_freed_before_the_next_is_read(tmp_path, monkeypatch):
    """Whole-genome runs hold one chromosome's panel at a time (LD blocks refer to their panel)."""
    import gc
    import weakref

    from test_assoc import DATA, WEIGHTS
    from twascli.assoc import run as assoc_run
    from twascli.cli import run

    panels: list = []
    alive_at_load: list[int] = []
    load = assoc_run.load_reference

    def tracked(*args, **kwargs):
        gc.collect()
        alive_at_load.append(sum(p() is not None for p in panels))
        ref = load(*args, **kwargs)
        panels.append(weakref.ref(ref.ldc))
        return ref

    monkeypatch.setattr(assoc_run, "load_reference", tracked)
    args = ["assoc-test", "--sumstats", os.path.join(DATA, "data", "gwas", "trait_med.sumstats.gz"),
            "--weights", os.path.join(WEIGHTS, "all.pos"), "--weights_dir", WEIGHTS,
            "--ref_ld_chr", os.path.join(DATA, "data", "ldref", "REF."), "--out", str(tmp_path / "g")]
    assert run(args) == 0
    assert len(panels) == 2 and alive_at_load == [0, 0]
