"""The lists as tables: what each producer brings and collects, what each household pays to whom."""

from __future__ import annotations

from decimal import Decimal

from lists_builders import DECEMBER, book, december_book

from sync.lists import (
    collection_sheet,
    household_statement,
    households_in_sale,
    producer_list,
    producers_in_sale,
    sale_lines,
    sign_off_frame,
)
from sync.lists.sign_off import FIXED_AFTER, FIXED_BEFORE

SALE = "2026-12"


def by_producer(book_, sale):
    """The « Par producteur » sums, computed the plain way from the order book's lines."""
    lines = book_.lines[(book_.lines["sale"] == sale) & (book_.lines["allocated"] > 0)]
    return {key: sum(group["amount"], Decimal(0)) for key, group in lines.groupby(["producer", "product"])}


def test_totals_cross_check(cat, dec):
    """Sum over households = producer total = sum of Par producteur rows; the sign-off sheet's grand
    total = the sum of all producer totals = the households' amounts in the order book."""
    reference = by_producer(dec, SALE)
    grand = Decimal(0)
    for code in producers_in_sale(dec, cat, SALE):
        plist = producer_list(dec, cat, SALE, code)
        over_households = sum((h.amount for h in plist.households), Decimal(0))
        over_products = sum(plist.products["amount"], Decimal(0))
        par_producteur = sum(v for (p, _), v in reference.items() if p == code)
        assert over_households == plist.total == over_products == par_producteur
        for row in plist.products.itertuples():
            assert row.amount == reference[(code, row.product)]
        collect = collection_sheet(dec, SALE, code)
        assert sum(collect["amount"], Decimal(0)) == plist.total
        grand += plist.total
    frame = sign_off_frame(dec, cat, [SALE])
    assert sum(frame["Total"], Decimal(0)) == grand
    households = dec.households[dec.households["sale"] == SALE]
    assert grand == sum(households["amount"], Decimal(0))
    producer_columns = [c for c in frame.columns if c not in FIXED_BEFORE + FIXED_AFTER]
    assert sum(sum((v for v in frame[c] if v != ""), Decimal(0)) for c in producer_columns) == grand
    for _, row in frame.iterrows():
        assert sum((row[c] for c in producer_columns if row[c] != ""), Decimal(0)) == row["Total"]


def test_producer_list_brings_totals_and_blocks_per_household(cat, dec):
    plist = producer_list(dec, cat, SALE, "VIAN")
    products = plist.products.set_index("product")
    # VIA1 (rôti, 1,2 kg, 16,50 €/kg): Martine 1 + Élodie 2 = 3 units, 3,6 kg estimated
    assert products.loc["VIA1", "quantity"] == 3
    assert products.loc["VIA1", "weight"] == Decimal("3.6")
    assert products.loc["VIA1", "amount"] == Decimal("59.40")
    assert products.loc["VIA1", "estimated"]
    assert products.loc["VIA1", "households"] == 2
    assert list(plist.products["product"]) == ["VIA1", "VIA2", "VIA3", "VIA4"]  # the Produits tab's order
    names = [h.sort_name for h in plist.households]
    assert names == sorted(names, key=lambda n: n.lower().replace("é", "e"))
    assert names[0] == "Benali Ahmed"
    elodie = next(h for h in plist.households if h.email == "elodie.garnier@example.org")
    assert list(elodie.lines["product"]) == ["VIA1", "VIA3"]
    assert elodie.amount == Decimal("39.60") + Decimal("8.40")
    assert elodie.estimated
    assert plist.estimated
    bread = producer_list(dec, cat, SALE, "FOUR")
    assert not bread.estimated and bread.products["weight"].isna().all()


def test_lines_cut_to_zero_and_cancelled_orders_are_not_handed_over(cat):
    cut = {(SALE, "ahmed.benali@example.org", "VIA2"): 0, (SALE, "kevin.marchand@example.org", "BIE3"): 4}
    b = december_book(cat, cut=cut, cancelled=("francoise.aubry@example.net",))
    lines = sale_lines(b, SALE)
    assert "francoise.aubry@example.net" not in set(lines["email"])
    assert not ((lines["email"] == "ahmed.benali@example.org") & (lines["product"] == "VIA2")).any()
    kevin = lines[(lines["email"] == "kevin.marchand@example.org") & (lines["product"] == "BIE3")]
    assert kevin.iloc[0]["quantity"] == 4 and kevin.iloc[0]["amount"] == 4 * Decimal("2.90")
    assert "francoise.aubry@example.net" not in households_in_sale(b, SALE)
    frame = sign_off_frame(b, cat, [SALE])
    assert "francoise.aubry@example.net" not in set(frame["Email"])


