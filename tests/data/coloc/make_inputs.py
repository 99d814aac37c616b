"""Make the coloc test inputs (run from the repo root; needs shared/parity/data/ldref).

    python3 tests/data/coloc/make_inputs.py [LDREF_PREFIX] [BIN_DIR]

For each case it writes tests/data/coloc/<case>.npz (inputs, LD stored as its upper triangle)
and BIN_DIR/<case>/ with the same inputs as raw little-endian doubles plus small text files, for
make_reference.R to read bit-exactly. LD is FUSION's: scale() the mean-imputed REF genotypes of a
window, t(X) X / (n - 1), then made exactly symmetric from its upper triangle.
Z-scores: z = sqrt(N) * R_sim b + e, e ~ N(0, R_sim), with R_sim the LD of the first 250 REF
samples only (so the summary statistics do not match the reference LD exactly, as in real use).
"""

from __future__ import annotations

import os
import sys

import numpy as np

from twascli.io.plink import read_plink, scale

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    HERE, "..", "..", "..", "..", "shared", "parity", "data", "ldref", "REF.22")
BIN_DIR = sys.argv[2] if len(sys.argv) > 2 else "/tmp/coloc_fixture_bins"


def ld_of(x: np.ndarray) -> np.ndarray:
    xs = scale(x)
    r = xs.T @ xs / (xs.shape[0] - 1)
    up = np.triu(r)
    return up + np.triu(r, 1).T


def mvn(rng, R, k=1):
    w, U = np.linalg.eigh(R)
    w = np.clip(w, 0, None)
    return (U * np.sqrt(w)) @ rng.standard_normal((R.shape[0], k))


def zscores(rng, Rsim, N, effects):
    """effects: {snp index: per-SNP variance explained}; returns marginal z."""
    p = Rsim.shape[0]
    b = np.zeros(p)
    for j, q2 in effects.items():
        b[j] = np.sqrt(q2)
    return np.sqrt(N) * (Rsim @ b) + mvn(rng, Rsim)[:, 0]


def main() -> None:
    g = read_plink(PREFIX)
    x_all = g.imputed()
    rng = np.random.default_rng(20240611)
    cases = {
        # name: (start, p, N1, eqtl effects, N2, gwas effects, gwas as BETA/SE)
        "coloc": (300, 150, 500, {60: 0.08}, 50000, {60: 0.0008}, False),
        "distinct": (1200, 120, 400, {30: 0.10}, 80000, {95: 0.0005}, False),
        "multi": (2000, 200, 600, {50: 0.06, 150: 0.05}, 100000, {50: 0.0004, 120: 0.0006},
                  False),
        "nocs": (2600, 80, 300, {}, 50000, {40: 0.0008}, False),
        "betase": (3300, 100, 450, {20: 0.09}, 60000, {20: 0.0007}, True),
        # eQTL z inconsistent with the LD (+6/-6 at two SNPs with r ~ 0.95): SuSiE needs > 100
        # iterations, so coloc's re-run with max_iter * 100 is exercised
        "mismatch": (2600, 80, 300, "pair", 50000, {40: 0.0008}, False),
    }
    os.makedirs(BIN_DIR, exist_ok=True)
    for name, (start, p, N1, eff1, N2, eff2, betase) in cases.items():
        cols = np.arange(start, start + p)
        x = x_all[:, cols]
        keep = x.std(axis=0) > 0
        cols = cols[keep]
        x = x[:, keep]
        p = cols.size
        R = ld_of(x)
        Rsim = ld_of(x[:250])
        if eff1 == "pair":
            off = np.abs(R - 0.95) + 9 * np.eye(p)
            i, j = np.unravel_index(np.argmin(off), off.shape)
            z1 = 0.3 * rng.standard_normal(p)
            z1[i], z1[j] = 6.0, -6.0
        else:
            z1 = zscores(rng, Rsim, N1, eff1)
        z2 = zscores(rng, Rsim, N2, eff2)
        beta1 = z1 / np.sqrt(N1)
        varbeta1 = np.full(p, 1.0 / N1)
        if betase:
            # GWAS BETA/SE on a per-allele scale: SE = 1/sqrt(2 f (1-f) N)
            f = x.mean(axis=0) / 2
            se = 1.0 / np.sqrt(2 * f * (1 - f) * N2)
            beta2 = z2 * se
            varbeta2 = se ** 2
        else:
            beta2 = z2 / np.sqrt(N2)
            varbeta2 = np.full(p, 1.0 / N2)
        snp = g.bim["snp"].to_numpy()[cols].astype(str)
        pos = g.bim["pos"].to_numpy()[cols].astype(np.int64)
        iu = np.triu_indices(p)
        np.savez_compressed(
            os.path.join(HERE, f"{name}.npz"), ld_triu=R[iu], p=p, beta1=beta1,
            varbeta1=varbeta1, beta2=beta2, varbeta2=varbeta2, N1=float(N1), N2=float(N2),
            gwas_betase=betase, snp=snp, pos=pos)
        d = os.path.join(BIN_DIR, name)
        os.makedirs(d, exist_ok=True)
        for k, v in (("LD", R), ("beta1", beta1), ("varbeta1", varbeta1), ("beta2", beta2),
                     ("varbeta2", varbeta2)):
            np.asarray(v, dtype="<f8").ravel(order="F").tofile(os.path.join(d, k + ".bin"))
        with open(os.path.join(d, "meta.txt"), "w") as fh:
            fh.write(f"p\t{p}\nN1\t{N1}\nN2\t{N2}\nbetase\t{int(betase)}\n")
        np.savetxt(os.path.join(d, "snp.txt"), snp, fmt="%s")
        np.savetxt(os.path.join(d, "pos.txt"), pos, fmt="%d")
        print(name, p, "max|z1|=%.2f max|z2|=%.2f" % (np.abs(z1).max(), np.abs(z2).max()))


if __name__ == "__main__":
    main()
