"""One ``tick`` at a time: an exclusive lock on a file beside the configuration.

The lock is an OS-level ``flock``: the kernel releases it when the process ends, however it ends, so
a lock left by a killed run is simply free for the next one (no stale-lock guessing by age). The file
itself records who holds it, for the message the yielding run prints. Runs on different machines
(e.g. a hosted CI scheduler) do not share a disk: there, the scheduler's own concurrency setting
keeps runs apart, and the journal keeps emails from going twice.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path


class Busy(Exception):
    """Another run holds the lock; ``holder`` says which (pid and start time), when known."""

    def __init__(self, holder: str):
        super().__init__(holder)
        self.holder = holder


@contextmanager
def exclusive(path: Path, now: datetime):
    """Hold the lock at ``path`` for the duration of the block, or raise ``Busy`` at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while the lock is held
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise Busy(handle.read().strip() or "un autre passage") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"processus {os.getpid()}, commencé le {now:%d/%m/%Y à %H:%M}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the descriptor releases the lock
