"""The jobs behind the command line, one module each. Each takes a ``Context`` (config, store,
``now``, where to print) and returns an exit code; none reads the clock or the environment itself. Everything a
job prints goes through ``Context.say`` (``sync/terminal.py``: no control character reaches the terminal).
Every job and its options: ``docs/dev/commands.md``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..config import Config
from ..terminal import printable

if TYPE_CHECKING:
    from ..mail.message import Email
    from ..stores.base import Store


@dataclass
class Context:
    config: Config
    store: Store
    now: datetime
    out: Callable[[str], None] = print
    environ: dict[str, str] = field(default_factory=dict)

    def say(self, text: str = "") -> None:
        """Every line a job prints: control characters a person typed never reach the terminal."""
        self.out(printable(text))


@dataclass
class Outcome:
    """What one tick did, for the demo and the tests (the French report is printed as it goes); here rather than
    in ``tick.py`` so that ``tick.py`` (the lock) and ``tick_work.py`` (the work) both use it without importing
    each other."""

    code: int = 0
    sent: list[Email] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    yielded: bool = False


class _OpenedOnFirstUse:
    """The configured store, opened the first time a job uses it: a run that stops before touching the workbook
    (a tick yielding to a running one) neither loads the store's modules nor signs in to Google
    (``tests/test_imports.py``)."""

    def __init__(self, config: Config):
        self._config = config
        self._store: Store | None = None

    def __getattr__(self, name: str):
        if self._store is None:
            from ..stores import open_store

            self._store = open_store(self._config)
        return getattr(self._store, name)


def open_later(config: Config) -> Store:
    """``stores.open_store(config)``, deferred until the job first uses the store (an error opening it comes
    then, inside the job)."""
    return _OpenedOnFirstUse(config)  # type: ignore[return-value]


def under_lock(ctx: Context, job: str, work: Callable[[], int]) -> int:
    """``work()`` holding the run lock that ``tick`` takes (``[schedule] lock``, sync/runlock.py): every job that
    writes to the workbook runs alone, so that two of them never both append the same newcomers to Clients nor
    rewrite a tab the other is writing. When another run holds it, nothing is read nor written: the job says so in
    French and ends with code 0, as ``tick`` yields."""
    from .. import runlock
    from ..config import resolve

    try:
        with runlock.exclusive(resolve(ctx.config, ctx.config.schedule.lock), ctx.now):
            return work()
    except runlock.Busy as busy:
        ctx.say(f"Un autre passage de Paniers est en cours ({busy.holder}) : « paniers {job} » s'arrête sans rien "
                "écrire. Relancez-le quand il aura fini (en général dans la minute).")
        return 0
