"""Catalogue and calendar checks: each mistake a producer or volunteer can make, found and explained."""

from __future__ import annotations

import pytest
from conftest import PARIS, at

from sync import catalogue, demo, sheet
from sync.problems import ERROR, WARNING

PRODUCERS = [
    sheet.PRODUCERS.header,
    ["FOUR", "Le Fournil", "fournil@example.org", "", "chèque", "Le Fournil", "oui"],
    ["JARD", "Les Jardins", "jardins@example.org", "", "espèces", "", ""],
]
PRODUCTS = [
    sheet.PRODUCTS.header,
    ["PAIN1", "FOUR", "Pain", "1 kg", "4,50", "", "", "", "Pain", "oui", "", ""],
    ["LEG1", "JARD", "Panier", "", "15", "non", "", "20", "", "", "", ""],
]
SALES = [
    sheet.SALES.header,
    [
        "2026-12",
        "Décembre",
        "30/11/2026 08:00",
        "10/12/2026 20:00",
        "11/12/2026 17:00",
        "11/12/2026 19:00",
        "Salle des fêtes",
        "non",
        "",
        "",
    ],
]


def load(producers=None, products=None, sales=None):
    grids = {
        sheet.PRODUCERS.name: producers or PRODUCERS,
        sheet.PRODUCTS.name: products or PRODUCTS,
        sheet.SALES.name: sales or SALES,
    }
    tables = {
        name: sheet.read_table(grid, getattr(sheet, key))
        for (name, grid), key in zip(grids.items(), ["PRODUCERS", "PRODUCTS", "SALES"], strict=True)
    }
    return catalogue.load(tables, PARIS)


def product(**changes):
    row = dict(zip(sheet.PRODUCTS.header, PRODUCTS[1], strict=True))
    row.update(changes)
    return [sheet.PRODUCTS.header, list(row.values()), PRODUCTS[2]]


def sale_row(
    code="2026-12",
    opens="30/11/2026 08:00",
    closes="10/12/2026 20:00",
    start="11/12/2026 17:00",
    end="11/12/2026 19:00",
    place="Salle",
):
    return [code, "", opens, closes, start, end, place, "", "", ""]


def found(result, severity=None):
    return [(p.tab, p.row, p.column, p.severity) for p in result.problems if severity in (None, p.severity)]


def test_a_clean_catalogue_has_no_problem_and_typed_values():
    result = load()
    assert result.problems == []
    pain = result.products.iloc[0]
    assert str(pain["price"]) == "4.50" and pain["active"] is True and pain["stock"] is None
    assert result.products.iloc[1]["stock"] == 20
    sale = result.sales.iloc[0]
    assert sale["opens"] == at("2026-11-30 08:00") and sale["title"] == "Décembre"


def test_the_demo_catalogue_is_clean():
    grids = demo.build()
    tables = {t.name: sheet.read_table(grids[t.name], t) for t in (sheet.PRODUCERS, sheet.PRODUCTS, sheet.SALES)}
    result = catalogue.load(tables, PARIS)
    assert result.problems == []
    assert len(result.producers) == 8 and len(result.sales) == 3
    offered = result.offered("2026-12")
    assert "POM8" not in set(offered["code"]) and "VIA6" not in set(offered["code"])  # inactive; Christmas only
    assert "VIA6" in set(result.offered("2026-NOEL")["code"])


def test_duplicate_product_code():
    rows = [*PRODUCTS, ["pain1", "JARD", "Autre pain", "", "3", "", "", "", "", "", "", ""]]
    result = load(products=rows)
    assert found(result) == [("Produits", 4, "Code", ERROR)]
    assert "ligne 2" in result.problems[0].message
    assert len(result.products) == 2


def test_product_of_an_unknown_producer():
    result = load(products=product(Producteur="FOURR"))
    assert found(result) == [("Produits", 2, "Producteur", ERROR)]
    assert "PAIN1" not in set(result.products["code"])  # cannot be ordered, the rest goes on
    assert "LEG1" in set(result.products["code"])


