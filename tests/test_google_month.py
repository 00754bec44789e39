"""A whole month on the Google Sheets store, over a sheet typed the way people type in a French Google Sheet.

The group of ``test_cycle`` (the demo's catalogue, a short December sale, five households), seeded as text
and typed into the fake Google Sheet (``typed=True``): Google keeps "2026-12" as a date, "0611111111" and
"+33622222222" as numbers, "=2,2*1,5" as the double 3.3000000000000003, "4,50" as a number. On top of that,
what people do in the middle of the month is typed too: the meat producer's weights ("5,2"), a volunteer's
ticks in ``Payé`` (a checkbox). Cron ticks every 30 minutes (a new store each time, as a new process) and a
real SMTP server on loopback receives the emails: every person gets the same emails as on the plain
workbook, and what the emails and tabs say is what people meant.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import at
from fakes.sheets_api import Checkbox, FakeSheetsAPI
from fakes.smtp_server import running
from test_cycle import EXPECTED, group, received, responses, smtp_config

from sync import sheet
from sync.commands import Context, tick
from sync.stores.google import GoogleSheetsStore
from sync.stores.retry import Backoff

SHEET_ID = "1PaniersTypedMonthSheet"
ANNE, BRUNO = "anne@example.org", "bruno@example.org"


def typed_group() -> dict[str, list[list]]:
    """test_cycle's group, with what Google turns into something else typed the way people type it."""
    tabs = {name: [list(row) + [""] * (len(rows[0]) - len(row)) for row in rows]
            for name, rows in group().tabs.items()}
    products = tabs[sheet.PRODUCTS.name]
    header = products[0]
    for row in products[1:]:
        if row[0] == "LEG1":  # offered in December only: Google makes a date of this single code
            row[header.index("Ventes")] = "2026-12"
        if row[0] == "PAIN1":  # the producer multiplied 2,20 € by 1,5 in the sheet
            row[header.index("Prix")] = "=2,2*1,5"
    producers = tabs[sheet.PRODUCERS.name]
    for row in producers[1:]:
        if row[0] == "FOUR":
            row[producers[0].index("Téléphone")] = "0600001101"
            row[producers[0].index("Actif")] = "VRAI"
    answers = responses()
    phone = answers[0].index("Téléphone")
    for row in answers[1:]:
        email = row[answers[0].index("Adresse e-mail")]
        row[phone] = {ANNE: "0611111111", BRUNO: "+33622222222"}.get(email, row[phone])
    tabs[sheet.RESPONSES.name] = answers
    return tabs


def weigh_by_typing(book) -> None:
    """After the distribution the meat producer types the weights, French style, into the rows tick prepared."""
    grid = book.values("Pesées")
    header = grid[0]
    for number, row in enumerate(grid[1:], start=2):
        quantity = int(row[header.index("Quantité")])
        book.type("Pesées", number, header.index("Poids (kg)") + 1, f"{5.2 * quantity:.1f}".replace(".", ","))


def tick_paid(book) -> None:
    """At the distribution a volunteer inserts checkboxes in Payé and ticks Anne's."""
    grid = book.values("Émargement")
    header = grid[0]
    column = header.index("Payé") + 1
    for number, row in enumerate(grid[1:], start=2):
        book.type("Émargement", number, column, Checkbox(row[header.index("Email")] == ANNE))


@pytest.fixture
def smtp():
    with running() as (controller, handler):
        yield controller.port, handler


def test_a_whole_month_on_a_google_sheet_typed_in_french(tmp_path, smtp):
    port, handler = smtp
    api = FakeSheetsAPI()
    book = api.create(SHEET_ID, tabs=typed_group(), typed=True)
    # what Google holds is not what was typed
    prices = {row[0]: row[4] for row in book.values(sheet.PRODUCTS.name)[1:]}
    assert prices["PAIN1"] == 3.3000000000000003 and prices["PAIN2"] == 4.2
    assert 611111111 in [row[4] for row in book.values(sheet.RESPONSES.name)[1:]]
    config = smtp_config(tmp_path, port)
    events = {at("2026-12-04 18:00"): tick_paid, at("2026-12-05 09:00"): weigh_by_typing}
    now, outputs = at("2026-12-01 07:00"), []
    while now <= at("2026-12-05 12:00"):
        if now in events:
            events[now](book)
        store = GoogleSheetsStore(api.session(), SHEET_ID, account=api.account, backoff=Backoff(sleep=lambda s: None))
        lines: list[str] = []
        outcome = tick.once(Context(config, store, now, lines.append))
        assert outcome.code == 0, lines
        outputs.append(lines)
        now += timedelta(minutes=30)

    got = received(handler)
    got.pop(("anomalies", "animation@example.org"), None)
    assert got == EXPECTED  # the same emails as on the plain workbook: the single-sale product's producer included

    def body(kind, to):
        message = next(m for m in handler.messages()
                       if m["X-Paniers-Kind"] == kind and m["To"].addresses[0].addr_spec == to)
        return message.get_body(("plain",)).get_content()

    anne = body("confirmation", ANNE)
    assert "3,30\u00a0€" in anne and "Plus de deux décimales" not in anne  # the formula's price, to the cent
    assert "Jardins" in body("confirmation", "emma@example.org")  # LEG1, offered only in 2026-12
    bakery = body("producer_orders", "fournil.des.vignes@example.org")
    assert "0611111111" in bakery and "611111111" not in bakery.replace("0611111111", "")
    problems = "\n".join(str(r) for r in book.values("Anomalies"))
    assert "LEG1" not in problems and "décimales" not in problems
    sign_off = book.values("Émargement")
    header = sign_off[0]
    phones = {r[header.index("Email")]: r[header.index("Téléphone")] for r in sign_off[1:]}
    assert phones[ANNE] == "0611111111" and phones[BRUNO] == "0622222222"
    paid = {r[header.index("Email")]: r[header.index("Payé")] for r in sign_off[1:]}
    assert paid[ANNE] is True  # the volunteer's tick survived every rewrite after it
    weighed = book.values("Pesées")
    assert all(isinstance(r[weighed[0].index("Poids (kg)")], float) for r in weighed[1:])
    assert ("final_amounts", BRUNO) in got  # weights typed "10,4" turned estimates into final amounts
