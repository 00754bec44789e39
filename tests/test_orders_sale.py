"""A realistic December sale of 20 households, checked against totals worked out by hand.

Products (tests/order_sheets.py): PAIN1 bread 4,50 € · PAIN2 brioche 6,00 € · MIEL1 honey 8,00 €,
stock 5 · POUL1 chicken 11,50 €/kg x 1,8 kg (20,70 € a unit, estimated), stock 6 · ROTI roast
16,50 €/kg x 1,2 kg (19,80 € a unit, estimated).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from conftest import at
from order_sheets import Workbook, household
from plain import into

from sync.commands import Context, check
from sync.orderbook import CANCELLED, MANUAL, MODIFIED, NEW

NOW = at("2026-12-11 12:00")

#            household, first name, last name, PAIN1, PAIN2, MIEL1, POUL1, ROTI  (first submissions, an hour apart)
ORDERS = [
    ("h01", "Martine", "Ducloux", 2, 0, 1, 1, 0),
    ("h02", "Jérôme", "Pelletier", 1, 1, 0, 0, 1),
    ("h03", "Sophie", "Renaudin", 0, 0, 2, 1, 0),  # lowers her honey to 1 on 4 December (below)
    ("h04", "Ahmed", "Benali", 3, 0, 0, 0, 0),
    ("h05", "Claire", "Moreau", 1, 1, 1, 1, 0),
    ("h06", "Bernard", "Chauvin", 0, 2, 0, 0, 1),
    ("h07", "Élodie", "Garnier", 2, 0, 1, 2, 0),  # honey 5/5 taken, chicken 5/6
    ("h08", "Thomas", "Lemaire", 1, 0, 1, 1, 0),  # honey: none left at first; chicken 6/6
    ("h09", "Nathalie", "Roux", 0, 1, 0, 1, 1),  # chicken: none left, cut
    ("h10", "Kévin", "Marchand", 2, 0, 0, 0, 0),
    ("h11", "Françoise", "Aubry", 1, 1, 0, 0, 0),
    ("h12", "Lucas", "Fontaine", 0, 0, 0, 0, 2),
    ("h13", "Isabelle", "Perrin", 1, 0, 0, 0, 0),
    ("h14", "Mathieu", "Girard", 2, 1, 0, 0, 0),
    ("h15", "Aurélie", "Caron", 0, 0, 0, 0, 1),
    ("h16", "Pierre", "Vasseur", 1, 0, 0, 0, 0),
    ("h17", "Yasmine", "Haddad", 1, 1, 0, 0, 0),
    ("h18", "Gérard", "Lebrun", 2, 0, 0, 0, 0),  # cancels on 3 December
    ("h19", "Chloé", "Besson", 3, 0, 0, 0, 0),  # by phone
    ("h20", "Paul", "Meunier", 1, 0, 0, 0, 0),  # changes to 2 breads and a brioche on 3 December
]
CODES = ["PAIN1", "PAIN2", "MIEL1", "POUL1", "ROTI"]


def email(key: str) -> str:
    return f"{key}@example.org"


def december() -> Workbook:
    book = Workbook()
    for hour, (key, first, last, *quantities) in enumerate(ORDERS):
        when = at("2026-12-01 08:00") + timedelta(hours=hour)
        asked = {code: str(q) for code, q in zip(CODES, quantities, strict=True) if q}
        if key == "h19":
            book.phone(when.strftime("%d/%m/%Y %H:%M"), email(key), asked, "", first, last, "06 00 00 00 19")
        else:
            book.respond(when.strftime("%d/%m/%Y %H:%M:%S"), email(key), first, last, "", "", **asked)
    book.respond("03/12/2026 10:00:00", email("h18"), "Gérard", "Lebrun")  # nothing: a cancellation
    book.respond("03/12/2026 11:00:00", email("h20"), "Paul", "Meunier", PAIN1="2", PAIN2="1")
    # Sophie gives one honey back: it goes to the first household that was cut (h08), not to a later one
    book.respond("04/12/2026 09:00:00", email("h03"), "Sophie", "Renaudin", MIEL1="1", POUL1="1")
    return book


def test_totals_per_producer_and_product():
    result = december().refresh(NOW)
    assert result.changes.replace["Par producteur"] == [
        ["Vente", "Producteur", "Produit", "Libellé", "Quantité", "Montant"],
        # PAIN1: 2+1+3+1+2+1+2+1+1+2+1+1+3+2 = 23 breads (h18 cancelled, h20 now 2) x 4,50 = 103,50
        ["2026-12", "FERME", "PAIN1", "Pain de campagne 1 kg", 23, 103.5],
        # PAIN2: h02 1, h05 1, h06 2, h09 1, h11 1, h14 1, h17 1, h20 1 = 9 x 6,00 = 54,00
        ["2026-12", "FERME", "PAIN2", "Brioche 500 g", 9, 54.0],
        # MIEL1: h01, h03 (now 1), h05, h07, h08 (after Sophie's change) = 5, the whole stock x 8,00 = 40,00
        ["2026-12", "RUCH", "MIEL1", "Miel de fleurs pot de 500 g", 5, 40.0],
        # POUL1: h01 1, h03 1, h05 1, h07 2, h08 1 = 6, the whole stock x 20,70 = 124,20 (estimate)
        ["2026-12", "VOL", "POUL1", "Poulet fermier la pièce (1,8 kg environ)", 6, 124.2],
        # ROTI: h02 1, h06 1, h09 1, h12 2, h15 1 = 6 x 19,80 = 118,80 (estimate)
        ["2026-12", "VOL", "ROTI", "Rôti de porc la pièce", 6, 118.8],
    ]
    households = result.book.households
    # 103,50 + 54,00 + 40,00 + 124,20 + 118,80
    assert sum(households["amount"]) == Decimal("440.50")
    assert sum(result.book.lines["amount"]) == Decimal("440.50")


def test_each_household():
    book = december().build(NOW)
    assert len(book.households) == 20
    expected = {
        "h01": ("Martine Ducloux", NEW, "37.70"),  # 2 x 4,50 + 8,00 + 20,70
        "h03": ("Sophie Renaudin", MODIFIED, "28.70"),  # 8,00 + 20,70
        "h05": ("Claire Moreau", NEW, "39.20"),  # 4,50 + 6,00 + 8,00 + 20,70
        "h07": ("Élodie Garnier", NEW, "58.40"),  # 9,00 + 8,00 + 2 x 20,70
        "h08": ("Thomas Lemaire", NEW, "33.20"),  # 4,50 + 8,00 + 20,70
        "h09": ("Nathalie Roux", NEW, "25.80"),  # 6,00 + 0 chicken + 19,80
        "h12": ("Lucas Fontaine", NEW, "39.60"),  # 2 x 19,80
        "h18": ("Gérard Lebrun", CANCELLED, "0.00"),
        "h19": ("Chloé Besson", NEW, "13.50"),  # 3 x 4,50
        "h20": ("Paul Meunier", MODIFIED, "15.00"),  # 2 x 4,50 + 6,00
    }
    for key, (name, status, amount) in expected.items():
        row = household(book, email(key))
        assert (row["name"], row["status"], str(row["amount"])) == (name, status, amount), key
    assert household(book, email("h19"))["source"] == MANUAL
    assert household(book, email("h20"))["submissions"] == 2
    nathalie = book.lines[(book.lines["email"] == email("h09")) & (book.lines["product"] == "POUL1")].iloc[0]
    assert (nathalie["requested"], nathalie["allocated"], nathalie["amount"]) == (1, 0, Decimal("0.00"))
    [cut] = book.problems
    assert "Nathalie Roux (h09@example.org) en a demandé 1, rien ne lui est attribué" in cut.message


def test_the_commandes_tab_has_every_line_and_the_cancellation():
    grid = december().refresh(NOW).changes.replace["Commandes"]
    # 3+3+2+1+4+2+3+3+3+1+2+1+1+2+1+1+2+1+2 = 38 lines, and one row for Gérard's cancelled order
    assert len(grid) == 1 + 38 + 1
    assert [r[2] for r in grid[1:4]] == ["Ahmed Benali", "Aurélie Caron", "Bernard Chauvin"]
    assert ["2026-12", "h18@example.org", "Gérard Lebrun", "", "", "", 0, 0, "", 0.0, "", "annulée",
            "03/12/2026 10:00"] in grid


def test_check_says_it_in_one_line(config):
    store = december().store()
    output: list[str] = []
    check.run(Context(config, store, NOW, into(output)))
    assert ("  2026-12 · Vente de décembre (close le jeudi 10 décembre 2026 à 20 h) : 19 commandes dont 2 modifiées, "
            "1 annulée ; 440,50 € (estimation pour les produits au poids) ; 1 quantité réduite faute de "
            "stock.") in output
    assert len(store.tabs["Clients"]) == 1 + 20
