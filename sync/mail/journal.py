"""What was sent: the ``Journal`` tab, a local write-ahead file, and who needs which order email.

Every email has a key (kind, sale, recipient, fingerprint of what matters in its content). A run
skips the keys already journaled, so running twice sends nothing twice.

The ``Journal`` tab is only ever appended to. Writing it costs a call to the sheet, so a long run
flushes it in batches; between the server accepting a message and the batch reaching the sheet,
the send is recorded in a local write-ahead file (JSON lines, fsync'd). The next run reads both:
an entry of the file that the tab does not show is taken as sent and appended to the tab then
(``tests/test_mail_send.py::test_crash_before_the_journal_is_written_is_recovered``).

``order_notices`` is the event-driven part: from the order book and what was already sent, which
household needs a confirmation, a "modified", a "cancelled" or a "cut" email. A household whose
order changes gets one "modified" email, never a second confirmation.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from .. import files, sheet
from .. import problems as pb
from ..households import reachable
from ..orderbook import CANCELLED, OrderBook
from ..sheet import Grid
from ..stores.base import Append, Changes
from ..values import parse_datetime, sheet_datetime
from . import kinds
from .message import Email, make_key, split_key

REFUSED_MARK = " — refusé : "  # in the Type column: "Confirmation de commande — refusé : 550 …"
DEFERRED_MARK = " — reporté : "  # the first time a server deferred an email (4xx): "… — reporté : 451 …"
DEFERRED_TOO_LONG = timedelta(days=1)  # deferred for longer than this since the first time: an anomaly


@dataclass(frozen=True)
class Entry:
    """One row of the journal: an email the server accepted (or refused for good), or, with ``deferred``,
    the first time a server deferred it (it is still due: such a row is no send)."""

    key: str
    date: datetime | None
    sale: str
    kind: str
    recipient: str
    subject: str = ""
    message_id: str = ""
    refused: str = ""  # the server's answer when it refused the recipient
    deferred: str = ""  # the server's answer the first time it deferred the email (4xx)
    variant: str = ""  # what the email said, when its kind says different things (kinds.py): its label says it

    @property
    def fingerprint(self) -> str:
        parts = split_key(self.key)
        return parts[3] if parts else ""

    @property
    def label(self) -> str:
        """What the email was, in French (« Commande complète (stock revenu) »): the « Type » column's label."""
        return kinds.label(self.kind, self.variant)

    def record(self) -> dict[str, object]:
        kind_label = self.label
        return {
            "Date": sheet_datetime(self.date),
            "Vente": self.sale,
            "Type": (f"{kind_label}{REFUSED_MARK}{self.refused}" if self.refused
                     else f"{kind_label}{DEFERRED_MARK}{self.deferred}" if self.deferred else kind_label),
            "Destinataire": self.recipient,
            "Sujet": self.subject,
            "Clé": self.key,
            "Message-ID": self.message_id,
        }

    def to_json(self) -> str:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Entry:
        data = json.loads(text)
        data["date"] = datetime.fromisoformat(data["date"]) if data.get("date") else None
        return cls(**data)

    @classmethod
    def of(cls, email: Email, date: datetime, refused: str = "", deferred: str = "") -> Entry:
        return cls(email.key, date, email.sale, email.kind, email.recipient, email.subject, email.message_id,
                   refused, deferred, email.variant)


