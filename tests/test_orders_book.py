"""The order book: latest submission, statuses, amounts to the cent, and the tabs people read."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import at
from order_sheets import Workbook, household, lines_of

from sync import sheet
from sync.orderbook import (
    CANCELLED,
    FORM,
    HOUSEHOLD_COLUMNS,
    LINE_COLUMNS,
    MODIFIED,
    NEW,
    SUBMISSION_COLUMNS,
)
from sync.orders import tabs

AFTER = at("2026-12-11 12:00")
ANA = "ana@example.org"


@pytest.mark.parametrize(("submissions", "status", "lines"), [
    ([{"PAIN1": "2"}], NEW, {"PAIN1": 2}),
    ([{"PAIN1": "2"}, {"PAIN1": "2"}], NEW, {"PAIN1": 2}),  # a double click is not a change
    ([{"PAIN1": "2", "MIEL1": "1"}, {"PAIN1": "1"}], MODIFIED, {"PAIN1": 1}),  # the latest replaces entirely
    ([{"PAIN1": "2"}, {"PAIN2": "1"}, {"PAIN1": "2"}], MODIFIED, {"PAIN1": 2}),  # back and forth is a change
    ([{"PAIN1": "2"}, {}], CANCELLED, {}),  # a latest submission with no product cancels
    ([{"PAIN1": "2"}, {"PAIN1": "0"}], CANCELLED, {}),
    ([{"PAIN1": "2"}, {}, {"PAIN2": "1"}], MODIFIED, {"PAIN2": 1}),
    ([{}], CANCELLED, {}),
])
def test_latest_submission_and_status(submissions, status, lines):
    workbook = Workbook()
    for i, quantities in enumerate(submissions):
        workbook.respond(f"0{i + 1}/12/2026 10:00:00", ANA, "Ana", **quantities)
    book = workbook.build(AFTER)
    row = household(book, ANA)
    assert row["status"] == status
    assert row["submissions"] == len(submissions)
    assert row["first_submitted_at"] == at("2026-12-01 10:00")
    assert row["submitted_at"] == at(f"2026-12-0{len(submissions)} 10:00")
    assert {p: r for (_, p), (r, _) in lines_of(book).items()} == lines
    assert set(book.lines["status"]) <= {status}


def test_details_come_from_the_latest_submission_that_gives_them():
    book = (Workbook()
            .respond("01/12/2026 10:00:00", ANA, "Ana", "Lopez", "06 11 22 33 44", "Premier", PAIN1="1")
            .respond("02/12/2026 10:00:00", ANA, "", "Lopez-Vidal", "", "", PAIN1="2")
            .build(AFTER))
    row = household(book, ANA)
    assert (row["first_name"], row["last_name"], row["name"], row["phone"], row["comment"]) == (
        "Ana", "Lopez-Vidal", "Ana Lopez-Vidal", "06 11 22 33 44", "")
    nameless = Workbook().respond("01/12/2026 10:00:00", ANA, PAIN1="1").build(AFTER)
    assert household(nameless, ANA)["name"] == ANA


@pytest.mark.parametrize(("product", "price", "weight", "quantity", "amount", "estimated"), [
    ("PAIN1", "4,50", "", "3", "13.50", False),
    ("POUL1", "11,50", "1,8", "2", "41.40", True),  # 2 x 1,8 kg x 11,50 €/kg
    ("ROTI", "16,50", "1,2", "3", "59.40", True),  # 3 x 1,2 kg x 16,50 €/kg
    ("ROTI", "2,25", "0,5", "1", "1.13", True),  # 1,125 rounds half up, not to even
    ("ROTI", "0,35", "0,5", "1", "0.18", True),  # 0,175
    ("PAIN1", "0,01", "", "50", "0.50", False),
])
def test_amounts_are_exact_to_the_cent(product, price, weight, quantity, amount, estimated):
    workbook = Workbook()
    row = next(p for p in workbook.products if p[0] == product)
    row[4], row[6] = price, weight or row[6]
    book = workbook.respond("01/12/2026 10:00:00", ANA, **{product: quantity}).build(AFTER)
    [line] = book.lines.to_dict("records")
    assert line["amount"] == Decimal(amount) and str(line["amount"]) == amount
    assert line["estimated"] is estimated and line["by_weight"] is estimated
    assert line["weight"] is None
    assert line["unit_price"] == Decimal(price.replace(",", "."))
    assert line["avg_weight"] == (Decimal(weight.replace(",", ".")) if estimated else None)
    assert household(book, ANA)["amount"] == Decimal(amount)


def test_frames_have_exactly_the_schema_with_plain_values():
    book = (Workbook()
            .respond("01/12/2026 10:00:00", ANA, "Ana", PAIN1="1", POUL1="1")
            .build(AFTER))
    assert list(book.submissions.columns) == SUBMISSION_COLUMNS
    assert list(book.households.columns) == HOUSEHOLD_COLUMNS
    assert list(book.lines.columns) == LINE_COLUMNS
    for frame in (book.submissions, book.households, book.lines):
        assert all(dtype is object or dtype == "object" for dtype in frame.dtypes)
    line = book.lines.iloc[0].to_dict()
    assert {k: type(v).__name__ for k, v in line.items()} == {
        "sale": "str", "email": "str", "name": "str", "producer": "str", "product": "str", "label": "str",
        "requested": "int", "allocated": "int", "unit_price": "Decimal", "by_weight": "bool",
        "avg_weight": "NoneType", "weight": "NoneType", "amount": "Decimal", "estimated": "bool", "status": "str",
        "updated_at": "datetime"}
    assert household(book, ANA)["source"] == FORM
    assert line["label"] == "Pain de campagne 1 kg"


def readable_book():
    return (Workbook()
            .respond("02/12/2026 10:00:00", "zoe@example.org", "Zoé", "Aubert", MIEL1="1", PAIN1="2")
            .respond("01/12/2026 10:00:00", "eli@example.org", "Élise", "Martin", POUL1="1", PAIN2="1", PAIN1="1")
            .respond("03/12/2026 10:00:00", "bob@example.org", "Bob", "", PAIN1="1")
            .respond("04/12/2026 10:00:00", "bob@example.org", "Bob", "")
            .respond("05/11/2026 10:00:00", "zoe@example.org", "Zoé", "Aubert", PAIN1="1")
            .build(AFTER))


def test_orders_are_sorted_by_sale_then_name_then_producer_then_product():
    book = readable_book()
    assert [(r.sale, r.name, r.product) for r in book.lines.itertuples()] == [
        ("2026-11", "Zoé Aubert", "PAIN1"),
        ("2026-12", "Élise Martin", "PAIN1"),  # accents do not push Élise after Zoé
        ("2026-12", "Élise Martin", "PAIN2"),
        ("2026-12", "Élise Martin", "POUL1"),  # producers in the order of the Producteurs tab
        ("2026-12", "Zoé Aubert", "PAIN1"),
        ("2026-12", "Zoé Aubert", "MIEL1"),
    ]
    assert [(r.sale, r.name, r.status) for r in book.households.itertuples()] == [
        ("2026-11", "Zoé Aubert", NEW), ("2026-12", "Bob", CANCELLED), ("2026-12", "Élise Martin", NEW),
        ("2026-12", "Zoé Aubert", NEW)]


def test_the_commandes_tab():
    frame = tabs.orders_frame(readable_book())
    assert list(frame.columns) == sheet.ORDERS.header
    grid = sheet.frame_to_grid(frame)
    assert grid[1] == ["2026-11", "zoe@example.org", "Zoé Aubert", "FERME", "PAIN1", "Pain de campagne 1 kg", 1, 1,
                       4.5, 4.5, "non", "nouvelle", "05/11/2026 10:00"]
    assert grid[2] == ["2026-12", "bob@example.org", "Bob", "", "", "", 0, 0, "", 0.0, "", "annulée",
                       "04/12/2026 10:00"], "a cancelled order stays visible, without product"
    assert grid[5] == ["2026-12", "eli@example.org", "Élise Martin", "VOL", "POUL1",
                       "Poulet fermier la pièce (1,8 kg environ)", 1, 1, 11.5, 20.7, "oui", "nouvelle",
                       "01/12/2026 10:00"]
    assert len(grid) == 1 + 7


def test_the_par_producteur_tab():
    frame = tabs.by_producer_frame(readable_book(), Workbook().refresh(AFTER).catalogue)
    assert list(frame.columns) == sheet.BY_PRODUCER.header
    assert sheet.frame_to_grid(frame)[1:] == [
        ["2026-11", "FERME", "PAIN1", "Pain de campagne 1 kg", 1, 4.5],
        ["2026-12", "FERME", "PAIN1", "Pain de campagne 1 kg", 3, 13.5],
        ["2026-12", "FERME", "PAIN2", "Brioche 500 g", 1, 6.0],
        ["2026-12", "RUCH", "MIEL1", "Miel de fleurs pot de 500 g", 1, 8.0],
        ["2026-12", "VOL", "POUL1", "Poulet fermier la pièce (1,8 kg environ)", 1, 20.7],
    ]


def test_par_producteur_counts_what_is_granted_and_leaves_out_what_is_all_cut():
    workbook = Workbook()
    workbook.products[2][7] = "1"  # MIEL1: one pot only
    workbook.products[0][7] = "0"  # PAIN1: none at all this month
    book = (workbook.respond("01/12/2026 10:00:00", ANA, MIEL1="3", PAIN1="1")
            .respond("01/12/2026 11:00:00", "bob@example.org", MIEL1="2").build(AFTER))
    frame = tabs.by_producer_frame(book, workbook.refresh(AFTER).catalogue)
    assert sheet.frame_to_grid(frame)[1:] == [["2026-12", "RUCH", "MIEL1", "Miel de fleurs pot de 500 g", 1, 8.0]]
