"""deliver(): never twice, limits and postponement, journaling in batches, recovery after a crash."""

from __future__ import annotations

import pytest
from mailkit import PARIS, Order, at, demo_catalogue, letterhead, make_book, sale
from plain import plain

from sync import sheet
from sync.mail import compose
from sync.mail.journal import Journal, WriteAheadLog
from sync.mail.memory import MemoryMailer
from sync.mail.send import Limits, deliver

NOW = at("2026-12-05 10:00")


def orders(n: int) -> list[Order]:
    return [Order(f"foyer{i:02d}@example.net", {"PAIN1": 1 + i % 3}, first_name=f"Foyer {i}") for i in range(n)]


def confirmations(n: int):
    return compose.order_updates(letterhead(), demo_catalogue(), sale(), make_book(*orders(n)),
                                 Journal([], None, PARIS))


def announcements(n: int):
    return [compose.orders_open(letterhead(), demo_catalogue(), sale(),
                                compose.Recipient(f"abonne{i:02d}@example.org", "Abonné")) for i in range(n)]


def test_limits_postpone_the_excess_and_the_next_runs_send_it():
    emails = [*announcements(3), *confirmations(4)]
    journal, mailer = Journal([], None, PARIS), MemoryMailer()
    first = deliver(emails, mailer, journal, Limits(max_per_run=3, max_per_day=100), NOW)
    assert [e.kind for e in first.sent] == ["confirmation"] * 3  # the urgent ones first
    assert len(first.postponed) == 4 and first.limit == "limite de 3 par passage"
    assert plain(first.summary()) == ("3 e-mails envoyés, 4 reportés au prochain passage (limite de 3 par passage)")
    second = deliver(emails, mailer, journal, Limits(max_per_run=3, max_per_day=100), NOW)
    assert [e.kind for e in second.sent] == ["confirmation", "orders_open", "orders_open"]
    assert len(second.already_sent) == 3
    third = deliver(emails, mailer, journal, Limits(max_per_run=3, max_per_day=100), NOW)
    assert len(third.sent) == 1 and not third.postponed and len(third.already_sent) == 6
    assert sorted(e.key for e, _ in mailer.sent) == sorted(e.key for e in emails)  # every one, once


def test_the_daily_limit_counts_what_the_journal_says_went_out_today():
    emails = confirmations(6)
    journal, mailer = Journal([], None, PARIS), MemoryMailer()
    deliver(emails[:2], mailer, journal, Limits(), at("2026-12-04 23:50"))  # yesterday: does not count
    deliver(emails[2:3], mailer, journal, Limits(), at("2026-12-05 00:10"))
    result = deliver(emails, mailer, journal, Limits(max_per_run=10, max_per_day=2), NOW)
    assert len(result.sent) == 1 and len(result.postponed) == 2
    assert result.limit == "limite de 2 par jour atteinte"


def test_the_same_email_given_twice_goes_once():
    [email] = confirmations(1)
    mailer = MemoryMailer()
    result = deliver([email, email], mailer, Journal([], None, PARIS), Limits(), NOW)
    assert len(mailer.sent) == 1 and len(result.sent) == 1


def test_a_long_run_flushes_the_journal_in_batches_and_returns_the_rest():
    emails = confirmations(7)
    flushed: list[list[list]] = []
    result = deliver(emails, MemoryMailer(), Journal([], None, PARIS), Limits(), NOW, flush=flushed.append, batch=3)
    assert [len(batch) for batch in flushed] == [3, 3]
    assert len(result.rows) == 1  # for the run's single write
    keys = [row[sheet.JOURNAL.header.index("Clé")] for batch in [*flushed, result.rows] for row in batch]
    assert keys == [e.key for e in result.sent]
    small = deliver(confirmations(2), MemoryMailer(), Journal([], None, PARIS), Limits(), NOW, flush=flushed.append)
    assert len(flushed) == 2 and len(small.rows) == 2  # a small run: only the single write


def test_crash_before_the_journal_is_written_is_recovered(tmp_path):
    emails = confirmations(5)
    wal = tmp_path / "journal-envois.jsonl"
    tab: list[list] = [sheet.JOURNAL.header]
    mailer = MemoryMailer()

    def power_cut(rows):
        raise RuntimeError("coupure de courant")

    with pytest.raises(RuntimeError):
        deliver(emails, mailer, Journal.load(tab, wal, PARIS), Limits(), NOW, flush=power_cut, batch=2)
    assert len(mailer.sent) == 2 and len(tab) == 1  # two went out; the sheet knows nothing

    journal = Journal.load(tab, wal, PARIS)
    assert len(journal.recovered) == 2
    result = deliver(emails, mailer, journal, Limits(), NOW)
    assert len(result.sent) == 3 and len(result.already_sent) == 2
    assert len(result.rows) == 5  # the two recovered, then the three new ones
    tab += result.rows
    assert sorted(e.key for e, _ in mailer.sent) == sorted(e.key for e in emails)  # none twice

    final = deliver(emails, mailer, Journal.load(tab, wal, PARIS), Limits(), NOW)
    assert not final.sent and not final.rows and len(final.already_sent) == 5
    assert WriteAheadLog(wal).read() == []  # everything is in the tab now: the local file is emptied


def test_a_second_run_at_the_same_time_sends_nothing(tmp_path):
    wal = WriteAheadLog(tmp_path / "wal.jsonl")
    mailer = MemoryMailer()
    with wal.lock() as mine:
        assert mine
        result = deliver(confirmations(2), mailer, Journal([], wal, PARIS), Limits(), NOW)
    assert not mailer.sent and len(result.postponed) == 2 and "autre passage" in result.error
    after = deliver(confirmations(2), mailer, Journal([], wal, PARIS), Limits(), NOW)
    assert len(after.sent) == 2


def test_a_run_that_started_before_another_finished_sees_its_sends(tmp_path):
    wal = tmp_path / "wal.jsonl"
    emails = confirmations(3)
    early = Journal.load([sheet.JOURNAL.header], wal, PARIS)  # read the sheet before the other run sent
    mailer = MemoryMailer()
    deliver(emails, mailer, Journal.load([sheet.JOURNAL.header], wal, PARIS), Limits(), NOW)
    late = deliver(emails, mailer, early, Limits(), NOW)
    assert not late.sent and len(mailer.sent) == 3


def test_refused_and_invalid_addresses_are_reported_in_french():
    emails = confirmations(3)
    bad = compose.orders_open(letterhead(), demo_catalogue(), sale(), compose.Recipient("pas-une-adresse"))
    journal = Journal([], None, PARIS)
    result = deliver([*emails, bad], MemoryMailer(refuse=[emails[0].recipient]), journal, Limits(), NOW)
    assert len(result.sent) == 2 and len(result.refused) == 2 and not result.postponed
    assert plain(result.summary()) == "2 e-mails envoyés, 2 refusés par le serveur"
    assert {p.value for p in result.problems} == {emails[0].recipient, "pas-une-adresse"}
    assert all(p.tab == "Journal" for p in result.problems)
    assert emails[0].key in journal and bad.key not in journal
    lines = result.report()
    assert plain(lines[0]) == "2 e-mails envoyés, 2 refusés par le serveur."
    assert any("pas-une-adresse" in line for line in lines)


def test_the_summary_says_written_when_the_emails_only_go_to_the_outbox():
    from sync.mail.send import Delivery

    result = Delivery(sent=[object(), object()])
    assert plain(result.summary(("e-mail écrit", "e-mails écrits"))) == "2 e-mails écrits"
