"""How many cores this process may use: what a cluster scheduler allotted, not the node's total."""

from __future__ import annotations

import os


def available_cores() -> int:
    """CPUs in this process's affinity mask (SLURM/cgroups set it), else os.cpu_count()."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1
