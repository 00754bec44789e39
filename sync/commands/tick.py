"""``paniers tick``: everything that is due at ``now``, for cron every 10–15 minutes.

One read of the workbook; the derived tabs recomputed; the emails that are due composed and sent
(the journal skips what already went, so running twice sends nothing twice); then one write of
everything (derived tabs, new households, journal rows), laid onto the sheet as it is at that moment
(``stores/layout.py``: what people typed meanwhile stays). The journal is also flushed while emails go
(every 25 on Google Sheets, at most once a minute on the local workbook). Two runs never overlap: the
second one yields at once (exit 0); a Journal tab gone while emails went before stops every send
(``mail/amnesia.py``); another machine sending from the same Google Sheet stops this one (``claims.py``).
"""

from __future__ import annotations

from .. import runlock
from ..config import resolve
from . import Context, Outcome


def run(ctx: Context, sale: str | None = None, new_journal: bool = False) -> int:
    return once(ctx, sale, new_journal).code


def once(ctx: Context, sale: str | None = None, new_journal: bool = False) -> Outcome:
    """One tick under the run lock; a run that finds the lock taken yields at once (exit code 0), having read
    nothing and loaded only this module: the work (``tick_work.py``) is imported once the lock is held.
    ``new_journal``: the coordinator confirms that no email ever went from this workbook (``mail/amnesia.py``)."""
    try:
        with runlock.exclusive(resolve(ctx.config, ctx.config.schedule.lock), ctx.now):
            from .tick_work import tick

            return tick(ctx, sale, new_journal)
    except runlock.Busy as busy:
        ctx.say(f"Un autre passage est en cours ({busy.holder}) : celui-ci s'arrête sans rien faire.")
        return Outcome(yielded=True)