def entries_from_grid(grid: Grid | None, tz: ZoneInfo) -> list[Entry]:
    """The Journal tab as entries, in the order they were appended (rows without a key are skipped).

    Row by row over the grid (years of sends are tens of thousands of rows: no table is built for them),
    each column found by its header as ``sheet.read_table`` finds it."""
    if not grid:
        return []
    header = [str(h).strip() for h in grid[0]]
    where = {name: header.index(text) for name, text in sheet.read_table(grid[:1], sheet.JOURNAL).headers.items()}
    width = max(where.values(), default=0) + 2  # one more column, always empty: where a missing column points
    k, d, s, t, r, j, m = (where.get(name, width - 1) for name in
                           ("Clé", "Date", "Vente", "Type", "Destinataire", "Sujet", "Message-ID"))
    entries = []
    for row in grid[1:]:
        if len(row) < width:
            row = [*row, *([None] * (width - len(row)))]
        key = str(row[k] or "").strip()
        if not key:
            continue
        parts = split_key(key)
        kind_text = str(row[t] or "")
        refused = kind_text.split(REFUSED_MARK, 1)[1] if REFUSED_MARK in kind_text else ""
        deferred = kind_text.split(DEFERRED_MARK, 1)[1] if DEFERRED_MARK in kind_text else ""
        kind = parts[0] if parts else ""
        # the label as written: a row of before variants keeps its label (the kind's), one of now names its variant
        written = kind_text.split(REFUSED_MARK, 1)[0].split(DEFERRED_MARK, 1)[0]
        entries.append(Entry(
            key=key,
            date=parse_datetime(row[d], tz, required=False).value,
            sale=parts[1] if parts else str(row[s] or ""),
            kind=kind,
            recipient=parts[2] if parts else str(row[r] or ""),
            subject=str(row[j] or ""),
            message_id=str(row[m] or ""),
            refused=refused,
            deferred=deferred,
            variant=kinds.variant_from_label(kind, written),
        ))
    return entries


class WriteAheadLog:
    """A local file of JSON lines, one per email the server accepted, written before anything else."""

    def __init__(self, path: Path | None):
        self.path = path

    def read(self) -> list[Entry]:
        if self.path is None or not self.path.is_file():
            return []
        entries = []
        with self.path.open(encoding="utf-8") as file:
            for line in file:
                line = line.strip()
                if not line:
                    continue
                try:
                    entries.append(Entry.from_json(line))
                except (ValueError, TypeError, KeyError):
                    continue  # a line torn by a crash mid-write: that send was never confirmed
        return entries

    def append(self, entry: Entry) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(entry.to_json() + "\n")
            file.flush()
            os.fsync(file.fileno())

    def rewrite(self, entries: list[Entry]) -> None:
        """Keep only these entries (atomically: a crash leaves the old file or the new one)."""
        if self.path is None or (not self.path.exists() and not entries):
            return
        files.write_text(self.path, "".join(entry.to_json() + "\n" for entry in entries))

    @contextlib.contextmanager
    def lock(self) -> Iterator[bool]:
        """Whether this run may send: False while another run holds the lock (cron runs that overlap)."""
        if self.path is None:
            yield True
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = (self.path.with_name(self.path.name + ".lock")).open("a+")
        try:
            try:
                _lock_file(handle)
            except OSError:
                yield False
                return
            try:
                yield True
            finally:
                _unlock_file(handle)
        finally:
            handle.close()


