"""Delivering a run's emails: skip what was sent, respect the limits, journal every send at once.

``deliver()`` is the one function the schedule calls. It never sends an email whose key is in the
journal; it sends at most ``max_per_run`` per run and ``max_per_day`` per day (today's sends are
counted from the journal), most urgent first, and leaves the rest for the next run (they are still
due then: nothing is dropped). Each send is written to the local write-ahead file the moment the
server accepts it; the Journal tab rows go through ``flush(rows)`` in batches during a long run, and
the last, partial batch comes back in ``Delivery.rows`` for the run's single write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from .. import problems as pb
from .. import sheet
from ..config import Config
from ..errors import MailError
from ..households import is_pseudo_key
from ..values import parse_email
from . import kinds
from .journal import Entry, Journal, refusal_problem
from .mailer import DEFERRED, REFUSED, SENT, Mailer
from .message import Draft, Email, Outgoing

BATCH = 25  # Journal rows per flush during a long run: a crash loses at most these (the local file keeps them)


@dataclass(frozen=True)
class Limits:
    max_per_run: int = 100
    max_per_day: int = 400

    @classmethod
    def from_config(cls, config: Config) -> Limits:
        return cls(config.mail.max_per_run, config.mail.max_per_day)


@dataclass
class Delivery:
    """What a run did with its emails, for the job's French report."""

    sent: list[Email] = field(default_factory=list)
    already_sent: list[Email | Draft] = field(default_factory=list)
    postponed: list[Email | Draft] = field(default_factory=list)  # over a limit, deferred by the server, or unsent
    refused: list[tuple[Email, str]] = field(default_factory=list)
    deferred: list[tuple[Email, str]] = field(default_factory=list)  # by the server (4xx), with its answer
    rows: list[list] = field(default_factory=list)  # Journal rows not flushed yet: the caller writes them
    problems: list[pb.Problem] = field(default_factory=list)
    error: str = ""  # why sending stopped early (server unreachable, login refused, quota…)
    limit: str = ""  # which limit postponed emails

    def summary(self, done: tuple[str, str] = ("e-mail envoyé", "e-mails envoyés")) -> str:
        """« 12 e-mails envoyés, 3 déjà envoyés, 40 reportés au prochain passage, 1 refusé » (``done``: the
        words for what this run did with them, « écrits » when they only go to the outbox folder)."""
        parts = [_count(len(self.sent), *done)]
        if self.already_sent:
            parts.append(_count(len(self.already_sent), "déjà envoyé", "déjà envoyés"))
        if self.postponed:
            reason = f" ({self.limit})" if self.limit else ""
            parts.append(_count(len(self.postponed), "reporté", "reportés") + " au prochain passage" + reason)
        if self.refused:
            parts.append(_count(len(self.refused), "refusé par le serveur", "refusés par le serveur"))
        return ", ".join(parts)

    def lines(self) -> list[str]:
        lines = [self.summary() + "."]
        if self.error:
            lines.append(f"Envoi interrompu : {self.error}")
        for email, answer in self.refused:
            lines.append(f"  ✗ {email.recipient} a été refusé ({answer}) : « {email.subject} ».")
        for email, answer in self.deferred:
            lines.append(f"  ~ {email.recipient} : e-mail « {kinds.label(email.kind)} » reporté par le serveur "
                         f"({answer}) ; nouvel essai au prochain passage.")
        return lines


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number <= 1 else many}"  # French: « 0 e-mail envoyé »


def plan(emails: Iterable[Email | Draft], journal: Journal, limits: Limits, now: datetime) -> tuple[
        list[Email | Draft], list[Email | Draft], list[Email | Draft], str]:
    """(to send now, already sent, postponed, the limit that postponed some): pure; by key and kind only, so
    drafts are not written here."""
    unique: dict[str, Email | Draft] = {}
    for email in emails:
        if is_pseudo_key(email.recipient):
            continue  # the last guard: a household without email (a pseudo-key) is never written to
        unique.setdefault(email.key, email)
    already = [e for e in unique.values() if e.key in journal]
    due = [e for e in unique.values() if e.key not in journal]
    due.sort(key=lambda e: kinds.KINDS[e.kind].priority if e.kind in kinds.KINDS else 50)  # stable
    left_today = max(0, limits.max_per_day - journal.sent_on(now.date()))
    budget = min(limits.max_per_run, left_today)
    limit = ""
    if len(due) > budget:
        limit = (f"limite de {limits.max_per_day} par jour atteinte" if left_today < limits.max_per_run
                 else f"limite de {limits.max_per_run} par passage")
    return due[:budget], already, due[budget:], limit


