"""Side-by-side timing helpers: FUSION and twascli in one invocation, interleaved rounds, best of N.

Interleaving (FUSION, twascli, FUSION, twascli, ...) exposes both tools to the same load on a
shared machine; the minimum of the rounds estimates each one's uncontended time, and the
one-minute load average (os.getloadavg) is printed with every figure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from typing import Callable


def load() -> str:
    """The machine's 1/5/15-minute load averages and core count, for the record."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}/{fifteen:.2f} on {os.cpu_count()} cores"


def wall(cmd: list[str], cwd: str | None = None) -> float:
    """Wall seconds of one run of CMD (stdout discarded, failure raises)."""
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - t


def have_fusion(path: str | None, script: str) -> bool:
    """True when Rscript is on PATH and PATH/SCRIPT exists (else twascli is timed alone)."""
    if not path:
        return False
    ok = shutil.which("Rscript") is not None and os.path.exists(os.path.join(path, script))
    if not ok:
        print(f"FUSION not run: Rscript or {os.path.join(path, script)} missing; timing twascli alone")
    return ok


def interleaved(runs: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Run each callable once per round, in turn, ROUNDS times; the best time of each, with loads printed."""
    best = {name: float("inf") for name in runs}
    for r in range(rounds):
        for name, run in runs.items():
            before = os.getloadavg()[0]
            t = run()
            best[name] = min(best[name], t)
            print(f"  round {r + 1} {name}: {t:.2f} s (load before {before:.2f})", flush=True)
    return best


def report(best: dict[str, float], fusion: str = "FUSION", ours: str = "twascli") -> None:
    """One line: both best times and the ratio, with the current load."""
    if fusion in best:
        print(f"{fusion}: {best[fusion]:.2f} s, {ours}: {best[ours]:.2f} s -> {best[fusion] / best[ours]:.1f}x "
              f"(best of rounds; {load()})")
    else:
        print(f"{ours}: {best[ours]:.2f} s (best of rounds; {load()})")