def _lock_file(handle) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock_file(handle) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Journal:
    """The emails already sent: the Journal tab as read at the start of the run, plus the write-ahead
    file, plus what this run sends. Apart (``deferrals``): when a server first deferred an email still due."""

    def __init__(self, entries: list[Entry], wal: WriteAheadLog | None = None, tz: ZoneInfo | None = None,
                 header: list[str] | None = None, archived: Callable[[str, datetime | None], bool] | None = None):
        self.wal = wal or WriteAheadLog(None)
        # (sale, date) -> whether such a send's row is in « Archives Journal » (sync/archive.py): the
        # write-ahead file's entries of those are archived, not missing from the tab
        self.archived = archived or (lambda sale, when: False)
        self.tz = tz
        self.header = list(header) if header else sheet.JOURNAL.header
        self.entries: list[Entry] = [e for e in entries if not e.deferred]
        self.table_keys = {e.key for e in self.entries}
        self.keys = set(self.table_keys)
        self.deferrals: dict[str, Entry] = {}  # key -> the first deferral of that email (it is not sent)
        for entry in entries:
            if entry.deferred:
                self.deferrals.setdefault(entry.key, entry)
        self.table_deferrals = set(self.deferrals)
        self.recovered: list[Entry] = []  # sent by an earlier run, missing from the tab: to append now
        self._last_orders: dict[tuple[str, str], Entry] | None = None  # see last_order_entry
        self._by_key: dict[str, Entry] | None = None  # see entry
        self._by_key_indexed = 0
        self._indexed = 0
        self.refresh()

    @classmethod
    def load(cls, grid: Grid | None, wal_path: Path | None, tz: ZoneInfo,
             archived: Callable[[str, datetime | None], bool] | None = None) -> Journal:
        header = [str(h) for h in grid[0]] if grid and grid[0] and any(str(h).strip() for h in grid[0]) else None
        return cls(entries_from_grid(grid, tz), WriteAheadLog(wal_path), tz, header, archived)

    def refresh(self) -> None:
        """Take in what the write-ahead file knows and the tab does not (a crash before the tab was written,
        or another run since this one read the tab)."""
        for entry in self.wal.read():
            if self.archived(entry.sale, entry.date):
                continue
            if entry.deferred:
                if entry.key not in self.deferrals:
                    self.deferrals[entry.key] = entry
                    if entry.key not in self.table_deferrals:
                        self.recovered.append(entry)
                continue
            if entry.key not in self.keys:
                self.keys.add(entry.key)
                self.entries.append(entry)
                if entry.key not in self.table_keys:
                    self.recovered.append(entry)

    def take_recovered(self) -> list[Entry]:
        taken, self.recovered = self.recovered, []
        return taken

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def entry(self, key: str) -> Entry | None:
        """The send (or refusal for good) of that key, the latest one: when it went, to whom, as what."""
        if self._by_key is None or self._by_key_indexed != len(self.entries):
            self._by_key = {e.key: e for e in self.entries}
            self._by_key_indexed = len(self.entries)
        return self._by_key.get(key)

    def record(self, entry: Entry) -> None:
        """Remember a send: first in the write-ahead file (on disk before anything else happens)."""
        self.wal.append(entry)
        self.keys.add(entry.key)
        self.entries.append(entry)

    def record_deferral(self, entry: Entry) -> bool:
        """Remember the first time a server deferred an email (in the write-ahead file first, like a send);
        False when an earlier deferral of it is already remembered (only the first one is written)."""
        if entry.key in self.deferrals:
            return False
        self.wal.append(entry)
        self.deferrals[entry.key] = entry
        return True

    def deferred_too_long(self, email: Email, now: datetime, answer: str = "") -> pb.Problem | None:
        """The anomaly for an email still due that a server first deferred more than a day before ``now``."""
        first = self.deferrals.get(email.key)
        if first is None or first.date is None or email.key in self.keys or now - first.date <= DEFERRED_TOO_LONG:
            return None
        return deferral_problem(first, answer or first.deferred, self.tz)

    def compact(self) -> None:
        """Drop from the write-ahead file what the tab already showed when this run read it."""
        kept = [e for e in self.wal.read() if not self.archived(e.sale, e.date)
                and e.key not in self.table_keys and not (e.deferred and e.key in self.table_deferrals)]
        self.wal.rewrite(kept)

    def sent_on(self, day) -> int:
        """How many emails went out on that day (group time zone): the daily limit counts them."""
        count = 0
        for entry in self.entries:
            if entry.date is None:
                continue
            moment = entry.date.astimezone(self.tz) if self.tz and entry.date.tzinfo else entry.date
            count += moment.date() == day
        return count

    def last_order_entry(self, sale: str, recipient: str) -> Entry | None:
        """The latest order email (confirmation, modified, cancelled, cut) this household received for a sale."""
        if self._last_orders is None or self._indexed != len(self.entries):
            # one pass over the journal for all households (asked once per household of a sale, and a big
            # journal holds tens of thousands of entries); rebuilt whenever an entry was added since
            self._last_orders = {(e.sale, e.recipient): e for e in self.entries if e.kind in kinds.ORDER_KINDS}
            self._indexed = len(self.entries)
        return self._last_orders.get((sale, recipient.strip().lower()))

    def sent(self, kind: str, sale: str) -> list[Entry]:
        """Every email of one kind already sent (or refused for good) in a sale: for the emails that go once
        per sale and recipient whatever their content has become since (the recaps)."""
        return [entry for entry in self.entries if entry.kind == kind and entry.sale == sale]

    def rows(self, entries: Iterable[Entry]) -> list[list]:
        """Journal rows laid out under the tab's header as it is in the sheet."""
        return [sheet.align(self.header, entry.record(), sheet.JOURNAL) for entry in entries]

    def changes(self, rows: list[list]) -> Changes:
        """The store write that appends these rows to the Journal tab."""
        return Changes(append={sheet.JOURNAL.name: Append(self.header, rows)})

    def refusals(self) -> list[pb.Problem]:
        """The addresses a server refused, for the Anomalies tab of every run (they are not retried with the
        same content; correcting the address sends the email to the new one)."""
        return [refusal_problem(entry) for entry in self.entries if entry.refused]


