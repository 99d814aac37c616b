"""A one-line progress counter on a terminal's stderr; silent in pipes, logs and CI."""

from __future__ import annotations

import sys


class Progress:
    """Counts finished items and redraws `label: done/total <unit>` on stderr when it is a TTY."""

    def __init__(self, total: int, label: str, unit: str = "genes", enabled: bool | None = None, every: int = 1):
        self.total, self.label, self.unit, self.every = total, label, unit, max(1, every)
        self.done = 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.enabled and (self.done >= self.total or self.done % self.every == 0):
            sys.stderr.write(f"\r{self.label}: {self.done}/{self.total} {self.unit}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()
