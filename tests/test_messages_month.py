"""A whole month with messages and changes, replayed at 15-minute steps against a real SMTP server.

The group and orders of test_cycle.py (five households, the December sale without a form), plus:
three messages in the Messages tab (to subscribers, to the December sale's households, to producers) and
one that cannot be read; the place of the distribution moved after the announcement, then its hours moved
after the pickup reminder (with its calendar invitation) went.
"""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import at
from fakes.smtp_server import running
from plain import plain
from test_cycle import COORDINATOR, A, B, C, D, E, group, replay

from sync import config as config_module
from sync import sheet
from sync.stores import Changes

FOUR, VIAN, OEUF, JARD = ("fournil.des.vignes@example.org", "trois.chenes@example.org", "poules.varennes@example.net",
                          "jardins.fontaine@example.org")
PRODUCERS = [FOUR, "jardins.fontaine@example.org", "chevrerie.boischaut@example.org", VIAN, OEUF,
             "rucher.bruyeres@example.net", "brasserie.nahon@example.com", "vergers.vicq@example.com"]
MESSAGES = [
    sheet.MESSAGES.header,
    ["01/12/2026 12:00", "abonnés", "Dégustation de fromages de chèvre",
     "Bonjour à tous,\n\nLa Chèvrerie vous fait goûter ses fromages à la distribution.\n"
     "Le programme : https://example.org/degustation\n\nÀ bientôt !"],
    # sent before Chloé's and Emma's orders: they get it when they order
    ["02/12/2026 12:00", "vente 2026-12", "Apportez vos sacs", "Pensez à vos sacs et à vos boîtes à œufs vides."],
    ["02/12/2026 14:00", "producteurs", "Appel à de nouveaux producteurs",
     "Nous cherchons un maraîcher et un producteur de volailles. Parlez-en autour de vous !"],
    ["le 3 décembre", "tous", "Sans date", "Ce message ne peut pas partir."],
]
NEW_PLACE = "Grange de la Ferme des Trois Chênes, route de Vicq"


def month_group():
    store = group()
    store.tabs[sheet.MESSAGES.name] = [list(row) for row in MESSAGES]
    return store


def move_place(store):
    """After the announcement, the coordinator moves the distribution to the farm."""
    sales = [list(row) for row in store.tabs[sheet.SALES.name]]
    sales[1][sheet.SALES.header.index("Lieu")] = NEW_PLACE
    store.write(Changes(replace={sheet.SALES.name: sales}))


def move_hours(store):
    """The morning of the distribution (the pickup reminders and their invitations went): one hour later."""
    sales = [list(row) for row in store.tabs[sheet.SALES.name]]
    sales[1][sheet.SALES.header.index("Distribution")] = "04/12/2026 18:00"
    sales[1][sheet.SALES.header.index("Fin distribution")] = "04/12/2026 20:00"
    store.write(Changes(replace={sheet.SALES.name: sales}))


@pytest.fixture
def smtp():
    with running() as (controller, handler):
        yield controller.port, handler


def by_kind(handler, kind):
    return Counter(str(m["To"].addresses[0].addr_spec) for m in handler.messages() if m["X-Paniers-Kind"] == kind)


