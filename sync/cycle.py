"""The monthly cycle: which emails are due at ``now``, for every sale, from one refresh and the journal.

This joins the schedule (``schedule.py``: when each step of a sale is due), the order book and the
mail layer (``mail/compose.py``: how each email is written). It decides *what* would go now; the
journal (``mail/send.py``) keeps anything from going twice, so composing an email that was already
sent is harmless. ``tick`` sends the plan, ``preview`` writes it to a folder.

Attachments (PDF lists, spreadsheets) cost time to render, so they are only built for the producer
lists and closing summaries that have not gone out yet; likewise the recaps' charts are only drawn for
the recaps that have not gone out yet (a recap goes once per sale and recipient, see ``due_recaps``).

For the same reason, the emails that go to many people (announcements, reminders, order emails) come
out as drafts (``mail.message.Draft``): their keys are known at once, and only those the sending limits
let go now are written (a sale of 2 000 households would otherwise render 4 000 emails in every run to
send 100).

The « modifier ma commande » links of confirmation and "modified" emails come from the sale's
published form (the ``Formulaire`` tab, ``forms.prefill``), while its orders are open (``edit_links``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

import pandas as pd

from . import lists, schedule, sheet
from . import messages as messages_module
from . import problems as pb
from .forms.prefill import form_info, prefill_url
from .french import de
from .mail import announced, compose, kinds
from .mail.journal import Journal
from .mail.message import Attachment, Draft, Email, make_key
from .orderbook import CANCELLED, OrderBook
from .orders.frames import records, values
from .problems import Problem
from .refresh import Refresh

# Which emails each step of a sale's timeline sends (the order emails flow on their own).
STEP_KINDS = {
    schedule.ANNOUNCE: (kinds.ORDERS_OPEN.name,),
    schedule.CLOSING_REMINDER: (kinds.CLOSING_REMINDER.name,),
    schedule.CLOSING: (kinds.PRODUCER_ORDERS.name, kinds.CLOSING_SUMMARY.name),
    schedule.PICKUP_REMINDER: (kinds.PICKUP_REMINDER.name,),
    schedule.FOLLOW_UP: (kinds.FINAL_AMOUNTS.name,),
    schedule.RECAP: (kinds.PRODUCER_RECAP.name, kinds.COORDINATOR_RECAP.name),
}


@dataclass
class Plan:
    """The emails due now, and what to tell the coordinator about the timeline."""

    emails: list[Email | Draft] = field(default_factory=list)  # drafts are written only when they go
    notes: list[str] = field(default_factory=list)  # French lines: steps skipped (too late), recaps waiting
    problems: list[Problem] = field(default_factory=list)


def _attachments(documents: list[lists.Document]) -> list[Attachment]:
    return [Attachment(d.filename, d.content, d.mimetype) for d in documents]


def sales_in_play(result: Refresh, only: str | None = None) -> list[pd.Series]:
    """The sales for which something can still be due at ``now`` (all of them, or just ``only``)."""
    offsets = result.config.schedule
    sales = result.catalogue.sales
    # the calendar read as plain records (ten years are 120 sales), a row built only for the sales in play
    return [sales.iloc[position] for position, sale in enumerate(records(sales))
            if (only is None or sale["code"] == only) and schedule.active(sale, result.now, offsets)]


def step_emails(step: schedule.Step, sale: pd.Series, result: Refresh, journal: Journal,
                letterhead: compose.Letterhead, attach: bool) -> tuple[list[Email | Draft], list[Problem]]:
    """The emails one step of a sale sends (before the journal filters what already went)."""
    catalogue, book, now = result.catalogue, result.book, result.now
    code = sale["code"]
    def unsent(kind: kinds.Kind, address: str) -> bool:
        # one-per-sale emails have no content fingerprint: their key is known before writing them
        return make_key(kind.name, code, address, "") not in journal

    if step.name in (schedule.ANNOUNCE, schedule.CLOSING_REMINDER):
        # not to a household that has ordered already (a newcomer is subscribed by its first order)
        recipients = compose.without_order(compose.subscribers(result.snapshot.table(sheet.CLIENTS)), book, code)
        offer = _Once(lambda: compose.offer_view(catalogue, code))  # the same for everyone: built once, if needed
        if step.name == schedule.CLOSING_REMINDER:
            kind, write = kinds.CLOSING_REMINDER, compose.closing_reminder
            return [Draft(kind.name, code, r.email, "", partial(_with_offer, write, letterhead, catalogue, sale, r,
                                                                 offer))
                    for r in recipients if unsent(kind, r.email)], []
        # one announcement per household and sale; its key ends with the details it gives (announced.py)
        told = {e.recipient for e in journal.sent(kinds.ORDERS_OPEN.name, code)}
        details = announced.tag(sale)
        return [Draft(kinds.ORDERS_OPEN.name, code, r.email, details,
                      partial(_with_offer, compose.orders_open, letterhead, catalogue, sale, r, offer))
                for r in recipients if r.email not in told and unsent(kinds.ORDERS_OPEN, r.email)], []
    if step.name == schedule.CLOSING:
        emails, problems = compose.producer_order_drafts(letterhead, catalogue, sale, book)
        # each producer gets its list once; what changes after that goes as a "late change" email
        listed = {e.recipient for e in journal.entries if e.sale == code and e.kind == kinds.PRODUCER_ORDERS.name}
        emails = [e for e in emails if e.recipient not in listed]
        if not [e for e in emails if e.key not in journal] and not unsent(kinds.CLOSING_SUMMARY,
                                                                         letterhead.coordinator):
            return emails, problems  # everything went already: no summary to write again
        summary = compose.closing_summary(letterhead, catalogue, sale, book, (), result.problems_for(code))
        if attach:
            missing = {e.recipient for e in emails if e.key not in journal}
            producers = {
                code_: _attachments(lists.producer_documents(book, catalogue, code, code_, result.config, now))
                for code_, row in catalogue.producers.set_index("code").iterrows()
                if str(row["email"]).lower() in missing
            }
            if producers:
                emails, problems = compose.producer_order_drafts(letterhead, catalogue, sale, book, producers)
            if summary.key not in journal:
                documents = _attachments(lists.coordinator_documents(book, catalogue, code, result.config, now))
                summary = compose.closing_summary(letterhead, catalogue, sale, book, documents,
                                                  result.problems_for(code))
        return [*emails, summary], problems
    if step.name == schedule.PICKUP_REMINDER:
        return [Draft(kinds.PICKUP_REMINDER.name, code, email, "",
                      partial(compose.pickup_reminder, letterhead, catalogue, sale, book, email, now))
                for email in compose.reachable_collecting(book, code)
                if unsent(kinds.PICKUP_REMINDER, email)], []
    if step.name == schedule.FOLLOW_UP:
        return compose.final_amounts_drafts(letterhead, catalogue, sale, book, weighed(book, code)), []
    if step.name == schedule.RECAP:
        due = due_recaps(sale, result, journal, letterhead)
        history = result.history
        emails = [compose.producer_recap(letterhead, history, code, producer, charts=attach)
                  for producer in due.producers]
        if due.coordinator:
            emails.append(compose.coordinator_recap(letterhead, history, code, charts=attach))
        return [e for e in emails if e is not None], due.problems
    return [], []


@dataclass
class DueRecaps:
    """The recaps of a sale that go now, those waiting for the weights, and producers without an address."""

    producers: list[str] = field(default_factory=list)  # producer codes
    coordinator: bool = False
    waiting: list[str] = field(default_factory=list)  # French names: « Ferme des Trois Chênes », « l'animatrice »
    until: datetime | None = None  # when the waiting ones go anyway
    problems: list[Problem] = field(default_factory=list)


def due_recaps(sale: pd.Series, result: Refresh, journal: Journal, letterhead: compose.Letterhead) -> DueRecaps:
    """Which recaps of a sale go now (its RECAP step being due): one to each producer who sold something and
    one to the coordinator, each once per sale and recipient, whatever the figures have become since it went
    (a weight corrected later does not send a recap again). A recap waits for the weights of the lines sold
    by weight it counts, at most ``[schedule] recap_wait_hours`` after the end of the distribution."""
    code, book, catalogue, now = sale["code"], result.book, result.catalogue, result.now
    history = result.history
    until = wait_until(sale, result.config.schedule)
    found = DueRecaps(until=until)
    sent = {(e.recipient, e.fingerprint.split(".")[0]) for e in journal.sent(kinds.PRODUCER_RECAP.name, code)}
    for producer in compose.sellers(history, code):
        address = compose.producer_address(catalogue, producer)
        if address is None:
            rows = catalogue.producers[catalogue.producers["code"] == producer]
            found.problems.append(pb.warning(
                sheet.PRODUCERS.name, int(rows.iloc[0]["row"]) if not rows.empty else None, "Email",
                "ce producteur a vendu dans cette vente mais n'a pas d'adresse e-mail valable : son récapitulatif "
                "ne peut pas lui être envoyé", producer, code))
            continue
        if (address, compose.recap_tag(producer)) in sent:
            continue
        if recap_ready(book, code, now, until, producer):
            found.producers.append(producer)
        else:
            found.waiting.append(history.producer_name(producer))
    coordinator = letterhead.coordinator.strip().lower()
    if not any(e.recipient == coordinator for e in journal.sent(kinds.COORDINATOR_RECAP.name, code)):
        if recap_ready(book, code, now, until):
            found.coordinator = True
        else:
            found.waiting.append("l'animatrice")
    return found


def wait_until(sale: pd.Series, offsets) -> datetime:
    """When the recaps stop waiting for the weights: ``recap_wait_hours`` after the end of the distribution,
    but never so late that they could miss the follow-up window (12 hours before its end, for the ticks)."""
    end = schedule.distribution_end(sale)
    window_end = end + timedelta(days=offsets.follow_up_days)
    return max(end, min(end + timedelta(hours=offsets.recap_wait_hours), window_end - timedelta(hours=12)))


def recap_ready(book: OrderBook, sale: str, now: datetime, until: datetime, producer: str | None = None) -> bool:
    """Whether a recap's figures are final (every line sold by weight it counts has been weighed: the
    producer's, or the whole sale's), or it has waited for them long enough (``until``)."""
    if now >= until:
        return True
    lines = book.lines[book.lines["sale"] == sale]  # the sale first: the book holds every sale ever held
    lines = lines[lines["by_weight"].astype(bool)]
    if producer is not None:
        lines = lines[lines["producer"] == producer]
    lines = lines[lines["allocated"].map(int) > 0]
    return all(w is not None for w in lines["weight"])


def waiting_note(sale: pd.Series, due: DueRecaps) -> str | None:
    """A French line for the run's report when recaps wait for the weights."""
    if not due.waiting or due.until is None:
        return None
    names = [de(name) for name in due.waiting]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]
    what, go = ("le récapitulatif", "il partira") if len(names) == 1 else ("les récapitulatifs", "ils partiront")
    return (f"Vente {sale['code']} : {what} {who} en attente des pesées (onglet « Pesées ») ; "
            f"{go} au plus tard le {due.until:%d/%m à %H:%M}, avec les montants encore estimés.")


