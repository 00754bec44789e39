"""The round-trip guarantee: every answer column the published form produces is recognised by the
orders intake (``questions.product_code``) as the right product, for any catalogue.

Without Google: generate product and producer names (accents, brackets, dashes, ``·``, emoji), build
the form, make each answer column's header the way Google Forms does (a question's title verbatim;
``Question [Row]`` for a grid row), and parse it back.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sync import catalogue, sheet
from sync import config as config_module
from sync.forms import build_form
from sync.questions import grid_header, product_code, question_title, split_grid_header

LETTERS = [*"abcdeéèêàâçîïôùûüÿœæ ABCÉÈÀÇŒ-—–·[]()«»'\"/&:,;!?.0123456789\u00a0\t\n",
           "🍞", "🥚", "🧀", "🍎", "🐝", "[bio]", " - ", "]", "[", "⁂", "ß"]
names = st.lists(st.sampled_from(LETTERS), min_size=1, max_size=25).map("".join).filter(lambda s: s.strip())
codes = st.from_regex(r"[A-ZÉ][A-Z0-9ÉÈ_-]{0,7}", fullmatch=True)
prices = st.decimals(min_value=Decimal("0.10"), max_value=Decimal("999.99"), places=2)
weights = st.one_of(st.none(), st.decimals(min_value=Decimal("0.1"), max_value=Decimal("30"), places=2))


@settings(max_examples=300, deadline=None)
@given(codes, names, names, prices, weights, st.booleans(), names)
def test_any_title_and_grid_row_reads_back_as_its_code(code, name, packaging, price, weight, limited, producer):
    title = question_title(code, name, packaging, price, weight is not None, weight, limited)
    assert "[" not in title and "]" not in title and "\n" not in title
    assert product_code(title) == code
    assert product_code(title, {code, "X", code + "-1"}) == code
    header = grid_header(producer.strip(), title)  # a hand-made grid whose question is a producer's name
    assert product_code(header) == code
    assert product_code(header, {code}) == code
    assert split_grid_header(header)[1] == title


def _catalogue(products: list[tuple], producers: list[tuple]) -> catalogue.Catalogue:
    config = config_module.from_dict({})
    grids = {
        sheet.PRODUCERS.name: [sheet.PRODUCERS.header, *[[c, n, f"{c.lower()}@example.org", "", "chèque", "", "oui"]
                                                        for c, n in producers]],
        sheet.PRODUCTS.name: [sheet.PRODUCTS.header, *[
            [code, producer, name, packaging, str(price).replace(".", ","), "oui" if weight else "non",
             str(weight).replace(".", ",") if weight else "", stock, "", "oui", "", ""]
            for code, producer, name, packaging, price, weight, stock in products]],
        sheet.SALES.name: [sheet.SALES.header, ["2026-12", "Vente", "30/11/2026 08:00", "10/12/2026 20:00",
                                                "11/12/2026 17:00", "", "Salle des fêtes", "non", "", ""]],
    }
    return catalogue.load({name: sheet.read_table(grid, tab) for (name, grid), tab in
                           zip(grids.items(), (sheet.PRODUCERS, sheet.PRODUCTS, sheet.SALES), strict=True)},
                          config.tz)


product = st.tuples(codes, names, names, prices, weights, st.sampled_from(["", "0", "3", "40"]))


@settings(max_examples=40, deadline=None)
@given(st.lists(product, min_size=1, max_size=12, unique_by=lambda p: p[0]),
       st.lists(names, min_size=1, max_size=3))
def test_every_column_of_a_built_form_reads_back_as_its_product(products, producer_names):
    producers = [(f"P{i}", name) for i, name in enumerate(producer_names)]
    rows = [(code, producers[i % len(producers)][0], name, packaging, price, weight, stock)
            for i, (code, name, packaging, price, weight, stock) in enumerate(products)]
    found = _catalogue(rows, producers)
    plan = build_form(found, "2026-12", config_module.from_dict({}))
    offered = {item.product: item for item in plan.products}
    known = set(found.products["code"])
    for item in plan.products:
        # A drop-down's answer column is titled with the question's title, as Google writes it.
        assert product_code(item.title) == item.product
        assert product_code(item.title, known) == item.product
        assert len(item.choices) >= 2 and item.choices[0] == "0"
    for code, *_ in rows:  # each product is in the form, or left out with a reason
        if code in set(found.products["code"]):
            assert code in offered or any(o.code == code for o in plan.omitted)
    stocks = {code: stock for code, *_, stock in rows}
    for code, item in offered.items():
        most = int(item.choices[-1])
        assert most == min(10, int(stocks[code])) if stocks[code] else most == 10


def test_a_code_the_intake_could_not_read_is_left_out_with_a_problem():
    found = _catalogue([("PAIN·1", "P0", "Pain", "1 kg", Decimal("4.50"), None, ""),
                        ("PAIN2", "P0", "Pain", "1 kg", Decimal("4.50"), None, "")], [("P0", "Fournil")])
    plan = build_form(found, "2026-12", config_module.from_dict({}))
    assert [item.product for item in plan.products] == ["PAIN2"]
    assert [o.code for o in plan.omitted] == ["PAIN·1"]
    assert plan.problems[0].column == "Code" and "ne peut pas être relu" in plan.problems[0].message


def test_hand_made_headers_with_known_codes():
    known = {"PAIN1", "LEG-1"}
    assert product_code("PAIN1-Pain de campagne", known) == "PAIN1"
    assert product_code("PAIN1 pain [1 kg]", known) == "PAIN1"  # brackets that are not a grid row
    assert product_code("Ferme [bio] [LEG-1 · Carottes — 2,40 €]", known) == "LEG-1"
    assert product_code("Ferme [bio] [LEG-1 · Carottes — 2,40 €]") == "LEG-1"
    assert product_code("Nom", known) is None