def test_a_month_with_three_messages_and_two_changes(tmp_path, smtp):
    port, handler = smtp
    config = config_module.from_dict({
        "group": {"coordinator_email": COORDINATOR, "phone": "02 54 00 00 00"},
        "mail": {"backend": "smtp", "host": "127.0.0.1", "port": port, "security": "none"},
    }, base_dir=tmp_path)
    store = month_group()
    replay(store, config, at("2026-12-01 07:00"), at("2026-12-04 17:45"),
           events={at("2026-12-02 15:00"): move_place, at("2026-12-04 10:00"): move_hours})
    messages = [m for m in handler.messages() if m["X-Paniers-Kind"] == "message"]
    by_subject = {}
    for message in messages:
        by_subject.setdefault(str(message["Subject"]), Counter())[message["To"].addresses[0].addr_spec] += 1
    # to subscribers (Emma is not one); to the sale's households, Chloé and Emma as they ordered; to producers
    assert by_subject["Dégustation de fromages de chèvre"] == Counter({A: 1, B: 1, C: 1, D: 1})
    assert by_subject["Apportez vos sacs"] == Counter({A: 1, B: 1, C: 1, E: 1})
    assert by_subject["Appel à de nouveaux producteurs"] == Counter({p: 1 for p in PRODUCERS})
    assert len(by_subject) == 3  # the row without a date went nowhere...
    anomalies = store.tabs["Anomalies"]
    assert any(row[2] == "Messages" and row[3] == 5 and row[4] == "Envoi" for row in anomalies[1:])  # ...it is said
    sent = {(str(m["Subject"]), m["To"].addresses[0].addr_spec): m["Date"].datetime for m in messages}
    assert sent[("Apportez vos sacs", A)] == at("2026-12-02 12:00")
    assert sent[("Apportez vos sacs", C)] == at("2026-12-02 12:15")  # her order came at 12:00:12
    assert sent[("Apportez vos sacs", E)] == at("2026-12-03 10:00")
    tasting = next(m for m in messages if m["To"].addresses[0].addr_spec == A
                   and str(m["Subject"]).startswith("Dégustation"))
    html = tasting.get_body(("html",)).get_content()
    assert '<a href="https://example.org/degustation"' in html and html.count("<p style=\"margin:0 0 14px") >= 3
    bags = next(m for m in messages if str(m["Subject"]) == "Apportez vos sacs")
    assert "Lieu :" in plain(bags.get_body(("plain",)).get_content())  # the sale's details

    changes = [m for m in handler.messages() if m["X-Paniers-Kind"] == "change"]
    got = Counter(m["To"].addresses[0].addr_spec for m in changes)
    # the place: households with an order then (Anne, Bruno, Chloé), Denis (subscribed, told of the open sale)
    # and the producers with orders; Emma ordered after the change. The hours: every household with an order
    # (the sale is closed: no subscriber) and the producers with orders then (the vegetables' too, for Emma).
    assert got == Counter({A: 2, B: 2, C: 2, D: 1, E: 1, FOUR: 2, VIAN: 2, OEUF: 2, JARD: 1})
    place = [m for m in changes if m["Date"].datetime == at("2026-12-02 15:00")]
    assert len(place) == 7
    text = next(m for m in place if m["To"].addresses[0].addr_spec == A).get_body(("plain",)).get_content()
    assert text.index(NEW_PLACE) < text.index("AVANT") < text.index("Salle des fêtes")
    assert "changement de lieu" in text
    # the hours changed after the pickup reminders: those who have the invitation get its update
    hours = [m for m in changes if m["Date"].datetime == at("2026-12-04 10:00")]
    assert len(hours) == 8
    anne = next(m for m in hours if m["To"].addresses[0].addr_spec == A)
    assert "de 18 h à 20 h" in plain(anne.get_body(("plain",)).get_content())
    [update] = [p for p in anne.iter_attachments() if p.get_filename() == "distribution-2026-12.ics"]
    update_text = update.get_content() if isinstance(update.get_content(), str) else update.get_content().decode()
    assert "METHOD:REQUEST" in update_text and "SEQUENCE:2" in update_text and NEW_PLACE.split(",")[0] in update_text
    reminder = next(m for m in handler.messages() if m["X-Paniers-Kind"] == "pickup_reminder"
                    and m["To"].addresses[0].addr_spec == A)
    [invitation] = [p for p in reminder.iter_attachments() if p.get_filename() == "distribution-2026-12.ics"]
    first = invitation.get_content() if isinstance(invitation.get_content(), str) else invitation.get_content().decode()
    uid = next(line for line in first.splitlines() if line.startswith("UID:"))
    assert uid in update_text and NEW_PLACE.split(",")[0] in first  # the reminder already had the new place
    assert not [p for p in next(m for m in hours if m["To"].addresses[0].addr_spec == FOUR).iter_attachments()
                if p.get_filename().endswith(".ics")]  # producers had no invitation

    # without a form, the announcement says how to order: by replying, or by phone
    announcement = next(m for m in handler.messages() if m["X-Paniers-Kind"] == "orders_open")
    assert "02 54 00 00 00" in announcement.get_body(("plain",)).get_content()
    # nothing went twice (but the anomalies digest, once a day), and the journal holds every email
    assert max(Counter((m["X-Paniers-Kind"], m["To"].addresses[0].addr_spec, str(m["Subject"]))
                       for m in handler.messages() if m["X-Paniers-Kind"] != "anomalies").values()) == 1
    assert len(store.tabs["Journal"]) - 1 == len(handler.received)
