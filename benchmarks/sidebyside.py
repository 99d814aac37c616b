"""Side-by-side timing helpers: FUSION and twascli in one invocation, interleaved rounds, best of N.

Interleaving (FUSION, twascli, FUSION, twascli, ...) exposes both tools to the same load on a
shared machine; the minimum of the rounds estimates each one's uncontended time, and the
one-minute load average (os.getloadavg) is printed with every figure. CPU seconds (user + system
of the child processes) are reported too: on a machine loaded beyond its cores, wall time mostly
measures the wait for a core, CPU time much less so.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
from typing import Callable, NamedTuple


class Timing(NamedTuple):
    """Wall seconds and CPU seconds (user + system of the children)."""

    wall: float
    cpu: float

    def __add__(self, other):  # type: ignore[override]
        return Timing(self.wall + other.wall, self.cpu + other.cpu)


def byte_compile() -> None:
    """Byte-compile the twascli package (__pycache__), as an installed package is: with
    PYTHONDONTWRITEBYTECODE set, a checkout would otherwise re-parse every module on each call."""
    import compileall

    compileall.compile_dir(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "twascli"),
                           quiet=1)
    print("twascli byte-compiled (__pycache__), as an installed package is")


def load() -> str:
    """The machine's 1/5/15-minute load averages and core count, for the record."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}/{fifteen:.2f} on {os.cpu_count()} cores"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(cmd: list[str], cwd: str | None = None) -> Timing:
    """Wall and CPU seconds of one run of CMD (stdout discarded, failure raises)."""
    cpu, t = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=cwd)
    return Timing(time.perf_counter() - t, _children_cpu() - cpu)


def have_fusion(path: str | None, script: str) -> bool:
    """True when Rscript is on PATH and PATH/SCRIPT exists (else twascli is timed alone)."""
    if not path:
        return False
    ok = shutil.which("Rscript") is not None and os.path.exists(os.path.join(path, script))
    if not ok:
        print(f"FUSION not run: Rscript or {os.path.join(path, script)} missing; timing twascli alone")
    return ok


def interleaved(runs: dict[str, Callable[[], Timing]], rounds: int) -> dict[str, Timing]:
    """Run each callable once per round, in turn, ROUNDS times; the best wall and CPU time of each."""
    best = {name: Timing(float("inf"), float("inf")) for name in runs}
    for r in range(rounds):
        for name, run in runs.items():
            before = os.getloadavg()[0]
            t = run()
            best[name] = Timing(min(best[name].wall, t.wall), min(best[name].cpu, t.cpu))
            print(f"  round {r + 1} {name}: {t.wall:.2f} s wall, {t.cpu:.2f} s CPU (load before {before:.2f})", flush=True)
    return best


def report(best: dict[str, Timing], fusion: str = "FUSION", ours: str = "twascli") -> None:
    """Both best times and the ratios (wall and CPU), with the current load."""
    o = best[ours]
    if fusion in best:
        f = best[fusion]
        print(f"{fusion}: {f.wall:.2f} s wall / {f.cpu:.2f} s CPU, {ours}: {o.wall:.2f} s wall / {o.cpu:.2f} s CPU "
              f"-> {f.wall / o.wall:.1f}x wall, {f.cpu / o.cpu:.1f}x CPU (best of rounds; {load()})")
    else:
        print(f"{ours}: {o.wall:.2f} s wall / {o.cpu:.2f} s CPU (best of rounds; {load()})")
