"""Files the tool writes beside people's files: whole or not at all.

``replace(path, fill)`` has ``fill`` write a temporary file in the same folder (``.<name>.<pid>.tmp``), flushes
it to disk, then renames it over ``path`` (``os.replace``, atomic on one file system): a run killed at any
moment leaves the previous file or the new one, never half of one. ``copy`` and ``write_text`` are built on it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path


def temporary_path(path: Path) -> Path:
    """Where ``replace`` writes before renaming: hidden, beside the target, named after this process."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def replace(path: Path, fill: Callable[[Path], None]) -> None:
    """``fill(temporary)`` writes the new content; it is flushed and renamed over ``path``. Raises ``OSError``
    (the temporary file removed, ``path`` untouched) when anything fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(path)
    temporary.unlink(missing_ok=True)  # a stale one of the same name: start afresh
    try:
        fill(temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _sync_folder(path.parent)
    finally:
        temporary.unlink(missing_ok=True)


def copy(source: Path, target: Path) -> None:
    """``source`` copied to ``target`` through ``replace``: ``target`` is the old copy or the new, never half."""
    def fill(temporary: Path) -> None:
        shutil.copyfile(source, temporary)
        shutil.copystat(source, temporary)

    replace(target, fill)


def write_text(path: Path, text: str) -> None:
    """``text`` (UTF-8) written through ``replace``."""
    def fill(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)

    replace(path, fill)


def _sync_folder(folder: Path) -> None:
    """The rename itself flushed to disk (POSIX; elsewhere the rename is as durable as the system makes it)."""
    if os.name != "posix":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
