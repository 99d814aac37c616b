"""Per-locus time and memory of FOCUS fine-mapping (twascli.core.focus.finemap, `post-process --finemap`).

Random loci of M models (predicted expression of sparse weights over 200 SNPs, 500 people), FOCUS's
defaults (max 3 causal genes, prior 1e-3). Time: best of 3; memory: tracemalloc peak of the call.
The inputs (z, M x M correlation) are what post-process already holds, so this is the whole extra cost.

    python benchmarks/bench_finemap.py [--models 10 25 50 100] [--max_genes 3]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from twascli.core import focus
from twascli.core.postproc import r_cor


def locus(m: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(500, 200))
    x = x + np.roll(x, 1, axis=1) + np.roll(x, 2, axis=1)  # neighbouring SNPs in LD
    w = np.zeros((200, m))
    for k in range(m):
        c = int(rng.integers(0, 195))
        w[c:c + 5, k] = rng.normal(size=5)
    corr = r_cor(x @ w)
    z = rng.multivariate_normal(corr[:, 0] * 6.0, corr)
    return z, corr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, nargs="+", default=[10, 25, 50, 100])
    ap.add_argument("--max_genes", type=int, default=3)
    a = ap.parse_args()
    print("| models | configurations | time (s) | peak memory (MiB) |")
    print("|---|---|---|---|")
    for m in a.models:
        z, corr = locus(m)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            focus.finemap(z, corr, max_genes=a.max_genes)
            best = min(best, time.perf_counter() - t0)
        tracemalloc.start()
        res = focus.finemap(z, corr, max_genes=a.max_genes)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"| {m} | {res.n_configs} | {best:.3f} | {peak / 2**20:.1f} |")


if __name__ == "__main__":
    main()
