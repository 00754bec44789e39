"""Households without email: their keys, read back from a sheet, and every way the mail layer picks
recipients skipping them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from mailkit import PARIS, Order, at, demo_catalogue, letterhead, make_book, sale

from sync import cycle
from sync.households import name_key, parse_key, phone_key, reachable
from sync.mail import compose
from sync.mail.journal import Journal, order_notices
from sync.mail.memory import MemoryMailer
from sync.mail.send import Limits, deliver

MARTINE = "martine.ducloux@example.org"
MARIE = "tél. 06 11 11 11 11"
REMI = "nom : garnier remi"


@pytest.mark.parametrize(("raw", "key"), [
    ("06 11 11 11 11", MARIE), ("0611111111", MARIE), (611111111, MARIE), ("+33 6 11 11 11 11", MARIE),
    ("06-11-11-11-11", MARIE), ("+33 (0)6 11 11 11 11", MARIE), ("0033 6 11 11 11 11", MARIE),
    (33611111111.0, MARIE), ("", ""), ("pas de téléphone", ""),
])
def test_phone_keys(raw, key):
    assert phone_key(raw) == key


def test_name_keys_and_reading_a_key_back():
    assert name_key("Rémi", " GARNIER ") == REMI and name_key("", "") == ""
    assert name_key("a@b", "") == "nom : a b", "a key never holds an @"
    for written, key in [("Tél. 0611111111", MARIE), ("TEL. 06.11.11.11.11", MARIE), ("tél.0611111111", MARIE),
                         ("Nom : Garnier  Rémi", REMI), (MARTINE.upper(), MARTINE)]:
        assert parse_key(written).value == key
    assert not parse_key("tél.").ok
    assert not reachable(MARIE) and not reachable(REMI) and reachable(MARTINE)


def book():
    return make_book(Order(MARTINE, {"PAIN1": 2, "VIA1": 1}, weights={"VIA1": Decimal("1.3")}),
                     Order(MARIE, {"PAIN1": 1, "VIA1": 1}, "Marie", "Dupont", weights={"VIA1": Decimal("1.1")}),
                     Order(REMI, {"OEU1": 1}, "Rémi", "Garnier", phone=""))


def test_no_order_email_for_a_household_without_email():
    notices = order_notices(book(), "2026-12", Journal([], None, PARIS))
    assert [(n.kind, n.email) for n in notices] == [("confirmation", MARTINE)]


def test_no_pickup_reminder_nor_final_amounts_for_a_household_without_email():
    the_book, code = book(), "2026-12"
    assert sorted(compose.collecting_addresses(the_book, code)) == sorted([MARIE, MARTINE, REMI]), "they collect"
    assert compose.reachable_collecting(the_book, code) == [MARTINE]
    assert [e.recipient for e in compose.pickup_reminders(letterhead(), demo_catalogue(), sale(), the_book,
                                                          at("2026-12-10 17:00"))] == [MARTINE]
    assert [e.recipient for e in compose.final_amounts_all(letterhead(), demo_catalogue(), sale(), the_book)] == [
        MARTINE]
    drafts = compose.final_amounts_drafts(letterhead(), demo_catalogue(), sale(), the_book,
                                          cycle.weighed(the_book, code))
    assert [d.recipient for d in drafts] == [MARTINE]


def test_the_last_guard_drops_an_email_to_a_key_without_writing_or_reporting_it():
    the_book = book()
    everyone = [compose.pickup_reminder(letterhead(), demo_catalogue(), sale(), the_book, key, at("2026-12-10 17:00"))
                for key in (MARTINE, MARIE, REMI)]
    mailer = MemoryMailer()
    result = deliver(everyone, mailer, Journal([], None, PARIS), Limits(), at("2026-12-10 17:00"))
    assert [e.recipient for e in result.sent] == [MARTINE]
    assert result.problems == [] and result.refused == []


# --- one rule for names (docs/guide.md, « Comment le tool nomme les foyers ») ----------------------------

def test_a_household_is_named_first_name_first_to_speak_to_it_and_last_name_first_in_sorted_lists():
    from sync.households import display_name, list_key, list_name

    assert display_name("Anne", "Aubert", "anne@example.org") == "Anne Aubert"
    assert list_name("Anne", "Aubert", "anne@example.org") == "Aubert Anne"
    assert display_name("", "Aubert") == list_name("", "Aubert") == "Aubert"
    assert display_name("", "", "anne@example.org") == list_name("", "", "anne@example.org") == "anne@example.org"
    names = [list_name(f, n) for f, n in (("Zoé", "étienne"), ("Anne", "Aubert"), ("Émile", "Dupont"))]
    assert sorted(names, key=list_key) == ["Aubert Anne", "Dupont Émile", "étienne Zoé"]


def test_every_place_that_names_a_household_follows_the_rule():
    from sync import clients
    from sync.lists.tables import sort_name
    from sync.orders.book import display_name
    from sync.orders.intake import who

    assert display_name("Anne", "Aubert", "a@example.org") == "Anne Aubert"  # Commandes, emails
    assert who("Anne", "Aubert", "a@example.org") == "Anne Aubert (a@example.org)"  # messages about an order
    assert clients.who({"Prénom": "Anne", "Nom": "Aubert", "Téléphone": "06"}) == "Anne Aubert (tél. 06)"
    assert sort_name("Anne", "Aubert", "Anne Aubert") == "Aubert Anne"  # Émargement, the printable lists
