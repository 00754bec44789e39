"""The jobs behind the command line, one module each. Each takes a ``Context`` (config, store,
``now``, where to print) and returns an exit code; none reads the clock or the environment itself. Everything a
job prints goes through ``Context.say`` (``sync/terminal.py``: no control character reaches the terminal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Config
from ..stores.base import Store
from ..terminal import printable


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
