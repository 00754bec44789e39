"""Where the group's workbook lives, behind one seam (``base.Store``).

``memory`` for tests, ``local`` for an .xlsx file, ``google`` for a Google Sheet. ``open_store``
chooses one from the configuration. Design, requests per run and what the fakes check: ``docs/dev/workbook.md``
(the local store) and ``docs/dev/google.md``.
"""

from __future__ import annotations

from ..config import Config
from ..errors import ConfigError
from .base import Append, Changes, Store
from .local import LocalWorkbookStore
from .memory import MemoryStore

__all__ = ["Append", "Changes", "LocalWorkbookStore", "MemoryStore", "Store", "open_store"]


def open_store(config: Config) -> Store:
    """The store the configuration names."""
    if config.store.backend == "local":
        return LocalWorkbookStore(config.store.path)
    if config.store.backend == "google":
        try:
            from .google import GoogleSheetsStore
        except ImportError as exc:  # pragma: no cover - the google store ships with the package
            raise ConfigError(f"Le stockage Google n'est pas disponible : {exc}") from exc
        return GoogleSheetsStore.from_config(config)
    raise ConfigError(f"[store] backend inconnu : {config.store.backend}")