def edit_links(result: Refresh, sale: pd.Series) -> dict[str, str]:
    """The « modifier ma commande » link of each household of a sale, by address: the sale's published form
    pre-filled with its current order, while orders are open. A household whose order cannot be pre-filled
    exactly (``forms.prefill_url`` says None) has none; without a published form with checked entry
    numbers, nobody has one."""
    code = sale["code"]
    if result.now >= sale["closes"]:
        return {}
    info = form_info(result.snapshot.table(sheet.FORM), code)
    if info is None or not info.entries:
        return {}
    book = result.book
    households = book.households[(book.households["sale"] == code) & (book.households["status"] != CANCELLED)]
    lines = book.lines[book.lines["sale"] == code]
    rows = lines.groupby("email", sort=False).indices
    links = {}
    for household in households.to_dict("records"):
        own = lines.iloc[rows.get(household["email"], [])]
        url = prefill_url(info, own, household)
        if url:
            links[household["email"]] = url
    return links


def weighed(book, sale: str) -> list[str]:
    """Households whose every line sold by weight has been weighed, and that have at least one: their
    final amounts are known. (Until the last weight is in, an email would only say "estimate" again.)"""
    lines = book.lines[book.lines["sale"] == sale]
    lines = lines[lines["by_weight"].astype(bool)]
    lines = lines[lines["allocated"].map(int) > 0]
    waiting: dict[str, bool] = {}  # by address: a line still to weigh (one pass, not a group per household)
    for email, weight in values(lines, "email", "weight"):
        waiting[email] = waiting.get(email, False) or weight is None
    return sorted(email for email, unweighed in waiting.items() if not unweighed)


