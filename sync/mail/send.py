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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from .. import problems as pb
from .. import sheet
from ..config import Config
from ..errors import MailError
from ..french import plural
from ..households import is_pseudo_key
from ..values import long_datetime, parse_email
from . import kinds
from .journal import Entry, Journal, refusal_problem
from .mailer import DEFERRED, REFUSED, SENT, Mailer
from .message import Draft, Email, Outgoing, person

BATCH = 25  # Journal rows per flush during a long run: a crash loses at most these (the local file keeps them)


@dataclass(frozen=True)
class Limits:
    max_per_run: int = 100
    max_per_day: int = 400

    @classmethod
    def from_config(cls, config: Config) -> Limits:
        return cls(config.mail.max_per_run, config.mail.max_per_day)


LISTED = 10  # emails listed in a group of the report that can be long (already sent, postponed), before a count


@dataclass
class Delivery:
    """What a run did with its emails, for the job's French report (``report()``): each email sent, already sent,
    postponed, deferred, refused or not sent, named with who it was for and why."""

    sent: list[Email] = field(default_factory=list)
    already_sent: list[Email | Draft] = field(default_factory=list)
    postponed: list[Email | Draft] = field(default_factory=list)  # over a limit, deferred by the server, or unsent
    refused: list[tuple[Email, str]] = field(default_factory=list)
    deferred: list[tuple[Email, str]] = field(default_factory=list)  # by the server (4xx), with its answer
    skipped: list[tuple[Email | Draft, str]] = field(default_factory=list)  # never tried: why (no address…)
    rows: list[list] = field(default_factory=list)  # Journal rows not flushed yet: the caller writes them
    problems: list[pb.Problem] = field(default_factory=list)
    error: str = ""  # why sending stopped early (server unreachable, login refused, quota…)
    limit: str = ""  # which limit postponed emails
    earlier: dict[str, Entry] = field(default_factory=dict)  # key -> the Journal's send of each already sent

    def summary(self, done: tuple[str, str] = ("e-mail envoyé", "e-mails envoyés")) -> str:
        """« 12 e-mails envoyés, 3 déjà envoyés, 40 reportés au prochain passage, 1 refusé » (``done``: the
        words for what this run did with them, « écrits » when they only go to the outbox folder)."""
        parts = [plural(len(self.sent), *done)]
        if self.already_sent:
            parts.append(plural(len(self.already_sent), "déjà envoyé", "déjà envoyés"))
        waiting = self._waiting()
        if waiting:
            reason = f" ({self.limit})" if self.limit else ""
            parts.append(plural(len(waiting), "reporté", "reportés") + " au prochain passage" + reason)
        if self.deferred:
            parts.append(plural(len(self.deferred), "reporté par le serveur", "reportés par le serveur"))
        if self.refused:
            parts.append(plural(len(self.refused), "refusé par le serveur", "refusés par le serveur"))
        if self.skipped:
            parts.append(plural(len(self.skipped), "non envoyé", "non envoyés"))
        return ", ".join(parts)

    def report(self, outbox: bool = False, listed: int = LISTED) -> list[str]:
        """The run's report: a summary line, then one line per email, grouped by what became of it: to whom it
        went (label, sale, name and address), which were already sent (when), which wait for the next run and
        why (a limit, the server's answer, a stopped run), which were refused and why, which were not tried.
        The groups that can be long (already sent, postponed: an announcement to two thousand subscribers waits
        behind the limits) list ``listed`` emails, then count the others by label. ``outbox``: nothing leaves
        the machine, the emails are written to the outbox folder (« écrit » rather than « envoyé »)."""
        done = ("e-mail écrit", "e-mails écrits") if outbox else ("e-mail envoyé", "e-mails envoyés")
        lines = [self.summary(done) + "."]
        if self.error:
            lines.append(f"Envoi interrompu : {self.error}")
        lines += _group("Écrits dans la boîte d'envoi" if outbox else "Envoyés",
                        [_line(e, _who(e)) for e in _ordered(self.sent)])
        already = _ordered(self.already_sent)
        lines += _group("Déjà envoyés (rien de nouveau à leur dire)",
                        [_line(e, e.recipient + self._when(e)) for e in already], listed,
                        [kinds.label_of(e) for e in already])
        lines += _group("Reportés par le serveur de messagerie (nouvel essai au prochain passage)",
                        [_line(e, _who(e), f"reporté par le serveur ({answer})")
                         for e, answer in _ordered(self.deferred)])
        waiting = _ordered(self._waiting())
        why = self.limit or (f"envoi interrompu : {self.error}" if self.error else "")
        lines += _group("Reportés au prochain passage" + (f" ({why.rstrip('.')})" if why else ""),
                        [_line(e, e.recipient) for e in waiting], listed, [kinds.label_of(e) for e in waiting])
        lines += _group("Refusés (ils ne seront pas renvoyés tels quels : vérifiez l'adresse)",
                        [_line(e, _who(e), f"refusé ({answer})") for e, answer in _ordered(self.refused)])
        lines += _group("Non envoyés", [_line(e, e.recipient, why) for e, why in _ordered(self.skipped)])
        return lines

    def _waiting(self) -> list[Email | Draft]:
        """The postponed emails a server did not defer (those have their own group): over a limit, or unsent."""
        deferred = {e.key for e, _ in self.deferred}
        return [e for e in self.postponed if e.key not in deferred]

    def _when(self, email: Email | Draft) -> str:
        entry = self.earlier.get(email.key)
        if entry is None or entry.date is None:
            return ""
        return f", le {long_datetime(entry.date)}"


def _ordered(items: list) -> list:
    """Emails (or (email, why) pairs) the most urgent first (as they go: the postponed ones listed are the next to
    go), then by sale, label and address: a long list is read by what it holds."""
    def key(item) -> tuple[int, str, str, str]:
        email = item[0] if isinstance(item, tuple) else item
        return kinds.priority(email.kind), email.sale, kinds.label_of(email), email.recipient
    return sorted(items, key=key)


def _who(email: Email) -> str:
    return person(email.recipient_name or "", email.recipient)


def _line(email: Email | Draft, who: str, why: str = "") -> str:
    """« 2026-12 · Commande complète (stock revenu) → Martine Ducloux <martine@…> : why »."""
    what = kinds.label_of(email)
    if email.kind == kinds.MESSAGE.name and isinstance(email, Email):
        what += f" « {email.subject} »"  # a message's label says nothing of it: its subject does
    sale = f"{email.sale} · " if email.sale else ""
    return f"    - {sale}{what} → {who}" + (f" : {why}" if why else "")


def _group(title: str, lines: list[str], listed: int | None = None, labels: list[str] | None = None) -> list[str]:
    """A heading with its count, then its lines; past ``listed`` of them, the others counted by label."""
    if not lines:
        return []
    shown = lines if listed is None or len(lines) <= listed else lines[:listed]
    out = [f"  {title} : {len(lines)}", *shown]
    if len(shown) < len(lines):
        others = Counter((labels or [])[len(shown):])
        detail = ", ".join(f"{label} : {count}" for label, count in sorted(others.items()))
        out.append(f"    … et {plural(len(lines) - len(shown), 'autre')}" + (f" ({detail})" if detail else "") + ".")
    return out


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
    due.sort(key=lambda e: kinds.priority(e.kind))  # stable
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
        result.earlier = {e.key: entry for e in result.already_sent if (entry := journal.entry(e.key)) is not None}
        result.skipped = [(e, "pas d'adresse e-mail (un foyer sans e-mail ne reçoit rien)")
                          for e in {e.key: e for e in emails}.values() if is_pseudo_key(e.recipient)]
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