def refusal_problem(entry: Entry) -> pb.Problem:
    return pb.warning(sheet.JOURNAL.name, None, "Destinataire",
                      f"l'adresse a été refusée ({entry.refused}) pour « {entry.subject} » : vérifiez-la (onglet "
                      "Clients ou Producteurs) ; ce message ne sera pas renvoyé tel quel", entry.recipient, entry.sale)


def deferral_problem(first: Entry, answer: str, tz: ZoneInfo | None = None) -> pb.Problem:
    since = first.date.astimezone(tz) if tz and first.date and first.date.tzinfo else first.date
    return pb.warning(sheet.JOURNAL.name, None, "Destinataire",
                      f"le serveur de messagerie refuse temporairement l'e-mail « {first.subject} » "
                      f"({first.label}) depuis le {since:%d/%m/%Y à %H:%M} ({answer}) : vérifiez "
                      "l'adresse (onglet Clients ou Producteurs) ou contactez la personne autrement (boîte pleine, "
                      "compte fermé…) ; Paniers réessaie à chaque passage", first.recipient, first.sale)


# --- who needs which order email --------------------------------------------------------------

def _digest(value: object, length: int) -> str:
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:length]


def requested_part(quantities: Iterable[tuple[str, int]]) -> str:
    return _digest(sorted((str(p), int(q)) for p, q in quantities if int(q) > 0), 8)


def order_fingerprint(lines: pd.DataFrame) -> str:
    """What a household asked for and what it was granted: ``<requested>.<allocated>``. The rendering,
    prices or wording do not count: a template change never re-sends a confirmation."""
    return _fingerprint(list(zip(lines["product"], lines["requested"], lines["allocated"], strict=True)))


def _fingerprint(items: list[tuple[str, int, int]]) -> str:
    """``order_fingerprint`` of a household's (product, requested, allocated)."""
    requested = requested_part((p, r) for p, r, _ in items)
    allocated = _digest(sorted((str(p), int(a)) for p, _, a in items), 4)
    return f"{requested}.{allocated}"


def _base(fingerprint: str) -> str:
    return ".".join(fingerprint.split(".")[:2])


@dataclass(frozen=True)
class OrderNotice:
    """One order email due to one household."""

    kind: str  # kinds.CONFIRMATION.name, MODIFIED, CANCELLED or CUT
    sale: str
    email: str
    fingerprint: str
    previous_at: datetime | None = None  # MODIFIED: the submission the household last heard about
    variant: str = ""  # CUT: kinds.COMPLETE when nothing is short any more (the email says the order is complete)