def plan(result: Refresh, journal: Journal, letterhead: compose.Letterhead, only: str | None = None,
         attach: bool = True) -> Plan:
    """Every email due at ``result.now``, and a note for each step that was missed (the machine was off)."""
    found = Plan()
    now, offsets = result.now, result.config.schedule
    in_play = sales_in_play(result, only)
    subscribers = _Once(lambda: compose.subscribers(result.snapshot.table(sheet.CLIENTS)))  # read once, if needed
    for sale in in_play:
        code = sale["code"]
        if schedule.orders_flow(sale, now, offsets):
            found.emails += compose.order_drafts(letterhead, result.catalogue, sale, result.book, journal,
                                                 edit_links(result, sale))
            if now >= sale["closes"]:
                late, problems = compose.late_change_emails(letterhead, result.catalogue, sale, result.book)
                found.emails += late
                found.problems += problems
        for step in schedule.timeline(sale, offsets):
            if step.due(now):
                emails, problems = step_emails(step, sale, result, journal, letterhead, attach)
                found.emails += emails
                found.problems += problems
                if step.name == schedule.RECAP:
                    note = waiting_note(sale, due_recaps(sale, result, journal, letterhead))
                    if note:
                        found.notes.append(note)
            elif step.missed(now) and step.name != schedule.FOLLOW_UP:
                sent = {e.kind for e in journal.entries if e.sale == code}
                if not sent & set(STEP_KINDS[step.name]) and would_send(step, sale, result, subscribers):
                    found.notes.append(f"Vente {code} : il est trop tard pour « {step.label} », rien n'est envoyé "
                                       f"(c'était dû du {step.at:%d/%m à %H:%M} au {step.until:%d/%m à %H:%M}).")
    for sale in in_play:
        found.emails += change_drafts(sale, result, journal, letterhead)
    emails, notes = message_drafts(result, journal, letterhead, only)
    found.emails += emails
    found.notes += notes
    if in_play and not digest_sent_today(journal, now):
        codes = {sale["code"] for sale in in_play}
        digest = compose.anomalies_digest(letterhead, [p for p in result.problems if p.sale in codes | {""}])
        if digest is not None:
            found.emails.append(digest)
    return found


