"""Files the tool writes beside people's files: whole or not at all, and secrets readable by their owner only.

``replace(path, fill)`` has ``fill`` write a temporary file in the same folder (``.<name>.<pid>.tmp``), flushes
it to disk, then renames it over ``path`` (``os.replace``, atomic on one file system): a run killed at any
moment leaves the previous file or the new one, never half of one. ``copy``, ``write_bytes`` and ``write_text`` are
built on it.
With ``secret=True`` the temporary file is created with mode 0600 (whatever the umask, whatever mode the file it
replaces had), so a secret is never readable by others, not even for an instant.

``check_secret(path, key, fix=...)`` is for the secret files the tool reads: one that the group or others may
read or write is made private (``fix=True``: a file the tool writes itself, the OAuth token), or refused with a
French message giving the command to run (``fix=False``: a file a person put there, a service-account key or a
Gmail token). Not on Windows, where a file's mode bits say nothing about who may read it.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from .errors import ConfigError

PRIVATE = 0o600


def temporary_path(path: Path) -> Path:
    """Where ``replace`` writes before renaming: hidden, beside the target, named after this process."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def replace(path: Path, fill: Callable[[Path], None], *, secret: bool = False, mode: int | None = None) -> None:
    """``fill(temporary)`` writes the new content; it is flushed and renamed over ``path``. Raises ``OSError``
    (the temporary file removed, ``path`` untouched) when anything fails. ``mode``: the file's mode whatever the
    umask (``secret`` is ``mode=0o600``)."""
    mode = PRIVATE if secret else mode
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(path)
    temporary.unlink(missing_ok=True)  # a stale one of the same name keeps its mode: start afresh
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        try:
            if mode is not None and os.name == "posix":
                os.fchmod(descriptor, mode)  # whatever the umask
        finally:
            os.close(descriptor)
        fill(temporary)  # opening an existing file to write keeps its mode
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


def write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """``data`` written through ``replace`` (a page of the site: a visitor never reads half of it)."""
    def fill(temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            handle.write(data)

    replace(path, fill, mode=mode)


def write_text(path: Path, text: str, *, secret: bool = False) -> None:
    """``text`` (UTF-8) written through ``replace``."""
    def fill(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)

    replace(path, fill, secret=secret)


def exposed(path: Path) -> bool:
    """Whether someone other than the file's owner may read or write it (group or others bits)."""
    if os.name != "posix":
        return False
    return bool(stat.S_IMODE(os.stat(path).st_mode) & 0o077)


def check_secret(path: Path, key: str, *, fix: bool) -> None:
    """A secret file readable by the group or others: made 0600 when ``fix`` (and this user owns it), else a
    ``ConfigError`` in French saying which command makes it private."""
    path = Path(path)
    try:
        if not exposed(path):
            return
    except OSError:
        return  # missing or unreadable: the caller says so in its own words
    if fix:
        try:
            os.chmod(path, PRIVATE)
            return
        except OSError:
            pass  # someone else's file: say what to do
    raise ConfigError(
        f"{key} : le fichier {path} est un secret, mais d'autres comptes de cet ordinateur peuvent le lire "
        f"(droits {stat.filemode(os.stat(path).st_mode)}). Rendez-le lisible par vous seul, dans un terminal : "
        f"chmod 600 {_quoted(path)} ; puis relancez."
    )


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))


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
