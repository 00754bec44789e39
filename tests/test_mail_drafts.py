"""Drafts: the schedule names every email due by its key, and only those the limits let go are written;
the journal is flushed by time, not after every few sends."""

from __future__ import annotations

from conftest import at
from mailkit import PARIS, Order, demo_catalogue, letterhead, make_book, sale

from sync import cycle, refresh, snapshot
from sync.mail import compose
from sync.mail.journal import Journal
from sync.mail.memory import MemoryMailer
from sync.mail.message import Draft
from sync.mail.send import Limits, deliver

NOW = at("2026-12-05 10:00")


def counted_drafts(n: int) -> tuple[list[Draft], list[str]]:
    written: list[str] = []
    book = make_book(*[Order(f"foyer{i:02d}@example.net", {"PAIN1": 1}) for i in range(n)])
    drafts = compose.order_drafts(letterhead(), demo_catalogue(), sale(), book, Journal([], None, PARIS))

    def counting(draft: Draft) -> Draft:
        def write():
            written.append(draft.recipient)
            return draft.write()
        return Draft(draft.kind, draft.sale, draft.recipient, draft.fingerprint, write)

    return [counting(d) for d in drafts], written


def test_only_the_emails_the_limits_let_go_are_written():
    drafts, written = counted_drafts(10)
    mailer = MemoryMailer()
    result = deliver(drafts, mailer, Journal([], None, PARIS), Limits(max_per_run=3), NOW)
    assert len(result.sent) == 3 and len(result.postponed) == 7
    assert len(written) == 3  # seven drafts were never rendered
    assert [e.key for e, _ in mailer.sent] == [d.key for d in drafts[:3]]
    assert all(message["Subject"] for message in mailer.messages)


def test_a_draft_is_the_email_it_promises(demo_store, config):
    # the demo at the opening of the December sale: announcements to every subscriber, confirmations
    now = at("2026-12-02 10:00")
    result = refresh.refresh(snapshot.read(demo_store, config), config, now)
    due = cycle.plan(result, Journal([], None, PARIS), compose.Letterhead.from_config(config))
    drafts = [e for e in due.emails if isinstance(e, Draft)]
    assert {d.kind for d in drafts} >= {"orders_open", "confirmation"}
    for draft in drafts:
        email = draft.ready()  # raises when the key written differs from the key promised
        assert email.key == draft.key and email.recipient == draft.recipient
        assert draft.ready() is email  # written once
        assert draft.subject == email.subject and draft.html is email.html  # and reads as the email it is


def test_the_journal_is_flushed_by_time_not_after_every_batch():
    drafts, _ = counted_drafts(9)
    ticks = iter(range(0, 1000, 10))  # each look at the clock: ten more seconds

    flushed: list[int] = []
    result = deliver(drafts, MemoryMailer(), Journal([], None, PARIS), Limits(), NOW,
                     flush=lambda rows: flushed.append(len(rows)), batch=2, interval=35, clock=lambda: next(ticks))
    # the clock is read at the start (0) and once a batch is full: 10, 20, 30 are too early, 40 flushes the
    # five rows so far (and the flush time is 50); then 60, 70, 80 are too early again
    assert flushed == [5]
    assert len(result.rows) == 4 and len(result.sent) == 9
    fast: list[int] = []
    deliver(counted_drafts(9)[0], MemoryMailer(), Journal([], None, PARIS), Limits(), NOW,
            flush=lambda rows: fast.append(len(rows)), batch=2, interval=60, clock=lambda: 0.0)
    assert fast == []  # a fast server: every row waits for the run's single write