def message_drafts(result: Refresh, journal: Journal, letterhead: compose.Letterhead, only: str | None = None
                   ) -> tuple[list[Draft], list[str]]:
    """The messages of the ``Messages`` tab due now, to each recipient who has not had them (``messages.py``:
    from their time, for ``messages.RECENT``); with ``only``, those of that sale. And a note for each message
    that never went and whose time is over (typed with an old date, or the machine was off for a week)."""
    now, drafts, notes = result.now, [], []
    clients = result.snapshot.table(sheet.CLIENTS)
    for message in result.messages:
        if only is not None and message.sale != only:
            continue
        if message.due(now):
            sale = messages_module.sale_row(result.catalogue, message)
            for reader in messages_module.audience(message, result.catalogue, result.book, clients):
                draft = Draft(kinds.MESSAGE.name, message.sale, reader.email, message.ident,
                              partial(compose.group_message, letterhead, message, reader, sale))
                if draft.key not in journal:
                    drafts.append(draft)
        elif (message.over(now) and now < message.at + messages_module.RECENT + timedelta(days=30)
              and not any(e.kind == kinds.MESSAGE.name and e.fingerprint == message.ident for e in journal.entries)):
            notes.append(f"Message « {message.subject} » (onglet Messages, ligne {message.row}) non envoyé : son "
                         f"heure d'envoi ({message.at:%d/%m à %H:%M}) est passée depuis plus de "
                         f"{messages_module.RECENT.days} jours. Pour l'envoyer quand même, changez sa date.")
    return drafts, notes


