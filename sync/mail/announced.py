"""What a sale's households were told about its distribution, and whether it changed since.

"What was" lives in the journal itself: the key of each announcement (``orders_open``) ends with the
distribution's details as they were when it went (``tag``: start, end and place, readable back with
``untag``), and so does the key of each "changement" email (the new details, then ``.N``, the change's
number in the sale). No other memory is needed: the Journal tab (or its write-ahead file) says what every
household was told, and when.

A change is the details of the sale in ``Ventes`` differing from the last ones told (``pending``). It is
announced to everyone who was told the old ones (an email of the sale before the change was first seen):
households with an order, its producers, and while orders are open the subscribers who received the
announcement. Each gets it once per change (the key holds the new details and the change's number: going
back to the first place is a change too). Announcements sent before this existed hold no details: a
change in such a sale is not announced.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from ..values import localize
from . import kinds
from .journal import Journal

_STAMP = "%Y%m%d%H%M"


@dataclass(frozen=True)
class Details:
    """Where and when a sale's distribution is."""

    start: datetime
    end: datetime | None
    place: str

    @classmethod
    def of(cls, sale: pd.Series) -> Details:
        return cls(sale["distribution"], sale["distribution_end"], " ".join(str(sale["place"] or "").split()))


def tag(details: Details | pd.Series) -> str:
    """The details as a journal key's fingerprint: « 202612111700-202612111900-U2FsbGUg… » (no colon)."""
    if not isinstance(details, Details):
        details = Details.of(details)
    end = details.end.strftime(_STAMP) if details.end is not None else ""
    place = base64.urlsafe_b64encode(details.place.encode("utf-8")).decode("ascii").rstrip("=")
    return f"{details.start.strftime(_STAMP)}-{end}-{place}"


def untag(text: str, tz: ZoneInfo) -> Details | None:
    """The details back from ``tag`` (None for a fingerprint that is not one: an older announcement's "")."""
    parts = text.split("-", 2)
    if len(parts) != 3 or len(parts[0]) != 12:
        return None
    try:
        start = localize(datetime.strptime(parts[0], _STAMP), tz)
        end = localize(datetime.strptime(parts[1], _STAMP), tz) if parts[1] else None
        place = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4)).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return Details(start, end, place)


def change_fingerprint(details: Details, number: int) -> str:
    return f"{tag(details)}.{number}"


def _split(fingerprint: str) -> tuple[str, int]:
    text, _, number = fingerprint.rpartition(".")
    return (text, int(number)) if number.isdigit() and text else (fingerprint, 0)


@dataclass(frozen=True)
class Change:
    """A change of a sale's distribution being announced: what was, what is, since when, its number."""

    before: Details
    after: Details
    since: datetime  # when it was first announced (now, for a change seen for the first time)
    number: int  # 1 for the sale's first change: the SEQUENCE of the calendar update

    @property
    def fingerprint(self) -> str:
        return change_fingerprint(self.after, self.number)

    @property
    def what(self) -> list[str]:
        """What changed, in French: « date », « horaire », « lieu »."""
        found = []
        if self.before.start.date() != self.after.start.date():
            found.append("date")
        elif self.before.start != self.after.start or self.before.end != self.after.end:
            found.append("horaire")
        if self.before.place != self.after.place:
            found.append("lieu")
        return found


def pending(sale: pd.Series, journal: Journal, now: datetime, tz: ZoneInfo) -> Change | None:
    """The change of this sale's distribution being announced now, if any (see the module's docstring)."""
    code = sale["code"]
    told: list[tuple[datetime, str, str, int]] = []  # (date, kind, details tag, change number)
    for entry in journal.entries:
        if entry.sale != code or entry.kind not in (kinds.ORDERS_OPEN.name, kinds.CHANGE.name):
            continue
        text, number = _split(entry.fingerprint) if entry.kind == kinds.CHANGE.name else (entry.fingerprint, 0)
        if untag(text, tz) is not None:
            told.append((entry.date or now, entry.kind, text, number))
    if not told:
        return None
    told.sort(key=lambda t: t[0])
    current = tag(sale)
    changes = [t for t in told if t[1] == kinds.CHANGE.name]
    latest = max(changes, key=lambda t: (t[3], t[0])) if changes else None
    if latest is not None and latest[2] == current:  # this change is being announced (some may still wait)
        since = min(t[0] for t in changes if t[3] == latest[3])
        before = [t[2] for t in told if t[0] < since and t[2] != current]
        if not before:
            return None
        return Change(untag(before[-1], tz), Details.of(sale), since, latest[3])
    if told[-1][2] == current:
        return None
    return Change(untag(told[-1][2], tz), Details.of(sale), now, (latest[3] if latest else 0) + 1)
