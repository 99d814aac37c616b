"""Write output files atomically so that a failed run leaves no half-written file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from typing import IO, Iterator

from twascli.errors import TwasError

# Inside `all_or_nothing()`, finished files wait under their temp names and are renamed together
# at the end, so that a run failing half-way leaves none of its outputs behind.
_STAGED: list[list[tuple[str, str]]] = []
_LOCK = threading.Lock()


@contextlib.contextmanager
def atomic_open(path: str, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temp file beside PATH; rename it onto PATH only if the block finishes cleanly."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise TwasError(f"{path}: output directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
        os.chmod(tmp, 0o666 & ~_umask())
        with _LOCK:
            if _STAGED:
                _STAGED[-1].append((tmp, path))
                return
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def all_or_nothing() -> Iterator[None]:
    """Write every atomic output of the block at its end, or none of them if the block fails."""
    with _LOCK:
        _STAGED.append([])
    try:
        yield
    except BaseException:
        with _LOCK:
            staged = _STAGED.pop()
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    with _LOCK:
        staged = _STAGED.pop()
    for tmp, path in staged:
        os.replace(tmp, path)


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str, text: str) -> None:
    """Write TEXT to PATH atomically."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write DATA to PATH atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
