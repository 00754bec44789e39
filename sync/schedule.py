"""What is due at a given moment: the timeline of each sale, from its row in the ``Ventes`` tab.

Pure functions of the sales calendar, the offsets in ``[schedule]`` and ``now``. A step is due from
its time until it stops being meaningful (no "orders are open" after closing, no pickup reminder after
the distribution has started): a machine that was off sends late what still makes sense, and says
what it skipped. Whether a step's emails already went is the journal's business, not this module's.
Running on a schedule (the lock, cron, systemd, GitHub Actions): ``docs/dev/schedule.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from .config import ScheduleConfig

UPCOMING, OPEN, CLOSED, DISTRIBUTED = "à venir", "commandes ouvertes", "clôturée", "terminée"


@dataclass(frozen=True)
class Step:
    name: str  # announce, closing_reminder, closing, pickup_reminder, follow_up, recap
    label: str  # French, for the run's report and `status`
    at: datetime
    until: datetime  # the step makes no sense any more from this moment on

    def due(self, now: datetime) -> bool:
        return self.at <= now < self.until

    def missed(self, now: datetime) -> bool:
        return now >= self.until


ANNOUNCE, CLOSING_REMINDER, CLOSING, PICKUP_REMINDER, FOLLOW_UP, RECAP = (
    "announce", "closing_reminder", "closing", "pickup_reminder", "follow_up", "recap")


def distribution_end(sale: pd.Series) -> datetime:
    end = sale["distribution_end"]
    return end if end is not None and end > sale["distribution"] else sale["distribution"] + timedelta(hours=2)


def timeline(sale: pd.Series, offsets: ScheduleConfig) -> list[Step]:
    """The moments of a sale, in order."""
    opens, closes, start = sale["opens"], sale["closes"], sale["distribution"]
    end = distribution_end(sale)
    reminder = max(opens, closes - timedelta(hours=offsets.closing_reminder_hours))
    pickup = max(closes, start - timedelta(hours=offsets.pickup_reminder_hours))
    return [
        Step(ANNOUNCE, "annonce de l'ouverture des commandes", opens, closes),
        Step(CLOSING_REMINDER, "rappel avant clôture (à ceux qui n'ont pas commandé)", reminder, closes),
        Step(CLOSING, "listes aux producteurs et feuille d'émargement", closes, end),
        Step(PICKUP_REMINDER, "rappel de distribution aux familles", pickup, start),
        Step(FOLLOW_UP, "montants définitifs aux familles, après la pesée", start,
             end + timedelta(days=offsets.follow_up_days)),
        # The recaps wait for the weights (at most recap_wait_hours: see cycle.recap_ready).
        Step(RECAP, "récapitulatifs aux producteurs et à l'animatrice", end,
             end + timedelta(days=offsets.follow_up_days)),
    ]


def phase(sale: pd.Series, now: datetime) -> str:
    if now < sale["opens"]:
        return UPCOMING
    if now < sale["closes"]:
        return OPEN
    if now < distribution_end(sale):
        return CLOSED
    return DISTRIBUTED


def orders_flow(sale: pd.Series, now: datetime, offsets: ScheduleConfig) -> bool:
    """Whether order emails (confirmation, modified, cancelled, cut, late change) are still meaningful:
    from the opening until the end of the distribution."""
    return sale["opens"] <= now < distribution_end(sale)


def active(sale: pd.Series, now: datetime, offsets: ScheduleConfig) -> bool:
    """Whether anything of this sale can still be due (the follow-up included)."""
    steps = timeline(sale, offsets)
    return steps[0].at <= now < max(s.until for s in steps)


def next_steps(sale: pd.Series, now: datetime, offsets: ScheduleConfig) -> list[Step]:
    """Steps still to come, in order."""
    return [s for s in timeline(sale, offsets) if s.at > now]