@pytest.mark.parametrize(("price", "words"), [("", "manquant"), ("4,5O", "illisible"), ("-3", "négatif")])
def test_missing_unreadable_or_negative_price(price, words):
    result = load(products=product(Prix=price))
    assert [p.column for p in result.problems] == ["Prix"]
    assert words in result.problems[0].message
    assert result.problems[0].severity == ERROR


def test_zero_price_is_a_warning():
    assert found(load(products=product(Prix="0"))) == [("Produits", 2, "Prix", WARNING)]


def test_negative_stock():
    assert found(load(products=product(Stock="-2"))) == [("Produits", 2, "Stock", ERROR)]


def test_product_sold_by_weight_without_its_weight():
    result = load(products=product(**{"Au poids": "oui"}))
    assert found(result) == [("Produits", 2, "Poids moyen (kg)", ERROR)]
    assert "1,2" in result.problems[0].message


def test_inactive_producer_with_active_products():
    rows = [PRODUCERS[0], [*PRODUCERS[1][:6], "non"], PRODUCERS[2]]
    result = load(producers=rows)
    assert found(result) == [("Producteurs", 2, "Actif", WARNING)]
    assert "PAIN1" not in set(catalogue.Catalogue.offered(result, "2026-12")["code"])


@pytest.mark.parametrize("email", ["", "fournil@", "fournil.example.org"])
def test_producer_without_a_valid_email(email):
    rows = [PRODUCERS[0], ["FOUR", "Le Fournil", email, "", "", "", "oui"], PRODUCERS[2]]
    assert found(load(producers=rows)) == [("Producteurs", 2, "Email", ERROR)]


def test_sale_closing_before_opening_or_after_distribution():
    result = load(
        sales=[
            sheet.SALES.header,
            sale_row(closes="29/11/2026 08:00"),
            sale_row(
                code="2027-01", opens="04/01/2027 08:00", closes="20/01/2027 20:00", start="15/01/2027 17:00", end=""
            ),
        ]
    )
    assert found(result) == [("Ventes", 2, "Clôture", ERROR), ("Ventes", 3, "Clôture", ERROR)]
    assert "avant l'ouverture" in result.problems[0].message
    assert "après la distribution" in result.problems[1].message
    assert list(result.sales["code"]) == ["2027-01"]  # a sale whose window makes no sense is left out


def test_overlapping_ordering_windows():
    result = load(
        sales=[
            sheet.SALES.header,
            sale_row(),
            sale_row(
                code="2026-NOEL", opens="05/12/2026 08:00", closes="18/12/2026 20:00", start="23/12/2026 16:00", end=""
            ),
        ]
    )
    assert found(result) == [("Ventes", 3, "Ouverture", ERROR)]
    assert "2026-12" in result.problems[0].message


def test_a_window_inside_a_longer_one_is_found_even_when_not_adjacent():
    result = load(
        sales=[
            sheet.SALES.header,
            sale_row(code="A", opens="01/12/2026 08:00", closes="20/12/2026 20:00", start="21/12/2026 17:00"),
            sale_row(code="B", opens="02/12/2026 08:00", closes="03/12/2026 20:00", start="21/12/2026 17:00"),
            sale_row(code="C", opens="05/12/2026 08:00", closes="06/12/2026 20:00", start="21/12/2026 17:00"),
        ]
    )
    assert sorted(p.sale for p in result.problems if p.column == "Ouverture") == ["B", "C"]


def test_unreadable_sale_dates_and_missing_place():
    result = load(sales=[sheet.SALES.header, sale_row(opens="le 30 novembre", place="")])
    assert {(p.column, p.severity) for p in result.problems} == {("Ouverture", ERROR), ("Lieu", ERROR)}
    assert result.sales.empty


def test_product_listed_for_a_sale_that_does_not_exist():
    result = load(products=product(Ventes="2026-12, 2026-NOL"))
    assert found(result) == [("Produits", 2, "Ventes", WARNING)]
    assert result.products.iloc[0]["sales"] == frozenset({"2026-12", "2026-NOL"})


def test_sale_for_a_moment():
    sales = load().sales
    assert catalogue.sale_for(at("2026-11-30 08:00"), sales)["code"] == "2026-12"
    assert catalogue.sale_for(at("2026-12-10 20:00"), sales) is None  # closing is excluded
