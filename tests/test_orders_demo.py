"""The demo group through the orders: the veal boxes that run out, the household that changes its
mind, the quantity typed in letters, the late order and the phone order; and replays with ``now``."""

from __future__ import annotations

from decimal import Decimal

from conftest import at
from order_sheets import household, lines_of

from sync import catalogue, demo, orders, refresh, snapshot
from sync.orderbook import FORM, MANUAL, MODIFIED, NEW
from sync.problems import ERROR, WARNING
from sync.stores import MemoryStore
from sync.values import parse_datetime

CLOSED = at("2026-12-11 12:00")


def build(config, now):
    snap = snapshot.read(MemoryStore(demo.build()), config)
    return orders.build(snap, catalogue.load(snap.tables, config.tz), config, now)


def veal_requests(config):
    """Who asks for a veal box in December, in the order the requests arrived (from the demo's grid)."""
    grid = demo.build()["Réponses au formulaire 1"]
    column = next(i for i, h in enumerate(grid[0]) if "[VIA2 " in h)
    wanted = []
    for row in grid[1:]:
        moment = parse_datetime(row[0], config.tz).value
        if at("2026-11-30 08:00") <= moment < at("2026-12-10 20:00") and row[column]:
            wanted.append((moment, row[1], int(row[column])))
    return sorted(wanted)


def test_the_veal_boxes_go_to_the_first_four(config):
    book = build(config, CLOSED)
    december = lines_of(book, "2026-12")
    requests = veal_requests(config)
    flagged = {"jerome.pelletier@example.net", "ahmed.benali@example.org", "thomas.lemaire@example.net",
               "kevin.marchand@example.org", "isabelle.perrin@example.org", "yasmine.haddad@example.net"}
    assert flagged <= {email for _, email, _ in requests}, "the six households demo.py gives a veal box"
    first, rest = requests[:4], requests[4:]
    assert all(q == 1 for _, _, q in first)
    assert [december[(email, "VIA2")] for _, email, _ in first] == [(1, 1)] * 4
    assert [december[(email, "VIA2")] for _, email, q in rest] == [(q, 0) for _, _, q in rest]
    cut = [p for p in book.problems if p.sale == "2026-12" and "stock épuisé pour VIA2" in p.message]
    assert len(cut) == len(rest) >= 2
    assert all(p.severity == WARNING for p in cut)
    assert all(any(f"({email}) en a demandé" in p.message for p in cut) for _, email, _ in rest)


def test_the_household_that_changes_its_mind(config):
    book = build(config, CLOSED)
    bernard = household(book, "bernard.chauvin@example.com")
    assert (bernard["status"], bernard["submissions"]) == (MODIFIED, 2)
    assert bernard["submitted_at"] == at("2026-12-03 20:24:24")
    assert bernard["comment"] == "J'ai modifié ma commande : un pain de plus."
    mine = {p: q for (e, p), q in lines_of(book, "2026-12").items() if e == "bernard.chauvin@example.com"}
    assert mine["PAIN1"] == (2, 2) and mine["CHV3"] == (1, 1)


def test_the_quantity_in_letters(config):
    book = build(config, CLOSED)
    [problem] = [p for p in book.problems if p.value == "deux"]
    assert (problem.severity, problem.row, problem.sale) == (ERROR, 20, "2026-12")
    assert "Élodie Garnier" in problem.message and "[OEU1 " in problem.column
    elodie = {p for (e, p) in lines_of(book, "2026-12") if e == "elodie.garnier@example.org"}
    assert elodie and "OEU1" not in elodie, "the rest of her order stands"


def test_the_late_order(config):
    book = build(config, CLOSED)
    [late] = [p for p in book.problems if "clôture" in p.message]
    assert (late.severity, late.sale, late.row, late.column) == (WARNING, "2026-12", 28, "Horodateur")
    assert late.message.startswith("commande d'Aurélie Caron (aurelie.caron@example.com) arrivée le jeudi "
                                   "10 décembre 2026 à 21 h 16, après la clôture de la vente 2026-12 (Vente de "
                                   "décembre) le jeudi 10 décembre 2026 à 20 h")
    assert "aurelie.caron@example.com" not in set(book.households["email"])


def test_the_phone_order(config):
    book = build(config, CLOSED)
    gerard = household(book, "gerard.lebrun@example.com")
    assert (gerard["source"], gerard["status"], gerard["amount"]) == (MANUAL, NEW, Decimal("21.40"))
    assert {p: q for (e, p), q in lines_of(book, "2026-12").items() if e == "gerard.lebrun@example.com"} == {
        "LEG2": (1, 1), "OEU1": (2, 2), "MIE1": (1, 1)}


def test_the_whole_demo_has_only_the_expected_anomalies(config):
    result = refresh.refresh(snapshot.read(MemoryStore(demo.build()), config), config, CLOSED)
    kinds = sorted((p.sale, p.severity, p.message.split(" ")[0]) for p in result.problems)
    cuts = sum(1 for p in result.problems if p.message.startswith("stock épuisé"))
    assert kinds == sorted([("2026-12", ERROR, "quantité"), ("2026-12", WARNING, "commande"),
                            *[(p.sale, WARNING, "stock") for p in result.problems
                              if p.message.startswith("stock épuisé")]])
    assert cuts >= 3  # November's veal box ran out too
    assert [r["Email"] or r["Téléphone"] for r in result.newcomers] == [
        "gerard.lebrun@example.com", "02 54 10 00 20", "isabelle.perrin@example.org", "mathieu.girard@example.net",
        "yasmine.haddad@example.net", "aurelie.caron@example.com"]  # Odette Marchais has no email: by her phone
    counts = result.book.households.groupby("sale").size().to_dict()
    assert counts == {"2026-11": 12, "2026-12": 15}


def test_replaying_a_moment_of_the_sale(config):
    early = build(config, at("2026-12-02 10:00"))
    december = early.for_sale("2026-12")
    assert set(december.households["email"]) == {"martine.ducloux@example.org", "jerome.pelletier@example.net",
                                                 "sophie.renaudin@example.com", "ahmed.benali@example.org"}
    assert [p for p in december.problems if p.sale == "2026-12"] == []
    assert sum(december.lines.loc[december.lines["product"] == "VIA2", "allocated"]) == 2

    before_change = build(config, at("2026-12-03 12:00"))
    bernard = household(before_change, "bernard.chauvin@example.com")
    assert (bernard["status"], bernard["submissions"], bernard["source"]) == (NEW, 1, FORM)
    assert household(before_change, "gerard.lebrun@example.com")["source"] == MANUAL

    november = build(config, at("2026-11-20 12:00"))
    assert set(november.households["sale"]) == {"2026-11"}
    assert november.for_sale("2026-11").households.equals(build(config, CLOSED).for_sale("2026-11").households)