def deliver(emails: Iterable[Email | Draft], mailer: Mailer, journal: Journal, limits: Limits, now: datetime,
            flush: Callable[[list[list]], None] | None = None, batch: int = BATCH, interval: float = 0.0,
            clock: Callable[[], float] = time.monotonic) -> Delivery:
    """Send what is due and not yet sent; journal each send; report in French.

    ``flush(rows)`` writes Journal rows to the sheet (e.g. ``store.write(journal.changes(rows))``); it is
    called with a batch of at least ``batch`` rows once ``interval`` seconds (of ``clock``) have passed
    since the run started or last flushed. The remaining rows, and the rows the write-ahead file recovered
    from an earlier run, come back in ``Delivery.rows``: write them with the run's other changes. Without
    ``flush`` every row comes back in ``Delivery.rows``.

    On the local workbook ``tick`` flushes at most once a minute: a flush costs a whole save of it, while every
    send is already on disk, beside it, in the write-ahead file the moment the server accepts it. On Google
    Sheets it flushes every ``batch`` rows (a request each): a runner without a lasting disk whose final write
    fails sends again at most one batch (``GoogleSheetsStore.flush_interval``).
    """
    emails = list(emails)
    result = Delivery()
    with journal.wal.lock() as mine:
        if not mine:
            result.postponed = [e for e in {e.key: e for e in emails}.values() if e.key not in journal]
            result.error = "un autre passage est déjà en train d'envoyer des e-mails ; ceux-ci attendront."
            return result
        journal.refresh()  # what another run sent since this one read the Journal tab
        pending = journal.take_recovered()
        to_send, result.already_sent, result.postponed, result.limit = plan(emails, journal, limits, now)
        rows: list[list] = journal.rows(pending)
        last_flush = clock()

        def record(entry: Entry) -> None:
            nonlocal last_flush
            journal.record(entry)
            rows.extend(journal.rows([entry]))
            if flush is not None and len(rows) >= batch and clock() - last_flush >= interval:
                flush(list(rows))
                rows.clear()
                last_flush = clock()

        unsent = {e.key: e for e in to_send}
        try:
            for outcome in mailer.send(_messages(to_send, now, result)):
                email = outcome.email
                unsent.pop(email.key, None)
                if outcome.status == SENT:
                    result.sent.append(email)
                    record(Entry.of(email, now))
                elif outcome.status == REFUSED:
                    result.refused.append((email, outcome.detail))
                    result.problems.append(_refusal(email, outcome.detail))
                    record(Entry.of(email, now, refused=outcome.detail))
                elif outcome.status == DEFERRED:
                    result.postponed.append(email)
                    result.deferred.append((email, outcome.detail))
                    if journal.record_deferral(Entry.of(email, now, deferred=outcome.detail)):
                        rows.extend(journal.rows([journal.deferrals[email.key]]))
        except MailError as exc:
            result.error = str(exc)
            result.problems.append(pb.error(sheet.JOURNAL.name, None, "", f"envoi interrompu : {exc}"))
        finally:
            invalid = {e.key for e, _ in result.refused}
            result.postponed.extend(e for k, e in unsent.items() if k not in invalid)
            answers = {e.key: answer for e, answer in result.deferred}
            for email in result.postponed:  # still due, deferred by a server for more than a day: say so
                problem = journal.deferred_too_long(email, now, answers.get(email.key, ""))
                if problem is not None:
                    result.problems.append(problem)
            result.rows = rows
            journal.compact()
    return result


def _messages(emails: list[Email | Draft], now: datetime, result: Delivery) -> Iterator[tuple[Email, Outgoing]]:
    for item in emails:
        email = item.ready()  # a draft is written only now that it goes
        if not parse_email(email.recipient).ok:  # never reaches a server: reported, and not retried in vain
            result.refused.append((email, "adresse invalide"))
            result.problems.append(_refusal(email, "adresse invalide"))
            continue
        yield email, Outgoing(email, now)  # its bytes are written when the mailer asks for them


def _refusal(email: Email, answer: str) -> pb.Problem:
    """The same problem as ``Journal.refusals()`` gives on later runs (the Anomalies tab shows it once)."""
    return refusal_problem(Entry(email.key, None, email.sale, email.kind, email.recipient, email.subject,
                                 email.message_id, answer))
