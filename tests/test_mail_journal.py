"""Who gets which order email, and the journal read back from the sheet and from the local file."""

from __future__ import annotations

import json

from mailkit import PARIS, Order, at, demo_catalogue, letterhead, make_book, sale
from plain import plain

from sync import sheet
from sync.mail import compose
from sync.mail.journal import Entry, Journal, WriteAheadLog, order_notices
from sync.mail.memory import MemoryMailer
from sync.mail.message import split_key
from sync.mail.send import Limits, deliver
from sync.orderbook import CANCELLED

NOW = at("2026-12-05 10:00")
MARTINE = "martine.ducloux@example.org"


class Cycle:
    """Successive runs of the schedule over a changing order book, with one journal kept across runs."""

    def __init__(self):
        self.journal = Journal([], None, PARIS)
        self.mailer = MemoryMailer()

    def run(self, *orders: Order) -> list[str]:
        book = make_book(*orders)
        emails = compose.order_updates(letterhead(), demo_catalogue(), sale(), book, self.journal)
        result = deliver(emails, self.mailer, self.journal, Limits(), NOW)
        return [f"{e.kind} {e.recipient.split('.')[0]}" for e in result.sent]


def test_one_confirmation_then_nothing_until_the_order_changes():
    cycle = Cycle()
    first = Order(MARTINE, {"PAIN1": 2, "OEU1": 1}, at="2026-12-01 09:00")
    assert cycle.run(first) == ["confirmation martine"]
    assert cycle.run(first) == []
    # the same answers sent again (a double click): nothing new to say
    again = Order(MARTINE, {"PAIN1": 2, "OEU1": 1}, at="2026-12-01 09:01", history=[("2026-12-01 09:00",
                                                                                     {"PAIN1": 2, "OEU1": 1})])
    assert cycle.run(again) == []
    changed = Order(MARTINE, {"PAIN1": 3}, at="2026-12-02 09:00",
                    history=[("2026-12-01 09:00", {"PAIN1": 2, "OEU1": 1}), ("2026-12-01 09:01",
                                                                             {"PAIN1": 2, "OEU1": 1})])
    assert cycle.run(changed) == ["modified martine"]  # one "modified", not a second confirmation
    assert cycle.run(changed) == []
    email = cycle.mailer.sent[-1][0]
    assert "Pain de campagne 1 kg : 2 → 3" in plain(email.text)
    assert "Œufs plein air la douzaine : retiré" in plain(email.text)


def test_a_cut_in_stock_after_the_confirmation_sends_a_cut_email():
    cycle = Cycle()
    assert cycle.run(Order(MARTINE, {"PAIN1": 2, "VIA2": 1})) == ["confirmation martine"]
    assert cycle.run(Order(MARTINE, {"PAIN1": 2, "VIA2": (1, 0)})) == ["cut martine"]
    assert cycle.run(Order(MARTINE, {"PAIN1": 2, "VIA2": (1, 0)})) == []
    text = plain(cycle.mailer.sent[-1][0].text)
    assert "Colis de veau le colis (5 kg environ) : demandé 1, plus disponible" in text


def test_a_cut_known_at_confirmation_is_in_the_confirmation_only():
    cycle = Cycle()
    assert cycle.run(Order(MARTINE, {"PAIN1": 2, "VIA2": (1, 0)})) == ["confirmation martine"]
    assert cycle.run(Order(MARTINE, {"PAIN1": 2, "VIA2": (1, 0)})) == []


def test_cancelling_and_ordering_again():
    cycle = Cycle()
    assert cycle.run(Order(MARTINE, {"PAIN1": 2}, at="2026-12-01 09:00")) == ["confirmation martine"]
    history = [("2026-12-01 09:00", {"PAIN1": 2})]
    cancelled = Order(MARTINE, {}, status=CANCELLED, at="2026-12-02 09:00", history=history)
    assert cycle.run(cancelled) == ["cancelled martine"]
    assert cycle.run(cancelled) == []
    assert "Pain de campagne 1 kg" in plain(cycle.mailer.sent[-1][0].text)  # what was cancelled, for the record
    history.append(("2026-12-02 09:00", {}))
    back = Order(MARTINE, {"PAIN1": 2}, at="2026-12-03 09:00", history=history)
    assert cycle.run(back) == ["confirmation martine"]  # the same order as the first time: confirmed again
    assert cycle.run(back) == []
    keys = [e.key for e, _ in cycle.mailer.sent]
    assert len(set(keys)) == len(keys) == 3