def change_drafts(sale: pd.Series, result: Refresh, journal: Journal, letterhead: compose.Letterhead) -> list[Draft]:
    """The "changement" emails of a sale whose distribution's date, hours or place changed after it was announced
    (``mail/announced.py``), from its opening until its distribution starts: to each household with an order and
    each subscriber (while orders are open) who was told the old details, and to each producer with orders; with
    the calendar's update for those who received its invitation."""
    now, code = result.now, sale["code"]
    if not sale["opens"] <= now < sale["distribution"]:
        return []
    change = announced.pending(sale, journal, now, result.config.tz)
    if change is None:
        return []
    told: set[str] = set()
    invited: set[str] = set()
    for entry in journal.entries:
        if entry.sale == code and entry.date is not None and entry.date < change.since:
            told.add(entry.recipient)
            if entry.kind == kinds.PICKUP_REMINDER.name:
                invited.add(entry.recipient)
    readers = [r for r in messages_module.sale_households(result.book, code) if r.email in told]
    # the producers of the orders that were there before the change (a later order's producer learns the new
    # details with its list)
    submissions = result.book.submissions
    earlier = {email for email, at in values(submissions[submissions["sale"] == code], "email", "submitted_at")
               if at < change.since}
    readers += messages_module.sale_producers(result.catalogue, result.book, code, earlier)
    if now < sale["closes"]:
        readers += [r for r in messages_module.subscribers(result.snapshot.table(sheet.CLIENTS)) if r.email in told]
    drafts = []
    for reader in messages_module.unique(readers):
        draft = Draft(kinds.CHANGE.name, code, reader.email, change.fingerprint,
                      partial(compose.change_email, letterhead, sale, change, reader, reader.email in invited, now),
                      compose.change_variant(change))
        if draft.key not in journal:
            drafts.append(draft)
    return drafts


class _Once:
    """A value computed the first time it is asked for, then kept."""

    def __init__(self, compute: Callable[[], object]):
        self.compute, self.done, self.value = compute, False, None

    def __call__(self):
        if not self.done:
            self.value, self.done = self.compute(), True
        return self.value


def _with_offer(write, letterhead, catalogue, sale, recipient, offer: _Once) -> Email:
    return write(letterhead, catalogue, sale, recipient, offer())


def would_send(step: schedule.Step, sale: pd.Series, result: Refresh,
               subscribers: Callable[[], list[compose.Recipient]] | None = None) -> bool:
    """Whether a step that was missed had anyone to write to (cheap: nothing is rendered, since the
    note is checked on every tick until the sale is over). ``subscribers``: the Clients tab's, when the
    caller keeps them (both the announcement and the reminder ask, and the tab may hold thousands)."""
    book, code = result.book, sale["code"]
    if step.name in (schedule.ANNOUNCE, schedule.CLOSING_REMINDER):
        everyone = subscribers() if subscribers is not None else compose.subscribers(
            result.snapshot.table(sheet.CLIENTS))
        return bool(compose.without_order(everyone, book, code))
    if step.name == schedule.CLOSING:
        return bool(compose.collecting_addresses(book, code))  # the producers' lists: every household counts
    if step.name == schedule.PICKUP_REMINDER:
        return bool(compose.reachable_collecting(book, code))
    return False


def digest_sent_today(journal: Journal, now) -> bool:
    """The anomalies digest goes at most once a day: a list that changes at every new response would
    otherwise fill the coordinator's mailbox. (The Anomalies tab is always up to date.)"""
    today = now.date()
    return any(e.kind == kinds.ANOMALIES.name and e.date is not None and e.date.astimezone(now.tzinfo).date() == today
               for e in journal.entries)