def submissions_of(book: OrderBook, sale: str, email: str) -> list[tuple[datetime, dict[str, int]]]:
    """Each submission of a household in a sale, oldest first, as {product: quantity}."""
    rows = book.submissions[(book.submissions["sale"] == sale) & (book.submissions["email"] == email)]
    grouped: dict[datetime, dict[str, int]] = {}
    for row in rows.itertuples(index=False):
        grouped.setdefault(row.submitted_at, {})[row.product] = int(row.requested)
    return sorted(grouped.items(), key=lambda item: item[0])


def order_notices(book: OrderBook, sale: str, journal: Journal) -> list[OrderNotice]:
    """Which households of a sale need which order email now (pure: the book and the journal in, notices out).

    - never told anything, or told of a cancellation and ordering again: a confirmation;
    - told of an order, and what they asked for changed since: one "modified" email;
    - told of an order, only what they are granted changed (stock): a "cut" email;
    - told of an order, and it is now cancelled: a "cancelled" email (none if never confirmed).
    """
    notices = []
    households = book.households[book.households["sale"] == sale]
    lines = book.lines[book.lines["sale"] == sale]
    by_email: dict[str, list[tuple[str, int, int]]] = {}  # one pass over the lines, not one per household
    for email, product, requested, allocated in zip(lines["email"], lines["product"], lines["requested"],
                                                    lines["allocated"], strict=True):
        by_email.setdefault(email, []).append((product, requested, allocated))
    for household in households.itertuples(index=False):
        email = household.email
        if not reachable(email):
            continue  # a household without email: its order is printed (récapitulatif), never emailed
        last = journal.last_order_entry(sale, email)
        told_of_order = last is not None and last.kind != kinds.CANCELLED.name
        if household.status == CANCELLED:
            if told_of_order:
                fingerprint = "x" + _digest(household.submitted_at.isoformat(), 8)
                notices.append(OrderNotice(kinds.CANCELLED.name, sale, email, fingerprint))
            continue
        own = by_email.get(email)
        if not own:
            continue
        fingerprint = _fingerprint(own)
        if not told_of_order:
            notices.append(OrderNotice(kinds.CONFIRMATION.name, sale, email,
                                       _unique(kinds.CONFIRMATION.name, sale, email, fingerprint, household, journal)))
            continue
        if _base(last.fingerprint) == fingerprint:
            continue
        if last.fingerprint.split(".")[0] == fingerprint.split(".")[0]:
            complete = all(int(allocated) >= int(requested) for _, requested, allocated in own)
            notices.append(OrderNotice(kinds.CUT.name, sale, email,
                                       _unique(kinds.CUT.name, sale, email, fingerprint, household, journal),
                                       variant=kinds.COMPLETE if complete else ""))
            continue
        previous_at = _previous_submission(book, sale, email, household.submitted_at, last.fingerprint)
        notices.append(OrderNotice(kinds.MODIFIED.name, sale, email,
                                   _unique(kinds.MODIFIED.name, sale, email, fingerprint, household, journal),
                                   previous_at))
    return notices


def _unique(kind: str, sale: str, email: str, fingerprint: str, household, journal: Journal) -> str:
    """The same content told twice in one sale (A, then B, then A again): a suffix tells the two emails apart."""
    if make_key(kind, sale, email, fingerprint) in journal:
        return f"{fingerprint}.{_digest(household.submitted_at.isoformat(), 4)}"
    return fingerprint


def _previous_submission(book: OrderBook, sale: str, email: str, latest: datetime,
                         told: str) -> datetime | None:
    """The submission whose content the household was last told about (else the one before the latest)."""
    earlier = [(at, content) for at, content in submissions_of(book, sale, email) if at < latest]
    wanted = told.split(".")[0]
    for at, content in reversed(earlier):
        if requested_part(content.items()) == wanted:
            return at
    return earlier[-1][0] if earlier else None