def test_household_statement_groups_by_producer_with_how_to_pay(cat, dec):
    s = household_statement(dec, cat, SALE, "martine.ducloux@example.org")
    assert [p.producer.code for p in s.parts] == ["FOUR", "CHEV", "VIAN", "OEUF"]  # Producteurs order
    amounts = {p.producer.code: p.amount for p in s.parts}
    assert amounts == {"FOUR": Decimal("9.00"), "CHEV": Decimal("7.00"), "VIAN": Decimal("19.80"),
                       "OEUF": Decimal("4.20")}
    assert s.total == sum(amounts.values())
    assert s.estimated  # the roast is sold by weight
    assert s.cheques == 4
    chev = next(p for p in s.parts if p.producer.code == "CHEV")
    assert chev.producer.how_to_pay == "chèque à l'ordre de « GAEC de la Chèvrerie » ou espèces"
    vian = next(p for p in s.parts if p.producer.code == "VIAN")
    assert vian.producer.how_to_pay == "chèque à l'ordre de « SCEA des Trois Chênes »"
    assert s.sale.place.startswith("Salle des fêtes") and s.sale.distribution.day == 11


def test_cash_only_producer_needs_no_cheque(cat):
    b = book({SALE: {"francoise.aubry@example.net": {"POM3": 1, "PAIN1": 1}}}, cat)
    s = household_statement(b, cat, SALE, "francoise.aubry@example.net")
    assert s.cheques == 1
    assert [p.code for p in s.cash_only] == ["POMM"]
    pomm = next(p for p in s.parts if p.producer.code == "POMM")
    assert pomm.producer.how_to_pay == "espèces"  # no payee: « Ordre des chèques » is blank and cheques are refused


def test_collection_sheet_has_blank_boxes_to_fill_in(dec):
    sheet_ = collection_sheet(dec, SALE, "BIER")
    assert list(sheet_["sort_name"]) == ["Garnier Élodie", "Marchand Kévin"]
    assert list(sheet_["amount"]) == [Decimal("11.00"), Decimal("3") * Decimal("5.80") + 6 * Decimal("2.90")]
    assert set(sheet_["paid"]) == {""} and set(sheet_["cheque"]) == {""}


def test_sign_off_frame_shape(cat, dec):
    frame = sign_off_frame(dec, cat)
    assert list(frame.columns[:4]) == ["Vente", "Nom", "Email", "Téléphone"]
    assert list(frame.columns[-3:]) == ["Total", "Payé", "Remarques"]
    middle = list(frame.columns[4:-3])
    assert middle[0] == "Le Fournil des Vignes" and "Ferme des Trois Chênes" in middle
    # the latest distribution first; households alphabetical within a sale
    assert list(dict.fromkeys(frame["Vente"])) == ["2026-12", "2026-11"]
    december = frame[frame["Vente"] == SALE]
    assert list(december["Nom"]) == sorted(december["Nom"], key=lambda n: n.replace("É", "E"))
    assert len(december) == len(DECEMBER)
    ahmed = december[december["Email"] == "ahmed.benali@example.org"].iloc[0]
    assert ahmed["Le Fournil des Vignes"] == Decimal("4.20")
    assert ahmed["Rucher des Bruyères"] == ""


def test_sign_off_column_titles_never_clash(cat):
    producers = cat.producers.copy()
    producers.loc[producers["code"] == "MIEL", "name"] = "Le Fournil des Vignes"
    producers.loc[producers["code"] == "BIER", "name"] = "Total"
    clash = type(cat)(producers, cat.products, cat.sales, [])
    b = book({SALE: {"jerome.pelletier@example.net": {"PAIN1": 1, "MIE1": 1, "BIE1": 1}}}, clash)
    frame = sign_off_frame(b, clash, [SALE])
    assert "Le Fournil des Vignes (FOUR)" in frame.columns and "Le Fournil des Vignes (MIEL)" in frame.columns
    assert "Total (BIER)" in frame.columns
    assert frame.iloc[0]["Total"] == Decimal("4.50") + Decimal("8.00") + Decimal("5.50")
