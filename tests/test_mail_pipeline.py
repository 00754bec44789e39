"""The mail layer wired as the schedule will wire it: the demo workbook, the Journal tab, the outbox."""

from __future__ import annotations

from mailkit import Order, at, demo_catalogue, make_book, sale

from sync import config as config_module
from sync import demo, sheet, snapshot
from sync.mail import compose
from sync.mail.backends import open_mailer
from sync.mail.journal import Journal
from sync.mail.send import Limits, deliver
from sync.stores import MemoryStore


def run(store, config, book, now):
    snap = snapshot.read(store, config)
    journal = Journal.load(snap.grid(sheet.JOURNAL), config.mail.journal_wal, config.tz)
    letterhead = compose.Letterhead.from_config(config)
    emails = compose.order_updates(letterhead, demo_catalogue(), sale(), book, journal)
    result = deliver(emails, open_mailer(config, {}), journal, Limits.from_config(config), now,
                     flush=lambda rows: store.write(journal.changes(rows)), batch=2)
    store.write(journal.changes(result.rows))
    return result


def test_a_run_then_a_rerun_through_the_workbook(tmp_path):
    config = config_module.from_dict({"mail": {"max_per_run": 3}}, base_dir=tmp_path)
    store = MemoryStore(demo.build())
    book = make_book(*(Order(f"foyer{i}@example.net", {"PAIN1": 1}) for i in range(5)))
    first = run(store, config, book, at("2026-12-02 10:00"))
    assert len(first.sent) == 3 and len(first.postponed) == 2
    second = run(store, config, book, at("2026-12-02 10:15"))
    assert len(second.sent) == 2  # the journal says who was confirmed: only the others are composed
    third = run(store, config, book, at("2026-12-02 10:30"))
    assert not third.sent and not third.postponed
    journal_tab = store.read([sheet.JOURNAL.name])[sheet.JOURNAL.name]
    assert journal_tab[0] == sheet.JOURNAL.header and len(journal_tab) == 6
    assert [row[2] for row in journal_tab[1:]] == ["Confirmation de commande"] * 5
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 5
    assert not (tmp_path / "journal-envois.jsonl").read_text()  # all in the tab: nothing left to recover