def test_a_cancellation_never_confirmed_sends_nothing():
    cycle = Cycle()
    assert cycle.run(Order(MARTINE, {}, status=CANCELLED, history=[("2026-11-30 09:00", {"PAIN1": 1})])) == []


def test_back_and_forth_sends_one_email_per_change():
    cycle = Cycle()
    a, b = {"PAIN1": 1}, {"PAIN1": 2}
    assert cycle.run(Order(MARTINE, a, at="2026-12-01 09:00")) == ["confirmation martine"]
    assert cycle.run(Order(MARTINE, b, at="2026-12-02 09:00", history=[("2026-12-01 09:00", a)])) == \
        ["modified martine"]
    history = [("2026-12-01 09:00", a), ("2026-12-02 09:00", b)]
    assert cycle.run(Order(MARTINE, a, at="2026-12-03 09:00", history=history)) == ["modified martine"]
    history.append(("2026-12-03 09:00", a))
    assert cycle.run(Order(MARTINE, b, at="2026-12-04 09:00", history=history)) == ["modified martine"]
    last = plain(cycle.mailer.sent[-1][0].text)
    assert "Pain de campagne 1 kg : 1 → 2" in last  # compared with what she was last told


def test_households_are_independent():
    cycle = Cycle()
    one = Order(MARTINE, {"PAIN1": 1})
    two = Order("jerome.pelletier@example.net", {"OEU1": 1}, first_name="Jérôme")
    assert sorted(cycle.run(one, two)) == ["confirmation jerome", "confirmation martine"]
    assert cycle.run(one, Order("jerome.pelletier@example.net", {"OEU1": 2}, first_name="Jérôme",
                                at="2026-12-02 09:00", history=[("2026-12-01 09:00", {"OEU1": 1})])) == \
        ["modified jerome"]


def test_notices_are_pure():
    book = make_book(Order(MARTINE, {"PAIN1": 1}))
    journal = Journal([], None, PARIS)
    assert order_notices(book, "2026-12", journal) == order_notices(book, "2026-12", journal)
    assert order_notices(book, "2026-11", journal) == []


def test_the_journal_tab_reads_back_under_any_header_order(tmp_path):
    journal = Journal([], None, PARIS)
    cycle_book = make_book(Order(MARTINE, {"PAIN1": 1}))
    [email] = compose.order_updates(letterhead(), demo_catalogue(), sale(), cycle_book, journal)
    entry = Entry.of(email, NOW)
    rows = journal.rows([entry])
    grid = [sheet.JOURNAL.header, *rows]
    assert rows[0][0] == "05/12/2026 10:00" and rows[0][2] == "Confirmation de commande"
    assert rows[0][5] == email.key and rows[0][6] == email.message_id
    again = Journal.load(grid, None, PARIS)
    assert email.key in again and again.entries[0].kind == "confirmation"
    # a coordinator moved columns around and typed the headers her way
    order = [6, 5, 4, 3, 2, 1, 0]
    shuffled = [[["date", "VENTE", "type", "destinataire", "sujet", "cle", "message-id"][i] for i in order],
                [rows[0][i] for i in order]]
    moved = Journal.load(shuffled, None, PARIS)
    assert email.key in moved and moved.rows([entry])[0] == [rows[0][i] for i in order]
    assert split_key(email.key) == ("confirmation", "2026-12", MARTINE, email.fingerprint)


def test_the_write_ahead_file_survives_a_torn_line(tmp_path):
    wal = WriteAheadLog(tmp_path / "wal.jsonl")
    entry = Entry("confirmation:2026-12:a@example.org:1", NOW, "2026-12", "confirmation", "a@example.org")
    wal.append(entry)
    with (tmp_path / "wal.jsonl").open("a") as file:
        file.write('{"key": "confirmation:2026-12:b@exa')  # the machine stopped mid-write
    assert wal.read() == [entry]
    journal = Journal([], wal, PARIS)
    assert entry.key in journal and journal.recovered == [entry]
    line = json.loads((tmp_path / "wal.jsonl").read_text().splitlines()[0])
    assert line["date"] == "2026-12-05T10:00:00+01:00"
