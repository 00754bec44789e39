"""The recap contexts (producer and coordinator) on the small history of ``fakes.history.small_book``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fakes import history as history_fakes
from plain import plain

from sync import figures, recaps
from sync.templating import environment

D = Decimal


@pytest.fixture
def history() -> figures.History:
    cat = history_fakes.small_catalogue()
    return figures.History.build(history_fakes.small_book(cat), cat, history_fakes.SMALL_NOW)


@pytest.mark.parametrize(("now", "before", "amount", "text", "percent"), [
    (4, 3, False, "+1 (+33\u00a0%)", 100 / 3),
    (2, 3, False, "\u22121 (\u221233\u00a0%)", -100 / 3),
    (3, 0, False, "+3", None),
    (0, 0, False, "=", None),
    (D("39.90"), D("28.50"), True, "+11,40\u00a0€ (+40\u00a0%)", 40.0),
    (D("99.90"), D("100.00"), True, "\u22120,10\u00a0€ (≈\u00a00\u00a0%)", -0.1),
])
def test_change(now, before, amount, text, percent):
    found = recaps.change(now, before, amount)
    assert found["text"] == text
    assert found["percent"] == pytest.approx(percent) if percent is not None else found["percent"] is None


def test_no_change_without_a_value():
    assert recaps.change(None, 3) is None and recaps.change(3, None) is None


def test_the_coordinators_recap(history):
    recap = recaps.group(history, "2026-11")
    c = recap.context
    assert c["sale"]["title"] == "Vente de novembre" and c["sale"]["code"] == "2026-11"
    assert (c["figures"]["households"], c["figures"]["new"], c["figures"]["returning"]) == (3, 1, 2)
    assert (c["figures"]["turnover"], c["figures"]["basket"]) == (D("39.90"), D("13.30"))
    assert c["last_year"]["sale"]["code"] == "2025-11" and c["last_year"]["turnover"] == D("28.50")
    assert c["changes"]["households"]["text"] == "+1 (+50\u00a0%)"
    assert c["changes"]["turnover"]["text"] == "+11,40\u00a0€ (+40\u00a0%)"
    assert [r["sale"]["code"] for r in c["recent"]] == ["2025-NOEL", "2026-01", "2026-02"]
    assert c["producers"] == [
        {"code": "FOUR", "name": "Le Fournil", "orders": 2, "turnover": D("22.50"), "last_year_orders": 2,
         "last_year_turnover": D("13.50"), "change": recaps.change(D("22.50"), D("13.50"), True)},
        {"code": "JARD", "name": "Les Jardins", "orders": 2, "turnover": D("17.40"), "last_year_orders": 1,
         "last_year_turnover": D("15.00"), "change": recaps.change(D("17.40"), D("15.00"), True)},
    ]
    [brioche] = c["sold_out"]
    # Anne at +60 min, Gaël at +67, Chloé's 3 brioches at +74 reach the stock of 3
    assert (brioche["label"], brioche["producer"], brioche["stock"], brioche["after"]) == (
        "Brioche", "Le Fournil", 3, timedelta(minutes=74))
    assert plain(brioche["after_text"]) == "1 heure et 14 min"
    assert [r["sale"]["code"] for r in c["history"]] == [
        "2025-11", "2025-12", "2025-NOEL", "2026-01", "2026-02", "2026-11"]
    assert c["lapsed"] == [] and c["lapsed_older"] == 0
    assert set(recap.charts) == {"foyers", "chiffre_affaires"}
    assert all(chart.png.startswith(b"\x89PNG") for chart in recap.charts.values())


def test_a_recap_without_a_sale_last_year(history):
    c = recaps.group(history, "2026-01", with_charts=False).context
    assert c["last_year"] is None and c["changes"] is None
    assert all(p["last_year_turnover"] is None and p["change"] is None for p in c["producers"])


def test_the_recap_of_a_sale_with_no_orders(history):
    c = recaps.group(history, "2026-02", with_charts=False).context
    assert (c["figures"]["households"], c["figures"]["turnover"], c["figures"]["basket"]) == (0, D("0.00"), None)
    assert c["producers"] == [] and c["sold_out"] == []


def test_a_producers_recap(history):
    recap = recaps.producer(history, "FOUR", "2026-11")
    c = recap.context
    assert c["producer"] == {"code": "FOUR", "name": "Le Fournil"}
    assert (c["figures"]["orders"], c["figures"]["turnover"]) == (2, D("22.50"))
    assert [{**p, "after_text": plain(p["after_text"])} for p in c["figures"]["products"]] == [
        {"code": "BRIO", "label": "Brioche", "quantity": 3, "requested": 3, "households": 1, "amount": D("18.00"),
         "last_year_quantity": 0, "sold_out": True, "after_text": "1 heure et 14 min"},
        {"code": "PAIN", "label": "Pain de campagne 1 kg", "quantity": 1, "requested": 1, "households": 1,
         "amount": D("4.50"), "last_year_quantity": 3, "sold_out": False, "after_text": ""},
    ]
    assert (c["last_year"]["sale"]["code"], c["last_year"]["orders"], c["last_year"]["turnover"]) == (
        "2025-11", 2, D("13.50"))
    assert c["changes"]["turnover"]["text"] == "+9,00\u00a0€ (+67\u00a0%)"
    assert [(r["sale"]["code"], r["orders"], r["turnover"]) for r in c["recent"]] == [
        ("2025-NOEL", 0, D("0.00")), ("2026-01", 1, D("4.50")), ("2026-02", 0, D("0.00"))]
    assert c["not_again"] == []
    assert recap.charts["chiffre_affaires"].png.startswith(b"\x89PNG")
    assert "nov. 2025 : 14\u00a0€" in recap.charts["chiffre_affaires"].alt  # last year's sale is in the chart


def test_a_producer_absent_from_a_sale(history):
    c = recaps.producer(history, "FOUR", "2025-NOEL", with_charts=False).context
    assert (c["figures"]["orders"], c["figures"]["turnover"], c["figures"]["products"]) == (0, D("0.00"), [])
    assert c["last_year"] is None
    jard = recaps.producer(history, "JARD", "2026-11", with_charts=False).context
    assert [p["code"] for p in jard["figures"]["products"]] == ["CAR", "LEG"]
    assert [p["last_year_quantity"] for p in jard["figures"]["products"]] == [0, 1]


def test_products_not_ordered_again():
    cat = history_fakes.catalogue(
        [history_fakes.sale("2025-11", "2025-11-14 17:00"), history_fakes.sale("2026-11", "2026-11-13 17:00")],
        [history_fakes.product("X", "FOUR", name="Terrine"), history_fakes.product("Y", "FOUR", name="Rillettes")])
    book = (history_fakes.BookBuilder(cat).order("2025-11", "a@x.org", {"X": 1, "Y": 2})
            .order("2026-11", "a@x.org", {"X": 2}).build())
    history = figures.History.build(book, cat, history_fakes.SMALL_NOW)
    c = recaps.producer(history, "FOUR", "2026-11", with_charts=False).context
    assert c["not_again"] == [{"code": "Y", "label": "Rillettes"}]
    assert c["figures"]["products"][0]["last_year_quantity"] == 1


def test_the_contexts_render_with_strict_templates(history):
    """Every key a template may reach exists (StrictUndefined), and user values are escaped."""
    env = environment()
    text = env.from_string(
        "{{ producer.name }} {{ figures.turnover|money }} {{ last_year.sale.distribution|long_date }} "
        "{% for p in figures.products %}{{ p.label }} {{ p.last_year_quantity }};{% endfor %}"
        "{% for r in recent %}{{ r.sale.label }}={{ r.turnover|money }};{% endfor %}{{ changes.turnover.text }}"
    ).render(**recaps.producer(history, "FOUR", "2026-11", with_charts=False).context)
    assert text == ("Le Fournil 22,50\u00a0€ vendredi 14 novembre 2025 Brioche 0;Pain de campagne 1 kg 3;"
                    "Noël 2025=0,00\u00a0€;janv. 2026=4,50\u00a0€;févr. 2026=0,00\u00a0€;+9,00\u00a0€ (+67\u00a0%)")
